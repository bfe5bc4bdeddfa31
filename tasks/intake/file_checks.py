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

import codecs
import html
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

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlam")
MAX_ZIP_ENTRIES = 10_000
MAX_SHEET_CELLS = 2_000_000  # rows x columns of a worksheet's used area
CHUNK = 256 * 1024
MAX_LINKS = 10_000  # hyperlinks remembered per sheet
MAX_ERROR_CELLS = 100_000  # error cells remembered per sheet
READ_SHEETS = (SHEET_INFO, SHEET_ELEMENTS, SHEET_ACTIVITIES, SHEET_NARRATIVE)  # what parse reads

SPREADSHEET_MAIN_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
}
ODS_MIMETYPES = (b"application/vnd.oasis.opendocument.spreadsheet",)

_DTD_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# the tags of a worksheet that place cells, carry their value, or link them
_TAG_RE = re.compile(
    r"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c|v|is|sheetData|hyperlink)(?=[\s/>])([^>]*?)(/?)>"
)
_T_ATTR_RE = re.compile(r"""\bt\s*=\s*(["'])([^"']*)\1""")
_REF_RANGE_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?$")
_R_ATTR_RE = re.compile(r"""\br\s*=\s*(["'])([^"']*)\1""")
# any length: a reference past XFD1048576 (r="A99999999") must count as far away, not as "no r"
_CELL_REF_RE = re.compile(r"^\$?([A-Za-z]+)\$?([0-9]+)$")
_CT_RE = re.compile(r"""ContentType\s*=\s*(["'])([^"']*)\1""")
_SHEET_RE = re.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
_ATTR_RE = re.compile(r"""([\w:]+)\s*=\s*(["'])([^"']*)\2""")
_REL_RE = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)>")


class _Reject(Exception):
    def __init__(self, msg: Message):
        self.msg = msg


@dataclass
class _SheetArea:
    min_row: int = 0
    max_row: int = 0
    min_col: int = 0
    max_col: int = 0
    seen: bool = False
    cur_row: int = 0  # position of the last row / cell seen while streaming
    cur_col: int = 0
    is_sheet: bool = False  # a <sheetData> was seen: this part is a worksheet
    pending: tuple[int, int] | None = None  # an open <c> whose value is not seen yet
    pending_error: bool = False  # ... and whose type is t="e"
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "#REF!"
    links: list[tuple[str, str]] = field(default_factory=list)  # (ref or range, r:id)

    def add(self, row: int, col: int) -> None:
        if not self.seen:
            self.min_row = self.max_row = row
            self.min_col = self.max_col = col
            self.seen = True
            return
        self.min_row, self.max_row = min(self.min_row, row), max(self.max_row, row)
        self.min_col, self.max_col = min(self.min_col, col), max(self.max_col, col)

    @property
    def cells(self) -> int:
        if not self.seen:
            return 0
        return (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)

    @property
    def last_cell(self) -> str:
        return f"{col_letter(self.max_col)}{self.max_row}"


@dataclass
class _ScanState:
    areas: dict[str, _SheetArea] = field(default_factory=dict)


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


def col_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


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
        names = _sheet_names_by_part(zf)
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
        area = _SheetArea()
        try:
            with zf.open(info) as fh:
                first = fh.read(CHUNK)
                if named_xml or _looks_like_xml(first):
                    _scan_xml(fh, area, first)
                else:
                    while fh.read(CHUNK):
                        pass
        except _Reject:
            raise
        except _DtdFound:
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


class _DtdFound(Exception):
    pass


def _looks_like_xml(first: bytes) -> bool:
    """A part that starts (after a BOM and blanks) with '<', in UTF-8/16/32."""
    for bom in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8):
        if first.startswith(bom):
            return True
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")):
        return True
    return first.lstrip(b" \t\r\n").startswith(b"<")


def _decoder_for(first: bytes):
    if first.startswith(codecs.BOM_UTF32_LE) or first.startswith(codecs.BOM_UTF32_BE):
        return codecs.getincrementaldecoder("utf-32")(errors="replace")
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")(errors="replace")
    if first.startswith(b"<\x00"):
        return codecs.getincrementaldecoder("utf-16-le")(errors="replace")
    if first.startswith(b"\x00<"):
        return codecs.getincrementaldecoder("utf-16-be")(errors="replace")
    return codecs.getincrementaldecoder("utf-8")(errors="replace")


def _scan_xml(fh, area: _SheetArea, first: bytes | None = None) -> None:
    decoder = None
    carry = ""
    while True:
        if first is not None:
            chunk, first = first, None
        else:
            chunk = fh.read(CHUNK)
        if decoder is None:
            decoder = _decoder_for(chunk[:4])
        text = carry + decoder.decode(chunk, final=not chunk)
        if chunk:
            cut = text.rfind("<")
            if cut == -1:
                body, carry = text, ""
            elif len(text) - cut > 64 * 1024:  # an unterminated '<' far back: keep a tail only
                body, carry = text[:-32], text[-32:]
            else:
                body, carry = text[:cut], text[cut:]
        else:
            body, carry = text, ""
        if _DTD_RE.search(body):
            raise _DtdFound
        _measure(body, area)
        if not chunk:
            return


def _measure(text: str, area: _SheetArea) -> None:
    """Track the rows and columns of cells with a value, as the reader will place them: by their
    `r` reference, or (without one) right after the previous row/cell. A cell counts once its <v>
    or <is> is seen: `<c r="A1" s="1"/>` and `<c r="A1" s="1"></c>` are formatted but empty. Also
    remember error cells (t="e": their <v> text) and <hyperlink> elements."""
    for m in _TAG_RE.finditer(text):
        closing, tag, attrs, self_closing = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == "sheetData":
            area.is_sheet = True
            continue
        if closing:
            if tag == "c":
                area.pending = None
            continue
        if tag in ("v", "is"):
            if area.pending is not None:
                area.add(*area.pending)
                if tag == "v" and area.pending_error and len(area.errors) < MAX_ERROR_CELLS:
                    end = text.find("<", m.end())
                    raw = text[m.end() : end if end != -1 else len(text)]
                    area.errors[area.pending] = html.unescape(raw).strip()[:32]
                area.pending = None
            continue
        if tag == "hyperlink":
            if not area.is_sheet or len(area.links) >= MAX_LINKS:
                continue
            found = {k.split(":")[-1]: v for k, _, v in _ATTR_RE.findall(attrs)}
            if found.get("ref") and found.get("id"):
                area.links.append((found["ref"].strip(), found["id"]))
            continue
        ref = _R_ATTR_RE.search(attrs)
        value = ref.group(2).strip() if ref else ""
        if tag == "row":
            area.cur_row = int(value) if value.isdigit() and value.isascii() else area.cur_row + 1
            area.cur_col = 0
            area.pending = None
            continue
        cell = _CELL_REF_RE.match(value) if value else None
        if cell:
            area.cur_row, area.cur_col = int(cell.group(2)), _col_number(cell.group(1))
        else:
            area.cur_col += 1
        if self_closing:
            area.pending = None  # formatted but empty
            continue
        kind = _T_ATTR_RE.search(attrs)
        area.pending = (max(area.cur_row, 1), area.cur_col)
        area.pending_error = bool(kind and kind.group(2).strip() == "e")


def _read_text(zf: zipfile.ZipFile, name: str, limit: int = 8 * 1024 * 1024) -> str | None:
    """A small XML part as text (already scanned: no DTD); None when absent."""
    lower = {i.filename.lower(): i for i in zf.infolist()}
    info = lower.get(name.lower())
    if info is None:
        return None
    with zf.open(info) as fh:
        data = fh.read(limit)
    return _decoder_for(data[:4]).decode(data, final=True)


def _check_content_types(zf: zipfile.ZipFile, file_name: str) -> None:
    text = _read_text(zf, "[Content_Types].xml")
    if text is None:
        raise _Reject(message("FILE_NOT_XLSX", file_name=file_name))
    types = {m.group(2).strip().lower() for m in _CT_RE.finditer(text)}
    if any("sheet.binary" in t for t in types):  # .xlsb
        raise _Reject(message("FILE_NOT_XLSX", file_name=file_name))
    if any("macroenabled" in t for t in types):
        raise _Reject(message("FILE_MACRO_ENABLED"))
    if not types & SPREADSHEET_MAIN_TYPES:
        raise _Reject(message("FILE_NOT_XLSX", file_name=file_name))


def _sheet_names_by_part(zf: zipfile.ZipFile) -> dict[str, str]:
    """worksheet part path -> sheet name (best effort, for messages)."""
    try:
        workbook = _read_text(zf, "xl/workbook.xml") or ""
        rels = _read_text(zf, "xl/_rels/workbook.xml.rels") or ""
    except Exception:
        return {}
    targets = {
        rid: _resolve("xl/workbook.xml", target).lower() for rid, (target, _) in _rels(rels).items()
    }
    names = {}
    for m in _SHEET_RE.finditer(workbook):
        attrs = dict((k, v) for k, _, v in _ATTR_RE.findall(m.group(1)))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        if rid in targets and "name" in attrs:
            names[targets[rid]] = html.unescape(attrs["name"])
    return names


def _rels(text: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (target, target mode) of a .rels part (regex: already scanned, no DTD)."""
    out = {}
    for m in _REL_RE.finditer(text):
        attrs = {k.split(":")[-1]: v for k, _, v in _ATTR_RE.findall(m.group(1))}
        if "Id" in attrs and "Target" in attrs:
            out[attrs["Id"]] = (html.unescape(attrs["Target"]), attrs.get("TargetMode", ""))
    return out


def _resolve(source: str, target: str) -> str:
    """A relationship target as a part name: absolute ("/xl/x.xml") or relative to `source`'s folder."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _read_sheets(state: _ScanState, names: dict[str, str]) -> list[tuple[str, _SheetArea]]:
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
                rels = _rels(_read_text(zf, posixpath.join(folder, "_rels", base + ".rels")) or "")
            except Exception:  # noqa: BLE001 - links are a convenience; never fail the file here
                rels = {}
            for ref, rid in area.links:
                target, mode = rels.get(rid, ("", ""))
                span = _REF_RANGE_RE.match(ref)
                if not target or mode.lower() != "external" or not span:
                    continue
                c1, r1 = _col_number(span.group(1)), int(span.group(2))
                c2 = _col_number(span.group(3)) if span.group(3) else c1
                r2 = int(span.group(4)) if span.group(4) else r1
                facts.links.append((r1, c1, r2, c2, target.strip()))
        out[name] = facts
    return out
