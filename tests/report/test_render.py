"""The rendered report, checked by its text and structure (pypdf), never by bytes."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from tasks.core.periods import Period, ReportingCalendar
from tasks.report.build import build_report_model
from tasks.report.pdf_engine import TemplateOnlyFetcher
from tasks.report.render import TEMPLATES_DIR, render_html, render_pdf
from tests.builders.report_db import build_report_db, small_catalog

MM = 72 / 25.4

CALENDAR = ReportingCalendar(submission_working_days=2, report_due_day=20)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_report_db(tmp_path_factory.mktemp("render") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def catalog():
    return small_catalog()


@pytest.fixture(scope="module")
def q2_model(db, catalog):
    return build_report_model(db, catalog, Period(2025, 2), date(2025, 6, 20), calendar=CALENDAR)


@pytest.fixture(scope="module")
def q2_pdf(q2_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf") / "bao-cao-2025Q2.pdf"
    stats = render_pdf(q2_model, out)
    return out, stats, PdfReader(out)


def flat(text: str) -> str:
    return " ".join(text.split())


def top_margin_text(page) -> list[str]:
    """Text drawn in the top 20 mm of a page (where the page number goes)."""
    height = float(page.mediabox.height)
    found: list[str] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if y > height - 20 * MM:
                found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


def test_first_page_is_a_vietnamese_administrative_report(q2_pdf):
    _, stats, reader = q2_pdf
    first = flat(reader.pages[0].extract_text())
    for expected in (
        "ỦY BAN NHÂN DÂN",
        "THÀNH PHỐ ĐÀ NẴNG",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/BC-SKHCN",
        "Đà Nẵng, ngày 20 tháng 6 năm 2025",
        "BÁO CÁO",
        "Kính gửi: Ủy ban nhân dân thành phố",
        "I. KẾT QUẢ THỰC HIỆN",
    ):
        assert expected in first, expected
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" not in first
    assert stats.pages >= 5
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait


def test_issuer_depends_on_the_issue_date(db, catalog, tmp_path):
    model = build_report_model(
        db, catalog, Period(2024, 4), date(2024, 12, 20), final=True, calendar=CALENDAR
    )
    out = tmp_path / "2024Q4.pdf"
    render_pdf(model, out)
    reader = PdfReader(out)
    first = flat(reader.pages[0].extract_text())
    assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in first
    assert "Đà Nẵng, ngày 20 tháng 12 năm 2024" in first
    everything = flat(" ".join(p.extract_text() for p in reader.pages))
    assert "Chưa có chỉ tiêu năm 2024" in everything
    assert "Lưu: VT, STTTT." in everything
    assert "DỰ THẢO" not in everything  # final


def test_page_numbers_in_the_top_margin_except_page_one(q2_pdf):
    _, _, reader = q2_pdf
    assert not any(t.isdigit() for t in top_margin_text(reader.pages[0]))
    assert "DỰ THẢO" in top_margin_text(reader.pages[0])  # draft, discreetly
    assert "2" in top_margin_text(reader.pages[1])
    assert "3" in top_margin_text(reader.pages[2])


def test_numbers_sections_and_annexes(q2_pdf):
    _, stats, reader = q2_pdf
    text = flat(" ".join(p.extract_text() for p in reader.pages))
    assert "81,3%" in text  # T1 = 61/75
    assert "61/75" in text
    assert "Chưa có chỉ tiêu năm 2025" in text  # T6
    # like for like (issue 7): the quận's 100 against its own 200 of Q2/2024, not the city's raw
    # 450 against 200 ("tăng 125,0%", which compared different sets of units)
    assert "giảm 50,0%" in text and "tăng 125,0%" not in text
    for heading in (
        "II. ĐÁNH GIÁ",
        "III. KHÓ KHĂN, VƯỚNG MẮC",
        "IV. NHIỆM VỤ QUÝ TỚI",
        "V. ĐỀ XUẤT, KIẾN NGHỊ",
        "Nơi nhận:",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "- Lưu: VT, SKHCN.",
    ):
        assert heading in text, heading
    assert "PHIÊN BẢN CŨ" not in text
    # each annex starts a page
    annex_pages = [i for i, p in enumerate(reader.pages) if "Biểu số 0" in p.extract_text()[:200]]
    assert len(annex_pages) >= 3


def test_bookmarks_and_metadata(q2_pdf):
    _, _, reader = q2_pdf
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    assert titles[0] == "I. KẾT QUẢ THỰC HIỆN"
    assert "V. ĐỀ XUẤT, KIẾN NGHỊ" in titles
    assert "Biểu số 03. Tình hình gửi báo cáo của các đơn vị" in titles
    meta = reader.metadata
    assert meta.title.startswith("Báo cáo kết quả thực hiện Đề án")
    assert meta.author == "Sở Khoa học và Công nghệ"
    assert meta["/CreationDate"].startswith("D:20250620")


def test_untrusted_text_is_shown_as_text_and_nothing_is_fetched(q2_model, q2_pdf):
    html = render_html(q2_model)
    assert "<script>" not in html and '<img src="file:///etc/passwd">' not in html
    assert "&lt;script&gt;" in html
    _, stats, reader = q2_pdf
    text = flat(" ".join(p.extract_text() for p in reader.pages))
    assert '<script>alert("x")</script>' in text
    assert '<img src="file:///etc/passwd">' in text
    assert stats.refused == ()
    assert stats.served == ((TEMPLATES_DIR / "report.css").as_uri(),)


def test_fetcher_refuses_everything_outside_the_templates(tmp_path):
    fetcher = TemplateOnlyFetcher()
    html = HTML(
        string=(
            '<html><head><link rel="stylesheet" href="report.css">'
            '<link rel="stylesheet" href="http://example.invalid/x.css"></head><body>'
            '<p>x</p><img src="file:///etc/passwd"><img src="../pyproject.toml">'
            '<img src="data:image/png;base64,iVBORw0KGgo="></body></html>'
        ),
        base_url=str(TEMPLATES_DIR / "report.html.j2"),
        url_fetcher=fetcher,
    )
    html.write_pdf(tmp_path / "x.pdf")
    assert fetcher.served == [(TEMPLATES_DIR / "report.css").as_uri()]
    refused = " ".join(fetcher.refused)
    for url in (
        "http://example.invalid/x.css",
        "file:///etc/passwd",
        "pyproject.toml",
        "data:image/png",
    ):
        assert url in refused, url
    assert fetcher.local_path((TEMPLATES_DIR / ".." / "pyproject.toml").as_uri()) is None
    assert (
        fetcher.local_path((TEMPLATES_DIR / "report.css").as_uri())
        == (TEMPLATES_DIR / "report.css").resolve()
    )


def test_two_renders_of_one_model_are_identical(q2_model, q2_pdf, tmp_path):
    first, _, _ = q2_pdf
    again = tmp_path / "again.pdf"
    render_pdf(q2_model, again)
    assert first.read_bytes() == again.read_bytes()


def test_period_without_data_renders(db, catalog, tmp_path):
    model = build_report_model(db, catalog, Period(2025, 3), date(2025, 9, 20), calendar=CALENDAR)
    stats = render_pdf(model, tmp_path / "empty.pdf")
    text = flat(" ".join(p.extract_text() for p in PdfReader(tmp_path / "empty.pdf").pages))
    assert "chưa có đơn vị nào gửi báo cáo hợp lệ Quý III/2025" in text
    assert stats.pages >= 4
    assert re.search(r"Đà Nẵng, ngày 20 tháng 9 năm 2025", text)


def test_the_collector_is_tuned_during_renders_and_put_back_after_the_last():
    import gc

    from tasks.report.pdf_engine import LAYOUT_GC_THRESHOLD, layout_gc

    before = gc.get_threshold()
    first, second = layout_gc(), layout_gc()
    first.__enter__()
    assert gc.get_threshold() == (LAYOUT_GC_THRESHOLD, *before[1:])
    second.__enter__()  # another render in another thread
    first.__exit__(None, None, None)  # the first one ends before it
    assert gc.get_threshold()[0] == LAYOUT_GC_THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
