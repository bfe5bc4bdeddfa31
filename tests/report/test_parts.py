"""A long report rendered in parts (tasks/report/parts.py) is the report rendered whole: the same
pages as a reader sees them (pdftoppm), the same text, page numbers and draft mark, the same links
landing on the same places, the same bookmarks, PDF/A metadata and attachments; and it is still
deterministic. The test warehouse's report is short, so the size threshold is lowered to force the
parts; the planning and anchor rules are checked directly."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from tasks.core.periods import Period, ReportingCalendar
from tasks.core.settings import TZ
from tasks.report import parts
from tasks.report.build import build_report_model
from tasks.report.figures import CHART_NAMES, report_charts
from tasks.report.pdf_engine import TemplateOnlyFetcher, _render_into
from tasks.report.render import (
    CHART_PLACEHOLDERS,
    Attachment,
    render_html,
    render_pdf,
)
from tests.builders.report_db import build_report_db, small_catalog
from tests.report.test_render import top_margin_text

CALENDAR = ReportingCalendar(submission_working_days=2, report_due_day=20)
STAMP = datetime(2025, 9, 19, tzinfo=TZ)
ATTACHMENTS = (
    Attachment("so-lieu.csv", b"unit_code,value\nX,1\n", "Số liệu", "Data", STAMP),
    Attachment("manifest.json", b'{"a": 1}', "Manifest", "Supplement", STAMP),
)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    db = build_report_db(tmp_path_factory.mktemp("parts") / "warehouse.duckdb")
    return build_report_model(
        db, small_catalog(), Period(2025, 3), date(2025, 9, 19), calendar=CALENDAR
    )


@pytest.fixture(scope="module")
def renders(model, tmp_path_factory):
    """The draft report rendered whole, in parts, and in parts again."""
    folder = tmp_path_factory.mktemp("renders")
    whole = folder / "whole.pdf"
    stats_whole = render_pdf(model, whole, attachments=ATTACHMENTS, workers=1)
    assert stats_whole.parts == 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parts, "MIN_SPLIT_COST", 0)
        split, again = folder / "parts.pdf", folder / "parts-again.pdf"
        stats = render_pdf(model, split, attachments=ATTACHMENTS, workers=2)
        render_pdf(model, again, attachments=ATTACHMENTS, workers=2)
    return whole, split, again, stats, stats_whole


def describe(path: Path) -> dict:
    """What a reader of the PDF gets, page by page and for the document."""
    reader = PdfReader(path)
    pages = reader.pages
    links = []
    for n, page in enumerate(pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            rect = tuple(round(float(x), 2) for x in a["/Rect"])
            links.append((n, rect, str(a.get("/Dest"))))
    dests = {
        name: (
            reader.get_destination_page_number(d),
            round(float(d.left), 2),
            round(float(d.top), 2),
        )
        for name, d in reader.named_destinations.items()
    }
    outline: list[tuple[int, str, int]] = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                outline.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    root = reader.trailer["/Root"]
    return {
        "pages": len(pages),
        "text": [page.extract_text() for page in pages],
        "top margin": [top_margin_text(page) for page in pages],
        "links": links,
        "dests": dests,
        "outline": outline,
        "info": dict(reader.metadata or {}),
        "xmp": root["/Metadata"].get_object().get_data(),
        "lang": root["/Lang"],
        "output intents": len(root["/OutputIntents"]),
        "attachments": reader.attachments,
        "document id": reader.trailer["/ID"][0],
        "header": reader.pdf_header,
    }


def test_the_parts_give_the_reports_pages_links_bookmarks_and_metadata(renders):
    whole, split, _, stats, stats_whole = renders
    assert stats.parts > 1 and stats.pages == stats_whole.pages
    a, b = describe(whole), describe(split)
    assert a.keys() == b.keys()
    for key in a:
        assert b[key] == a[key], key
    # the sample is meaningful: numbered pages after the first, the draft mark on them, internal
    # links across parts, bookmarks for the annexes
    assert a["top margin"][0] == ["DỰ THẢO"]  # the boxed mark, no number on page 1
    assert a["top margin"][1] == ["2", "DỰ THẢO"]
    assert all(margin[0] == str(n + 1) for n, margin in enumerate(a["top margin"][1:], 1))
    assert len(a["links"]) >= 10 and all(dest in a["dests"] for *_, dest in a["links"])
    assert {p for p, *_ in a["dests"].values()} != {0}
    assert any(title.startswith("Biểu số 07") for _, title, _ in a["outline"])
    assert set(a["attachments"]) == {"so-lieu.csv", "manifest.json"}


def test_the_parts_look_the_same_page_for_page(renders, tmp_path):
    whole, split, *_ = renders
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is installed by scripts/setup; not on this machine")
    images = {}
    for name, pdf in (("whole", whole), ("parts", split)):
        subprocess.run(
            ["pdftoppm", "-r", "40", "-gray", str(pdf), str(tmp_path / name)], check=True
        )
        images[name] = sorted(tmp_path.glob(f"{name}-*.pgm"))
    assert len(images["whole"]) == len(images["parts"]) > 5
    for w, p in zip(images["whole"], images["parts"], strict=True):
        assert w.read_bytes() == p.read_bytes(), p.name


def test_the_overlay_covers_the_pages_after_the_first_part(model):
    """The overlay starts at the first page it stamps: numbered from there, with the draft mark's
    text in the margin and the mark itself (set on that page) not drawn."""
    split = parts.split_document(render_html(model))
    reader = PdfReader(io.BytesIO(_overlay_pdf(parts.overlay_html(split, 9, 6))))
    assert [top_margin_text(p) for p in reader.pages] == [[str(n), "DỰ THẢO"] for n in range(6, 10)]
    assert [p.extract_text().split() for p in reader.pages][0] == ["6", "DỰ", "THẢO"]
    whole = PdfReader(io.BytesIO(_overlay_pdf(parts.overlay_html(split, 3))))
    assert [top_margin_text(p) for p in whole.pages] == [
        ["DỰ THẢO"],
        ["2", "DỰ THẢO"],
        ["3", "DỰ THẢO"],
    ]


def _overlay_pdf(text: str) -> bytes:
    out = io.BytesIO()
    _render_into(text, TemplateOnlyFetcher(), out, b"0" * 32)
    return out.getvalue()


def test_parts_render_deterministically(renders):
    _, split, again, *_ = renders
    assert (
        hashlib.sha256(split.read_bytes()).digest() == hashlib.sha256(again.read_bytes()).digest()
    )


def test_every_part_gets_placeholders_for_the_anchors_it_links_to_elsewhere(model):
    doc = parts.split_document(render_html(model))
    plan = parts.make_parts(doc, parts.plan_parts(doc, workers=2))
    assert len(plan) > 1 and plan[0].first and not any(p.first for p in plan[1:])
    held = [p.anchors for p in plan]
    # the anchors are shared out, none twice
    assert sum(len(h) for h in held) == len(frozenset().union(*held))
    for part in plan:
        for target in parts._HREF.findall(part.html):
            assert f'id="{target}"' in part.html  # held or placeholder: WeasyPrint keeps the link
    assert parts.BLANK_MARGINS not in plan[0].html
    assert all(parts.BLANK_MARGINS in p.html for p in plan[1:])


def test_the_parts_are_planned_before_the_charts_are_drawn(model):
    """The later parts start while the charts are drawn: the HTML with empty charts must cut into the
    same pieces, and the same after the body."""
    assert set(report_charts(model)) == set(CHART_NAMES)
    real = parts.split_document(render_html(model))
    outline = parts.split_document(render_html(model, CHART_PLACEHOLDERS))
    assert len(real.pieces) == len(outline.pieces) > 5
    assert real.pieces[1:] == outline.pieces[1:]
    assert real.pieces[0].count("<svg") == outline.pieces[0].count("<svg") == len(CHART_NAMES)


def test_the_plan_balances_the_cores():
    # the 1,000-unit report's pieces (bench/report.py): body, Biểu 01-04, 05 A, 05 B, 06, 07
    costs = [2999, 69, 121, 7232, 58, 13031, 13028, 4, 227]
    two = parts.best_grouping(costs, 2)
    # three parts for two cores (the two long tables apart, the rest together): shared out by
    # the cores, they end with the total over two, which two parts cannot reach here
    assert sum(two) == 9 and len(two) == 3
    ends = [sum(two[: k + 1]) for k in range(len(two))]
    assert 6 in ends  # 05 A (the sixth piece) and 05 B in different parts
    assert parts.best_grouping(costs, 1) == [9]
    four = parts.best_grouping(costs, 4)
    assert sum(four) == 9 and len(four) <= 8 and len(four) > 3
    assert parts.best_grouping([5] * 30, 2) and sum(parts.best_grouping([5] * 30, 2)) == 30


def test_the_estimate_from_the_units_matches_a_long_reports_pieces():
    # the 1,000-unit report's pieces (bench/report.py), as in test_the_plan_balances_the_cores
    costs = [2999, 69, 121, 7232, 58, 13031, 13028, 4, 227]
    estimate = parts.BASE_COST + parts.UNIT_COST * 1000
    assert abs(estimate - sum(costs)) < 0.05 * sum(costs)
    assert parts.likely_split(1000, 2)
    assert not parts.likely_split(1000, 1)  # one core: rendered whole
    assert not parts.likely_split(110, 2)  # Đà Nẵng's hundred-odd units: rendered whole


def test_short_reports_and_single_cores_render_whole(model):
    html = render_html(model)
    assert not parts.worth_splitting(html, 2)  # the test report is short
    assert not parts.worth_splitting(html.replace(parts.PART_MARK, ""), 2)
    assert not parts.worth_splitting("x" * 10**6, 2)


def test_without_processes_the_report_is_rendered_whole(model, tmp_path, monkeypatch, caplog):
    def refuse(processes):
        raise OSError("no processes in this sandbox")

    monkeypatch.setattr(parts, "MIN_SPLIT_COST", 0)
    monkeypatch.setattr(parts, "process_pool", refuse)
    stats = render_pdf(model, tmp_path / "r.pdf", workers=2)
    assert stats.parts == 1 and len(PdfReader(tmp_path / "r.pdf").pages) == stats.pages > 5
    assert not (tmp_path / "r.pdf.tmp").exists()
    assert "rendering it whole" in caplog.text and "no processes in this sandbox" in caplog.text


def test_placeholders_only_for_targets_another_part_holds():
    doc = parts.SplitDocument(
        head="<html><head></head><body>",
        pieces=(
            '<h2 id="a">A</h2><p><a href="#b">b</a> <a href="#nowhere">?</a></p>',
            '<section><h2 id="b">B</h2><p><a href="#a">a</a></p></section>',
        ),
        tail="</body></html>",
    )
    first, second = parts.make_parts(doc, [1, 1])
    assert first.anchors == {"a"} and second.anchors == {"b"}
    assert '<span id="b"></span>' in first.html and 'id="nowhere"' not in first.html
    # inside the part's first block, so the placeholders make no box or page of their own
    assert '<h2 id="b"><span id="a"></span>B</h2>' in second.html
    assert parts.BLANK_MARGINS in second.html and parts.BLANK_MARGINS not in first.html


def test_a_plan_that_no_longer_fits_the_real_html_is_made_again(model, renders, tmp_path):
    """The later parts are planned on the HTML with empty charts; should the real HTML differ after
    the body (a template change), they are planned and rendered again from the real one."""
    from tasks.report import render as render_module

    real = render_module.render_html

    def outline_differs(m, charts=None):
        text = real(m, charts)
        if charts is CHART_PLACEHOLDERS:  # the outline only: a stale later piece
            text = text.replace("Biểu số 07", "Biểu số 77")
        return text

    whole = renders[0]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parts, "MIN_SPLIT_COST", 0)
        mp.setattr(render_module, "render_html", outline_differs)
        stats = render_pdf(model, tmp_path / "r.pdf", attachments=ATTACHMENTS, workers=2)
    assert stats.parts > 1
    a, b = describe(whole), describe(tmp_path / "r.pdf")
    for key in ("pages", "text", "top margin", "links", "dests", "outline"):
        assert b[key] == a[key], key


ROOT = Path(__file__).resolve().parents[2]
_OWN_PROCESS = """
import sys
from datetime import date
from pathlib import Path

from tasks.core.periods import Period, ReportingCalendar
from tasks.report import parts
from tasks.report.build import build_report_model
from tasks.report.render import render_pdf
from tests.builders.report_db import build_report_db, small_catalog

folder = Path(sys.argv[1])
db = build_report_db(folder / "warehouse.duckdb")
model = build_report_model(
    db, small_catalog(), Period(2025, 3), date(2025, 9, 19), calendar=ReportingCalendar(2, 20)
)
parts.MIN_SPLIT_COST = 0
stats = render_pdf(model, folder / "r.pdf", workers=2)
print(stats.parts, stats.pages, "weasyprint" in sys.modules)
"""


def test_a_report_in_parts_is_laid_out_by_its_workers_only(tmp_path):
    """The parts and their page-number overlay are laid out by the workers: the report's own process
    never imports WeasyPrint (about 0.7 s of a core it would take from them)."""
    done = subprocess.run(
        [sys.executable, "-c", _OWN_PROCESS, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    n_parts, pages, imported = done.stdout.split()
    assert int(n_parts) > 1 and len(PdfReader(tmp_path / "r.pdf").pages) == int(pages)
    assert imported == "False"
