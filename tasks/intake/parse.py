"""Read one arrived workbook into a `Submission` (SUBMISSION_FORMAT.md).

`read_submission` never raises on bad input: the file-level checks (tasks/intake/file_checks.py) run first
and a rejection stops there (`readable=False`); then python-calamine reads the four sheets, found by
name after NFC normalisation, case-folding and whitespace trimming (any order; extra sheets and the
hidden "Danh mục" ignored). Values are kept as read (`raw`) next to the typed value; whether a value
is acceptable is decided by tasks/intake/validate.py, except the structure (missing sheet or column), which
is reported here. Any unexpected failure while reading becomes a FILE_UNREADABLE message.

Two things calamine does not tell come from the file scan (tasks/intake/file_checks.py): a cell holding an
error value (`#DIV/0!`, `#REF!`, ...) reads as its error text, never as a blank (so a value column
with one is an error, not "not reported"); and an evidence cell whose text is no web address but
which carries a hyperlink reads as the hyperlink's target. A boolean (TRUE/FALSE) is not a number.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.intake.file_checks import FileScan, SheetFacts, col_letter, norm_name, scan_file
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

log = logging.getLogger(__name__)

REQUIRED_SHEETS = (SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE)
# header.cells key of a narrative's cell, e.g. "narrative:ket_qua" -> "B1"
NARRATIVE_CELL_PREFIX = "narrative:"

# column positions (0-based) in the contract's order
_EL_CODE, _EL_VALUE, _EL_NOTE = 0, 4, 5
_ACT_FIELDS = ("stt", "date", "type", "channel", "title", "quantity", "reach", "cost", "url")


# --- text helpers (shared with tasks/intake/validate.py) -------------------------------------------------
norm = norm_name  # NFC, case-folded, whitespace collapsed: how names, labels, headers are compared


def norm_label(text: object) -> str:
    """`norm` plus tolerance for a trailing colon or required-field star ("Mã đơn vị (*):")."""
    out = norm(text)
    out = re.sub(r"\s*\(\*\)\s*$", "", out.rstrip(" :*"))
    return out.rstrip(" :*")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    """A cell as display text: '' for blank, whole floats without '.0', dates as dd/mm/yyyy."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value).replace(".", ",")  # Vietnamese decimal comma
    if isinstance(value, datetime):
        return (
            value.strftime("%d/%m/%Y %H:%M")
            if (value.hour, value.minute) != (0, 0)
            else value.strftime("%d/%m/%Y")
        )
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value)).strip()


def _raw(value: object) -> object:
    """The cell as read, with calamine's '' for an empty cell turned into None."""
    if isinstance(value, str) and value == "":
        return None
    if isinstance(value, (str, int, float, bool, date, type(None))):
        return value
    return str(value)  # time, timedelta, error values: keep a plain, picklable form


# --- numbers and dates ----------------------------------------------------------------------------
_SPACES = dict.fromkeys(map(ord, " \u00a0\u202f\u2009\u2007'"), None)


def parse_number_text(text: str) -> float | None:
    """A number typed as text: `2`, `-3`, Vietnamese `1.234` / `1.234,5` / `12,5`, also `1,234,567`
    and `1,234.5`; spaces as group separators. None when it is no number."""
    s = unicodedata.normalize("NFKC", text).strip().translate(_SPACES).replace("\u2212", "-")
    sign = 1.0
    if s and s[0] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if not s:
        return None
    if re.fullmatch(r"\d+", s):
        return sign * float(s)
    dot, comma = "." in s, "," in s
    if dot and comma:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        grp = "," if dec == "." else "."
        m = re.fullmatch(rf"(\d{{1,3}}(?:{re.escape(grp)}\d{{3}})*)" + rf"{re.escape(dec)}(\d+)", s)
        if not m:
            return None
        return sign * float(m.group(1).replace(grp, "") + "." + m.group(2))
    if dot:
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):  # Vietnamese thousands: 1.234 / 1.234.567
            return sign * float(s.replace(".", ""))
        if re.fullmatch(r"\d*\.\d+", s):
            return sign * float(s)
        return None
    if comma:
        if re.fullmatch(r"\d*,\d+", s):  # Vietnamese decimal comma: 12,5 (and 1,234 = 1.234)
            return sign * float(s.replace(",", "."))
        if re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}", s):  # 1,234,567
            return sign * float(s.replace(",", ""))
        return None
    return None


def read_number(value: object) -> tuple[float | None, bool]:
    """(number, was_text) of a cell; (None, False) when blank or not a number."""
    if is_blank(value):
        return None, False
    if isinstance(value, bool):
        return (1.0 if value else 0.0), False
    if isinstance(value, (int, float)):
        number = float(value)
        return (
            (number, False) if number == number and abs(number) != float("inf") else (None, False)
        )
    if isinstance(value, str):
        number = parse_number_text(value)
        return (number, True) if number is not None else (None, False)
    return None, False


_DMY = re.compile(
    r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def read_date(value: object) -> date | None:
    """An Excel date cell (either date system; calamine converts) or dd/mm/yyyy text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    m = _DMY.match(text)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _YMD.match(text)
        if not m:
            return None
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def read_cell_number(value: object) -> tuple[float | None, bool]:
    """`read_number` for a value cell of the contract: a boolean (TRUE/FALSE) is not a number."""
    if isinstance(value, bool):
        return None, False
    return read_number(value)


def read_int(value: object) -> int | None:
    number, _ = read_cell_number(value)
    if number is None or not float(number).is_integer():
        return None
    return int(number)


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
        header.raw[key] = _raw(value)
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


def _header_ok(grid: list[list], sheet: str, columns: list[str], sub: Submission) -> bool:
    first = grid[0] if grid else []
    ok = True
    for index, column in enumerate(columns):
        got = _cell(first, index)
        if norm_label(got) != norm_label(column):
            ok = False
            sub.messages.append(
                message(
                    "COLUMN_MISSING",
                    sheet=sheet,
                    cell=f"{col_letter(index + 1)}1",
                    column=column,
                    found=cell_text(got),
                )
            )
    return ok


def _read_elements(grid: list[list], sub: Submission) -> None:
    if not _header_ok(grid, SHEET_ELEMENTS, ELEMENT_COLUMNS, sub):
        return
    for index, row in enumerate(grid[1:], start=2):
        code = cell_text(_cell(row, _EL_CODE)).upper()
        raw = _raw(_cell(row, _EL_VALUE))
        if not code and is_blank(raw):
            continue  # empty, or a heading / note line without a code and a value
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
    if not _header_ok(grid, SHEET_ACTIVITIES, ACTIVITY_COLUMNS, sub):
        return
    for index, row in enumerate(grid[1:], start=2):
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
                    column: _raw(cells[f])
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
