"""The broken files of the demo: which kinds a period gets, and how each one is made.

Four broken files per period, rotating over `BROKEN_KINDS` so that any two consecutive periods
cover every kind. All but `text_numbers_nfd` must be rejected; `text_numbers_nfd` is accepted with
warnings. `BROKEN_RULES` is what the plan declares the intake will report for each kind (the test
checks it against a real intake run, not against this table).
"""

from __future__ import annotations

import random
import struct
import unicodedata
from datetime import date, datetime

from openpyxl import Workbook

from demo.fill import element_rows, header_row, label_rows
from demo.series import quarter_index
from schemas.catalog_model import Catalog, DataElement
from tasks.core.periods import Period, format_date_vi
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    ELEMENT_COLUMNS,
    INFO_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
)
from tasks.workbook.template import VALUE_COLUMN

BROKEN_KINDS = (
    "legacy_xls",  # an old-format .xls (OLE file, Workbook stream): rejected, "use .xlsx"
    "corrupt_zip",  # a truncated .xlsx: rejected, corrupt file
    "missing_sheet",  # "Hoạt động" deleted: rejected, missing required sheet
    "unknown_unit",  # Mã đơn vị mistyped: rejected, unknown unit
    "negative_value",  # a count of -5: rejected, value error
    "non_numeric_value",  # a count "khoảng 20": rejected, value error
    "text_numbers_nfd",  # numbers as text "1.234", labels/sheet names NFD: ACCEPTED with warnings
)
# The rule the intake is expected to report for each broken kind (codes of schemas/rules.yaml).
BROKEN_RULES = {
    "legacy_xls": "FILE_FORMAT_XLS",
    "corrupt_zip": "FILE_CORRUPT",
    "missing_sheet": "SHEET_MISSING",
    "unknown_unit": "UNIT_UNKNOWN",
    "negative_value": "VALUE_NEGATIVE",
    "non_numeric_value": "VALUE_NOT_NUMBER",
    "text_numbers_nfd": "VALUE_AS_TEXT",  # a warning: the file is accepted
}
BROKEN_PER_PERIOD = 4
# The file a unit sends for each rejected kind ({pid}: period id, {code}: the sender).
BROKEN_FILE_NAMES = {
    "legacy_xls": "{pid}_{code}.xls",
    "corrupt_zip": "{pid}_{code}_gui_lai.xlsx",
    "missing_sheet": "{pid}_{code}_v2.xlsx",
    "unknown_unit": "{pid}_{code}_ban_moi.xlsx",
    "negative_value": "{pid}_{code}_cap_nhat.xlsx",
    "non_numeric_value": "{pid}_{code}_cap_nhat.xlsx",
}
OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_SECTOR = 512
_XLS_STREAM_BYTES = 8 * _SECTOR  # >= the 4096-byte mini stream cut-off: stored in sectors
NEGATIVE_VALUE = -5
NON_NUMERIC_VALUE = "khoảng 20"  # "about 20"


def broken_kinds(period: Period) -> list[str]:
    """The period's broken kinds; rotating, so any two consecutive periods cover all of them."""
    start = BROKEN_PER_PERIOD * quarter_index(period)
    return [BROKEN_KINDS[(start + j) % len(BROKEN_KINDS)] for j in range(BROKEN_PER_PERIOD)]


# --- files that are not a workbook ------------------------------------------------------------
def legacy_xls_bytes(rng: random.Random) -> bytes:
    """An 'Excel 97-2003' file: an OLE compound file (CFB v3) with a `Workbook` stream.

    The stream is a BIFF8 BOF record and seeded noise (so no two demo .xls files are the same
    bytes); what the intake looks at is the OLE signature and the stream's name.
    """
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    n_data = _XLS_STREAM_BYTES // _SECTOR  # sectors 2.. hold the stream (0: FAT, 1: directory)
    header = bytearray(_SECTOR)
    header[0:8] = OLE_SIGNATURE
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 44, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *[free] * 108)  # DIFAT: the FAT is sector 0
    chain = [*range(3, 2 + n_data), end]
    fat = [fat_sector, end, *chain] + [free] * (_SECTOR // 4 - 2 - n_data)
    directory = (
        _cfb_entry("Root Entry", 5, child=1, start=end, size=0)
        + _cfb_entry("Workbook", 2, child=free, start=2, size=_XLS_STREAM_BYTES)
        + _cfb_entry("", 0, child=free, start=0, size=0) * 2  # unused
    )
    bof = bytes.fromhex("0908100000060500BB0DCC07C1000000")  # BIFF8 BOF, workbook globals
    noise = bytes(rng.randrange(256) for _ in range(_XLS_STREAM_BYTES - len(bof)))
    return bytes(header) + struct.pack(f"<{_SECTOR // 4}I", *fat) + directory + bof + noise


def _cfb_entry(name: str, kind: int, *, child: int, start: int, size: int) -> bytes:
    """A 128-byte directory entry (kind 5: root storage, 2: stream, 0: unused), no siblings."""
    raw = name.encode("utf-16-le") + b"\x00\x00" if name else b""
    entry = bytearray(128)
    entry[0 : len(raw)] = raw
    struct.pack_into(
        "<HBBIII", entry, 64, len(raw), kind, 1 if kind else 0, 0xFFFFFFFF, 0xFFFFFFFF, child
    )
    struct.pack_into("<II", entry, 116, start, size)
    return bytes(entry)


def corrupt_zip_bytes(valid: bytes) -> bytes:
    """A valid workbook cut in half (an interrupted upload)."""
    return valid[: len(valid) // 2]


# --- workbooks broken in one place --------------------------------------------------------------
def unknown_code(catalog: Catalog, code: str) -> str:
    """A mistyped unit code that is no unit of the catalogue."""
    typo = code.replace("_", "", 1)
    while typo in catalog.unit_by_code:
        typo += "X"
    return typo


def break_workbook(
    wb: Workbook, kind: str, catalog: Catalog, sender: str, rng: random.Random
) -> None:
    """Break a filled workbook the `kind` way (missing_sheet, unknown_unit, *_value)."""
    if kind == "missing_sheet":
        del wb[SHEET_ACTIVITIES]
    elif kind == "unknown_unit":
        info = wb[SHEET_INFO]
        row = label_rows(info)[INFO_LABELS["unit_code"]]
        info.cell(row, 2).value = unknown_code(catalog, sender)
    elif kind in ("negative_value", "non_numeric_value"):
        ws = wb[SHEET_ELEMENTS]
        flows = [
            r
            for code, r in element_rows(ws).items()
            if catalog.element_by_code[code].kind == "flow"
        ]
        r = rng.choice(flows)
        bad = NEGATIVE_VALUE if kind == "negative_value" else NON_NUMERIC_VALUE
        ws[f"{VALUE_COLUMN}{r}"].value = bad
    else:
        raise ValueError(f"not a workbook-breaking kind: {kind}")


# --- the accepted-with-warnings one ---------------------------------------------------------------
def vn_number_text(value: float, money: bool) -> str:
    """Vietnamese style: 1.234 and 1.234,5."""
    if money:
        whole, frac = f"{value:,.1f}".split(".")
        return whole.replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")


def _nfd(text):
    return unicodedata.normalize("NFD", text) if isinstance(text, str) else text


def make_text_numbers_nfd(wb: Workbook, period: Period, elements: list[DataElement]) -> None:
    """Numbers typed as text (Vietnamese style), dates as dd/mm/yyyy text, labels and names NFD."""
    kinds = {e.code: e.kind for e in elements}
    ws = wb[SHEET_ELEMENTS]
    for code, r in element_rows(ws).items():
        cell = ws[f"{VALUE_COLUMN}{r}"]
        if isinstance(cell.value, (int, float)):
            cell.value = vn_number_text(cell.value, kinds.get(code) == "money")
    for c in ws[header_row(ws, ELEMENT_COLUMNS[0])]:
        c.value = _nfd(c.value)
    info = wb[SHEET_INFO]
    rows = label_rows(info)
    day_cell = info.cell(rows[INFO_LABELS["prepared_on"]], 2)
    day_cell.value = format_date_vi(day_cell.value)
    info.cell(rows[INFO_LABELS["period"]], 2).value = _nfd(period.label_vi)  # "Quý III/2025"
    for r in rows.values():
        info.cell(r, 1).value = _nfd(info.cell(r, 1).value)
    acts = wb[SHEET_ACTIVITIES]
    top = header_row(acts, ACTIVITY_COLUMNS[0])
    for c in acts[top]:
        c.value = _nfd(c.value)
    for r in range(top + 1, acts.max_row + 1):
        cell = acts.cell(r, 2)
        if isinstance(cell.value, (date, datetime)):
            cell.value = format_date_vi(cell.value)
    narr = wb[SHEET_NARRATIVE]
    for r in range(1, narr.max_row + 1):
        narr.cell(r, 1).value = _nfd(narr.cell(r, 1).value)
    for name in (SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE):
        wb[name].title = _nfd(name)
