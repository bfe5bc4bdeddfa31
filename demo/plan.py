"""What `generate_demo` returns: when each batch of files arrives and what the intake should make of it.

Arrival (`round_times`): round 1 on the deadline day at 08:00 (on-time files), round 2 two days
later at 09:00 (late files, the correction, the broken files), clamped to the day before the
consolidated report is due (15:00); round 3, five days after the report, holds a latecomer's file
for the then locked period. The deadline and the report day come from the caller (the configured
`Settings.submission_working_days` and `Settings.report_due_day`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from demo.broken import BROKEN_KINDS
from tasks.core.errors import UsageError
from tasks.core.periods import Period, format_date_vi
from tasks.core.settings import TZ

AFTER_REPORT_DAYS = 5  # round 3 arrives this many days after the report is due


@dataclass(frozen=True)
class DemoFile:
    """One generated file. `expect`: accepted | accepted_with_warnings | rejected | duplicate."""

    name: str  # unique within the period
    round: int  # 1, 2 or 3
    sender: str  # the unit that sent it
    kind: str  # "submission" | "libreoffice" | "plausibility" | "correction" | "duplicate" |
    # "after_lock" | BROKEN_KINDS
    expect: str
    rule: str | None = None  # the rule code expected for a broken file (BROKEN_RULES)


@dataclass(frozen=True)
class PeriodExpectation:
    period_id: str
    expected_units: tuple[str, ...]
    on_time: frozenset[str]  # a valid workbook in round 1
    late: frozenset[str]  # first valid workbook in round 2
    missing: frozenset[str]  # no file before the report (one may arrive after it: after_lock)
    corrected: frozenset[str]  # sent a corrected workbook in round 2 (exactly one unit)
    files: tuple[DemoFile, ...]  # every file of the period, by round then name
    # the on-time unit whose workbook is sent as LibreOffice Calc saved it (demo/libreoffice.py)
    libreoffice_units: frozenset[str] = frozenset()
    # on-time units whose workbook carries a plausibility mistake -> the rule it triggers
    warned: dict[str, str] = field(default_factory=dict)

    @property
    def broken(self) -> dict[str, str]:
        """Broken file name -> expected rule code (includes the valid-with-warnings one)."""
        return {f.name: f.rule or "" for f in self.files if f.kind in BROKEN_KINDS}

    @property
    def rejected(self) -> frozenset[str]:
        return frozenset(f.name for f in self.files if f.expect == "rejected")


@dataclass(frozen=True)
class DemoRound:
    period_id: str
    at: datetime  # aware, Asia/Ho_Chi_Minh
    files: tuple[Path, ...]
    after_report: bool = False  # delivered after the period's final report (the period is locked)


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    out_dir: Path
    rounds: tuple[DemoRound, ...]  # chronological
    report_at: dict[str, datetime]  # period id -> consolidated report due (15:00 local)
    expectations: dict[str, PeriodExpectation]  # period id -> what the intake should find

    @property
    def period_ids(self) -> list[str]:
        return list(self.expectations)

    def rounds_for(self, period_id: str) -> list[DemoRound]:
        return [r for r in self.rounds if r.period_id == period_id]


@dataclass(frozen=True)
class RoundTimes:
    """A period's calendar as the demo replays it (all aware, local time)."""

    deadline: date  # last day to submit on time
    first: datetime  # round 1: the deadline day, 08:00
    second: datetime  # round 2: late files, before the report
    report_at: datetime  # the consolidated report is due, 15:00
    after_report: datetime  # round 3: after the report (the period is locked)


def round_times(period: Period, working_days: int, report_day: int) -> RoundTimes:
    """The rounds of `period` for the configured deadline and report day (see module doc)."""
    deadline = period.deadline(working_days)
    report_at = datetime.combine(period.report_due(report_day), time(15, 0), TZ)
    first = datetime.combine(deadline, time(8, 0), TZ)
    second = datetime.combine(deadline + timedelta(days=2), time(9, 0), TZ)
    if second >= report_at:
        second = datetime.combine(report_at.date() - timedelta(days=1), time(9, 0), TZ)
    if not first < second < report_at:
        raise UsageError(
            f"Kỳ {period.label_vi}: hạn gửi {format_date_vi(deadline)} không còn trước hạn báo cáo "
            f"{format_date_vi(report_at.date())}; không tạo được dữ liệu mẫu.",
            f"Period {period.id}: deadline {deadline:%d/%m/%Y} leaves no time before the report due "
            f"{report_at:%d/%m/%Y}; cannot generate demo data.",
            "Giảm số ngày làm việc được gửi hoặc lùi ngày báo cáo.",
            "Use fewer working days or a later report day.",
        )
    after_report = report_at + timedelta(days=AFTER_REPORT_DAYS)
    return RoundTimes(deadline, first, second, report_at, after_report)
