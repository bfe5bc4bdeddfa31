"""What an intake run tells an operator in the Prefect UI, without opening a file:

- one log line per file (Vietnamese, with the English status): file, unit, status and, for a
  rejected file, its first error (rule, sheet!cell, message) and how many more;
- the run's final message, e.g. "4/10 tệp bị từ chối / 4 of 10 files rejected";
- artifacts, only when the run received files (an empty inbox every 15 minutes publishes nothing),
  keyed per period so an operator finds the latest state of a period under one key:
  `intake-2025q3` (markdown summary of the run), `intake-2025q3-receipts` (one row per file) and
  `submission-status-2025q3` (unit × status for the period, the same key and rule as the
  report's table before sign-off: `tasks.report.submission_status.period_status`).

Files whose period could not be read (or is far off) are listed with the period being collected (the
latest period whose data window has closed, as the run's name says).

The functions that build text and rows are pure (tests call them directly); `publish` writes the
artifacts and never fails the run: the files are already filed when it runs.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import datetime

from schemas.catalog_model import Catalog
from tasks.core.formatting import fmt_int
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.intake.history import ARRIVAL_STATUS_TEXT, TIMELINESS_TEXT
from tasks.report.submission_status import STATUS_TEXT

log = logging.getLogger(__name__)

STATUS_ORDER = ("accepted", "accepted_with_warnings", "duplicate", "rejected")
STATUS_EN = {
    "accepted": "accepted",
    "accepted_with_warnings": "accepted with warnings",
    "rejected": "rejected",
    "duplicate": "duplicate",
}
UNKNOWN = "–"
EMPTY_INBOX = "Hộp thư trống: không có tệp nào. / Inbox empty: no files."


# --- one receipt ----------------------------------------------------------------------------------
def status_text(status: str) -> str:
    """`Bị từ chối / rejected`."""
    return f"{ARRIVAL_STATUS_TEXT.get(status, status)} / {STATUS_EN.get(status, status)}"


def errors_of(receipt: dict) -> list[dict]:
    return [m for m in receipt.get("messages") or [] if m.get("severity") == "error"]


def warnings_of(receipt: dict) -> list[dict]:
    return [m for m in receipt.get("messages") or [] if m.get("severity") == "warning"]


def place(message: dict) -> str:
    """`Chỉ tiêu!E7`, `Chỉ tiêu`, `E7` or ``."""
    sheet, cell = message.get("sheet") or "", message.get("cell") or ""
    return f"{sheet}!{cell}" if sheet and cell else sheet or cell


def unit_text(receipt: dict, catalog: Catalog | None = None) -> str:
    """`P_HAI_CHAU (UBND phường Hải Châu)`; the code alone when not in the catalogue; `–` unread."""
    code = receipt.get("unit")
    if not code:
        return UNKNOWN
    unit = catalog.unit(code) if catalog is not None else None
    return f"{code} ({unit.name})" if unit is not None else code


def error_text(message: dict) -> str:
    """`HDR_PERIOD tại Thông tin!B3: <message_vi>`."""
    where = place(message)
    return f"{message['rule']}" + (f" tại {where}" if where else "") + f": {message['message_vi']}"


def receipt_line(receipt: dict, catalog: Catalog | None = None) -> str:
    """The run log's line for one file, e.g.
    `hong.xlsx: Bị từ chối / rejected — đơn vị –, kỳ –; lỗi đầu tiên / first error: FILE_ZIP_CORRUPT
    tại …: … (+2 lỗi khác / more errors)`."""
    status = receipt["status"]
    parts = [f"đơn vị {unit_text(receipt, catalog)}", f"kỳ {receipt.get('period') or UNKNOWN}"]
    if receipt.get("version"):
        parts.append(f"bản v{receipt['version']}")
    if receipt.get("timeliness"):
        timeliness = receipt["timeliness"]
        parts.append(f"{TIMELINESS_TEXT.get(timeliness, timeliness)} / {timeliness}")
    line = f"{receipt['file']}: {status_text(status)} — " + ", ".join(parts)
    errors = errors_of(receipt)
    if errors:
        line += f"; lỗi đầu tiên / first error: {error_text(errors[0])}"
        if len(errors) > 1:
            line += f" (+{fmt_int(len(errors) - 1)} lỗi khác / more errors)"
    elif status == "duplicate" and receipt.get("duplicate_of"):
        line += f"; trùng với / same bytes as {receipt['duplicate_of']}"
    warnings = warnings_of(receipt)
    if warnings and not errors:
        first = warnings[0]
        line += (
            f"; {fmt_int(len(warnings))} cảnh báo / warnings, đầu tiên / first: {error_text(first)}"
        )
    return line


# --- one run ------------------------------------------------------------------------------------
def run_headline(summary: dict) -> str:
    """The run's final message: `4/10 tệp bị từ chối / 4 of 10 files rejected; …`."""
    receipts = summary["receipts"]
    if not receipts:
        return EMPTY_INBOX
    counts = Counter(r["status"] for r in receipts)
    total, rejected = len(receipts), counts.get("rejected", 0)
    head = f"{fmt_int(rejected)}/{fmt_int(total)} tệp bị từ chối / {rejected} of {total} files rejected"
    others = [s for s in STATUS_ORDER if s != "rejected" and counts.get(s)]
    if others:
        head += "; " + ", ".join(
            f"{ARRIVAL_STATUS_TEXT[s].lower()} / {STATUS_EN[s]}: {fmt_int(counts[s])}"
            for s in others
        )
    return head


def period_of(receipt: dict, default: Period) -> Period:
    """The receipt's period when it is one that can receive files (from the first period to the
    one whose data window is running, `default.next()`), else `default`: a file whose period could
    not be read, or that names a far-off quarter ("2052Q3"), is listed with the collected period
    rather than opening artifacts of a period nobody reports on."""
    try:
        period = Period.parse(receipt["period"]) if receipt.get("period") else None
    except Exception:  # noqa: BLE001 - an unreadable period is listed with the collected one
        period = None
    if period is None or not Period.first() <= period <= default.next():
        return default
    return period


def by_period(receipts: list[dict], default: Period) -> dict[Period, list[dict]]:
    """Receipts grouped by period (`period_of`), in period order."""
    groups: dict[Period, list[dict]] = {}
    for r in receipts:
        groups.setdefault(period_of(r, default), []).append(r)
    return dict(sorted(groups.items()))


def artifact_key(*parts: str) -> str:
    """Prefect artifact keys: lowercase letters, digits and dashes."""
    key = "-".join(parts).lower()
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", key)).strip("-")


def received_text(value: str | None) -> str:
    """dd/mm/yyyy HH:MM from the receipt's ISO date-time."""
    if not value:
        return UNKNOWN
    try:
        return datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return value


def receipt_key(receipt: dict) -> tuple:
    """Tells one receipt of a run from another (the same bytes may arrive twice)."""
    return (receipt["file"], receipt.get("received_at"), receipt.get("sha256"))


def receipt_rows(
    receipts: list[dict], catalog: Catalog | None = None, feedback: dict | None = None
) -> list[dict]:
    """The receipts table: one row per file, the first error spelt out (rule, cell, message), and
    the link to the annotated workbook sent back to the unit (`feedback`: receipt_key -> URL)."""
    feedback = feedback or {}
    rows = []
    for r in receipts:
        errors = errors_of(r)
        first = errors[0] if errors else None
        timeliness = r.get("timeliness")
        rows.append(
            {
                "tệp / file": r["file"],
                "trạng thái / status": status_text(r["status"]),
                "đơn vị / unit": unit_text(r, catalog),
                "kỳ / period": r.get("period") or UNKNOWN,
                "bản / version": f"v{r['version']}" if r.get("version") else "",
                "thời hạn / timeliness": TIMELINESS_TEXT.get(timeliness, timeliness)
                if timeliness
                else "",
                "nhận lúc / received": received_text(r.get("received_at")),
                "quy tắc / rule": first["rule"] if first else "",
                "ô / cell": place(first) if first else "",
                "lỗi đầu tiên": first["message_vi"] if first else "",
                "first error": first.get("message_en", "") if first else "",
                "lỗi khác / more errors": len(errors) - 1 if len(errors) > 1 else 0,
                "cảnh báo / warnings": len(warnings_of(r)),
                "trùng với / duplicate of": r.get("duplicate_of") or "",
                "phiếu phản hồi / feedback": feedback.get(receipt_key(r), ""),
            }
        )
    return rows


def completeness_rows(status: dict) -> list[dict]:
    """Unit × status of a period from `period_status` (the report's rule and vocabulary)."""
    return [
        {
            "mã đơn vị": u["unit"],
            "đơn vị": u["name"],
            "trạng thái": STATUS_TEXT.get(u["status"], u["status"]),
            "phiên bản": u["version"],
            "ngày nhận": received_text(u["received_at"]) if u["received_at"] else "",
            "tệp bị từ chối": u["rejected_arrivals"],
            "phải báo cáo": "có" if u["expected"] else "không",
        }
        for u in status["units"]
    ]


def _cell(text: object) -> str:
    """A markdown table cell: no pipes or line breaks."""
    return str(text).replace("|", "\\|").replace("\n", " ").replace("`", "'")


def summary_markdown(
    period: Period,
    receipts: list[dict],
    status: dict | None,
    catalog: Catalog | None = None,
    when: datetime | None = None,
) -> str:
    """The run's summary for one period: counts, the rejected files and why, the period's status."""
    counts = Counter(r["status"] for r in receipts)
    title = f"# Tiếp nhận {period.label_vi} ({period.id}) / Intake"
    if when is not None:
        title += f" — {when.strftime('%d/%m/%Y %H:%M')}"
    lines = [title, "", f"**{run_headline({'receipts': receipts})}**", ""]
    lines += ["| Trạng thái / Status | Số tệp / Files |", "|---|---:|"]
    lines += [f"| {status_text(s)} | {fmt_int(counts[s])} |" for s in STATUS_ORDER if counts.get(s)]
    rejected = [r for r in receipts if r["status"] == "rejected"]
    if rejected:
        lines += ["", "## Tệp bị từ chối / Rejected files", ""]
        for r in rejected:
            errors = errors_of(r)
            line = f"- `{_cell(r['file'])}` ({_cell(unit_text(r, catalog))})"
            if errors:
                line += f": {_cell(error_text(errors[0]))}"
                if len(errors) > 1:
                    line += f" (+{fmt_int(len(errors) - 1)} lỗi khác / more errors)"
            lines.append(line)
    lines += ["", "## Tình hình gửi báo cáo / Submission status", ""]
    if status is None:
        lines.append("Không đọc được tình hình gửi báo cáo của kỳ. / Status not available.")
    else:
        lines.append(
            f"Phải báo cáo / expected: {fmt_int(status['expected'])} đơn vị / units"
            + ("; KỲ ĐÃ KHÓA / period locked" if status["locked"] else "")
        )
        lines += ["", "| Tình trạng / Status | Số đơn vị / Units |", "|---|---:|"]
        lines += [
            f"| {STATUS_TEXT[s]} ({s}) | {fmt_int(status['counts'][s])} |"
            for s in STATUS_TEXT
            if status["counts"].get(s)
        ]
        lines += [
            "",
            f"Chi tiết từng đơn vị: bảng `{artifact_key('submission-status', period.id)}`; "
            f"từng tệp: bảng `{artifact_key('intake', period.id, 'receipts')}`.",
        ]
    return "\n".join(lines)


# --- Prefect --------------------------------------------------------------------------------------
def period_statuses(
    settings: Settings, catalog: Catalog, periods: list[Period]
) -> dict[Period, dict | None]:
    """`period_status` of each period (None where it cannot be read: the table is a courtesy, the
    files are filed already). Call it while the run holds the workspace lock."""
    from tasks.report.submission_status import period_status

    out: dict[Period, dict | None] = {}
    for p in periods:
        try:
            out[p] = period_status(settings, catalog, p)
        except Exception:  # noqa: BLE001
            log.warning("Không đọc được tình hình gửi báo cáo %s. / No status for %s.", p.id, p.id)
            log.debug("period_status failed", exc_info=True)
            out[p] = None
    return out


def log_outcomes(summary: dict, catalog: Catalog | None = None) -> None:
    """The per-file lines and the final line in the run's log."""
    from prefect import get_run_logger

    logger = get_run_logger()
    for receipt in summary["receipts"]:
        level = logging.WARNING if receipt["status"] == "rejected" else logging.INFO
        logger.log(level, receipt_line(receipt, catalog))
    rejected = any(r["status"] == "rejected" for r in summary["receipts"])
    logger.log(logging.WARNING if rejected else logging.INFO, run_headline(summary))


def publish(
    summary: dict,
    groups: dict[Period, list[dict]],
    statuses: dict[Period, dict | None],
    catalog: Catalog | None = None,
    when: datetime | None = None,
    feedback: dict | None = None,
) -> list[str]:
    """The run's artifacts, per period; nothing for an empty inbox. Returns the keys written."""
    if not summary["receipts"]:
        return []
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    written: list[str] = []
    for period, receipts in groups.items():
        status = statuses.get(period)
        key = artifact_key("intake", period.id)
        try:
            create_markdown_artifact(
                summary_markdown(period, receipts, status, catalog, when),
                key=key,
                description=f"Tiếp nhận {period.label_vi} / intake summary",
            )
            written.append(key)
            create_table_artifact(
                receipt_rows(receipts, catalog, feedback),
                key=f"{key}-receipts",
                description=f"Biên nhận các tệp {period.label_vi} / receipts of this run",
            )
            written.append(f"{key}-receipts")
            if status is not None:
                status_key = artifact_key("submission-status", period.id)
                create_table_artifact(
                    completeness_rows(status),
                    key=status_key,
                    description=f"Tình hình gửi báo cáo {period.label_vi} / submission status",
                )
                written.append(status_key)
        except Exception:  # noqa: BLE001 - an artifact that cannot be written never fails the run
            log.warning("Không ghi được artifact %s. / Artifact not written.", key, exc_info=True)
    return written
