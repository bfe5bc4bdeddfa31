"""One round of reminders for a period: the letters written to outbox/<period>/<round>/ and sent.

Idempotent per unit, period and round: the table `reminders` records every letter; a letter whose
row says `sent` is neither rewritten nor sent again, every other one (written without a server,
failed, no address) is written anew and tried again on the next run of the same round. Each send is
recorded as soon as the server answers, so a run stopped half-way resends nothing already sent.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from schemas.catalog_model import Catalog
from tasks.core.errors import UsageError
from tasks.core.files import write_atomic_bytes
from tasks.core.periods import Period, format_date_vi
from tasks.core.settings import Settings
from tasks.core.warehouse import connect, execute, query
from tasks.remind.letter import compose, issuer_for, message_id, to_message
from tasks.remind.missing import MissingUnit, missing_units
from tasks.remind.send import Mailer, SmtpServer, send_with_retries

ROUND_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
BEFORE_DEADLINE, AFTER_DEADLINE = "truoc-han", "sau-han"
STATUS_TEXT = {
    "sent": "đã gửi",
    "already_sent": "đã gửi trong lần chạy trước, không gửi lại",
    "failed": "gửi không được",
    "no_email": "không có địa chỉ thư",
    "written": "đã ghi vào outbox, chưa gửi (chưa cấu hình máy chủ thư)",
    "dry_run": "sẽ nhắc (chạy thử, chưa ghi gì)",
}
STATUS_EN = {
    "sent": "sent",
    "already_sent": "sent before, not sent again",
    "failed": "failed",
    "no_email": "no e-mail address",
    "written": "written to outbox, not sent (no SMTP server configured)",
    "dry_run": "would be reminded (dry run)",
}
CAUSE_TEXT = {"missing": "Chưa gửi", "rejected": "Bị từ chối, chưa gửi lại"}
NOT_TRIED = "chưa thử: máy chủ thư không trả lời ở thư trước / not tried: the server failed before"


@dataclass(frozen=True)
class Reminder:
    """One unit's letter of the round and what became of it (grain: unit x period x round)."""

    unit_code: str
    unit_name: str
    cause: str  # missing | rejected
    reason: str  # what was wrong with the last rejected file ('' when it sent nothing)
    recipients: tuple[str, ...]
    eml_path: str  # relative to the workspace ('' in a dry run)
    message_id: str
    status: str  # a key of STATUS_TEXT
    attempts: int = 0  # SMTP tries over every run of this round
    error: str | None = None
    sent_at: str | None = None
    new: bool = False  # first written in this run (no earlier letter of this round)

    def as_dict(self) -> dict:
        return {
            "unit": self.unit_code,
            "name": self.unit_name,
            "cause": self.cause,
            "reason": self.reason,
            "recipients": list(self.recipients),
            "eml": self.eml_path,
            "status": self.status,
            "attempts": self.attempts,
            "error": self.error,
            "sent_at": self.sent_at,
        }


@dataclass(frozen=True)
class Round:
    period_id: str
    label: str
    round: str
    deadline: date
    expected: int
    locked: bool
    dry_run: bool
    sender: str
    outbox: str  # relative to the workspace
    reminders: tuple[Reminder, ...]
    written_at: datetime | None = None  # when this run wrote its letters (the clock)


def default_round(period: Period, settings: Settings) -> str:
    """`truoc-han` up to the units' deadline, `sau-han` after it (the two scheduled reminders)."""
    return (
        BEFORE_DEADLINE
        if settings.clock().date() <= settings.calendar.deadline(period)
        else AFTER_DEADLINE
    )


def check_round(text: str | None) -> str | None:
    if text is None or re.match(ROUND_PATTERN, text):
        return text
    raise UsageError(
        f"Tên đợt nhắc không hợp lệ: {text!r}.",
        f"Invalid reminder round: {text!r}.",
        "Dùng chữ thường không dấu, số và dấu gạch ngang, tối đa 40 ký tự, vd lan-3.",
        "Use lower-case letters, digits and dashes, up to 40 characters, e.g. lan-3.",
    )


def sender_address(settings: Settings, catalog: Catalog, period: Period) -> str:
    """smtp_sender, else the issuing body's contact e-mail (organisation.yaml)."""
    if settings.smtp_sender:
        return settings.smtp_sender
    contact = issuer_for(catalog, period, settings.calendar).contact
    if contact and contact.email:
        return contact.email
    if settings.smtp_host:
        raise UsageError(
            "Chưa có địa chỉ người gửi thư nhắc.",
            "No sender address for reminders.",
            "Đặt DXREPORT_SMTP_SENDER, hoặc thư điện tử liên hệ trong catalog/organisation.yaml.",
            "Set DXREPORT_SMTP_SENDER, or the contact e-mail in catalog/organisation.yaml.",
        )
    return "dxreport@localhost"


def reason_text(unit: MissingUnit) -> str:
    r = unit.rejection
    if r is None:
        return ""
    if r.after_lock:
        return f"{r.file_name}: kỳ đã khóa khi gửi"
    place = f" [{r.place}]" if r.place else ""
    more = f" (+{r.errors - 1} lỗi khác)" if r.errors > 1 else ""
    return f"{r.file_name}: {r.rule}{place}: {r.message_vi}{more}"


def write_round(
    settings: Settings, catalog: Catalog, period: Period, round_id: str, dry_run: bool = False
) -> Round:
    """Find the units to remind, compose their letters and write them to outbox/ (recorded in the
    warehouse), leaving the letters sent in an earlier run of the round as they are."""
    found = missing_units(settings, catalog, period)
    sender = sender_address(settings, catalog, period)
    folder = settings.paths.outbox / period.id / round_id
    base = Round(
        period_id=period.id,
        label=period.label_vi,
        round=round_id,
        deadline=settings.calendar.deadline(period),
        expected=found.expected,
        locked=found.locked,
        dry_run=dry_run,
        sender=sender,
        outbox=folder.relative_to(settings.paths.home).as_posix(),
        reminders=(),
    )
    if found.locked or not found.units:
        return base
    now = settings.clock()
    reminders: list[Reminder] = []
    with connect(settings.paths.warehouse, read_only=dry_run) as con:
        recorded = query(con, "remind_has_table")[0]["ready"]
        before = {
            r["unit_code"]: r
            for r in (
                query(con, "remind_sent", period_id=period.id, round=round_id) if recorded else []
            )
        }
        for unit in found.units:
            letter = compose(catalog, settings.calendar, period, unit, round_id, now.date())
            path = folder / f"{unit.unit_code}.eml"
            rel = path.relative_to(settings.paths.home).as_posix()
            earlier = before.get(unit.unit_code)
            reminder = Reminder(
                unit_code=unit.unit_code,
                unit_name=unit.unit_name,
                cause=unit.cause,
                reason=reason_text(unit),
                recipients=unit.emails,
                eml_path=rel,
                message_id=message_id(letter, sender),
                status="written" if unit.emails else "no_email",
                attempts=int(earlier["attempts"]) if earlier else 0,
                new=earlier is None,
            )
            if earlier and earlier["status"] == "sent":
                reminders.append(
                    replace(
                        reminder,
                        status="already_sent",
                        recipients=tuple((earlier["recipients"] or "").split(", ")),
                        sent_at=earlier["sent_at"].isoformat(),
                    )
                )
                continue
            if dry_run:
                reminders.append(replace(reminder, status="dry_run", eml_path=""))
                continue
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic_bytes(path, to_message(letter, sender, now))
            _record(con, period, round_id, reminder, now)
            reminders.append(reminder)
    return replace(base, reminders=tuple(reminders), written_at=now)


def _record(con, period: Period, round_id: str, r: Reminder, written_at) -> None:
    execute(
        con,
        "remind_record",
        period_id=period.id,
        round=round_id,
        unit_code=r.unit_code,
        cause=r.cause,
        recipients=", ".join(r.recipients) or None,
        status=r.status,
        eml_path=r.eml_path,
        message_id=r.message_id,
        attempts=r.attempts,
        error=r.error,
        written_at=written_at,
        sent_at=r.sent_at,
    )


def send_round(settings: Settings, plan: Round, server: SmtpServer | None) -> Round:
    """Send every letter written in this run (none without a server); record each outcome at once."""
    if server is None or plan.dry_run or not any(r.status == "written" for r in plan.reminders):
        return plan
    written_at = plan.written_at or settings.clock()
    period = Period.parse(plan.period_id)
    mailer = Mailer(server)
    down: str | None = None
    out: list[Reminder] = []
    try:
        with connect(settings.paths.warehouse) as con:
            for r in plan.reminders:
                if r.status != "written":
                    out.append(r)
                    continue
                if down is not None:
                    done = replace(r, status="failed", error=f"{NOT_TRIED} ({down})")
                else:
                    data = (settings.paths.home / r.eml_path).read_bytes()
                    outcome = send_with_retries(
                        mailer,
                        plan.sender,
                        r.recipients,
                        data,
                        settings.smtp_attempts,
                        settings.smtp_retry_delay_seconds,
                    )
                    attempts = r.attempts + outcome.attempts
                    if outcome.sent:
                        done = replace(
                            r,
                            status="sent",
                            attempts=attempts,
                            error=outcome.error,
                            sent_at=settings.clock().isoformat(),
                        )
                    else:
                        done = replace(r, status="failed", attempts=attempts, error=outcome.error)
                        if outcome.server_down:
                            down = outcome.error
                _record(con, period, plan.round, done, written_at)
                out.append(done)
    finally:
        mailer.close()
    return replace(plan, reminders=tuple(out))


def something_happened(plan: Round) -> bool:
    """A letter sent or failed, or written for the first time (not a rerun that found all done)."""
    return any(
        r.status in ("sent", "failed") or (r.new and r.status != "dry_run") for r in plan.reminders
    )


def counts(plan: Round) -> dict[str, int]:
    return dict(Counter(r.status for r in plan.reminders))


def result(plan: Round, server: SmtpServer | None, home: Path) -> dict:
    """The flow's result (and `dxreport remind --json`)."""
    return {
        "period": plan.period_id,
        "label": plan.label,
        "round": plan.round,
        "deadline": plan.deadline.isoformat(),
        "deadline_vi": format_date_vi(plan.deadline),
        "expected": plan.expected,
        "locked": plan.locked,
        "dry_run": plan.dry_run,
        "smtp": server.describe() if server else None,
        "sender": plan.sender,
        "outbox": str(home / plan.outbox),
        "counts": counts(plan),
        "units": [r.as_dict() for r in plan.reminders],
    }
