"""Cell values as the intake reads them: text, numbers (Vietnamese forms too) and dates.

Shared by the reader (tasks/intake/parse.py) and the validation (header_checks.py, frames.py,
validate.py): how a cell is compared (`norm`, `norm_label`), shown (`cell_text`) and typed
(`read_number`, `read_date`, ...).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from tasks.intake.file_checks import norm_name

# --- text ---------------------------------------------------------------------------------------
norm = norm_name  # NFC, case-folded, whitespace collapsed: how names, labels, headers are compared


def norm_label(text: object) -> str:
    """`norm` plus tolerance for a trailing colon or required-field star ("Mã đơn vị (*):")."""
    out = norm(text)
    out = re.sub(r"\s*\(\*\)\s*$", "", out.rstrip(" :*"))
    return out.rstrip(" :*")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    """A cell as display text: '' for blank, whole floats without '.0', dates as dd/mm/yyyy."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value).replace(".", ",")  # Vietnamese decimal comma
    if isinstance(value, datetime):
        return (
            value.strftime("%d/%m/%Y %H:%M")
            if (value.hour, value.minute) != (0, 0)
            else value.strftime("%d/%m/%Y")
        )
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value)).strip()


def raw_value(value: object) -> object:
    """The cell as read, with calamine's '' for an empty cell turned into None."""
    if isinstance(value, str) and value == "":
        return None
    if isinstance(value, (str, int, float, bool, date, type(None))):
        return value
    return str(value)  # time, timedelta, error values: keep a plain, picklable form


# --- numbers and dates ----------------------------------------------------------------------------
_SPACES = dict.fromkeys(map(ord, " \u00a0\u202f\u2009\u2007'"), None)


def parse_number_text(text: str) -> float | None:
    """A number typed as text: `2`, `-3`, Vietnamese `1.234` / `1.234,5` / `12,5`, also `1,234,567`
    and `1,234.5`; spaces as group separators. None when it is no number."""
    s = unicodedata.normalize("NFKC", text).strip().translate(_SPACES).replace("\u2212", "-")
    sign = 1.0
    if s and s[0] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if not s:
        return None
    if re.fullmatch(r"\d+", s):
        return sign * float(s)
    dot, comma = "." in s, "," in s
    if dot and comma:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        grp = "," if dec == "." else "."
        m = re.fullmatch(rf"(\d{{1,3}}(?:{re.escape(grp)}\d{{3}})*)" + rf"{re.escape(dec)}(\d+)", s)
        if not m:
            return None
        return sign * float(m.group(1).replace(grp, "") + "." + m.group(2))
    if dot:
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):  # Vietnamese thousands: 1.234 / 1.234.567
            return sign * float(s.replace(".", ""))
        if re.fullmatch(r"\d*\.\d+", s):
            return sign * float(s)
        return None
    if comma:
        if re.fullmatch(r"\d*,\d+", s):  # Vietnamese decimal comma: 12,5 (and 1,234 = 1.234)
            return sign * float(s.replace(",", "."))
        if re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}", s):  # 1,234,567
            return sign * float(s.replace(",", ""))
        return None
    return None


def read_number(value: object) -> tuple[float | None, bool]:
    """(number, was_text) of a cell; (None, False) when blank or not a number."""
    if is_blank(value):
        return None, False
    if isinstance(value, bool):
        return (1.0 if value else 0.0), False
    if isinstance(value, (int, float)):
        number = float(value)
        return (
            (number, False) if number == number and abs(number) != float("inf") else (None, False)
        )
    if isinstance(value, str):
        parsed = parse_number_text(value)
        return (parsed, True) if parsed is not None else (None, False)
    return None, False


_DMY = re.compile(
    r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def read_date(value: object) -> date | None:
    """An Excel date cell (either date system; calamine converts) or dd/mm/yyyy text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    m = _DMY.match(text)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _YMD.match(text)
        if not m:
            return None
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def read_cell_number(value: object) -> tuple[float | None, bool]:
    """`read_number` for a value cell of the contract: a boolean (TRUE/FALSE) is not a number."""
    if isinstance(value, bool):
        return None, False
    return read_number(value)


def read_int(value: object) -> int | None:
    number, _ = read_cell_number(value)
    if number is None or not float(number).is_integer():
        return None
    return int(number)
