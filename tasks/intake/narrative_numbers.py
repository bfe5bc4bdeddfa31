"""Numbers in Vietnamese text, and the narrative check NARRATIVE_NUMBER_MISMATCH.

A number in "Kết quả nổi bật" directly followed by a data element's name or one of its aliases
(schemas/rules.yaml, params of NARRATIVE_NUMBER_MISMATCH) must be the value reported in "Chỉ tiêu":
"13 tin, bài" while TIN_BAI = 18 is warned. Numbers are read Vietnamese style (1.234 and 1.234,5);
a number after a qualifier ("hơn 10 tin, bài") is an estimate and is not compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from schemas.catalog_model import Catalog
from tasks.core.formatting import fmt_number
from tasks.intake.header_checks import SubmissionState
from tasks.intake.parse import NARRATIVE_CELL_PREFIX
from tasks.intake.rules import load_rules, message
from tasks.intake.submission import NARRATIVE_LABELS, Message

RULE = "NARRATIVE_NUMBER_MISMATCH"
# 1.234.567 | 1.234,5 | 12,5 | 13 (not inside a longer number, a date or a code)
NUMBER = r"(?<![\w.,/])(?P<number>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)(?![\w/]|[.,]\d)"


def num_vi(value: float) -> str:
    """1234.5 -> '1.234,5' (Vietnamese style, at most two decimals)."""
    return fmt_number(value, 2, trim=True)


def num_en(value: float) -> str:
    """1234.5 -> '1,234.5'."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def parse_number_vi(text: str) -> float:
    """'1.234,5' -> 1234.5; '13' -> 13.0 (the forms NUMBER matches)."""
    return float(text.replace(".", "").replace(",", "."))


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


@lru_cache(maxsize=8)
def _pattern(names: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    """NUMBER, spaces, then one of the (element, phrase) names (in the order given: longest first)."""
    alternatives = []
    space = r"\s+"
    for i, (_, phrase) in enumerate(names):
        words = [re.escape(w) for w in _fold(phrase).split()]
        alternatives.append(f"(?P<n{i}>{space.join(words)})")
    return re.compile(NUMBER + r"\s+(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


def element_names(catalog: Catalog, aliases: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    """(element code, phrase): each element's catalogue name and its aliases."""
    out = [(e.code, e.name) for e in catalog.data_elements]
    out += [(code, alias) for code, phrases in aliases.items() for alias in phrases]
    return out


def numbers_next_to_names(
    text: str, names: list[tuple[str, str]], qualifiers: list[str]
) -> list[tuple[str, float, str]]:
    """(element code, number, the phrase as written) for each number followed by a name."""
    ordered = sorted(names, key=lambda n: -len(n[1]))
    pattern = _pattern(tuple(ordered))
    folded_qualifiers = [_fold(q) for q in qualifiers]
    text = unicodedata.normalize("NFC", text)
    out = []
    for match in pattern.finditer(text):
        before = _fold(text[: match.start()]).rstrip()
        if any(re.search(r"(?<!\w)" + re.escape(q) + r"$", before) for q in folded_qualifiers):
            continue
        index = next(int(k[1:]) for k, v in match.groupdict().items() if k != "number" and v)
        out.append((ordered[index][0], parse_number_vi(match["number"]), match.group(0)))
    return out


def narrative_messages(
    state: SubmissionState, catalog: Catalog, reported: Mapping[str, tuple[float, str]]
) -> list[Message]:
    """NARRATIVE_NUMBER_MISMATCH for each number in the narrative that differs from its element's
    reported value (`reported`: element code -> (value, cell in "Chỉ tiêu"))."""
    params = load_rules()[RULE].params
    names = element_names(catalog, params.get("aliases", {}))
    out: list[Message] = []
    seen: set[tuple[str, str]] = set()
    for section in params["sections"]:
        text = state.narratives.get(section)
        if not text:
            continue
        for code, number, phrase in numbers_next_to_names(text, names, params["qualifiers"]):
            if code not in reported or (section, phrase) in seen:
                continue
            value, value_cell = reported[code]
            if abs(number - value) < 1e-9:
                continue
            seen.add((section, phrase))
            element = catalog.element_by_code[code]
            out.append(
                message(
                    RULE,
                    cell=state.sub.header.cells.get(NARRATIVE_CELL_PREFIX + section),
                    label=NARRATIVE_LABELS.get(section, section),
                    phrase=phrase,
                    element=code,
                    element_name=element.name,
                    value_vi=num_vi(value),
                    value_en=num_en(value),
                    value_cell=value_cell,
                )
            )
    return out


__all__ = [
    "element_names",
    "narrative_messages",
    "num_en",
    "num_vi",
    "numbers_next_to_names",
    "parse_number_vi",
]
