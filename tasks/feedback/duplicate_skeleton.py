"""The results-only feedback workbook of a DUPLICATE receipt, from a cached skeleton.

Re-sending a whole batch is common (a unit's mail client sends again; an operator copies the inbox
twice): 1,000 duplicates cost 13 s of openpyxl (one workbook each) for a sheet that differs from
its neighbour's only in a few texts. So, per run (same received time, same message layout), the
real writer (`annotate.results_only_bytes`) makes ONE workbook whose variable texts are sentinels;
each duplicate's workbook is that skeleton with the sentinels replaced in the sheet's XML,
zipped the same way — byte for byte what the real writer gives (tests/feedback/test_duplicate_
skeleton.py compares them). Anything the substitution could get wrong (a text with surrounding
spaces, characters Excel escapes, a text equal to another) falls back to the real writer: `skeleton_bytes` returns None.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape
from zipfile import ZipFile

from tasks.feedback.results_sheet import period_text, received_text_of
from tasks.workbook.cell_text import excel_text
from tasks.workbook.template import _FixedTimeZip

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


_CACHE: dict[tuple, tuple[list[tuple[str, bytes]], str, frozenset[str]]] = {}
_CACHE_SIZE = 8


def _skeleton(
    receipt: dict, mark: dict[str, str], when: datetime, make: Callable
) -> tuple[list[tuple[str, bytes]], str, frozenset[str]]:
    """The skeleton's members, its sheet's XML and its fixed texts (cached per layout, received
    time and writer)."""
    key = (_layout(receipt), tuple(mark.items()), when, make)
    if key not in _CACHE:
        name, sentinel = _sentinel_receipt(receipt, mark)
        with ZipFile(BytesIO(make(name, sentinel, when))) as zf:
            members = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
        strings = dict(members)[SHEET].decode("utf-8")
        fixed = frozenset(
            part.split("</t>", 1)[0] for part in strings.split("<t>")[1:] if "\u2063dxr" not in part
        )
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = (members, strings, fixed)
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
    members, strings, fixed = _skeleton(receipt, mark, when, make)
    escaped = [escape(v) for v in values]
    if any(e in fixed for e in escaped):
        return None
    for sentinel, text in zip(mark.values(), escaped, strict=True):
        marker = f"<t>{escape(sentinel)}</t>"
        if strings.count(marker) != 1:
            return None
        strings = strings.replace(marker, f"<t>{text}</t>")
    buffer = BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    with _FixedTimeZip(buffer, stamp) as archive:
        for name, data in members:
            archive.writestr(name, strings.encode("utf-8") if name == SHEET else data)
    return buffer.getvalue()
