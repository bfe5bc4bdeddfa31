"""Vietnamese number, percentage and date formatting for reports.

Vietnamese style: thousands separated by '.', decimals by ',' (1.234,5); percentages 85,3%;
dates dd/mm/yyyy. Rounding is half-up (a reader checking 0,8125 by hand expects 81,3%, not the
banker's 81,2%). Every helper returns `MISSING` ("—") for None so templates never print "None".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from tasks.core.settings import TZ

MISSING = "—"


def _round(value: float, decimals: int) -> Decimal:
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def fmt_number(value: float | int | None, decimals: int = 0, *, trim: bool = False) -> str:
    """1234.5 -> '1.234,5' (decimals=1); 1234 -> '1.234'. `trim` drops ',0' endings."""
    if value is None:
        return MISSING
    rounded = _round(value, decimals)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):,.{decimals}f}"  # '1,234.5'
    int_part, _, frac = text.partition(".")
    int_part = int_part.replace(",", ".")
    if trim and frac:
        frac = frac.rstrip("0")
    return sign + int_part + ("," + frac if frac else "")


def fmt_int(value: float | int | None) -> str:
    """Whole numbers: 1234 -> '1.234'."""
    return fmt_number(value, 0)


def fmt_quantity(value: float | int | None, whole: bool = True) -> str:
    """A count (whole) or an amount such as money in triệu đồng (always 1 decimal, so that a column
    of amounts reads alike: 6.186,0 above 1.877,7)."""
    return fmt_number(value, 0) if whole else fmt_number(value, 1)


def fmt_percent(ratio: float | None, decimals: int = 1) -> str:
    """0.853 -> '85,3%'. The argument is a ratio (1.0 = 100%)."""
    if ratio is None:
        return MISSING
    return fmt_number(ratio * 100, decimals) + "%"


def fmt_change(current: float | None, previous: float | None) -> str:
    """Relative change as words: 'tăng 12,5%', 'giảm 3,0%', 'không đổi'; '—' when not comparable."""
    if current is None or previous is None or previous == 0:
        return MISSING
    change = (current - previous) / previous
    if _round(change * 100, 1) == 0:
        return "không đổi"
    word = "tăng" if change > 0 else "giảm"
    return f"{word} {fmt_percent(abs(change))}"


def fmt_date(day: date | datetime | None) -> str:
    """dd/mm/yyyy (an aware datetime is shown in Asia/Ho_Chi_Minh)."""
    if day is None:
        return MISSING
    if isinstance(day, datetime):
        if day.tzinfo is not None:
            day = day.astimezone(TZ)
        day = day.date()
    return day.strftime("%d/%m/%Y")


def fmt_fraction(numerator: float | None, denominator: float | None) -> str:
    """'61/75' with Vietnamese thousands separators; '—' when either is missing."""
    if numerator is None or denominator is None:
        return MISSING
    return f"{fmt_number(numerator, 1, trim=True)}/{fmt_number(denominator, 1, trim=True)}"


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-Ỹ0-9\"“(])")


def excerpt_sentences(text: str, limit: int) -> tuple[str, bool]:
    """Whole sentences up to about `limit` chars (never a sentence cut in the middle); the first
    sentence is kept whole up to twice the limit, and only a longer one is cut at a word with '…'.
    Returns (text, shortened)."""
    clean = " ".join(text.split())
    if len(clean) <= limit:
        return clean, False
    sentences = _SENTENCE_END.split(clean)
    kept: list[str] = []
    for sentence in sentences:
        if kept and len(" ".join([*kept, sentence])) > limit:
            break
        kept.append(sentence)
    out = " ".join(kept)
    if len(out) > 2 * limit:
        return truncate_text(out, 2 * limit)[0], True
    return out, len(kept) < len(sentences)


def truncate_text(text: str, limit: int) -> tuple[str, bool]:
    """Collapse whitespace and cut at a word boundary near `limit` chars, adding '…'."""
    clean = " ".join(text.split())
    if len(clean) <= limit:
        return clean, False
    cut = clean[:limit]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…", True
