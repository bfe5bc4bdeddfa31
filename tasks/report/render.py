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

import gc
import hashlib
import io
import logging
import mimetypes
import os
import re
import threading
import time
import warnings
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape
from weasyprint import Attachment as WeasyAttachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from tasks.core import lifeline, roomy_stack
from tasks.report import parts
from tasks.report.build import ReportModel
from tasks.report.figures import CHART_NAMES
from tasks.report.lean_html import LeanHTML

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "report_templates"
REPORT_TEMPLATE = "report.html.j2"

log = logging.getLogger(__name__)


class _SvgPresentationAttributes(logging.Filter):
    """WeasyPrint reads an SVG's presentation attributes (fill, stroke, …) as CSS too, and warns
    once per attribute that CSS has no such property: noise in the run's log (hundreds of lines per
    chart page), nothing is lost in the drawing. Other warnings pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.getMessage().startswith("Ignored `")
            and "unknown property" in record.getMessage()
        )


logging.getLogger("weasyprint").addFilter(_SvgPresentationAttributes())


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


class TemplateOnlyFetcher(URLFetcher):
    """A WeasyPrint 70 URL fetcher that serves only regular files under `root`.

    WeasyPrint >= 67 expects a URLFetcher instance (it reads `_fail_on_errors` from it) whose
    `fetch(url, headers=None)` returns a URLFetcherResponse. A refused URL raises ValueError, which
    WeasyPrint turns into a logged warning and renders on without the resource.
    """

    def __init__(self, root: Path = TEMPLATES_DIR):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)
        self.root = Path(root).resolve()
        self.served: list[str] = []
        self.refused: list[str] = []

    def local_path(self, url: str) -> Path | None:
        """The file under `root` that `url` names, or None when it must not be served."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost") or parts.query:
            return None
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve()
        except (OSError, ValueError):
            return None
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        return path

    def fetch(self, url, headers=None):
        path = self.local_path(url)
        if path is None:
            self.refused.append(url)
            log.warning("Refused to fetch %s (only files in %s are served)", url, self.root)
            raise ValueError(f"URL refused by the report renderer: {url}")
        self.served.append(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if mime.startswith("text/"):
            mime += "; charset=utf-8"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime}
        )


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
            text = render_html(model)
            result = _render_whole(
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


# WeasyPrint's layout keeps millions of objects alive and makes many short-lived ones; with Python's
# default first threshold (700 allocations) enough of the short-lived ones survive into the oldest
# generation that it is collected again and again, each pass walking the whole heap: 16 full passes,
# 7 s of a 27 s render of the 1,000-unit report (measured with gc.callbacks, bench/report.py's
# warehouse). A first threshold of 20,000 lets them die young: 2 full passes, about 3 s of
# collecting in all, for some 60 MiB more at the peak. The pages are the same (tests compare bytes).
LAYOUT_GC_THRESHOLD = 20_000


_gc_lock = threading.Lock()
_gc_renders = 0
_gc_saved: tuple[int, ...] = ()


@contextmanager
def layout_gc():
    """Python's garbage collector tuned for a WeasyPrint render (see LAYOUT_GC_THRESHOLD), then put
    back as it was when the last render running in this process ends (renders may overlap in
    threads)."""
    global _gc_renders, _gc_saved
    with _gc_lock:
        if _gc_renders == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(LAYOUT_GC_THRESHOLD, *_gc_saved[1:])
        _gc_renders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_renders -= 1
            if _gc_renders == 0:
                gc.set_threshold(*_gc_saved)


def _render_into(
    text: str, fetcher: TemplateOnlyFetcher, target, identifier: bytes, attachments=()
) -> int:
    """Lay `text` out and write its PDF to `target` (a path or a binary file); returns its pages.
    Runs on a roomy frame stack (tasks/core/roomy_stack.py: WeasyPrint's layout is deep enough to
    make CPython 3.11 map and unmap a stack chunk per table cell otherwise)."""
    with layout_gc():
        document = roomy_stack.call(_document, text, fetcher)
        roomy_stack.call(_write, document, target, identifier, attachments)
    return len(document.pages)


def _document(text: str, fetcher: TemplateOnlyFetcher):
    html = LeanHTML(
        string=text,
        base_url=str(TEMPLATES_DIR / REPORT_TEMPLATE),
        url_fetcher=fetcher,
        media_type="print",
    )
    return html.render()


def _write(document, target, identifier: bytes, attachments: tuple[Attachment, ...]) -> None:
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for the PDF/A output intent and leaves the file to
        # the garbage collector (a ResourceWarning); nothing of ours is left open
        warnings.simplefilter("ignore", ResourceWarning)
        document.write_pdf(
            target,
            pdf_variant=PDF_VARIANT,
            pdf_identifier=identifier,
            attachments=[
                WeasyAttachment(
                    string=a.data,
                    name=a.name,
                    description=a.description,
                    created=a.stamp,
                    modified=a.stamp,
                    relationship=a.relationship,
                )
                for a in attachments
            ],
        )


@dataclass(frozen=True)
class PartJob:
    """What a worker process needs to render one part (picklable)."""

    part: parts.Part
    identifier: bytes
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True)
class PartResult:
    pdf: bytes
    pages: int
    served: tuple[str, ...]
    refused: tuple[str, ...]


def render_part(job: PartJob) -> PartResult:
    """One part's PDF (in a worker process): the first part carries the attachments."""
    fetcher = TemplateOnlyFetcher()
    buffer = io.BytesIO()
    attachments = job.attachments if job.part.first else ()
    pages = _render_into(job.part.html, fetcher, buffer, job.identifier, attachments)
    return PartResult(buffer.getvalue(), pages, tuple(fetcher.served), tuple(fetcher.refused))


_Rendered = tuple[int, list[str], list[str], int]  # pages, URLs served, URLs refused, parts


def _render_whole(
    text: str, target: Path, identifier: bytes, attachments, fetcher: TemplateOnlyFetcher | None
) -> _Rendered:
    fetcher = fetcher or TemplateOnlyFetcher()
    pages = _render_into(text, fetcher, target, identifier, attachments)
    return pages, fetcher.served, fetcher.refused, 1


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
    plan = [first, *later]
    total = sum(r.pages for r in results)
    fetcher = TemplateOnlyFetcher()
    overlay = io.BytesIO()
    # only the later parts' pages are stamped: the first part has its own margins
    stamped_from = results[0].pages + 1
    _render_into(parts.overlay_html(split, total, stamped_from), fetcher, overlay, identifier)
    pages = parts.join_parts(plan, [r.pdf for r in results], overlay.getvalue(), target)
    served = sorted({u for r in results for u in r.served} | set(fetcher.served))
    refused = [u for r in results for u in r.refused] + fetcher.refused
    return pages, served, refused, len(plan)
