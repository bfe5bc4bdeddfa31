"""LeanHTML (tasks/report/lean_html.py): the leaner UA stylesheet changes no byte of the PDF."""

from __future__ import annotations

import warnings
from datetime import date

import pytest
from weasyprint import HTML
from weasyprint.html import UA

from tasks.core.periods import Period, ReportingCalendar
from tasks.report.build import build_report_model
from tasks.report.lean_html import LeanHTML, lean_ua_stylesheet, lean_ua_text
from tasks.report.render import PDF_VARIANT, REPORT_TEMPLATE, TEMPLATES_DIR, render_html
from tests.builders.report_db import build_report_db, small_catalog


def pdf_bytes(cls, text: str, template: str) -> bytes:
    document = cls(string=text, base_url=str(TEMPLATES_DIR / template), media_type="print").render()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_identifier=b"0" * 32)


def test_the_edit_applies_to_the_pinned_weasyprint():
    lean = lean_ua_text()
    assert lean is not None, "WeasyPrint's UA stylesheet changed: revisit tasks/report/lean_html.py"
    assert lean_ua_stylesheet() is not None
    assert "::footnote" not in lean and "::note" not in lean
    assert "li::marker, summary::marker {" in lean
    # nothing else changed: the stock text minus the dropped lines is the lean text, unscoped
    dropped = [line for line in UA.splitlines() if line.startswith(("::footnote", "::note"))]
    assert len(dropped) == 5
    kept = "\n".join(line for line in UA.splitlines() if line not in dropped)
    assert lean.replace("li::marker, summary::marker {", "::marker {").rstrip("\n") == kept.rstrip(
        "\n"
    )


def test_an_unexpected_stylesheet_is_left_alone():
    assert lean_ua_text("p { color: red }") is None  # no ::marker rule
    one_rule_less = "\n".join(x for x in UA.splitlines() if not x.startswith("::note-callback"))
    assert lean_ua_text(one_rule_less) is None  # the rules changed


@pytest.mark.parametrize("period", [Period(2025, 2), Period(2025, 3)])
def test_the_report_pdf_is_byte_identical_with_the_stock_stylesheet(tmp_path, period):
    db = build_report_db(tmp_path / "warehouse.duckdb")
    model = build_report_model(
        db, small_catalog(), period, date(2025, 9, 19), calendar=ReportingCalendar(2, 20)
    )
    text = render_html(model)
    stock, lean = pdf_bytes(HTML, text, REPORT_TEMPLATE), pdf_bytes(LeanHTML, text, REPORT_TEMPLATE)
    assert len(stock) > 10_000
    assert lean == stock
