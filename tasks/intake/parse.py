"""Read one arrived workbook into a `Submission` (SUBMISSION_FORMAT.md).

`read_submission` never raises on bad input: the file-level checks (tasks/intake/file_checks.py) run first
and a rejection stops there (`readable=False`); then python-calamine reads the four sheets, found by
name after NFC normalisation, case-folding and whitespace trimming (any order; extra sheets and the
hidden "Danh mục" ignored). The header rows of "Chỉ tiêu" and "Hoạt động" are found by their text
(row 1, or below the title block of template version 2); the labels of "Thông tin" and "Thuyết
minh" too, anywhere in column A. Rows and cells in messages are the sheet's real ones. Values are
kept as read (`raw`) next to the typed value (typed by tasks/intake/cells.py); whether a value is acceptable is decided by the validation
(tasks/intake/validate.py), except the structure (missing sheet or column), which is reported here.
Any unexpected failure while reading becomes a FILE_UNREADABLE message.

Two things calamine does not tell come from the file scan (tasks/intake/file_checks.py): a cell holding an
error value (`#DIV/0!`, `#REF!`, ...) reads as its error text, never as a blank (so a value column
with one is an error, not "not reported"); and an evidence cell whose text is no web address but
which carries a hyperlink reads as the hyperlink's target. A boolean (TRUE/FALSE) is not a number.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.intake.cells import (
    cell_text,
    is_blank,
    norm,
    norm_label,
    raw_value,
    read_cell_number,
    read_date,
    read_int,
)
from tasks.intake.file_checks import FileScan, SheetFacts, scan_file
from tasks.intake.rules import message
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    ELEMENT_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
    Activity,
    ElementValue,
    Submission,
)
from tasks.intake.xml_scan import col_letter

log = logging.getLogger(__name__)

REQUIRED_SHEETS = (SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE)
# header.cells key of a narrative's cell, e.g. "narrative:ket_qua" -> "B1"
NARRATIVE_CELL_PREFIX = "narrative:"

# the header row of "Chỉ tiêu" / "Hoạt động" is row 1 or the first row below a title block holding
# the columns, searched among the first rows (the template's title block takes 7)
HEADER_SEARCH_ROWS = 15
# column positions (0-based) in the contract's order
_EL_CODE, _EL_VALUE, _EL_NOTE = 0, 4, 5
_ACT_FIELDS = ("stt", "date", "type", "channel", "title", "quantity", "reach", "cost", "url")


# --- the entry point ------------------------------------------------------------------------------
def read_submission(path: Path, file_name: str, key: str, settings: Settings) -> Submission:
    """Check and read one workbook. Problems become messages; the result is always a Submission."""
    sub = Submission(file_name=file_name, key=key)
    scan = scan_file(Path(path), file_name, settings)
    if scan.messages:
        sub.messages.extend(scan.messages)
        sub.readable = False
        return sub
    try:
        _read_workbook(Path(path), sub, scan)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - any failure of the reader is the file's problem,
        # including a Rust panic inside calamine, which pyo3 raises as a BaseException
        log.warning("could not read %s (%s): %r", file_name, key, exc)
        return Submission(
            file_name=file_name,
            key=key,
            readable=False,
            messages=[message("FILE_UNREADABLE", detail=type(exc).__name__)],
        )
    return sub


def _read_workbook(path: Path, sub: Submission, scan: FileScan | None = None) -> None:
    from python_calamine import CalamineWorkbook  # noqa: PLC0415 - keep imports of the flow cheap

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        names = list(workbook.sheet_names)
        by_norm: dict[str, str] = {}
        for name in names:
            by_norm.setdefault(norm(name), name)
        grids: dict[str, list[list]] = {}
        facts: dict[str, SheetFacts] = {}
        for canonical in REQUIRED_SHEETS:
            actual = by_norm.get(norm(canonical))
            if actual is None:
                found = ", ".join(f'"{n}"' for n in names) or "-"
                sub.messages.append(message("SHEET_MISSING", sheet=canonical, found=found))
                continue
            grid = workbook.get_sheet_by_name(actual).to_python(skip_empty_area=False)
            facts[canonical] = (scan.sheets.get(actual) if scan else None) or SheetFacts()
            grids[canonical] = _with_errors(grid, facts[canonical])
    finally:
        workbook.close()

    if SHEET_INFO in grids:
        _read_info(grids[SHEET_INFO], sub)
    if SHEET_ELEMENTS in grids:
        _read_elements(grids[SHEET_ELEMENTS], sub)
    if SHEET_ACTIVITIES in grids:
        _read_activities(grids[SHEET_ACTIVITIES], sub, facts[SHEET_ACTIVITIES])
    if SHEET_NARRATIVE in grids:
        _read_narrative(grids[SHEET_NARRATIVE], sub)


def _with_errors(grid: list[list], facts: SheetFacts) -> list[list]:
    """Put each error cell's text ("#DIV/0!") where calamine left an empty string."""
    for (row, col), text in facts.errors.items():
        if row < 1 or col < 1 or not text:
            continue
        while len(grid) < row:
            grid.append([])
        line = grid[row - 1]
        if len(line) < col:
            line.extend([""] * (col - len(line)))
        if is_blank(line[col - 1]):
            line[col - 1] = text
    return grid


def _cell(row: list, index: int) -> object:
    return row[index] if index < len(row) else None


def _labelled_rows(grid: list[list], labels: dict[str, str]):
    """(key, excel_row, value in column B) for each label found in column A (first one wins)."""
    wanted = {norm_label(label): key for key, label in labels.items()}
    seen = set()
    for index, row in enumerate(grid, start=1):
        key = wanted.get(norm_label(_cell(row, 0)))
        if key is None or key in seen:
            continue
        seen.add(key)
        yield key, index, _cell(row, 1)


def _read_info(grid: list[list], sub: Submission) -> None:
    header = sub.header
    for key, row, value in _labelled_rows(grid, INFO_LABELS):
        header.raw[key] = raw_value(value)
        header.cells[key] = f"B{row}"
        text = cell_text(value) or None
        if key == "unit_code":
            sub.unit_code = text.upper() if text else None
        elif key == "period":
            sub.period_id = _period_id(text)
        elif key == "template_version":
            sub.template_version = read_int(value)
        elif key == "prepared_on":
            header.prepared_on = read_date(value)
        else:
            setattr(header, key, text)


def _period_id(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return Period.parse(text).id
    except Exception:  # noqa: BLE001 - PeriodError, or a quarter out of range
        return None


def _header_row(grid: list[list], columns: list[str]) -> int:
    """The 0-based index of the header row: row 1, or the first row among the first
    HEADER_SEARCH_ROWS holding most of `columns` in place (below a title block). Row 1 when no row
    holds any, so that the missing columns are reported there."""
    wanted = [norm_label(column) for column in columns]
    best, best_hits = 0, 0
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        hits = sum(norm_label(_cell(row, i)) == label for i, label in enumerate(wanted))
        if hits > best_hits:
            best, best_hits = index, hits
    return best


def _header_ok(grid: list[list], sheet: str, columns: list[str], sub: Submission) -> int | None:
    """The 0-based index of the header row when it holds every column, else None (and messages)."""
    at = _header_row(grid, columns)
    found = grid[at] if grid else []
    ok = True
    for index, column in enumerate(columns):
        got = _cell(found, index)
        if norm_label(got) != norm_label(column):
            ok = False
            sub.messages.append(
                message(
                    "COLUMN_MISSING",
                    sheet=sheet,
                    cell=f"{col_letter(index + 1)}{at + 1}",
                    column=column,
                    found=cell_text(got),
                )
            )
    return at if ok else None


def _read_elements(grid: list[list], sub: Submission) -> None:
    at = _header_ok(grid, SHEET_ELEMENTS, ELEMENT_COLUMNS, sub)
    if at is None:
        return
    for index, row in enumerate(grid[at + 1 :], start=at + 2):
        code = cell_text(_cell(row, _EL_CODE)).upper()
        raw = raw_value(_cell(row, _EL_VALUE))
        if not code and is_blank(raw):
            continue  # empty, or a heading / note / signature line without a code and a value
        value, was_text = read_cell_number(raw)
        sub.values.append(
            ElementValue(
                row=index,
                code=code,
                raw=raw,
                value=value,
                value_was_text=was_text,
                note=cell_text(_cell(row, _EL_NOTE)) or None,
            )
        )


_WEB_URL = re.compile(r"^\s*https?://", re.IGNORECASE)


def _evidence(value: object, row: int, facts: SheetFacts | None) -> object:
    """The evidence cell: its text, or the target of its hyperlink when the text is no web address
    (a link inserted over a caption such as "Xem bài")."""
    text = cell_text(value)
    if _WEB_URL.match(text) or facts is None:
        return value
    target = facts.link_at(row, _ACT_FIELDS.index("url") + 1)
    return target if target else value


def _read_activities(grid: list[list], sub: Submission, facts: SheetFacts | None = None) -> None:
    if all(is_blank(v) for row in grid for v in row):
        return  # an entirely empty sheet: zero activities
    at = _header_ok(grid, SHEET_ACTIVITIES, ACTIVITY_COLUMNS, sub)
    if at is None:
        return
    for index, row in enumerate(grid[at + 1 :], start=at + 2):
        cells = dict(
            zip(_ACT_FIELDS, (_cell(row, i) for i in range(len(_ACT_FIELDS))), strict=True)
        )
        if all(is_blank(v) for k, v in cells.items() if k != "stt"):
            continue  # empty (perhaps pre-numbered) row
        cells["url"] = _evidence(cells["url"], index, facts)
        sub.activities.append(
            Activity(
                row=index,
                activity_date=read_date(cells["date"]),
                activity_type=cell_text(cells["type"]) or None,
                channel=cell_text(cells["channel"]) or None,
                title=cell_text(cells["title"]) or None,
                quantity=read_cell_number(cells["quantity"])[0],
                reach=read_cell_number(cells["reach"])[0],
                cost=read_cell_number(cells["cost"])[0],
                evidence_url=cell_text(cells["url"]) or None,
                raw={
                    column: raw_value(cells[f])
                    for column, f in zip(ACTIVITY_COLUMNS, _ACT_FIELDS, strict=True)
                },
            )
        )


def _read_narrative(grid: list[list], sub: Submission) -> None:
    sub.narratives = {key: "" for key in NARRATIVE_LABELS}
    for key, row, value in _labelled_rows(grid, NARRATIVE_LABELS):
        sub.narratives[key] = (
            ""
            if is_blank(value)
            else unicodedata.normalize(
                "NFC", cell_text(value) if not isinstance(value, str) else value
            ).strip()
        )
        sub.header.cells[NARRATIVE_CELL_PREFIX + key] = f"B{row}"
