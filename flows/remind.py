"""Flow `remind-missing`: a reminder to every unit expected for the period that has no accepted
submission (missing, or only rejected files), written to outbox/<period>/<round>/ and sent by SMTP
when a server is configured. The work is tasks.remind; `dxreport remind` runs this flow.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE
from prefect.states import Completed

from flows.alerts import notify_failure
from flows.common import fail_cleanly, report_link, settings_for, settings_of_run
from flows.logs import register_project_loggers
from flows.params import Home, Now, RemindDryRun, ReminderRound, RemindPeriodId
from flows.shared import load_catalog
from schemas.catalog_model import Catalog
from tasks.core.errors import UsageError
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_lock
from tasks.remind import round as rounds
from tasks.remind.missing import reminder_period
from tasks.remind.send import SmtpServer


def remind_run_name() -> Callable[[], str]:
    """`remind-2025Q3-truoc-han`: the period and round the run is about (never fails)."""

    def name() -> str:
        from prefect.runtime import flow_run

        params = dict(flow_run.parameters or {})
        try:
            settings = settings_of_run(params)
            period = the_period(params.get("period"), settings)
            round_id = params.get("round") or rounds.default_round(period, settings)
        except Exception:  # noqa: BLE001 - a name must not fail the run; the run reports the error
            return "remind"
        return f"remind-{period.id}-{round_id}"

    return name


def the_period(period: str | None, settings: Settings) -> Period:
    return Period.parse(period) if period else reminder_period(settings.clock().date())


def smtp_password(settings: Settings) -> str | None:
    """DXREPORT_SMTP_PASSWORD, else the Prefect Secret block named by DXREPORT_SMTP_PASSWORD_BLOCK."""
    if settings.smtp_password is not None:
        return settings.smtp_password.get_secret_value()
    if not settings.smtp_password_block:
        return None
    from prefect.blocks.system import Secret

    try:
        secret: Any = Secret.load(settings.smtp_password_block)  # sync in a sync flow
    except ValueError:
        raise UsageError(
            f"Không tìm thấy khối Secret {settings.smtp_password_block!r} chứa mật khẩu thư.",
            f"No Secret block {settings.smtp_password_block!r} with the SMTP password.",
            f"Tạo nó trong giao diện Prefect (Blocks > Secret) hoặc bằng Python: Secret(value=...)"
            f".save({settings.smtp_password_block!r}).",
            f"Create it in the Prefect UI (Blocks > Secret) or in Python: Secret(value=...)"
            f".save({settings.smtp_password_block!r}).",
        ) from None
    return str(secret.get())


@task(name="write-reminders", cache_policy=NONE, timeout_seconds=600)
def write_reminders(
    settings: Settings, catalog: Catalog, period: Period, round_id: str, dry_run: bool
) -> rounds.Round:
    return rounds.write_round(settings, catalog, period, round_id, dry_run)


@task(name="send-reminders", cache_policy=NONE, timeout_seconds=3600)
def send_reminders(
    settings: Settings, plan: rounds.Round, server: SmtpServer | None
) -> rounds.Round:
    """Retries live inside (per letter, with back-off): a task retry would wait for every letter."""
    return rounds.send_round(settings, plan, server)


@flow(
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
    name="remind-missing",
    flow_run_name=remind_run_name(),
    log_prints=True,
)
@fail_cleanly
def remind_missing(
    period: RemindPeriodId = None,
    round: ReminderRound = None,  # noqa: A002 - the form's name for the reminder round
    dry_run: RemindDryRun = False,
    home: Home = None,
    now: Now = None,
) -> dict:
    """Remind every expected unit without an accepted submission for the period, by letter in
    outbox/ and by mail; a rerun of the same round sends nothing twice."""
    register_project_loggers()
    settings = settings_for(home, now)
    p = the_period(period, settings)
    round_id = rounds.check_round(round) or rounds.default_round(p, settings)
    server = SmtpServer.from_settings(settings, smtp_password(settings))
    with workspace_lock(settings):
        catalog = load_catalog(settings)
        plan = write_reminders(settings, catalog, p, round_id, dry_run)
        plan = send_reminders(settings, plan, server)
    result = rounds.result(plan, server, settings.paths.home)
    log_outcomes(result)
    if rounds.something_happened(plan):
        publish(result, settings)
    # the run's message in the UI says what happened (a failed letter does not fail the run: it is
    # reported and sent by the next run of the round)
    return cast(dict, Completed(message=headline(result), data=result))


def unit_line(u: dict) -> str:
    to = ", ".join(u["recipients"]) or "-"
    line = f"{u['unit']} {u['name']}: {rounds.STATUS_TEXT[u['status']]} / {rounds.STATUS_EN[u['status']]} (tới / to: {to})"
    if u["reason"]:
        line += f"; tệp bị từ chối / rejected file: {u['reason']}"
    if u["error"]:
        line += f"; lỗi / error: {u['error']} (thử / tries: {u['attempts']})"
    return line


def log_outcomes(result: dict) -> None:
    logger = get_run_logger()
    for u in result["units"]:
        (logger.warning if u["status"] in ("failed", "no_email") else logger.info)(unit_line(u))
    logger.info(headline(result))


def headline(result: dict) -> str:
    label = f"{result['label']} ({result['period']}), đợt / round {result['round']}"
    if result["locked"]:
        return f"{label}: kỳ đã khóa, không nhắc. / Period locked: no reminders."
    if not result["units"]:
        return (
            f"{label}: mọi đơn vị phải báo cáo đã gửi báo cáo hợp lệ, không cần nhắc. "
            "/ Every expected unit has an accepted submission: nobody to remind."
        )
    counts = ", ".join(f"{rounds.STATUS_TEXT[k]}: {v}" for k, v in sorted(result["counts"].items()))
    return (
        f"{label}: {len(result['units'])}/{result['expected']} đơn vị cần nhắc (hạn gửi "
        f"{result['deadline_vi']}); {counts}. / {len(result['units'])} units to remind."
    )


def publish(result: dict, settings: Settings) -> None:
    """Who was reminded, keyed per period: a summary and one row per unit, with links to the
    letters (http while `dxreport server` serves outbox/, else file://)."""
    key = f"remind-{result['period'].lower()}"
    home = settings.paths.home

    def link(rel: str) -> str:
        return report_link(settings, home / rel) if rel else ""

    lines = [
        f"# Nhắc gửi báo cáo {result['label']} — đợt {result['round']}",
        "",
        f"- Hạn gửi của đơn vị: {result['deadline_vi']}",
        f"- Máy chủ thư: {result['smtp'] or 'chưa cấu hình (chỉ ghi vào outbox)'}",
        f"- Thư: [{result['outbox']}]({report_link(settings, Path(result['outbox']))})",
        *(f"- **{rounds.STATUS_TEXT[k]}** ({k}): {v}" for k, v in sorted(result["counts"].items())),
    ]
    failed = [u for u in result["units"] if u["status"] == "failed"]
    if failed:
        lines += ["", "## Gửi không được (sẽ thử lại ở lần chạy sau của đợt này)", ""]
        lines += [f"- {u['unit']} {u['name']}: {u['error']}" for u in failed]
    letters = [u for u in result["units"] if u["eml"]]
    if letters:
        lines += ["", "## Thư đã lập", ""]
        lines += [
            f"- [{u['unit']}]({link(u['eml'])}) {u['name']}: {rounds.STATUS_TEXT[u['status']]}"
            for u in letters
        ]
    create_markdown_artifact("\n".join(lines), key=key, description="Reminders of this run")
    rows = [
        {
            "đơn vị": u["unit"],
            "tên": u["name"],
            "tình trạng báo cáo": rounds.CAUSE_TEXT.get(u["cause"], u["cause"]),
            "lý do từ chối": u["reason"],
            "gửi tới": ", ".join(u["recipients"]),
            "kết quả": rounds.STATUS_TEXT[u["status"]],
            "số lần thử": u["attempts"],
            "lỗi": u["error"] or "",
            "thư": link(u["eml"]),
        }
        for u in result["units"]
    ]
    create_table_artifact(rows, key=f"{key}-units", description="One row per reminded unit")


def result_text(result: dict) -> str:
    """The command line's summary."""
    lines = [headline(result)]
    lines += [f"  {unit_line(u)}" for u in result["units"]]
    if result["units"] and not result["dry_run"]:
        lines.append(f"Thư / letters: {result['outbox']}")
    return "\n".join(lines)
