"""The reviewer's side of a final report: the form the Prefect UI shows when `quarterly-report`
pauses for sign-off, and the decision the command line gives beforehand."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from prefect.input import RunInput
from pydantic import ConfigDict, Field, model_validator

from tasks.core.periods import Period
from tasks.report.result import ReportResult


class SignOffInput(RunInput):
    """What the reviewer answers in the Prefect UI (or `POST /api/flow_runs/{id}/resume` with
    `{"run_input": {"approve": true, "reviewer": "…"}}`)."""

    model_config = ConfigDict(
        extra="forbid",
        title="Duyệt dự thảo báo cáo",
        # the same rule as the validator below, for the server's check of the UI's answer
        json_schema_extra={
            "if": {"properties": {"approve": {"const": False}}},
            "then": {"required": ["reason"], "properties": {"reason": {"minLength": 1}}},
        },
    )

    approve: bool = Field(
        default=False,
        title="Duyệt ban hành",
        description="Bật: duyệt, ban hành báo cáo chính thức (cấp số, khóa kỳ). Tắt: không duyệt.",
    )
    reviewer: str = Field(
        min_length=1,
        title="Người duyệt (họ tên)",
        description="Họ tên người quyết định; được ghi vào sổ và vào manifest của báo cáo.",
    )
    reason: str | None = Field(
        default=None,
        title="Lý do / ý kiến",
        description="Bắt buộc khi không duyệt: dự thảo cần sửa gì.",
    )

    @model_validator(mode="after")
    def _reason_when_rejected(self) -> SignOffInput:
        if not self.reviewer.strip():
            raise ValueError("Cần họ tên người duyệt. / The reviewer's name is required.")
        if not self.approve and not (self.reason or "").strip():
            raise ValueError("Không duyệt thì phải ghi lý do. / A rejection needs a reason.")
        return self


@dataclass(frozen=True)
class GivenDecision:
    approve: bool | None
    reviewer: str | None
    reason: str | None


_GIVEN: contextvars.ContextVar[GivenDecision | None] = contextvars.ContextVar(
    "dxreport_given_decision", default=None
)


@contextlib.contextmanager
def decision_given(
    approve: bool | None, reviewer: str | None, reason: str | None
) -> Iterator[None]:
    """The command line's sign-off (`--reviewer`, `--approve/--reject`, `--reason`) for a
    `quarterly-report` run started in this process: the run records it instead of pausing."""
    token = _GIVEN.set(GivenDecision(approve, reviewer, reason))
    try:
        yield
    finally:
        _GIVEN.reset(token)


def given_decision() -> GivenDecision | None:
    return _GIVEN.get()


def sign_off_description(period: Period, draft: ReportResult) -> str:
    """The markdown shown above the sign-off form."""
    return (
        f"## Duyệt dự thảo báo cáo {period.label_vi}\n\n"
        f"Dự thảo: `{Path(draft.pdf_path).name}` ({draft.pages} trang; mã dữ liệu "
        f"`{draft.data_sha256[:16]}`). Xem tệp tại mục Artifacts của lượt chạy này.\n\n"
        "- **Duyệt**: bật *Duyệt ban hành*, ghi họ tên người duyệt, bấm Submit: báo cáo chính "
        "thức được lập từ đúng số liệu của dự thảo, cấp số và khóa kỳ.\n"
        "- **Không duyệt**: để tắt, ghi họ tên và lý do: dự thảo được giữ lại, lý do được ghi sổ.\n\n"
        "Nếu có số liệu mới trong lúc chờ, báo cáo chính thức không được lập; cần lập dự thảo mới."
    )
