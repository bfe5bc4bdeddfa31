"""Filling the real templates (tasks.workbook.template) the way a unit does.

A clerk picks the activity type and the channel in the drop-downs, which offer the catalogue's
Vietnamese names (the hidden "Danh mục"), so `fill` types names, never codes. Text is written as
Excel writes it (`put_text`: an `_x..._` look-alike stays text in every reader). Deterministic.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils.escape import unescape
from openpyxl.worksheet.worksheet import Worksheet

from demo.text import Activity, Header
from schemas.catalog_model import Catalog, Unit
from tasks.core.periods import Period
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    ELEMENT_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_LISTS,
    SHEET_NARRATIVE,
)
from tasks.workbook.cell_text import put_text
from tasks.workbook.print_layout import UNIT_HEADING_CELL, unit_heading
from tasks.workbook.template import NOTE_COLUMN, VALUE_COLUMN, write_template


def label_rows(ws: Worksheet) -> dict[str, int]:
    """Label in column A -> its row (sheets "Thông tin" and "Thuyết minh")."""
    return {
        str(ws.cell(r, 1).value): r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value is not None
    }


def header_row(ws: Worksheet, first_column: str) -> int:
    """The row whose column A holds `first_column` (a table's header row, below the title block)."""
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == first_column:
            return r
    raise LookupError(f"no header row starting with {first_column!r} in {ws.title!r}")


def element_rows(ws: Worksheet) -> dict[str, int]:
    """Data element code -> its row in "Chỉ tiêu"."""
    first = header_row(ws, ELEMENT_COLUMNS[0]) + 1
    return {
        str(ws.cell(r, 1).value): r
        for r in range(first, ws.max_row + 1)
        if ws.cell(r, 1).value is not None
    }


def list_names(wb: Workbook) -> tuple[dict[str, str], dict[str, str]]:
    """(activity type code -> name, channel code -> name) as the drop-downs show them."""
    ws = wb[SHEET_LISTS]
    types: dict[str, str] = {}
    channels: dict[str, str] = {}
    for r in range(2, ws.max_row + 1):
        for code_col, target in ((1, types), (3, channels)):
            code = ws.cell(r, code_col).value
            if code is not None:  # openpyxl reads text as stored: undo put_text's escapes
                target[unescape(str(code))] = unescape(str(ws.cell(r, code_col + 1).value))
    return types, channels


class Templates:
    """Real templates (write_template), one per (unit type, period), re-pointed at each unit."""

    def __init__(self, catalog: Catalog, working_days: int, directory: Path):
        self.catalog = catalog
        self.working_days = working_days
        self.directory = directory
        self._bytes: dict[tuple[str, str], bytes] = {}

    def workbook(self, unit: Unit, period: Period) -> Workbook:
        key = (unit.type, period.id)
        if key not in self._bytes:
            path = write_template(
                self.catalog, unit, period, self.directory, working_days=self.working_days
            )
            self._bytes[key] = path.read_bytes()
        wb = load_workbook(BytesIO(self._bytes[key]))
        retarget(wb, unit, period)
        return wb


def retarget(wb: Workbook, unit: Unit, period: Period) -> None:
    """Make a loaded template of another unit of the same type the template of `unit`."""
    info = wb[SHEET_INFO]
    rows = label_rows(info)
    put_text(info.cell(rows[INFO_LABELS["unit_code"]], 2), unit.code)
    put_text(info.cell(rows[INFO_LABELS["unit_name"]], 2), unit.name)
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":  # the title block names the unit on every printed sheet
            put_text(ws[UNIT_HEADING_CELL], unit_heading(unit))
    wb.properties.title = f"Báo cáo truyền thông chuyển đổi số {period.label_vi} - {unit.name}"
    wb.properties.keywords = (
        f"{period.id} {unit.code} " + (wb.properties.keywords or "").split()[-1]
    )
    acts = wb[SHEET_ACTIVITIES]
    for cell in acts[header_row(acts, ACTIVITY_COLUMNS[0])]:  # openpyxl forgets comment sizes
        if cell.comment is not None:
            cell.comment.width, cell.comment.height = 300, 220


def fill(
    wb: Workbook,
    values: dict[str, float],
    header: Header,
    prepared_on: date,
    activities: list[Activity],
    narrative: dict[str, str],
    notes: dict[str, str],
) -> None:
    """Write the preparer, the values (and their notes), the activity log and the narrative."""
    info = wb[SHEET_INFO]
    rows = label_rows(info)
    put_text(info.cell(rows[INFO_LABELS["preparer"]], 2), header.preparer)
    put_text(info.cell(rows[INFO_LABELS["phone"]], 2), header.phone)
    put_text(info.cell(rows[INFO_LABELS["email"]], 2), header.email)
    info.cell(rows[INFO_LABELS["prepared_on"]], 2).value = prepared_on
    ws = wb[SHEET_ELEMENTS]
    for code, r in element_rows(ws).items():
        if code in values:
            ws[f"{VALUE_COLUMN}{r}"].value = values[code]
            if code in notes:
                put_text(ws[f"{NOTE_COLUMN}{r}"], notes[code])
    type_names, channel_names = list_names(wb)
    acts = wb[SHEET_ACTIVITIES]
    top = header_row(acts, ACTIVITY_COLUMNS[0])
    for i, a in enumerate(activities, start=1):
        row = top + i
        acts.cell(row, 1, i)
        acts.cell(row, 2, a.day).number_format = "dd/mm/yyyy"
        put_text(acts.cell(row, 3), type_names[a.type])  # what the clerk picks in the drop-down
        put_text(acts.cell(row, 4), channel_names[a.channel])
        put_text(acts.cell(row, 5), a.title)
        acts.cell(row, 6, a.quantity)
        acts.cell(row, 7, a.reach)
        acts.cell(row, 8, a.cost)
        if a.url is not None:
            put_text(acts.cell(row, 9), a.url)
    narr = wb[SHEET_NARRATIVE]
    narr_rows = label_rows(narr)
    for key, label in NARRATIVE_LABELS.items():
        put_text(narr.cell(narr_rows[label], 2), narrative[key])
    wb.properties.lastModifiedBy = header.preparer
