"""The template in the real LibreOffice Calc (slow; CI runs them).

(a) Filled workbooks (the real template filled as a clerk does, and a version 1 workbook) saved
    again by LibreOffice as .xlsx, and converted .xlsx -> .ods -> .xlsx, are accepted by the real
    intake with exactly the same rows in DuckDB as the originals; a blank template read back says
    exactly what the original says.
(b) The template printed to PDF by LibreOffice: A4 pages, "Thông tin" and "Chỉ tiêu" on at most two
    pages, the title and the signature block on them, a long activity log with its header repeated.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from demo.fill import Templates, fill
from demo.text import Activity, Header
from schemas.catalog_model import Catalog, load_catalog
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace
from tasks.intake import steps
from tasks.intake.parse import read_submission
from tasks.intake.submission import SHEET_ACTIVITIES, SHEET_ELEMENTS, SHEET_INFO
from tasks.workbook.print_layout import HEAD_VI, PREPARER_VI, TITLE_VI
from tasks.workbook.template import write_template
from tests import builders as b
from tests.libreoffice import convert

pytestmark = pytest.mark.slow

Q3_2025 = Period(2025, 3)
NOW = "2025-09-16T08:00:00+07:00"
UNITS = ("P_HAI_CHAU", "DT_MTTQ", "S_KHCN")
A4 = (595.3, 841.9)
TABLES = {
    "element_values": "SELECT unit_code, element_code, value, note FROM element_values",
    "activities": "SELECT unit_code, line_no, activity_date, activity_type, channel, title, "
    "quantity, reach, cost, evidence_url FROM activities",
    "narratives": "SELECT unit_code, section, body FROM narratives",
    "submissions": "SELECT unit_code, unit_name_given, preparer, phone, email, prepared_on, "
    "template_version, has_warnings FROM submissions",
}


# --- the workbooks ---------------------------------------------------------------------------------
def _values(catalog: Catalog, unit_code: str) -> dict[str, float]:
    out: dict[str, float] = {}
    unit = catalog.unit(unit_code)
    assert unit is not None
    for i, element in enumerate(catalog.elements_for_type(unit.type)):
        out[element.code] = {"flow": 3 + i, "stock": 40 + i, "yes_no": 1, "money": 12.5 + i}[
            element.kind
        ]
    for part, total in (
        ("LANH_DAO_DA_PHO_BIEN", "LANH_DAO_TONG"),
        ("TO_CNSCD_DA_TAP_HUAN", "TO_CNSCD_TONG"),
    ):
        if part in out:
            out[part] = out[total] - 5
    return out


def _activities(catalog: Catalog, count: int) -> list[Activity]:
    """Every type and channel (codes: `fill` types their names), titles that look like escapes."""
    types, channels = catalog.activity_codes, catalog.channel_codes
    titles = (
        "Tin về mang_xa_hoi và chuyển đổi số",
        "Chuyên mục _x0041_ số (bản _xa_ thử)",
        "=1+1 không phải công thức",
        "Hội nghị phổ biến Đề án",
    )
    return [
        Activity(
            day=date(2025, 6 + (i % 3), 15 + i % 10),
            type=types[i % len(types)],
            channel=channels[(i * 3) % len(channels)],
            title=titles[i % len(titles)],
            quantity=1 + i % 4,
            reach=None if i % 5 == 0 else 100 * (i + 1),
            cost=None if i % 2 else 1.5,
            url=None if i % 3 else f"https://danang.gov.vn/tin/{i}",
        )
        for i in range(count)
    ]


def _narrative() -> dict[str, str]:
    return {
        "ket_qua": "Đăng 12 tin bài trên mang_xa_hoi; ghi chú _x000D_ giữ nguyên.",
        "kho_khan": "Kinh phí còn hạn chế.",
        "de_xuat": "+ Đề nghị hỗ trợ tài liệu.",
        "nhiem_vu": "Tiếp tục truyền thông Ngày Chuyển đổi số quốc gia 10/10.",
    }


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def originals(catalog, tmp_path_factory) -> list[Path]:
    """Three real templates filled as a clerk does (one with 60 activities) and a version 1
    workbook (header in row 1) with names in the lists."""
    out = tmp_path_factory.mktemp("originals")
    templates = Templates(catalog, 2, tmp_path_factory.mktemp("cache"))
    paths = []
    for n, code in enumerate(UNITS):
        unit = catalog.unit(code)
        wb = templates.workbook(unit, Q3_2025)
        header = Header(f"Nguyễn Văn {'ABC'[n]}", "0236 3822 123", f"cb{n}@danang.gov.vn")
        notes = {"TIN_BAI": "gồm tin_bai và bai_mxh"} if n == 0 else {}
        fill(
            wb,
            _values(catalog, code),
            header,
            date(2025, 9, 15),
            _activities(catalog, 60 if n == 0 else 8),
            _narrative(),
            notes,
        )
        paths.append(out / f"2025Q3_{code}.xlsx")
        wb.save(paths[-1])
    paths.append(
        b.build_workbook(
            out / "2025Q3_P_HOA_CUONG.xlsx",
            unit_code="P_HOA_CUONG",
            activities=[
                {
                    "date": date(2025, 7, 1),
                    "type": "Tin, bài, phóng sự",
                    "channel": "Mạng xã hội",
                    "title": "Ảnh trên mạng",
                    "quantity": 2,
                }
            ],
        )
    )
    return paths


def _resaved(paths: list[Path], out: Path, via_ods: bool) -> list[Path]:
    result = []
    for path in paths:
        source = convert(path, "ods", out / "ods") if via_ods else path
        result.append(convert(source, "xlsx", out / "xlsx"))
    return result


def _intake(paths: list[Path], home: Path) -> tuple[dict, dict[str, list[tuple]]]:
    settings = Settings(home=home, now=NOW)
    ensure_workspace(settings)
    for path in paths:
        shutil.copyfile(path, settings.paths.inbox / path.name)
    catalog = load_catalog()
    batch = steps.collect(settings, catalog)
    subs = steps.validate_submissions(settings, catalog, batch, steps.parse_batch(settings, batch))
    result = steps.summarize(steps.record_batch(settings, batch, subs))
    con = duckdb.connect(str(settings.paths.warehouse), read_only=True)
    try:
        rows = {name: sorted(con.execute(sql).fetchall()) for name, sql in TABLES.items()}
    finally:
        con.close()
    return result, rows


def _verdicts(result: dict) -> dict[str, tuple]:
    return {
        r["unit"]: (r["status"], sorted((m["rule"], m["sheet"], m["cell"]) for m in r["messages"]))
        for r in result["receipts"]
    }


# --- (a) saved again by LibreOffice ---------------------------------------------------------------
@pytest.mark.parametrize("via_ods", [False, True], ids=["xlsx", "ods-then-xlsx"])
def test_resaved_workbooks_load_the_same_rows(originals, tmp_path, via_ods):
    resaved = _resaved(originals, tmp_path / "lo", via_ods)
    first, rows = _intake(originals, tmp_path / "original")
    again, rows_again = _intake(resaved, tmp_path / "resaved")
    verdicts = _verdicts(first)
    assert set(verdicts) == {*UNITS, "P_HOA_CUONG"}
    assert all(status != "rejected" for status, _ in verdicts.values()), verdicts
    assert _verdicts(again) == verdicts
    for table in TABLES:
        assert rows_again[table] == rows[table], table
    # what the clerk picked and typed came through: names as codes, escape look-alikes as text
    activities = rows["activities"]
    assert len([a for a in activities if a[0] == "P_HAI_CHAU"]) == 60
    assert {"mang_xa_hoi", "truc_tiep"} <= {a[4] for a in activities}
    titles = {a[5] for a in activities}
    assert {"Tin về mang_xa_hoi và chuyển đổi số", "Chuyên mục _x0041_ số (bản _xa_ thử)"} <= titles
    assert "=1+1 không phải công thức" in titles
    assert ("P_HAI_CHAU", "TIN_BAI", 3.0, "gồm tin_bai và bai_mxh") in rows["element_values"]
    bodies = {body for *_, body in rows["narratives"]}
    assert "Đăng 12 tin bài trên mang_xa_hoi; ghi chú _x000D_ giữ nguyên." in bodies
    assert "+ Đề nghị hỗ trợ tài liệu." in bodies


def test_blank_template_reads_the_same_after_libreoffice(catalog, tmp_path):
    original = write_template(
        catalog, catalog.unit("P_HAI_CHAU"), Q3_2025, tmp_path / "t", working_days=2
    )
    resaved = convert(convert(original, "ods", tmp_path / "ods"), "xlsx", tmp_path / "xlsx")
    subs = [read_submission(p, p.name, "k", Settings()) for p in (original, resaved)]
    first, second = (
        (
            s.unit_code,
            s.period_id,
            s.template_version,
            [(v.row, v.code, v.raw) for v in s.values],
            s.activities,
            s.narratives,
            [(m.rule, m.cell) for m in s.messages],
        )
        for s in subs
    )
    assert first == second
    assert first[:3] == ("P_HAI_CHAU", "2025Q3", 2) and first[4] == [] and first[6] == []


# --- (b) printed by LibreOffice -------------------------------------------------------------------
def _pages(pdf: Path) -> list[tuple[str, tuple[float, float], str]]:
    """(sheet named in the footer, page size, text) per page."""
    pages = []
    for page in PdfReader(pdf).pages:
        text = page.extract_text()
        found = re.search(r"(\S[^\n]*?) - Trang \d+/\d+", text)
        size = (float(page.mediabox.width), float(page.mediabox.height))
        pages.append((found.group(1).strip() if found else "", size, text))
    return pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("code", ["P_HAI_CHAU", "DT_MTTQ"])
def test_blank_template_prints_as_a_form(catalog, tmp_path, code):
    path = write_template(catalog, catalog.unit(code), Q3_2025, tmp_path, working_days=2)
    pages = _pages(convert(path, "pdf", tmp_path / "pdf"))
    sheets = [sheet for sheet, _, _ in pages]
    assert sheets == ["Hướng dẫn", SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, "Thuyết minh"]
    for sheet, (width, height), _ in pages:
        assert sorted((round(width, 1), round(height, 1))) == sorted(A4), sheet
        assert (width > height) == (sheet == SHEET_ACTIVITIES), sheet
    form = _flat(
        " ".join(text for sheet, _, text in pages if sheet in (SHEET_INFO, SHEET_ELEMENTS))
    )
    assert len([s for s in sheets if s in (SHEET_INFO, SHEET_ELEMENTS)]) <= 2
    for needle in (
        TITLE_VI,
        "QUÝ III/2025",
        catalog.unit(code).name.upper(),
        *PREPARER_VI,
        *HEAD_VI,
    ):
        assert needle in form, needle
    elements_page = _flat(next(text for sheet, _, text in pages if sheet == SHEET_ELEMENTS))
    for element in catalog.elements_for_type(catalog.unit(code).type):
        assert element.code in elements_page  # no row cut off the page
    guide = _flat(pages[0][2])
    assert "16/09/2025" in guide and "15/06/2025" in guide


def test_long_activity_log_repeats_its_header(originals, tmp_path):
    pages = _pages(convert(originals[0], "pdf", tmp_path))
    log = [text for sheet, _, text in pages if sheet == SHEET_ACTIVITIES]
    assert len(log) >= 2  # 60 activities
    assert all("Tên, nội dung" in _flat(text) for text in log)
    assert "Mạng xã hội" in _flat(" ".join(log))
    assert len([s for s, _, _ in pages if s in (SHEET_INFO, SHEET_ELEMENTS)]) <= 2
