"""How the template prints: a title block above every table, the signature block under "Chỉ tiêu",
A4 pages fit to one page wide with the header row repeated (template version 2).

The title block takes rows 1..TITLE_ROWS of every visible sheet; the table (or the first label)
starts at TABLE_ROW. The intake finds the header row by its text (SUBMISSION_FORMAT.md), so version 1
workbooks (header in row 1) stay readable. Nothing in the title or signature block sits in a column
the intake reads as data (column A or E of "Chỉ tiêu", below its header row).
"""

from __future__ import annotations

from openpyxl.styles import Font
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from schemas.catalog_model import Unit
from tasks.core.periods import Period, format_date_vi
from tasks.workbook.styles import (
    BOLD,
    CENTER,
    ITALIC,
    SUBTITLE_FONT,
    TITLE_FONT,
    write,
)

TITLE_ROWS = 7
TABLE_ROW = TITLE_ROWS + 1  # the header row of "Chỉ tiêu" / "Hoạt động", the first label elsewhere
TITLE_VI = "BIỂU BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN TRUYỀN THÔNG CHUYỂN ĐỔI SỐ"
STATE_VI = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
PLACE_DATE_VI = "…………, ngày …… tháng …… năm ……"
PREPARER_VI = ("Người lập biểu", "(ký, ghi rõ họ tên)")
HEAD_VI = ("Thủ trưởng đơn vị", "(ký, ghi rõ họ tên, đóng dấu)")
SIGNATURE_SPACE_ROWS = 4  # empty rows left for signatures and the stamp
UNIT_HEADING_CELL = "A1"  # where every visible sheet names the unit (`unit_heading`)
_MOTTO_FONT = Font(bold=True, underline="single")
_ROW_HEIGHTS = {1: 30, 2: 16, 3: 6, 4: 20, 5: 18, 6: 16, 7: 8}


def unit_heading(unit: Unit) -> str:
    """The unit as the top-left corner of a Vietnamese form names it."""
    return unit.name.upper()


def window_vi(period: Period) -> str:
    return f"từ {format_date_vi(period.window_start)} đến {format_date_vi(period.window_end)}"


def _merge(ws: Worksheet, row: int, first: int, last: int) -> None:
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def title_block(
    ws: Worksheet,
    unit: Unit,
    period: Period,
    *,
    last_col: int,
    split: int,
    part_vi: str,
    title_vi: str = TITLE_VI,
) -> None:
    """Rows 1..TITLE_ROWS: the unit (columns 1..split) and the state motto (split+1..last_col),
    then the form's title, the quarter and `part_vi` (what this sheet is) centred over the table."""
    write(ws, 1, 1, unit_heading(unit), font=BOLD, alignment=CENTER)
    _merge(ws, 1, 1, split)
    for row, text in enumerate(STATE_VI, start=1):
        write(ws, row, split + 1, text, font=BOLD, alignment=CENTER)
        _merge(ws, row, split + 1, last_col)
    ws.cell(2, split + 1).font = _MOTTO_FONT
    lines = (
        (4, title_vi, TITLE_FONT),
        (5, period.label_vi.upper(), SUBTITLE_FONT),
        (6, part_vi, ITALIC),
    )
    for row, text, font in lines:
        write(ws, row, 1, text, font=font, alignment=CENTER)
        _merge(ws, row, 1, last_col)
    for row, height in _ROW_HEIGHTS.items():
        ws.row_dimensions[row].height = height


def signature_block(
    ws: Worksheet, row: int, *, left: tuple[int, int], right: tuple[int, int]
) -> int:
    """The place/date line and the two signatures from `row` on; returns the block's last row.

    `left` / `right` are the (first, last) columns of "Người lập biểu" / "Thủ trưởng đơn vị"."""
    write(ws, row, right[0], PLACE_DATE_VI, font=ITALIC, alignment=CENTER)
    _merge(ws, row, *right)
    for offset, (title, hint) in enumerate(zip(PREPARER_VI, HEAD_VI, strict=True)):
        r = row + 1 + offset
        write(ws, r, left[0], title, font=BOLD if offset == 0 else ITALIC, alignment=CENTER)
        write(ws, r, right[0], hint, font=BOLD if offset == 0 else ITALIC, alignment=CENTER)
        _merge(ws, r, *left)
        _merge(ws, r, *right)
    last = row + 2 + SIGNATURE_SPACE_ROWS
    for r in range(row + 3, last + 1):
        ws.row_dimensions[r].height = 18
    return last


def page_setup(
    ws: Worksheet,
    *,
    landscape: bool,
    header_row: int | None = None,
    print_area: str | None = None,
) -> None:
    """A4, one page wide (any number of pages tall), centred, page numbers in the footer;
    `header_row` repeated on every page; `print_area` limits what prints."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.5, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "&A - Trang &P/&N"
    ws.oddFooter.center.size = 9
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"
    if print_area is not None:
        ws.print_area = print_area
