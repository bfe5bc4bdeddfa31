"""Streaming scan of the XML parts of an .xlsx package, and the small parts that name its sheets.

`scan_xml` decodes one part chunk by chunk (UTF-8/16/32, by BOM or first bytes), raises `DtdFound`
on a DTD or entity declaration, and measures into a `SheetArea` what a worksheet holds: the used
area of the cells with a value (as the reader will place them), the cells holding an error value
and the <hyperlink> elements. `sheet_names_by_part` and `relationships` read the workbook's sheet
list and relationship parts (regex only: every part has been scanned for DTDs first).
The decisions (what is rejected, which sheets count) are tasks/intake/file_checks.py's.
"""

from __future__ import annotations

import codecs
import functools
import html
import posixpath
import re
import zipfile
from dataclasses import dataclass, field

CHUNK = 256 * 1024
MAX_LINKS = 10_000  # hyperlinks remembered per sheet
MAX_ERROR_CELLS = 100_000  # error cells remembered per sheet

_DTD_RE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# the tags of a worksheet that place cells, carry their value, or link them
# (closing "/", tag, attributes, self-closing "/", the text after the tag up to the next "<")
_TAG_RE = re.compile(
    r"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c|v|is|sheetData|hyperlink)(?=[\s/>])([^>]*?)(/?)>([^<]*)"
)
_T_ATTR_RE = re.compile(r"""\bt\s*=\s*(["'])([^"']*)\1""")
_R_ATTR_RE = re.compile(r"""\br\s*=\s*(["'])([^"']*)\1""")
# any length: a reference past XFD1048576 (r="A99999999") must count as far away, not as "no r"
_CELL_REF_RE = re.compile(r"^\$?([A-Za-z]+)\$?([0-9]+)$")
_SHEET_RE = re.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
_ATTR_RE = re.compile(r"""([\w:]+)\s*=\s*(["'])([^"']*)\2""")
_REL_RE = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)>")


@dataclass
class SheetArea:
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


def col_letter(col: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


class DtdFound(Exception):
    """An XML part declares a DTD or an entity."""


def looks_like_xml(first: bytes) -> bool:
    """A part that starts (after a BOM and blanks) with '<', in UTF-8/16/32."""
    for bom in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8):
        if first.startswith(bom):
            return True
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")):
        return True
    return first.lstrip(b" \t\r\n").startswith(b"<")


def decoder_for(first: bytes):
    if first.startswith(codecs.BOM_UTF32_LE) or first.startswith(codecs.BOM_UTF32_BE):
        return codecs.getincrementaldecoder("utf-32")(errors="replace")
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")(errors="replace")
    if first.startswith(b"<\x00"):
        return codecs.getincrementaldecoder("utf-16-le")(errors="replace")
    if first.startswith(b"\x00<"):
        return codecs.getincrementaldecoder("utf-16-be")(errors="replace")
    return codecs.getincrementaldecoder("utf-8")(errors="replace")


def scan_xml(fh, area: SheetArea, first: bytes | None = None) -> None:
    decoder = None
    carry = ""
    while True:
        if first is not None:
            chunk, first = first, None
        else:
            chunk = fh.read(CHUNK)
        if decoder is None:
            decoder = decoder_for(chunk[:4])
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
            raise DtdFound
        _measure(body, area)
        if not chunk:
            return


def _measure(text: str, area: SheetArea) -> None:
    """Track the rows and columns of cells with a value, as the reader will place them: by their
    `r` reference, or (without one) right after the previous row/cell. A cell counts once its <v>
    or <is> is seen: `<c r="A1" s="1"/>` and `<c r="A1" s="1"></c>` are formatted but empty. Also
    remember error cells (t="e": their <v> text) and <hyperlink> elements.

    The tags come as tuples from one `findall` (no match objects: this loop runs for every cell of
    every file received, about three quarters of reading a workbook)."""
    for closing, tag, attrs, self_closing, after in _TAG_RE.findall(text):
        if tag == "c":
            if closing:
                area.pending = None
                continue
            ref = _R_ATTR_RE.search(attrs)
            cell = _cell_ref(ref.group(2).strip()) if ref else None
            if cell:
                area.cur_row, area.cur_col = cell
            else:
                area.cur_col += 1
            if self_closing:
                area.pending = None  # formatted but empty
                continue
            kind = _T_ATTR_RE.search(attrs)
            area.pending = (max(area.cur_row, 1), area.cur_col)
            area.pending_error = bool(kind and kind.group(2).strip() == "e")
        elif tag == "v" or tag == "is":
            if closing:
                continue
            if area.pending is not None:
                area.add(*area.pending)
                if tag == "v" and area.pending_error and len(area.errors) < MAX_ERROR_CELLS:
                    area.errors[area.pending] = html.unescape(after).strip()[:32]
                area.pending = None
        elif tag == "row":
            if closing:
                continue
            ref = _R_ATTR_RE.search(attrs)
            value = ref.group(2).strip() if ref else ""
            area.cur_row = int(value) if value.isdigit() and value.isascii() else area.cur_row + 1
            area.cur_col = 0
            area.pending = None
        elif tag == "sheetData":
            area.is_sheet = True
        elif tag == "hyperlink":
            if closing or not area.is_sheet or len(area.links) >= MAX_LINKS:
                continue
            found = {k.split(":")[-1]: v for k, _, v in _ATTR_RE.findall(attrs)}
            if found.get("ref") and found.get("id"):
                area.links.append((found["ref"].strip(), found["id"]))


@functools.lru_cache(maxsize=65536)
def _cell_ref(value: str) -> tuple[int, int] | None:
    """(row, column) of a cell reference such as "B12" or "$B$12"; None when it is not one."""
    cell = _CELL_REF_RE.match(value) if value else None
    return (int(cell.group(2)), col_number(cell.group(1))) if cell else None


def read_text(zf: zipfile.ZipFile, name: str, limit: int = 8 * 1024 * 1024) -> str | None:
    """A small XML part as text (already scanned: no DTD); None when absent."""
    lower = {i.filename.lower(): i for i in zf.infolist()}
    info = lower.get(name.lower())
    if info is None:
        return None
    with zf.open(info) as fh:
        data = fh.read(limit)
    return decoder_for(data[:4]).decode(data, final=True)


def sheet_names_by_part(zf: zipfile.ZipFile) -> dict[str, str]:
    """worksheet part path -> sheet name (best effort, for messages)."""
    try:
        workbook = read_text(zf, "xl/workbook.xml") or ""
        rels = read_text(zf, "xl/_rels/workbook.xml.rels") or ""
    except Exception:
        return {}
    targets = {
        rid: _resolve("xl/workbook.xml", target).lower()
        for rid, (target, _) in relationships(rels).items()
    }
    names = {}
    for m in _SHEET_RE.finditer(workbook):
        attrs = dict((k, v) for k, _, v in _ATTR_RE.findall(m.group(1)))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), None)
        if rid in targets and "name" in attrs:
            names[targets[rid]] = html.unescape(attrs["name"])
    return names


def relationships(text: str) -> dict[str, tuple[str, str]]:
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
