"""Names and text as a Vietnamese reader expects them: unit names, their order, lists of names,
cleaned narrative text.
"""

from __future__ import annotations

import unicodedata

from schemas.catalog_model import Catalog

MAX_NAMES_LISTED = 10


def clean_text(text: str) -> str:
    """Drop control/format characters (keep letters, marks, spaces); NFC-normalise Vietnamese."""
    text = unicodedata.normalize("NFC", text)
    kept = [ch if not unicodedata.category(ch).startswith("C") else " " for ch in text]
    return " ".join("".join(kept).split())


def fold(text: str) -> str:
    """A sort key that orders Vietnamese names as a reader expects (Đ with D, diacritics ignored)."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def unit_sort_key(catalog: Catalog):
    type_order = {t.code: i for i, t in enumerate(catalog.unit_types)}

    def key(code: str) -> tuple:
        unit = catalog.unit(code)
        if unit is None:
            return (len(type_order), fold(code), code)
        return (type_order.get(unit.type, len(type_order)), fold(unit.name), code)

    return key


def unit_name(catalog: Catalog, code: str) -> str:
    """The name a reader sees: the catalogue name, told apart by its dates when another unit of the
    catalogue has the same name (e.g. "UBND phường Hải Châu" before and after 01/07/2025)."""
    return display_name(catalog, code)


_HOMONYMS: dict[int, frozenset[str]] = {}


def _homonyms(catalog: Catalog) -> frozenset[str]:
    """Codes of units whose (folded) name another unit of the catalogue also has."""
    key = id(catalog)
    if key not in _HOMONYMS:
        seen: dict[str, list[str]] = {}
        for u in catalog.units:
            seen.setdefault(fold(u.name), []).append(u.code)
        _HOMONYMS.clear()
        _HOMONYMS[key] = frozenset(c for codes in seen.values() if len(codes) > 1 for c in codes)
    return _HOMONYMS[key]


def display_name(catalog: Catalog, code: str) -> str:
    unit = catalog.unit(code)
    if unit is None:
        return code
    if code not in _homonyms(catalog):
        return unit.name
    start = unit.valid_from.strftime("%d/%m/%Y")
    if unit.valid_to is None:
        return f"{unit.name} (từ {start})"
    end = unit.valid_to.strftime("%d/%m/%Y")
    if unit.valid_from.year <= 2022:
        return f"{unit.name} (đến {end})"
    return f"{unit.name} ({start} - {end})"


def names_list(names: list[str] | tuple[str, ...], limit: int = MAX_NAMES_LISTED) -> str:
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" và {len(names) - limit} đơn vị khác"
