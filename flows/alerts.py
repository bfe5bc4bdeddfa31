"""Operators hear of a failed run by mail: every dxreport flow has `notify_failure` as its
on_failure / on_crashed hook. The alert (Vietnamese, with an English line) names the flow, the run,
its parameters and the state's message, with a link to the run in the UI; it is written to
`outbox/van-hanh/` and sent to DXREPORT_OPERATOR_EMAILS by the SMTP server of the reminders. An
alert that cannot be written or sent is logged and never hides the run's own failure."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from email.header import Header
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, make_msgid
from typing import Any

from flows.common import settings_of_run
from tasks.core.files import write_atomic_bytes
from tasks.core.settings import TZ, Settings

log = logging.getLogger(__name__)
ALERT_DIR = "van-hanh"


def alert_message(
    settings: Settings, flow_name: str, run_name: str, run_id: str, state: Any, link: str
) -> tuple[bytes, tuple[str, ...]]:
    """The alert as .eml bytes, and its recipients."""
    recipients = tuple(
        a.strip()
        for a in (settings.operator_emails or "").replace(",", ";").split(";")
        if a.strip()
    )
    when = settings.clock() if settings.now else datetime.now(TZ)
    kind = "bị lỗi" if state.is_failed() else "dừng bất thường"
    message = (state.message or "").strip() or "(không có thông báo)"
    body = (
        f"Lượt chạy {run_name} của quy trình {flow_name} {kind} lúc "
        f"{when.strftime('%H:%M %d/%m/%Y')}.\n\n"
        f"Thông báo:\n{message}\n\n"
        f"Xem lượt chạy: {link}\n"
        f"Workspace: {settings.paths.home}\n\n"
        f"[EN] Run {run_name} of flow {flow_name} ended {state.type.value} at {when.isoformat()}; "
        f"see {link}.\n\n"
        "Thư tự động của dxreport. / Automatic message from dxreport.\n"
    )
    msg = MIMEText(body, "plain", "utf-8")
    sender = settings.smtp_sender or "dxreport@localhost"
    msg["From"] = sender
    msg["To"] = ", ".join(recipients) or "undisclosed-recipients:;"
    msg["Subject"] = Header(f"[dxreport] {flow_name}: lượt chạy {run_name} {kind}", "utf-8")  # type: ignore[assignment]
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(f"{run_id}", domain=sender.rsplit("@", 1)[-1])
    return msg.as_bytes(policy=compat32.clone(linesep="\r\n")), recipients  # SMTP's CRLF


def run_link(run_id: str) -> str:
    from prefect.settings import PREFECT_UI_URL

    base = PREFECT_UI_URL.value() or os.environ.get("PREFECT_API_URL", "").removesuffix("/api")
    return f"{base}/runs/flow-run/{run_id}" if base else f"flow run {run_id}"


def notify_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect's on_failure / on_crashed hook."""
    try:
        settings = settings_of_run(dict(flow_run.parameters or {}))
        data, recipients = alert_message(
            settings, flow.name, flow_run.name, str(flow_run.id), state, run_link(str(flow_run.id))
        )
        folder = settings.paths.home / "outbox" / ALERT_DIR
        if settings.paths.home.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(TZ).strftime("%Y%m%d-%H%M%S")
            write_atomic_bytes(folder / f"{stamp}-{flow_run.name}.eml", data)
        if recipients and settings.smtp_host:
            send_alert(settings, data, recipients)
    except Exception:  # noqa: BLE001 - the run's failure is the news, not the alert's
        log.warning("Không gửi được thư báo lỗi. / The failure alert was not sent.", exc_info=True)


def send_alert(settings: Settings, data: bytes, recipients: tuple[str, ...]) -> None:
    from flows.remind import smtp_password
    from tasks.remind.send import Mailer, SmtpServer, send_with_retries

    server = SmtpServer.from_settings(settings, smtp_password(settings))
    if server is None:
        return
    mailer = Mailer(server)
    try:
        outcome = send_with_retries(
            mailer,
            settings.smtp_sender or "dxreport@localhost",
            recipients,
            data,
            settings.smtp_attempts,
            settings.smtp_retry_delay_seconds,
        )
    finally:
        mailer.close()
    if not outcome.sent:
        log.warning("Thư báo lỗi không gửi được / alert not sent: %s", outcome.error)


__all__ = ["alert_message", "notify_failure"]
