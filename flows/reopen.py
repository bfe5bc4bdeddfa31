"""Flow `reopen-period`: reopen an issued (locked) period, recording who, when and why.

The work is tasks.report.reopen.reopen_period; the flow checks the form, holds the workspace lock
and publishes what it did. `dxreport reopen` runs this flow.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE

from flows.alerts import notify_failure
from flows.common import fail_cleanly, run_name, settings_for
from flows.logs import register_project_loggers
from flows.params import Home, Now, ReopenedBy, ReopenPeriodId, ReopenReason
from tasks.core.errors import UsageError
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_lock
from tasks.report.reopen import reopen_period as reopen_in_warehouse


@task(name="reopen-period", cache_policy=NONE, timeout_seconds=120)
def reopen(settings: Settings, period: Period, reason: str | None, by: str | None) -> dict:
    """Irreversible in effect: files of the period count again; the next report replaces the issued one."""
    result = reopen_in_warehouse(settings, period, reason, by)
    get_run_logger().info(
        "Đã mở lại kỳ %s (%s, lý do: %s). / Period %s reopened by %s.",
        period.label_vi,
        result["by"],
        result["reason"],
        period.id,
        result["by"],
    )
    return result


@flow(
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
    name="reopen-period",
    flow_run_name=run_name("reopen"),
    log_prints=True,
)
@fail_cleanly
def reopen_period(
    period: ReopenPeriodId = None,
    reason: ReopenReason = None,
    by: ReopenedBy = None,
    home: Home = None,
    now: Now = None,
) -> dict:
    """Reopen an issued period: files of it count again, and its next report replaces the issued one."""
    register_project_loggers()
    settings = settings_for(home, now)
    if not period:
        raise UsageError(
            "Thiếu kỳ báo cáo cần mở lại (--period).",
            "Missing the period to reopen (--period).",
            "Ví dụ: dxreport reopen --period 2025Q3 --reason ... --by ...",
            "For example: dxreport reopen --period 2025Q3 --reason ... --by ...",
        )
    p = Period.parse(period)
    with workspace_lock(settings):
        result = reopen(settings, p, reason, by)
    create_markdown_artifact(
        f"# Mở lại {p.label_vi}\n\n- Lúc: {result['reopened_at']}\n- Người mở: {result['by']}\n"
        f"- Lý do: {result['reason']}\n- Báo cáo đã ban hành (giữ nguyên): `{result['report']}`",
        key="reopen-period",
        description="Period reopened",
    )
    return result
