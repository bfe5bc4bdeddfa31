"""Reading workbooks (tasks/intake/parse.py): the contract's fields, its tolerances, structural errors."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from tasks.core.settings import Settings
from tasks.intake.cells import parse_number_text, read_date, read_number
from tasks.intake.parse import read_submission
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    ELEMENT_COLUMNS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_LISTS,
    SHEET_NARRATIVE,
)
from tests import builders as b

SETTINGS = Settings()


def read(path: Path, name: str = "upload.xlsx"):
    return read_submission(path, name, "000001-0123456789abcdef", SETTINGS)


def phuong_xa_codes() -> list[str]:
    return list(b.default_values("P_HAI_CHAU"))


# --- the plain case --------------------------------------------------------------------------------
def test_valid_workbook_is_read_completely(tmp_path):
    sub = read(b.build_workbook(tmp_path / "a.xlsx"))
    assert sub.readable and sub.messages == []
    assert (sub.unit_code, sub.period_id, sub.template_version) == ("P_HAI_CHAU", "2025Q3", 1)
    h = sub.header
    assert h.unit_name == "UBND phường Hải Châu"
    assert (h.preparer, h.email, h.phone) == ("Nguyễn Văn A", "a@danang.gov.vn", "0236 3822 123")
    assert h.prepared_on == date(2025, 9, 15)
    assert h.cells["unit_code"] == "B2" and h.cells["template_version"] == "B9"
    assert h.raw["period"] == "2025Q3"
    assert [v.code for v in sub.values] == phuong_xa_codes()
    first = sub.values[0]
    assert (first.row, first.code, first.value, first.value_was_text) == (2, "TIN_BAI", 3.0, False)
    kinh_phi = next(v for v in sub.values if v.code == "KINH_PHI")
    assert kinh_phi.value == 5.5  # the default log's cost (tests/builders/workbooks.py)
    assert len(sub.activities) == 2
    a = sub.activities[0]
    assert a.row == 2 and a.activity_date == date(2025, 6, 25)
    assert (a.activity_type, a.channel, a.quantity, a.reach, a.cost) == (
        "hoi_nghi_hoi_thao",
        "truc_tiep",
        1.0,
        120.0,
        5.5,
    )
    assert a.evidence_url == "https://danang.gov.vn/tin/1"
    assert set(a.raw) == set(ACTIVITY_COLUMNS)
    assert sub.activities[1].cost is None and sub.activities[1].evidence_url is None
    assert set(sub.narratives) == set(NARRATIVE_LABELS)
    assert sub.narratives["kho_khan"] == "Kinh phí còn hạn chế."


def test_labels_are_found_by_text_not_by_row(tmp_path):
    path = b.build_workbook(tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    ws = wb[SHEET_INFO]
    ws.insert_rows(2, amount=3)
    ws["A3"] = "Ghi chú: điền đầy đủ các ô màu vàng"
    ws.move_range("A5:B5", rows=10)  # "Mã đơn vị" moves far below the others
    wb.save(path)
    sub = read(path)
    assert sub.messages == []
    assert sub.unit_code == "P_HAI_CHAU" and sub.header.cells["unit_code"] == "B15"
    assert sub.header.cells["period"] == "B7"


# --- tolerances: read without complaint ------------------------------------------------------------
def _reordered(p):
    return b.build_workbook(
        p, sheet_order=[SHEET_LISTS, SHEET_NARRATIVE, SHEET_ACTIVITIES, SHEET_ELEMENTS, SHEET_INFO]
    )


def _extra_sheets(p):
    return b.build_workbook(
        p, extra_sheets=["Sheet1", "Ghi chú của đơn vị"], sheet_order=["Sheet1", SHEET_INFO]
    )


def _nfd(p):
    return b.build_workbook(p, nfd=True, period="Quý III/2025")


def _names_case_and_spaces(p):
    return b.build_workbook(
        p,
        sheet_names={
            SHEET_INFO: "THÔNG TIN ",
            SHEET_ELEMENTS: "chỉ  tiêu",
            SHEET_ACTIVITIES: " Hoạt Động",
            SHEET_NARRATIVE: "thuyết minh",
        },
    )


def _no_lists_sheet(p):
    return b.build_workbook(p, drop_sheets=[SHEET_LISTS])


def _formatted_empty(p):
    b.build_workbook(p)
    b.add_formatted_empty_cells(p, SHEET_ELEMENTS, 20, 400, "ABCDEF")
    b.add_formatted_empty_cells(p, SHEET_ACTIVITIES, 4, 500)
    return b.add_formatted_empty_cells(p, SHEET_INFO, 12, 60, "AB")


def _trailing_blank_rows(p):
    path = b.build_workbook(p)
    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    for name in (SHEET_ELEMENTS, SHEET_ACTIVITIES):
        ws = wb[name]
        for r in range(ws.max_row + 1, ws.max_row + 40):
            ws.cell(row=r, column=5, value="   ")  # whitespace only
            ws.cell(row=r, column=1).number_format = "0.00"
    wb[SHEET_ACTIVITIES].cell(row=60, column=1, value=99)  # a pre-numbered STT without data
    wb.save(path)
    return path


def _formulas(p):
    b.build_workbook(p)
    b.set_formula_cell(p, SHEET_ELEMENTS, "E2", "1+2", 3)  # TIN_BAI: the cached value counts
    return b.set_formula_cell(p, SHEET_ACTIVITIES, "F3", "2*2", 4)


def _dates_as_text(p):
    acts = b.default_activities()
    acts[0]["date"] = "25/06/2025"
    return b.build_workbook(p, prepared_on="15/09/2025", activities=acts)


def _epoch_1904(p):
    return b.build_workbook(p, epoch1904=True)


def _datetime_cells(p):
    acts = b.default_activities()
    acts[0]["date"] = datetime(2025, 6, 25, 14, 30)
    return b.build_workbook(p, prepared_on=datetime(2025, 9, 15, 8, 0), activities=acts)


TOLERANCES = [
    ("sheets-in-any-order", _reordered),
    ("extra-sheets", _extra_sheets),
    ("nfd-names-and-labels", _nfd),
    ("sheet-names-case-and-spaces", _names_case_and_spaces),
    ("no-lists-sheet", _no_lists_sheet),
    ("formatted-empty-cells", _formatted_empty),
    ("trailing-blank-rows", _trailing_blank_rows),
    ("formula-cached-values", _formulas),
    ("dates-as-text", _dates_as_text),
    ("date-system-1904", _epoch_1904),
    ("datetime-cells", _datetime_cells),
]


@pytest.mark.parametrize("builder", [t[1] for t in TOLERANCES], ids=[t[0] for t in TOLERANCES])
def test_tolerances(tmp_path, builder):
    sub = read(builder(tmp_path / "a.xlsx"))
    assert sub.readable and sub.messages == []
    assert (sub.unit_code, sub.period_id, sub.template_version) == ("P_HAI_CHAU", "2025Q3", 1)
    assert sub.header.prepared_on == date(2025, 9, 15)
    assert [v.code for v in sub.values] == phuong_xa_codes()
    assert all(v.value is not None and not v.value_was_text for v in sub.values)
    assert [a.row for a in sub.activities] == [2, 3]
    assert sub.activities[0].activity_date == date(2025, 6, 25)
    assert sub.activities[0].quantity == 1 and sub.activities[1].quantity == 4
    assert all(sub.narratives[k] for k in NARRATIVE_LABELS)


def test_formula_cached_value_is_used(tmp_path):
    sub = read(_formulas(tmp_path / "a.xlsx"))
    assert sub.values[0].code == "TIN_BAI" and sub.values[0].value == 3.0
    assert sub.activities[1].quantity == 4.0


# --- header values ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025Q3", "2025Q3"),
        ("Q3/2025", "2025Q3"),
        ("Quý III/2025", "2025Q3"),
        ("III/2025", "2025Q3"),
        ("quý iii/2025", "2025Q3"),
        ("2025-Q3", "2025Q3"),
        ("2022Q4", "2022Q4"),
        ("2025Q5", None),
        ("Quý 3 năm 2025", None),
        ("", None),
        (None, None),
    ],
)
def test_period_variants(tmp_path, text, expected):
    sub = read(b.build_workbook(tmp_path / "a.xlsx", period=text))
    assert sub.period_id == expected
    assert sub.messages == []  # an unreadable period is reported once, by validate (PERIOD_INVALID)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1, 1), (1.0, 1), ("1", 1), (" 1 ", 1), ("v1", None), (1.5, None), (None, None)],
)
def test_template_version(tmp_path, raw, expected):
    sub = read(b.build_workbook(tmp_path / "a.xlsx", template_version=raw))
    assert sub.template_version == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (date(2025, 9, 15), date(2025, 9, 15)),
        ("15/09/2025", date(2025, 9, 15)),
        ("5/9/2025", date(2025, 9, 5)),
        ("2025-09-15", date(2025, 9, 15)),
        ("31/02/2025", None),
        ("hôm nay", None),
        (None, None),
        (45915, None),
    ],
)
def test_prepared_on(tmp_path, raw, expected):
    sub = read(b.build_workbook(tmp_path / "a.xlsx", prepared_on=raw))
    assert sub.header.prepared_on == expected


def test_unit_code_is_trimmed_and_upper_cased(tmp_path):
    sub = read(b.build_workbook(tmp_path / "a.xlsx", unit_code="  p_hai_chau "))
    assert sub.unit_code == "P_HAI_CHAU"


# --- numbers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "value", "was_text"),
    [
        (2, 2.0, False),
        (2.5, 2.5, False),
        ("2", 2.0, True),
        ("1.234", 1234.0, True),
        ("1.234,5", 1234.5, True),
        ("12,5", 12.5, True),
        ("1.234.567", 1234567.0, True),
        ("1 234", 1234.0, True),
        ("-3", -3.0, True),
        ("abc", None, False),
        ("1.2.3", None, False),
        ("12%", None, False),
        (None, None, False),
        ("  ", None, False),
    ],
)
def test_numbers_typed_as_text(tmp_path, raw, value, was_text):
    values = b.default_values()
    values["TIN_BAI"] = raw
    sub = read(b.build_workbook(tmp_path / "a.xlsx", values=values))
    ev = sub.values[0]
    assert ev.code == "TIN_BAI" and ev.value == value and ev.value_was_text is was_text
    if isinstance(raw, str) and raw.strip():
        assert ev.raw == raw  # the cell as read is kept


def test_number_helpers():
    assert parse_number_text("1,234,567") == 1234567.0
    assert parse_number_text("1,234.5") == 1234.5
    assert read_number(True) == (1.0, False)
    assert read_date("15.09.2025") == date(2025, 9, 15)


def test_rows_without_code_and_value_are_skipped(tmp_path):
    rows = [["", "I. Chỉ tiêu số lượng", "", "", None, None]]
    rows += [[code, "", "", "", value, None] for code, value in b.default_values().items()]
    rows += [["", "", "", "", 5, "giá trị không có mã"]]
    sub = read(b.build_workbook(tmp_path / "a.xlsx", element_rows=rows))
    assert sub.messages == []
    assert sub.values[0].row == 3
    assert sub.values[-1].code == "" and sub.values[-1].value == 5.0


# --- structure errors ------------------------------------------------------------------------------
@pytest.mark.parametrize("sheet", [SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE])
def test_missing_sheet(tmp_path, sheet):
    sub = read(b.build_workbook(tmp_path / "a.xlsx", drop_sheets=[sheet]))
    assert sub.readable
    errors = [m for m in sub.messages if m.severity == "error"]
    assert [(m.rule, m.sheet, m.cell) for m in errors] == [("SHEET_MISSING", sheet, None)]
    assert sheet in errors[0].message_vi and sheet in errors[0].message_en
    if sheet != SHEET_INFO:
        assert sub.unit_code == "P_HAI_CHAU"  # the other sheets are still read


def test_missing_element_column(tmp_path):
    header = [c if c != "Giá trị kỳ này" else "Giá trị" for c in ELEMENT_COLUMNS]
    sub = read(b.build_workbook(tmp_path / "a.xlsx", element_header=header))
    assert [(m.rule, m.sheet, m.cell, m.severity) for m in sub.messages] == [
        ("COLUMN_MISSING", SHEET_ELEMENTS, "E1", "error")
    ]
    assert "Giá trị kỳ này" in sub.messages[0].message_vi
    assert sub.values == []


def test_missing_activity_column(tmp_path):
    header = [c for c in ACTIVITY_COLUMNS if c != "Đường dẫn minh chứng"]
    sub = read(b.build_workbook(tmp_path / "a.xlsx", activity_header=header))
    assert [(m.rule, m.sheet, m.cell) for m in sub.messages] == [
        ("COLUMN_MISSING", SHEET_ACTIVITIES, "I1")
    ]
    assert sub.activities == []


def test_header_compare_is_normalised(tmp_path):
    header = [f"  {c.upper()} " for c in ELEMENT_COLUMNS]
    sub = read(b.build_workbook(tmp_path / "a.xlsx", element_header=header, nfd=True))
    assert sub.messages == [] and len(sub.values) == len(phuong_xa_codes())


def test_activity_sheet_without_rows(tmp_path):
    sub = read(b.build_workbook(tmp_path / "a.xlsx", activities=[]))
    assert sub.messages == [] and sub.activities == []


def test_activity_sheet_entirely_empty(tmp_path):
    sub = read(b.build_workbook(tmp_path / "a.xlsx", activities=[], activity_header=[]))
    assert sub.messages == [] and sub.activities == []


def test_unreadable_workbook_becomes_a_message(tmp_path):
    path = b.build_workbook(tmp_path / "a.xlsx")
    parts = b.read_parts(path)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"][
        :150
    ]  # broken XML that passes the file checks
    b.write_parts(path, parts)
    sub = read(path)
    assert not sub.readable
    assert [(m.rule, m.severity, m.sheet) for m in sub.messages] == [
        ("FILE_UNREADABLE", "error", None)
    ]


def test_unexpected_reader_failure_becomes_a_message(tmp_path, monkeypatch):
    import python_calamine

    def boom(*args, **kwargs):
        raise MemoryError("simulated")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", boom)
    sub = read(b.build_workbook(tmp_path / "a.xlsx"))
    assert [m.rule for m in sub.messages] == ["FILE_UNREADABLE"] and not sub.readable


# rules checked while reading (the coverage test in test_validate.py collects these)
PARSE_RULES = {"SHEET_MISSING", "COLUMN_MISSING", "FILE_UNREADABLE"}
