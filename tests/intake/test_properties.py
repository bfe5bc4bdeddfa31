"""Property tests (hypothesis): random mutations of valid workbooks through the real intake.

The mutations are what units' files go through: cells overwritten (text, numbers, negative and huge
numbers, NaN, dates, formulas, blanks), sheets deleted, renamed or added, rows deleted or inserted,
zip entries removed, corrupted or duplicated, bytes flipped, uploads cut short. Whatever arrives:
- the intake never raises and no message carries a traceback;
- every file is archived byte for byte and has exactly one receipt; the inbox ends empty;
- nothing loaded breaks an error rule (checked again here, from the warehouse, independently of the
  intake's own checks).
Bases: the builder's valid submission (tests/builders) and the demo's workbook as LibreOffice Calc
saved the real template (demo/fixtures/libreoffice).

The default run tries FAST examples; `-m slow` runs SLOW more.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell

from demo.libreoffice import FIXTURE_DIR
from schemas.catalog_model import Catalog
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace
from tasks.intake.rules import load_rules
from tasks.intake.submission import TEMPLATE_VERSIONS
from tests.builders import build_workbook
from tests.builders.workbooks import catalog as packaged_catalog
from tests.intake.test_intake import run

NOW = "2025-09-16T08:00:00+07:00"
COMMON = settings(
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FAST = settings(COMMON, max_examples=25)
SLOW = settings(COMMON, max_examples=100)


# --- the valid workbooks mutated --------------------------------------------------------------------
@cache
def bases() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        built = build_workbook(Path(tmp) / "base.xlsx").read_bytes()
    return {
        "builder": built,
        "libreoffice": (FIXTURE_DIR / "2025Q3_DT_HOI_LHPN.xlsx").read_bytes(),
    }


# --- mutations of the workbook (openpyxl) -------------------------------------------------------------
@dataclass(frozen=True)
class SetCell:
    sheet: int
    row: int
    col: int
    value: Any

    def apply(self, wb: openpyxl.Workbook) -> None:
        cell = wb.worksheets[self.sheet % len(wb.worksheets)].cell(self.row, self.col)
        if not isinstance(cell, MergedCell):  # a merged area is written through its first cell
            cell.value = self.value


@dataclass(frozen=True)
class DeleteSheet:
    sheet: int

    def apply(self, wb: openpyxl.Workbook) -> None:
        if len(wb.worksheets) > 1:  # a workbook keeps one sheet (Excel cannot save none)
            wb.remove(wb.worksheets[self.sheet % len(wb.worksheets)])
            wb.active = 0
            wb.worksheets[0].sheet_state = "visible"


@dataclass(frozen=True)
class RenameSheet:
    sheet: int
    name: str

    def apply(self, wb: openpyxl.Workbook) -> None:
        if self.name not in wb.sheetnames:
            wb.worksheets[self.sheet % len(wb.worksheets)].title = self.name


@dataclass(frozen=True)
class AddSheet:
    name: str

    def apply(self, wb: openpyxl.Workbook) -> None:
        if self.name not in wb.sheetnames:
            wb.create_sheet(self.name)["A1"] = "Ghi chú"


@dataclass(frozen=True)
class DeleteRows:
    sheet: int
    row: int
    count: int

    def apply(self, wb: openpyxl.Workbook) -> None:
        wb.worksheets[self.sheet % len(wb.worksheets)].delete_rows(self.row, self.count)


@dataclass(frozen=True)
class InsertRows:
    sheet: int
    row: int
    count: int

    def apply(self, wb: openpyxl.Workbook) -> None:
        wb.worksheets[self.sheet % len(wb.worksheets)].insert_rows(self.row, self.count)


# --- mutations of the zip container and the bytes -----------------------------------------------------
@dataclass(frozen=True)
class RemoveEntry:
    entry: int


@dataclass(frozen=True)
class CorruptEntry:
    entry: int
    data: bytes  # replaces the entry's first len(data) bytes; empty: the entry becomes empty


@dataclass(frozen=True)
class DuplicateEntry:
    entry: int


@dataclass(frozen=True)
class FlipBytes:
    positions: tuple[int, ...]


@dataclass(frozen=True)
class Truncate:
    keep: float  # the share of the bytes kept


def _rezip(data: bytes, edits: list) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    for edit in edits:
        if not entries:
            break
        i = edit.entry % len(entries)
        info, body = entries[i]
        if isinstance(edit, RemoveEntry):
            del entries[i]
        elif isinstance(edit, CorruptEntry):
            entries[i] = (info, edit.data + body[len(edit.data) :] if edit.data else b"")
        else:
            entries.append((info, body))
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicated names we write on purpose
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info, body in entries:
                target.writestr(info.filename, body)
    return out.getvalue()


@dataclass(frozen=True)
class Mutant:
    base: str
    sheet_edits: tuple = ()
    zip_edits: tuple = ()
    raw: FlipBytes | Truncate | None = None

    def bytes(self) -> bytes:
        data = bases()[self.base]
        if self.sheet_edits:
            wb = openpyxl.load_workbook(io.BytesIO(data))
            for edit in self.sheet_edits:
                edit.apply(wb)
            buffer = io.BytesIO()
            wb.save(buffer)
            data = buffer.getvalue()
        if self.zip_edits:
            data = _rezip(data, list(self.zip_edits))
        if isinstance(self.raw, Truncate):
            data = data[: int(len(data) * self.raw.keep)]
        elif isinstance(self.raw, FlipBytes):
            flipped = bytearray(data)
            for position in self.raw.positions:
                flipped[position % len(flipped)] ^= 0xFF
            data = bytes(flipped)
        return data


# --- strategies ---------------------------------------------------------------------------------------
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f"), max_size=30
)
_LOOK_ALIKES = st.sampled_from(
    [
        "-5",
        "1.234,5",
        "1,5",
        " 12 ",
        "1e308",
        "mang_xa_hoi",
        "Mạng xã hội",
        "_x000D_",
        "P_HAI_CHAU",
        "Quý III/2025",
        "2025Q3",
        "15/09/2025",
        "31/02/2025",
        "có",
        "TRUE",
        "#N/A",
        "http://example.com",
        "javascript:alert(1)",
        "@SUM(1)",
        "+1",
    ]
)
_FORMULAS = st.sampled_from(
    [
        "=1/0",
        "=SUM(E2:E20)",
        "=-5",
        '=HYPERLINK("http://example.com","x")',
        "=cmd|' /C calc'!A0",
        "=NOW()",
        '=INDIRECT("A1")',
    ]
)
_VALUES = st.one_of(
    st.none(),
    _TEXT,
    _LOOK_ALIKES,
    _FORMULAS,
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2100, 1, 1)),
)
_SHEET_NAMES = st.one_of(
    st.sampled_from(
        ["Thông tin", "thông tin ", "Chỉ tiêu", "Chi tieu", "Hoạt động", "Thuyết minh", "Sheet1"]
    ),
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\/*?:[]'\x7f"),
        min_size=1,
        max_size=31,
    ).filter(lambda s: s.strip() == s and s.lower() != "history"),
)
_SHEET = st.integers(min_value=0, max_value=7)
_ROW = st.integers(min_value=1, max_value=30)
_SHEET_EDITS = st.one_of(
    st.builds(SetCell, _SHEET, _ROW, st.integers(min_value=1, max_value=10), _VALUES),
    st.builds(SetCell, _SHEET, _ROW, st.just(5), _VALUES),  # the value column of "Chỉ tiêu"
    st.builds(DeleteSheet, _SHEET),
    st.builds(RenameSheet, _SHEET, _SHEET_NAMES),
    st.builds(AddSheet, _SHEET_NAMES),
    st.builds(DeleteRows, _SHEET, _ROW, st.integers(min_value=1, max_value=3)),
    st.builds(InsertRows, _SHEET, _ROW, st.integers(min_value=1, max_value=3)),
)
_ENTRY = st.integers(min_value=0, max_value=10**6)
_ZIP_EDITS = st.one_of(
    st.builds(RemoveEntry, _ENTRY),
    st.builds(CorruptEntry, _ENTRY, st.binary(max_size=64)),
    st.builds(DuplicateEntry, _ENTRY),
)
_RAW = st.one_of(
    st.none(),
    st.builds(Truncate, st.floats(min_value=0.0, max_value=0.999)),
    st.builds(
        FlipBytes,
        st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=4).map(tuple),
    ),
)
MUTANTS = st.builds(
    Mutant,
    base=st.sampled_from(["builder", "libreoffice"]),
    sheet_edits=st.lists(_SHEET_EDITS, max_size=5).map(tuple),
    # most files arrive as a whole zip (cell and sheet edits then reach the checks, not the reader)
    zip_edits=st.one_of(st.just(()), st.just(()), st.lists(_ZIP_EDITS, min_size=1, max_size=2)).map(
        tuple
    ),
    raw=st.one_of(st.none(), st.none(), st.none(), _RAW),
)
BATCHES = st.lists(MUTANTS, min_size=1, max_size=2)


# --- what was loaded, checked again -------------------------------------------------------------------
def _bad_number(value: float | None, *, whole: bool, yes_no: bool = False) -> str | None:
    if value is None:
        return None
    if not math.isfinite(value) or value < 0:
        return f"{value} is negative or not finite"
    if (whole or yes_no) and not float(value).is_integer():
        return f"{value} is not whole"
    if yes_no and value not in (0, 1):
        return f"{value} is not 0/1"
    return None


def loaded_violations(db_path: Path, catalog: Catalog) -> list[str]:
    """Every way the loaded submissions break an error rule of schemas/rules.yaml."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        subs = con.execute(
            "SELECT s.unit_code, s.period_id, s.version, s.template_version, s.preparer,"
            " s.prepared_on, a.status FROM submissions s JOIN arrivals a USING (arrival_no)"
        ).fetchall()
        values = con.execute(
            "SELECT unit_code, period_id, version, element_code, value FROM element_values"
        ).fetchall()
        activities = con.execute(
            "SELECT unit_code, period_id, version, line_no, activity_date, activity_type, channel,"
            " quantity, reach, cost FROM activities"
        ).fetchall()
    finally:
        con.close()
    out: list[str] = []
    by_sub: dict[tuple, dict[str, float | None]] = {}
    for unit_code, period_id, version, element, value in values:
        by_sub.setdefault((unit_code, period_id, version), {})[element] = value
    for unit_code, period_id, version, template_version, preparer, prepared_on, status in subs:
        key = (unit_code, period_id, version)
        where = f"{unit_code} {period_id} v{version}"
        if status not in ("accepted", "accepted_with_warnings"):
            out.append(f"{where}: loaded from a {status} arrival")
        unit = catalog.unit(unit_code)
        try:
            period = Period.parse(period_id)
        except Exception:  # noqa: BLE001 - any failure to read it is the violation
            out.append(f"{where}: period id {period_id!r} is not valid")
            continue
        if unit is None:
            out.append(f"{where}: unit not in the catalogue")
            continue
        if period.id != period_id or not period.in_de_an:
            out.append(f"{where}: period id {period_id!r} not canonical or outside the Đề án")
        if not catalog.may_submit(unit, period.window_start, period.window_end):
            out.append(f"{where}: unit not active in the period")
        if template_version not in TEMPLATE_VERSIONS:
            out.append(f"{where}: template version {template_version!r}")
        if not (preparer or "").strip() or prepared_on is None:
            out.append(f"{where}: preparer or report date missing")
        got = by_sub.get(key, {})
        expected = {e.code for e in catalog.elements_for_type(unit.type)}
        if set(got) != expected:
            out.append(f"{where}: elements {sorted(set(got) ^ expected)} missing or not assigned")
        for code, value in got.items():
            element = catalog.element_by_code.get(code)
            if element is None:
                continue
            bad = _bad_number(value, whole=element.whole_number, yes_no=element.kind == "yes_no")
            if bad:
                out.append(f"{where}: {code} {bad}")
            cap = got.get(element.not_above) if element.not_above else None
            if value is not None and cap is not None and value > cap:
                out.append(f"{where}: {code} {value} above {element.not_above} {cap}")
    activity_codes, channel_codes = set(catalog.activity_codes), set(catalog.channel_codes)
    for unit_code, period_id, version, line, day, kind, channel, qty, reach, cost in activities:
        where = f"{unit_code} {period_id} v{version} activity row {line}"
        if (unit_code, period_id, version) not in {s[:3] for s in subs}:
            out.append(f"{where}: no submission")
        if day is None or kind not in activity_codes or channel not in channel_codes:
            out.append(f"{where}: date {day}, type {kind!r}, channel {channel!r}")
        if qty is None or qty < 1:
            out.append(f"{where}: quantity {qty}")
        for name, number in (("reach", reach), ("cost", cost)):
            bad = _bad_number(number, whole=False)
            if bad:
                out.append(f"{where}: {name} {bad}")
    return out


# --- the property -------------------------------------------------------------------------------------
def check_batch(catalog: Catalog, mutants: list[Mutant]) -> dict[str, str]:
    """Send the mutants in one intake run and check the properties; file name -> status."""
    rules = load_rules()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        workspace = Settings(home=home, now=NOW)
        ensure_workspace(workspace)
        sent: dict[str, bytes] = {}
        for i, mutant in enumerate(mutants):
            name = f"{i}_2025Q3_{'P_HAI_CHAU' if mutant.base == 'builder' else 'DT_HOI_LHPN'}.xlsx"
            sent[name] = mutant.bytes()
            (workspace.paths.inbox / name).write_bytes(sent[name])

        result = run(workspace, catalog)  # never raises

        assert list(workspace.paths.inbox.iterdir()) == []
        receipts = [
            json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(workspace.paths.receipts.glob("*.json"))
        ]
        assert sorted(r["file"] for r in receipts) == sorted(sent)  # exactly one receipt each
        assert sorted(r["file"] for r in result["receipts"]) == sorted(sent)
        for receipt in receipts:
            data = sent[receipt["file"]]
            assert receipt["sha256"] == hashlib.sha256(data).hexdigest()
            (archived,) = workspace.paths.archive.glob(f"{receipt['sha256']}*")
            assert archived.read_bytes() == data
            status = receipt["status"]
            assert status in ("accepted", "accepted_with_warnings", "rejected", "duplicate")
            errors = [m for m in receipt["messages"] if m["severity"] == "error"]
            assert bool(errors) == (status == "rejected"), receipt["messages"]
            for message in receipt["messages"]:
                assert message["rule"] in rules, message
                assert message["message_vi"] and message["message_en"]
                text = message["message_vi"] + message["message_en"]
                assert "Traceback" not in text and 'File "' not in text, message
        assert loaded_violations(workspace.paths.warehouse, catalog) == []
        return {r["file"]: r["status"] for r in receipts}


def test_the_bases_are_valid_as_they_are(catalog):
    """Without mutations both bases are accepted (so the property tests mutate valid files)."""
    statuses = check_batch(catalog, [Mutant("builder"), Mutant("libreoffice")])
    assert statuses["0_2025Q3_P_HAI_CHAU.xlsx"] == "accepted"
    assert statuses["1_2025Q3_DT_HOI_LHPN.xlsx"] in ("accepted", "accepted_with_warnings")


def test_the_revalidation_catches_what_an_error_rule_forbids(catalog, tmp_path):
    """The re-check is not vacuous: a warehouse holding a negative count and a foreign unit fails it."""
    workspace = Settings(home=tmp_path / "home", now=NOW)
    ensure_workspace(workspace)
    (workspace.paths.inbox / "a.xlsx").write_bytes(bases()["builder"])
    run(workspace, catalog)
    assert loaded_violations(workspace.paths.warehouse, catalog) == []
    con = duckdb.connect(str(workspace.paths.warehouse))
    con.execute("UPDATE element_values SET value = -3 WHERE element_code = 'TIN_BAI'")
    con.execute("UPDATE element_values SET value = 2 WHERE element_code = 'CO_KE_HOACH'")
    con.execute("UPDATE activities SET channel = 'mang' WHERE line_no = 2")
    con.close()
    found = "\n".join(loaded_violations(workspace.paths.warehouse, catalog))
    assert "TIN_BAI -3.0 is negative" in found
    assert "CO_KE_HOACH 2.0 is not 0/1" in found
    assert "channel 'mang'" in found


# the catalogue is not a fixture argument here: hypothesis would print it with every failing example
@FAST
@given(mutants=BATCHES)
def test_mutated_workbooks_never_break_the_intake(mutants):
    for status in check_batch(packaged_catalog(), mutants).values():
        event(f"status: {status}")  # --hypothesis-show-statistics shows the mix


@pytest.mark.slow
@SLOW
@given(mutants=BATCHES)
def test_mutated_workbooks_never_break_the_intake_many(mutants):
    for status in check_batch(packaged_catalog(), mutants).values():
        event(f"status: {status}")
