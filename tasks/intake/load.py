"""Load: write one accepted submission version into the warehouse (inside the caller's transaction).

The statements are schemas/sql/load_*.sql. pandas is imported only when a submission has
activities (the set-based insert), so an intake of an empty inbox never loads it.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from tasks.core.warehouse import execute, execute_many, query
from tasks.intake.submission import Submission

ACTIVITIES_VIEW = "_activities_in"  # the name schemas/sql/load_insert_activities.sql selects from


def next_version(con: duckdb.DuckDBPyConnection, unit_code: str, period_id: str) -> int:
    rows = query(con, "load_next_version", unit_code=unit_code, period_id=period_id)
    return int(rows[0]["version"])


def insert_submission(
    con: duckdb.DuckDBPyConnection,
    sub: Submission,
    *,
    version: int,
    arrival_no: int,
    sha256: str,
    received_at: datetime,
    timeliness: str,
) -> None:
    """Insert the submission row and its values, activities and narratives (grain: see DDL)."""
    key = {"unit_code": sub.unit_code, "period_id": sub.period_id, "version": version}
    h = sub.header
    execute(
        con,
        "load_insert_submission",
        **key,
        arrival_no=arrival_no,
        sha256=sha256,
        received_at=received_at,
        timeliness=timeliness,
        has_warnings=bool(sub.messages),
        unit_name_given=h.unit_name,
        preparer=h.preparer,
        phone=h.phone,
        email=h.email,
        prepared_on=h.prepared_on,
        template_version=sub.template_version,
    )
    execute_many(
        con,
        "load_insert_value",
        ({**key, "element_code": v.code, "value": v.value, "note": v.note} for v in sub.values),
    )
    if sub.activities:
        _insert_activities(con, key, sub)
    execute_many(
        con,
        "load_insert_narrative",
        ({**key, "section": section, "body": body} for section, body in sub.narratives.items()),
    )


ACTIVITY_COLUMNS = [
    "unit_code",
    "period_id",
    "version",
    "line_no",
    "activity_date",
    "activity_type",
    "channel",
    "title",
    "quantity",
    "reach",
    "cost",
    "evidence_url",
]


def _insert_activities(con: duckdb.DuckDBPyConnection, key: dict, sub: Submission) -> None:
    """One set-based insert from a DataFrame (executemany costs ~1 ms a row: 10,000 rows = 8 s)."""
    import pandas as pd  # noqa: PLC0415 - lazy: only a submission with activities needs it

    frame = pd.DataFrame(
        [
            (
                key["unit_code"],
                key["period_id"],
                key["version"],
                a.row,
                a.activity_date,
                a.activity_type,
                a.channel,
                a.title,
                None if a.quantity is None else int(a.quantity),
                a.reach,
                a.cost,
                a.evidence_url,
            )
            for a in sub.activities
        ],
        columns=ACTIVITY_COLUMNS,
    ).astype(
        {
            "activity_date": "datetime64[s]",
            "reach": "float64",
            "cost": "float64",
            "title": "object",
            "evidence_url": "object",
        }
    )
    con.register(ACTIVITIES_VIEW, frame)
    try:
        execute(con, "load_insert_activities")
    finally:
        con.unregister(ACTIVITIES_VIEW)
