"""Edits of an existing workbook's XML parts: formulas, formatted-empty cells, shared strings,
DOCTYPEs, raw cell XML, moved sheet parts (workbooks as other tools save them)."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path


# --- editing an existing workbook's XML ---------------------------------------------------------
def read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_parts(path: Path, parts: Mapping[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def sheet_part(path: Path, sheet_name: str) -> str:
    """The zip part name of a worksheet (from workbook.xml and its relationships)."""
    parts = read_parts(path)
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
    parts = read_parts(path)
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
    return write_parts(path, parts)


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
    parts = read_parts(path)
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
    return write_parts(path, parts)


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
    parts = read_parts(path)
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
    return write_parts(path, parts)


def insert_doctype(path: Path, part: str, doctype: str, encoding: str = "utf-8") -> Path:
    """Put `doctype` (a DTD, entity declarations, a billion-laughs block) after the XML declaration
    of `part`, optionally re-encoding the part (e.g. "utf-16")."""
    path = Path(path)
    parts = read_parts(path)
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
    return write_parts(path, parts)


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
    parts = read_parts(path)
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
    return write_parts(path, parts)


def move_sheet_part(path: Path, sheet_name: str, new_part: str) -> Path:
    """Store a worksheet under another part name (e.g. "xl/data/act.xml"), relationships and content
    types updated: the reader finds sheets through relationships, whatever the part is called."""
    path = Path(path)
    old = sheet_part(path, sheet_name)
    parts = read_parts(path)
    parts[new_part] = parts.pop(old)
    rel_old, rel_new = old.split("/", 1)[1], new_part.split("/", 1)[1]
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = (
        rels.replace(f'"{rel_old}"', f'"{rel_new}"').replace(f'"/{old}"', f'"/{new_part}"').encode()
    )
    ct = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = ct.replace(f'"/{old}"', f'"/{new_part}"').encode()
    return write_parts(path, parts)
