"""File-level rejections (tasks/intake/file_checks.py), through `read_submission` and `check_file`."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tasks.core.settings import Settings
from tasks.intake.file_checks import check_file
from tasks.intake.parse import read_submission
from tests import builders as b

SETTINGS = Settings()


def _text_file(path: Path) -> Path:
    path.write_text("Mã đơn vị;Kỳ báo cáo\nP_HAI_CHAU;2025Q3\n", encoding="utf-8")
    return path


def _empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _docx_like(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        zf.writestr("word/document.xml", "<w:document/>")
    return path


def _xlsb_like(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>',
        )
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return path


def _dtd_in_rels(path: Path) -> Path:
    return b.write_xlsx_with_dtd(path, part="_rels/.rels")


def _dtd_utf16(path: Path) -> Path:
    """The DOCTYPE hidden from a byte search by a UTF-16 encoded part."""
    b.build_workbook(path)
    parts = b.read_parts(path)
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "boom">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>'
    parts["xl/sharedStrings.xml"] = xml.encode("utf-16")
    return b.write_parts(path, parts)


def _xlsm_by_content_type(path: Path) -> Path:
    return b.write_xlsm(path, vba_part=False)


def _xlsm_by_vba_part(path: Path) -> Path:
    return b.write_xlsm(path, content_type=False)


def _far_row_without_refs(path: Path) -> Path:
    """Cells without `r` references: a wide first row and one value a million rows down."""
    b.build_workbook(path)
    parts = b.read_parts(path)
    part = b.sheet_part(path, "Hoạt động")
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * 3000
    data = f'<sheetData><row>{cells}</row><row r="1000000"><c><v>1</v></c></row></sheetData>'
    xml = parts[part].decode()
    start, end = xml.index("<sheetData"), xml.index("</sheetData>") + len("</sheetData>")
    parts[part] = (xml[:start] + data + xml[end:]).encode()
    return b.write_parts(path, parts)


def _crc(path: Path) -> Path:
    return b.write_corrupt_zip(path, mode="crc")


# (case id, builder, file name, rule)
FILE_CASES = [
    ("xls", b.write_xls_bytes, "bao_cao.xls", "FILE_FORMAT_XLS"),
    ("xls-renamed-xlsx", b.write_xls_bytes, "bao_cao.xlsx", "FILE_FORMAT_XLS"),
    ("encrypted", b.write_encrypted_like, "bao_cao.xlsx", "FILE_ENCRYPTED"),
    ("zip-encrypted-entry", b.write_zip_encrypted_entry, "bao_cao.xlsx", "FILE_ENCRYPTED"),
    ("ods", b.write_ods, "bao_cao.ods", "FILE_FORMAT_ODS"),
    ("ods-renamed-xlsx", b.write_ods, "bao_cao.xlsx", "FILE_FORMAT_ODS"),
    ("xlsm", b.write_xlsm, "bao_cao.xlsm", "FILE_MACRO_ENABLED"),
    ("xlsm-content-type", _xlsm_by_content_type, "bao_cao.xlsx", "FILE_MACRO_ENABLED"),
    ("xlsm-vba-part", _xlsm_by_vba_part, "bao_cao.xlsx", "FILE_MACRO_ENABLED"),
    ("xlsm-by-name", b.build_workbook, "bao_cao.xlsm", "FILE_MACRO_ENABLED"),
    ("text", _text_file, "bao_cao.csv", "FILE_NOT_XLSX"),
    ("text-named-xlsx", _text_file, "bao_cao.xlsx", "FILE_NOT_XLSX"),
    ("empty", _empty_file, "bao_cao.xlsx", "FILE_NOT_XLSX"),
    ("docx", _docx_like, "bao_cao.xlsx", "FILE_NOT_XLSX"),
    ("xlsb", _xlsb_like, "bao_cao.xlsb", "FILE_NOT_XLSX"),
    ("truncated", b.write_corrupt_zip, "bao_cao.xlsx", "FILE_CORRUPT"),
    ("crc", _crc, "bao_cao.xlsx", "FILE_CORRUPT"),
    ("zip-bomb", b.write_zip_bomb, "bao_cao.xlsx", "FILE_ZIP_BOMB"),
    ("ratio-bomb", b.write_ratio_bomb, "bao_cao.xlsx", "FILE_ZIP_BOMB"),
    ("dtd-workbook", b.write_xlsx_with_dtd, "bao_cao.xlsx", "FILE_XML_DTD"),
    ("dtd-rels", _dtd_in_rels, "bao_cao.xlsx", "FILE_XML_DTD"),
    ("dtd-utf16", _dtd_utf16, "bao_cao.xlsx", "FILE_XML_DTD"),
    ("far-cell", b.write_far_cell, "bao_cao.xlsx", "FILE_SHEET_TOO_LARGE"),
    ("far-row-without-refs", _far_row_without_refs, "bao_cao.xlsx", "FILE_SHEET_TOO_LARGE"),
]


@pytest.mark.parametrize(
    ("builder", "file_name", "rule"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_rejected_files(tmp_path, builder, file_name, rule):
    path = builder(tmp_path / "upload.bin")
    sub = read_submission(path, file_name, "000001-abc", SETTINGS)
    assert not sub.readable
    assert [m.rule for m in sub.messages] == [rule]
    msg = sub.messages[0]
    assert msg.severity == "error"
    assert msg.cell is None
    assert msg.message_vi and msg.message_en
    assert sub.unit_code is None and sub.period_id is None and not sub.values
    assert sub.status == "rejected"


@pytest.mark.parametrize(
    "rule",
    [
        "FILE_NOT_XLSX",
        "FILE_FORMAT_XLS",
        "FILE_FORMAT_ODS",
        "FILE_MACRO_ENABLED",
        "FILE_ENCRYPTED",
        "FILE_CORRUPT",
    ],
)
def test_format_messages_say_which_format_to_use(rule):
    from tasks.intake.rules import message

    msg = message(rule, file_name="x")
    assert "Sổ làm việc Excel (.xlsx)" in msg.message_vi
    assert "Excel Workbook (.xlsx)" in msg.message_en or "(.xlsx)" in msg.message_en


def test_too_large(tmp_path):
    path = b.build_workbook(tmp_path / "a.xlsx")
    settings = Settings(max_file_bytes=path.stat().st_size - 1)
    messages = check_file(path, "a.xlsx", settings)
    assert [m.rule for m in messages] == ["FILE_TOO_LARGE"]
    assert messages[0].severity == "error" and messages[0].sheet is None


def test_uncompressed_limit_from_settings(tmp_path):
    path = b.build_workbook(tmp_path / "a.xlsx")
    assert (
        check_file(path, "a.xlsx", Settings(max_uncompressed_bytes=1000))[0].rule == "FILE_ZIP_BOMB"
    )
    assert (
        check_file(path, "a.xlsx", Settings(max_compression_ratio=1.5))[0].rule == "FILE_ZIP_BOMB"
    )


def test_sheet_too_large_names_the_sheet(tmp_path):
    path = b.write_far_cell(tmp_path / "a.xlsx", ref="XFD1048576")
    msg = check_file(path, "a.xlsx", SETTINGS)[0]
    assert msg.sheet == "Hoạt động" and "XFD1048576" in msg.message_vi


def test_valid_workbook_passes(tmp_path):
    path = b.build_workbook(tmp_path / "a.xlsx")
    assert check_file(path, "anything.xls", SETTINGS) == []  # the name carries no meaning


def test_many_formatted_rows_are_not_a_large_sheet(tmp_path):
    path = b.add_formatted_empty_cells(b.build_workbook(tmp_path / "a.xlsx"), "Hoạt động", 4, 3000)
    assert check_file(path, "a.xlsx", SETTINGS) == []
