"""The demo generator: deterministic, realistic, and messy in exactly the documented ways."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta

import openpyxl

from demo.fill import Templates
from demo.generator import generate_demo
from demo.series import unit_values
from demo.text import ACTIVITY_ELEMENT, NARRATIVE_COUNTED
from demo.words import words
from tasks.core.periods import (
    Period,
    is_working_day,
    periods_between,
    working_day_on_or_before,
)
from tasks.core.settings import TZ
from tasks.intake.submission import (
    CURRENT_TEMPLATE_VERSION,
    NARRATIVE_LABELS,
    SHEET_INFO,
)
from tasks.workbook.template import write_template
from tests.demo.support import PERIODS, as_date, files_of, nfc, read_workbook, valid_of

PAIRS = (("LANH_DAO_DA_PHO_BIEN", "LANH_DAO_TONG"), ("TO_CNSCD_DA_TAP_HUAN", "TO_CNSCD_TONG"))


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
        # due by the 20th: that day, or the last working day before it (20/09/2025 is a Saturday)
        due = plan.report_at[period.id].astimezone(TZ).date()
        assert due == working_day_on_or_before(date(period.year, period.quarter * 3, 20))
        assert is_working_day(due)
        assert plan.report_at[period.id].astimezone(TZ).time() == time(15, 0)
        assert period.timeliness(first.at, 2) == "on_time"
        assert period.timeliness(second.at, 2) == "late"
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
        files = files_of(plan, period.id)
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


def test_correction_is_a_new_file_with_one_changed_value(plan, catalog):
    for period in PERIODS:
        exp = plan.expectations[period.id]
        (code,) = exp.corrected
        files = files_of(plan, period.id)
        original = files[f"{period.id}_{code}.xlsx"][0]
        corrected = files[f"{period.id}_{code}_sua.xlsx"][0]
        assert files[corrected.name][1].kind == "correction" and files[corrected.name][1].round == 2
        assert original.read_bytes() != corrected.read_bytes()
        h1, v1, a1, n1 = read_workbook(original)
        h2, v2, a2, n2 = read_workbook(corrected)
        assert (
            (h1["unit_code"], h1["period"]) == (h2["unit_code"], h2["period"]) == (code, period.id)
        )
        changed = {k for k in v1 if v1[k] != v2[k]}
        assert len(changed) == 1
        (element,) = changed
        assert catalog.element_by_code[element].kind == "flow" and v2[element] > v1[element]
        # the log tells the corrected figure; the rows behind other figures are untouched
        behind = {kind for kind, e in ACTIVITY_ELEMENT.items() if e == element}
        for log, value in ((a1, v1[element]), (a2, v2[element])):
            assert sum(a["Số lượng"] for a in log if a["Loại hoạt động"] in behind) == value
        other = [
            {k: v for k, v in a.items() if k != "STT"}
            for a in a1
            if a["Loại hoạt động"] not in behind
        ]
        if element in NARRATIVE_COUNTED:  # the narrative quotes the corrected figure
            said = words().narrative_counts[element].split("{people}")[0].format(n=int(v2[element]))
            assert said in " ".join(n2.values())
            assert n1 != n2
        assert other == [
            {k: v for k, v in a.items() if k != "STT"}
            for a in a2
            if a["Loại hoạt động"] not in behind
        ]


def test_valid_workbooks_are_plausible(plan, catalog):
    for period in PERIODS:
        for code, path in valid_of(plan, period.id, planted=False).items():
            unit = catalog.unit(code)
            header, values, activities, narrative = read_workbook(path)
            assert header["unit_code"] == code and header["unit_name"] == unit.name
            assert Period.parse(header["period"]) == period
            assert header["preparer"] and "@" in header["email"] and header["phone"]
            assert header["template_version"] == CURRENT_TEMPLATE_VERSION
            prepared = as_date(header["prepared_on"])
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
            # the activity log accounts for the counts
            assert 5 <= len(activities) <= 40
            used = defaultdict(float)
            for i, a in enumerate(activities, start=1):
                assert a["STT"] == i
                assert period.in_window(as_date(a["Ngày"]))
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
                    assert abs(total - values[element]) < 1e-6, (code, element)
                else:
                    assert total == 0, (code, element)
            for element in set(ACTIVITY_ELEMENT.values()) | {"LUOT_TIEP_CAN", "KINH_PHI"}:
                if element and values.get(element):
                    assert used[element] > 0, (code, element)
            assert set(narrative) == {nfc(label) for label in NARRATIVE_LABELS.values()}
            assert all(isinstance(t, str) and len(t) > 20 for t in narrative.values())


def test_stocks_never_shrink_in_the_files(plan):
    first, second = (valid_of(plan, p.id, planted=False) for p in PERIODS)
    both = set(first) & set(second)
    assert len(both) >= 10
    for code in both:
        v1, v2 = read_workbook(first[code])[1], read_workbook(second[code])[1]
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
    for path, f in files_of(plan, pid).values():
        assert (tmp_path / pid / f"round{f.round}" / f.name).read_bytes() == path.read_bytes(), (
            f.name
        )
    other = generate_demo(catalog, [Period(2025, 3)], tmp_path / "other", seed=1)
    assert other.expectations[pid] != plan.expectations[pid]


def test_retargeted_template_equals_the_units_own_template(catalog, tmp_path):
    """The generator loads one template per unit type and re-points it: same cells as write_template."""
    period = Period(2025, 2)
    templates = Templates(catalog, 2, tmp_path / "cache")
    for code in ("P_THANH_BINH", "P_HOA_MINH", "DT_HOI_ND"):
        unit = catalog.unit(code)
        ours = templates.workbook(unit, period)
        own = openpyxl.load_workbook(
            write_template(catalog, unit, period, tmp_path / "own", working_days=2)
        )
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


def test_calendar_follows_the_configured_days(catalog, tmp_path):
    """Deadline, report time and the after-report round all come from working_days/report_day."""
    period = Period(2025, 3)
    plan = generate_demo(catalog, [period], tmp_path, working_days=3, report_day=25)
    first, second, third = plan.rounds_for(period.id)
    report_at = plan.report_at[period.id]
    assert report_at.date() == date(2025, 9, 25) and report_at.time() == time(15, 0)
    assert first.at.date() == period.deadline(3) != period.deadline(2)
    assert period.timeliness(first.at, 3) == "on_time" and period.timeliness(second.at, 3) == "late"
    assert second.at < report_at
    assert third.after_report and third.at == report_at + timedelta(days=5)
    (latecomer,) = third.files
    header = read_workbook(latecomer)[0]
    assert as_date(header["prepared_on"]) == date(2025, 9, 30)
    # the templates the units filled announce the configured deadline
    info = openpyxl.load_workbook(first.files[0])[SHEET_INFO]
    deadline_vi = period.deadline(3).strftime("%d/%m/%Y")
    assert any(deadline_vi in str(c.value) for row in info.iter_rows() for c in row if c.value)
