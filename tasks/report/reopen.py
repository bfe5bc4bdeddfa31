"""Reopen an issued (locked) period: who, when and why are recorded, the lock is lifted.

After a reopening (INTERFACE.md, `dxreport reopen`):
- files of the period are taken again; a file refused as `after_lock` before the reopening is taken
  anew when sent again (the `counted_arrivals` view of schemas/sql/ddl.sql: its bytes no longer make
  a `duplicate`);
- the next report of the period gets a new file name and says which issued report it replaces
  (`replaced_report`, used by tasks/report/issue.py); the issued PDF is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from tasks.core.errors import DxError, UsageError
from tasks.core.periods import Period, format_date_vi
from tasks.core.settings import TZ, Settings
from tasks.core.warehouse import connect, execute, query


class PeriodNotLockedError(DxError):
    """Only a locked (issued) period can be reopened."""

    def __init__(self, period: Period):
        super().__init__(
            f"Không mở lại được {period.label_vi} ({period.id}): kỳ này chưa bị khóa (chưa ban "
            "hành báo cáo chính thức), các đơn vị vẫn gửi số liệu được.",
            f"Cannot reopen {period.id}: the period is not locked (no final report has been "
            "issued), units can still send data.",
            "Chỉ mở lại kỳ đã ban hành báo cáo chính thức; xem `dxreport status --period "
            f"{period.id}`.",
            f"Only a period whose final report was issued can be reopened; see `dxreport status "
            f"--period {period.id}`.",
        )


@dataclass(frozen=True)
class ReplacedReport:
    """The issued report a new report of a reopened period replaces."""

    file_name: str  # e.g. bao-cao-2025Q3.pdf
    issued_at: datetime
    reopened_at: datetime
    reason: str
    issue_no: int  # the new report is the issue_no-th issue of the period (2 after one reopening)
    doc_number: str = ""  # "Số: 125/BC-SKHCN" from the register ("" for a report issued before it)
    issued_on: date | None = None  # the date the replaced report bears

    @property
    def sentence(self) -> str:
        """What the new report says (Vietnamese): the replaced report's number, date and file."""
        day = self.issued_on or self.issued_at.astimezone(TZ).date()
        number = self.doc_number.replace("Số:", "số").strip()
        which = (
            f"Báo cáo {number} ngày {format_date_vi(day)}"
            if number
            else (f"báo cáo ban hành ngày {format_date_vi(day)}")
        )
        return (
            f"Báo cáo này thay thế {which} (tệp {self.file_name}); kỳ báo cáo được mở lại ngày "
            f"{format_date_vi(self.reopened_at.astimezone(TZ).date())}, lý do: {self.reason}."
        )


def _required(value: str | None, option: str, what_vi: str, what_en: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise UsageError(
            f"Thiếu {what_vi} ({option}).",
            f"Missing {what_en} ({option}).",
            f"Ví dụ: dxreport reopen --period 2025Q3 {option} ...",
            f"For example: dxreport reopen --period 2025Q3 {option} ...",
        )
    return text


def reopen_period(settings: Settings, period: Period, reason: str | None, by: str | None) -> dict:
    """Record the reopening of `period` (now, by, reason) and lift its lock, in one transaction.

    Raises UsageError for a blank reason or name, PeriodNotLockedError when the period is open.
    """
    reason = _required(reason, "--reason", "lý do mở lại", "the reason")
    by = _required(by, "--by", "tên người mở lại", "who reopens it")
    now = settings.clock()
    with connect(settings.paths.warehouse) as con:
        con.execute("BEGIN")
        try:
            locks = query(con, "reopen_lock_of", period_id=period.id)
            if not locks:
                raise PeriodNotLockedError(period)
            lock = locks[0]
            execute(
                con,
                "reopen_record",
                period_id=period.id,
                reopened_at=now,
                reason=reason,
                locked_at=lock["locked_at"],
                reopened_by=by,
                report_path=lock["report_path"],
            )
            execute(con, "reopen_unlock", period_id=period.id)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return {
        "period": period.id,
        "label": period.label_vi,
        "reopened_at": now.replace(microsecond=0).isoformat(),
        "by": by,
        "reason": reason,
        "locked_at": lock["locked_at"].astimezone(TZ).replace(microsecond=0).isoformat(),
        "report": lock["report_path"],
    }


def replaced_report(con: duckdb.DuckDBPyConnection, period: Period) -> ReplacedReport | None:
    """The issued report a new report of `period` replaces (None: never reopened)."""
    reopens = query(con, "period_reopens", period_id=period.id)
    if not reopens:
        return None
    last = reopens[-1]
    path = last["report_path"] or f"bao-cao-{period.id}.pdf"
    issued = {r["pdf_path"]: r for r in query(con, "report_register_of", period_id=period.id)}
    row = issued.get(path)
    return ReplacedReport(
        file_name=Path(path).name,
        issued_at=last["locked_at"],
        reopened_at=last["reopened_at"],
        reason=last["reason"],
        issue_no=len(reopens) + 1,
        doc_number=row["doc_number_text"] if row else "",
        issued_on=row["issued_on"] if row else None,
    )
