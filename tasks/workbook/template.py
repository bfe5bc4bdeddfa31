"""The blank, pre-filled submission workbook each unit receives per quarter (SUBMISSION_FORMAT.md).

`write_template` writes `<out_dir>/<period id>_<UNIT_CODE>.xlsx` with the sheets "Hướng dẫn"
(tasks/workbook/instructions.py), "Thông tin", "Chỉ tiêu", "Hoạt động", "Thuyết minh" and the hidden
"Danh mục" that holds the drop-down lists (filled by `tasks.workbook.sheets`), each visible sheet
under a title block and set up to print on A4 (tasks/workbook/print_layout.py). The output is byte-for-byte deterministic: the document
properties and the zip entry times are a fixed moment derived from the period, never the clock.

`working_days` (the submission deadline shown to the unit) has no default: callers pass the
configured `Settings.submission_working_days`, the one source of the reporting calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from io import BytesIO
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from schemas.catalog_model import Catalog, Unit
from tasks.core.errors import UsageError
from tasks.core.periods import Period, format_date_vi
from tasks.intake.submission import (
    CURRENT_TEMPLATE_VERSION,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_LISTS,
    SHEET_NARRATIVE,
)
from tasks.workbook.instructions import SHEET_GUIDE, fill_instructions
from tasks.workbook.prefill import StartingValue
from tasks.workbook.sheets import (
    ACTIVITY_ROWS,
    FIRST_DATA_ROW,
    HEADER_ROW,
    NOTE_COLUMN,
    VALUE_COLUMN,
    fill_activities,
    fill_elements,
    fill_info,
    fill_lists,
    fill_narrative,
)

__all__ = [
    "ACTIVITY_ROWS",
    "FIRST_DATA_ROW",
    "HEADER_ROW",
    "SHEET_GUIDE",
    "NOTE_COLUMN",
    "VALUE_COLUMN",
    "build_template",
    "save_workbook_at",
    "template_file_name",
    "template_timestamp",
    "template_units",
    "workbook_bytes",
    "write_template",
]


# --- which units get a template -------------------------------------------------------------
def template_units(catalog: Catalog, period: Period, codes: list[str] | None = None) -> list[Unit]:
    """The units to write templates for.

    `codes` None: every unit expected to report for `period` (active on its cut-off date).
    Otherwise those units, in the given order (duplicates dropped); an unknown code or a unit that
    did not exist during the period's data window raises UsageError.
    """
    start, end = period.window_start, period.window_end
    if codes is None:
        return catalog.expected_units(start, end)
    window_vi = f"{format_date_vi(start)} - {format_date_vi(end)}"
    units: list[Unit] = []
    seen: set[str] = set()
    for raw in codes:
        code = str(raw).strip().upper()
        if code in seen:
            continue
        seen.add(code)
        unit = catalog.unit(code)
        if unit is None:
            raise UsageError(
                f"Không có đơn vị mã '{code}' trong danh mục đơn vị.",
                f"Unknown unit code '{code}': not in the unit catalogue.",
                "Kiểm tra lại mã đơn vị (xem danh mục units.yaml) hoặc bổ sung đơn vị vào danh mục.",
                "Check the unit code (see units.yaml) or add the unit to the catalogue.",
            )
        if not catalog.may_submit(unit, start, end):
            active_vi = _validity_vi(unit)
            raise UsageError(
                f"Đơn vị '{code}' ({unit.name}) không hoạt động trong kỳ {period.label_vi} "
                f"({window_vi}); thời gian hoạt động: {active_vi}.",
                f"Unit '{code}' is not active in period {period.id} ({start:%d/%m/%Y} - {end:%d/%m/%Y}); "
                f"valid {_validity_en(unit)}.",
                "Chọn đơn vị đang hoạt động trong kỳ (hoặc đơn vị kế thừa).",
                "Choose a unit active in the period (or its successor).",
            )
        units.append(unit)
    return units


def _validity_vi(unit: Unit) -> str:
    end = format_date_vi(unit.valid_to) if unit.valid_to else "nay"
    return f"từ {format_date_vi(unit.valid_from)} đến {end}"


def _validity_en(unit: Unit) -> str:
    end = f"{unit.valid_to:%d/%m/%Y}" if unit.valid_to else "now"
    return f"from {unit.valid_from:%d/%m/%Y} to {end}"


# --- file names and deterministic saving -------------------------------------------------------
def template_file_name(unit: Unit, period: Period) -> str:
    return f"{period.id}_{unit.code}.xlsx"


def template_timestamp(period: Period) -> datetime:
    """The fixed creation time of a period's templates: 08:00 on the first day of its window."""
    return datetime.combine(period.window_start, time(8, 0))


class _FixedTimeZip(ZipFile):
    """A ZipFile whose entries all carry one fixed time (so equal content gives equal bytes)."""

    def __init__(self, file, date_time: tuple[int, int, int, int, int, int]):
        super().__init__(file, "w", ZIP_DEFLATED, allowZip64=True)
        self._fixed_time = date_time

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, ZipInfo):
            zinfo = ZipInfo(zinfo_or_arcname, date_time=self._fixed_time)
            zinfo.compress_type = self.compression
            zinfo.external_attr = 0o600 << 16
            zinfo_or_arcname = zinfo
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        # openpyxl streams worksheets through temporary files: take the bytes, not the file's mtime.
        data = Path(filename).read_bytes()
        self.writestr(arcname or Path(filename).name, data, compress_type, compresslevel)


def workbook_bytes(wb: Workbook, when: datetime) -> bytes:
    """Serialise `wb` with document properties and zip times set to `when` (naive, local)."""
    when = when.replace(tzinfo=None, microsecond=0)
    wb.properties.created = when
    wb.properties.modified = when
    buffer = BytesIO()
    archive = _FixedTimeZip(
        buffer, (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    )
    ExcelWriter(wb, archive).save()  # not openpyxl.save_workbook: it stamps `modified` with now()
    return buffer.getvalue()


def save_workbook_at(wb: Workbook, path: Path, when: datetime) -> Path:
    """Write `wb` to `path` deterministically (see `workbook_bytes`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(wb, when))
    return path


# --- the template ------------------------------------------------------------------------------
def write_template(
    catalog: Catalog,
    unit: Unit,
    period: Period,
    out_dir: Path,
    *,
    working_days: int,
    starting: Mapping[str, StartingValue] | None = None,
) -> Path:
    """Write the template of `unit` for `period` to `out_dir/<period id>_<UNIT_CODE>.xlsx`."""
    wb = build_template(catalog, unit, period, working_days=working_days, starting=starting)
    return save_workbook_at(
        wb, Path(out_dir) / template_file_name(unit, period), template_timestamp(period)
    )


def build_template(
    catalog: Catalog,
    unit: Unit,
    period: Period,
    *,
    working_days: int,
    starting: Mapping[str, StartingValue] | None = None,
) -> Workbook:
    """The template as an openpyxl Workbook (what `write_template` saves).

    `starting`: element code -> last quarter's value, pre-filled in the value cells of stock
    elements (marked with a light green fill and a comment); other elements stay blank."""
    wb = Workbook()
    wb.properties.creator = "dxreport"
    wb.properties.lastModifiedBy = "dxreport"
    wb.properties.title = f"Báo cáo truyền thông chuyển đổi số {period.label_vi} - {unit.name}"
    wb.properties.subject = catalog.organisation.de_an.title
    wb.properties.keywords = f"{period.id} {unit.code} v{CURRENT_TEMPLATE_VERSION}"

    elements = catalog.elements_for_type(unit.type)
    stocks = {e.code for e in elements if e.kind == "stock"}
    starting = {code: v for code, v in (starting or {}).items() if code in stocks}

    guide = wb.active
    guide.title = SHEET_GUIDE
    info = wb.create_sheet(SHEET_INFO)
    values = wb.create_sheet(SHEET_ELEMENTS)
    activities = wb.create_sheet(SHEET_ACTIVITIES)
    narrative = wb.create_sheet(SHEET_NARRATIVE)
    lists = wb.create_sheet(SHEET_LISTS)

    ranges = fill_lists(lists, catalog)
    fill_instructions(guide, catalog, unit, period, working_days, has_starting=bool(starting))
    fill_info(info, unit, period, working_days)
    fill_elements(values, unit, elements, period, ranges["yes_no"], starting)
    fill_activities(activities, catalog, unit, period, ranges)
    fill_narrative(narrative, unit, period)
    lists.sheet_state = "hidden"
    wb.active = 0
    return wb
