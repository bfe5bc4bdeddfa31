"""Builders of submission workbooks for tests (SUBMISSION_FORMAT.md), written with openpyxl directly
(not with the template writer, so the intake is tested against the contract, not against our own
writer), plus byte-level builders of files the intake must reject.

    path = build_workbook(tmp_path / "a.xlsx", values={"TIN_BAI": -1, "MO_HINH_MOI": OMIT})

`build_workbook` defaults give a valid 2025Q3 submission of P_HAI_CHAU with every assigned data
element, two activities inside the data window and the four narratives.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from schemas.catalog_model import Catalog, load_catalog
from tasks.periods import Period
from tasks.submission import (
    ACTIVITY_COLUMNS,
    ELEMENT_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_LISTS,
    SHEET_NARRATIVE,
)

OMIT = object()  # a `values` / `header_overrides` / `narratives` entry: leave that row out entirely
DATE_FORMAT = "dd/mm/yyyy"

# short keys accepted in `activities` rows, next to the column labels themselves
ACTIVITY_KEYS = {
    "stt": "STT",
    "date": "Ngày",
    "type": "Loại hoạt động",
    "channel": "Kênh",
    "title": "Tên, nội dung",
    "quantity": "Số lượng",
    "reach": "Lượt tiếp cận",
    "cost": "Kinh phí (triệu đồng)",
    "url": "Đường dẫn minh chứng",
}

DEFAULT_NARRATIVES = {
    "ket_qua": "Tổ chức 2 hội nghị phổ biến chuyển đổi số cho cán bộ lãnh đạo.",
    "kho_khan": "Kinh phí còn hạn chế.",
    "de_xuat": "Đề nghị thành phố hỗ trợ tài liệu truyền thông.",
    "nhiem_vu": "Tiếp tục truyền thông về Ngày Chuyển đổi số quốc gia 10/10.",
}


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The packaged catalogue (cached)."""
    return load_catalog()


def _elements_of(unit_code: str):
    unit = catalog().unit(unit_code)
    unit_type = unit.type if unit else "phuong_xa"
    return catalog().elements_for_type(unit_type)


def default_values(unit_code: str = "P_HAI_CHAU") -> dict[str, object]:
    """A valid value for every data element assigned to the unit's type (stocks below totals)."""
    out: dict[str, object] = {}
    for element in _elements_of(unit_code):
        if element.kind == "yes_no":
            out[element.code] = 1
        elif element.kind == "money":
            out[element.code] = 12.5
        elif element.kind == "stock":
            out[element.code] = 8 if element.not_above else 10
        else:
            out[element.code] = 3
    return out


def default_activities(period: str = "2025Q3") -> list[dict]:
    try:
        start = Period.parse(period).window_start
    except Exception:  # noqa: BLE001 - an invalid period in a test: any date will do
        start = date(2025, 6, 15)
    return [
        {
            "stt": 1,
            "date": start + timedelta(days=10),
            "type": "hoi_nghi_hoi_thao",
            "channel": "truc_tiep",
            "title": "Hội nghị phổ biến chuyển đổi số",
            "quantity": 1,
            "reach": 120,
            "cost": 5.5,
            "url": "https://danang.gov.vn/tin/1",
        },
        {
            "stt": 2,
            "date": start + timedelta(days=30),
            "type": "bai_mxh",
            "channel": "zalo",
            "title": "Bài đăng Zalo OA",
            "quantity": 4,
            "reach": 2500,
            "cost": None,
            "url": None,
        },
    ]


def _nfd(text: str, on: bool) -> str:
    return unicodedata.normalize("NFD", text) if on else text


def build_workbook(
    path: Path,
    *,
    unit_code: str | None = "P_HAI_CHAU",
    unit_name: str | None = None,
    period: object = "2025Q3",
    preparer: str | None = "Nguyễn Văn A",
    email: str | None = "a@danang.gov.vn",
    prepared_on: object = date(2025, 9, 15),
    template_version: object = 1,
    values: Mapping[str, object] | None = None,
    notes: Mapping[str, str] | None = None,
    activities: list[dict] | None = None,
    narratives: Mapping[str, object] | None = None,
    drop_sheets: Iterable[str] = (),
    extra_sheets: Iterable[str] = (),
    sheet_order: list[str] | None = None,
    header_overrides: Mapping[str, object] | None = None,
    nfd: bool = False,
    phone: str | None = "0236 3822 123",
    epoch1904: bool = False,
    element_rows: list[list] | None = None,
    element_header: list[str] | None = None,
    activity_header: list[str] | None = None,
    sheet_names: Mapping[str, str] | None = None,
) -> Path:
    """Write a submission workbook and return its path. See the module doc for the defaults.

    values: code -> cell value (number, text, None = blank), merged into `default_values(unit_code)`
        (changed codes keep their row, new codes are appended); OMIT leaves a code's row out.
    element_rows: full rows for "Chỉ tiêu" instead of `values` (each [code, name, uom, kind, value, note]).
    activities: rows as dicts keyed by column label or short key (date, type, channel, title,
        quantity, reach, cost, url, stt); [] = no rows.
    header_overrides: label (e.g. "Email") -> value; OMIT drops the label row.
    nfd: write sheet names, labels and headers in Unicode NFD (as typed on macOS).
    sheet_names: canonical sheet name -> the name to write (e.g. " thông TIN ").
    """
    path = Path(path)
    cat = catalog()
    unit = cat.unit(unit_code) if unit_code else None
    if unit_name is None:
        unit_name = unit.name if unit else "Đơn vị thử"
    merged = default_values(unit_code or "P_HAI_CHAU")
    for code, value in (values or {}).items():
        if value is OMIT:
            merged.pop(code, None)
        else:
            merged[code] = value
    values = merged
    if activities is None:
        activities = default_activities(str(period))
    narrative_values = dict(DEFAULT_NARRATIVES)
    if narratives is not None:
        narrative_values = dict(narratives)

    wb = openpyxl.Workbook()
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904
    wb.remove(wb.active)
    sheets = {}

    # --- Thông tin
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_INFO, SHEET_INFO), nfd))
    sheets[SHEET_INFO] = ws
    ws.append([_nfd("THÔNG TIN BÁO CÁO", nfd)])
    header_values = {
        "unit_code": unit_code,
        "unit_name": unit_name,
        "period": period,
        "preparer": preparer,
        "phone": phone,
        "email": email,
        "prepared_on": prepared_on,
        "template_version": template_version,
    }
    overrides = dict(header_overrides or {})
    for key, label in INFO_LABELS.items():
        value = overrides.pop(label, header_values[key])
        if value is OMIT:
            continue
        ws.append([_nfd(label, nfd), value])
        if isinstance(value, (date, datetime)):
            ws.cell(row=ws.max_row, column=2).number_format = DATE_FORMAT
    for label, value in overrides.items():  # labels that are not in the contract
        if value is not OMIT:
            ws.append([_nfd(label, nfd), value])

    # --- Chỉ tiêu
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_ELEMENTS, SHEET_ELEMENTS), nfd))
    sheets[SHEET_ELEMENTS] = ws
    ws.append([_nfd(c, nfd) for c in (element_header or ELEMENT_COLUMNS)])
    if element_rows is None:
        element_rows = []
        for code, value in values.items():
            element = cat.element_by_code.get(code)
            element_rows.append(
                [
                    code,
                    element.name if element else "",
                    element.uom if element else "",
                    element.kind_label if element else "",
                    value,
                    (notes or {}).get(code),
                ]
            )
    for row in element_rows:
        ws.append(list(row))

    # --- Hoạt động
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_ACTIVITIES, SHEET_ACTIVITIES), nfd))
    sheets[SHEET_ACTIVITIES] = ws
    ws.append([_nfd(c, nfd) for c in (activity_header or ACTIVITY_COLUMNS)])
    for number, activity in enumerate(activities, start=1):
        by_label = {ACTIVITY_KEYS.get(k, k): v for k, v in activity.items()}
        by_label.setdefault("STT", number)
        ws.append(
            [None if by_label.get(c, None) is OMIT else by_label.get(c) for c in ACTIVITY_COLUMNS]
        )
        cell = ws.cell(row=ws.max_row, column=2)
        if isinstance(cell.value, (date, datetime)):
            cell.number_format = DATE_FORMAT

    # --- Thuyết minh
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_NARRATIVE, SHEET_NARRATIVE), nfd))
    sheets[SHEET_NARRATIVE] = ws
    for key, label in NARRATIVE_LABELS.items():
        text = narrative_values.get(key, "")
        if text is OMIT:
            continue
        ws.append([_nfd(label, nfd), text])

    # --- Danh mục (hidden lists)
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_LISTS, SHEET_LISTS), nfd))
    sheets[SHEET_LISTS] = ws
    for i, code in enumerate(cat.activity_codes, start=1):
        ws.cell(row=i, column=1, value=code)
    for i, code in enumerate(cat.channel_codes, start=1):
        ws.cell(row=i, column=2, value=code)
    ws.sheet_state = "hidden"

    for name in extra_sheets:
        extra = wb.create_sheet(name)
        extra["A1"] = "Ghi chú riêng của đơn vị"
        sheets[name] = extra
    for name in drop_sheets:
        wb.remove(sheets.pop(name))
    if sheet_order is not None:
        ordered = [sheets[n] for n in sheet_order if n in sheets]
        ordered += [ws for n, ws in sheets.items() if n not in sheet_order]
        wb._sheets = ordered  # openpyxl has no public reorder
        wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- editing an existing workbook's XML ---------------------------------------------------------
def _read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write_parts(path: Path, parts: Mapping[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def sheet_part(path: Path, sheet_name: str) -> str:
    """The zip part name of a worksheet (from workbook.xml and its relationships)."""
    parts = _read_parts(path)
    workbook = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    for m in re.finditer(r'<sheet [^>]*name="([^"]*)"[^>]*r:id="([^"]*)"', workbook):
        if m.group(1) == sheet_name:
            target = re.search(
                rf'Id="{m.group(2)}"[^>]*Target="([^"]*)"|Target="([^"]*)"[^>]*Id="{m.group(2)}"',
                rels,
            )
            t = (target.group(1) or target.group(2)).lstrip("/")
            return t if t.startswith("xl/") else "xl/" + t
    raise KeyError(sheet_name)


def set_formula_cell(
    path: Path, sheet_name: str, ref: str, formula: str, cached: float | str
) -> Path:
    """Make `ref` a formula cell with a cached value (openpyxl cannot write cached values)."""
    parts = _read_parts(path)
    part = sheet_part(path, sheet_name)
    xml = parts[part].decode()
    cached_xml = f"<v>{cached}</v>" if not isinstance(cached, str) else f"<v>{cached}</v>"
    type_attr = ' t="str"' if isinstance(cached, str) else ""
    new_cell = f'<c r="{ref}"{type_attr}><f>{formula}</f>{cached_xml}</c>'
    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)
    if pattern.search(xml):
        xml = pattern.sub(new_cell, xml, count=1)
    else:
        row = re.sub(r"[A-Z]+", "", ref)
        row_pat = re.compile(rf'(<row r="{row}"[^>]*>)(.*?)(</row>)', re.S)
        if row_pat.search(xml):
            xml = row_pat.sub(
                lambda m: m.group(1) + m.group(2) + new_cell + m.group(3), xml, count=1
            )
        else:
            xml = xml.replace("</sheetData>", f'<row r="{row}">{new_cell}</row></sheetData>')
    parts[part] = xml.encode()
    return _write_parts(path, parts)


def add_formatted_empty_cells(
    path: Path, sheet_name: str, first_row: int, last_row: int, columns: str = "ABCDEFGHI"
) -> Path:
    """Append styled but empty cells (e.g. borders down to row 200), as Excel writes them."""
    parts = _read_parts(path)
    part = sheet_part(path, sheet_name)
    xml = parts[part].decode()
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}" s="0"/>' for c in columns) + "</row>"
        for r in range(first_row, last_row + 1)
    )
    xml = xml.replace("</sheetData>", rows + "</sheetData>").replace(
        "<sheetData/>", f"<sheetData>{rows}</sheetData>"
    )
    parts[part] = xml.encode()
    return _write_parts(path, parts)


# --- byte-level builders of files to reject -------------------------------------------------------
def _cfb(stream_names: list[str]) -> bytes:
    """A minimal, well-formed OLE compound file (CFB v3) whose streams are empty: a header, one FAT
    sector and one directory sector."""
    sector = 512
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x003E, 0x0003, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 44, 1)  # number of FAT sectors
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    struct.pack_into("<I", header, 56, 4096)  # mini stream cutoff
    struct.pack_into("<I", header, 60, end)  # first mini FAT sector
    struct.pack_into("<I", header, 64, 0)  # number of mini FAT sectors
    struct.pack_into("<I", header, 68, end)  # first DIFAT sector
    struct.pack_into("<I", header, 72, 0)  # number of DIFAT sectors
    difat = [0] + [free] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = [fat_sect, end] + [free] * (sector // 4 - 2)
    fat_bytes = struct.pack(f"<{sector // 4}I", *fat)

    def entry(name: str, kind: int, left: int, right: int, child: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        e = bytearray(128)
        e[0 : len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw), kind, 1)  # name length, type, colour black
        struct.pack_into("<III", e, 68, left, right, child)
        struct.pack_into("<I", e, 116, end if kind != 5 else end)  # start sector
        return bytes(e)

    nostream = 0xFFFFFFFF
    entries = [entry("Root Entry", 5, nostream, nostream, 1 if stream_names else nostream)]
    for i, name in enumerate(stream_names, start=1):
        right = i + 1 if i < len(stream_names) else nostream
        entries.append(entry(name, 2, nostream, right, nostream))
    directory = b"".join(entries)
    directory += b"\x00" * (sector - len(directory) % sector if len(directory) % sector else 0)
    return bytes(header) + fat_bytes + directory


def write_xls_bytes(path: Path) -> Path:
    """An old-format .xls lookalike: an OLE compound file with a 'Workbook' stream."""
    Path(path).write_bytes(_cfb(["Workbook", "\x05SummaryInformation"]))
    return Path(path)


def write_encrypted_like(path: Path) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE file with EncryptionInfo and
    EncryptedPackage streams (empty here)."""
    Path(path).write_bytes(_cfb(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"]))
    return Path(path)


def write_corrupt_zip(path: Path, mode: str = "truncated") -> Path:
    """A damaged .xlsx: `truncated` (upload cut in half) or `crc` (a part's bytes altered)."""
    path = Path(path)
    build_workbook(path)
    data = bytearray(path.read_bytes())
    if mode == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
        return path
    # crc: rewrite with one part stored uncompressed, then flip a byte inside its data
    parts = _read_parts(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
    data = bytearray(path.read_bytes())
    marker = data.find(b"<sheetData")
    data[marker + 1] ^= 0x20
    path.write_bytes(bytes(data))
    return path


def write_zip_bomb(path: Path, uncompressed_mib: int = 110) -> Path:
    """Small on disk, huge inflated: a workbook plus a part of `uncompressed_mib` MiB of zeros."""
    path = Path(path)
    build_workbook(path)
    parts = _read_parts(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
        with zf.open("xl/media/padding.bin", "w") as fh:
            block = b"\x00" * (1024 * 1024)
            for _ in range(uncompressed_mib):
                fh.write(block)
    return path


def write_ratio_bomb(path: Path) -> Path:
    """Under the size limit but far over the ratio limit (5 MiB of zeros compress ~1000:1)."""
    return write_zip_bomb(path, uncompressed_mib=5)


def write_xlsx_with_dtd(path: Path, part: str = "xl/workbook.xml") -> Path:
    """A workbook whose `part` declares a DTD with an external entity (XXE)."""
    path = Path(path)
    build_workbook(path)
    parts = _read_parts(path)
    xml = parts[part].decode()
    doctype = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    if xml.startswith("<?xml"):
        end = xml.index("?>") + 2
        xml = xml[:end] + doctype + xml[end:]
    else:
        xml = doctype + xml
    parts[part] = xml.encode()
    return _write_parts(path, parts)


def write_xlsm(path: Path, *, content_type: bool = True, vba_part: bool = True) -> Path:
    """A macro-enabled workbook: a vbaProject.bin part and/or the macroEnabled main content type."""
    path = Path(path)
    build_workbook(path)
    parts = _read_parts(path)
    if vba_part:
        parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 fake vba project"
    if content_type:
        ct = parts["[Content_Types].xml"].decode()
        ct = ct.replace(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        parts["[Content_Types].xml"] = ct.encode()
    return _write_parts(path, parts)


def write_ods(path: Path) -> Path:
    """An OpenDocument spreadsheet lookalike: a zip whose first, stored part is the mimetype."""
    path = Path(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        zf.writestr(
            "content.xml",
            '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return path


def write_far_cell(path: Path, ref: str = "XFD1048576") -> Path:
    """A valid workbook with one stray value far away (would make the reader allocate a huge grid)."""
    path = Path(path)
    build_workbook(path)
    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))  # any file name
    wb[SHEET_ACTIVITIES][ref] = "x"
    wb.save(path)
    return path


def write_zip_encrypted_entry(path: Path) -> Path:
    """A workbook whose zip entries carry the 'encrypted' flag (zip-level password protection)."""
    path = Path(path)
    build_workbook(path)
    data = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            data[at + flag_offset] |= 0x01
            start = at + 4
    path.write_bytes(bytes(data))
    return path
