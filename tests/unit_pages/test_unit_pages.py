"""Unit result sheets from a warehouse filled by the real intake (tests/unit_pages/conftest.py)."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from tasks.core.formatting import fmt_number, fmt_percent
from tasks.core.periods import Period
from tasks.unit_pages.build import build_unit_pages, trend_sources
from tasks.unit_pages.render import (
    UnitPageOverflowError,
    batches,
    render_html,
    render_unit_batch,
    render_unit_pages,
)
from tests.unit_pages.conftest import Q3_VALUES

Q3 = Period(2025, 3)
ISSUED = date(2025, 9, 18)


@pytest.fixture(scope="module")
def pages(settings, ws_catalog):
    return {
        p.unit_code: p for p in build_unit_pages(settings.paths.warehouse, ws_catalog, Q3, ISSUED)
    }


@pytest.fixture(scope="module")
def rendered(settings, ws_catalog) -> dict:
    return render_unit_pages(settings, ws_catalog, Q3, ISSUED, workers=2)


def text_of(rendered: dict, code: str) -> str:
    reader = PdfReader(Path(rendered["dir"]) / f"{code}.pdf")
    return " ".join(reader.pages[0].extract_text().split())


def sql(settings, query: str, params=()):
    con = duckdb.connect(str(settings.paths.warehouse), read_only=True)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def test_every_expected_unit_has_exactly_one_page(rendered, ws_catalog):
    out = Path(rendered["dir"])
    assert out == Path(rendered["dir"]) and out.parts[-3:] == ("reports", "2025Q3", "don-vi")
    expected = {u.code for u in ws_catalog.expected_units(Q3.window_start, Q3.window_end)}
    files = {p.stem: p for p in out.glob("*.pdf")}
    assert expected <= set(files)
    # plus the units that sent something although no longer expected
    assert set(files) - expected == {"P_THANH_BINH"}
    assert rendered["pages"] == len(files)
    for code, path in files.items():
        assert len(PdfReader(path).pages) == 1, code
    assert not list(out.glob("*.tmp"))


def test_figures_against_type_median_and_city_total(rendered, settings, ws_catalog, pages):
    phuong_xa = [u.code for u in ws_catalog.units if u.type == "phuong_xa"]
    median, total = sql(
        settings,
        "SELECT (SELECT median(value) FROM current_values WHERE period_id = '2025Q3' AND "
        "element_code = 'TIN_BAI' AND value IS NOT NULL AND list_contains(?, unit_code)), "
        "(SELECT sum(value) FROM current_values WHERE period_id = '2025Q3' AND element_code = 'TIN_BAI')",
        [phuong_xa],
    )[0]
    # P_HAI_CHAU 20, P_HOA_CUONG 30, P_THANH_KHE 50, P_AN_HAI 1234, P_THANH_BINH 5 (phường, not
    # expected but reported) -> median 30; city: + S_KHCN 40 -> 1379
    assert (median, total) == (30, sum(Q3_VALUES.values()) + 5)
    row = next(f for f in pages["P_HAI_CHAU"].figures if f.element_code == "TIN_BAI")
    assert (row.value, row.type_median, row.city_total) == (20, median, total)
    expected = f"{fmt_number(20)} {fmt_number(median, 1, trim=True)} {fmt_number(total)} {fmt_percent(20 / total)}"
    assert expected == "20 30 1.379 1,5%"
    text = text_of(rendered, "P_HAI_CHAU")
    assert re.search(r"Tin, bài, phóng sự về chuyển đổi số tin/bài " + re.escape(expected), text), (
        text
    )
    # an element the unit's type reports that nobody reported: "—"
    assert "Quý III/2025" in text and "PHIẾU KẾT QUẢ THỰC HIỆN ĐỀ ÁN – QUÝ III/2025" in text
    assert "từ ngày 15/06/2025 đến ngày 14/09/2025" in text and "18/09/2025" in text
    assert "UBND phường, xã, đặc khu" in text and "P_HAI_CHAU" in text


def test_trend_of_a_merged_unit_includes_its_predecessors(rendered, pages, ws_catalog):
    page = pages["P_HAI_CHAU"]
    assert page.quarter_labels == ("Quý IV/2024", "Quý I/2025", "Quý II/2025", "Quý III/2025")
    row = next(t for t in page.trend if t.element_code == "TIN_BAI")
    # Q2: P_THANH_BINH 7 + P_HAI_CHAU_CU 11; Q3: its own 20 + P_THANH_BINH's 5 (it existed until
    # 30/06/2025, inside the window that began 15/06/2025)
    assert row.values == (None, None, 18, 25)
    assert row.texts == ("—", "—", "18", "25")
    # recursion: P_HAI_CHAU_I/II (ended 31/12/2024) count for 2024Q4 through P_HAI_CHAU_CU
    assert {"P_HAI_CHAU_I", "P_HAI_CHAU_II"} <= set(
        trend_sources(ws_catalog, "P_HAI_CHAU", Period(2024, 4))
    )
    assert "P_HAI_CHAU_I" not in trend_sources(ws_catalog, "P_HAI_CHAU", Period(2025, 2))
    text = text_of(rendered, "P_HAI_CHAU")
    assert "Gồm số liệu của đơn vị tiền thân:" in text
    assert "Thanh Bình" in text and "Hải Châu" in page.predecessor_note
    assert "tin/bài — — 18 25" in text


def test_history_and_open_warnings(rendered, pages):
    text = text_of(rendered, "P_HAI_CHAU")
    assert "16/09/2025 08:00" in text and "2025Q3_P_HAI_CHAU.xlsx" in text
    assert "Hợp lệ, có cảnh báo 1 Đúng hạn" in text
    assert "UNIT_NAME_MISMATCH" in text and "Thông tin!" in text
    assert pages["P_HAI_CHAU"].status_text.startswith("Đã gửi báo cáo hợp lệ (đúng hạn)")
    # only rejected files: the errors of the last one
    rejected = text_of(rendered, "P_SON_TRA")
    assert "Bị từ chối" in rejected and "VALUE_NEGATIVE" in rejected
    assert "Lỗi của tệp bị từ chối gần nhất" in rejected
    # nothing sent
    missing = text_of(rendered, "P_CAM_LE")
    assert "Đơn vị chưa gửi báo cáo kỳ này" in missing
    # sent but no longer expected
    assert "không còn trong danh sách phải báo cáo" in text_of(rendered, "P_THANH_BINH")


def test_long_unit_fits_one_page_with_truncated_lists(rendered, pages):
    page = pages["P_AN_HAI"]
    assert page.version == 7
    assert len(page.arrivals) == 5 and page.arrivals_more == "và 3 lần gửi trước đó"
    assert page.arrivals[-1].status_text == "Trùng tệp đã gửi"
    assert page.messages_more.endswith("cảnh báo khác")
    assert page.summary
    text = text_of(rendered, "P_AN_HAI")
    assert "và 3 lần gửi trước đó" in text and "cảnh báo khác" in text
    assert "1.234" in text
    html = render_html([page])
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_worst_case_sheet_fits_one_page(pages, tmp_path):
    """Every list at its cap and every text at its length limit, on the type with most elements."""
    from tasks.unit_pages import build

    base = pages["P_AN_HAI"]
    wide = "Ư" * build.UNIT_NAME_CHARS
    worst = dataclasses.replace(
        base,
        unit_code="X_WORST",
        unit_name=wide,
        status_text=base.status_text + " " + "Đơn vị không còn trong danh sách phải báo cáo. " * 2,
        predecessor_note="Gồm số liệu của đơn vị tiền thân: "
        + "; ".join(["UBND phường Hòa Cường Bắc"] * 12),
        arrivals=tuple(
            dataclasses.replace(a, file_name="W" * build.FILE_NAME_CHARS)
            for a in (base.arrivals * build.MAX_ARRIVALS)[: build.MAX_ARRIVALS]
        ),
        messages=tuple(
            dataclasses.replace(m, message="Ư " * (build.MESSAGE_CHARS // 2), place="Chỉ tiêu!E123")
            for m in (base.messages * build.MAX_MESSAGES)[: build.MAX_MESSAGES]
        ),
        summary="Đã tổ chức tuyên truyền. " * (build.SUMMARY_CHARS // 24),
    )
    (path,) = render_unit_batch([worst], tmp_path)
    assert len(PdfReader(path).pages) == 1


def test_overflowing_sheet_raises_naming_the_unit(pages, tmp_path):
    page = pages["P_HAI_CHAU"]
    huge = dataclasses.replace(page, unit_code="X_HUGE", figures=page.figures * 12)
    with pytest.raises(UnitPageOverflowError, match="X_HUGE"):
        render_unit_batch([page, huge], tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written when a sheet overflows


def test_render_is_deterministic(pages, tmp_path):
    batch = [pages["P_HAI_CHAU"], pages["P_AN_HAI"], pages["P_CAM_LE"]]
    first = render_unit_batch(batch, tmp_path / "a")
    second = render_unit_batch(list(reversed(batch)), tmp_path / "b")

    def digest(path: str) -> str:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()

    assert {Path(p).name: digest(p) for p in first} == {Path(p).name: digest(p) for p in second}


def test_batches():
    assert batches([], 2) == []
    assert [len(b) for b in batches(list(range(10)), 2)] == [3, 3, 3, 1]
    assert [len(b) for b in batches(list(range(1000)), 4)] == [84] * 11 + [76]  # 3 per worker
    # 1,031 units on 2 workers: 12 batches, 6 per worker (11 of 100 left one worker a batch behind)
    assert [len(b) for b in batches(list(range(1031)), 2)] == [86] * 11 + [85]
    assert [len(b) for b in batches(list(range(1000)), 2)] == [100] * 10
    assert [len(b) for b in batches(list(range(3)), 4)] == [1, 1, 1]


def test_dask_address_setting_selects_the_scheduler(settings):
    from flows.unit_pages import unit_pages_runner

    remote = unit_pages_runner(settings.model_copy(update={"dask_address": "tcp://10.0.0.5:8786"}))
    assert remote.address == "tcp://10.0.0.5:8786"
    local = unit_pages_runner(settings, workers=2)
    assert local.address is None
    assert local.cluster_kwargs["n_workers"] == 2 and local.cluster_kwargs["processes"] is True


def test_lean_stylesheet_gives_the_stock_bytes_with_list_markers(pages):
    """The sheets list open warnings in a <ul>: their markers keep the UA's ::marker style."""
    from weasyprint import HTML

    from tasks.report.lean_html import LeanHTML
    from tasks.unit_pages.render import TEMPLATE
    from tests.report.test_lean_html import pdf_bytes

    text = render_html([pages["P_HAI_CHAU"], pages["P_AN_HAI"]])
    assert "<li" in text
    assert pdf_bytes(LeanHTML, text, TEMPLATE) == pdf_bytes(HTML, text, TEMPLATE)
