"""Text written into a workbook cell so that every spreadsheet program reads it back unchanged.

Two traps, both met in practice:
- OOXML escapes characters as `_xHHHH_`; LibreOffice also decodes shorter look-alikes, so the code
  `mang_xa_hoi` came back as `mang` + line break + `hoi`. Such a run is written with its underscore
  escaped (`_x005F_`), which Excel, LibreOffice, WPS and python-calamine all decode to `_`.
- A text that starts with `=`, `+`, `-` or `@` becomes a formula when a writer guesses types
  (openpyxl does for `=`): text copied from a submission must stay data, never a formula or a live
  link. `put_text` stores it as a string cell whatever it starts with.
Characters XML cannot hold (control characters other than tab and line breaks) are dropped.
"""

from __future__ import annotations

import re

from openpyxl.cell.cell import Cell

# `_x` + hex digits + `_`: what a reader may decode as an escaped character (either case).
_ESCAPE_LOOKALIKE = re.compile(r"_(?=[xX][0-9A-Fa-f]+_)")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def excel_text(text: str) -> str:
    """`text` as it must be stored so that readers decode exactly `text` (minus non-XML characters)."""
    return _ESCAPE_LOOKALIKE.sub("_x005F_", _NOT_XML.sub("", text))


def put_text(cell: Cell, text: str) -> None:
    """Store `text` in `cell` as a plain string: never a formula, whatever it starts with."""
    cell.value = excel_text(text)
    cell.data_type = "s"
