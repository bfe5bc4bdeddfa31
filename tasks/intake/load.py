"""Load: write a batch of accepted submission versions into the warehouse (inside the caller's
transaction), one statement per table for the whole batch.

The statements are schemas/sql/load_*.sql; each takes one list per column
(`tasks.core.warehouse.execute_columns`), so 1,000 submissions cost five statements, not 30,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from tasks.core.warehouse import execute_columns, query
from tasks.intake.submission import Submission


@dataclass(frozen=True)
class Load:
    """One accepted submission and where it goes: its version and the arrival that brought it."""

    sub: Submission
    version: int
    arrival_no: int
    sha256: str
    received_at: datetime
    timeliness: str

    @property
    def key(self) -> dict:
        return {
            "unit_code": self.sub.unit_code,
            "period_id": self.sub.period_id,
            "version": self.version,
        }


def latest_versions(
    con: duckdb.DuckDBPyConnection, unit_codes: Iterable[str]
) -> dict[tuple[str, str], int]:
    """The newest loaded version of each unit x period of these units (absent: none yet)."""
    codes = sorted(set(unit_codes))
    if not codes:
        return {}
    return {
        (r["unit_code"], r["period_id"]): int(r["version"])
        for r in query(con, "load_latest_versions", unit_code=codes)
    }


def _number(value: object) -> float | None:
    """A float for DuckDB's list binding (a list mixing int and float is refused)."""
    return None if value is None else float(value)  # type: ignore[arg-type]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _day(value: date | None) -> date | None:
    """A date (a reader may give a datetime; one list must hold one type)."""
    return value.date() if isinstance(value, datetime) else value


def insert_submissions(con: duckdb.DuckDBPyConnection, loads: list[Load]) -> None:
    """Insert the submission rows and their values, activities and narratives (grain: see DDL)."""
    execute_columns(con, "load_insert_submission", _submission_rows(loads))
    execute_columns(
        con,
        "load_insert_value",
        (
            {**x.key, "element_code": v.code, "value": _number(v.value), "note": v.note}
            for x in loads
            for v in x.sub.values
        ),
    )
    execute_columns(
        con,
        "load_insert_activities",
        (
            {
                **x.key,
                "line_no": a.row,
                "activity_date": _day(a.activity_date),
                "activity_type": a.activity_type,
                "channel": a.channel,
                "title": _text(a.title),
                "quantity": None if a.quantity is None else int(a.quantity),
                "reach": _number(a.reach),
                "cost": _number(a.cost),
                "evidence_url": _text(a.evidence_url),
            }
            for x in loads
            for a in x.sub.activities
        ),
    )
    execute_columns(
        con,
        "load_insert_narrative",
        (
            {**x.key, "section": section, "body": body}
            for x in loads
            for section, body in x.sub.narratives.items()
        ),
    )


def _submission_rows(loads: list[Load]) -> Iterator[dict]:
    for x in loads:
        h = x.sub.header
        yield {
            **x.key,
            "arrival_no": x.arrival_no,
            "sha256": x.sha256,
            "received_at": x.received_at,
            "timeliness": x.timeliness,
            "has_warnings": bool(x.sub.messages),
            "unit_name_given": h.unit_name,
            "preparer": h.preparer,
            "phone": h.phone,
            "email": h.email,
            "prepared_on": h.prepared_on,
            "template_version": x.sub.template_version,
        }
