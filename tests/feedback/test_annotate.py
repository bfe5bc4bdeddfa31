"""Feedback workbooks, read back as the unit's spreadsheet program would (openpyxl and calamine)."""

import hashlib
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from tasks.core.settings import WorkspacePaths
from tasks.feedback.annotate import annotated_bytes, feedback_path, write_feedback
from tasks.feedback.results_sheet import RESULTS_SHEET
from tasks.workbook.cell_text import put_text
from tests.builders import build_workbook
from tests.builders.bad_files import write_zip_bomb
from tests.builders.workbooks import default_activities
from tests.intake.test_intake import drop, run

RED, AMBER, BLUE = "00FFC7CE", "00FFEB9C", "00DDEBF7"
INJECTIONS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://x","y")', "@SUM(1)", "+1", "-1", "_x0041_"]


def send(settings, catalog, path: Path) -> tuple[dict, Path]:
    """Intake one file; its receipt and the feedback path it would have."""
    drop(settings, path)
    (receipt,) = run(settings, catalog)["receipts"]
    name = max(p.name for p in settings.paths.receipts.glob("*.json"))  # the newest arrival
    return receipt, feedback_path(settings.paths, name)


def results_rows(wb) -> list[list]:
    return [[c.value for c in row] for row in wb[RESULTS_SHEET].iter_rows()]


def message_rows(wb) -> list:
    """The rows of the message table (below the header "STT | Mức độ | ...")."""
    ws = wb[RESULTS_SHEET]
    rows = list(ws.iter_rows())
    start = next(i for i, r in enumerate(rows) if r[0].value == "STT")
    out = []
    for row in rows[start + 1 :]:
        if not isinstance(row[0].value, int):
            break
        out.append(row)
    return out


def test_a_clean_file_gets_no_feedback_a_file_with_problems_does(make_settings, catalog, tmp_path):
    settings = make_settings()
    clean, clean_fb = send(settings, catalog, build_workbook(tmp_path / "ok.xlsx"))
    assert clean["status"] == "accepted" and not clean_fb.exists()
    assert list(settings.paths.feedback.iterdir()) == []

    bad, fb = send(
        settings,
        catalog,
        build_workbook(tmp_path / "sai.xlsx", values={"TIN_BAI": -1}, unit_code="P_THANH_BINH"),
    )
    assert bad["status"] == "rejected" and fb.exists()
    wb = load_workbook(fb)
    assert wb.sheetnames[0] == RESULTS_SHEET and wb.active.title == RESULTS_SHEET
    assert {"Thông tin", "Chỉ tiêu", "Hoạt động", "Thuyết minh"} <= set(wb.sheetnames)
    text = "\n".join(str(v) for row in results_rows(wb) for v in row if v is not None)
    assert "Bị từ chối" in text and bad["file"] in text and "P_THANH_BINH" in text
    rows = message_rows(wb)
    assert len(rows) == len(bad["messages"]) >= 1
    for row, msg in zip(rows, bad["messages"], strict=True):
        sev, rule, sheet, cell, text_vi = (c.value for c in row[1:6])
        assert (rule, sheet, cell, text_vi) == (
            msg["rule"],
            msg["sheet"] or "(cả tệp)",
            msg["cell"] or None,
            msg["message_vi"],
        )
        assert sev == {"error": "Lỗi", "warning": "Cảnh báo"}[msg["severity"]]
        if msg["cell"]:
            link = row[4].hyperlink
            assert link.location == f"'{msg['sheet']}'!{msg['cell']}" and not link.target
    negative = next(m for m in bad["messages"] if m["rule"] == "VALUE_NEGATIVE")
    target = wb[negative["sheet"]][negative["cell"]]
    assert target.value == -1  # the unit's data as it was
    assert target.fill.fgColor.rgb == RED
    assert negative["message_vi"] in target.comment.text
    # the archived original is untouched
    (archived,) = [
        p for p in settings.paths.archive.rglob("*") if p.is_file() and _sha(p) == bad["sha256"]
    ]
    assert archived.read_bytes() == (tmp_path / "sai.xlsx").read_bytes()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_warnings_are_amber_and_accepted_files_keep_their_values(make_settings, catalog, tmp_path):
    settings = make_settings()
    receipt, fb = send(
        settings, catalog, build_workbook(tmp_path / "canh-bao.xlsx", values={"TIN_BAI": "5"})
    )
    assert receipt["status"] == "accepted_with_warnings"
    warning = next(m for m in receipt["messages"] if m["rule"] == "VALUE_AS_TEXT")
    wb = load_workbook(fb)
    cell = wb[warning["sheet"]][warning["cell"]]
    assert cell.fill.fgColor.rgb == AMBER and warning["message_vi"] in cell.comment.text
    assert cell.value == "5"
    text = " ".join(str(v) for row in results_rows(wb) for v in row if v is not None)
    assert "Được chấp nhận, có cảnh báo" in text and "Phiên bản" in text and "Đúng hạn" in text


def test_a_resubmission_lists_its_changes_old_to_new(make_settings, catalog, tmp_path):
    settings = make_settings()
    send(settings, catalog, build_workbook(tmp_path / "v1.xlsx", values={"TIN_BAI": 1300}))
    receipt, fb = send(
        settings,
        catalog,
        build_workbook(tmp_path / "v2.xlsx", values={"TIN_BAI": 1800, "KINH_PHI": 1234.5}),
    )
    assert receipt["version"] == 2 and receipt["changes"]
    wb = load_workbook(fb)
    rows = results_rows(wb)
    start = next(i for i, r in enumerate(rows) if r[0] == "Thay đổi so với phiên bản trước")
    listed = {r[1]: r[5] for r in rows[start + 2 :] if r[0]}
    assert (listed["TIN_BAI"], listed["KINH_PHI"]) == ("1.300 → 1.800", "5,5 → 1.234,5")
    change = next(c for c in receipt["changes"] if c["field"] == "TIN_BAI")
    cell = wb[change["sheet"]][change["cell"]]
    assert cell.value == 1800
    assert "Đã sửa so với phiên bản trước: 1.300 → 1.800." in cell.comment.text
    named = [
        m
        for m in receipt["messages"]
        if (m["sheet"], m["cell"]) == (change["sheet"], change["cell"])
    ]
    # a change alone is blue; a warning on the same cell wins the colour, the comment keeps both
    assert cell.fill.fgColor.rgb == (AMBER if named else BLUE)
    assert all(m["message_vi"] in cell.comment.text for m in named)


def test_text_from_the_submission_stays_data(make_settings, catalog, tmp_path):
    src = build_workbook(
        tmp_path / "src.xlsx",
        values={"TIN_BAI": -1},
        activities=[{**a, "title": f"MARK{i}"} for i, a in enumerate(default_activities() * 3)],
    )
    wb = load_workbook(src)
    ws = wb["Hoạt động"]
    marks = [c for row in ws.iter_rows() for c in row if str(c.value).startswith("MARK")]
    for cell, text in zip(marks, INJECTIONS, strict=True):
        put_text(cell, text)
    wb.save(src)
    settings = make_settings()
    receipt, fb = send(settings, catalog, src)
    assert fb.exists()
    back = load_workbook(fb)["Hoạt động"]
    got = [back[c.coordinate] for c in marks]
    # openpyxl shows text as stored (escapes raw), exactly as in the unit's file, and as strings
    assert [(c.value, c.data_type) for c in got] == [(m.value, "s") for m in marks]
    with zipfile.ZipFile(fb) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in sheets)
        assert not any(n.startswith("xl/externalLinks") for n in zf.namelist())
    # what LibreOffice's engine-independent reader (calamine) sees: the same strings
    cal = CalamineWorkbook.from_path(str(fb))
    grid = cal.get_sheet_by_name("Hoạt động").to_python()
    cal.close()
    flat = [v for row in grid for v in row]
    assert all(t in flat for t in INJECTIONS)


def test_formulas_links_and_names_of_a_submission_are_dropped(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "Chỉ tiêu"
    ws["A1"] = "=1+1"  # a formula without a cached value
    ws["B2"] = "trang"
    ws["B2"].hyperlink = "http://example.invalid/x"
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names["Boom"] = DefinedName("Boom", attr_text="'Chỉ tiêu'!$A$1")
    src = tmp_path / "x.xlsx"
    wb.save(src)
    receipt = {
        "file": "x.xlsx",
        "received_at": "2025-09-15T08:00:00+07:00",
        "status": "rejected",
        "messages": [
            {
                "severity": "error",
                "rule": "UNIT_MISSING",
                "sheet": "Chỉ tiêu",
                "cell": "B2",
                "message_vi": '=HYPERLINK("http://x","y")',
                "message_en": "x",
            }
        ],
        "changes": [
            {
                "sheet": "Chỉ tiêu",
                "cell": "C3",
                "field": "TIN_BAI",
                "label": "Tin bài",
                "old": 13,
                "new": 18,
            }
        ],
    }
    out = load_workbook(
        __import__("io").BytesIO(
            annotated_bytes(
                src.read_bytes(), "r.json", receipt, __import__("datetime").datetime(2025, 9, 15)
            )
        )
    )
    sheet = out["Chỉ tiêu"]
    assert sheet["A1"].value is None and sheet["B2"].hyperlink is None
    assert sheet["B2"].value == "trang" and sheet["B2"].fill.fgColor.rgb == RED
    assert len(out.defined_names) == 0
    assert sheet["C3"].fill.fgColor.rgb == BLUE and "13 → 18" in sheet["C3"].comment.text
    (row,) = message_rows(out)
    assert row[5].value == '=HYPERLINK("http://x","y")' and row[5].data_type == "s"


@pytest.mark.parametrize("kind", ["not-a-zip", "zip-bomb", "duplicate"])
def test_files_never_opened_get_the_results_sheet_alone(make_settings, catalog, tmp_path, kind):
    settings = make_settings()
    if kind == "not-a-zip":
        path = tmp_path / "bao-cao.xlsx"
        path.write_bytes(b"=cmd|' /C calc'!A0\x00" * 50)
    elif kind == "zip-bomb":
        path = write_zip_bomb(tmp_path / "bom.xlsx")
    else:
        path = build_workbook(tmp_path / "a.xlsx")
        send(settings, catalog, path)
        path = tmp_path / "lan-2.xlsx"
        path.write_bytes((tmp_path / "a.xlsx").read_bytes())
    receipt, fb = send(settings, catalog, path)
    assert receipt["status"] in ("rejected", "duplicate")
    wb = load_workbook(fb)
    assert wb.sheetnames == [RESULTS_SHEET]
    assert len(message_rows(wb)) == len(receipt["messages"])


def test_same_inputs_same_bytes_and_failures_do_not_raise(make_settings, catalog, tmp_path):
    settings = make_settings()
    receipt, fb = send(
        settings, catalog, build_workbook(tmp_path / "a.xlsx", values={"TIN_BAI": -1})
    )
    first = fb.read_bytes()
    (archived,) = [p for p in settings.paths.archive.rglob("*") if p.is_file()]
    again = write_feedback(settings.paths, fb.stem + ".json", receipt, archived)
    assert again == fb and fb.read_bytes() == first
    # a missing archive file: the results sheet alone, no exception
    paths = WorkspacePaths(tmp_path / "khac")
    out = write_feedback(paths, "000009-x.json", receipt, tmp_path / "khong-co.xlsx")
    assert out is not None and load_workbook(out).sheetnames == [RESULTS_SHEET]
    # a receipt without messages or changes needs no feedback
    assert write_feedback(paths, "000010-x.json", {**receipt, "messages": []}, archived) is None


def test_a_unit_sheet_named_like_the_results_sheet_is_kept_under_another_name(tmp_path):
    wb = Workbook()
    wb.active.title = RESULTS_SHEET
    wb.active["A1"] = "của đơn vị"
    wb.create_sheet("Chỉ tiêu (đơn vị's)")
    src = tmp_path / "x.xlsx"
    wb.save(src)
    receipt = {
        "file": "x.xlsx",
        "received_at": "2025-09-15T08:00:00+07:00",
        "status": "rejected",
        "messages": [
            {
                "severity": "error",
                "rule": "SHEET_MISSING",
                "sheet": "Chỉ tiêu",
                "cell": None,
                "message_vi": "thiếu",
                "message_en": "missing",
            },
            {
                "severity": "warning",
                "rule": "VALUE_AS_TEXT",
                "sheet": "Chỉ tiêu (đơn vị's)",
                "cell": "B2",
                "message_vi": "số dạng chữ",
                "message_en": "text",
            },
        ],
        "changes": [  # a removed line has no cell: listed, not pinned on A1
            {
                "sheet": "Chỉ tiêu (đơn vị's)",
                "cell": None,
                "field": "X",
                "label": "X",
                "old": 1,
                "new": None,
            }
        ],
    }
    from datetime import datetime
    from io import BytesIO

    out = load_workbook(
        BytesIO(annotated_bytes(src.read_bytes(), "r.json", receipt, datetime(2025, 9, 15)))
    )
    assert out.sheetnames == [RESULTS_SHEET, RESULTS_SHEET + " (đơn vị)", "Chỉ tiêu (đơn vị's)"]
    assert out[RESULTS_SHEET + " (đơn vị)"]["A1"].value == "của đơn vị"
    # a quote in a sheet name is doubled in the link, as Excel and LibreOffice write it
    (_, row) = message_rows(out)
    assert row[4].hyperlink.location == "'Chỉ tiêu (đơn vị''s)'!B2"
    assert out["Chỉ tiêu (đơn vị's)"]["A1"].comment is None
