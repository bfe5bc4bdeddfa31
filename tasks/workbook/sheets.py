"""The sheets of the submission template (SUBMISSION_FORMAT.md, template version 2).

`fill_lists` writes the hidden "Danh mục" and returns the ranges its drop-downs point at;
`fill_info`, `fill_elements`, `fill_activities` and `fill_narrative` fill "Thông tin", "Chỉ tiêu",
"Hoạt động" and "Thuyết minh", each under the title block of tasks/workbook/print_layout.py and set
up to print on A4. `tasks.workbook.template.build_template` puts them together with the
"Hướng dẫn" sheet (tasks/workbook/instructions.py).

Everything a unit reads here is Vietnamese; dates are shown as dd/mm/yyyy. Input cells are unlocked
(and light yellow), everything else is protected without a password.
"""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
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
from tasks.workbook.prefill import StartingValue
from tasks.workbook.print_layout import (
    TABLE_ROW,
    page_setup,
    signature_block,
    title_block,
    window_vi,
)
from tasks.workbook.styles import (
    BOLD,
    BORDER,
    CENTER,
    HEADER_FILL,
    HINT_FONT,
    INPUT_FILL,
    STARTING_FILL,
    UNLOCKED,
    WRAP_TOP,
    comment,
    protect,
    wrapped_height,
    write,
)
from tasks.workbook.validations import activity_validations, date_validation, element_validation

ACTIVITY_ROWS = 500  # drop-downs and validations cover this many rows below the header
VALUE_COLUMN = "E"  # "Giá trị kỳ này" in "Chỉ tiêu"
NOTE_COLUMN = "F"  # "Ghi chú" in "Chỉ tiêu"
DATE_FORMAT = "dd/mm/yyyy"
HEADER_ROW = TABLE_ROW  # the header row of "Chỉ tiêu" and "Hoạt động"
FIRST_DATA_ROW = HEADER_ROW + 1

# Rows of "Thông tin" (label in A, value in B, a hint for the unit in C). Order = INFO_LABELS.
INFO_ROW = {key: i for i, key in enumerate(INFO_LABELS, start=TABLE_ROW)}
UNIT_FILLED_INFO = ("preparer", "phone", "email", "prepared_on")
# Rows of "Thuyết minh" (label in A, text in B). Order = NARRATIVE_LABELS.
NARRATIVE_ROW = {key: i for i, key in enumerate(NARRATIVE_LABELS, start=TABLE_ROW)}
_INFO_WIDTHS = (22, 40, 46)
_ELEMENT_WIDTHS = (24, 50, 11, 10, 12, 22)


def fill_lists(ws: Worksheet, catalog: Catalog) -> dict[str, str]:
    """The hidden lists (codes and names); returns the absolute ranges the drop-downs refer to:
    the Vietnamese names, never the codes."""
    headers = ("Mã loại hoạt động", "Tên loại hoạt động", "Mã kênh", "Tên kênh", "Có/Không")
    for col, text in enumerate(headers, start=1):
        write(ws, 1, col, text, font=BOLD)
    for i, item in enumerate(catalog.activity_types, start=2):
        write(ws, i, 1, item.code)
        write(ws, i, 2, item.name)
    for i, item in enumerate(catalog.channels, start=2):
        write(ws, i, 3, item.code)
        write(ws, i, 4, item.name)
    ws["E2"], ws["E3"] = 0, 1
    for letter, width in {"A": 22, "B": 44, "C": 22, "D": 34, "E": 10}.items():
        ws.column_dimensions[letter].width = width
    quoted = f"'{SHEET_LISTS}'"
    return {
        "activity": f"{quoted}!$B$2:$B${len(catalog.activity_types) + 1}",
        "channel": f"{quoted}!$D$2:$D${len(catalog.channels) + 1}",
        "yes_no": f"{quoted}!$E$2:$E$3",
    }


def fill_info(ws: Worksheet, unit: Unit, period: Period, working_days: int) -> None:
    title_block(ws, unit, period, last_col=3, split=2, part_vi="Phần 1. Thông tin chung")
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
        "period": f"{period.label_vi}: số liệu {window_vi(period)}; "
        f"hạn gửi {format_date_vi(deadline)}.",
        "preparer": "Họ và tên người lập báo cáo (bắt buộc).",
        "phone": "Số điện thoại liên hệ.",
        "email": "Địa chỉ thư điện tử, ví dụ: ten@danang.gov.vn",
        "prepared_on": "Ngày lập báo cáo (dd/mm/yyyy, bắt buộc).",
        "template_version": "Không sửa (phiên bản mẫu biểu).",
    }
    for key, label in INFO_LABELS.items():
        row = INFO_ROW[key]
        write(ws, row, 1, label, font=BOLD, border=BORDER, alignment=WRAP_TOP)
        b = write(ws, row, 2, values.get(key), border=BORDER)
        b.alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        write(ws, row, 3, hints[key], font=HINT_FONT, alignment=WRAP_TOP)
        ws.row_dimensions[row].height = wrapped_height(
            *zip((label, values.get(key), hints[key]), _INFO_WIDTHS, strict=True)
        )
        if key in UNIT_FILLED_INFO:
            b.protection = UNLOCKED
            b.fill = INPUT_FILL
    ws.cell(INFO_ROW["phone"], 2).number_format = "@"  # keep the leading 0 of phone numbers
    prepared = ws.cell(INFO_ROW["prepared_on"], 2)
    prepared.number_format = DATE_FORMAT
    dv = date_validation(
        period,
        title="Ngày lập báo cáo",
        prompt="Nhập ngày dạng dd/mm/yyyy, ví dụ " + format_date_vi(deadline) + ".",
    )
    dv.add(prepared.coordinate)
    ws.add_data_validation(dv)
    for letter, width in zip("ABC", _INFO_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    last = max(INFO_ROW.values())
    page_setup(ws, landscape=False, print_area=f"A1:C{last}")
    protect(ws)


def fill_elements(
    ws: Worksheet,
    unit: Unit,
    elements: list[DataElement],
    period: Period,
    yes_no_range: str,
    starting: Mapping[str, StartingValue] | None = None,
) -> None:
    """The table of "Chỉ tiêu" under its title block, the signature block under it. `starting`
    pre-fills stock values (last quarter's, light green, with a comment saying where from)."""
    title_block(ws, unit, period, last_col=6, split=2, part_vi="Phần 2. Các chỉ tiêu")
    for col, title in enumerate(ELEMENT_COLUMNS, start=1):
        write(
            ws, HEADER_ROW, col, title, font=BOLD, fill=HEADER_FILL, border=BORDER, alignment=CENTER
        )
    ws.row_dimensions[HEADER_ROW].height = 30
    cells_by_kind: dict[str, list[str]] = {}
    row = HEADER_ROW
    for row, element in enumerate(elements, start=FIRST_DATA_ROW):
        for col, value in enumerate(
            (element.code, element.name, element.uom, element.kind_label), start=1
        ):
            write(ws, row, col, value, border=BORDER, alignment=WRAP_TOP)
        texts = (element.code, element.name, element.uom, element.kind_label)
        ws.row_dimensions[row].height = max(
            20.0, wrapped_height(*zip(texts, _ELEMENT_WIDTHS[:4], strict=True))
        )
        value_cell = ws[f"{VALUE_COLUMN}{row}"]
        note_cell = ws[f"{NOTE_COLUMN}{row}"]
        for cell in (value_cell, note_cell):
            cell.protection = UNLOCKED
            cell.fill = INPUT_FILL
            cell.border = BORDER
        note_cell.alignment = WRAP_TOP
        value_cell.number_format = "#,##0.0" if element.kind == "money" else "#,##0"
        start = (starting or {}).get(element.code)
        if start is not None and element.kind == "stock":
            number = float(start.value)
            value_cell.value = int(number) if number.is_integer() else number
            value_cell.fill = STARTING_FILL
            value_cell.comment = comment(start.source_vi, width=300, height=110)
        cells_by_kind.setdefault(element.kind, []).append(value_cell.coordinate)
    for kind, cells in cells_by_kind.items():
        dv = element_validation(kind, period, yes_no_range)
        for coordinate in cells:
            dv.add(coordinate)
        ws.add_data_validation(dv)
    last = signature_block(ws, row + 2, left=(2, 3), right=(4, 6))
    for letter, width in zip("ABCDEF", _ELEMENT_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    page_setup(ws, landscape=False, header_row=HEADER_ROW, print_area=f"A1:F{last}")
    protect(ws)


def fill_activities(
    ws: Worksheet, catalog: Catalog, unit: Unit, period: Period, ranges: dict[str, str]
) -> None:
    """The activity log: title block, header, and ACTIVITY_ROWS rows of drop-downs and checks.
    No empty cell is written (column styles unlock them), so empty rows never print."""
    title_block(
        ws, unit, period, last_col=9, split=4, part_vi="Phần 3. Nhật ký hoạt động truyền thông"
    )
    for col, title in enumerate(ACTIVITY_COLUMNS, start=1):
        write(
            ws, HEADER_ROW, col, title, font=BOLD, fill=HEADER_FILL, border=BORDER, alignment=CENTER
        )
    ws.row_dimensions[HEADER_ROW].height = 32
    letter = {name: get_column_letter(i) for i, name in enumerate(ACTIVITY_COLUMNS, start=1)}
    last = HEADER_ROW + ACTIVITY_ROWS
    for column, dv in activity_validations(period, ranges).items():
        dv.add(f"{letter[column]}{FIRST_DATA_ROW}:{letter[column]}{last}")
        ws.add_data_validation(dv)

    def note(column: str, text: str, width: int, height: int) -> None:
        ws[f"{letter[column]}{HEADER_ROW}"].comment = comment(text, width=width, height=height)

    note(
        "Đường dẫn minh chứng",
        "Để trống hoặc dán đường dẫn bắt đầu bằng http:// hoặc https:// tới tin, bài, hình ảnh "
        "minh chứng.",
        260,
        80,
    )
    note(
        "Loại hoạt động",
        "Chọn trong danh sách thả xuống:\n"
        + "\n".join(f"- {a.name}" for a in catalog.activity_types),
        300,
        220,
    )
    note(
        "Kênh",
        "Chọn trong danh sách thả xuống:\n" + "\n".join(f"- {c.name}" for c in catalog.channels),
        260,
        200,
    )
    widths = {
        "STT": 6,
        "Ngày": 12,
        "Loại hoạt động": 36,  # the longest name fits on one line
        "Kênh": 24,
        "Tên, nội dung": 44,
        "Số lượng": 9,
        "Lượt tiếp cận": 11,
        "Kinh phí (triệu đồng)": 11,
        "Đường dẫn minh chứng": 32,
    }
    for column, width in widths.items():
        dim = ws.column_dimensions[letter[column]]
        dim.width = width
        # Column styles (no empty cells are written): what a unit types there is unlocked and
        # gets the right format.
        dim.protection = UNLOCKED
    ws.column_dimensions[letter["Tên, nội dung"]].alignment = WRAP_TOP
    ws.column_dimensions[letter["Ngày"]].number_format = DATE_FORMAT
    ws.column_dimensions[letter["Kinh phí (triệu đồng)"]].number_format = "#,##0.0"
    ws.column_dimensions[letter["Lượt tiếp cận"]].number_format = "#,##0"
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    page_setup(ws, landscape=True, header_row=HEADER_ROW)
    protect(ws, rows=True)


def fill_narrative(ws: Worksheet, unit: Unit, period: Period) -> None:
    title_block(ws, unit, period, last_col=2, split=1, part_vi="Phần 4. Thuyết minh")
    for key, label in NARRATIVE_LABELS.items():
        row = NARRATIVE_ROW[key]
        write(ws, row, 1, label, font=BOLD, alignment=WRAP_TOP, border=BORDER)
        b = write(ws, row, 2, None, alignment=WRAP_TOP, fill=INPUT_FILL, border=BORDER)
        b.protection = UNLOCKED
        ws.row_dimensions[row].height = 120
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 90
    last = max(NARRATIVE_ROW.values())
    page_setup(ws, landscape=False, print_area=f"A1:B{last}")
    protect(ws)
