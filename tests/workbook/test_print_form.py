"""The template as a printed form: "Hướng dẫn", title and signature blocks, A4 page setup,
protection, drop-downs of names, and the starting values drawn in "Chỉ tiêu"."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from schemas.catalog_model import load_catalog
from tasks.core.periods import Period
from tasks.intake.submission import (
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_LISTS,
    SHEET_NARRATIVE,
)
from tasks.workbook.prefill import StartingValue
from tasks.workbook.print_layout import HEAD_VI, PLACE_DATE_VI, PREPARER_VI, TITLE_VI
from tasks.workbook.sheets import FIRST_DATA_ROW, HEADER_ROW
from tasks.workbook.styles import STARTING_FILL
from tasks.workbook.template import SHEET_GUIDE, write_template

Q3_2025 = Period(2025, 3)
PRINTED = (SHEET_GUIDE, SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE)
SOURCE_VI = (
    "Số liệu Quý II/2025 của đơn vị (phiên bản 2, nhận ngày 10/07/2025). "
    "Hãy kiểm tra, sửa nếu đã thay đổi."
)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def template(catalog, tmp_path_factory):
    out = tmp_path_factory.mktemp("form")
    return write_template(catalog, catalog.unit("P_HAI_CHAU"), Q3_2025, out, working_days=2)


def _texts(ws) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def test_every_printed_sheet_is_a4_one_page_wide_under_a_title(template):
    wb = openpyxl.load_workbook(template)
    for name in PRINTED:
        ws = wb[name]
        setup = ws.page_setup
        assert setup.paperSize == 9, name  # A4
        assert setup.orientation == ("landscape" if name == SHEET_ACTIVITIES else "portrait")
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), name
        assert ws["A1"].value == "UBND PHƯỜNG HẢI CHÂU", name
        assert ws.protection.sheet and not ws.protection.password, name
    for name in (SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE):
        assert wb[name]["A4"].value == TITLE_VI
        assert wb[name]["A5"].value == "QUÝ III/2025"
    for name in (SHEET_ELEMENTS, SHEET_ACTIVITIES):
        assert wb[name].print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"


def test_empty_activity_rows_never_print(template):
    """No cell is written below the header of "Hoạt động" (column styles unlock them), and no
    print area covers the 500 rows the drop-downs reach: an empty log prints its header only."""
    ws = openpyxl.load_workbook(template)[SHEET_ACTIVITIES]
    assert ws.max_row == HEADER_ROW
    assert not ws.print_area
    assert ws.column_dimensions["C"].protection.locked is False
    assert ws.column_dimensions["B"].number_format == "dd/mm/yyyy"


def test_signature_block_under_the_elements(template, catalog):
    ws = openpyxl.load_workbook(template)[SHEET_ELEMENTS]
    n = len(catalog.elements_for_type("phuong_xa"))
    last_element = FIRST_DATA_ROW + n - 1
    below = {
        (c.column_letter, c.row): c.value
        for row in ws.iter_rows(min_row=last_element + 1)
        for c in row
        if c.value is not None
    }
    assert set(below.values()) == {PLACE_DATE_VI, *PREPARER_VI, *HEAD_VI}
    assert not any(col in "AE" for col, _ in below)  # nothing the intake would read as a value
    assert below[("D", last_element + 3)] == "Thủ trưởng đơn vị"
    assert below[("D", last_element + 4)] == "(ký, ghi rõ họ tên, đóng dấu)"
    assert below[("B", last_element + 3)] == "Người lập biểu"
    end = int(ws.print_area.split("$")[-1])
    assert ws.print_area.startswith(f"'{SHEET_ELEMENTS}'!$A$1:$F$") and end > last_element + 6


def test_instructions_say_window_deadline_how_to_send_and_whom_to_call(catalog, tmp_path):
    for working_days, deadline in ((2, "16/09/2025"), (5, "19/09/2025")):
        path = write_template(
            catalog, catalog.unit("P_HAI_CHAU"), Q3_2025, tmp_path, working_days=working_days
        )
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[0] == SHEET_GUIDE and wb.active.title == SHEET_GUIDE
        rows = {
            r[0].value: r[1].value
            for r in wb[SHEET_GUIDE].iter_rows(min_row=HEADER_ROW)
            if r[0].value
        }
        assert rows["Hạn gửi"] == deadline == Q3_2025.deadline(working_days).strftime("%d/%m/%Y")
        assert rows["Số liệu tính"].startswith("Từ 15/06/2025 đến 14/09/2025")
        contact = catalog.issuer_on(Q3_2025.deadline(working_days)).contact
        assert contact is not None
        assert rows["Cách gửi"] == contact.send_vi and contact.email in rows["Cách gửi"]
        assert rows["Đơn vị tổng hợp"] == contact.department
        assert (rows["Điện thoại"], rows["Thư điện tử"]) == (contact.phone, contact.email)
        for sheet in (SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE):
            assert f'Trang "{sheet}"' in rows
        assert not any("xanh lá" in str(k) for k in rows)  # no starting values, no colour line


def test_the_guide_names_the_department_of_the_period(catalog, tmp_path):
    """2024Q4 was consolidated by the Sở Thông tin và Truyền thông (until 28/02/2025)."""
    path = write_template(
        catalog, catalog.unit("Q_HAI_CHAU"), Period(2024, 4), tmp_path, working_days=2
    )
    texts = _texts(openpyxl.load_workbook(path)[SHEET_GUIDE])
    assert any("Sở Thông tin và Truyền thông" in t for t in texts)
    assert not any("Khoa học và Công nghệ" in t for t in texts)


def test_drop_downs_and_comments_show_names_never_codes(template, catalog):
    wb = openpyxl.load_workbook(template)
    ws = wb[SHEET_ACTIVITIES]
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists == {
        f"'{SHEET_LISTS}'!$B$2:$B${len(catalog.activity_types) + 1}",
        f"'{SHEET_LISTS}'!$D$2:$D${len(catalog.channels) + 1}",
    }
    names = CalamineWorkbook.from_path(template).get_sheet_by_name(SHEET_LISTS).to_python()
    assert [r[1] for r in names[1:] if r[1]] == [a.name for a in catalog.activity_types]
    assert "Mạng xã hội" in [r[3] for r in names[1:]]
    comments = [c.comment.text for c in ws[HEADER_ROW] if c.comment is not None]
    assert len(comments) == 3
    text = "\n".join(comments)
    for item in (*catalog.activity_types, *catalog.channels):
        assert item.name in text
    for code in ("mang_xa_hoi", "tin_bai", "hoi_nghi_hoi_thao", "truc_tiep"):
        assert code not in text


def test_escape_look_alikes_are_stored_escaped(catalog, tmp_path):
    """Every text goes through put_text: the code `mang_xa_hoi` in "Danh mục" and a unit name
    with `_x0041_` in it are stored with the underscore escaped, and read back unchanged."""
    unit = catalog.unit("P_HAI_CHAU").model_copy(update={"name": "UBND phường Hải_x0041_Châu"})
    path = write_template(catalog, unit, Q3_2025, tmp_path, working_days=2)
    with zipfile.ZipFile(path) as z:
        shared = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "mang_x005F_xa_hoi" in shared and "mang_xa_hoi<" not in shared
    assert "Hải_x005F_x0041_Châu" in shared
    cw = CalamineWorkbook.from_path(path)
    info = cw.get_sheet_by_name(SHEET_INFO).to_python()
    assert ["Tên đơn vị", "UBND phường Hải_x0041_Châu"] == info[HEADER_ROW][:2]
    assert info[0][0] == "UBND PHƯỜNG HẢI_X0041_CHÂU"
    codes = [r[2] for r in cw.get_sheet_by_name(SHEET_LISTS).to_python()[1:]]
    assert "mang_xa_hoi" in codes


def test_starting_values_are_drawn_for_stocks_only(catalog, tmp_path):
    starting = {
        code: StartingValue(code, value, SOURCE_VI, "Quarter II/2025 figure of the unit.")
        for code, value in (
            ("TO_CNSCD_TONG", 42.0),  # stock
            ("LANH_DAO_TONG", 17.0),  # stock
            ("TIN_BAI", 9.0),  # flow: stays blank
            ("CO_KE_HOACH", 1.0),  # yes/no: stays blank
            ("LONG_GHEP_CHUONG_TRINH", 3.0),  # not an element of a phường
        )
    }
    unit = catalog.unit("P_HAI_CHAU")
    path = write_template(catalog, unit, Q3_2025, tmp_path, working_days=2, starting=starting)
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_ELEMENTS]
    rows = {
        ws.cell(r, 1).value: r
        for r in range(FIRST_DATA_ROW, ws.max_row + 1)
        if ws.cell(r, 1).value in catalog.element_by_code
    }
    drawn = {}
    for code, r in rows.items():
        cell = ws[f"E{r}"]
        if cell.value is not None:
            drawn[code] = cell.value
            assert cell.fill.fgColor.rgb.endswith(STARTING_FILL.fgColor.rgb[-6:])
            assert cell.comment is not None and cell.comment.text == SOURCE_VI
            assert cell.protection.locked is False  # the unit confirms or corrects it
        else:
            assert cell.comment is None
            assert not cell.fill.fgColor.rgb.endswith(STARTING_FILL.fgColor.rgb[-6:])
    assert drawn == {"TO_CNSCD_TONG": 42, "LANH_DAO_TONG": 17}
    assert isinstance(drawn["TO_CNSCD_TONG"], int)  # shown as 42, not 42.0
    guide = wb[SHEET_GUIDE]
    (line,) = [r for r in guide.iter_rows() if r[0].value == "Ô nền xanh lá nhạt"]
    assert "quý trước" in line[1].value and "14/09/2025" in line[1].value
    assert line[0].fill.fgColor.rgb.endswith(STARTING_FILL.fgColor.rgb[-6:])
    again = write_template(
        catalog, unit, Q3_2025, tmp_path / "again", working_days=2, starting=starting
    )
    assert again.read_bytes() == path.read_bytes()
