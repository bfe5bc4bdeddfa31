"""Flow `unit-pages`: every unit's one-page result sheet of a period ("Phiếu kết quả của đơn vị"),
rendered in parallel on Dask: the view models are built once in the flow (a few set-based queries),
cut into batches, and the task `render-unit-batch` is mapped over the batches.

The task runner is a DaskTaskRunner: a local cluster (one single-threaded worker process per core,
at most 4) by default, or the existing scheduler of the setting `dask_address`
(DXREPORT_DASK_ADDRESS). A flow's task runner is fixed where it is defined, so callers that honour
the setting use `run_unit_pages` (or `unit_pages.with_options(task_runner=unit_pages_runner(s))`).
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NONE
from prefect_dask import DaskTaskRunner

from flows.alerts import notify_failure
from flows.common import fail_cleanly, resolve_period, run_name, settings_for
from flows.logs import register_project_loggers
from flows.params import Home, Now, PeriodId, Workers
from flows.shared import load_catalog
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_lock
from tasks.unit_pages.build import build_unit_pages
from tasks.unit_pages.model import UnitPage
from tasks.unit_pages.render import batches, default_workers, render_unit_batch, unit_pages_dir

RENDER_BATCH_TIMEOUT = 900  # 50 sheets on a slow worker take well under a minute


def unit_pages_runner(settings: Settings, workers: int | None = None) -> DaskTaskRunner:
    """The Dask task runner: the scheduler at `settings.dask_address`, else a local cluster."""
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers or default_workers(),
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": ":0",
        }
    )


@task(name="render-unit-batch", cache_policy=NONE, timeout_seconds=RENDER_BATCH_TIMEOUT)
def render_batch(pages: list[UnitPage], out_dir: str) -> list[str]:
    return render_unit_batch(pages, Path(out_dir))


# (prefect-dask 0.3.7's runner is typed with its own future class, which mypy does not match with
# the TaskRunner[PrefectFuture] that Flow expects; it is the documented way to use it)
@flow(
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
    name="unit-pages",
    flow_run_name=run_name("unit-pages"),
    # a deployment run's local cluster: one single-threaded process per core, its dashboard on a
    # free port (two clusters on one machine must not fight over 8787; None still means 8787)
    task_runner=DaskTaskRunner(  # type: ignore[arg-type]
        cluster_kwargs={"threads_per_worker": 1, "processes": True, "dashboard_address": ":0"}
    ),
    log_prints=True,
)
@fail_cleanly
def unit_pages(
    period: PeriodId = None, home: Home = None, now: Now = None, workers: Workers = None
) -> dict:
    """Write reports/<P>/don-vi/<UNIT_CODE>.pdf for every unit expected for the period and every
    unit that sent something for it; the sheets are dated with the clock (`now`)."""
    register_project_loggers()
    started = time.perf_counter()
    settings = settings_for(home, now)
    p = resolve_period(period, settings)
    catalog = load_catalog(settings)
    with workspace_lock(settings):  # no intake writes the warehouse while we read it
        pages = build_unit_pages(settings.paths.warehouse, catalog, p, settings.clock().date())
    out_dir = unit_pages_dir(settings, p)
    work = batches(pages, workers or default_workers())
    futures = render_batch.map(work, out_dir=unmapped(str(out_dir)))
    written = [path for future in futures for path in future.result()]
    seconds = round(time.perf_counter() - started, 3)
    get_run_logger().info(
        "Đã lập %d phiếu kết quả %s trong %s (%.1f s). / %d unit sheets written.",
        len(written),
        p.label_vi,
        out_dir,
        seconds,
        len(written),
    )
    return {"period": p.id, "pages": len(written), "dir": str(out_dir), "seconds": seconds}


def run_unit_pages(
    period: str | None = None,
    home: str | None = None,
    now: str | None = None,
    workers: int | None = None,
) -> dict:
    """Run the flow on the task runner the settings ask for (DXREPORT_DASK_ADDRESS or local)."""
    settings = settings_for(home, now)
    runner = unit_pages_runner(settings, workers)
    return unit_pages.with_options(task_runner=runner)(  # type: ignore[arg-type]
        period=period, home=home, now=now, workers=workers
    )
