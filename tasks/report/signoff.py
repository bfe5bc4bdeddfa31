"""The reviewer's sign-off on a draft report: the decision (approve, or reject with a reason), its
record in DuckDB (`report_decisions`), and the check that a final report is issued from the very
data the reviewer approved."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from schemas.errors import DxError
from tasks.core.errors import UsageError
from tasks.core.periods import Period
from tasks.core.settings import TZ, Settings
from tasks.core.warehouse import connect, execute, query

__all__ = [
    "Decision",
    "DecisionInvalidError",
    "DraftOutdatedError",
    "decisions_of",
    "check_decision",
    "make_decision",
    "record_decision",
]


class DecisionInvalidError(UsageError):
    """A sign-off without a reviewer, or a rejection without a reason."""


class DraftOutdatedError(DxError):
    """The data changed between the approved draft and the final report."""

    def __init__(self, period: Period):
        super().__init__(
            f"Số liệu {period.label_vi} đã thay đổi sau khi dự thảo được duyệt (có bản báo cáo mới "
            "hoặc danh mục, mẫu đã đổi): không ban hành báo cáo chính thức từ dự thảo cũ.",
            f"The data of {period.id} changed after the draft was approved (a new submission, or "
            "the catalogue or template changed): the final report is not issued from the old draft.",
            "Lập dự thảo mới và trình duyệt lại (chạy lại quarterly-report với final).",
            "Render a new draft and ask for sign-off again (run quarterly-report with final).",
        )


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one draft."""

    period_id: str
    approved: bool
    reviewer: str
    reason: str
    decided_at: datetime
    draft_pdf: str  # relative to the workspace
    draft_sha256: str
    data_sha256: str
    source: str  # "ui" | "cli"
    flow_run_id: str = ""

    def manifest_entry(self) -> dict:
        entry = asdict(self)
        entry["decided_at"] = self.decided_at.astimezone(TZ).replace(microsecond=0).isoformat()
        entry.pop("period_id")
        return entry

    @property
    def summary_vi(self) -> str:
        when = self.decided_at.astimezone(TZ).strftime("%H:%M %d/%m/%Y")
        if self.approved:
            return f"{self.reviewer} duyệt lúc {when}"
        return f"{self.reviewer} không duyệt lúc {when}; lý do: {self.reason}"


def make_decision(
    settings: Settings,
    period: Period,
    draft_pdf: Path,
    data_sha256: str,
    *,
    approved: bool | None,
    reviewer: str | None,
    reason: str | None,
    source: str,
    flow_run_id: str = "",
) -> Decision:
    """A checked decision on `draft_pdf` (rendered from data with digest `data_sha256`) at the
    settings' clock: a reviewer is required, and a reason when the draft is not approved."""
    reviewer, reason = check_decision(period, approved, reviewer, reason)
    paths = settings.paths
    return Decision(
        period_id=period.id,
        approved=bool(approved),
        reviewer=reviewer,
        reason=reason,
        decided_at=settings.clock().replace(microsecond=0),
        draft_pdf=str(Path(draft_pdf).resolve().relative_to(paths.home)),
        draft_sha256=hashlib.sha256(Path(draft_pdf).read_bytes()).hexdigest(),
        data_sha256=data_sha256,
        source=source,
        flow_run_id=flow_run_id,
    )


def check_decision(
    period: Period, approved: bool | None, reviewer: str | None, reason: str | None
) -> tuple[str, str]:
    """The reviewer's name and reason, tidied; refuses a decision without a choice, without a
    reviewer, or a rejection without a reason."""
    reviewer = " ".join((reviewer or "").split())
    reason = " ".join((reason or "").split())
    problems_vi, problems_en = [], []
    if approved is None:
        problems_vi.append("chưa chọn duyệt hay không duyệt (--approve hoặc --reject)")
        problems_en.append("no decision (--approve or --reject)")
    if not reviewer:
        problems_vi.append("thiếu họ tên người duyệt (--reviewer)")
        problems_en.append("the reviewer's name is missing (--reviewer)")
    if approved is False and not reason:
        problems_vi.append("không duyệt thì phải ghi lý do (--reason)")
        problems_en.append("a rejection needs a reason (--reason)")
    if problems_vi:
        raise DecisionInvalidError(
            f"Quyết định về dự thảo báo cáo {period.label_vi} chưa hợp lệ: "
            + "; ".join(problems_vi)
            + ".",
            f"The decision on the draft report of {period.id} is not valid: "
            + "; ".join(problems_en)
            + ".",
            "Ví dụ: dxreport report --period 2025Q3 --final --reviewer 'Lê Thị B' --approve",
            "For example: dxreport report --period 2025Q3 --final --reviewer 'Le Thi B' --approve",
        )
    return reviewer, reason


def record_decision(settings: Settings, decision: Decision) -> None:
    with connect(settings.paths.warehouse) as con:
        execute(
            con,
            "report_decision_insert",
            period_id=decision.period_id,
            decided_at=decision.decided_at,
            reviewer=decision.reviewer,
            approved=decision.approved,
            reason=decision.reason or None,
            draft_pdf=decision.draft_pdf,
            draft_sha256=decision.draft_sha256,
            data_sha256=decision.data_sha256,
            source=decision.source,
            flow_run_id=decision.flow_run_id or None,
        )


def decisions_of(settings: Settings, period: Period) -> list[dict]:
    """Every decision recorded for `period`, oldest first."""
    with connect(settings.paths.warehouse, read_only=True) as con:
        return query(con, "report_decisions_of", period_id=period.id)
