"""File-level checks of an arrived workbook, before any sheet is parsed.

`check_file` looks at the bytes, never trusts the file name alone, and decompresses nothing before
the zip directory has passed the size limits. It returns the findings as `Message`s (all errors;
the first one stops the checks); an empty list means "a plain .xlsx that is safe to open".

What it rejects (SUBMISSION_FORMAT.md, "What the intake must reject"):
- a file over `settings.max_file_bytes`;
- an old Excel workbook (.xls: an OLE compound file) and an encrypted / password-protected workbook
  (Office encrypts an .xlsx into an OLE compound file holding `EncryptionInfo` + `EncryptedPackage`);
- an OpenDocument spreadsheet (.ods), a macro-enabled workbook (.xlsm: by name, by a
  `vbaProject.bin` part or by a macroEnabled content type), an .xlsb, anything else that is not an
  .xlsx;
- a corrupt zip (unreadable directory, CRC errors, truncated parts);
- a zip bomb: declared uncompressed total over `settings.max_uncompressed_bytes`, or a ratio of
  uncompressed total to file size over `settings.max_compression_ratio`, or too many parts;
- XML with a DTD or entity declarations (`<!DOCTYPE`, `<!ENTITY`) in any XML part (whatever the
  part is called: a part counts as XML by its name or by its first bytes);
- a worksheet the intake reads (one of the four contract sheets, matched by normalised name; a part
  whose sheet name cannot be told counts too) whose used area would make the reader allocate an
  absurd grid (a single value in XFD1048576 makes calamine allocate ~17 billion cells and abort the
  process). Worksheets are recognised by content (`<sheetData>`), not by their path; formatted but
  empty cells (`<c r=".." s="1"/>` or `<c ..></c>`, no value) do not count, as for the reader.
  Extra sheets (and the hidden "Danh mục") are never read, so they are not checked.

`scan_file` returns the same findings plus what the reader (python-calamine) does not report and
the intake needs: per worksheet, the cells holding an error value (`#DIV/0!`, `#REF!`, ...; calamine
returns them as empty strings) and the cells carrying an external hyperlink (its target).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tasks.core.settings import Settings
from tasks.intake.rules import message
from tasks.intake.submission import (
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
    Message,
)
from tasks.intake.xml_scan import (
    CHUNK,
    DtdFound,
    SheetArea,
    col_number,
    looks_like_xml,
    read_text,
    relationships,
    scan_xml,
    sheet_names_by_part,
)

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")
MAX_ZIP_ENTRIES = 10_000
MAX_SHEET_CELLS = 2_000_000  # rows x columns of a worksheet's used area
READ_SHEETS = (SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE)  # what parse reads

SPREADSHEET_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
}
ODS_MIMETYPES = (b"application/vnd.oasis.opendocument.spreadsheet",)

_REF_RANGE_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$")
_CT_RE = re.compile(r"""ContentType\s*=\s*(["'])([^"']*)\1""")


class _Reject(Exception):
    def __init__(self, msg: Message):
        self.msg = msg


@dataclass
class _ScanState:
    areas: dict[str, SheetArea] = field(default_factory=dict)


@dataclass
class SheetFacts:
    """What the reader does not tell about a worksheet: error cells and hyperlinks (1-based)."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "#DIV/0!"
    links: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # r1, c1, r2, c2, url

    def link_at(self, row: int, col: int) -> str | None:
        for r1, c1, r2, c2, url in self.links:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return url
        return None


@dataclass
class FileScan:
    """The file-level findings (`messages`, all errors) and, for a readable file, `sheets`: the
    facts of each worksheet by its name as written in the workbook."""

    messages: list[Message] = field(default_factory=list)
    sheets: dict[str, SheetFacts] = field(default_factory=dict)


def norm_name(text: object) -> str:
    """NFC, case-folded, whitespace collapsed: how sheet names, labels and headers are compared."""
    if text is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


_READ_NORMS = frozenset(norm_name(n) for n in READ_SHEETS)


def _mib(n: float) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",")


def check_file(path: Path, file_name: str, settings: Settings) -> list[Message]:
    """All file-level findings for `path` (empty when it is a safe .xlsx). Never raises on bad input."""
    return scan_file(path, file_name, settings).messages


def scan_file(path: Path, file_name: str, settings: Settings) -> FileScan:
    """The file-level findings and, when there are none, the worksheets' facts. Never raises on bad
    input."""
    try:
        return FileScan(sheets=_check(Path(path), file_name or "", settings))
    except _Reject as rejected:
        return FileScan(messages=[rejected.msg])


# --- the checks, in order ----------------------------------------------------------------------
def _check(path: Path, file_name: str, settings: Settings) -> dict[str, SheetFacts]:
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        raise _Reject(
            message("FILE_TOO_LARGE", size_mib=_mib(size), limit_mib=_mib(settings.max_file_bytes))
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(OLE_MAGIC):
        _check_ole(path, file_name)
    if not head.startswith(ZIP_MAGICS):
        raise _Reject(message("FILE_NOT_XLSX", file_name=file_name))
    try:
        zf = zipfile.ZipFile(path)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
    ):
        raise _Reject(message("FILE_CORRUPT", file_name=file_name)) from None
    with zf:
        infos = zf.infolist()
        _check_bomb(infos, size, settings)
        _check_kind_by_names(zf, infos, file_name)
        state = _ScanState()
        _scan_parts(zf, infos, file_name, state)
        _check_content_types(zf, file_name)
        names = sheet_names_by_part(zf)
        _check_sheet_areas(state, names)
        return _sheet_facts(zf, state, names)


def _check_ole(path: Path, file_name: str) -> None:
    """An OLE compound file: an encrypted OOXML package, an old .xls, or another (older) Office file
    such as a Word .doc: not a workbook at all."""
    data = path.read_bytes()
    names = ("EncryptedPackage", "EncryptionInfo")
    if any(name.encode("utf-16-le") in data for name in names):
        raise _Reject(message("FILE_ENCRYPTED"))
    other = ("WordDocument", "PowerPoint Document", "VisioDocument")  # .doc, .ppt, .vsd
    if not any(name.encode("utf-16-le") in data for name in other) and any(
        name.encode("utf-16-le") in data for name in ("Workbook", "Book")
    ):
        raise _Reject(message("FILE_FORMAT_XLS"))
    raise _Reject(message("FILE_NOT_XLSX", file_name=file_name))


def _check_bomb(infos: list[zipfile.ZipInfo], size: int, settings: Settings) -> None:
    total = sum(max(i.file_size, 0) for i in infos)
    ratio = total / max(size, 1)
    if (
        len(infos) > MAX_ZIP_ENTRIES
        or total > settings.max_uncompressed_bytes
        or ratio > settings.max_compression_ratio
    ):
        raise _Reject(
            message(
                "FILE_ZIP_BOMB",
                total_mib=_mib(total),
                limit_mib=_mib(settings.max_uncompressed_bytes),
                ratio=f"{ratio:.0f}",
                limit_ratio=f"{settings.max_compression_ratio:.0f}",
            )
        )


def _check_kind_by_names(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], file_name: str) -> None:
    names = {i.filename.lower(): i for i in infos}
    if "mimetype" in names:
        try:
            with zf.open(names["mimetype"]) as fh:
                mimetype = fh.read(200).strip()
        except Exception:
            mimetype = b""
        if mimetype.startswith(ODS_MIMETYPES):
            raise _Reject(message("FILE_FORMAT_ODS"))
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            raise _Reject(message("FILE_NOT_XLSX", file_name=file_name))
    if "content.xml" in names and "[content_types].xml" not in names:
        raise _Reject(message("FILE_FORMAT_ODS"))
    if any(PurePosixPath(n).name == "vbaproject.bin" for n in names) or file_name.lower().endswith(
        MACRO_SUFFIXES
    ):
        raise _Reject(message("FILE_MACRO_ENABLED"))
    if any(i.flag_bits & 0x1 for i in infos):  # zip-level encryption
        raise _Reject(message("FILE_ENCRYPTED"))


def _scan_parts(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], file_name: str, state: _ScanState
) -> None:
    """Decompress every part once (bounded by its declared size; zipfile checks the CRC), rejecting
    DTDs/entities in XML parts and measuring the used area of every worksheet (any XML part with a
    <sheetData>, wherever it lives: the reader finds sheets through relationships, not paths)."""
    for info in infos:
        if info.is_dir():
            continue
        lower = info.filename.lower()
        named_xml = lower.endswith((".xml", ".rels", ".vml"))
        area = SheetArea()
        try:
            with zf.open(info) as fh:
                first = fh.read(CHUNK)
                if named_xml or looks_like_xml(first):
                    scan_xml(fh, area, first)
                else:
                    while fh.read(CHUNK):
                        pass
        except _Reject:
            raise
        except DtdFound:
            raise _Reject(message("FILE_XML_DTD", part=info.filename)) from None
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            ValueError,
            NotImplementedError,
            RuntimeError,
        ):
            raise _Reject(message("FILE_CORRUPT", file_name=file_name)) from None
        if area.is_sheet:
            state.areas[info.filename] = area


def _check_content_types(zf: zipfile.ZipFile, file_name: str) -> None:
    text = read_text(zf, "[Content_Types].xml")
    if text is None:
        raise _Reject(message("FILE_NOT_XLSX", file_name=file_name))
    types = {m.group(2).strip().lower() for m in _CT_RE.finditer(text)}
    if any("sheet.binary" in t for t in types):  # .xlsb
        raise _Reject(message("FILE_NOT_XLSX", file_name=file_name))
    if any("macroenabled" in t for t in types):
        raise _Reject(message("FILE_MACRO_ENABLED"))
    if not types & SPREADSHEET_MAIN_TYPES:
        raise _Reject(message("FILE_NOT_XLSX", file_name=file_name))


def _read_sheets(state: _ScanState, names: dict[str, str]) -> list[tuple[str, SheetArea]]:
    """The worksheets the intake reads: a contract sheet's name, or a name that cannot be told."""
    out = []
    for part, area in state.areas.items():
        name = names.get(part.lower())
        if name is None or norm_name(name) in _READ_NORMS:
            out.append((part, area))
    return out


def _contract_name(name: str) -> str:
    """The contract's spelling of a sheet name found by normalised comparison."""
    return next((n for n in READ_SHEETS if norm_name(n) == norm_name(name)), name)


def _check_sheet_areas(state: _ScanState, names: dict[str, str]) -> None:
    too_big = [
        (part, area) for part, area in _read_sheets(state, names) if area.cells > MAX_SHEET_CELLS
    ]
    if not too_big:
        return
    part, area = too_big[0]
    name = _contract_name(names.get(part.lower(), part))
    raise _Reject(message("FILE_SHEET_TOO_LARGE", sheet=name, last_cell=area.last_cell))


def _sheet_facts(
    zf: zipfile.ZipFile, state: _ScanState, names: dict[str, str]
) -> dict[str, SheetFacts]:
    """Error cells and external hyperlinks of the worksheets the intake reads, by sheet name."""
    out = {}
    for part, area in _read_sheets(state, names):
        name = names.get(part.lower())
        if name is None:
            continue
        facts = SheetFacts(errors=dict(area.errors))
        if area.links:
            folder, base = posixpath.split(part)
            try:
                rels = relationships(
                    read_text(zf, posixpath.join(folder, "_rels", base + ".rels")) or ""
                )
            except Exception:  # noqa: BLE001 - links are a convenience; never fail the file here
                rels = {}
            for ref, rid in area.links:
                target, mode = rels.get(rid, ("", ""))
                span = _REF_RANGE_RE.match(ref)
                if not target or mode.lower() != "external" or not span:
                    continue
                c1, r1 = col_number(span.group(1)), int(span.group(2))
                c2 = col_number(span.group(3)) if span.group(3) else c1
                r2 = int(span.group(4)) if span.group(4) else r1
                facts.links.append((r1, c1, r2, c2, target.strip()))
        out[name] = facts
    return out
