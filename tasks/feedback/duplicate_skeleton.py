"""The results-only feedback workbook of a DUPLICATE receipt, from a cached skeleton.

Re-sending a whole batch is common (a unit's mail client sends again; an operator copies the inbox
twice): 1,000 duplicates cost 13 s of openpyxl (one workbook each) for a sheet that differs from
its neighbour's only in a few texts. So, per run (same received time, same message layout), the
real writer (`annotate.results_only_bytes`) makes ONE workbook whose variable texts are sentinels;
each duplicate's workbook is that skeleton with the sentinels replaced in the sheet's XML — byte
for byte what the real writer gives (tests/feedback/test_duplicate_skeleton.py compares them).
Only the sheet is compressed again: the skeleton's other entries are kept as they are, compressed,
and the zip's offsets, sizes and checksum are patched (`_SkeletonZip`), about 4× cheaper than
zipping every entry again. Anything the substitution could get wrong (a text with surrounding
spaces, characters Excel escapes, a text equal to another) falls back to the real writer:
`skeleton_bytes` returns None.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from tasks.feedback.results_sheet import period_text, received_text_of
from tasks.workbook.cell_text import excel_text

SHEET = "xl/worksheets/sheet1.xml"  # the results sheet (texts written inline: <is><t>…</t></is>)
_MARK = "\u2063dxr{}\u2063"  # INVISIBLE SEPARATOR: never in a receipt's text


def _fields(receipt_name: str, receipt: dict) -> dict[str, str] | None:
    """The texts that differ between two duplicates, as the sheet shows them."""
    messages = receipt.get("messages") or []
    if receipt.get("unit") is None or receipt.get("period") is None:
        return None  # "(không đọc được)" twice: the writer would share it
    texts = {
        "file": str(receipt.get("file")),
        "receipt": receipt_name,
        "unit": str(receipt["unit"]),
        "period": period_text(receipt["period"]),
        "received": received_text_of(receipt.get("received_at")),
        "duplicate_of": str(receipt.get("duplicate_of")),
    }
    for i, m in enumerate(messages):
        texts[f"message_{i}"] = str(m.get("message_vi") or "")
    return texts


def _layout(receipt: dict) -> tuple:
    """What, besides the variable texts, decides the workbook: equal layouts share a skeleton."""
    return (
        receipt.get("status"),
        receipt.get("version"),
        receipt.get("timeliness"),
        tuple(
            (
                m.get("severity"),
                m.get("rule"),
                m.get("sheet"),
                m.get("cell"),
                tuple(len(part) for part in str(m.get("message_vi") or "").split("\n")),
            )
            for m in receipt.get("messages") or []
        ),
    )


def _sentinel(i: int, like: str) -> str | None:
    """Field i's sentinel; for a message (its row's height follows its length), as long as `like`
    line by line. None when a line is too short to hold the mark."""
    mark = _MARK.format(i)
    parts = like.split("\n")
    if len(parts[0]) < len(mark):
        return None
    return "\n".join([mark.ljust(len(parts[0]), "\u2063"), *("\u2063" * len(p) for p in parts[1:])])


def _sentinels(fields: dict[str, str]) -> dict[str, str] | None:
    out = {}
    for i, (name, value) in enumerate(fields.items()):
        text = _sentinel(i, value) if name.startswith("message_") else _MARK.format(i)
        if text is None:
            return None
        out[name] = text
    return out


def _sentinel_receipt(receipt: dict, mark: dict[str, str]) -> tuple[str, dict]:
    messages = [
        {**m, "message_vi": mark[f"message_{i}"]}
        for i, m in enumerate(receipt.get("messages") or [])
    ]
    return mark["receipt"], {
        **receipt,
        "file": mark["file"],
        "unit": mark["unit"],
        "period": mark["period"],  # not a period: the sheet shows it as it is
        "received_at": mark["received"],  # not a time: the sheet shows it as it is
        "duplicate_of": mark["duplicate_of"],
        "messages": messages,
    }


_LOCAL = struct.Struct("<4s5H3L2H")  # a zip's local file header (30 bytes)
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # a central directory entry (46 bytes)
_END = struct.Struct("<4s4H2LH")  # the end of central directory record (22 bytes)


@dataclass(frozen=True)
class _SkeletonZip:
    """The skeleton's zip cut around its sheet: the bytes before the sheet's data (its local
    header included), those between its data and the central directory, the central directory
    and the end record; the sheet's header offset and old compressed size."""

    head: bytes
    middle: bytes
    central: bytes
    end: bytes
    sheet_offset: int
    sheet_size: int

    @classmethod
    def of(cls, data: bytes) -> _SkeletonZip | None:
        """None for a zip this cannot patch (a comment, zip64, a data descriptor, a sheet stored
        or deflated with another level than zipfile's default, …): the caller zips anew."""
        with ZipFile(BytesIO(data)) as zf:
            infos = zf.infolist()
            if zf.comment:
                return None
        sheet = next((i for i in infos if i.filename == SHEET), None)
        if sheet is None or sheet.compress_type != ZIP_DEFLATED or sheet.flag_bits & 0x08:
            return None
        end_at = len(data) - _END.size
        sig, _, _, _, count, cd_size, cd_offset, comment = _END.unpack_from(data, end_at)
        if sig != b"PK\x05\x06" or comment or count != len(infos) or cd_offset + cd_size != end_at:
            return None
        local = _LOCAL.unpack_from(data, sheet.header_offset)
        start = sheet.header_offset + _LOCAL.size + local[9] + local[10]
        if local[0] != b"PK\x03\x04" or local[7] != sheet.compress_size:
            return None
        plain = zlib.decompress(data[start : start + sheet.compress_size], -15)
        if _deflate(plain) != data[start : start + sheet.compress_size]:
            return None  # not zipfile's default level: zipping it anew is what the writer does
        return cls(
            head=data[:start],
            middle=data[start + sheet.compress_size : cd_offset],
            central=data[cd_offset:end_at],
            end=data[end_at:],
            sheet_offset=sheet.header_offset,
            sheet_size=sheet.compress_size,
        )

    def with_sheet(self, sheet: bytes) -> bytes:
        """The zip with `sheet` as its sheet's content: the same bytes as zipping every member
        anew, as the real writer does."""
        packed = _deflate(sheet)
        crc, shift = zlib.crc32(sheet), len(packed) - self.sheet_size
        head = bytearray(self.head)
        struct.pack_into("<3L", head, self.sheet_offset + 14, crc, len(packed), len(sheet))
        central = bytearray(self.central)
        at = 0
        while at < len(central):
            entry = _CENTRAL.unpack_from(central, at)
            offset = entry[16]
            if offset == self.sheet_offset:
                struct.pack_into("<3L", central, at + 16, crc, len(packed), len(sheet))
            elif offset > self.sheet_offset:
                struct.pack_into("<L", central, at + 42, offset + shift)
            at += _CENTRAL.size + entry[10] + entry[11] + entry[12]
        end = bytearray(self.end)
        struct.pack_into("<L", end, 16, len(self.head) + len(packed) + len(self.middle))
        return b"".join((head, packed, self.middle, central, end))


def _deflate(data: bytes) -> bytes:
    """Deflated as zipfile does it (ZIP_DEFLATED at the default level, raw stream)."""
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


_CACHE: dict[tuple, tuple[_SkeletonZip, str, frozenset[str]] | None] = {}
_CACHE_SIZE = 8


def _skeleton(
    receipt: dict, mark: dict[str, str], when: datetime, make: Callable
) -> tuple[_SkeletonZip, str, frozenset[str]] | None:
    """The skeleton's zip, its sheet's XML and its fixed texts (cached per layout, received time
    and writer); None when its zip cannot be patched."""
    key = (_layout(receipt), tuple(mark.items()), when, make)
    if key not in _CACHE:
        name, sentinel = _sentinel_receipt(receipt, mark)
        data = make(name, sentinel, when)
        skeleton = _SkeletonZip.of(data)
        found = None
        if skeleton is not None:
            with ZipFile(BytesIO(data)) as zf:
                strings = zf.read(SHEET).decode("utf-8")
            fixed = frozenset(
                part.split("</t>", 1)[0]
                for part in strings.split("<t>")[1:]
                if "\u2063dxr" not in part
            )
            found = (skeleton, strings, fixed)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = found
    return _CACHE[key]


def skeleton_bytes(
    receipt_name: str, receipt: dict, when: datetime, make: Callable[[str, dict, datetime], bytes]
) -> bytes | None:
    """The duplicate's workbook from the skeleton (`make` is the real writer); None: use `make`."""
    if receipt.get("status") != "duplicate" or receipt.get("changes"):
        return None
    fields = _fields(receipt_name, receipt)
    if fields is None:
        return None
    values = list(fields.values())
    if any(v != v.strip() or excel_text(v) != v or not v or "\u2063" in v for v in values):
        return None
    if len(set(values)) != len(values):
        return None
    mark = _sentinels(fields)
    if mark is None:
        return None
    found = _skeleton(receipt, mark, when, make)
    if found is None:
        return None
    skeleton, strings, fixed = found
    escaped = [escape(v) for v in values]
    if any(e in fixed for e in escaped):
        return None
    for sentinel, text in zip(mark.values(), escaped, strict=True):
        marker = f"<t>{escape(sentinel)}</t>"
        if strings.count(marker) != 1:
            return None
        strings = strings.replace(marker, f"<t>{text}</t>")
    return skeleton.with_sheet(strings.encode("utf-8"))
