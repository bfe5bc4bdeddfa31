"""The sheets of the submission template and their data validations (SUBMISSION_FORMAT.md).

`fill_lists` writes the hidden "Danh mục" and returns the ranges its drop-downs point at;
`fill_info`, `fill_elements`, `fill_activities` and `fill_narrative` fill "Thông tin", "Chỉ tiêu",
"Hoạt động" and "Thuyết minh". `tasks.workbook.template.build_template` puts them together.

Everything a unit reads here is Vietnamese; dates are shown as dd/mm/yyyy.
"""

from __future__ import annotations

from datetime import date, timedelta

from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from schemas.catalog_model import Catalog, DataElement, Unit
from tasks.core.periods import Period, format_date_vi
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    CURRENT_TEMPLATE_VERSION,
    ELEMENT_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_LISTS,
)

ACTIVITY_ROWS = 500  # drop-downs and validations cover rows 2..ACTIVITY_ROWS+1 of "Hoạt động"
VALUE_COLUMN = "E"  # "Giá trị kỳ này" in "Chỉ tiêu"
NOTE_COLUMN = "F"  # "Ghi chú" in "Chỉ tiêu"
DATE_FORMAT = "dd/mm/yyyy"

# Rows of "Thông tin" (label in A, value in B, a hint for the unit in C). Order = INFO_LABELS.
INFO_ROW = {key: i for i, key in enumerate(INFO_LABELS, start=1)}
UNIT_FILLED_INFO = ("preparer", "phone", "email", "prepared_on")

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")
_HINT_FONT = Font(italic=True, color="595959")
_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)


def fill_lists(ws: Worksheet, catalog: Catalog) -> dict[str, str]:
    """The hidden lists; returns the absolute ranges the drop-downs refer to."""
    headers = {
        "A": "Mã loại hoạt động",
        "B": "Tên loại hoạt động",
        "C": "Mã kênh",
        "D": "Tên kênh",
        "E": "Có/Không",
    }
    for col, text in headers.items():
        ws[f"{col}1"] = text
        ws[f"{col}1"].font = _BOLD
    for i, item in enumerate(catalog.activity_types, start=2):
        ws[f"A{i}"], ws[f"B{i}"] = item.code, item.name
    for i, item in enumerate(catalog.channels, start=2):
        ws[f"C{i}"], ws[f"D{i}"] = item.code, item.name
    ws["E2"], ws["E3"] = 0, 1
    for col, width in {"A": 22, "B": 44, "C": 22, "D": 34, "E": 10}.items():
        ws.column_dimensions[col].width = width
    quoted = f"'{SHEET_LISTS}'"
    return {
        "activity": f"{quoted}!$A$2:$A${len(catalog.activity_types) + 1}",
        "channel": f"{quoted}!$C$2:$C${len(catalog.channels) + 1}",
        "yes_no": f"{quoted}!$E$2:$E$3",
    }


def _validation(
    kind: str,
    *,
    operator: str | None = None,
    formula1: str | None = None,
    formula2: str | None = None,
    title: str,
    prompt: str,
    error: str,
) -> DataValidation:
    dv = DataValidation(
        type=kind,
        operator=operator,
        formula1=formula1,
        formula2=formula2,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        errorStyle="stop",
        promptTitle=title[:32],
        prompt=prompt[:255],
        errorTitle="Giá trị không hợp lệ",
        error=error[:255],
    )
    return dv


def _excel_serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def fill_info(ws: Worksheet, unit: Unit, period: Period, working_days: int) -> None:
    window_vi = f"{format_date_vi(period.window_start)} - {format_date_vi(period.window_end)}"
    deadline = period.deadline(working_days)
    values = {
        "unit_code": unit.code,
        "unit_name": unit.name,
        "period": period.id,
        "template_version": CURRENT_TEMPLATE_VERSION,
    }
    hints = {
        "unit_code": "Không sửa (điền sẵn).",
        "unit_name": "Không sửa (điền sẵn).",
        "period": f"{period.label_vi}: số liệu từ {window_vi}; hạn gửi {format_date_vi(deadline)}.",
        "preparer": "Họ và tên người lập báo cáo (bắt buộc).",
        "phone": "Số điện thoại liên hệ.",
        "email": "Địa chỉ thư điện tử, ví dụ: ten@danang.gov.vn",
        "prepared_on": "Ngày lập báo cáo (dd/mm/yyyy, bắt buộc).",
        "template_version": "Không sửa (phiên bản mẫu biểu).",
    }
    for key, label in INFO_LABELS.items():
        row = INFO_ROW[key]
        a, b, c = ws.cell(row, 1, label), ws.cell(row, 2), ws.cell(row, 3, hints.get(key))
        a.font = _BOLD
        a.border = b.border = _BORDER
        c.font = _HINT_FONT
        if key in values:
            b.value = values[key]
            b.alignment = Alignment(horizontal="left")
        if key in UNIT_FILLED_INFO:
            b.protection = _UNLOCKED
            b.fill = _INPUT_FILL
    ws.cell(INFO_ROW["phone"], 2).number_format = "@"  # keep the leading 0 of phone numbers
    prepared = ws.cell(INFO_ROW["prepared_on"], 2)
    prepared.number_format = DATE_FORMAT
    prepared.alignment = Alignment(horizontal="left")
    dv = _validation(
        "date",
        operator="between",
        formula1=str(_excel_serial(period.window_start - timedelta(days=366))),
        formula2=str(_excel_serial(period.window_end + timedelta(days=366))),
        title="Ngày lập báo cáo",
        prompt="Nhập ngày dạng dd/mm/yyyy, ví dụ " + format_date_vi(deadline) + ".",
        error="Ngày không hợp lệ. Nhập ngày dạng dd/mm/yyyy.",
    )
    dv.add(prepared.coordinate)
    ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 52
    ws.column_dimensions["C"].width = 70
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # units may widen columns
    ws.protection.formatRows = False


_KIND_VALIDATION = {
    "flow": (
        "whole",
        "Số lượng trong kỳ",
        "Số phát sinh trong kỳ ({window}). Số nguyên, không âm. Nhập 0 nếu không phát sinh; "
        "để trống nghĩa là chưa báo cáo.",
        "Chỉ nhập số nguyên không âm (0, 1, 2, ...).",
    ),
    "stock": (
        "whole",
        "Số lũy kế",
        "Số lũy kế tại ngày {cutoff}. Số nguyên, không âm; số đã phổ biến/tập huấn không lớn "
        "hơn tổng số.",
        "Chỉ nhập số nguyên không âm (0, 1, 2, ...).",
    ),
    "yes_no": (
        "list",
        "Có/Không",
        "Chọn 1 (có) hoặc 0 (không): tình trạng tại ngày {cutoff}.",
        "Chỉ chọn 1 (có) hoặc 0 (không).",
    ),
    "money": (
        "decimal",
        "Số tiền (triệu đồng)",
        "Kinh phí chi trong kỳ ({window}), đơn vị triệu đồng; có thể có phần thập phân. "
        "Nhập 0 nếu không chi.",
        "Chỉ nhập số không âm (triệu đồng).",
    ),
}


def fill_elements(
    ws: Worksheet, elements: list[DataElement], period: Period, yes_no_range: str
) -> None:
    for col, title in enumerate(ELEMENT_COLUMNS, start=1):
        cell = ws.cell(1, col, title)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    rows_by_kind: dict[str, list[str]] = {}
    for row, element in enumerate(elements, start=2):
        for col, value in enumerate(
            (element.code, element.name, element.uom, element.kind_label), start=1
        ):
            cell = ws.cell(row, col, value)
            cell.border = _BORDER
            cell.alignment = _WRAP_TOP
        value_cell = ws[f"{VALUE_COLUMN}{row}"]
        note_cell = ws[f"{NOTE_COLUMN}{row}"]
        for cell in (value_cell, note_cell):
            cell.protection = _UNLOCKED
            cell.fill = _INPUT_FILL
            cell.border = _BORDER
        note_cell.alignment = _WRAP_TOP
        value_cell.number_format = "#,##0.0" if element.kind == "money" else "#,##0"
        rows_by_kind.setdefault(element.kind, []).append(value_cell.coordinate)
    window = f"{format_date_vi(period.window_start)} - {format_date_vi(period.window_end)}"
    cutoff = format_date_vi(period.window_end)
    for kind, cells in rows_by_kind.items():
        vtype, title, prompt, error = _KIND_VALIDATION[kind]
        prompt = prompt.format(window=window, cutoff=cutoff)
        if vtype == "list":
            dv = _validation("list", formula1=yes_no_range, title=title, prompt=prompt, error=error)
        else:
            dv = _validation(
                vtype,
                operator="greaterThanOrEqual",
                formula1="0",
                title=title,
                prompt=prompt,
                error=error,
            )
        for coordinate in cells:
            dv.add(coordinate)
        ws.add_data_validation(dv)
    for letter, width in zip("ABCDEF", (26, 60, 14, 12, 16, 36), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def fill_activities(
    ws: Worksheet, catalog: Catalog, period: Period, ranges: dict[str, str]
) -> None:
    for col, title in enumerate(ACTIVITY_COLUMNS, start=1):
        cell = ws.cell(1, col, title)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    letter = {name: get_column_letter(i) for i, name in enumerate(ACTIVITY_COLUMNS, start=1)}
    last = ACTIVITY_ROWS + 1

    def span(column: str) -> str:
        return f"{letter[column]}2:{letter[column]}{last}"

    window = f"{format_date_vi(period.window_start)} - {format_date_vi(period.window_end)}"
    validations = [
        (
            "Ngày",
            _validation(
                "date",
                operator="between",
                formula1=str(_excel_serial(period.window_start - timedelta(days=366))),
                formula2=str(_excel_serial(period.window_end + timedelta(days=366))),
                title="Ngày",
                prompt=f"Ngày diễn ra hoạt động, dạng dd/mm/yyyy, trong kỳ báo cáo ({window}).",
                error="Ngày không hợp lệ. Nhập ngày dạng dd/mm/yyyy.",
            ),
        ),
        (
            "Loại hoạt động",
            _validation(
                "list",
                formula1=ranges["activity"],
                title="Loại hoạt động",
                prompt="Chọn mã loại hoạt động trong danh sách (xem ghi chú ở tiêu đề cột).",
                error="Chỉ chọn mã loại hoạt động có trong danh sách.",
            ),
        ),
        (
            "Kênh",
            _validation(
                "list",
                formula1=ranges["channel"],
                title="Kênh",
                prompt="Chọn mã kênh truyền thông trong danh sách (xem ghi chú ở tiêu đề cột).",
                error="Chỉ chọn mã kênh có trong danh sách.",
            ),
        ),
        (
            "Số lượng",
            _validation(
                "whole",
                operator="greaterThanOrEqual",
                formula1="1",
                title="Số lượng",
                prompt="Số lượng (tin, bài, lượt, lớp, sự kiện...): số nguyên từ 1 trở lên.",
                error="Chỉ nhập số nguyên từ 1 trở lên.",
            ),
        ),
        (
            "Lượt tiếp cận",
            _validation(
                "whole",
                operator="greaterThanOrEqual",
                formula1="0",
                title="Lượt tiếp cận",
                prompt="Số lượt tiếp cận, xem, tham dự (số nguyên không âm); có thể để trống.",
                error="Chỉ nhập số nguyên không âm.",
            ),
        ),
        (
            "Kinh phí (triệu đồng)",
            _validation(
                "decimal",
                operator="greaterThanOrEqual",
                formula1="0",
                title="Kinh phí",
                prompt="Kinh phí của hoạt động, đơn vị triệu đồng (số không âm); có thể để trống.",
                error="Chỉ nhập số không âm (triệu đồng).",
            ),
        ),
    ]
    for column, dv in validations:
        dv.add(span(column))
        ws.add_data_validation(dv)
    ws[f"{letter['Đường dẫn minh chứng']}1"].comment = _comment(
        "Để trống hoặc dán đường dẫn bắt đầu bằng http:// hoặc https:// tới tin, bài, hình ảnh minh chứng.",
        width=260,
        height=80,
    )
    ws[f"{letter['Loại hoạt động']}1"].comment = _comment(
        "Mã loại hoạt động:\n" + "\n".join(f"{a.code}: {a.name}" for a in catalog.activity_types),
        width=340,
        height=220,
    )
    ws[f"{letter['Kênh']}1"].comment = _comment(
        "Mã kênh:\n" + "\n".join(f"{c.code}: {c.name}" for c in catalog.channels),
        width=300,
        height=200,
    )
    widths = {
        "STT": 6,
        "Ngày": 12,
        "Loại hoạt động": 20,
        "Kênh": 20,
        "Tên, nội dung": 50,
        "Số lượng": 10,
        "Lượt tiếp cận": 14,
        "Kinh phí (triệu đồng)": 14,
        "Đường dẫn minh chứng": 40,
    }
    for column, width in widths.items():
        ws.column_dimensions[letter[column]].width = width
    # Column styles (no empty cells are written): what a unit types there gets the right format.
    ws.column_dimensions[letter["Ngày"]].number_format = DATE_FORMAT
    ws.column_dimensions[letter["Kinh phí (triệu đồng)"]].number_format = "#,##0.0"
    ws.column_dimensions[letter["Lượt tiếp cận"]].number_format = "#,##0"
    ws.column_dimensions[letter["Tên, nội dung"]].alignment = _WRAP_TOP
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _comment(text: str, *, width: int, height: int) -> Comment:
    comment = Comment(text, "dxreport")
    comment.width, comment.height = width, height
    return comment


def fill_narrative(ws: Worksheet) -> None:
    for row, label in enumerate(NARRATIVE_LABELS.values(), start=1):
        a = ws.cell(row, 1, label)
        a.font = _BOLD
        a.alignment = _WRAP_TOP
        b = ws.cell(row, 2)
        b.alignment = _WRAP_TOP
        b.fill = _INPUT_FILL
        a.border = b.border = _BORDER
        ws.row_dimensions[row].height = 120
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 110
