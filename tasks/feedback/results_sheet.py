"""The first sheet of a feedback workbook, "Kết quả kiểm tra": what the receipt says, for the unit.

Grain of the message table: one row per receipt message, in the receipt's order. Each row links to
the cell it names (an internal link, `#'Chỉ tiêu'!E7`) when that cell is in the workbook. The
section "Thay đổi so với phiên bản trước" lists receipt["changes"] (one row per changed value).
Every text is written through `put_text`: text quoted from a submission stays data.
"""

from __future__ import annotations

import math
from datetime import datetime

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from tasks.core.formatting import fmt_number
from tasks.core.periods import Period
from tasks.intake.history import ARRIVAL_STATUS_TEXT, TIMELINESS_TEXT, received_text
from tasks.workbook.cell_text import put_text

RESULTS_SHEET = "Kết quả kiểm tra"
SEVERITY_TEXT = {"error": "Lỗi", "warning": "Cảnh báo"}
FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "change": PatternFill("solid", fgColor="DDEBF7"),
}
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WIDTHS = {"A": 6, "B": 19, "C": 30, "D": 12, "E": 8, "F": 80}
LINE_HEIGHT = 15  # points per line of 11-point text
WHAT_TO_DO = (
    "Sửa các ô được tô đỏ (lỗi: tệp chưa được ghi nhận) và xem lại các ô tô vàng (cảnh báo: cần kiểm "
    'tra lại), rồi gửi lại tệp đã sửa. Di chuột lên ô để đọc ghi chú; bấm vào ô ở cột "Ô" để đến đúng '
    "ô cần sửa. Không gửi lại tệp này: hãy sửa trên tệp gốc của đơn vị."
)


def value_text(value: object) -> str:
    """A changed value as a reader sees it: 1.234,5; blank as "(trống)"."""
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return fmt_number(value, 0)
    if isinstance(value, float):
        return fmt_number(value, 2, trim=True)
    return str(value)


def received_text_of(iso: object) -> str:
    """'2025-09-15T08:00:00+07:00' -> '15/09/2025 08:00' (the receipt's local time)."""
    try:
        return received_text(datetime.fromisoformat(str(iso)))
    except ValueError:
        return str(iso or "")


def period_text(period_id: object) -> str:
    try:
        return Period.parse(period_id).label_vi if period_id else "(không đọc được)"
    except Exception:  # noqa: BLE001 - a receipt's period is shown as it is when not a period
        return str(period_id)


def _put(ws: Worksheet, ref: str, text: object, *, bold: bool = False, size: int = 11) -> None:
    cell = ws[ref]
    if isinstance(text, int | float) and not isinstance(text, bool):
        cell.value = text
    else:
        put_text(cell, "" if text is None else str(text))
    cell.font = Font(name="Times New Roman", size=size, bold=bold)
    cell.alignment = Alignment(wrap_text=True, vertical="top")


def _lines(text: object, width: float) -> int:
    """How many lines `text` wraps to in a column `width` characters wide (a generous guess:
    spreadsheet programs do not grow a row for wrapped text written by another program)."""
    per_line = max(width * 1.3 - 2, 1)  # 11-point Times: about 1.3 characters per width unit
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def _table_row(ws: Worksheet, row: int, texts: list[object], *, header: bool = False) -> None:
    lines = 1
    for col, text in zip("ABCDEF", texts, strict=False):
        _put(ws, f"{col}{row}", text, bold=header)
        ws[f"{col}{row}"].border = BORDER
        if header:
            ws[f"{col}{row}"].fill = HEADER_FILL
        lines = max(lines, _lines("" if text is None else text, WIDTHS[col]))
    ws.row_dimensions[row].height = LINE_HEIGHT * lines + 2


def fill_results(
    ws: Worksheet, receipt_name: str, receipt: dict, links: dict[int, str], note: str | None = None
) -> None:
    """Write the results onto `ws`. `links`: message index -> internal location ("'Chỉ tiêu'!E7")."""
    ws.title = RESULTS_SHEET
    for col, width in WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws.merge_cells("A1:F1")
    _put(ws, "A1", "KẾT QUẢ KIỂM TRA TỆP BÁO CÁO", bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    status = receipt.get("status") or ""
    facts = [
        ("Tệp", receipt.get("file")),
        ("Biên nhận", receipt_name),
        ("Đơn vị", receipt.get("unit") or "(không đọc được)"),
        ("Kỳ báo cáo", period_text(receipt.get("period"))),
        ("Kết quả", ARRIVAL_STATUS_TEXT.get(status, status)),
        ("Phiên bản", receipt.get("version") if receipt.get("version") is not None else "-"),
        ("Thời hạn", TIMELINESS_TEXT.get(receipt.get("timeliness") or "", "-")),
        ("Ngày nhận", received_text_of(receipt.get("received_at"))),
    ]
    if receipt.get("duplicate_of"):
        facts.append(("Trùng với biên nhận", receipt["duplicate_of"]))
    row = 3
    for label, value in facts:
        ws.merge_cells(f"A{row}:B{row}")
        _put(ws, f"A{row}", label, bold=True)
        ws.merge_cells(f"C{row}:F{row}")
        _put(ws, f"C{row}", value)
        ws[f"C{row}"].alignment = Alignment(horizontal="left", vertical="top")
        row += 1
    row += 1
    ws.merge_cells(f"A{row}:F{row}")
    _put(ws, f"A{row}", note or WHAT_TO_DO)
    ws.row_dimensions[row].height = 48
    row += 2
    messages = receipt.get("messages") or []
    ws.merge_cells(f"A{row}:F{row}")
    _put(ws, f"A{row}", f"Các vấn đề cần xử lý ({len(messages)})", bold=True)
    row += 1
    header_row = row
    _table_row(ws, row, ["STT", "Mức độ", "Mã quy tắc", "Trang tính", "Ô", "Nội dung"], header=True)
    for index, msg in enumerate(messages):
        row += 1
        severity = msg.get("severity") or ""
        _table_row(
            ws,
            row,
            [
                index + 1,
                SEVERITY_TEXT.get(severity, severity),
                msg.get("rule"),
                msg.get("sheet") or "(cả tệp)",
                msg.get("cell") or "",
                msg.get("message_vi"),
            ],
        )
        if severity in FILLS:
            ws[f"B{row}"].fill = FILLS[severity]
        if index in links:
            target = ws[f"E{row}"]
            target.hyperlink = Hyperlink(ref=target.coordinate, location=links[index])
            target.font = Font(name="Times New Roman", color="0563C1", underline="single")
    if not messages:
        row += 1
        ws.merge_cells(f"A{row}:F{row}")
        _put(ws, f"A{row}", "Không có vấn đề nào.")
    changes = receipt.get("changes")
    if changes:
        row += 2
        ws.merge_cells(f"A{row}:F{row}")
        _put(ws, f"A{row}", "Thay đổi so với phiên bản trước", bold=True)
        row += 1
        _table_row(ws, row, ["STT", "Mã", "Chỉ tiêu", "Trang tính", "Ô", "Cũ → mới"], header=True)
        for index, change in enumerate(changes):
            row += 1
            old, new = value_text(change.get("old")), value_text(change.get("new"))
            _table_row(
                ws,
                row,
                [
                    index + 1,
                    change.get("field"),
                    change.get("label"),
                    change.get("sheet"),
                    change.get("cell"),
                    f"{old} → {new}",
                ],
            )
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
