"""tasks/report/fast_html.py gives the tree WeasyPrint's HTML5 parser (tinyhtml5) gives, or nothing.

Every document dxreport renders (the report with its charts, the outline with empty charts, each
part, the overlay, unit sheets) is parsed both ways and compared element by element: tag,
attributes, text and tail. Markup whose HTML5 tree differs from its XML reading is refused (None),
and markup that is accepted is checked against tinyhtml5 too. tests/report/test_lean_html.py and
tests/unit_pages/test_unit_pages.py compare the PDFs with WeasyPrint's stock HTML byte for byte."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import date

import pytest
import tinyhtml5
from weasyprint import HTML

from tasks.core.periods import Period, ReportingCalendar
from tasks.report import fast_html, parts
from tasks.report.build import build_report_model
from tasks.report.lean_html import LeanHTML
from tasks.report.render import CHART_PLACEHOLDERS, render_html
from tests.builders.report_db import build_report_db, small_catalog


def stock(text: str) -> ET.Element:
    return tinyhtml5.parse(text, namespace_html_elements=False)


def differences(a: ET.Element, b: ET.Element, path: str = "html") -> list[str]:
    """Where two trees differ (empty when they are the same)."""
    found = []
    if a.tag != b.tag:
        return [f"{path}: tag {a.tag!r} != {b.tag!r}"]
    if dict(a.attrib) != dict(b.attrib):
        found.append(f"{path}: attributes {dict(a.attrib)} != {dict(b.attrib)}")
    if a.text != b.text:
        found.append(f"{path}: text {a.text!r} != {b.text!r}")
    if a.tail != b.tail:
        found.append(f"{path}: tail {a.tail!r} != {b.tail!r}")
    if len(a) != len(b):
        return [*found, f"{path}: {len(a)} children != {len(b)}"]
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        name = x.tag if isinstance(x.tag, str) else "#comment"
        found += differences(x, y, f"{path}/{name}[{i}]")
    return found


def assert_same_tree(text: str) -> None:
    fast = fast_html.parse(text)
    assert fast is not None, "the fast parser refused our own markup"
    assert differences(fast, stock(text)) == []


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, str]:
    db = build_report_db(tmp_path_factory.mktemp("fast-html") / "warehouse.duckdb")
    texts = {}
    models = {}
    for period in (Period(2025, 2), Period(2025, 3)):
        model = build_report_model(
            db, small_catalog(), period, date(2025, 9, 19), calendar=ReportingCalendar(2, 20)
        )
        models[period.id] = model
        texts[period.id] = render_html(model)
        texts[f"{period.id} outline"] = render_html(model, CHART_PLACEHOLDERS)
    # as at 1,000 units: Biểu 05's first table runs over 40 rows (2025Q2 has 6 units with values),
    # so its second table starts a new page, and a part may start there, inside the annex
    model = models["2025Q2"]
    assert all(len(t.rows) == 6 for t in model.values_tables)
    long = dataclasses.replace(
        model,
        values_tables=tuple(dataclasses.replace(t, rows=t.rows * 7) for t in model.values_tables),
    )
    texts["2025Q2 long"] = render_html(long)
    return texts


def test_the_reports_parse_to_the_html5_tree(reports):
    for name, text in reports.items():
        assert "<svg" in text and "<table" in text, name
        assert_same_tree(text)


def test_every_part_and_the_overlay_parse_to_the_html5_tree(reports):
    split = parts.split_document(reports["2025Q3"])
    n = len(split.pieces)
    assert n >= 3
    for sizes in ([1, n - 1], [n - 2, 1, 1], [1] * n):
        for part in parts.make_parts(split, sizes):
            assert_same_tree(part.html)
    assert_same_tree(parts.overlay_html(split, 12))
    assert_same_tree(parts.overlay_html(split, 12, 5))


def test_a_part_that_starts_inside_an_annex_is_well_formed(reports):
    """A part may start at Biểu 05's second table: the section is closed before the cut and opened
    again after it, so the part is read by the fast parser, not by tinyhtml5 (four times slower)."""
    split = parts.split_document(reports["2025Q2 long"])
    starts = [i for i, piece in enumerate(split.pieces) if 'id="b05-b"' in piece]
    assert len(starts) == 1 and 'id="b05"' not in split.pieces[starts[0]]  # a piece of its own
    n = len(split.pieces)
    for sizes in ([starts[0], n - starts[0]], [1] * n):
        for part in parts.make_parts(split, sizes):
            assert_same_tree(part.html)


def test_lean_html_takes_the_fast_tree(reports, monkeypatch):
    text = reports["2025Q3"]
    calls = []
    real = fast_html.parse

    def spy(t: str):
        calls.append(t)
        return real(t)

    monkeypatch.setattr(fast_html, "parse", spy)
    document = LeanHTML(string=text, base_url="/x/report.html.j2")
    assert calls == [text]
    assert differences(document.etree_element, stock(text)) == []
    assert document.base_url == HTML(string=text, base_url="/x/report.html.j2").base_url


DOC = '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n<title>T</title>\n</head>\n<body>\n{}\n</body>\n</html>\n'

ACCEPTED = [
    "<p>a &amp; b &lt;c&gt; &#34;d&#34; &#39;e&#39; &#x1EA1;</p>",
    '<table class="data">\n  <tr><td>1</td></tr>\n  <!-- c -->\n  <tr><td>2</td></tr>\n</table>',
    "<table><thead><tr><th>h</th></tr></thead>\n<tr><td>1</td></tr></table>",
    '<table><colgroup><col style="width: 10%"><col></colgroup><tbody><tr><td>x</td></tr></tbody></table>',
    '<div title="two\nlines\tand a tab">x<br>y<br/>z</div>',
    "<pre>\nkept\n</pre>",
    '<p title="a > b\nc" class="x">d &gt; e</p>',
    "<p\n  class=\"x\"\n  title='f\tg'>h</p>",
    "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>",
    '<!--dxreport:part--><section class="annex"><h2>x</h2></section>',
    '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="10" viewBox="0 0 1 1" '
    'xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="c"><rect x="0"/></clipPath>'
    '<linearGradient id="g"/></defs><use xlink:href="#c"/><path d="M 0 0 \nL 1 1"/></svg>',
    "",
]

REFUSED = [
    "<p>a&nbsp;b</p>",  # an HTML entity
    "<p>a & b</p>",  # a bare ampersand
    "<p><div>x</div></p>",  # HTML5 closes the <p>
    "<table><td>x</td></table>",  # HTML5 adds the <tr>
    "<table>text<tr><td>x</td></tr></table>",  # foster parenting
    "<table><div>x</div></table>",
    "<table><col></table>",  # HTML5 adds the <colgroup>
    "<div/>",  # not void: HTML5 opens it
    '<div title="a > b" />',
    "<style>a::after { content: '&' }</style>",
    "<p>\x01</p>",  # a control character
    "<p>&#150;</p>",  # remapped to U+2013 by HTML5
    "<a href='#x'><a href='#y'>x</a></a>",
    "<h2><h3>x</h3></h2>",
    "<ul><li>a<span><li>b</li></span></li></ul>",
    "<td nowrap>x</td>",
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><clippath/></svg>',  # HTML5 re-cases it
    '<svg xmlns="http://www.w3.org/2000/svg" viewbox="0 0 1 1"></svg>',
    '<svg xmlns="http://www.w3.org/2000/svg"><p>x</p></svg>',  # HTML5 leaves the SVG
    "<math><mi>x</mi></math>",
    "<script>1</script>",
    '<p xml:lang="vi">x</p>',
]


@pytest.mark.parametrize("body", ACCEPTED)
def test_accepted_markup_gives_the_html5_tree(body):
    assert_same_tree(DOC.format(body))


@pytest.mark.parametrize("body", REFUSED)
def test_markup_html5_reads_otherwise_is_refused(body):
    assert fast_html.parse(DOC.format(body)) is None


@pytest.mark.parametrize(
    "text",
    [
        "<p>no html element</p>",
        "<!-- c --><html><head></head><body></body></html>",
        "<html><head></head><body></body></html><p>after</p>",
        "<html><head><div>x</div></head><body></body></html>",
        "<html>text<head></head><body></body></html>",
        "<html><head></head><body></body>tail</html>",
    ],
)
def test_documents_html5_reads_otherwise_are_refused(text):
    assert fast_html.parse(text) is None


def test_crlf_is_read_as_html5_reads_it():
    assert_same_tree(DOC.format('<p title="a\r\nb">x\r\ny\rz</p>').replace("\n", "\r\n"))


def test_very_deep_markup_is_left_to_weasyprint():
    assert fast_html.parse(DOC.format("<div>" * 5000 + "</div>" * 5000)) is None
