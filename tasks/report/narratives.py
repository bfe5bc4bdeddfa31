"""The units' own words (sheet "Thuyết minh"): the most substantial excerpts per section
(grain: one section per narrative label, at most EXCERPTS_PER_SECTION excerpts each). The text is
untrusted: it stays a plain string; only the Jinja autoescape of tasks/report/render.py turns it
into HTML.
"""

from __future__ import annotations

from schemas.catalog_model import Catalog
from tasks.core.formatting import (
    excerpt_sentences,
)
from tasks.core.periods import Period
from tasks.core.warehouse import query
from tasks.report.model import (
    Excerpt,
    NarrativeSection,
)
from tasks.report.naming import clean_text, unit_name, unit_sort_key

EXCERPTS_PER_SECTION = 5
EXCERPT_CHARS = 300

NARRATIVE_SECTIONS = {
    "ket_qua": "Kết quả nổi bật",
    "kho_khan": "Khó khăn, vướng mắc",
    "de_xuat": "Đề xuất, kiến nghị",
    "nhiem_vu": "Nhiệm vụ quý tới",
}
NARRATIVE_EMPTY = {
    "ket_qua": "Các đơn vị chưa nêu kết quả nổi bật trong kỳ.",
    "kho_khan": "Các đơn vị không phản ánh khó khăn, vướng mắc trong kỳ.",
    "de_xuat": "Các đơn vị không có đề xuất, kiến nghị trong kỳ.",
    "nhiem_vu": "Các đơn vị chưa nêu nhiệm vụ quý tới.",
}

# How each monitored element reads in a generated sentence ("các đơn vị đã <phrase>; ...").


# --- narratives -----------------------------------------------------------------------------------
def narrative_sections(
    con, catalog: Catalog, period: Period, per_section: int, chars: int
) -> dict[str, NarrativeSection]:
    by_section: dict[str, list[tuple[str, str]]] = {k: [] for k in NARRATIVE_SECTIONS}
    for r in query(con, "report_narratives", period_id=period.id):
        if r["section"] in by_section:
            text = clean_text(r["body"])
            if text:
                by_section[r["section"]].append((r["unit_code"], text))
    key = unit_sort_key(catalog)
    out = {}
    for section, items in by_section.items():
        # choose the most substantial texts (longest first, stable by unit code), no duplicates,
        # then show them in catalogue order
        seen: set[str] = set()
        chosen = []
        for code, text in sorted(items, key=lambda it: (-len(it[1]), it[0])):
            if text.casefold() in seen:
                continue
            seen.add(text.casefold())
            chosen.append((code, text))
            if len(chosen) >= per_section:
                break
        excerpts = []
        for code, text in sorted(chosen, key=lambda it: key(it[0])):
            short, cut = excerpt_sentences(text, chars)
            excerpts.append(Excerpt(unit_name(catalog, code), short, cut))
        out[section] = NarrativeSection(
            key=section,
            title=NARRATIVE_SECTIONS[section],
            units_count=len({c for c, _ in items}),
            excerpts=tuple(excerpts),
            empty_text=NARRATIVE_EMPTY[section],
        )
    return out
