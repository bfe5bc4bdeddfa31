"""The demo generator: deterministic, realistic, and messy in exactly the documented ways."""

from __future__ import annotations

import unicodedata
import zipfile
from collections import defaultdict
from datetime import date, time, timedelta

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from demo.generator import (
    ACTIVITY_ELEMENT,
    BROKEN_KINDS,
    BROKEN_RULES,
    _Templates,
    generate_demo,
    unit_values,
)
from schemas.catalog_model import load_catalog
from tasks.core.periods import Period, periods_between
from tasks.core.settings import TZ
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
)
from tasks.workbook.template import write_template

PERIODS = [Period(2025, 2), Period(2025, 3)]
PAIRS = (("LANH_DAO_DA_PHO_BIEN", "LANH_DAO_TONG"), ("TO_CNSCD_DA_TAP_HUAN", "TO_CNSCD_TONG"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def plan(catalog, tmp_path_factory):
    return generate_demo(catalog, PERIODS, tmp_path_factory.mktemp("demo"))


def _nfc(text):
    return unicodedata.normalize("NFC", text).strip().casefold() if isinstance(text, str) else text


def _number(value):
    """Cells as the intake reads them: numbers, or Vietnamese-style numbers typed as text."""
    if isinstance(value, str):
        return float(value.replace(".", "").replace(",", "."))
    return value


def _read(path):
    """A minimal reader (NFC-tolerant): header dict, element values, activities, narrative."""
    cw = CalamineWorkbook.from_path(path)
    sheets = {_nfc(name): cw.get_sheet_by_name(name).to_python() for name in cw.sheet_names}
    info = {_nfc(r[0]): r[1] for r in sheets[_nfc(SHEET_INFO)]}
    header = {key: info.get(_nfc(label)) for key, label in INFO_LABELS.items()}
    values = {r[0]: _number(r[4]) for r in sheets[_nfc(SHEET_ELEMENTS)][1:] if r[0]}
    rows = sheets[_nfc(SHEET_ACTIVITIES)]
    assert [_nfc(c) for c in rows[0]] == [_nfc(c) for c in ACTIVITY_COLUMNS]
    activities = [dict(zip(ACTIVITY_COLUMNS, r, strict=True)) for r in rows[1:]]
    narrative = {_nfc(r[0]): r[1] for r in sheets[_nfc(SHEET_NARRATIVE)]}
    return header, values, activities, narrative


def _as_date(value):
    if isinstance(value, date):
        return value
    d, m, y = (int(x) for x in value.split("/"))
    return date(y, m, d)


def _files(plan, period_id):
    exp = plan.expectations[period_id]
    out = {}
    for f in exp.files:
        out[f.name] = (plan.out_dir / period_id / f"round{f.round}" / f.name, f)
    return out


def _valid(plan, period_id):
    """unit -> path of the workbook that counts (the newest accepted one)."""
    out = {}
    for path, f in sorted(_files(plan, period_id).values(), key=lambda pf: pf[1].round):
        if f.expect != "rejected":
            out[f.sender] = path
    return out


def test_rounds_are_chronological_and_before_the_report(plan):
    assert [r.at for r in plan.rounds] == sorted(r.at for r in plan.rounds)
    for period in PERIODS:
        rounds = plan.rounds_for(period.id)
        assert len(rounds) in (2, 3)
        first, second = rounds[:2]
        assert not first.after_report and not second.after_report
        for third in rounds[2:]:  # a latecomer after the report: the period is locked by then
            assert third.after_report and third.at > plan.report_at[period.id]
        assert first.at.tzinfo is not None and first.at.utcoffset() == timedelta(hours=7)
        assert first.at.date() == period.deadline(2) and first.at.time() == time(8, 0)
        assert first.at < second.at < plan.report_at[period.id]
        assert plan.report_at[period.id].astimezone(TZ).date() == date(
            period.year, period.quarter * 3, 20
        )
        assert plan.report_at[period.id].astimezone(TZ).time() == time(15, 0)
        assert period.timeliness(first.at) == "on_time" and period.timeliness(second.at) == "late"
        for rnd, k in zip(rounds, (1, 2, 3)[: len(rounds)], strict=True):
            assert rnd.files and all(
                p.parent.name == f"round{k}" and p.parent.parent.name == period.id
                for p in rnd.files
            )
            assert all(p.exists() for p in rnd.files)


def test_expectations_partition_the_expected_units(plan, catalog):
    for period in PERIODS:
        exp = plan.expectations[period.id]
        expected = {u.code for u in catalog.expected_units(period.window_start, period.window_end)}
        assert set(exp.expected_units) == expected
        assert exp.on_time | exp.late | exp.missing == expected
        assert not (exp.on_time & exp.late or exp.on_time & exp.missing or exp.late & exp.missing)
        assert exp.missing and exp.late and len(exp.corrected) == 1
        assert 0.04 <= len(exp.missing) / len(expected) <= 0.12
        assert 0.06 <= len(exp.late) / len(expected) <= 0.14
        assert exp.corrected <= exp.on_time
        names = [f.name for f in exp.files]
        assert len(names) == len(set(names))
        files = _files(plan, period.id)
        round_files = {
            p.name: k for k, r in enumerate(plan.rounds_for(period.id), start=1) for p in r.files
        }
        assert round_files == {name: f.round for name, (_, f) in files.items()}
        before_report = {f.sender for f in exp.files if f.round < 3}
        assert not (before_report & exp.missing)  # missing = no file before the report
        assert {f.sender for f in exp.files if f.round == 3} <= exp.missing
        assert all(
            f.expect == "rejected" and f.rule == "PERIOD_LOCKED" for f in exp.files if f.round == 3
        )
        assert sum(f.kind == "duplicate" for f in exp.files) == 1
        assert {f.sender for f in exp.files if f.round == 1} == exp.on_time
        assert {
            f.sender
            for f in exp.files
            if f.kind in ("submission", "text_numbers_nfd") and f.round == 2
        } == exp.late


def test_every_broken_kind_appears(plan):
    seen = {}
    for exp in plan.expectations.values():
        for f in exp.files:
            if f.kind in BROKEN_KINDS:
                seen[f.kind] = f
                assert f.rule == BROKEN_RULES[f.kind]
                assert exp.broken[f.name] == f.rule
                assert f.round == 2
                assert f.expect == (
                    "accepted_with_warnings" if f.kind == "text_numbers_nfd" else "rejected"
                )
                if f.expect == "rejected":
                    assert f.sender in exp.on_time and f.sender not in exp.corrected
    assert set(seen) == set(BROKEN_KINDS)


def test_broken_files_are_broken_the_right_way(plan, catalog):
    checked = set()
    for period in PERIODS:
        for path, f in _files(plan, period.id).values():
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
                code = _read(path)[0]["unit_code"]
                assert catalog.unit(code) is None and code != f.sender
            elif f.kind in ("negative_value", "non_numeric_value"):
                rows = (
                    CalamineWorkbook.from_path(path)
                    .get_sheet_by_name(SHEET_ELEMENTS)
                    .to_python()[1:]
                )
                bad = [r[4] for r in rows if isinstance(r[4], str) or r[4] < 0]
                assert bad == ([-5] if f.kind == "negative_value" else ["khoảng 20"])
            elif f.kind == "text_numbers_nfd":
                names = CalamineWorkbook.from_path(path).sheet_names
                assert SHEET_INFO not in names  # not NFC ...
                assert unicodedata.normalize("NFC", names[0]) == SHEET_INFO  # ... but NFD of it
                header, values, activities, _ = _read(path)
                assert Period.parse(header["period"]) == period
                raw = CalamineWorkbook.from_path(path).get_sheet_by_name(names[1]).to_python()[1:]
                assert all(isinstance(r[4], str) for r in raw)
                assert any("." in r[4] for r in raw)  # 1.234 style thousands
                assert values == unit_values(catalog, f.sender, period)
            else:
                continue
            checked.add(f.kind)
    assert checked == set(BROKEN_KINDS)


def test_correction_is_a_new_file_with_one_changed_value(plan, catalog):
    for period in PERIODS:
        exp = plan.expectations[period.id]
        (code,) = exp.corrected
        files = _files(plan, period.id)
        original = files[f"{period.id}_{code}.xlsx"][0]
        corrected = files[f"{period.id}_{code}_sua.xlsx"][0]
        assert files[corrected.name][1].kind == "correction" and files[corrected.name][1].round == 2
        assert original.read_bytes() != corrected.read_bytes()
        h1, v1, a1, _ = _read(original)
        h2, v2, a2, _ = _read(corrected)
        assert (
            (h1["unit_code"], h1["period"]) == (h2["unit_code"], h2["period"]) == (code, period.id)
        )
        changed = {k for k in v1 if v1[k] != v2[k]}
        assert len(changed) == 1
        (element,) = changed
        assert catalog.element_by_code[element].kind == "flow" and v2[element] > v1[element]
        assert a1 == a2


def test_valid_workbooks_are_plausible(plan, catalog):
    for period in PERIODS:
        for code, path in _valid(plan, period.id).items():
            unit = catalog.unit(code)
            header, values, activities, narrative = _read(path)
            assert header["unit_code"] == code and header["unit_name"] == unit.name
            assert Period.parse(header["period"]) == period
            assert header["preparer"] and "@" in header["email"] and header["phone"]
            assert header["template_version"] == 1
            prepared = _as_date(header["prepared_on"])
            assert (
                period.window_end - timedelta(days=1)
                <= prepared
                <= plan.report_at[period.id].date()
            )
            elements = {e.code: e for e in catalog.elements_for_type(unit.type)}
            assert set(values) == set(elements)
            for element_code, value in values.items():
                kind = elements[element_code].kind
                assert value >= 0
                if kind == "yes_no":
                    assert value in (0, 1)
                elif kind == "money":
                    assert round(value, 1) == value
                else:
                    assert value == int(value)
            for part, total in PAIRS:
                if total in values:
                    assert values[part] <= values[total]
            # the activity log backs the counts
            assert 5 <= len(activities) <= 15
            used = defaultdict(float)
            for i, a in enumerate(activities, start=1):
                assert a["STT"] == i
                assert period.in_window(_as_date(a["Ngày"]))
                assert a["Loại hoạt động"] in catalog.activity_codes
                assert a["Kênh"] in catalog.channel_codes
                assert a["Số lượng"] >= 1 and a["Số lượng"] == int(a["Số lượng"])
                assert a["Tên, nội dung"]
                url = a["Đường dẫn minh chứng"]
                assert url == "" or url.startswith("https://")
                element = ACTIVITY_ELEMENT[a["Loại hoạt động"]]
                if element:
                    used[element] += a["Số lượng"]
                used["LUOT_TIEP_CAN"] += a["Lượt tiếp cận"] or 0
                used["KINH_PHI"] += a["Kinh phí (triệu đồng)"] or 0
            for element, total in used.items():
                if element in values:
                    assert total <= values[element] + 1e-9, (code, element)
                else:
                    assert total == 0, (code, element)
            assert set(narrative) == {_nfc(label) for label in NARRATIVE_LABELS.values()}
            assert all(isinstance(t, str) and len(t) > 20 for t in narrative.values())


def test_stocks_never_shrink_in_the_files(plan):
    first, second = (_valid(plan, p.id) for p in PERIODS)
    both = set(first) & set(second)
    assert len(both) >= 10
    for code in both:
        v1, v2 = _read(first[code])[1], _read(second[code])[1]
        for element in (
            "LANH_DAO_TONG",
            "LANH_DAO_DA_PHO_BIEN",
            "TO_CNSCD_TONG",
            "TO_CNSCD_DA_TAP_HUAN",
            "LONG_GHEP_CHUONG_TRINH",
            "CO_KE_HOACH",
            "CO_BO_TRI_KINH_PHI",
        ):
            if element in v1:
                assert v2[element] >= v1[element], (code, element)


def test_series_over_the_whole_de_an(catalog):
    """Every unit, every period it is expected in: monotone stocks and yes/no, growing flows."""
    periods = periods_between(Period.first(), Period(2025, 3))
    series = {}
    for unit in catalog.units:
        active = [p for p in periods if unit.active_on(p.window_end)]
        series[unit.code] = {p: unit_values(catalog, unit.code, p) for p in active}
        previous = None
        for p in active:
            values = series[unit.code][p]
            for part, total in PAIRS:
                if total in values:
                    assert values[part] <= values[total]
            if previous:
                for code, value in values.items():
                    if catalog.element_by_code[code].kind in ("stock", "yes_no"):
                        assert value >= previous[code], (unit.code, p, code)
            previous = values
    # a successor that starts after its predecessors holds at least what they held at their end
    for unit in catalog.units:
        if not unit.successor_of or not series[unit.code]:
            continue
        first_period = min(series[unit.code])
        for total in ("LANH_DAO_TONG", "TO_CNSCD_TONG"):
            gone = [
                series[c][max(series[c])]
                for c in unit.successor_of
                if series[c] and max(series[c]) < first_period
            ]
            if gone and total in series[unit.code][first_period]:
                assert series[unit.code][first_period][total] >= sum(v[total] for v in gone)
    # flows grow: articles of units present the whole time, 2023 against 2024
    steady = [
        u.code for u in catalog.units if u.valid_to is None and u.valid_from <= date(2022, 1, 1)
    ]
    year_sum = {
        y: sum(series[c][p].get("TIN_BAI", 0) for c in steady for p in series[c] if p.year == y)
        for y in (2023, 2024)
    }
    assert year_sum[2024] > year_sum[2023]


def test_deterministic_and_independent_of_other_periods(plan, catalog, tmp_path):
    again = generate_demo(catalog, [Period(2025, 3)], tmp_path)
    pid = "2025Q3"
    assert again.expectations[pid] == plan.expectations[pid]
    assert [(r.at, [p.name for p in r.files]) for r in again.rounds] == [
        (r.at, [p.name for p in r.files]) for r in plan.rounds_for(pid)
    ]
    for path, f in _files(plan, pid).values():
        assert (tmp_path / pid / f"round{f.round}" / f.name).read_bytes() == path.read_bytes(), (
            f.name
        )
    other = generate_demo(catalog, [Period(2025, 3)], tmp_path / "other", seed=1)
    assert other.expectations[pid] != plan.expectations[pid]


def test_retargeted_template_equals_the_units_own_template(catalog, tmp_path):
    """The generator loads one template per unit type and re-points it: same cells as write_template."""
    period = Period(2025, 2)
    templates = _Templates(catalog, 2, tmp_path / "cache")
    for code in ("P_THANH_BINH", "P_HOA_MINH", "DT_HOI_ND"):
        unit = catalog.unit(code)
        ours = templates.workbook(unit, period)
        own = openpyxl.load_workbook(write_template(catalog, unit, period, tmp_path / "own"))
        assert ours.sheetnames == own.sheetnames
        assert ours.properties.title == own.properties.title
        for ws in own:
            mine = ours[ws.title]
            assert [[c.value for c in row] for row in mine.iter_rows()] == [
                [c.value for c in row] for row in ws.iter_rows()
            ]
            assert len(mine.data_validations.dataValidation) == len(
                ws.data_validations.dataValidation
            )
            assert (
                mine.protection.sheet == ws.protection.sheet and mine.sheet_state == ws.sheet_state
            )
