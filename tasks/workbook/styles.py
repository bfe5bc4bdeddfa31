"""The look of the template: fonts, fills, borders, and `write`, which puts a value in a cell.

Every text goes through `tasks.workbook.cell_text.put_text` (no escape look-alike, never a formula).
"""

from __future__ import annotations

from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.worksheet import Worksheet

from tasks.workbook.cell_text import excel_text, put_text

BOLD = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
SUBTITLE_FONT = Font(bold=True, size=12)
ITALIC = Font(italic=True)
HINT_FONT = Font(italic=True, color="595959")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INPUT_FILL = PatternFill("solid", fgColor="FFF9DB")  # light yellow: the unit fills these cells
STARTING_FILL = PatternFill("solid", fgColor="E2EFDA")  # light green: last quarter's value
_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)

INPUT_FILL_VI = "nền vàng nhạt"
STARTING_FILL_VI = "nền xanh lá nhạt"


def write(
    ws: Worksheet,
    row: int,
    col: int,
    value: object,
    *,
    font: Font | None = None,
    alignment: Alignment | None = None,
    border: Border | None = None,
    fill: PatternFill | None = None,
) -> Cell:
    """`value` into the cell at (row, col): text through `put_text`, numbers as they are."""
    cell = ws.cell(row, col)
    if isinstance(value, str):
        put_text(cell, value)
    elif value is not None:
        cell.value = value
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if fill is not None:
        cell.fill = fill
    return cell


def comment(text: str, *, width: int, height: int) -> Comment:
    """A cell comment whose text no reader decodes into something else."""
    note = Comment(excel_text(text), "dxreport")
    note.width, note.height = width, height
    return note


def protect(ws: Worksheet, *, rows: bool = False) -> None:
    """Sheet protection without password: locked cells cannot be changed, unlocked ones can.
    Units may still resize columns and rows; `rows` also lets them insert and delete rows."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # False = allowed
    ws.protection.formatRows = False
    if rows:
        ws.protection.insertRows = False
        ws.protection.deleteRows = False


def wrapped_height(*cells: tuple[object, float], line: float = 15.0) -> float:
    """Row height (points) that shows every (text, column width) wrapped in full. Set explicitly,
    because neither Excel nor LibreOffice grows a row for wrapped text on its own everywhere."""
    lines = 1
    for text, width in cells:
        if not text:
            continue
        per_line = max(int(width * 1.15), 1)  # characters of ordinary text per line, roughly
        count = 0
        for paragraph in str(text).split("\n"):
            count += max(1, -(-len(paragraph) // per_line))
        lines = max(lines, count)
    return lines * line + 3
