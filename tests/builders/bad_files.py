"""Byte-level builders of files the intake must reject: OLE (.xls/.doc), encrypted, corrupt zips,
zip bombs, DTDs, macro-enabled, .ods, far-away cells, .docx under an .xlsx name."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path

import openpyxl

from tasks.intake.submission import (
    SHEET_ACTIVITIES,
)
from tests.builders.workbooks import build_workbook
from tests.builders.xlsx_parts import read_parts, write_parts


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
    parts = read_parts(path)
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
    parts = read_parts(path)
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
    parts = read_parts(path)
    xml = parts[part].decode()
    doctype = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    if xml.startswith("<?xml"):
        end = xml.index("?>") + 2
        xml = xml[:end] + doctype + xml[end:]
    else:
        xml = doctype + xml
    parts[part] = xml.encode()
    return write_parts(path, parts)


def write_xlsm(path: Path, *, content_type: bool = True, vba_part: bool = True, **build) -> Path:
    """A macro-enabled workbook: a vbaProject.bin part and/or the macroEnabled main content type."""
    path = Path(path)
    build_workbook(path, **build)
    parts = read_parts(path)
    if vba_part:
        parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 fake vba project"
    if content_type:
        ct = parts["[Content_Types].xml"].decode()
        ct = ct.replace(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        parts["[Content_Types].xml"] = ct.encode()
    return write_parts(path, parts)


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
