"""Shared by the demo tests: the periods generated, and reading files back (NFC-tolerant)."""

from __future__ import annotations

import unicodedata
from datetime import date

from python_calamine import CalamineWorkbook

from schemas.catalog_model import load_catalog
from tasks.core.periods import Period
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    ELEMENT_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
)

PERIODS = [Period(2025, 2), Period(2025, 3)]  # consecutive: they cover every broken kind


def nfc(text):
    return unicodedata.normalize("NFC", text).strip().casefold() if isinstance(text, str) else text


def number(value):
    """Cells as the intake reads them: numbers, or Vietnamese-style numbers typed as text."""
    if isinstance(value, str):
        return float(value.replace(".", "").replace(",", "."))
    return value


def table_body(rows, first_column):
    """(header row, rows under it) of a table below the template's title block, found by the
    text of its first column."""
    for i, row in enumerate(rows):
        if row and nfc(row[0]) == nfc(first_column):
            return row, rows[i + 1 :]
    raise AssertionError(f"no header row starting with {first_column!r}")


def read_workbook(path):
    """A minimal reader (NFC-tolerant): header dict, element values, activities, narrative.

    The activity type and channel are typed as the drop-downs offer them (Vietnamese names) and
    returned as their codes (a code in the file raises KeyError)."""
    cw = CalamineWorkbook.from_path(path)
    sheets = {nfc(name): cw.get_sheet_by_name(name).to_python() for name in cw.sheet_names}
    info = {nfc(r[0]): r[1] for r in sheets[nfc(SHEET_INFO)]}
    header = {key: info.get(nfc(label)) for key, label in INFO_LABELS.items()}
    _, elements = table_body(sheets[nfc(SHEET_ELEMENTS)], ELEMENT_COLUMNS[0])
    values = {r[0]: number(r[4]) for r in elements if r[0]}
    head, rows = table_body(sheets[nfc(SHEET_ACTIVITIES)], ACTIVITY_COLUMNS[0])
    assert [nfc(c) for c in head] == [nfc(c) for c in ACTIVITY_COLUMNS]
    activities = [dict(zip(ACTIVITY_COLUMNS, r, strict=True)) for r in rows]
    catalog = load_catalog()
    types = {a.name: a.code for a in catalog.activity_types}
    channels = {c.name: c.code for c in catalog.channels}
    for a in activities:
        a["Loại hoạt động"] = types[a["Loại hoạt động"]]
        a["Kênh"] = channels[a["Kênh"]]
    labels = {nfc(label) for label in NARRATIVE_LABELS.values()}  # not the title block
    narrative = {nfc(r[0]): r[1] for r in sheets[nfc(SHEET_NARRATIVE)] if nfc(r[0]) in labels}
    return header, values, activities, narrative


def as_date(value):
    if isinstance(value, date):
        return value
    d, m, y = (int(x) for x in value.split("/"))
    return date(y, m, d)


def files_of(plan, period_id):
    exp = plan.expectations[period_id]
    out = {}
    for f in exp.files:
        out[f.name] = (plan.out_dir / period_id / f"round{f.round}" / f.name, f)
    return out


def valid_of(plan, period_id, *, planted: bool = True):
    """unit -> path of the workbook that counts (the newest accepted one); `planted=False` leaves
    out the units whose workbook carries a planted plausibility mistake (demo/plausibility.py)."""
    out = {}
    for path, f in sorted(files_of(plan, period_id).values(), key=lambda pf: pf[1].round):
        if not planted and f.sender in plan.expectations[period_id].warned:
            continue
        if f.expect != "rejected":
            out[f.sender] = path
    return out
