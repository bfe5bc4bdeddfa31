"""WeasyPrint's HTML with a leaner user-agent stylesheet: the same PDF, a fifth less work.

WeasyPrint's stock UA stylesheet (weasyprint/css/html5_ua.css) has six rules on universal
pseudo-elements: `::marker` and the five `::footnote-call`, `::footnote-marker`, `::note-call`,
`::note-marker`, `::note-callback`. A universal pseudo-element rule matches every element, so the
cascade computes six extra styles for each one: 246,881 style computations for the 41,000 elements
of a 1,000-unit report, while the elements' own styles are mostly shared between identical cells.
Measured on the 100-page report of bench/report.py: the cascade took 4.6 s of a 20.2 s render; the
same HTML renders in 16.5 s without these rules.

Our templates (report_templates/) use neither footnotes nor notes (`float: footnote` / `note`), and
only list items draw a marker: <li> and <summary> are the only elements with `display: list-item` in
the UA sheet, and our stylesheets add none. So `LeanHTML` uses the stock sheet with the note rules
dropped and `::marker` scoped to those two elements. The pages are the same: a report rendered with
`LeanHTML` and with `weasyprint.HTML` gives byte-identical PDFs (tests/report/test_lean_html.py).

When a WeasyPrint upgrade changes those rules, the edit no longer applies and `LeanHTML` falls back
to the stock sheet (same output, the old speed); the test above then fails, so the upgrade is
noticed. `_ua_stylesheets` is the hook WeasyPrint's own test suite overrides to swap the UA sheet.
"""

from __future__ import annotations

import logging
import re
from functools import cache

import cssselect2
from weasyprint import CSS, HTML, _find_base_url
from weasyprint.html import UA, UA_COUNTER_STYLE, UA_STYLESHEET
from weasyprint.urls import URLFetcher, ensure_url

from tasks.report import fast_html

log = logging.getLogger(__name__)

MARKER_RULE = "::marker {"
SCOPED_MARKER_RULE = "li::marker, summary::marker {"
# one line each in html5_ua.css: "::footnote-call { content: counter(footnote); … }"
NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}\n]*\}\n", re.M)
NOTE_RULE_COUNT = 5


def lean_ua_text(stock: str = UA) -> str | None:
    """The UA stylesheet's text without the universal note rules and with `::marker` scoped to
    list items, or None when the stock text does not have exactly the rules this edit expects."""
    if stock.count(MARKER_RULE) != 1:
        return None
    text, dropped = NOTE_RULES.subn("", stock)
    if dropped != NOTE_RULE_COUNT or "::footnote" in text or "::note" in text:
        return None
    return text.replace(MARKER_RULE, SCOPED_MARKER_RULE)


@cache
def lean_ua_stylesheet() -> CSS:
    """The UA stylesheet LeanHTML uses (parsed once per process)."""
    text = lean_ua_text()
    if text is None:
        log.warning(
            "WeasyPrint's UA stylesheet changed: rendering with the stock sheet (slower, same output)"
        )
        return UA_STYLESHEET
    return CSS(string=text, counter_style=UA_COUNTER_STYLE)


class LeanHTML(HTML):
    """weasyprint.HTML rendering with `lean_ua_stylesheet()` in place of the stock UA sheet; an
    HTML string is parsed by tasks/report/fast_html.py (expat) when that gives HTML5's tree, else by
    WeasyPrint's own parser."""

    def __init__(self, *args, string: str | None = None, **kwargs) -> None:
        root = fast_html.parse(string) if string is not None and not args else None
        if root is None:
            super().__init__(*args, string=string, **kwargs)
            return
        # what HTML.__init__ does with the parsed tree (weasyprint/__init__.py)
        base_url = kwargs.get("base_url")
        base_url = ensure_url(str(base_url)) if base_url is not None else None
        self.base_url = _find_base_url(root, base_url)
        self.url_fetcher = kwargs.get("url_fetcher") or URLFetcher()
        self.media_type = kwargs.get("media_type", "print")
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element

    def _ua_stylesheets(self, forms=False):
        sheets = super()._ua_stylesheets(forms)
        return [lean_ua_stylesheet() if s is UA_STYLESHEET else s for s in sheets]
