"""The intake reads template version 2 (a title block above the tables) and version 1 (headers in
row 1) alike: header rows are found by their text, and messages name the sheet's real cells."""

from __future__ import annotations

import json
import shutil
from datetime import date

import duckdb
import openpyxl
import pytest

from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.intake import steps
from tasks.intake.parse import HEADER_SEARCH_ROWS, read_submission
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    ELEMENT_COLUMNS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
)
from tasks.workbook.cell_text import put_text
from tasks.workbook.sheets import FIRST_DATA_ROW, HEADER_ROW
from tasks.workbook.template import write_template
from tests import builders as b

Q3_2025 = Period(2025, 3)


def read(path):
    return read_submission(path, path.name, "000001-0123456789abcdef", Settings())


def filled_template(catalog, tmp_path, *, blank: str | None = None):
    """The real version 2 template of P_HAI_CHAU, filled as a clerk does (names in the lists)."""
    unit = catalog.unit("P_HAI_CHAU")
    path = write_template(catalog, unit, Q3_2025, tmp_path / "t", working_days=2)
    wb = openpyxl.load_workbook(path)
    info = wb[SHEET_INFO]
    labels = {info.cell(r, 1).value: r for r in range(1, info.max_row + 1)}
    put_text(info.cell(labels["Người lập báo cáo"], 2), "Trần Thị B")
    info.cell(labels["Ngày lập báo cáo"], 2).value = date(2025, 9, 15)
    ws = wb[SHEET_ELEMENTS]
    for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(catalog.elements_for_type(unit.type))):
        if ws.cell(r, 1).value != blank:
            ws.cell(r, 5).value = 0
    acts = wb[SHEET_ACTIVITIES]
    rows = [
        (date(2025, 7, 2), "Hội nghị, hội thảo", "Trực tiếp", "Hội nghị mang_xa_hoi", 1),
        (date(2025, 8, 20), "Tin, bài, phóng sự", "Mạng xã hội", "Bài về _x0041_ số", 2),
    ]
    for i, (day, kind, channel, title, quantity) in enumerate(rows, start=1):
        acts.cell(HEADER_ROW + i, 1, i)
        acts.cell(HEADER_ROW + i, 2, day).number_format = "dd/mm/yyyy"
        put_text(acts.cell(HEADER_ROW + i, 3), kind)
        put_text(acts.cell(HEADER_ROW + i, 4), channel)
        put_text(acts.cell(HEADER_ROW + i, 5), title)
        acts.cell(HEADER_ROW + i, 6, quantity)
    out = tmp_path / "filled.xlsx"
    wb.save(out)
    return out


def test_version_2_template_is_read_from_its_real_rows(catalog, tmp_path):
    sub = read(filled_template(catalog, tmp_path))
    assert sub.messages == []
    assert (sub.unit_code, sub.period_id, sub.template_version) == ("P_HAI_CHAU", "2025Q3", 2)
    assert sub.header.cells["unit_code"] == f"B{HEADER_ROW}"  # the title above does no harm
    assert sub.header.preparer == "Trần Thị B"
    codes = [e.code for e in catalog.elements_for_type("phuong_xa")]
    assert [v.code for v in sub.values] == codes  # the signature block is not read as values
    assert [v.row for v in sub.values] == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(codes)))
    assert [a.row for a in sub.activities] == [FIRST_DATA_ROW, FIRST_DATA_ROW + 1]
    assert [(a.activity_type, a.channel) for a in sub.activities] == [
        ("Hội nghị, hội thảo", "Trực tiếp"),
        ("Tin, bài, phóng sự", "Mạng xã hội"),
    ]
    assert [a.title for a in sub.activities] == ["Hội nghị mang_xa_hoi", "Bài về _x0041_ số"]


def test_a_renamed_column_is_reported_at_its_real_cell(catalog, tmp_path):
    path = filled_template(catalog, tmp_path)
    wb = openpyxl.load_workbook(path)
    wb[SHEET_ELEMENTS].cell(HEADER_ROW, 5).value = "Giá trị"
    wb[SHEET_ACTIVITIES].cell(HEADER_ROW, 9).value = None
    wb.save(path)
    sub = read(path)
    assert sorted((m.rule, m.sheet, m.cell) for m in sub.messages) == [
        ("COLUMN_MISSING", SHEET_ELEMENTS, f"E{HEADER_ROW}"),
        ("COLUMN_MISSING", SHEET_ACTIVITIES, f"I{HEADER_ROW}"),
    ]
    assert sub.values == [] and sub.activities == []


@pytest.mark.parametrize("above", [1, 3, HEADER_SEARCH_ROWS - 1])
def test_header_found_below_any_title_lines(tmp_path, above):
    """A version 1 workbook whose unit typed a few title lines above the tables."""
    path = b.build_workbook(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    for name in (SHEET_ELEMENTS, SHEET_ACTIVITIES):
        wb[name].insert_rows(1, above)
        wb[name]["A1"] = "BÁO CÁO QUÝ III/2025"
        wb[name]["E1"] = "Đơn vị: UBND phường Hải Châu"
    wb.save(path)
    sub = read(path)
    assert sub.messages == []
    assert len(sub.values) == len(b.default_values()) and sub.values[0].row == above + 2
    assert [a.row for a in sub.activities] == [above + 2, above + 3]


def test_header_too_far_down_is_reported_in_row_1(tmp_path):
    path = b.build_workbook(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    wb[SHEET_ELEMENTS].insert_rows(1, HEADER_SEARCH_ROWS)
    wb.save(path)
    sub = read(path)
    assert [(m.rule, m.cell) for m in sub.messages] == [
        ("COLUMN_MISSING", f"{col}1") for col in "ABCDEF"
    ]
    assert {m.sheet for m in sub.messages} == {SHEET_ELEMENTS}


def test_most_matching_row_wins(tmp_path):
    """A title line holding one header word does not hide the header row below it."""
    path = b.build_workbook(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_ELEMENTS]
    ws.insert_rows(1, 2)
    ws["A1"] = ELEMENT_COLUMNS[0]
    wb[SHEET_ACTIVITIES].insert_rows(1, 1)
    wb[SHEET_ACTIVITIES]["A1"] = ACTIVITY_COLUMNS[0]
    wb.save(path)
    sub = read(path)
    assert sub.messages == []
    assert sub.values[0].row == 4 and sub.activities[0].row == 3


def test_intake_accepts_a_filled_template_and_names_real_cells(make_settings, catalog, tmp_path):
    """Through the intake steps: names become codes in the warehouse; a blank value's warning
    points at its real cell below the title block."""
    settings = make_settings()
    path = filled_template(catalog, tmp_path, blank="TIN_BAI")
    shutil.copyfile(path, settings.paths.inbox / "2025Q3_P_HAI_CHAU.xlsx")
    batch = steps.collect(settings, catalog)
    subs = steps.validate_submissions(settings, catalog, batch, steps.parse_batch(settings, batch))
    result = steps.summarize(steps.record_batch(settings, batch, subs))
    (receipt,) = result["receipts"]
    assert receipt["status"] == "accepted_with_warnings", json.dumps(receipt, ensure_ascii=False)
    blank = [m for m in receipt["messages"] if m["rule"] == "VALUE_BLANK"]
    assert [(m["sheet"], m["cell"]) for m in blank] == [(SHEET_ELEMENTS, f"E{FIRST_DATA_ROW}")]
    con = duckdb.connect(str(settings.paths.warehouse), read_only=True)
    try:
        rows = con.execute(
            "SELECT activity_type, channel, title FROM activities ORDER BY line_no"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("hoi_nghi_hoi_thao", "truc_tiep", "Hội nghị mang_xa_hoi"),
        ("tin_bai", "mang_xa_hoi", "Bài về _x0041_ số"),
    ]
