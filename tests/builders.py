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
    info_rows: list[list] | None = None,
    narrative_rows: list[list] | None = None,
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
    info_rows / narrative_rows: the rows of "Thông tin" / "Thuyết minh" written verbatim instead of
        the generated ones (labels in any order, blank rows between, odd spellings).
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
    for row in info_rows or []:
        ws.append(list(row))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, (date, datetime)):
                cell.number_format = DATE_FORMAT
    for key, label in INFO_LABELS.items() if info_rows is None else ():
        value = overrides.pop(label, header_values[key])
        if value is OMIT:
            continue
        ws.append([_nfd(label, nfd), value])
        if isinstance(value, (date, datetime)):
            ws.cell(row=ws.max_row, column=2).number_format = DATE_FORMAT
    for label, value in overrides.items() if info_rows is None else ():  # not in the contract
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
        cell = ws.cell(row=number + 1, column=2)  # not ws.max_row: O(rows) per call
        if isinstance(cell.value, (date, datetime)):
            cell.number_format = DATE_FORMAT

    # --- Thuyết minh
    ws = wb.create_sheet(_nfd((sheet_names or {}).get(SHEET_NARRATIVE, SHEET_NARRATIVE), nfd))
    sheets[SHEET_NARRATIVE] = ws
    for row in narrative_rows or []:
        ws.append(list(row))
    for key, label in NARRATIVE_LABELS.items() if narrative_rows is None else ():
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
    path: Path,
    sheet_name: str,
    first_row: int,
    last_row: int,
    columns: str | Iterable[str] = "ABCDEFGHI",
    *,
    open_close: bool = False,
) -> Path:
    """Append styled but empty cells (e.g. borders down to row 200), as Excel writes them
    (`<c r="A5" s="0"/>`; with `open_close`, as some tools write them: `<c r="A5" s="0"></c>`)."""
    parts = _read_parts(path)
    part = sheet_part(path, sheet_name)
    xml = parts[part].decode()
    empty = '<c r="{ref}" s="0"></c>' if open_close else '<c r="{ref}" s="0"/>'
    rows = "".join(
        f'<row r="{r}">' + "".join(empty.format(ref=f"{c}{r}") for c in columns) + "</row>"
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


def write_xls_bytes(path: Path, extra_streams: Iterable[str] = ()) -> Path:
    """An old-format .xls lookalike: an OLE compound file with a 'Workbook' stream."""
    Path(path).write_bytes(_cfb(["Workbook", "\x05SummaryInformation", *extra_streams]))
    return Path(path)


def write_doc_bytes(path: Path) -> Path:
    """An old Word .doc lookalike (an OLE compound file with a 'WordDocument' stream): no workbook."""
    Path(path).write_bytes(_cfb(["WordDocument", "1Table", "\x05SummaryInformation"]))
    return Path(path)


def write_encrypted_like(path: Path) -> Path:
    """What Excel writes for a password-protected .xlsx: an OLE file with EncryptionInfo and
    EncryptedPackage streams (empty here)."""
    Path(path).write_bytes(_cfb(["\x06DataSpaces", "EncryptionInfo", "EncryptedPackage"]))
    return Path(path)


def write_corrupt_zip(path: Path, mode: str = "truncated", **build) -> Path:
    """A damaged .xlsx: `truncated` (upload cut in half) or `crc` (a part's bytes altered)."""
    path = Path(path)
    build_workbook(path, **build)
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


def write_zip_bomb(path: Path, uncompressed_mib: int = 110, **build) -> Path:
    """Small on disk, huge inflated: a workbook plus a part of `uncompressed_mib` MiB of zeros."""
    path = Path(path)
    build_workbook(path, **build)
    parts = _read_parts(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, blob in parts.items():
            zf.writestr(name, blob)
        with zf.open("xl/media/padding.bin", "w") as fh:
            block = b"\x00" * (1024 * 1024)
            for _ in range(uncompressed_mib):
                fh.write(block)
    return path


def write_ratio_bomb(path: Path, **build) -> Path:
    """Under the size limit but far over the ratio limit (5 MiB of zeros compress ~1000:1)."""
    return write_zip_bomb(path, uncompressed_mib=5, **build)


def write_xlsx_with_dtd(path: Path, part: str = "xl/workbook.xml", **build) -> Path:
    """A workbook whose `part` declares a DTD with an external entity (XXE)."""
    path = Path(path)
    build_workbook(path, **build)
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


def write_xlsm(path: Path, *, content_type: bool = True, vba_part: bool = True, **build) -> Path:
    """A macro-enabled workbook: a vbaProject.bin part and/or the macroEnabled main content type."""
    path = Path(path)
    build_workbook(path, **build)
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


def write_ods(path: Path, note: str = "") -> Path:
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
            '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'
            + (f"<!-- {note} -->" if note else ""),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0"?><manifest/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return path


def write_far_cell(
    path: Path, ref: str = "XFD1048576", sheet: str = SHEET_ACTIVITIES, **build
) -> Path:
    """A valid workbook with one stray value far away (would make the reader allocate a huge grid)."""
    path = Path(path)
    build_workbook(path, **build)
    wb = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))  # any file name
    wb[sheet][ref] = "x"
    wb.save(path)
    return path


def write_zip_encrypted_entry(path: Path, **build) -> Path:
    """A workbook whose zip entries carry the 'encrypted' flag (zip-level password protection)."""
    path = Path(path)
    build_workbook(path, **build)
    data = bytearray(path.read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(signature, start)) != -1:
            data[at + flag_offset] |= 0x01
            start = at + 4
    path.write_bytes(bytes(data))
    return path


# --- workbooks as other tools save them ----------------------------------------------------------
_INLINE_RE = re.compile(
    r'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: [^>]*)?>(.*?)</t></is></c>', re.S
)
_SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def to_shared_strings(path: Path) -> Path:
    """Rewrite every inline string (what openpyxl writes) as a shared string, the way Excel and
    LibreOffice save text: an `xl/sharedStrings.xml` part and `t="s"` cells."""
    path = Path(path)
    parts = _read_parts(path)
    strings: list[str] = []
    index: dict[str, int] = {}

    def shared(m: re.Match) -> str:
        text = m.group(3)
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return f'<c {m.group(1)}t="s"{m.group(2)}><v>{index[text]}</v></c>'

    for name in list(parts):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            parts[name] = _INLINE_RE.sub(shared, parts[name].decode()).encode()
    items = "".join(f'<si><t xml:space="preserve">{s}</t></si>' for s in strings)
    parts["xl/sharedStrings.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>'
    ).encode()
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace(
        "</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SST_CT}"/></Types>',
    )
    parts["[Content_Types].xml"] = ct.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdSst1" Type="{_SST_REL}" Target="sharedStrings.xml"/></Relationships>',
    )
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    return _write_parts(path, parts)


def insert_doctype(path: Path, part: str, doctype: str, encoding: str = "utf-8") -> Path:
    """Put `doctype` (a DTD, entity declarations, a billion-laughs block) after the XML declaration
    of `part`, optionally re-encoding the part (e.g. "utf-16")."""
    path = Path(path)
    parts = _read_parts(path)
    xml = parts[part].decode()
    if xml.startswith("<?xml"):
        end = xml.index("?>") + 2
        decl = xml[:end]
        if encoding != "utf-8":
            decl = re.sub(r'encoding="[^"]*"', f'encoding="{encoding.upper()}"', decl)
        xml = decl + doctype + xml[end:]
    else:
        xml = doctype + xml
    parts[part] = xml.encode(encoding)
    return _write_parts(path, parts)


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def set_cell_xml(path: Path, sheet_name: str, ref: str, cell_xml: str) -> Path:
    """Replace (or add) the cell `ref` of a sheet with raw XML, e.g. an error value
    `<c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c>` or a float written as `<v>1.0</v>`."""
    path = Path(path)
    parts = _read_parts(path)
    part = sheet_part(path, sheet_name)
    xml = parts[part].decode()
    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)
    if pattern.search(xml):
        xml = pattern.sub(lambda _m: cell_xml, xml, count=1)
    else:
        row = re.sub(r"[A-Z]+", "", ref)
        row_pat = re.compile(rf'(<row r="{row}"[^>]*>)(.*?)(</row>)', re.S)
        if row_pat.search(xml):
            xml = row_pat.sub(
                lambda m: m.group(1) + m.group(2) + cell_xml + m.group(3), xml, count=1
            )
        else:
            xml = xml.replace("</sheetData>", f'<row r="{row}">{cell_xml}</row></sheetData>')
    parts[part] = xml.encode()
    return _write_parts(path, parts)


def move_sheet_part(path: Path, sheet_name: str, new_part: str) -> Path:
    """Store a worksheet under another part name (e.g. "xl/data/act.xml"), relationships and content
    types updated: the reader finds sheets through relationships, whatever the part is called."""
    path = Path(path)
    old = sheet_part(path, sheet_name)
    parts = _read_parts(path)
    parts[new_part] = parts.pop(old)
    rel_old, rel_new = old.split("/", 1)[1], new_part.split("/", 1)[1]
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = (
        rels.replace(f'"{rel_old}"', f'"{rel_new}"').replace(f'"/{old}"', f'"/{new_part}"').encode()
    )
    ct = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = ct.replace(f'"/{old}"', f'"/{new_part}"').encode()
    return _write_parts(path, parts)


def write_docx_renamed(path: Path, note: str = "") -> Path:
    """A Word document (.docx, itself a zip of OOXML parts) saved under an .xlsx name."""
    path = Path(path)
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>',
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}" Target="word/document.xml"/></Relationships>',
        )
        zf.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>Báo cáo {note}</w:t></w:r></w:p></w:body></w:document>",
        )
    return path


def write_pandas_workbook(
    path: Path, unit_code: str = "P_HAI_CHAU", period: str = "2025Q3"
) -> Path:
    """The contract's four sheets written by pandas `DataFrame.to_excel` (openpyxl engine): no
    styles, no hidden sheet, floats for every number (5.0), the report date as text."""
    import pandas as pd  # noqa: PLC0415 - only this builder needs it

    path = Path(path)
    unit = catalog().unit(unit_code)
    info = pd.DataFrame(
        [
            ["Mã đơn vị", unit_code],
            ["Tên đơn vị", unit.name if unit else ""],
            ["Kỳ báo cáo", period],
            ["Người lập báo cáo", "Trần Thị B"],
            ["Điện thoại", "0236 000 000"],
            ["Email", "b@danang.gov.vn"],
            ["Ngày lập báo cáo", "15/09/2025"],
            ["Phiên bản mẫu", 1],
        ]
    )
    rows = []
    for code, value in default_values(unit_code).items():
        element = catalog().element_by_code[code]
        rows.append([code, element.name, element.uom, element.kind_label, float(value), None])
    elements = pd.DataFrame(rows, columns=ELEMENT_COLUMNS)
    acts = []
    for i, a in enumerate(default_activities(period), start=1):
        acts.append(
            [
                i,
                pd.Timestamp(a["date"]),
                a["type"],
                a["channel"],
                a["title"],
                float(a["quantity"]),
                float(a["reach"]) if a["reach"] is not None else None,
                a["cost"],
                a["url"],
            ]
        )
    activities = pd.DataFrame(acts, columns=ACTIVITY_COLUMNS)
    narrative = pd.DataFrame([[NARRATIVE_LABELS[k], v] for k, v in DEFAULT_NARRATIVES.items()])
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        info.to_excel(writer, sheet_name=SHEET_INFO, header=False, index=False)
        elements.to_excel(writer, sheet_name=SHEET_ELEMENTS, index=False)
        activities.to_excel(writer, sheet_name=SHEET_ACTIVITIES, index=False)
        narrative.to_excel(writer, sheet_name=SHEET_NARRATIVE, header=False, index=False)
    return path
