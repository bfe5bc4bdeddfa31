"""The demo's broken files: every kind appears, is broken the way it claims, and the real intake
gives the verdict this test declares."""

from __future__ import annotations

import shutil
import unicodedata
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from demo.broken import BROKEN_KINDS
from demo.series import unit_values
from tasks.core.periods import Period
from tasks.intake import steps
from tasks.intake.submission import ELEMENT_COLUMNS, SHEET_ACTIVITIES, SHEET_ELEMENTS, SHEET_INFO
from tests.demo.support import PERIODS, files_of, read_workbook, table_body

# What the intake must say about each broken kind: the receipt's status and the rule codes of all
# its messages (schemas/rules.yaml). Written here, not taken from the generator, so that a wrong
# table in demo/broken.py, or a file that is not broken the way it claims, fails the test.
INTAKE_VERDICT = {
    "legacy_xls": ("rejected", {"FILE_FORMAT_XLS"}),
    "corrupt_zip": ("rejected", {"FILE_CORRUPT"}),
    "missing_sheet": ("rejected", {"SHEET_MISSING"}),
    "unknown_unit": ("rejected", {"UNIT_UNKNOWN"}),
    "negative_value": ("rejected", {"VALUE_NEGATIVE"}),
    "non_numeric_value": ("rejected", {"VALUE_NOT_NUMBER"}),
    "text_numbers_nfd": ("accepted_with_warnings", {"VALUE_AS_TEXT"}),
}


def test_every_broken_kind_appears(plan):
    assert set(INTAKE_VERDICT) == set(BROKEN_KINDS)
    seen = {}
    for exp in plan.expectations.values():
        for f in exp.files:
            if f.kind in BROKEN_KINDS:
                seen[f.kind] = f
                status, rules = INTAKE_VERDICT[f.kind]  # the plan declares the intake's verdict
                assert rules == {f.rule} and f.expect == status
                assert exp.broken[f.name] == f.rule
                assert f.round == 2
                assert f.expect == (
                    "accepted_with_warnings" if f.kind == "text_numbers_nfd" else "rejected"
                )
                if f.expect == "rejected":
                    assert f.sender in exp.on_time and f.sender not in exp.corrected
    assert set(seen) == set(BROKEN_KINDS)


def test_the_intake_rejects_broken_files_with_the_declared_rules(plan, catalog, make_settings):
    """The real intake steps on each period's broken files, at the time they arrive (round 2)."""
    checked = set()
    for period in PERIODS:
        files = {
            name: f for name, (_, f) in files_of(plan, period.id).items() if f.kind in BROKEN_KINDS
        }
        settings = make_settings(now=plan.rounds_for(period.id)[1].at.isoformat())
        for name, f in files.items():
            shutil.copyfile(
                plan.out_dir / period.id / f"round{f.round}" / name, settings.paths.inbox / name
            )
        batch = steps.collect(settings, catalog)
        subs = steps.parse_batch(settings, batch)
        subs = steps.validate_submissions(settings, catalog, batch, subs)
        receipts = steps.summarize(steps.record_batch(settings, batch, subs))["receipts"]
        assert sorted(r["file"] for r in receipts) == sorted(files)
        for receipt in receipts:
            kind = files[receipt["file"]].kind
            status, rules = INTAKE_VERDICT[kind]
            assert receipt["status"] == status, (receipt["file"], receipt["messages"])
            assert {m["rule"] for m in receipt["messages"]} == rules, receipt["file"]
            severities = {m["severity"] for m in receipt["messages"]}
            assert severities == ({"error"} if status == "rejected" else {"warning"}), kind
            checked.add(kind)
    assert checked == set(BROKEN_KINDS)


def test_broken_files_are_broken_the_right_way(plan, catalog):
    checked = set()
    for period in PERIODS:
        for path, f in files_of(plan, period.id).values():
            if f.kind == "legacy_xls":
                assert path.suffix == ".xls" and path.read_bytes().startswith(
                    bytes.fromhex("D0CF11E0A1B11AE1")
                )
            elif f.kind == "corrupt_zip":
                assert path.suffix == ".xlsx"
                with pytest.raises(zipfile.BadZipFile):
                    zipfile.ZipFile(path)
            elif f.kind == "missing_sheet":
                assert SHEET_ACTIVITIES not in CalamineWorkbook.from_path(path).sheet_names
            elif f.kind == "unknown_unit":
                code = read_workbook(path)[0]["unit_code"]
                assert catalog.unit(code) is None and code != f.sender
            elif f.kind in ("negative_value", "non_numeric_value"):
                _, rows = table_body(
                    CalamineWorkbook.from_path(path).get_sheet_by_name(SHEET_ELEMENTS).to_python(),
                    ELEMENT_COLUMNS[0],
                )
                rows = [r for r in rows if r[0]]  # not the signature block
                bad = [r[4] for r in rows if isinstance(r[4], str) or r[4] < 0]
                assert bad == ([-5] if f.kind == "negative_value" else ["khoảng 20"])
            elif f.kind == "text_numbers_nfd":
                names = CalamineWorkbook.from_path(path).sheet_names
                assert SHEET_INFO not in names  # not NFC ...
                nfc_names = [unicodedata.normalize("NFC", n) for n in names]
                assert SHEET_INFO in nfc_names  # ... but NFD of it
                header, values, activities, _ = read_workbook(path)
                assert Period.parse(header["period"]) == period
                sheet = names[nfc_names.index(SHEET_ELEMENTS)]
                _, raw = table_body(
                    CalamineWorkbook.from_path(path).get_sheet_by_name(sheet).to_python(),
                    ELEMENT_COLUMNS[0],
                )
                raw = [r for r in raw if r[0]]
                assert all(isinstance(r[4], str) for r in raw)
                assert any("." in r[4] for r in raw)  # 1.234 style thousands
                assert values == unit_values(catalog, f.sender, period)
            else:
                continue
            checked.add(f.kind)
    assert checked == set(BROKEN_KINDS)
