"""The blank template must be exactly the contract of SUBMISSION_FORMAT.md."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from schemas.catalog_model import load_catalog
from tasks.core.errors import UsageError
from tasks.core.periods import Period
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    CURRENT_TEMPLATE_VERSION,
    ELEMENT_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_LISTS,
    SHEET_NARRATIVE,
)
from tasks.workbook.sheets import ACTIVITY_ROWS, FIRST_DATA_ROW, HEADER_ROW, INFO_ROW
from tasks.workbook.template import SHEET_GUIDE, template_units, write_template

Q3_2025 = Period(2025, 3)
Q4_2024 = Period(2024, 4)
WORKING_DAYS = 2  # the configured default (Settings.submission_working_days)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def written(catalog, tmp_path_factory):
    """Templates of one unit of each kind, written once for the module."""
    out = tmp_path_factory.mktemp("templates")
    cases = {
        "P_HAI_CHAU": Q3_2025,  # phường/xã
        "DT_MTTQ": Q3_2025,  # đoàn thể
        "S_KHCN": Q3_2025,  # sở
        "Q_HAI_CHAU": Q4_2024,  # quận/huyện
        "B_BAO_DA_NANG": Q3_2025,  # báo chí
    }
    return {
        code: write_template(catalog, catalog.unit(code), period, out, working_days=WORKING_DAYS)
        for code, period in cases.items()
    }


def _rows(path, sheet):
    return (
        CalamineWorkbook.from_path(path).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    )


def _table(path, sheet):
    """The header row and the rows under it (up to the first empty row) of a table sheet."""
    rows = _rows(path, sheet)[HEADER_ROW - 1 :]
    end = next((i for i, r in enumerate(rows) if not any(v != "" for v in r)), len(rows))
    return rows[:end]


def test_file_name_and_sheets(written):
    path = written["P_HAI_CHAU"]
    assert path.name == "2025Q3_P_HAI_CHAU.xlsx"
    cw = CalamineWorkbook.from_path(path)
    assert cw.sheet_names == [
        SHEET_GUIDE,
        SHEET_INFO,
        SHEET_ELEMENTS,
        SHEET_ACTIVITIES,
        SHEET_NARRATIVE,
        SHEET_LISTS,
    ]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == cw.sheet_names
    assert wb[SHEET_LISTS].sheet_state == "hidden"
    assert all(
        wb[s].sheet_state == "visible"
        for s in (SHEET_GUIDE, SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE)
    )
    assert wb.active.title == SHEET_GUIDE


def test_info_sheet(written):
    path = written["P_HAI_CHAU"]
    rows = _rows(path, SHEET_INFO)
    labels = {row[0]: row[1] for row in rows[HEADER_ROW - 1 :]}
    assert list(labels) == list(INFO_LABELS.values())
    assert all(row[0] not in INFO_LABELS.values() for row in rows[: HEADER_ROW - 1])
    assert labels["Mã đơn vị"] == "P_HAI_CHAU"
    assert labels["Tên đơn vị"] == "UBND phường Hải Châu"
    assert labels["Kỳ báo cáo"] == "2025Q3"
    assert labels["Phiên bản mẫu"] == CURRENT_TEMPLATE_VERSION == 2
    for key in ("preparer", "phone", "email", "prepared_on"):
        assert labels[INFO_LABELS[key]] == ""
    ws = openpyxl.load_workbook(path)[SHEET_INFO]
    cells = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(1, ws.max_row + 1)}
    assert cells["Ngày lập báo cáo"].number_format == "dd/mm/yyyy"
    assert cells["Ngày lập báo cáo"].protection.locked is False
    assert cells["Người lập báo cáo"].protection.locked is False
    assert cells["Mã đơn vị"].protection.locked is True
    assert isinstance(cells["Phiên bản mẫu"].value, int)


@pytest.mark.parametrize("code", ["P_HAI_CHAU", "DT_MTTQ", "S_KHCN", "Q_HAI_CHAU", "B_BAO_DA_NANG"])
def test_element_rows_match_catalogue(catalog, written, code):
    rows = _table(written[code], SHEET_ELEMENTS)
    assert rows[0] == ELEMENT_COLUMNS
    unit = catalog.unit(code)
    expected = [
        [e.code, e.name, e.uom, e.kind_label, "", ""] for e in catalog.elements_for_type(unit.type)
    ]
    assert rows[1:] == expected


@pytest.mark.parametrize(("working_days", "deadline"), [(2, "16/09/2025"), (5, "19/09/2025")])
def test_info_hint_shows_the_configured_deadline(catalog, tmp_path, working_days, deadline):
    """The cut-off 14/09/2025 is a Sunday: N working days later is Tue 16/09 (2) or Fri 19/09 (5)."""
    path = write_template(
        catalog, catalog.unit("P_HAI_CHAU"), Q3_2025, tmp_path, working_days=working_days
    )
    hint = _rows(path, SHEET_INFO)[INFO_ROW["period"] - 1][2]
    assert f"hạn gửi {deadline}" in hint


def test_working_days_has_no_default(catalog, tmp_path):
    """The deadline comes from the settings only: a call that forgets it fails loudly."""
    with pytest.raises(TypeError, match="working_days"):
        write_template(catalog, catalog.unit("P_HAI_CHAU"), Q3_2025, tmp_path)  # type: ignore[call-arg]


def test_elements_by_unit_type(written):
    codes = {
        code: {row[0] for row in _table(path, SHEET_ELEMENTS)[1:]} for code, path in written.items()
    }
    assert {"TO_CNSCD_TONG", "TO_CNSCD_DA_TAP_HUAN", "LUOT_PHAT_TTCS"} <= codes["P_HAI_CHAU"]
    assert "LONG_GHEP_CHUONG_TRINH" in codes["DT_MTTQ"]
    assert "LONG_GHEP_CHUONG_TRINH" not in codes["P_HAI_CHAU"]
    assert "LUOT_PHAT_TTCS" not in codes["S_KHCN"]
    assert "LUOT_PHAT_TTCS" in codes["Q_HAI_CHAU"]
    assert not any(
        c.startswith("TO_CNSCD") for c in codes["S_KHCN"] | codes["DT_MTTQ"] | codes["Q_HAI_CHAU"]
    )


def test_protection_and_unlocked_value_cells(written):
    ws = openpyxl.load_workbook(written["P_HAI_CHAU"])[SHEET_ELEMENTS]
    assert ws.protection.sheet is True
    assert not ws.protection.password
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    assert ws[f"A{HEADER_ROW}"].font.b
    rows = range(
        FIRST_DATA_ROW, FIRST_DATA_ROW + len(_table(written["P_HAI_CHAU"], SHEET_ELEMENTS)) - 1
    )
    for row in range(1, ws.max_row + 1):
        for col in "ABCD":
            assert ws[f"{col}{row}"].protection.locked is True
        for col in "EF":
            assert ws[f"{col}{row}"].protection.locked is (row not in rows)


def _validation_for(ws, coordinate):
    found = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(found) == 1, coordinate
    return found[0]


def test_value_validations_by_kind(catalog, written):
    for code in ("P_HAI_CHAU", "DT_MTTQ"):
        ws = openpyxl.load_workbook(written[code])[SHEET_ELEMENTS]
        for row in range(
            FIRST_DATA_ROW, FIRST_DATA_ROW + len(_table(written[code], SHEET_ELEMENTS)) - 1
        ):
            element = catalog.element_by_code[ws[f"A{row}"].value]
            dv = _validation_for(ws, f"E{row}")
            assert dv.showErrorMessage and dv.allow_blank
            if element.kind in ("flow", "stock"):
                assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
            elif element.kind == "money":
                assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
            else:
                assert dv.type == "list" and dv.formula1 == f"'{SHEET_LISTS}'!$E$2:$E$3"
            assert dv.prompt  # an input message guides the unit


def test_activity_sheet(catalog, written):
    path = written["S_KHCN"]
    rows = _rows(path, SHEET_ACTIVITIES)
    assert rows[HEADER_ROW - 1 :] == [ACTIVITY_COLUMNS]  # empty body
    ws = openpyxl.load_workbook(path)[SHEET_ACTIVITIES]
    assert ws.freeze_panes == f"A{FIRST_DATA_ROW}"
    last = HEADER_ROW + ACTIVITY_ROWS
    assert ACTIVITY_ROWS >= 500
    kind_dv = _validation_for(ws, f"C{last}")
    channel_dv = _validation_for(ws, f"D{FIRST_DATA_ROW}")
    date_dv = _validation_for(ws, f"B{last}")
    # the drop-downs offer the Vietnamese names (column B / D of "Danh mục"), never the codes
    assert (
        kind_dv.type == "list"
        and kind_dv.formula1 == f"'{SHEET_LISTS}'!$B$2:$B${len(catalog.activity_types) + 1}"
    )
    assert (
        channel_dv.type == "list"
        and channel_dv.formula1 == f"'{SHEET_LISTS}'!$D$2:$D${len(catalog.channels) + 1}"
    )
    assert date_dv.type == "date"
    assert _validation_for(ws, f"F{FIRST_DATA_ROW}").type == "whole"
    assert ws.column_dimensions["B"].number_format == "dd/mm/yyyy"


def test_lists_sheet(catalog, written):
    rows = _rows(written["DT_MTTQ"], SHEET_LISTS)
    assert [r[0] for r in rows[1:] if r[0]] == catalog.activity_codes
    assert [r[1] for r in rows[1:] if r[1]] == [a.name for a in catalog.activity_types]
    assert [r[2] for r in rows[1:] if r[2]] == catalog.channel_codes
    assert [r[3] for r in rows[1:] if r[3]] == [c.name for c in catalog.channels]
    assert [r[4] for r in rows[1:] if r[4] != ""] == [0, 1]


def test_narrative_sheet(written):
    path = written["B_BAO_DA_NANG"]
    rows = _rows(path, SHEET_NARRATIVE)
    assert [r[0] for r in rows[HEADER_ROW - 1 :]] == list(NARRATIVE_LABELS.values())
    ws = openpyxl.load_workbook(path)[SHEET_NARRATIVE]
    for r in range(HEADER_ROW, HEADER_ROW + 4):
        assert ws.cell(r, 2).value is None
        assert ws.cell(r, 2).alignment.wrap_text
        assert ws.cell(r, 2).protection.locked is False
    assert ws.protection.sheet and not ws.protection.password


def test_deterministic_bytes(catalog, tmp_path, written):
    again = write_template(
        catalog, catalog.unit("P_HAI_CHAU"), Q3_2025, tmp_path, working_days=WORKING_DAYS
    )
    assert again.read_bytes() == written["P_HAI_CHAU"].read_bytes()
    props = openpyxl.load_workbook(again).properties
    assert props.created == props.modified
    assert props.created.date() == Q3_2025.window_start


def test_template_units_default_is_expected_units(catalog):
    units = template_units(catalog, Q3_2025, None)
    assert units == catalog.expected_units(Q3_2025.window_start, Q3_2025.window_end)
    codes = {u.code for u in units}
    assert "P_HAI_CHAU" in codes and "S_TTTT" not in codes and "Q_HAI_CHAU" not in codes


def test_template_units_by_code(catalog):
    units = template_units(catalog, Q3_2025, ["P_HAI_CHAU", "dt_mttq", "P_HAI_CHAU"])
    assert [u.code for u in units] == ["P_HAI_CHAU", "DT_MTTQ"]
    # S_TTTT ended 28/02/2025, inside the 2025Q1 window: it may still submit for 2025Q1.
    assert [u.code for u in template_units(catalog, Period(2025, 1), ["S_TTTT"])] == ["S_TTTT"]
    # Districts ended 30/06/2025, inside the 2025Q3 window (15/06 - 14/09): still allowed.
    assert [u.code for u in template_units(catalog, Q3_2025, ["Q_HAI_CHAU"])] == ["Q_HAI_CHAU"]


@pytest.mark.parametrize(
    ("codes", "period", "needle"),
    [
        (["P_KHONG_CO"], Q3_2025, "P_KHONG_CO"),  # unknown
        (["S_TTTT"], Q3_2025, "S_TTTT"),  # merged away on 01/03/2025
        (["P_HAI_CHAU"], Q4_2024, "P_HAI_CHAU"),  # exists only from 01/07/2025
        (
            ["DT_MTTQ", "Q_HAI_CHAU"],
            Period(2025, 4),
            "Q_HAI_CHAU",
        ),  # districts abolished 01/07/2025
    ],
)
def test_template_units_rejects(catalog, codes, period, needle):
    with pytest.raises(UsageError) as info:
        template_units(catalog, period, codes)
    err = info.value
    assert needle in err.message_vi and needle in err.message_en
    assert "đơn vị" in err.message_vi.lower()
    assert "[EN]" in err.user_message()


def test_prepared_on_accepts_a_date(catalog, tmp_path):
    """Round trip: a unit types a date in the template; both readers see a date shown dd/mm/yyyy."""
    path = write_template(
        catalog, catalog.unit("DT_MTTQ"), Q3_2025, tmp_path, working_days=WORKING_DAYS
    )
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_INFO]
    row = INFO_ROW["prepared_on"]
    ws.cell(row, 2).value = date(2025, 9, 15)
    wb.save(path)
    rows = _rows(path, SHEET_INFO)
    assert rows[row - 1][1] == date(2025, 9, 15)
