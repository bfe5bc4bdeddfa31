"""The report's own HTML parsed by expat (C) into the very tree WeasyPrint's HTML5 parser makes.

WeasyPrint parses HTML with tinyhtml5, a pure-Python HTML5 parser: about 2 s of a 21 s render of the
1,000-unit report (1.4 MB of HTML, 42,000 elements), a tenth of the work. Our templates write
well-formed markup, so expat (xml.etree) reads it in a tenth of that time. An XML parser and an
HTML5 parser agree on such markup except where HTML5's tree construction adds or moves things;
`parse` makes those same changes:

- void elements (`<meta>`, `<link>`, `<br>` …) are closed for expat;
- a `<tr>` directly in a `<table>` gets the `<tbody>` HTML5 implies;
- whitespace after `<html>` is dropped, whitespace after `</body>` and `</html>` goes at the end of
  the body, one newline right after `<pre>`/`<listing>` is dropped;
- an SVG's `xmlns` and `xmlns:xlink` stay attributes (in the xmlns namespace), as HTML5 keeps them;
- newlines and tabs inside attribute values are kept (XML would turn them into spaces).

Wherever the two could still differ, `parse` returns None and the caller uses WeasyPrint's own
parser: markup expat refuses (HTML entities such as `&nbsp;`, unquoted or repeated attributes, a
stray `&`, control characters), numeric references HTML5 remaps, raw-text elements (`<style>` with
`&`, `<script>`), a self-closed non-void HTML element, text or foreign elements inside table rows
(HTML5 moves them), a block inside `<p>`, nested `<a>`/`<li>`/headings, unknown namespaces, SVG
names HTML5 would re-case, HTML inside SVG, comments outside `<html>`. So the tree is HTML5's or
the slow path is taken: tests/report/test_fast_html.py compares both parsers' trees on every
report and unit page and both PDFs byte for byte.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from tinyhtml5.constants import adjust_svg_attributes, special_elements, void_elements

XMLNS = "http://www.w3.org/2000/xmlns/"
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_SVG_PREFIX = "{" + SVG + "}"

_VOID_OPEN = re.compile(r"<(?:" + "|".join(sorted(void_elements)) + r")\b[^<>]*?(?<!/)>")
# a start tag, its quoted values read whole (they may hold ">")
_START_TAG = re.compile(
    r"<[A-Za-z][^\s/>]*(?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*\s*/?>"
)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_NUMERIC_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
# a self-closed tag ("<x … />"), its quoted values read whole
_SELF_CLOSED = re.compile(
    r"<([A-Za-z][^\s/>]*)(?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*\s*/>"
)
_SVG_SPAN = re.compile(r"<svg\b.*?</svg>", re.S)
_RAW_TEXT = re.compile(r"<(style|script)\b[^>]*>(.*?)</\1>", re.S | re.I)
_REFUSED_TAGS = re.compile(
    r"<(?:script|template|noscript|iframe|xmp|noembed|noframes|plaintext|math|image|frameset|"
    r"select|textarea|form|button)\b",
    re.I,
)

_SVG_CASED = {
    name.lower(): name
    for name in (
        "altGlyph altGlyphDef altGlyphItem animateColor animateMotion animateTransform clipPath "
        "feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix "
        "feDiffuseLighting feDisplacementMap feDistantLight feFlood feFuncA feFuncB feFuncG "
        "feFuncR feGaussianBlur feImage feMerge feMergeNode feMorphology feOffset fePointLight "
        "feSpecularLighting feSpotLight feTile feTurbulence foreignObject glyphRef "
        "linearGradient radialGradient textPath"
    ).split()
}
# HTML elements that make HTML5 leave SVG content (the tree would not nest them in the <svg>)
_SVG_BREAKOUT = frozenset(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img "
    "li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var "
    "font".split()
)
# start tags that close an open <p> (HTML5 "in body"); a <p> holding one is not the same tree
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 "
    "pre listing li dd dt hr table".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_HEAD_CHILDREN = frozenset("meta title link style base".split())
_TABLE_CHILDREN = frozenset("caption colgroup thead tbody tfoot tr".split())
_SECTION_CHILDREN = frozenset(["tr"])
_ROW_CHILDREN = frozenset(["td", "th"])
_LEADING_NEWLINE = frozenset(["pre", "listing"])
_SPECIAL = frozenset(name for ns, name in special_elements if ns == "http://www.w3.org/1999/xhtml")


class NotSameTree(Exception):
    """The markup is outside what `parse` reproduces exactly (the caller uses tinyhtml5)."""


class _Builder(ET.TreeBuilder):
    """expat's events into ElementTree elements, the namespace declarations kept as HTML5 keeps
    them (attributes in the xmlns namespace)."""

    def __init__(self) -> None:
        super().__init__(insert_comments=True)
        self._declared: list[tuple[str, str]] = []

    def start_ns(self, prefix: str, uri: str) -> None:
        self._declared.append((prefix, uri))

    def start(self, tag: str, attrs: dict[str, str]) -> Any:
        if self._declared:
            declared = {}
            for prefix, uri in self._declared:
                if prefix == "" and uri == SVG:
                    declared[f"{{{XMLNS}}}xmlns"] = uri
                elif prefix == "xlink" and uri == XLINK:
                    declared[f"{{{XMLNS}}}xlink"] = uri
                else:
                    raise NotSameTree(f"namespace {prefix}={uri}")
            self._declared.clear()
            attrs = {**declared, **attrs}
        return super().start(tag, attrs)


def parse(text: str) -> ET.Element | None:
    """The root <html> element as tinyhtml5 (namespace_html_elements=False) makes it from `text`,
    or None when `text` is markup this parser does not reproduce exactly."""
    try:
        return _parse(text)
    except (ET.ParseError, NotSameTree, ValueError, RecursionError):
        return None


def _parse(text: str) -> ET.Element:
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # HTML5's input preprocessing
    _check_source(text)
    end = text.rfind("</html>")
    if end < 0 or text[end + len("</html>") :].strip():
        raise NotSameTree("content after </html>")
    after_html = text[end + len("</html>") :]
    xml = _VOID_OPEN.sub(lambda m: m.group(0)[:-1] + "/>", text[: end + len("</html>")])
    if "\t" in xml or "\n" in xml:
        xml = _START_TAG.sub(_keep_value_whitespace, xml)
    builder = _Builder()
    parser = ET.XMLParser(target=builder)
    parser.feed(xml)
    root = parser.close()
    _html5_tree(root, after_html)
    return root


def _check_source(text: str) -> None:
    if "<html" not in text or "<!--" in text[: text.find("<html")]:
        raise NotSameTree("no <html>, or a comment before it")
    if _REFUSED_TAGS.search(text):
        raise NotSameTree("an element HTML5 parses its own way")
    for m in _NUMERIC_REF.finditer(text):
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if code == 0 or 0x80 <= code <= 0x9F or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise NotSameTree("a numeric reference HTML5 remaps")
    for m in _RAW_TEXT.finditer(text):
        if "&" in m.group(2) or "<" in m.group(2):
            raise NotSameTree("markup or a reference in raw text")
    svg = [(m.start(), m.end()) for m in _SVG_SPAN.finditer(text)]
    for m in _SELF_CLOSED.finditer(text):
        name = m.group(1)
        if name.lower() in void_elements:
            continue
        if not any(a <= m.start() < b for a, b in svg):
            raise NotSameTree(f"<{name}/> outside SVG")


def _keep_value_whitespace(tag: re.Match[str]) -> str:
    """The tag with newlines and tabs in its quoted values as references (expat would read them as
    spaces; HTML5 keeps them)."""
    text = tag.group(0)
    if "\n" not in text and "\t" not in text:
        return text

    def escape(value: re.Match[str]) -> str:
        return value.group(0).replace("\n", "&#10;").replace("\t", "&#9;")

    return _QUOTED.sub(escape, text)


def _blank(value: str | None) -> bool:
    return value is None or not value.strip(" \t\n\f")


def _html5_tree(root: ET.Element, after_html: str) -> None:
    if root.tag != "html" or [c.tag for c in root] != ["head", "body"]:
        raise NotSameTree("<html> must hold exactly <head> and <body>")
    head, body = root[0], root[1]
    if not _blank(root.text) or not _blank(head.tail) or not _blank(head.text):
        raise NotSameTree("text outside the body")
    root.text = None  # HTML5 drops whitespace before <head>
    for child in head:
        if child.tag not in _HEAD_CHILDREN or not _blank(child.tail) or len(child):
            raise NotSameTree("unexpected content in <head>")
    trailing = (body.tail or "") + after_html  # HTML5 puts it at the end of the body
    if not _blank(trailing):
        raise NotSameTree("text after </body>")
    body.tail = None
    if trailing:
        if len(body):
            body[-1].tail = (body[-1].tail or "") + trailing
        else:
            body.text = (body.text or "") + trailing
    _check_body(body, [])


def _check_body(element: ET.Element, ancestors: list[ET.Element]) -> None:
    tag = element.tag
    if not isinstance(tag, str):  # a comment
        return
    if tag == "svg":  # no xmlns: HTML5 puts it and its content in the SVG namespace anyway
        for inner in element.iter():
            if isinstance(inner.tag, str) and not inner.tag.startswith("{"):
                inner.tag = _SVG_PREFIX + inner.tag
        tag = element.tag
    if tag.startswith(_SVG_PREFIX):
        _check_svg(element)
        return
    if tag.startswith("{") or any(name.startswith("{") for name in element.attrib):
        raise NotSameTree(f"namespaced markup outside SVG: {tag}")
    names = [a.tag for a in ancestors]
    if tag in ("html", "head", "body") and ancestors:
        raise NotSameTree(f"<{tag}> inside the body")
    if tag in _CLOSES_P and "p" in names:
        raise NotSameTree(f"<{tag}> inside <p>")
    if tag in _HEADINGS and _HEADINGS & set(names):
        raise NotSameTree("a heading inside a heading")
    if tag == "a" and "a" in names:
        raise NotSameTree("<a> inside <a>")
    if tag in ("li", "dd", "dt") and _open_item(names, tag):
        raise NotSameTree(f"<{tag}> inside an open <{tag}>")
    if tag in void_elements and (len(element) or element.text):
        raise NotSameTree(f"content in <{tag}>")
    if tag in _LEADING_NEWLINE and element.text and element.text.startswith("\n"):
        element.text = element.text[1:]
    if tag == "table":
        _imply_tbody(element)
    allowed = {
        "table": _TABLE_CHILDREN,
        "thead": _SECTION_CHILDREN,
        "tbody": _SECTION_CHILDREN,
        "tfoot": _SECTION_CHILDREN,
        "tr": _ROW_CHILDREN,
        "colgroup": frozenset(["col"]),
    }.get(tag)
    if allowed is not None:
        if not _blank(element.text):
            raise NotSameTree(f"text directly in <{tag}>")
        for child in element:
            if isinstance(child.tag, str) and child.tag not in allowed:
                raise NotSameTree(f"<{child.tag}> directly in <{tag}>")
            if not _blank(child.tail):
                raise NotSameTree(f"text directly in <{tag}>")
    elif tag in _ROW_CHILDREN or tag in ("caption", "col"):
        parent = names[-1] if names else ""
        expected = {"td": "tr", "th": "tr", "caption": "table", "col": "colgroup"}[tag]
        if parent != expected:
            raise NotSameTree(f"<{tag}> outside <{expected}>")
    ancestors.append(element)
    for child in element:
        _check_body(child, ancestors)
    ancestors.pop()


def _open_item(names: list[str], tag: str) -> bool:
    """Whether HTML5 would close an open list item before this one: it looks up the open elements
    to the nearest special one other than <address>, <div> and <p> (e.g. the list)."""
    same = {"li"} if tag == "li" else {"dd", "dt"}
    for name in reversed(names):
        if name in same:
            return True
        if name in _SPECIAL and name not in ("address", "div", "p"):
            return False
    return False


def _imply_tbody(table: ET.Element) -> None:
    """Wrap each run of <tr> directly in `table` (with the comments among them) in a <tbody>."""
    children = list(table)
    if not any(c.tag == "tr" for c in children):
        return
    rebuilt: list[ET.Element] = []
    body: ET.Element | None = None
    for child in children:
        if child.tag == "tr" or (body is not None and not isinstance(child.tag, str)):
            if body is None:
                body = ET.Element("tbody")
                rebuilt.append(body)
            body.append(child)
        else:
            body = None
            rebuilt.append(child)
    table[:] = rebuilt


def _check_svg(svg: ET.Element) -> None:
    for element in svg.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if not tag.startswith(_SVG_PREFIX):
            raise NotSameTree(f"{tag} inside SVG")
        local = tag[len(_SVG_PREFIX) :]
        if _SVG_CASED.get(local.lower(), local.lower()) != local or local in _SVG_BREAKOUT:
            raise NotSameTree(f"SVG element {local} that HTML5 names otherwise")
        if local in ("foreignObject", "desc", "title") and len(element):
            raise NotSameTree(f"markup inside SVG <{local}>")
        for name in element.attrib:
            if name.startswith("{"):
                if name[1:].split("}")[0] not in (XMLNS, XLINK, XML_NS):
                    raise NotSameTree(f"attribute {name}")
            elif adjust_svg_attributes.get(name.lower(), name.lower()) != name:
                raise NotSameTree(f"SVG attribute {name} that HTML5 names otherwise")
