"""Backfill: re-run intake and render the draft report of every period of a range, in order.

Rules (issue 8, item 3):
- The range is checked before any work: both ends read as periods (`Period.parse`), the first not
  after the last, neither before the Đề án's first period.
- A dry run (the default) reads the workspace and writes nothing: not the inbox, not the warehouse,
  not reports/. It says whether intake would run (only when the inbox holds files) and, per period,
  whether a draft would be rendered or why the period is skipped.
- A period whose report was issued (the period is locked, `period_locks`) is skipped: its issued
  report is never rendered again, rewritten or touched. A reopened period is open: it gets a draft.
- A period whose draft is not due yet (its draft clock is after the run's clock) is skipped.
- A backfilled draft is rendered on the clock a scheduled draft of the period would have had
  (`draft_clock`: 08:00 in Asia/Ho_Chi_Minh on the 20th of the quarter's last month, or the next
  working day: the schedule's own rule, tasks/core/run_calendar.py), never the wall clock, so it is byte for byte the draft rendered at the time from
  the same inputs (tasks/report/issue.py: the PDF's dates come from that clock).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from tasks.core.errors import UsageError, WorkspaceBusyError
from tasks.core.periods import Period, ReportingCalendar, format_date_vi, periods_between
from tasks.core.run_calendar import RUN_AT, draft_day
from tasks.core.settings import TZ, Settings

DRAFT, ISSUED, NOT_DUE = "draft", "issued", "not_due"
ACTION_TEXT = {
    DRAFT: "lập dự thảo / render a draft",
    ISSUED: "bỏ qua: đã ban hành, kỳ đã khóa / skipped: issued, period locked",
    NOT_DUE: "bỏ qua: chưa đến ngày lập dự thảo / skipped: draft not due yet",
}


class BackfillRangeError(UsageError):
    """The range of periods cannot be backfilled (empty, reversed, before the Đề án)."""


def backfill_range(first: str | None, last: str | None) -> list[Period]:
    """The periods from `first` to `last` (both included), or a UsageError before any work."""
    if not first or not last:
        raise BackfillRangeError(
            "Thiếu kỳ đầu hoặc kỳ cuối của khoảng chạy lại (--from, --to).",
            "Missing the first or last period of the backfill range (--from, --to).",
            "Ví dụ: dxreport backfill --from 2024Q3 --to 2025Q2",
            "For example: dxreport backfill --from 2024Q3 --to 2025Q2",
        )
    start, end = Period.parse(first), Period.parse(last)  # PeriodError: the period text is bad
    if start > end:
        raise BackfillRangeError(
            f"Khoảng kỳ không hợp lệ: kỳ đầu {start.id} ({start.label_vi}) sau kỳ cuối {end.id} "
            f"({end.label_vi}).",
            f"Invalid range: the first period {start.id} is after the last period {end.id}.",
            f"Đổi chỗ hai kỳ: --from {end.id} --to {start.id}.",
            f"Swap them: --from {end.id} --to {start.id}.",
        )
    if not start.in_de_an:
        first_id = Period.first().id
        raise BackfillRangeError(
            f"Kỳ {start.id} ({start.label_vi}) có trước kỳ đầu tiên của Đề án ({first_id}).",
            f"Period {start.id} is before the Đề án's first period ({first_id}).",
            f"Bắt đầu từ {first_id} trở đi.",
            f"Start at {first_id} or later.",
        )
    return periods_between(start, end)


def draft_clock(calendar: ReportingCalendar, period: Period) -> datetime:
    """The clock of the period's scheduled draft (tasks/core/run_calendar.py): 08:00 on the 20th of
    the quarter's last month (the configured due day), or the next working day. It is also the
    date the draft the former cron rendered on the 20th itself bears (`issue_date`): the draft of
    the time, whichever schedule ran it."""
    return datetime.combine(draft_day(period, calendar), RUN_AT, TZ)


@dataclass(frozen=True)
class PeriodStep:
    """What the backfill does (or would do) for one period."""

    period: str
    label: str
    action: str  # DRAFT, ISSUED or NOT_DUE
    clock: str  # ISO date-time of the draft's clock
    issued: str = ""  # for an issued period: its number and file
    pdf_path: str = ""  # after a real run: the draft written
    pdf_sha256: str = ""
    pages: int = 0
    # where an operator opens the draft: http from `dxreport server`, else file://
    pdf_url: str = ""

    @property
    def draft_date(self) -> str:
        return format_date_vi(datetime.fromisoformat(self.clock).date())

    def line(self) -> str:
        """One line for the run log and the command line (Vietnamese, then English)."""
        if self.action == DRAFT and self.pdf_path:
            return (
                f"{self.period} ({self.label}): đã lập dự thảo ngày {self.draft_date}: "
                f"{self.pdf_path} / draft dated {self.draft_date} rendered"
            )
        if self.action == DRAFT:
            return (
                f"{self.period} ({self.label}): lập dự thảo ngày {self.draft_date} / "
                f"render the draft dated {self.draft_date}"
            )
        if self.action == ISSUED:
            return (
                f"{self.period} ({self.label}): bỏ qua, đã ban hành ({self.issued}), kỳ đã khóa, "
                "không đụng tới / skipped: issued, period locked, left untouched"
            )
        return (
            f"{self.period} ({self.label}): bỏ qua, chưa đến ngày lập dự thảo ({self.draft_date}) "
            "/ skipped: the draft is not due yet"
        )


@dataclass
class BackfillPlan:
    first: str
    last: str
    dry_run: bool
    inbox_files: int
    steps: list[PeriodStep] = field(default_factory=list)
    intake_counts: dict[str, int] | None = None  # after a real run that took in files

    @property
    def run_intake(self) -> bool:
        return self.inbox_files > 0

    @property
    def artifact_key(self) -> str:
        return f"backfill-{self.first.lower()}-{self.last.lower()}"

    def drafts(self) -> list[PeriodStep]:
        return [s for s in self.steps if s.action == DRAFT]

    def to_dict(self) -> dict:
        out = asdict(self)
        out["run_intake"] = self.run_intake
        out["steps"] = [asdict(s) for s in self.steps]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> BackfillPlan:
        return cls(
            data["first"],
            data["last"],
            data["dry_run"],
            data["inbox_files"],
            [PeriodStep(**s) for s in data["steps"]],
            data.get("intake_counts"),
        )


def issued_periods(settings: Settings) -> dict[str, str]:
    """Locked periods -> a description of the issued report; reads only (no warehouse: none). A
    warehouse of an earlier version (the tables a run adds are missing: a dry run adds nothing)
    reads as far as it goes: no lock table, nothing locked; no register, the lock's file."""
    import duckdb  # here: checking a range on the command line needs no database

    from tasks.core.warehouse import connect, locked_periods, query

    db = settings.paths.warehouse
    if not Path(db).is_file():
        return {}

    def described(con: duckdb.DuckDBPyConnection, period_id: str) -> str:
        try:
            register = query(con, "report_register_of", period_id=period_id)
        except duckdb.CatalogException:  # a warehouse from before the register
            register = []
        if register:
            return f"{register[0]['doc_number_text']}, {register[0]['pdf_path']}"
        lock = query(con, "reopen_lock_of", period_id=period_id)
        return lock[0]["report_path"] or "" if lock else ""

    try:
        with connect(db, read_only=True) as con:
            try:
                locked = sorted(locked_periods(con))
            except duckdb.CatalogException:  # a warehouse from before the locks: none
                return {}
            return {period_id: described(con, period_id) for period_id in locked}
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        raise WorkspaceBusyError(
            f"Không mở được kho dữ liệu {db} để đọc: một lượt chạy khác đang ghi vào kho.",
            f"Cannot open the warehouse {db} read-only: another run is writing to it ({exc}).",
            "Chờ lượt chạy kia kết thúc rồi chạy lại.",
            "Wait for the other run to finish and run again.",
        ) from None


def inbox_count(settings: Settings) -> int:
    from tasks.intake.collect import list_inbox

    return len(list_inbox(settings.paths)) if settings.paths.inbox.is_dir() else 0


def decide(settings: Settings, period: Period, issued: dict[str, str]) -> PeriodStep:
    """Draft, or skipped (issued and locked; not due yet at the run's clock)."""
    clock = draft_clock(settings.calendar, period)
    if period.id in issued:
        action = ISSUED
    elif clock > settings.clock():
        action = NOT_DUE
    else:
        action = DRAFT
    return PeriodStep(
        period.id, period.label_vi, action, clock.isoformat(), issued=issued.get(period.id, "")
    )


def plan_backfill(settings: Settings, periods: list[Period], *, dry_run: bool) -> BackfillPlan:
    """What a backfill of `periods` does on this workspace now; reads only."""
    issued = issued_periods(settings)
    return BackfillPlan(
        periods[0].id,
        periods[-1].id,
        dry_run,
        inbox_count(settings),
        [decide(settings, p, issued) for p in periods],
    )


def render_draft(settings: Settings, catalog, step: PeriodStep) -> PeriodStep:
    """Render the draft of `step.period` on its own clock, as the `quarterly-report` flow renders a
    draft (tasks.report.issue.render_report); a period locked meanwhile is skipped untouched.
    The caller holds the workspace lock."""
    import hashlib
    from dataclasses import replace

    from tasks.report.issue import render_report

    period = Period.parse(step.period)
    locked = issued_periods(settings)
    if period.id in locked:
        return replace(step, action=ISSUED, issued=locked[period.id])
    at_the_time = settings.model_copy(update={"now": datetime.fromisoformat(step.clock)})
    result = render_report(at_the_time, catalog, period, final=False)
    pdf = Path(result.pdf_path)
    return replace(
        step,
        pdf_path=str(pdf),
        pdf_sha256=hashlib.sha256(pdf.read_bytes()).hexdigest(),
        pages=result.pages,
    )


def intake_line(plan: BackfillPlan) -> str:
    if not plan.run_intake:
        return "Hộp thư trống: không chạy tiếp nhận. / Inbox empty: no intake."
    if plan.dry_run:
        return (
            f"Sẽ chạy tiếp nhận một lần ({plan.inbox_files} tệp trong inbox/). / Would run intake "
            f"once ({plan.inbox_files} files in inbox/)."
        )
    counts = ", ".join(f"{k}: {v}" for k, v in sorted((plan.intake_counts or {}).items()))
    return (
        f"Đã chạy tiếp nhận một lần ({plan.inbox_files} tệp; {counts}). / Intake ran once "
        f"({plan.inbox_files} files; {counts})."
    )


def headline(plan: BackfillPlan) -> str:
    n = len(plan.drafts())
    skipped = len(plan.steps) - n
    if plan.dry_run:
        return (
            f"Chạy thử (không ghi gì): chạy lại {plan.first}–{plan.last} sẽ lập {n} dự thảo, bỏ "
            f"qua {skipped} kỳ. / Dry run (nothing written): backfilling {plan.first}-{plan.last} "
            f"would render {n} draft(s) and skip {skipped} period(s)."
        )
    return (
        f"Đã chạy lại {plan.first}–{plan.last}: lập {n} dự thảo, bỏ qua {skipped} kỳ. / "
        f"Backfilled {plan.first}-{plan.last}: {n} draft(s) rendered, {skipped} period(s) skipped."
    )


def backfill_text(plan: BackfillPlan) -> str:
    """The run's summary for the log and the command line."""
    lines = [headline(plan), intake_line(plan)]
    lines += [f"  {s.line()}" for s in plan.steps]
    if plan.dry_run:
        lines.append(
            "Để chạy thật: thêm --run (hoặc dry_run: false). / To run it: add --run (or "
            "dry_run: false)."
        )
    return "\n".join(lines)


def result_text(result: dict) -> str:
    """The command line's summary of the flow's result (`BackfillPlan.to_dict`)."""
    return backfill_text(BackfillPlan.from_dict(result))


def backfill_markdown(plan: BackfillPlan) -> str:
    """The run's artifact: one row per period, in order."""
    lines = [
        f"# Chạy lại {plan.first}–{plan.last} / Backfill"
        + (" — chạy thử / dry run" if plan.dry_run else ""),
        "",
        headline(plan),
        "",
        f"- {intake_line(plan)}",
        "",
        "| Kỳ / Period | Việc / Action | Ngày dự thảo / Draft date | Tệp / File |",
        "|---|---|---|---|",
    ]
    for s in plan.steps:
        if s.pdf_url:
            where = f"[{Path(s.pdf_path).name}]({s.pdf_url})"
        else:
            where = f"`{s.issued if s.action == ISSUED else s.pdf_path}`"
        lines.append(
            f"| {s.period} ({s.label}) | {ACTION_TEXT[s.action]} | {s.draft_date} | "
            f"{where if where != '``' else ''} |"
        )
    return "\n".join(lines)
