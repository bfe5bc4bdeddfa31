"""A feedback workbook in the real LibreOffice Calc (slow; CI runs it): saved again as .xlsx it keeps
its comments, fills and links; printed to PDF, its first page is the results sheet."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from scripts.doc_images import sample_feedback
from tasks.feedback.results_sheet import RESULTS_SHEET
from tests.libreoffice import convert

pytestmark = pytest.mark.slow


def test_libreoffice_keeps_comments_fills_and_prints_the_results(tmp_path):
    feedback = sample_feedback(tmp_path / "work")
    receipt = json.loads(
        (feedback.parent.parent / "receipts" / (feedback.stem + ".json")).read_text("utf-8")
    )
    assert receipt["messages"] and receipt["changes"]

    saved = convert(feedback, "xlsx", tmp_path / "lo")
    wb = load_workbook(saved)
    assert wb.sheetnames[0] == RESULTS_SHEET
    for msg in receipt["messages"]:
        cell = wb[msg["sheet"]][msg["cell"]]
        assert cell.comment is not None and msg["message_vi"] in cell.comment.text
        assert cell.fill.fgColor.rgb.endswith("FFEB9C")  # amber: a warning
    links = [
        c.hyperlink.location for row in wb[RESULTS_SHEET].iter_rows() for c in row if c.hyperlink
    ]
    assert sorted(links) == sorted(f"'{m['sheet']}'!{m['cell']}" for m in receipt["messages"])

    pdf = convert(feedback, "pdf", tmp_path / "pdf")
    first = PdfReader(pdf).pages[0].extract_text()
    for text in (
        "KẾT QUẢ KIỂM TRA TỆP BÁO CÁO",
        "Được chấp nhận, có cảnh báo",
        "Quý III/2025",
        "LOG_QUANTITY_MISMATCH",
        "Thay đổi so với phiên bản trước",
        "13 → 18",
    ):
        assert text in first, text
