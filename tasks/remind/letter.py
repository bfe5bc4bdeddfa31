"""The reminder letter: a Vietnamese official letter (công văn đôn đốc) as an e-mail.

Plain text in the layout of a công văn (NĐ 30/2020): the parent body and the issuing body, the
national motto, place and date, "V/v" (subject), "Kính gửi", the body — period, data window,
deadline (dd/mm/yyyy), what was wrong with a rejected file, how to send and whom to call — and
"Nơi nhận". The issuing body is the one in charge on the units' deadline (organisation.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from email.charset import Charset
from email.header import Header
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr

from schemas.catalog_model import Catalog, Issuer
from tasks.core.periods import Period, ReportingCalendar, format_date_vi, place_date_line
from tasks.remind.missing import MissingUnit

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@dataclass(frozen=True)
class Letter:
    """One reminder, ready to write and send (grain: unit x period x round)."""

    unit_code: str
    period_id: str
    round: str
    cause: str  # missing | rejected
    recipients: tuple[str, ...]
    subject: str
    body: str
    sender_name: str  # the issuing body, e.g. "Sở Khoa học và Công nghệ"


def issuer_for(catalog: Catalog, period: Period, calendar: ReportingCalendar) -> Issuer:
    return catalog.issuer_on(calendar.deadline(period))


def issuer_name(catalog: Catalog, issuer: Issuer) -> str:
    """The issuing body as written in a sentence ('Sở Khoa học và Công nghệ')."""
    unit = catalog.unit(issuer.unit)
    return unit.name if unit else issuer.name


def reason_lines(unit: MissingUnit) -> list[str]:
    """What was wrong with the unit's last rejected file, in Vietnamese."""
    r = unit.rejection
    if r is None:
        return []
    received = r.received_at.strftime("%d/%m/%Y")
    lines = [f'Tệp "{r.file_name}" quý cơ quan gửi ngày {received} không được tiếp nhận:']
    if r.after_lock:
        lines.append("  - kỳ báo cáo đã khóa (báo cáo tổng hợp đã ban hành) khi tệp được gửi.")
    elif r.message_vi:
        place = f" ({r.place})" if r.place else ""
        lines.append(f"  - {r.message_vi}{place} [mã lỗi {r.rule}].")
        if r.errors > 1:
            lines.append(
                f"  - và {r.errors - 1} lỗi khác: xem biên nhận và tệp phản hồi đã gửi kèm "
                "kết quả tiếp nhận."
            )
    if unit.rejected_arrivals > 1:
        lines.append(
            f"  (Quý cơ quan đã gửi {unit.rejected_arrivals} tệp cho kỳ này, đều bị từ chối.)"
        )
    return lines


def compose(
    catalog: Catalog,
    calendar: ReportingCalendar,
    period: Period,
    unit: MissingUnit,
    round_id: str,
    today: date,
) -> Letter:
    issuer = issuer_for(catalog, period, calendar)
    body_name = issuer_name(catalog, issuer)
    org = catalog.organisation
    deadline = calendar.deadline(period)
    late = today > deadline
    contact = issuer.contact
    window = (
        f"từ ngày {format_date_vi(period.window_start)} đến ngày "
        f"{format_date_vi(period.window_end)}"
    )
    subject = (
        f"Đôn đốc gửi báo cáo {period.label_vi} thực hiện Đề án truyền thông Chuyển đổi số "
        f"- {unit.unit_name}"
    )
    width = 78
    lines = [
        *(line.upper() for line in org.parent_body),
        issuer.name,
        "",
        *(m.center(width).rstrip() for m in MOTTO),
        "",
        place_date_line(today, org.place).rjust(width),
        "",
        f"V/v đôn đốc gửi báo cáo {period.label_vi} thực hiện",
        "Đề án truyền thông Chuyển đổi số",
        "",
        f"Kính gửi: {unit.unit_name}.",
        "",
        f"Thực hiện {org.de_an.decision} ban hành {org.de_an.title}, {body_name} tổng hợp báo "
        "cáo kết quả thực hiện Đề án của các cơ quan, đơn vị, địa phương theo định kỳ hằng quý.",
        "",
    ]
    if unit.cause == "rejected":
        lines += [
            f"Đến ngày {format_date_vi(today)}, {body_name} chưa nhận được báo cáo hợp lệ "
            f"{period.label_vi} của quý cơ quan.",
            *reason_lines(unit),
            "",
            "Đề nghị quý cơ quan sửa các lỗi nêu trên và gửi lại tệp báo cáo"
            + (" ngay." if late else f" trước hạn ngày {format_date_vi(deadline)}."),
        ]
    else:
        lines += [
            f"Đến ngày {format_date_vi(today)}, {body_name} chưa nhận được báo cáo "
            f"{period.label_vi} của quý cơ quan"
            + (f", đã quá hạn gửi ngày {format_date_vi(deadline)}." if late else "."),
            "",
            "Đề nghị quý cơ quan gửi báo cáo"
            + (" ngay." if late else f" đúng hạn, chậm nhất ngày {format_date_vi(deadline)}."),
        ]
    send = (
        contact.send_vi
        if contact and contact.send_vi
        else f"Gửi tệp Excel (.xlsx) đã điền tới {body_name}."
    )
    lines += [
        "",
        f"  - Kỳ báo cáo: {period.label_vi} (mã kỳ {period.id}).",
        f"  - Số liệu tính {window}; số lũy kế tại ngày {format_date_vi(period.window_end)}.",
        f"  - Hạn gửi: {format_date_vi(deadline)}" + (" (đã quá hạn)." if late else "."),
        f"  - Mẫu biểu: dùng mẫu {period.label_vi} do {body_name} cung cấp, không đổi tên trang, "
        "không thêm, xóa cột.",
        f"  - Cách gửi: {send}",
    ]
    if contact:
        who = ", ".join(
            p
            for p in (
                contact.person,
                f"điện thoại {contact.phone}" if contact.phone else "",
                f"thư điện tử {contact.email}" if contact.email else "",
            )
            if p
        )
        lines.append(f"  - Liên hệ: {contact.department}" + (f" ({who})." if who else "."))
    lines += [
        "",
        "Trường hợp quý cơ quan đã gửi báo cáo sau thời điểm thư này được lập, xin bỏ qua thư này.",
        "",
        "Trân trọng./.",
        "",
        "Nơi nhận:",
        "- Như trên;",
        f"- Lưu: VT, {issuer.archive_code}.",
        "",
        issuer.name.center(width).rstrip(),
        "",
        "--",
        f"Thư tự động của hệ thống tổng hợp báo cáo Đề án (đợt nhắc: {round_id}; đơn vị: "
        f"{unit.unit_code}; kỳ: {period.id}).",
    ]
    return Letter(
        unit_code=unit.unit_code,
        period_id=period.id,
        round=round_id,
        cause=unit.cause,
        recipients=unit.emails,
        subject=subject,
        body="\n".join(lines) + "\n",
        sender_name=body_name,
    )


def message_id(letter: Letter, sender: str) -> str:
    """The same letter has the same Message-ID on every run (a receiving server may drop a copy)."""
    domain = sender.rpartition("@")[2] or "dxreport.invalid"
    return f"<{letter.period_id}.{letter.round}.{letter.unit_code}.dxreport@{domain}>".lower()


def to_message(letter: Letter, sender: str, when: datetime) -> bytes:
    """The e-mail as sent: UTF-8 headers in RFC 2047 encoded words and a UTF-8 body as 8bit
    (8BITMIME), so the .eml in outbox/ reads as plain text; CRLF line ends, as on the wire.

    Built with the compat32 `Header`: the modern policy's folding drops the space between two
    encoded words ("Quý III/2025thực hiện", CPython's header refolding), which this does not."""
    charset = Charset("utf-8")
    charset.body_encoding = None  # type: ignore[assignment]  # 8bit, not base64
    msg = MIMEText(letter.body, "plain", charset)  # type: ignore[arg-type]
    msg["Subject"] = Header(letter.subject, "utf-8")  # type: ignore[assignment]
    msg["From"] = formataddr((letter.sender_name, sender), charset="utf-8")
    if letter.recipients:
        msg["To"] = ", ".join(letter.recipients)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id(letter, sender)
    msg["X-Dxreport-Reminder"] = f"{letter.period_id}/{letter.round}/{letter.unit_code}"
    return msg.as_bytes(policy=compat32.clone(linesep="\r\n"))
