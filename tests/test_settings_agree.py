"""One source of truth for the calendar: with non-default settings (3 working days to submit, the
report due on the 23rd), the template, the receipt, `dxreport status` and the PDF all state and
apply the same deadline. Everything runs through the `dxreport` command, as an operator would."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from flows.cli import main
from tests.builders import build_workbook

# 2025Q3 closes on Sunday 14/09/2025: 2 working days -> Tue 16/09, 3 -> Wed 17/09.
DEADLINE_3 = "17/09/2025"
DEADLINE_2 = "16/09/2025"


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def workbook_texts(path: Path) -> str:
    """Every cell value, comment and data-validation prompt of a workbook, as one text."""
    wb = openpyxl.load_workbook(path)
    parts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    parts.append(str(cell.value))
                if cell.comment is not None:
                    parts.append(cell.comment.text)
        for dv in ws.data_validations.dataValidation:
            parts += [dv.prompt or "", dv.error or ""]
    return "\n".join(parts)


@pytest.fixture
def configured(monkeypatch, tmp_path):
    monkeypatch.setenv("DXREPORT_SUBMISSION_WORKING_DAYS", "3")
    monkeypatch.setenv("DXREPORT_REPORT_DUE_DAY", "23")
    return tmp_path / "home"


def test_template_receipt_status_and_pdf_agree(prefect_harness, configured, tmp_path):
    home = str(configured)

    code, out = run_cli(
        "template", "--period", "2025Q3", "--unit", "P_HAI_CHAU", "--home", home, "--json"
    )
    assert code == 0, out
    (template,) = json.loads(out)["files"]
    texts = workbook_texts(Path(template))
    assert DEADLINE_3 in texts and DEADLINE_2 not in texts

    # received on the third working day: on time only under the configured rule
    inbox = configured / "inbox"
    build_workbook(inbox / "hai-chau.xlsx", unit_code="P_HAI_CHAU", period="2025Q3")
    code, out = run_cli("intake", "--home", home, "--now", "2025-09-17T10:00:00+07:00", "--json")
    assert code == 0, out
    (receipt,) = json.loads(out)["receipts"]
    assert (receipt["status"], receipt["timeliness"]) == ("accepted", "on_time")

    code, out = run_cli("status", "--period", "2025Q3", "--home", home, "--json")
    assert code == 0, out
    status = json.loads(out)
    assert status["deadline"] == "2025-09-17" and status["report_due"] == "2025-09-23"
    row = next(u for u in status["units"] if u["unit"] == "P_HAI_CHAU")
    assert row["status"] == "on_time"

    code, out = run_cli(
        "report",
        "--period",
        "2025Q3",
        "--home",
        home,
        "--now",
        "2025-09-23T09:00:00+07:00",
        "--json",
    )
    assert code == 0, out
    text = "\n".join(page.extract_text() for page in PdfReader(json.loads(out)["pdf_path"]).pages)
    flat = " ".join(text.split())
    assert f"hạn gửi báo cáo của các đơn vị là ngày {DEADLINE_3}" in flat
    assert DEADLINE_2 not in flat


def test_same_file_is_late_under_the_default_rule(prefect_harness, tmp_path):
    """The counter-check: the same arrival under the default 2 working days is late."""
    home = tmp_path / "home"
    build_workbook(home / "inbox" / "hai-chau.xlsx", unit_code="P_HAI_CHAU", period="2025Q3")
    code, out = run_cli(
        "intake", "--home", str(home), "--now", "2025-09-17T10:00:00+07:00", "--json"
    )
    assert code == 0, out
    (receipt,) = json.loads(out)["receipts"]
    assert receipt["timeliness"] == "late"
