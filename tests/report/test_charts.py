"""The report's charts (tasks/report/charts.py): valid, self-contained SVG; Vietnamese numbers;
deterministic bytes in this process and in another; ids that never collide in one page; usable by
WeasyPrint."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from tasks.report.charts import (
    Series,
    TargetBar,
    TimelinessBar,
    bar_chart,
    target_chart,
    timeliness_chart,
    trend_chart,
    vn_formatter,
    vn_number,
    vn_percent,
)
from tasks.report.render import safe_svg

ROOT = Path(__file__).resolve().parents[2]
BARS = [
    TargetBar("T1", "T1", 98.7, 100.0, "98,7%", "100%"),
    TargetBar("T4", "T4", 550.0, 75.0, "11 lớp", "2 lớp"),
    TargetBar("T5", "T5", None, 100.0, "—", "100%"),
]
LABELS = ["Q4/22", "Q1/23", "Q2/23", "Q3/23", "Q4/23", "Q1/24"]
SERIES = [
    Series("Tin, bài, phóng sự", (None, 10.0, 12.0, 30.0, 28.0, 31.0)),
    Series("Lượt tiếp cận nội dung số", (None, None, 1200.0, 1500.0, 1115677.0, 900.0)),
]


def _all():
    return [
        target_chart(BARS),
        trend_chart(LABELS, SERIES, y_label="số lượng"),
        trend_chart(
            LABELS, [Series("T1", (0.5, 0.6, None, 0.8, 0.9, 0.987))], y_label="%", percent=True
        ),
        bar_chart(
            [("Hội nghị, hội thảo", 12.0), ("Tin, bài, phóng sự", 755.0)], x_label="Số lượng"
        ),
        timeliness_chart(
            [TimelinessBar("Quý II/2025", 56, 7, 6), TimelinessBar("Quý III/2025", 26, 3, 2)]
        ),
    ]


def test_vietnamese_number_formats():
    assert vn_number(1234.5, 1) == "1.234,5"
    assert vn_number(1115677) == "1.115.677"
    assert vn_percent(0.8125) == "81,3%"


def test_axis_formatters_are_vietnamese():
    assert vn_formatter()(1234.5, 0) == "1.234,5"
    assert vn_formatter()(2.0, 0) == "2"  # no ",0" on whole ticks
    assert vn_formatter()(0.25, 0) == "0,25"  # small steps keep their decimals
    assert vn_formatter(percent=True, decimals=1)(0.8125, 0) == "81,3%"
    assert vn_formatter(percent=True)(0.025, 0) == "2,5%"


def test_charts_are_valid_self_contained_svg():
    for svg in _all():
        root = ET.fromstring(svg)
        assert root.tag.endswith("svg") and root.get("width") and root.get("height")
        width, height = root.get("width", ""), root.get("height", "")
        assert width.endswith("pt") and height.endswith("pt")
        assert float(width[:-2]) <= 160.1 / 25.4 * 72  # 6.3 in: the A4 text block, 160 mm
        assert svg.startswith("<svg") and "<?xml" not in svg and "DOCTYPE" not in svg
        assert "<text" not in svg  # text drawn as paths: no font needed in the PDF
        assert "<script" not in svg and "<image" not in svg
        assert str(safe_svg(svg)) == svg  # the template's filter accepts it


def test_empty_inputs_still_draw():
    for svg in (
        target_chart([]),
        trend_chart([], [], y_label=""),
        bar_chart([], x_label="x"),
        timeliness_chart([]),
    ):
        root = ET.fromstring(svg)
        assert float(root.get("height", "0pt")[:-2]) <= 100  # a small placeholder
        assert len(root.findall(".//{http://www.w3.org/2000/svg}use")) > 5  # "Chưa có số liệu"


def test_trend_values_must_match_the_labels():
    with pytest.raises(ValueError):
        trend_chart(["Q1/25", "Q2/25"], [Series("T1", (1.0,))], y_label="")


def test_identical_charts_are_told_apart_by_key():
    a = bar_chart([], x_label="Số lượng", key="by_type")
    b = bar_chart([], x_label="Số lượng", key="by_channel")
    ids = re.findall(r'id="([^"]+)"', a + b)
    assert len(ids) == len(set(ids))


def test_threads_give_the_same_bytes():
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda _: _all(), range(3)))
    assert all(p == parallel[0] for p in parallel) and parallel[0] == _all()


def test_the_same_input_gives_the_same_bytes_here_and_in_another_process():
    first, again = _all(), _all()
    assert first == again
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.report.test_charts import _all\n"
        "import hashlib\n"
        "print(hashlib.sha256(''.join(_all()).encode()).hexdigest())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    import hashlib

    assert out == hashlib.sha256("".join(first).encode()).hexdigest()


def test_no_two_charts_share_an_id():
    ids = [i for svg in _all() for i in re.findall(r'id="([^"]+)"', svg)]
    assert ids and len(ids) == len(set(ids))
    refs = {r for svg in _all() for r in re.findall(r'(?:href="#|url\(#)([^")]+)', svg)}
    assert refs <= set(ids)  # every reference resolves inside its own chart


def test_weasyprint_draws_them_in_a_pdf(tmp_path):
    html = "<html><body>" + "".join(f"<div>{svg}</div>" for svg in _all()) + "</body></html>"
    out = tmp_path / "charts.pdf"
    HTML(string=html).write_pdf(out)
    assert len(PdfReader(out).pages) >= 1


def test_two_charts_fit_one_page(tmp_path):
    two = [target_chart(BARS), timeliness_chart([TimelinessBar("Quý III/2025", 26, 3, 2)])]
    html = (
        "<html><head><style>@page { size: A4; margin: 25mm }</style></head><body>"
        + "".join(f"<figure>{svg}<figcaption>Hình</figcaption></figure>" for svg in two)
        + "</body></html>"
    )
    out = tmp_path / "two.pdf"
    HTML(string=html).write_pdf(out)
    assert len(PdfReader(out).pages) == 1


def test_the_template_refuses_an_svg_that_is_not_plain():
    for bad in (
        "<svg><script>alert(1)</script></svg>",
        '<svg><image href="file:///etc/passwd"/></svg>',
        '<svg onload="x()"></svg>',
        "<div></div>",
    ):
        with pytest.raises(ValueError):
            safe_svg(bad)
