"""Render unit result sheets: a batch of UnitPage models -> ONE HTML document (one <section> per
unit) -> one WeasyPrint layout -> one single-page PDF per unit.

The Jinja environment (autoescape on: unit text is untrusted) and the URL fetcher that serves only
report_templates/ are those of the quarterly report (tasks.report.render). Output is deterministic:
the PDF identifier is the sha256 of the unit's model, the dates come from the model's issue date,
nothing reads the clock. Files are written atomically (tmp + os.replace).

`render_unit_pages` renders a whole period with a process pool; flows/unit_pages.py does the same
on Dask through Prefect. Both use `batches` to cut the work.
"""

from __future__ import annotations

import copy
import math
import multiprocessing
import os
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import TypeVar

from schemas.catalog_model import Catalog
from tasks.core import lifeline, roomy_stack
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.report.lean_html import LeanHTML
from tasks.report.pdf_engine import TemplateOnlyFetcher, layout_gc
from tasks.report.render import TEMPLATES_DIR, environment
from tasks.unit_pages.build import build_unit_pages
from tasks.unit_pages.model import UnitPage

TEMPLATE = "unit_page.html.j2"
MAX_BATCH = 100
MAX_LOCAL_WORKERS = 4

T = TypeVar("T")


class UnitPageOverflowError(RuntimeError):
    """A unit's sheet did not lay out on exactly one page."""

    def __init__(self, unit_code: str, pages: int):
        self.unit_code = unit_code
        self.pages = pages
        super().__init__(
            f"Phiếu kết quả của đơn vị {unit_code} dài {pages} trang (phải đúng 1 trang). / "
            f"The result sheet of unit {unit_code} laid out on {pages} pages (must be exactly 1)."
        )

    def __reduce__(self):  # raised in a worker process, re-raised in the caller
        return (type(self), (self.unit_code, self.pages))


def unit_pages_dir(settings: Settings, period: Period) -> Path:
    """<home>/reports/<P>/don-vi/"""
    return settings.paths.report_dir(period.id) / "don-vi"


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_LOCAL_WORKERS))


def batches(items: Sequence[T], workers: int) -> list[list[T]]:
    """Cut `items` into a multiple of `workers` batches of nearly equal size (at most MAX_BATCH, at
    least two per worker): every worker gets the same number of batches and pages (11 batches of
    100 for 1,031 units on 2 workers left one worker 100 pages behind; 12 of 86 do not); one layout
    per batch keeps the fixed cost low."""
    n = len(items)
    if n == 0:
        return []
    workers = max(1, workers)
    rounds = max(2, math.ceil(n / (MAX_BATCH * workers)))
    size = max(1, math.ceil(n / (rounds * workers)))
    return [list(items[i : i + size]) for i in range(0, n, size)]


def render_html(pages: Sequence[UnitPage]) -> str:
    """The batch as one HTML document (every value autoescaped)."""
    if not pages:
        raise ValueError("render_html needs at least one page")
    return environment().get_template(TEMPLATE).render(pages=list(pages), meta=pages[0])


@roomy_stack.roomy  # WeasyPrint's deep calls without CPython 3.11's stack-chunk churn
def render_unit_batch(pages: Sequence[UnitPage], out_dir: Path) -> list[str]:
    """Lay the batch out once and write `<out_dir>/<UNIT_CODE>.pdf` for each unit (one page each).

    Raises UnitPageOverflowError (naming the unit) before writing anything when a unit's section
    does not take exactly one page. Returns the written paths, in the order of `pages`."""
    if not pages:
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fetcher = TemplateOnlyFetcher()
    with layout_gc():  # the collector tuned as for the report (tasks/report/pdf_engine.py)
        document = LeanHTML(
            string=render_html(pages),
            base_url=str(TEMPLATES_DIR / TEMPLATE),
            url_fetcher=fetcher,
            media_type="print",
        ).render()
    # each section starts a page that holds its anchor (id="u-CODE"); a page without one is the
    # overflow of the section before it
    per_unit: dict[str, list] = {}
    current: str | None = None
    for page in document.pages:
        starts = [a[2:] for a in page.anchors if a.startswith("u-")]
        if starts:
            current = starts[0]
            for code in starts:  # two sections on one page cannot happen (page breaks); be safe
                per_unit.setdefault(code, [])
            per_unit[current].append(page)
        elif current is not None:
            per_unit[current].append(page)
    for model in pages:
        n = len(per_unit.get(model.unit_code, []))
        if n != 1:
            raise UnitPageOverflowError(model.unit_code, n)
    written: list[str] = []
    for model in pages:
        single = document.copy(per_unit[model.unit_code])
        single.metadata = copy.copy(document.metadata)
        single.metadata.title = (
            f"Phiếu kết quả thực hiện Đề án – {model.period_label} – {model.unit_name}"
        )
        target = out_dir / model.file_name
        tmp = target.with_name(target.name + ".tmp")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ResourceWarning)
                single.write_pdf(tmp, pdf_identifier=model.digest()[:32].encode("ascii"))
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
        written.append(str(target))
    return written


def render_unit_pages(
    settings: Settings,
    catalog: Catalog,
    period: Period,
    issued_on: date,
    *,
    workers: int | None = None,
) -> dict:
    """Every unit's sheet of `period` with a process pool (for callers without Prefect).

    Returns {"period", "pages", "dir", "seconds", "build_seconds"}."""
    started = time.perf_counter()
    pages = build_unit_pages(settings.paths.warehouse, catalog, period, issued_on)
    built = time.perf_counter() - started
    out_dir = unit_pages_dir(settings, period)
    workers = workers or default_workers()
    written: list[str] = []
    work = batches(pages, workers)
    if workers == 1 or len(work) <= 1:
        for batch in work:
            written += render_unit_batch(batch, out_dir)
    else:
        # not fork: a forked child would inherit the parent's Pango/fontconfig and DuckDB state (and
        # its threads) and can die in the middle of a layout. A fork server that has imported the
        # renderer (WeasyPrint, Jinja) once starts each worker faster than a fresh interpreter.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["tasks.unit_pages.render"])
        from multiprocessing import forkserver  # noqa: PLC0415

        with lifeline.starting_workers():  # the fork server and so its children
            forkserver.ensure_running()
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, **lifeline.pool_options()
        ) as pool:
            with lifeline.starting_workers():  # map submits every batch: the workers start
                results = pool.map(render_unit_batch, work, [out_dir] * len(work))
            for paths in results:
                written += paths
    return {
        "period": period.id,
        "pages": len(written),
        "dir": str(out_dir),
        "seconds": round(time.perf_counter() - started, 3),
        "build_seconds": round(built, 3),
    }
