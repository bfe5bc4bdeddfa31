"""The intake's parse and validate steps in parallel on Dask (task runs of the `intake` flow).

The intake (flows/intake.py) calls it for a batch of at least `fanout_min_files` new files
(DXREPORT_FANOUT_MIN_FILES); smaller batches are read in the flow's own process and never import
Dask. The batch's files are cut into chunks (a multiple of the workers, nearly equal,
tasks/intake/fanout.py); the task `parse-validate-chunk`, submitted to a DaskTaskRunner, reads and
checks one chunk in a Dask worker (Great Expectations is imported there, once per worker); the
batch-wide checks (plausibility, one
key per submission) and the single writer (archive, ledger, load, receipts) stay in the flow's
process.

The task runner is a DaskTaskRunner: a local cluster (one single-threaded worker process per core,
at most 4, or `fanout_workers`) by default, or the existing scheduler of `dask_address`
(DXREPORT_DASK_ADDRESS); its workers must see the workspace's inbox at the same path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prefect import task
from prefect.cache_policies import NONE
from prefect_dask import DaskTaskRunner

from flows.common import as_is
from schemas.catalog_model import Catalog
from tasks.core import progress
from tasks.core.settings import Settings
from tasks.intake import fanout
from tasks.intake.fanout import Checked, ChunkFile
from tasks.intake.steps import Batch
from tasks.intake.submission import Submission

# No timeout on the chunk task: in a Dask worker's thread Prefect cannot interrupt it and warns on
# every chunk.
FINISH_TIMEOUT = 1800


def fanout_runner(settings: Settings, workers: int) -> DaskTaskRunner:
    """The Dask task runner: the scheduler at `settings.dask_address`, else a local cluster of
    `workers` single-threaded processes (its dashboard on a free port)."""
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": ":0",
        }
    )


@task(name="parse-validate-chunk", cache_policy=NONE)
def parse_validate_chunk(
    files: list[ChunkFile],
    settings: Settings,
    catalog: Catalog,
    now: datetime,
    locked: frozenset[str],
) -> list[Checked]:
    return fanout.check_chunk(files, settings, catalog, now, locked)


def run_chunks(
    settings: Settings,
    catalog: Catalog,
    chunks: Sequence[list[ChunkFile]],
    now: datetime,
    locked: frozenset[str],
    runner: DaskTaskRunner,
) -> list[Checked]:
    """Read and check every chunk on Dask (task runs of the calling flow, submitted to `runner`,
    started here and shut down after); the results in the chunks' order.

    Not a subflow: a flow run stores its parameters through the API, and the catalogue and 3,000
    file paths were refused there (HTTP 422); a task run's inputs never leave the process."""
    out: list[Checked] = []
    progress.start("parse", sum(map(len, chunks)), "Đọc, kiểm tra tệp / reading, checking files")
    try:
        with runner:
            futures = [
                runner.submit(
                    parse_validate_chunk,
                    parameters={  # (as_is() does not survive the trip to a Dask worker)
                        "files": chunk,
                        "settings": settings,
                        "catalog": catalog,
                        "now": now,
                        "locked": locked,
                    },
                )
                for chunk in chunks
            ]
            for future in futures:
                done = future.result()
                for item in done:
                    progress.advance("parse", item.sub.file_name)
                out += done
    finally:
        progress.finish("parse")
    return out


@task(name="check-batch", cache_policy=NONE, timeout_seconds=FINISH_TIMEOUT)
def check_batch(
    settings: Settings, catalog: Catalog, batch: Batch, checked: list[Checked]
) -> list[Submission | None]:
    return fanout.finish(settings, catalog, batch, checked)


def parse_validate(settings: Settings, catalog: Catalog, batch: Batch) -> list[Submission | None]:
    """The batch's files read and validated on Dask, as steps.parse_batch + validate_submissions
    would (None for duplicates): the chunks in the subflow, then the batch-wide checks in this
    process (task `check-batch`). Called inside the intake flow."""
    workers = fanout.default_workers(settings)
    work = fanout.chunks(fanout.chunk_files(batch), workers)
    runner = fanout_runner(settings, workers)
    checked = run_chunks(settings, catalog, work, batch.received_at, batch.locked, runner)
    return check_batch(settings, as_is(catalog), as_is(batch), as_is(checked))
