"""Load: write one accepted submission version into the warehouse (inside the caller's transaction)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from tasks.intake.submission import Submission


def next_version(con: duckdb.DuckDBPyConnection, unit_code: str, period_id: str) -> int:
    row = con.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM submissions WHERE unit_code = ? AND period_id = ?",
        [unit_code, period_id],
    ).fetchone()
    return int(row[0])


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
    key = (sub.unit_code, sub.period_id, version)
    h = sub.header
    con.execute(
        "INSERT INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            *key,
            arrival_no,
            sha256,
            received_at,
            timeliness,
            bool(sub.messages),
            h.unit_name,
            h.preparer,
            h.phone,
            h.email,
            h.prepared_on,
            sub.template_version,
        ],
    )
    if sub.values:
        con.executemany(
            "INSERT INTO element_values VALUES (?, ?, ?, ?, ?, ?)",
            [(*key, v.code, v.value, v.note) for v in sub.values],
        )
    if sub.activities:
        _insert_activities(con, key, sub)
    if sub.narratives:
        con.executemany(
            "INSERT INTO narratives VALUES (?, ?, ?, ?, ?)",
            [(*key, section, body) for section, body in sub.narratives.items()],
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


def _insert_activities(con: duckdb.DuckDBPyConnection, key: tuple, sub: Submission) -> None:
    """One set-based insert from a DataFrame (executemany costs ~1 ms a row: 10,000 rows = 8 s)."""
    frame = pd.DataFrame(
        [
            (
                *key,
                a.row,
                a.activity_date,
                a.activity_type,
                a.channel,
                a.title,
                int(a.quantity),
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
    con.register("_activities_in", frame)
    try:
        con.execute(
            "INSERT INTO activities SELECT unit_code, period_id, version, line_no,"
            " CAST(activity_date AS DATE), activity_type, channel, CAST(title AS VARCHAR), quantity,"
            " reach, cost, CAST(evidence_url AS VARCHAR) FROM _activities_in"
        )
    finally:
        con.unregister("_activities_in")
