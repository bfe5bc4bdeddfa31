"""Render the quarterly report: ReportModel -> HTML (Jinja2) -> PDF (WeasyPrint).

One Jinja environment (StrictUndefined, autoescape on for every template, templates loaded from
report_templates/ next to this package). WeasyPrint gets a url_fetcher that serves only files inside
report_templates/ and refuses everything else (network, other local files, data: URLs), so no text
submitted by a unit can make the renderer read a file or call out. Unit text is escaped anyway; the
fetcher is the second lock.

The PDF is PDF/A-3b with its attachments (the values as CSV, the manifest). Its metadata (title,
author, subject, keywords, language vi, created/modified) come from the template's <html lang> and
<meta> tags; the dates are the model's issue date, and the PDF identifier is a digest of the HTML and
the attachments, so two renders of the same inputs give byte-identical files. A long report is
rendered in parts by several processes and joined into the same pages (tasks/report/parts.py).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from tasks.core import lifeline
from tasks.report import parts
from tasks.report.build import ReportModel
from tasks.report.figures import CHART_NAMES

if TYPE_CHECKING:
    from tasks.report.pdf_engine import TemplateOnlyFetcher

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "report_templates"
REPORT_TEMPLATE = "report.html.j2"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF (PDF/A-3 associated file)."""

    name: str
    data: bytes
    description: str
    relationship: str  # Data | Source | Supplement | Alternative | Unspecified
    stamp: datetime  # its creation/modification date (fixed: the report's date)


@dataclass(frozen=True)
class RenderStats:
    pages: int
    seconds: float
    served: tuple[str, ...] = ()  # URLs the fetcher served (template files)
    refused: tuple[str, ...] = ()  # URLs it refused
    parts: int = 1  # rendered in this many parts by as many processes (tasks/report/parts.py)


@dataclass(frozen=True)
class PartJob:
    """What a worker process needs to render one part (picklable)."""

    part: parts.Part
    identifier: bytes
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True)
class PartResult:
    """A part's (or the overlay's) PDF, made in a worker process."""

    pdf: bytes
    pages: int
    served: tuple[str, ...]
    refused: tuple[str, ...]


# Tokens a line must not split: "Quý III/2025", dates "14/06/2025", "81,3%", "61/75", document
# numbers "125/BC-SKHCN", report file names "bao-cao-2025Q3.pdf".
_KEEP_TOGETHER = re.compile(
    r"Quý [IV]+/\d{4}|\d{1,2}/\d{1,2}/\d{4}|\d[\d.]*(?:,\d+)?%|\d[\d.,]*/\d[\d.,]*"
    r"|\d+/BC-[A-Z]+|bao-cao-[0-9A-Za-z-]+\.pdf"
)


def keep_together(value: object) -> Markup:
    """Jinja filter `nw`: escape the text FIRST, then wrap period labels, dates, percentages and
    fractions in a no-wrap span (WeasyPrint would otherwise break "Quý III/ 2025" after the slash).
    The pattern matches only digits, letters I/V, '.', ',', '/', '%' and spaces, so nothing from the
    (escaped) text can become markup."""
    escaped = str(escape(value))
    return Markup(_KEEP_TOGETHER.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', escaped))


_SVG_FORBIDDEN = re.compile(
    r"<script|<foreignObject|<image|<a\b|\bon\w+\s*=|href\s*=\s*[\"'](?!#)", re.I
)


def safe_svg(svg: str) -> Markup:
    """Jinja filter `safe_svg`: a chart from tasks/report/charts.py, inlined as markup. The charts
    draw only catalogue labels and numbers, with text as paths; this still refuses anything that
    is not a plain, self-contained <svg> (scripts, external references, event handlers)."""
    text = str(svg).strip()
    if not text.startswith("<svg") or not text.endswith("</svg>") or _SVG_FORBIDDEN.search(text):
        raise ValueError("chart SVG refused: not a plain self-contained <svg> element")
    return Markup(text)


@cache
def environment() -> Environment:
    """The one Jinja environment of the report templates."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["nw"] = keep_together
    env.filters["safe_svg"] = safe_svg
    return env


def render_html(model: ReportModel, charts: dict[str, str] | None = None) -> str:
    """The report as an HTML string (every value autoescaped; the charts inline SVG, drawn here
    unless given)."""
    if charts is None:
        from tasks.report.figures import report_charts

        charts = report_charts(model)
    return environment().get_template(REPORT_TEMPLATE).render(m=model, charts=charts)


# every chart's name (tasks/report/figures.py) with an empty <svg>: the HTML of the report as it
# will be, without drawing the charts (they are in the body, before the first part mark)
CHART_PLACEHOLDERS = dict.fromkeys(CHART_NAMES, "<svg></svg>")


PDF_VARIANT = "pdf/a-3b"


def pdf_identifier(html: str, attachments: tuple[Attachment, ...]) -> bytes:
    """The PDF's /ID from its content (PDF/A requires one; a random one would break determinism)."""
    digest = hashlib.sha256(html.encode("utf-8"))
    for a in attachments:
        digest.update(a.name.encode())
        digest.update(a.data)
    return digest.hexdigest()[:32].encode("ascii")


def render_pdf(
    model: ReportModel,
    out_path: Path,
    *,
    fetcher: TemplateOnlyFetcher | None = None,
    attachments: tuple[Attachment, ...] = (),
    workers: int | None = None,
) -> RenderStats:
    """Write the report PDF (PDF/A-3b, with `attachments` embedded) to `out_path`, atomically.

    A long report is rendered in parts planned for `workers` cores (default: 2 where there are two,
    see parts.default_workers) and joined (tasks/report/parts.py): the same pages in about half the
    time. `workers=1`, a short report, or a caller's own `fetcher` render it in one piece."""
    started = time.perf_counter()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    workers = parts.planned_workers(workers)
    tmp = out_path.with_name(out_path.name + ".tmp")
    result = None
    try:
        if fetcher is None and workers > 1:
            outline = render_html(model, CHART_PLACEHOLDERS)  # cheap: Jinja only
            if parts.worth_splitting(outline, workers):
                try:
                    result = _render_in_parts(model, outline, tmp, attachments, workers)
                except Exception as exc:  # noqa: BLE001 - the parts are an optimisation
                    # (no processes allowed here, a worker killed, …): the same pages, in one piece
                    log.warning(
                        "Could not render the report in parts (%s: %s): rendering it whole",
                        type(exc).__name__,
                        exc,
                    )
        if result is None:
            from tasks.report.pdf_engine import render_whole  # noqa: PLC0415 - WeasyPrint

            text = render_html(model)
            result = render_whole(
                text, tmp, pdf_identifier(text, attachments), attachments, fetcher
            )
        os.replace(tmp, out_path)
    finally:
        if tmp.exists():
            tmp.unlink()
    pages, served, refused, n_parts = result
    return RenderStats(
        pages=pages,
        seconds=round(time.perf_counter() - started, 3),
        served=tuple(served),
        refused=tuple(refused),
        parts=n_parts,
    )


_Rendered = tuple[int, list[str], list[str], int]  # pages, URLs served, URLs refused, parts


def render_part(job: PartJob) -> PartResult:
    """One part's PDF, in a worker process (its fork server has imported the engine)."""
    from tasks.report.pdf_engine import part_pdf  # noqa: PLC0415 - WeasyPrint, in the worker

    return part_pdf(job)


def render_overlay(html: str, identifier: bytes) -> PartResult:
    """The overlay's PDF (page numbers, draft mark), in a worker process."""
    from tasks.report.pdf_engine import overlay_pdf  # noqa: PLC0415 - WeasyPrint, in the worker

    return overlay_pdf(html, identifier)


def _submit_all(pool: ProcessPoolExecutor, jobs: list[PartJob]) -> list[Future[PartResult]]:
    """Submit the jobs; the pool's workers are started by these submits (tasks/core/lifeline.py)."""
    with lifeline.starting_workers():
        return [pool.submit(render_part, job) for job in jobs]


def _render_in_parts(
    model: ReportModel, outline: str, target: Path, attachments, workers: int
) -> _Rendered:
    """Render the report in parts: planned on `outline` (the HTML with empty charts: the same pieces
    and costs as the real one), the parts after the first start at once; the charts are drawn
    meanwhile, then the first part (the body, with the charts) follows."""
    parts.warm_up()
    planned = parts.split_document(outline)
    sizes = parts.plan_parts(planned, workers)
    later = parts.make_parts(planned, sizes)[1:]
    with parts.process_pool(len(sizes)) as pool, ThreadPoolExecutor(1) as submitter:
        # their identifier is dropped at the join: the document's is the first part's. Submitted
        # from a thread: the first submit waits for the fork server to have imported the renderer
        # (about 1 s when it has just started), and the charts are drawn here meanwhile.
        submitted = submitter.submit(_submit_all, pool, [PartJob(p, b"", ()) for p in later])
        text = render_html(model)
        futures = submitted.result()
        identifier = pdf_identifier(text, attachments)
        split = parts.split_document(text)
        if split.pieces[sizes[0] :] != planned.pieces[sizes[0] :]:
            # a chart outside the body (the template changed): planned again on the real HTML
            for f in futures:
                f.cancel()
            sizes = parts.plan_parts(split, workers)
            later = parts.make_parts(split, sizes)[1:]
            futures = _submit_all(pool, [PartJob(p, b"", ()) for p in later])
        first = parts.make_parts(split, sizes)[0]
        futures[:0] = _submit_all(pool, [PartJob(first, identifier, attachments)])
        results = [f.result() for f in futures]
        total = sum(r.pages for r in results)
        # only the later parts' pages are stamped: the first part has its own margins; laid out
        # by a worker too, so that this process never imports WeasyPrint
        html = parts.overlay_html(split, total, results[0].pages + 1)
        overlay = pool.submit(render_overlay, html, identifier).result()
    plan = [first, *later]
    pages = parts.join_parts(plan, [r.pdf for r in results], overlay.pdf, target)
    served = sorted({u for r in [*results, overlay] for u in r.served})
    refused = [u for r in [*results, overlay] for u in r.refused]
    return pages, served, refused, len(plan)
