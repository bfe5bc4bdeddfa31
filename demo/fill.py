"""Filling the real templates (tasks.workbook.template) the way a unit does."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from demo.text import Activity, Header
from schemas.catalog_model import Catalog, Unit
from tasks.core.periods import Period
from tasks.intake.submission import (
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
)
from tasks.workbook.template import NOTE_COLUMN, VALUE_COLUMN, write_template


def label_rows(ws: Worksheet) -> dict[str, int]:
    """Label in column A -> its row (sheets "Thông tin" and "Thuyết minh")."""
    return {
        str(ws.cell(r, 1).value): r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value is not None
    }


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
    info.cell(rows[INFO_LABELS["unit_code"]], 2).value = unit.code
    info.cell(rows[INFO_LABELS["unit_name"]], 2).value = unit.name
    wb.properties.title = f"Báo cáo truyền thông chuyển đổi số {period.label_vi} - {unit.name}"
    wb.properties.keywords = (
        f"{period.id} {unit.code} " + (wb.properties.keywords or "").split()[-1]
    )
    for cell in wb[SHEET_ACTIVITIES][1]:  # openpyxl forgets comment box sizes on load
        if cell.comment is not None:
            cell.comment.width, cell.comment.height = 340, 220


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
    info.cell(rows[INFO_LABELS["preparer"]], 2).value = header.preparer
    info.cell(rows[INFO_LABELS["phone"]], 2).value = header.phone
    info.cell(rows[INFO_LABELS["email"]], 2).value = header.email
    info.cell(rows[INFO_LABELS["prepared_on"]], 2).value = prepared_on
    ws = wb[SHEET_ELEMENTS]
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, 1).value
        if code in values:
            ws[f"{VALUE_COLUMN}{r}"].value = values[code]
            if code in notes:
                ws[f"{NOTE_COLUMN}{r}"].value = notes[code]
    acts = wb[SHEET_ACTIVITIES]
    for i, a in enumerate(activities, start=1):
        row = i + 1
        acts.cell(row, 1, i)
        acts.cell(row, 2, a.day).number_format = "dd/mm/yyyy"
        acts.cell(row, 3, a.type)
        acts.cell(row, 4, a.channel)
        acts.cell(row, 5, a.title)
        acts.cell(row, 6, a.quantity)
        acts.cell(row, 7, a.reach)
        acts.cell(row, 8, a.cost)
        acts.cell(row, 9, a.url)
    narr = wb[SHEET_NARRATIVE]
    narr_rows = label_rows(narr)
    for key, label in NARRATIVE_LABELS.items():
        narr.cell(narr_rows[label], 2).value = narrative[key]
    wb.properties.lastModifiedBy = header.preparer
