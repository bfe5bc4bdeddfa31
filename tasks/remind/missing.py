"""Who is reminded for a period: the units expected for it without an accepted submission — status
`missing` (sent nothing) or `rejected` (sent only files that were rejected) of the one status rule,
tasks.report.submission_status — with what was wrong with the last rejected file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from schemas.catalog_model import Catalog
from tasks.core.periods import Period, period_containing
from tasks.core.settings import Settings
from tasks.core.warehouse import connect, locked_periods, query
from tasks.report.submission_status import submission_status

REMINDED_STATUSES = ("missing", "rejected")
# Before this many days ahead of a period's cut-off its own units are reminded (the reminder a few
# working days before the deadline, tasks/core/run_calendar.py); earlier, the last closed period.
LEAD_DAYS = 10


@dataclass(frozen=True)
class Rejection:
    """The last rejected file of a unit for the period and its first error (receipt order)."""

    file_name: str
    received_at: datetime
    rule: str | None
    sheet: str | None
    cell: str | None
    message_vi: str | None
    errors: int  # error messages of that file
    after_lock: bool  # refused because the period was locked

    @property
    def place(self) -> str:
        """'trang Chỉ tiêu, ô E7' (what is known of it)."""
        parts = [f"trang {self.sheet}" if self.sheet else "", f"ô {self.cell}" if self.cell else ""]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class MissingUnit:
    """One unit to remind (grain: one per expected unit without an accepted submission)."""

    unit_code: str
    unit_name: str
    cause: str  # missing | rejected
    emails: tuple[str, ...]
    rejected_arrivals: int
    rejection: Rejection | None


@dataclass(frozen=True)
class MissingList:
    period_id: str
    expected: int
    locked: bool
    units: tuple[MissingUnit, ...]


def reminder_period(today: date) -> Period:
    """The period a reminder run is about when none is given: the period whose data window is about
    to close (from LEAD_DAYS before its cut-off), else the latest period whose window has closed."""
    current = period_containing(today)
    if today >= current.window_end - timedelta(days=LEAD_DAYS):
        return current
    return current.prev()


def missing_units(settings: Settings, catalog: Catalog, period: Period) -> MissingList:
    expected = catalog.expected_units(period.window_start, period.window_end)
    with connect(settings.paths.warehouse, read_only=True) as con:
        status = submission_status(con, catalog, period, expected, settings.calendar)
        reasons = {r["unit_code"]: r for r in query(con, "remind_rejected", period_id=period.id)}
        locked = period.id in locked_periods(con)
    units = []
    for row in status.rows:
        if not row.expected or row.status not in REMINDED_STATUSES:
            continue
        unit = catalog.unit(row.unit_code)
        r = reasons.get(row.unit_code)
        rejection = (
            Rejection(
                file_name=r["file_name"],
                received_at=r["received_at"],
                rule=r["rule"],
                sheet=r["sheet"],
                cell=r["cell"],
                message_vi=r["message_vi"],
                errors=int(r["errors"]),
                after_lock=r["timeliness"] == "after_lock",
            )
            if r is not None
            else None
        )
        units.append(
            MissingUnit(
                unit_code=row.unit_code,
                unit_name=row.unit_name,
                cause=row.status,
                emails=unit.emails if unit else (),
                rejected_arrivals=row.rejected_arrivals,
                rejection=rejection,
            )
        )
    return MissingList(period.id, status.expected, locked, tuple(units))
