"""The report's PDF engine: WeasyPrint lays the HTML out and writes PDF/A (tasks/report/render.py
makes the HTML and decides how the PDF is made).

Only a process that lays a PDF out imports this module, and with it WeasyPrint (about 0.7 s of a
core): the fork server of a long report's parts preloads it for its workers, a report rendered in one
piece imports it when it starts, and the unit sheets' workers use it. The process of a long report
that is rendered in parts never imports it: its parts and their page-number overlay are laid out in
the workers, and it only joins their PDFs (pypdf).
"""

from __future__ import annotations

import gc
import io
import logging
import mimetypes
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import Attachment as WeasyAttachment
from weasyprint.urls import URLFetcher, URLFetcherResponse

from tasks.core import roomy_stack
from tasks.report.lean_html import LeanHTML
from tasks.report.render import (
    PDF_VARIANT,
    REPORT_TEMPLATE,
    TEMPLATES_DIR,
    Attachment,
    PartJob,
    PartResult,
)

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


def part_pdf(job: PartJob) -> PartResult:
    """One part's PDF (in a worker process): the first part carries the attachments."""
    fetcher = TemplateOnlyFetcher()
    buffer = io.BytesIO()
    attachments = job.attachments if job.part.first else ()
    pages = _render_into(job.part.html, fetcher, buffer, job.identifier, attachments)
    return PartResult(buffer.getvalue(), pages, tuple(fetcher.served), tuple(fetcher.refused))


def overlay_pdf(html: str, identifier: bytes) -> PartResult:
    """The page-number and draft-mark overlay of a report rendered in parts (in a worker process:
    its fonts are those of the parts, and the report's own process needs no WeasyPrint)."""
    fetcher = TemplateOnlyFetcher()
    buffer = io.BytesIO()
    pages = _render_into(html, fetcher, buffer, identifier)
    return PartResult(buffer.getvalue(), pages, tuple(fetcher.served), tuple(fetcher.refused))


def render_whole(
    text: str, target: Path, identifier: bytes, attachments, fetcher: TemplateOnlyFetcher | None
) -> tuple[int, list[str], list[str], int]:
    """The report laid out in one piece into `target`: pages, URLs served, URLs refused, 1 part."""
    fetcher = fetcher or TemplateOnlyFetcher()
    pages = _render_into(text, fetcher, target, identifier, attachments)
    return pages, fetcher.served, fetcher.refused, 1
