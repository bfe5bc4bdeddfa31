"""The workbook contract (SUBMISSION_FORMAT.md) and the receipts (INTERFACE.md), end to end.

Every case is one file dropped in the inbox of a temporary workspace; the intake steps of
tasks/intake/steps.py run once per workspace (one Great Expectations run for the whole batch), and each
test asserts on the receipt JSON of its file, on the archive, and on the warehouse where the data
matters. Three workspaces: readable workbooks (tolerances, value rules, readable rejections), files
rejected before any sheet is read, and a workspace with a tiny size limit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest

from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace
from tasks.intake import steps
from tasks.intake.submission import (
    ELEMENT_COLUMNS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_LISTS,
    SHEET_NARRATIVE,
)
from tests import builders as b
from tests.intake.test_intake import MESSAGE_KEYS, RECEIPT_KEYS

NOW = "2025-09-16T08:00:00+07:00"
INFO, EL, ACT, NAR = SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE
CONTRACT_SHEETS = {INFO, EL, ACT, NAR}
E, W = "error", "warning"
A1 = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*$")
WINDOW_START = date(2025, 6, 15)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def row_of(code: str) -> int:
    """The "Chỉ tiêu" row of a data element in a default workbook (header in row 1)."""
    return list(b.default_values()).index(code) + 2


def act(**changes) -> dict:
    row = {
        "date": WINDOW_START + timedelta(days=20),
        "type": "tap_huan",
        "channel": "truc_tiep",
        "title": "Lớp tập huấn kỹ năng số",
        "quantity": 1,
        "reach": 40,
        "cost": 2.5,
        "url": None,
    }
    row.update(changes)
    return row


# --- cases ---------------------------------------------------------------------------------------
@dataclass
class Case:
    id: str
    build: Callable[[Path, str], Path]  # (path, tag) -> path; tag makes the bytes unique
    status: str = "accepted"
    expected: list[tuple] = field(default_factory=list)  # (rule, severity, sheet, cell)
    exact: bool = True
    name: str | None = None  # file name in the inbox (default: "<id>.xlsx")

    @property
    def file_name(self) -> str:
        return self.name or f"{self.id}.xlsx"


def wb(**kw) -> Callable[[Path, str], Path]:
    def build(path: Path, tag: str) -> Path:
        return b.build_workbook(path, **{"phone": tag, **kw})

    return build


def then(build: Callable[[Path, str], Path], *edits: Callable[[Path], object]):
    def run(path: Path, tag: str) -> Path:
        build(path, tag)
        for edit in edits:
            edit(path)
        return path

    return run


def with_openpyxl(edit: Callable[[openpyxl.Workbook], None]) -> Callable[[Path], None]:
    def run(path: Path) -> None:
        book = openpyxl.load_workbook(path)
        edit(book)
        book.save(path)

    return run


def _merge(book: openpyxl.Workbook) -> None:
    book[NAR].merge_cells("B1:D1")
    book[INFO].merge_cells("B3:D3")
    book[EL].merge_cells("F2:G2")
    book[ACT].merge_cells("E2:E2")


def _hyperlinks(book: openpyxl.Workbook) -> None:
    ws = book[ACT]
    ws["I2"].value = "Xem bài"  # a caption over a link (Insert > Link)
    ws["I2"].hyperlink = "https://danang.gov.vn/tin/hoi-nghi"
    ws["I3"].value = "https://danang.gov.vn/tin/zalo"
    ws["I3"].hyperlink = "https://danang.gov.vn/tin/zalo"


INFO_ROWS = [
    ["THÔNG TIN BÁO CÁO"],
    [],
    ["Phiên bản mẫu", 1],
    [None, None],
    ["  ngày LẬP  báo cáo ", date(2025, 9, 15)],
    ["KỲ BÁO CÁO:", "2025Q3"],
    [],
    [nfd("Mã đơn vị"), " P_HAI_CHAU "],
    ["người lập báo cáo", "Lê Văn C"],
    [nfd("TÊN ĐƠN VỊ"), "UBND phường Hải Châu"],
    ["email", "c@danang.gov.vn"],
    ["Điện  thoại", "0236"],
]
NARRATIVE_ROWS = [
    [nfd("nhiệm vụ quý tới"), "Tiếp tục truyền thông."],
    [],
    ["  Đề xuất,  kiến nghị ", "Không."],
    [None, None],
    ["KẾT QUẢ NỔI BẬT", "Tổ chức 2 hội nghị."],
    ["khó khăn, vướng mắc", "Kinh phí hạn chế."],
]
TEXT_NUMBERS = {"TIN_BAI": "2", "LUOT_TIEP_CAN": "1.234", "KINH_PHI": "1.234,5", "BAI_MXH": " 7 "}
LONG_TEXT = "<script>alert('x')</script>" + "Đà Nẵng " * 600  # 4,827 characters
HTML_TEXT = '<b>Đậm</b> & <a href="javascript:alert(1)">bấm</a> <img src=x onerror=alert(1)>'
BIG = 10_000


def _big_activities() -> list[dict]:
    return [
        act(
            date=WINDOW_START + timedelta(days=i % 80),
            type="bai_mxh",
            channel="zalo",
            title=f"Bài đăng số {i}",
            quantity=1 + i % 5,
            reach=i,
            cost=None,
            url=f"https://danang.gov.vn/bai/{i}",
        )
        for i in range(BIG)
    ]


def _default_rows(extra: list[list]) -> list[list]:
    rows = [[code, "", "", "", value, None] for code, value in b.default_values().items()]
    return rows + extra


# readable workbooks: one workspace, one intake run (one Great Expectations run)
TOLERATED = [
    Case(
        "sheets-any-order-extra-sheets",
        wb(sheet_order=[NAR, SHEET_LISTS, ACT, EL, INFO], extra_sheets=["Sheet1", "Ghi chú"]),
    ),
    Case("names-labels-headers-nfd", wb(nfd=True)),
    Case(
        "sheet-names-case-and-spaces",
        wb(
            sheet_names={
                INFO: "  THÔNG  tin ",
                EL: "chỉ TIÊU",
                ACT: " Hoạt  Động",
                NAR: "THUYẾT MINH ",
            }
        ),
    ),
    Case(
        "sheet-names-nfd-upper-case",
        wb(nfd=True, sheet_names={INFO: "THÔNG TIN", EL: "CHỈ TIÊU", ACT: "HOẠT ĐỘNG"}),
    ),
    Case(
        "headers-case-spaces-nfd",
        wb(
            element_header=[
                "  MÃ chỉ  tiêu ",
                nfd("tên chỉ tiêu"),
                "ĐƠN VỊ TÍNH",
                "loại",
                "Giá trị  kỳ này",
                " ghi chú",
            ],
            activity_header=[
                " stt",
                "NGÀY",
                nfd("loại hoạt động"),
                "KÊNH",
                "tên,  nội dung",
                "số lượng",
                "lượt tiếp cận ",
                "kinh phí (TRIỆU ĐỒNG)",
                nfd("ĐƯỜNG DẪN MINH CHỨNG"),
            ],
        ),
    ),
    Case("labels-any-order-blank-rows", wb(info_rows=INFO_ROWS, narrative_rows=NARRATIVE_ROWS)),
    Case(
        "trailing-empty-rows-formatted-cells",
        then(
            wb(),
            lambda p: b.add_formatted_empty_cells(p, INFO, 20, 200, "AB"),
            lambda p: b.add_formatted_empty_cells(p, EL, 30, 400, "ABCDEF", open_close=True),
            lambda p: b.add_formatted_empty_cells(p, ACT, 10, 1000),
            lambda p: b.add_formatted_empty_cells(p, NAR, 10, 200, "AB"),
            # a formatted-but-empty cell far away is no used area (Ctrl+End after clearing)
            lambda p: b.add_formatted_empty_cells(
                p, ACT, 1048576, 1048576, ["XFD"], open_close=True
            ),
        ),
    ),
    Case(
        "formula-cells-cached-values",
        then(
            wb(values={"TIN_BAI": None}),
            lambda p: b.set_formula_cell(p, EL, "E2", "1+1", 2),
            lambda p: b.set_formula_cell(p, INFO, "B2", 'UPPER("p_hai_chau")', "P_HAI_CHAU"),
            lambda p: b.set_formula_cell(p, ACT, "F2", "3-2", 1),
        ),
    ),
    Case("activities-zero-rows", wb(activities=[])),
    Case("prepared-on-excel-date", wb(prepared_on=date(2025, 9, 15))),
    Case("prepared-on-datetime", wb(prepared_on=datetime(2025, 9, 15, 10, 30))),
    Case("prepared-on-text", wb(prepared_on="15/09/2025")),
    Case("template-version-int", wb(template_version=1)),
    Case(
        "template-version-float",
        then(wb(), lambda p: b.set_cell_xml(p, INFO, "B9", '<c r="B9"><v>1.0</v></c>')),
    ),
    Case("template-version-text", wb(template_version="1")),
    Case("period-q-slash", wb(period="Q3/2025")),
    Case("period-quy-roman", wb(period="Quý III/2025")),
    Case("period-roman", wb(period="III/2025")),
    Case("period-nfd-lower-spaces", wb(period=nfd(" quý iii / 2025 "))),
    Case("date-system-1904", wb(epoch1904=True)),
    Case(
        "activity-dates-as-text",
        wb(
            activities=[act(date="15/08/2025"), act(date="1/7/2025")],
            values={"LUOT_TIEP_CAN": 80},  # the log's reach (plausible: no LOG_REACH_MISMATCH)
        ),
    ),
    Case("pandas-to-excel", lambda p, _t: b.write_pandas_workbook(p)),
    Case("shared-strings", then(wb(nfd=True), b.to_shared_strings)),
    Case(
        "values-as-whole-floats",
        then(
            wb(),
            lambda p: b.set_cell_xml(p, EL, "E2", '<c r="E2"><v>2.0</v></c>'),
            lambda p: b.set_cell_xml(p, EL, "E11", '<c r="E11"><v>10.0</v></c>'),
            lambda p: b.set_cell_xml(p, EL, "E15", '<c r="E15"><v>1.0</v></c>'),
        ),
    ),
    Case("merged-cells", then(wb(), with_openpyxl(_merge))),
    Case("hyperlink-evidence", then(wb(), with_openpyxl(_hyperlinks))),
    Case(
        "extra-sheets-with-far-cells",
        then(
            wb(extra_sheets=["Ghi chú"]),
            lambda p: b.set_cell_xml(p, "Ghi chú", "XFD1048576", '<c r="XFD1048576"><v>1</v></c>'),
            lambda p: b.set_cell_xml(
                p, SHEET_LISTS, "XFD1048576", '<c r="XFD1048576"><v>1</v></c>'
            ),
        ),
    ),
    Case(
        "stock-equal-to-total", wb(values={"LANH_DAO_DA_PHO_BIEN": 10, "TO_CNSCD_DA_TAP_HUAN": 10})
    ),
    Case(
        "ten-thousand-activities",
        wb(
            activities=_big_activities(),
            values={  # what the log sums to (plausible: no LOG_* warning)
                "BAI_MXH": sum(1 + i % 5 for i in range(BIG)),
                "LUOT_TIEP_CAN": sum(range(BIG)),
                "KINH_PHI": 0,
            },
        ),
    ),
]

VALUE_CASES = [
    Case(
        "numbers-typed-as-text",
        wb(values=TEXT_NUMBERS),
        "accepted_with_warnings",
        [
            ("VALUE_AS_TEXT", W, EL, f"E{row_of(code)}")
            for code in ("TIN_BAI", "LUOT_TIEP_CAN", "KINH_PHI", "BAI_MXH")
        ]
        # the numbers read from text take part in the plausibility checks (the log sums 2.620 and 5,5)
        + [
            ("LOG_REACH_MISMATCH", W, EL, f"E{row_of('LUOT_TIEP_CAN')}"),
            ("LOG_COST_MISMATCH", W, EL, f"E{row_of('KINH_PHI')}"),
        ],
    ),
    Case(
        "money-decimal-comma",
        wb(values={"KINH_PHI": "12,5"}),
        "accepted_with_warnings",
        [("VALUE_AS_TEXT", W, EL, "E10"), ("LOG_COST_MISMATCH", W, EL, "E10")],  # the log: 5,5
    ),
    Case(
        "count-with-decimals-as-text",
        wb(values={"TIN_BAI": "1.234,5"}),
        "rejected",
        [("VALUE_AS_TEXT", W, EL, "E2"), ("VALUE_NOT_WHOLE", E, EL, "E2")],
    ),
    Case(
        "count-decimal-comma",
        wb(values={"SU_KIEN": "12,5"}),
        "rejected",
        [("VALUE_AS_TEXT", W, EL, "E6"), ("VALUE_NOT_WHOLE", E, EL, "E6")],
    ),
    Case(
        "text-that-is-no-number",
        wb(values={"TIN_BAI": "nhiều", "BAI_MXH": "5 bài"}),
        "rejected",
        [("VALUE_NOT_NUMBER", E, EL, "E2"), ("VALUE_NOT_NUMBER", E, EL, "E4")],
    ),
    Case(
        "blank-values",
        wb(values={"TIN_BAI": None, "KINH_PHI": "   "}),
        "accepted_with_warnings",
        [("VALUE_BLANK", W, EL, "E2"), ("VALUE_BLANK", W, EL, "E10")],
    ),
    Case(
        "error-values-in-value-cells",
        then(
            wb(activities=[act(), act()]),
            lambda p: b.set_cell_xml(p, EL, "E2", '<c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'),
            lambda p: b.set_cell_xml(p, EL, "E10", '<c r="E10" t="e"><v>#REF!</v></c>'),
            lambda p: b.set_cell_xml(p, ACT, "G2", '<c r="G2" t="e"><v>#NUM!</v></c>'),
            lambda p: b.set_cell_xml(p, ACT, "F3", '<c r="F3" t="e"><v>#N/A</v></c>'),
            lambda p: b.set_cell_xml(p, ACT, "H3", '<c r="H3" t="e"><v>#VALUE!</v></c>'),
        ),
        "rejected",
        [
            ("VALUE_NOT_NUMBER", E, EL, "E2"),
            ("VALUE_NOT_NUMBER", E, EL, "E10"),
            ("ACTIVITY_REACH_INVALID", E, ACT, "G2"),
            ("ACTIVITY_QUANTITY_INVALID", E, ACT, "F3"),
            ("ACTIVITY_COST_INVALID", E, ACT, "H3"),
        ],
    ),
    Case(
        "boolean-in-value-cells",
        wb(
            values={"TIN_BAI": True, "CO_KE_HOACH": True},
            activities=[act(quantity=True), act(reach=False)],
        ),
        "rejected",
        [
            ("VALUE_NOT_NUMBER", E, EL, "E2"),
            ("VALUE_NOT_NUMBER", E, EL, "E15"),
            ("ACTIVITY_QUANTITY_INVALID", E, ACT, "F2"),
            ("ACTIVITY_REACH_INVALID", E, ACT, "G3"),
        ],
    ),
    Case(
        "stock-above-total",
        wb(values={"LANH_DAO_DA_PHO_BIEN": 11, "TO_CNSCD_DA_TAP_HUAN": 12}),
        "rejected",
        [("VALUE_ABOVE_TOTAL", E, EL, "E12"), ("VALUE_ABOVE_TOTAL", E, EL, "E14")],
    ),
    Case(
        "element-not-assigned",
        wb(element_rows=_default_rows([["LONG_GHEP_CHUONG_TRINH", "", "", "", 1, None]])),
        "rejected",
        [("ELEMENT_NOT_ASSIGNED", E, EL, "A17")],
    ),
    Case(
        "element-duplicated",
        wb(element_rows=_default_rows([["TIN_BAI", "", "", "", 4, None]])),
        "rejected",
        [("ELEMENT_DUPLICATE", E, EL, "A2"), ("ELEMENT_DUPLICATE", E, EL, "A17")],
    ),
    Case(
        "element-missing",
        wb(values={"TIN_BAI": b.OMIT}),
        "rejected",
        [("ELEMENT_MISSING", E, EL, None)],
    ),
    Case(
        "activity-date-not-a-date",
        wb(activities=[act(date="abc"), act(date="31/02/2025"), act()]),
        "rejected",
        [("ACTIVITY_DATE_INVALID", E, ACT, "B2"), ("ACTIVITY_DATE_INVALID", E, ACT, "B3")],
    ),
    Case(
        "activity-date-outside-window",
        wb(
            activities=[act(date=date(2025, 6, 14)), act(date="15/09/2025"), act()],
            values={"LUOT_TIEP_CAN": 120, "KINH_PHI": 7.5},  # as the log sums them
        ),
        "accepted_with_warnings",
        [("ACTIVITY_DATE_OUTSIDE", W, ACT, "B2"), ("ACTIVITY_DATE_OUTSIDE", W, ACT, "B3")],
    ),
    Case(
        "activity-type-channel-unknown",
        wb(activities=[act(type="hop_bao"), act(channel="tiktok_rieng")]),
        "rejected",
        [("ACTIVITY_TYPE_UNKNOWN", E, ACT, "C2"), ("ACTIVITY_CHANNEL_UNKNOWN", E, ACT, "D3")],
    ),
    Case(
        "activity-quantity-invalid",
        wb(activities=[act(quantity=0), act(quantity=1.5), act(quantity=-1), act(quantity=2)]),
        "rejected",
        [("ACTIVITY_QUANTITY_INVALID", E, ACT, c) for c in ("F2", "F3", "F4")],
    ),
    Case(
        "activity-reach-cost-negative",
        wb(activities=[act(reach=-1), act(cost=-0.5), act(reach=None, cost=None)]),
        "rejected",
        [("ACTIVITY_REACH_INVALID", E, ACT, "G2"), ("ACTIVITY_COST_INVALID", E, ACT, "H3")],
    ),
    Case(
        "evidence-urls",
        wb(
            activities=[
                act(url="javascript:alert(1)"),
                act(url="file:///etc/passwd"),
                act(url="http://danang.gov.vn/a"),
                act(url="https://danang.gov.vn/b"),
            ],
            values={"LUOT_TIEP_CAN": 160, "KINH_PHI": 10},  # as the log sums them
        ),
        "accepted_with_warnings",
        [("EVIDENCE_URL_UNSAFE", W, ACT, "I2"), ("EVIDENCE_URL_UNSAFE", W, ACT, "I3")],
    ),
    Case(
        "narrative-untrusted-and-long",
        wb(narratives={"ket_qua": LONG_TEXT, "kho_khan": HTML_TEXT, "de_xuat": "", "nhiem_vu": ""}),
        "accepted_with_warnings",
        [("NARRATIVE_TOO_LONG", W, NAR, "B1")],
    ),
]

READABLE_REJECTIONS = [
    Case(
        "missing-sheet-activities",
        wb(drop_sheets=[ACT]),
        "rejected",
        [("SHEET_MISSING", E, ACT, None)],
    ),
    Case(
        "missing-sheet-info",
        wb(drop_sheets=[INFO]),
        "rejected",
        [("SHEET_MISSING", E, INFO, None)],
        exact=False,
    ),
    Case(
        "missing-sheet-narrative",
        wb(drop_sheets=[NAR]),
        "rejected",
        [("SHEET_MISSING", E, NAR, None)],
    ),
    Case(
        "missing-column-elements",
        wb(element_header=[*ELEMENT_COLUMNS[:4], "Giá trị", "Ghi chú"]),
        "rejected",
        [("COLUMN_MISSING", E, EL, "E1")],
    ),
    Case(
        "missing-column-activities",
        wb(activity_header=b.ACTIVITY_COLUMNS[:8]),
        "rejected",
        [("COLUMN_MISSING", E, ACT, "I1")],
    ),
    Case(
        "unknown-unit",
        wb(unit_code="P_KHONG_CO"),
        "rejected",
        [("UNIT_UNKNOWN", E, INFO, "B2")],
        exact=False,
    ),
    Case(
        "inactive-unit",
        wb(unit_code="P_HAI_CHAU_I"),
        "rejected",
        [("UNIT_INACTIVE", E, INFO, "B2")],
    ),
    Case(
        "period-not-open",
        wb(period="2026Q1"),
        "rejected",
        [("PERIOD_NOT_OPEN", E, INFO, "B4")],
        exact=False,
    ),
    Case(
        "template-version-unknown",
        wb(template_version=3),
        "rejected",
        [("TEMPLATE_VERSION_UNKNOWN", E, INFO, "B9")],
    ),
]

MAIN_CASES = TOLERATED + VALUE_CASES + READABLE_REJECTIONS


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _many_entries(path: Path, _tag: str) -> Path:
    b.build_workbook(path, phone="many")
    parts = b.read_parts(path)
    for i in range(10_001):
        parts[f"xl/media/p{i}.bin"] = b""
    return b.write_parts(path, parts)


# rejected before any sheet is read (no Great Expectations run)
FILE_CASES = [
    Case("csv", lambda p, _t: _text(p, "Mã đơn vị,P_HAI_CHAU\n"), name="bao_cao.csv"),
    Case("txt", lambda p, _t: _text(p, "báo cáo quý III"), name="bao_cao.txt"),
    Case("pdf", lambda p, _t: p.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n") and p),
    Case("empty", lambda p, _t: p.write_bytes(b"") or p),
    Case("docx-renamed", lambda p, t: b.write_docx_renamed(p, t)),
    Case("doc-renamed", lambda p, _t: b.write_doc_bytes(p)),
    Case("xls", lambda p, _t: b.write_xls_bytes(p), name="bao_cao.xls"),
    Case("xls-renamed", lambda p, _t: b.write_xls_bytes(p, ["x"])),
    Case("xlsm", lambda p, t: b.write_xlsm(p, phone=t), name="bao_cao.xlsm"),
    Case("xlsm-renamed", lambda p, t: b.write_xlsm(p, phone=t)),
    Case("ods", lambda p, t: b.write_ods(p, t), name="bao_cao.ods"),
    Case("ods-renamed", lambda p, t: b.write_ods(p, t)),
    Case("encrypted", lambda p, _t: b.write_encrypted_like(p)),
    Case("zip-encrypted", lambda p, t: b.write_zip_encrypted_entry(p, phone=t)),
    Case("corrupt-truncated", lambda p, t: b.write_corrupt_zip(p, phone=t)),
    Case("corrupt-crc", lambda p, t: b.write_corrupt_zip(p, mode="crc", phone=t)),
    Case("zip-bomb-size", lambda p, t: b.write_zip_bomb(p, phone=t)),
    Case("zip-bomb-ratio", lambda p, t: b.write_ratio_bomb(p, phone=t)),
    Case("zip-bomb-entries", _many_entries),
    Case("dtd-workbook", lambda p, t: b.write_xlsx_with_dtd(p, phone=t)),
    Case(
        "dtd-shared-strings",
        then(
            wb(),
            b.to_shared_strings,
            lambda p: b.insert_doctype(
                p,
                "xl/sharedStrings.xml",
                '<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
            ),
        ),
    ),
    Case(
        "billion-laughs-shared-strings",
        then(
            wb(),
            b.to_shared_strings,
            lambda p: b.insert_doctype(p, "xl/sharedStrings.xml", b.BILLION_LAUGHS),
        ),
    ),
    Case(
        "billion-laughs-workbook",
        then(wb(), lambda p: b.insert_doctype(p, "xl/workbook.xml", b.BILLION_LAUGHS)),
    ),
    Case(
        "dtd-worksheet-utf16",
        then(
            wb(),
            lambda p: b.insert_doctype(
                p,
                b.sheet_part(p, EL),
                '<!DOCTYPE w SYSTEM "http://evil.example/w.dtd">',
                encoding="utf-16",
            ),
        ),
    ),
    Case("far-cell", lambda p, t: b.write_far_cell(p, phone=t)),
    Case(
        "far-cell-nfd-sheet-name",
        lambda p, t: b.write_far_cell(p, sheet=nfd(EL), nfd=True, phone=t),
    ),
    Case(
        "far-cell-sheet-part-elsewhere",
        then(
            wb(),
            lambda p: b.set_cell_xml(p, ACT, "XFD1048576", '<c r="XFD1048576"><v>1</v></c>'),
            lambda p: b.move_sheet_part(p, ACT, "xl/data/act.xml"),
        ),
    ),
    Case(
        "cell-reference-past-the-grid",
        # a reference past XFD1048576 inside an ordinary row: not "a cell without a reference"
        then(wb(), lambda p: b.set_cell_xml(p, ACT, "J2", '<c r="A99999999"><v>1</v></c>')),
    ),
]
FILE_RULES = {
    "csv": "FILE_NOT_XLSX",
    "txt": "FILE_NOT_XLSX",
    "pdf": "FILE_NOT_XLSX",
    "empty": "FILE_NOT_XLSX",
    "docx-renamed": "FILE_NOT_XLSX",
    "doc-renamed": "FILE_NOT_XLSX",
    "xls": "FILE_FORMAT_XLS",
    "xls-renamed": "FILE_FORMAT_XLS",
    "xlsm": "FILE_MACRO_ENABLED",
    "xlsm-renamed": "FILE_MACRO_ENABLED",
    "ods": "FILE_FORMAT_ODS",
    "ods-renamed": "FILE_FORMAT_ODS",
    "encrypted": "FILE_ENCRYPTED",
    "zip-encrypted": "FILE_ENCRYPTED",
    "corrupt-truncated": "FILE_CORRUPT",
    "corrupt-crc": "FILE_CORRUPT",
    "zip-bomb-size": "FILE_ZIP_BOMB",
    "zip-bomb-ratio": "FILE_ZIP_BOMB",
    "zip-bomb-entries": "FILE_ZIP_BOMB",
    "dtd-workbook": "FILE_XML_DTD",
    "dtd-shared-strings": "FILE_XML_DTD",
    "billion-laughs-shared-strings": "FILE_XML_DTD",
    "billion-laughs-workbook": "FILE_XML_DTD",
    "dtd-worksheet-utf16": "FILE_XML_DTD",
    "far-cell": "FILE_SHEET_TOO_LARGE",
    "far-cell-nfd-sheet-name": "FILE_SHEET_TOO_LARGE",
    "far-cell-sheet-part-elsewhere": "FILE_SHEET_TOO_LARGE",
    "cell-reference-past-the-grid": "FILE_SHEET_TOO_LARGE",
}
for _case in FILE_CASES:
    _case.status = "rejected"
    _case.expected = [(FILE_RULES[_case.id], E, None, None)]
FILE_CASES_BY_ID = {c.id: c for c in FILE_CASES}
for _id, _sheet in (
    ("far-cell", ACT),
    ("far-cell-nfd-sheet-name", EL),
    ("far-cell-sheet-part-elsewhere", ACT),
    ("cell-reference-past-the-grid", ACT),
):
    FILE_CASES_BY_ID[_id].expected = [("FILE_SHEET_TOO_LARGE", E, _sheet, None)]

LIMIT_CASES = [
    Case("over-the-size-limit", wb(), "rejected", [("FILE_TOO_LARGE", E, None, None)]),
]


# --- running the intake ----------------------------------------------------------------------------
class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Workspace:
    settings: Settings
    receipts: dict[str, dict]  # file name -> receipt
    sources: dict[str, bytes]  # file name -> the bytes dropped in the inbox
    records: list[logging.LogRecord]

    def query(self, sql: str, params=()) -> list[tuple]:
        con = duckdb.connect(str(self.settings.paths.warehouse), read_only=True)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def receipt(self, case: Case) -> dict:
        return self.receipts[case.file_name]


def _intake(root: Path, catalog, cases: list[Case], **settings_kw) -> Workspace:
    settings = Settings(home=root / "home", now=NOW, **settings_kw)
    ensure_workspace(settings)
    sources = {}
    for i, case in enumerate(cases):
        src = root / "src" / case.id / case.file_name
        src.parent.mkdir(parents=True, exist_ok=True)
        case.build(src, case.id)
        target = settings.paths.inbox / case.file_name
        target.write_bytes(src.read_bytes())
        sources[case.file_name] = target.read_bytes()
        stamp = 1_750_000_000 + i  # arrival order = case order
        os.utime(target, (stamp, stamp))
    handler = _Records()
    root_logger = logging.getLogger()
    root_logger.addHandler(handler)
    try:
        batch = steps.collect(settings, catalog)
        subs = steps.parse_batch(settings, batch)
        subs = steps.validate_submissions(settings, catalog, batch, subs)
        result = steps.summarize(batch.recovered + steps.record_batch(settings, batch, subs))
    finally:
        root_logger.removeHandler(handler)
    receipts = {r["file"]: r for r in result["receipts"]}
    return Workspace(settings, receipts, sources, handler.records)


@pytest.fixture(scope="module")
def main(tmp_path_factory, catalog) -> Workspace:
    return _intake(tmp_path_factory.mktemp("main"), catalog, MAIN_CASES)


@pytest.fixture(scope="module")
def files(tmp_path_factory, catalog) -> Workspace:
    return _intake(tmp_path_factory.mktemp("files"), catalog, FILE_CASES)


@pytest.fixture(scope="module")
def limits(tmp_path_factory, catalog) -> Workspace:
    return _intake(tmp_path_factory.mktemp("limits"), catalog, LIMIT_CASES, max_file_bytes=4096)


@pytest.fixture(scope="module")
def workspaces(main, files, limits) -> list[Workspace]:
    return [main, files, limits]


def found(receipt: dict) -> list[tuple]:
    return [(m["rule"], m["severity"], m["sheet"], m["cell"]) for m in receipt["messages"]]


def _check_case(ws: Workspace, case: Case) -> dict:
    receipt = ws.receipt(case)
    got = found(receipt)
    assert receipt["status"] == case.status, got
    if case.exact:
        assert sorted(got, key=str) == sorted(case.expected, key=str), [
            m["message_en"] for m in receipt["messages"]
        ]
    else:
        for item in case.expected:
            assert item in got, got
    if case.status == "rejected":
        assert receipt["version"] is None
        assert any(m["severity"] == "error" for m in receipt["messages"])
    else:
        assert receipt["version"] is not None and receipt["version"] >= 1
        assert (receipt["unit"], receipt["period"]) == ("P_HAI_CHAU", "2025Q3")
        assert not any(m["severity"] == "error" for m in receipt["messages"])
    return receipt


# --- tolerances: accepted without complaint ---------------------------------------------------------
@pytest.mark.parametrize("case", TOLERATED, ids=[c.id for c in TOLERATED])
def test_tolerated(main, case):
    _check_case(main, case)


def test_period_is_canonical_in_the_receipt(main):
    for case in TOLERATED:
        if case.id.startswith("period-"):
            assert main.receipt(case)["period"] == "2025Q3"


def _version(ws: Workspace, case: Case) -> int:
    return ws.receipt(case)["version"]


def _values(ws: Workspace, case: Case) -> dict[str, float | None]:
    rows = ws.query(
        "SELECT element_code, value FROM element_values WHERE unit_code = 'P_HAI_CHAU' "
        "AND period_id = '2025Q3' AND version = ?",
        [_version(ws, case)],
    )
    return dict(rows)


def _activities(ws: Workspace, case: Case) -> list[tuple]:
    return ws.query(
        "SELECT line_no, activity_date, activity_type, channel, quantity, reach, cost, evidence_url "
        "FROM activities WHERE unit_code = 'P_HAI_CHAU' AND period_id = '2025Q3' AND version = ? "
        "ORDER BY line_no",
        [_version(ws, case)],
    )


CASE = {c.id: c for c in MAIN_CASES}


def test_formula_cached_values_are_loaded(main):
    case = CASE["formula-cells-cached-values"]
    assert _values(main, case)["TIN_BAI"] == 2.0
    assert [a[4] for a in _activities(main, case)] == [1, 4]


def test_zero_activities_are_loaded_as_none(main):
    assert _activities(main, CASE["activities-zero-rows"]) == []


def test_1904_dates_are_read_as_dates(main):
    dates = [a[1] for a in _activities(main, CASE["date-system-1904"])]
    assert dates == [a["date"] for a in b.default_activities()]
    prepared = main.query(
        "SELECT prepared_on FROM submissions WHERE version = ?",
        [_version(main, CASE["date-system-1904"])],
    )
    assert prepared == [(date(2025, 9, 15),)]


def test_report_date_forms(main):
    for case_id in ("prepared-on-datetime", "prepared-on-text", "labels-any-order-blank-rows"):
        got = main.query(
            "SELECT prepared_on FROM submissions WHERE version = ?",
            [_version(main, CASE[case_id])],
        )
        assert got == [(date(2025, 9, 15),)], case_id


def test_whole_floats_are_whole(main):
    values = _values(main, CASE["values-as-whole-floats"])
    assert (values["TIN_BAI"], values["LANH_DAO_TONG"], values["CO_KE_HOACH"]) == (2, 10, 1)


def test_hyperlink_cell_keeps_the_link(main):
    urls = [a[7] for a in _activities(main, CASE["hyperlink-evidence"])]
    assert urls == ["https://danang.gov.vn/tin/hoi-nghi", "https://danang.gov.vn/tin/zalo"]


def test_ten_thousand_activities_are_loaded(main):
    rows = main.query(
        "SELECT count(*), min(line_no), max(line_no) FROM activities WHERE version = ?",
        [_version(main, CASE["ten-thousand-activities"])],
    )
    assert rows == [(BIG, 2, BIG + 1)]


def test_labels_found_by_text(main):
    got = main.query(
        "SELECT preparer, email FROM submissions WHERE version = ?",
        [_version(main, CASE["labels-any-order-blank-rows"])],
    )
    assert got == [("Lê Văn C", "c@danang.gov.vn")]
    narratives = dict(
        main.query(
            "SELECT section, body FROM narratives WHERE version = ?",
            [_version(main, CASE["labels-any-order-blank-rows"])],
        )
    )
    assert narratives == {
        "ket_qua": "Tổ chức 2 hội nghị.",
        "kho_khan": "Kinh phí hạn chế.",
        "de_xuat": "Không.",
        "nhiem_vu": "Tiếp tục truyền thông.",
    }


# --- values, activities, narratives ------------------------------------------------------------------
@pytest.mark.parametrize("case", VALUE_CASES, ids=[c.id for c in VALUE_CASES])
def test_value_rules(main, case):
    _check_case(main, case)


def test_numbers_typed_as_text_are_loaded(main):
    values = _values(main, CASE["numbers-typed-as-text"])
    assert {k: values[k] for k in TEXT_NUMBERS} == {
        "TIN_BAI": 2.0,
        "LUOT_TIEP_CAN": 1234.0,
        "KINH_PHI": 1234.5,
        "BAI_MXH": 7.0,
    }
    assert _values(main, CASE["money-decimal-comma"])["KINH_PHI"] == 12.5


def test_blank_is_null_never_zero(main):
    values = _values(main, CASE["blank-values"])
    assert values["TIN_BAI"] is None and values["KINH_PHI"] is None
    assert values["BAI_MXH"] == 3.0


def test_error_and_boolean_messages_show_the_cell_content(main):
    msgs = main.receipt(CASE["error-values-in-value-cells"])["messages"]
    by_cell = {m["cell"]: m for m in msgs}
    assert "#DIV/0!" in by_cell["E2"]["message_vi"] and "#REF!" in by_cell["E10"]["message_en"]
    msgs = main.receipt(CASE["boolean-in-value-cells"])["messages"]
    assert "TRUE" in {m["cell"]: m for m in msgs}["E2"]["message_vi"]


def test_unsafe_links_are_dropped_web_links_kept(main):
    urls = [a[7] for a in _activities(main, CASE["evidence-urls"])]
    assert urls == [None, None, "http://danang.gov.vn/a", "https://danang.gov.vn/b"]


def test_narrative_is_stored_as_text_and_cut(main):
    narratives = dict(
        main.query(
            "SELECT section, body FROM narratives WHERE version = ?",
            [_version(main, CASE["narrative-untrusted-and-long"])],
        )
    )
    assert len(LONG_TEXT) > 4000
    assert narratives["ket_qua"] == LONG_TEXT[:4000]
    assert narratives["kho_khan"] == HTML_TEXT


def test_activity_outside_window_is_loaded(main):
    rows = _activities(main, CASE["activity-date-outside-window"])
    assert [r[1] for r in rows][:2] == [date(2025, 6, 14), date(2025, 9, 15)]


# --- rejections -------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", READABLE_REJECTIONS, ids=[c.id for c in READABLE_REJECTIONS])
def test_readable_rejections(main, case):
    _check_case(main, case)


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_file_rejections(files, case):
    receipt = _check_case(files, case)
    assert (receipt["unit"], receipt["period"], receipt["version"]) == (None, None, None)


def test_over_the_size_limit(limits):
    _check_case(limits, LIMIT_CASES[0])


def test_not_a_workbook_says_to_use_xlsx(files):
    for case_id in ("csv", "pdf", "docx-renamed", "doc-renamed", "xls", "ods", "xlsm"):
        (msg,) = files.receipt(FILE_CASES_BY_ID[case_id])["messages"]
        assert ".xlsx" in msg["message_vi"] and ".xlsx" in msg["message_en"], case_id


def test_rejected_files_are_archived_byte_for_byte(workspaces):
    for ws in workspaces:
        for name, receipt in ws.receipts.items():
            data = ws.sources[name]
            assert receipt["sha256"] == hashlib.sha256(data).hexdigest()
            archived = [
                p
                for p in ws.settings.paths.archive.iterdir()
                if p.name.startswith(receipt["sha256"])
            ]
            assert len(archived) == 1 and archived[0].read_bytes() == data, name


# --- receipts and messages (INTERFACE.md) -------------------------------------------------------------
def test_every_file_has_one_receipt_and_the_inbox_is_empty(workspaces):
    cases = {"main": MAIN_CASES, "files": FILE_CASES, "limits": LIMIT_CASES}
    for ws, key in zip(workspaces, ("main", "files", "limits"), strict=True):
        assert sorted(ws.receipts) == sorted(c.file_name for c in cases[key])
        assert list(ws.settings.paths.inbox.iterdir()) == []
        on_disk = sorted(ws.settings.paths.receipts.glob("*.json"))
        assert len(on_disk) == len(ws.receipts)
        for path in on_disk:
            receipt = json.loads(path.read_text(encoding="utf-8"))
            assert ws.receipts[receipt["file"]] == receipt
            assert re.fullmatch(rf"\d{{6}}-{receipt['sha256'][:16]}\.json", path.name)


def test_receipts_and_messages_follow_the_interface(workspaces):
    for ws in workspaces:
        for name, receipt in ws.receipts.items():
            # interface 3: an accepted version >= 2 also lists its changes, last
            changes = (receipt["version"] or 0) >= 2
            assert list(receipt) == RECEIPT_KEYS + ["changes"] * changes, name
            assert receipt["status"] in ("accepted", "accepted_with_warnings", "rejected")
            errors = [m for m in receipt["messages"] if m["severity"] == "error"]
            assert bool(errors) == (receipt["status"] == "rejected"), name
            if receipt["status"] == "accepted":
                assert receipt["messages"] == []
            for m in receipt["messages"]:
                assert list(m) == MESSAGE_KEYS, name
                assert m["severity"] in ("error", "warning")
                assert m["sheet"] is None or m["sheet"] in CONTRACT_SHEETS, (name, m)
                assert m["cell"] is None or A1.match(m["cell"]), (name, m)
                vi, en = m["message_vi"], m["message_en"]
                assert vi.strip() and en.strip() and vi != en, (name, m)
                assert "{" not in vi + en, (name, m)
                if m["cell"]:
                    assert m["cell"] in vi and m["cell"] in en, (name, m)
                if m["sheet"]:
                    assert m["sheet"] in vi and m["sheet"] in en, (name, m)


def test_no_traceback_anywhere(workspaces):
    for ws in workspaces:
        for record in ws.records:
            assert record.exc_info is None, record.getMessage()
            assert "Traceback" not in record.getMessage()
        for receipt in ws.receipts.values():
            text = json.dumps(receipt, ensure_ascii=False)
            assert "Traceback" not in text and "FILE_UNREADABLE" not in text


def test_a_panic_in_the_reader_is_a_rejection(tmp_path, catalog, monkeypatch):
    """pyo3 raises a Rust panic inside calamine as PanicException, a BaseException: still the
    file's problem (a receipt, the file archived), never a crashed intake run."""
    import python_calamine  # noqa: PLC0415

    panic = type("PanicException", (BaseException,), {})

    def boom(*_a, **_k):
        raise panic("index out of bounds: the len is 3 but the index is 7")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", boom)
    case = Case("panic", wb(), "rejected", [("FILE_UNREADABLE", E, None, None)])
    ws = _intake(tmp_path, catalog, [case])
    _check_case(ws, case)
    assert list(ws.settings.paths.inbox.iterdir()) == []
    assert "index out of bounds" not in json.dumps(ws.receipt(case), ensure_ascii=False)
