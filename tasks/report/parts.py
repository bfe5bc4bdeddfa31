"""Render a long report in parts, side by side, and join them into one PDF with the same pages.

WeasyPrint lays a document out in one thread, page after page: the 100 pages of a 1,000-unit report
take about 17 s on one core while the other core waits. A report's annexes (biểu) each start on a
new page, so the document cuts cleanly there: each part is the same HTML head with some of the
sections, rendered by its own process, and the parts' pages are the pages the whole document would
have. `join_parts` then builds one PDF with pypdf:

- the first part's PDF is the base: its catalogue carries the PDF/A-3b metadata (XMP, output
  intent, language), the attachments and the identifier, and its pages carry their own page numbers;
- the other parts' pages are appended; they were rendered with empty top margins, and each gets its
  page number (and the draft mark) from an overlay: a document of empty pages in the same @page
  style for the pages after the first part's, numbered from there, rendered once the page count is
  known, its page for page n stamped on page n as a form XObject;
- internal links keep working across parts: a part gets empty placeholder anchors for the targets
  that live in another part (WeasyPrint drops a link whose target it cannot find), and the joined
  PDF's named destinations are rebuilt from the anchors each part really holds;
- the bookmarks of the later parts are appended to the first part's outline, on their new pages.

The template marks where a part may start (PART_MARK, only before content that starts a new page);
`plan_parts` groups the pieces into parts that keep the cores equally busy. Short reports are
rendered in one piece (`worth_splitting`): the processes' start-up would cost more than it saves.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

from tasks.core import lifeline

PART_MARK = "<!--dxreport:part-->"
# cost model of `piece_cost` (box-making elements; one is about 0.5 ms of WeasyPrint on one core)
_BOXES = re.compile(r"<(?:td|th|p|div|li|h[1-6])\b")
SVG_COST = 450
PART_COST = 600  # a part's own start: its stylesheets, fonts, PDF (about 0.3 s)
# below this (about 5 s of rendering) one process renders the whole report
MIN_SPLIT_COST = 10_000
# a report's cost before its HTML exists (`likely_split`): per unit (its rows in Biểu 03 and in both
# halves of Biểu 05) and for the rest (body, charts, the other annexes); from the pieces of the
# 1,000-unit report of bench/report.py (33,291 and 3,481)
UNIT_COST = 33
BASE_COST = 3_500
MAX_PIECES = 12
MAX_PARTS_PER_WORKER = 2
PLANNED_CORES = 2
# margins of the later parts: page numbers and the draft mark come from the overlay
BLANK_MARGINS = (
    "<style>@page { @top-center { content: none } @top-right { content: none } }</style>"
)
# an overlay that starts at a later page: its first page numbered and marked like the others
OVERLAY_FROM = (
    "<style>@page :first {{ counter-reset: page {first}; @top-center {{ content: counter(page) }}"
    " @top-right {{ content: string(draft) }} }}</style>"
)
_ID = re.compile(r"""\bid="([^"]+)\"""")
_HREF = re.compile(r"""\bhref="#([^"]+)\"""")
_FIRST_BLOCK = re.compile(r"<(?:h[1-6]|div|p)\b[^>]*>")
_DRAFT_MARK = re.compile(r"""<div class="draft-mark"[^>]*>.*?</div>""", re.S)


@dataclass(frozen=True)
class SplitDocument:
    """The report's HTML cut at the part marks: `head` (through <body>), the `pieces`, `tail`."""

    head: str
    pieces: tuple[str, ...]
    tail: str


@dataclass(frozen=True)
class Part:
    """One process's share: its HTML, the anchors it really holds, whether it is the first."""

    html: str
    anchors: frozenset[str]
    first: bool


def default_workers() -> int:
    """The cores the parts are planned for when the caller does not say: 2 on any machine that has
    two or more, so the parts, and so the PDF's bytes, do not depend on the machine (the same
    inputs give the same file anywhere); 1 (one piece) on a single core."""
    return PLANNED_CORES if (os.cpu_count() or 1) >= PLANNED_CORES else 1


def planned_workers(workers: int | None) -> int:
    """The cores the parts are planned for: `workers` when the caller says (the setting
    `DXREPORT_REPORT_WORKERS`), else default_workers."""
    return default_workers() if workers is None else workers


def split_document(html: str) -> SplitDocument:
    start = html.index("<body")
    start = html.index(">", start) + 1
    end = html.rindex("</body>")
    pieces = tuple(p for p in html[start:end].split(PART_MARK) if p.strip())
    return SplitDocument(head=html[:start], pieces=pieces, tail=html[end:])


def piece_cost(piece: str) -> int:
    """A piece's rendering cost in box-making elements: WeasyPrint's time grows with the table cells,
    paragraphs and blocks (about 0.5 ms each on this 2-core machine) and each inline SVG chart costs
    about as much as 450 of them (measured on the 1,000-unit report of bench/report.py)."""
    return len(_BOXES.findall(piece)) + SVG_COST * piece.count("<svg")


def worth_splitting(html: str, workers: int) -> bool:
    """True when `html` is long enough for parts to pay off (`workers` > 1, at least two pieces, and
    a process that may start others: a daemonic one, e.g. a Dask worker's, may not)."""
    if workers <= 1 or PART_MARK not in html or multiprocessing.current_process().daemon:
        return False
    return piece_cost(html) >= MIN_SPLIT_COST


def likely_split(units: int, workers: int) -> bool:
    """Whether the report over a catalogue of `units` units will most likely be rendered in parts
    (worth_splitting with the cost estimated from the units): told before its model is built, so
    that the fork server can start meanwhile (warm_up)."""
    if workers <= 1 or multiprocessing.current_process().daemon:
        return False
    return BASE_COST + UNIT_COST * units >= MIN_SPLIT_COST


def plan_parts(doc: SplitDocument, workers: int) -> list[int]:
    """How many consecutive pieces each part takes: the grouping that finishes soonest on `workers`
    cores (best_grouping over the pieces' costs)."""
    return best_grouping([piece_cost(p) for p in doc.pieces], workers)


def make_parts(doc: SplitDocument, sizes: Sequence[int]) -> list[Part]:
    """The parts of `doc` cut by `sizes` (from plan_parts), each with placeholder anchors for the
    link targets it does not hold."""
    everywhere = {name for piece in doc.pieces for name in _ID.findall(piece)}
    result = []
    at = 0
    for i, size in enumerate(sizes):
        body = "".join(doc.pieces[at : at + size])
        at += size
        held = set(_ID.findall(body))
        # a target no part holds stays missing: WeasyPrint drops that link, as in the whole render
        missing = sorted((set(_HREF.findall(body)) & everywhere) - held)
        result.append(
            Part(
                html=_assemble(doc, body, missing, first=i == 0),
                anchors=frozenset(held),
                first=i == 0,
            )
        )
    return result


def best_grouping(costs: Sequence[int], workers: int) -> list[int]:
    """The sizes of the consecutive groups of `costs` that finish soonest when every group is a
    process and all of them run at once on `workers` cores: the cores share the work, so the end is
    the total over the cores or the largest group, whichever is later (each group costs PART_COST
    more); fewer groups on a tie. Every way to cut is tried (a report has about ten pieces; adjacent
    pieces are merged first beyond MAX_PIECES)."""
    costs = list(costs)
    sizes = [1] * len(costs)
    while len(costs) > MAX_PIECES:  # merge the cheapest adjacent pair
        k = min(range(len(costs) - 1), key=lambda j: costs[j] + costs[j + 1])
        costs[k : k + 2] = [costs[k] + costs[k + 1]]
        sizes[k : k + 2] = [sizes[k] + sizes[k + 1]]
    n = len(costs)
    best: tuple[float, int, list[int]] | None = None
    for mask in range(1 << max(n - 1, 0)):
        bounds = [0, *[j + 1 for j in range(n - 1) if mask >> j & 1], n]
        groups = list(zip(bounds, bounds[1:], strict=False))
        if len(groups) > MAX_PARTS_PER_WORKER * workers:
            continue
        loads = [sum(costs[a:b]) + PART_COST for a, b in groups]
        key = (max(sum(loads) / workers, max(loads)), len(groups))
        if best is None or key < best[:2]:
            best = (*key, [sum(sizes[a:b]) for a, b in groups])
    assert best is not None
    return best[2]


def _assemble(doc: SplitDocument, body: str, missing: Sequence[str], *, first: bool) -> str:
    head = doc.head if first else doc.head.replace("</head>", BLANK_MARGINS + "</head>", 1)
    if missing:
        # empty inline spans inside the part's first block: no box of their own, no page of their own
        spans = "".join(f'<span id="{name}"></span>' for name in missing)
        block = _FIRST_BLOCK.search(body)
        at = block.end() if block else 0
        body = body[:at] + spans + body[at:]
    return head + body + doc.tail


def overlay_html(doc: SplitDocument, pages: int, first: int = 1) -> str:
    """Empty pages in the report's @page style: the margins of pages `first`..`pages` as the whole
    document has them. From page 1, the draft mark's text is set on page 1, as in the report; from
    a later page, that page is numbered `first` and a hidden copy of the mark sets its text."""
    draft = _DRAFT_MARK.search(doc.pieces[0]) if doc.pieces else None
    mark = draft.group(0) if draft else ""
    head = doc.head
    if first > 1:
        head = head.replace("</head>", OVERLAY_FROM.format(first=first) + "</head>", 1)
        mark = mark.replace("<div ", '<div style="visibility: hidden" ', 1)
    breaks = '<div style="break-before: page"></div>' * (pages - first)
    return head + mark + "<div></div>" + breaks + doc.tail


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tasks.report.pdf_engine"])
    return context


def warm_up() -> None:
    """Start the fork server now (it imports the renderer, about 0.6-0.9 s of a core) so that its
    start overlaps the caller's own work (issue.py: the report's model is built meanwhile, on the
    other core); render_parts then forks its workers from it at once. It returns at once."""
    from multiprocessing import forkserver

    _context()
    with lifeline.starting_workers():  # the fork server and so its children
        forkserver.ensure_running()


def process_pool(processes: int) -> ProcessPoolExecutor:
    """A pool for `processes` parts rendered all at once (the cores share the work: plan_parts chose
    the parts for that). Its processes come from a fork server that has imported the renderer once
    (not fork: a forked child would inherit the caller's threads, Pango and fontconfig state, and
    can die in the middle of a layout)."""
    return ProcessPoolExecutor(
        max_workers=processes, mp_context=_context(), **lifeline.pool_options()
    )


def join_parts(parts: Sequence[Part], pdfs: Sequence[bytes], overlay: bytes, target) -> int:
    """Write the parts' PDFs as one PDF to `target` (a path or a binary file); returns its pages.
    `overlay` has the margins of the pages after the first part's (overlay_html from the page after
    them)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        NameObject,
        TextStringObject,
        create_string_object,
    )

    readers = [PdfReader(io.BytesIO(data)) for data in pdfs]
    writer = PdfWriter(clone_from=readers[0])
    writer.pdf_header = readers[0].pdf_header
    identifier = readers[0].trailer.get("/ID")
    stamps = PdfReader(io.BytesIO(overlay))
    stamped_from = len(writer.pages)  # the overlay's first page follows the first part's
    offsets = []
    for reader in readers[1:]:
        offsets.append(len(writer.pages))
        for page in reader.pages:
            writer.add_page(page)
            _stamp(writer, writer.pages[-1], stamps.pages[len(writer.pages) - 1 - stamped_from])
    offsets.insert(0, 0)

    # named destinations: each anchor from the part that holds it, on its page in the whole document
    dests: dict[str, ArrayObject] = {}
    for part, reader, offset in zip(parts, readers, offsets, strict=True):
        index = {cast(Any, page.indirect_reference).idnum: n for n, page in enumerate(reader.pages)}
        root: Any = reader.trailer["/Root"]
        names = root.get("/Names", {}).get("/Dests", {}).get("/Names", [])
        for k in range(0, len(names), 2):
            name = str(names[k])
            if name not in part.anchors:  # a placeholder: the anchor is in another part
                continue
            dest = names[k + 1].get_object()  # [page /XYZ left top zoom], as WeasyPrint writes it
            page = writer.pages[offset + index[dest[0].idnum]]
            dests[name] = ArrayObject([page.indirect_reference, *dest[1:]])
    if dests:
        flat = ArrayObject()
        for name in sorted(dests):  # a name tree's keys are sorted
            flat += [TextStringObject(name), dests[name]]
        catalog: Any = writer.root_object
        if "/Names" not in catalog:
            catalog[NameObject("/Names")] = DictionaryObject()
        catalog["/Names"].get_object()[NameObject("/Dests")] = DictionaryObject(
            {NameObject("/Names"): flat}
        )

    # bookmarks of the later parts, after the first part's, on their pages in the whole document
    for reader, offset in zip(readers[1:], offsets[1:], strict=True):
        _copy_outline(writer, reader, reader.outline, offset, None)

    # the file identifier as WeasyPrint writes it: the document's (from its content), then this
    # file's; here a digest of the parts it was joined from
    if identifier is not None:
        digest = hashlib.md5(b"".join([*pdfs, overlay]), usedforsecurity=False).hexdigest()
        writer._ID = ArrayObject([identifier[0], create_string_object(digest.encode("ascii"))])
    writer.write(target)
    return len(writer.pages)


def _copy_outline(writer, reader, items, offset: int, parent) -> None:
    from pypdf.generic import Fit

    last = None
    for item in items:
        if isinstance(item, list):
            _copy_outline(writer, reader, item, offset, last)
            continue
        page = offset + reader.get_destination_page_number(item)
        last = writer.add_outline_item(
            title=item.title,
            page_number=page,
            parent=parent,
            fit=Fit.xyz(item.left, item.top, item.zoom),
        )


def _stamp(writer, page, stamp) -> None:
    """Draw `stamp` (an overlay page) over `page`, as a form XObject after the page's own content
    (wrapped in q/Q so the page's graphics state does not leak into the stamp)."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        StreamObject,
    )

    decoded = DecodedStreamObject()
    decoded.set_data(stamp.get_contents().get_data())
    decoded.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(stamp.mediabox),
            NameObject("/Resources"): stamp["/Resources"].clone(writer),
        }
    )
    form_ref = writer._add_object(decoded.flate_encode())
    name = f"/DxMargin{len(writer.pages)}"
    resources = page["/Resources"].get_object()
    xobjects = resources.get("/XObject")
    if xobjects is None:
        xobjects = DictionaryObject()
        resources[NameObject("/XObject")] = xobjects
    xobjects.get_object()[NameObject(name)] = form_ref

    def stream(text: str):
        s = StreamObject()
        s.set_data(text.encode("ascii"))
        return writer._add_object(s)

    contents = page["/Contents"]
    contents = contents.get_object()
    existing = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
    page[NameObject("/Contents")] = ArrayObject(
        [stream("q\n"), *existing, stream(f"\nQ\nq {name} Do Q\n")]
    )
