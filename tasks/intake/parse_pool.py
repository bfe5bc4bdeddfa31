"""Reading an intake's new files on every core.

Reading a workbook (the zip and XML safety scan, then calamine) is CPU-bound Python and takes about
4 ms; a quarter's 1,000 files are 4 s in one process while the machine's other cores idle. From
`PARALLEL_MIN_FILES` new files on, `read_files` hands them in chunks to a pool of
`settings.parse_workers` processes (default: the cores, at most 4) and returns the submissions in
the files' order, the same objects the flow's own process would have read.

- The workers are spawned: fresh interpreters that import the reader (`tasks.intake.parse`, about
  0.2 s, side by side on the cores). Not forked from the flow's process: it runs Prefect's threads
  and holds the warehouse, and a child would inherit both. Not from a fork server either: it would
  stay for the rest of the run (40 MiB at the intake's peak of memory, which it pushed over 1 GB
  at 3,000 files); spawned workers are gone once the files are read. They do not import the
  caller's main module (tasks/core/lifeline.py: for a deployment's run that is Prefect).
- A worker ignores Ctrl-C, and exits when the flow's process is gone (tasks/core/lifeline.py): the
  flow's process is interrupted, cancels what has not started and lets the running chunks end.
- What a worker logs (a file the reader gave up on) is sent back with its chunk and logged again
  in the flow's process, where the run's handlers (Prefect, the console) are.
- A worker that dies (its process killed) breaks the pool, and a machine may refuse to start one
  (no processes left): the files not yet read are then read in the flow's process, as without a
  pool, and the operator is told in one line.
The Dask fan-out (tasks/intake/fanout.py) is the other way to read in parallel, with validation in
the chunk too; it is for clusters and many cores, and when it is on this pool is not used.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from tasks.core import lifeline
from tasks.core.settings import Settings
from tasks.intake.submission import Submission

log = logging.getLogger(__name__)

PARALLEL_MIN_FILES = 200  # below this the pool's start (about 0.3 s) is not won back
MAX_WORKERS = 4
CHUNK_FILES = 40  # files per task: small enough for an even finish and a moving progress bar


@dataclass(frozen=True)
class FileToRead:
    """One new file of the batch: where it is, its name, its key in the batch (the inbox path)."""

    path: str
    file_name: str


@dataclass
class ReadResult:
    sub: Submission
    seconds: float


ChunkRead = tuple[list[ReadResult], list[logging.LogRecord]]  # what was read, what was logged


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def workers_for(settings: Settings, new_files: int) -> int:
    """How many processes read `new_files` files: 1 (the flow's own) below PARALLEL_MIN_FILES or
    with parse_workers = 1; else parse_workers, or the cores (at most MAX_WORKERS)."""
    if new_files < PARALLEL_MIN_FILES:
        return 1
    wanted = settings.parse_workers or min(available_cores(), MAX_WORKERS)
    return max(1, min(wanted, -(-new_files // CHUNK_FILES)))


def read_files(
    files: Sequence[FileToRead],
    settings: Settings,
    workers: int,
    on_read: Callable[[FileToRead], None] = lambda f: None,
    reader: Callable[[list[FileToRead], Settings], ChunkRead] | None = None,
) -> list[ReadResult]:
    """Read `files` (in their order) with `workers` processes, or in this one when `workers` is 1.
    `on_read` is called for each file once it is read (the progress bar); `reader` reads a chunk in
    a worker (default `read_chunk`; a module-level function, the worker imports it)."""
    if workers <= 1:
        return _read_here(files, settings, on_read)
    chunks = [list(files[i : i + CHUNK_FILES]) for i in range(0, len(files), CHUNK_FILES)]
    results: list[list[ReadResult] | None] = [None] * len(chunks)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=_worker_start,
        initargs=(os.getpid(),),
    )
    try:
        with lifeline.starting_workers():  # the workers are spawned at the first submits
            futures = [pool.submit(reader or read_chunk, chunk, settings) for chunk in chunks]
        for i, future in enumerate(futures):
            results[i] = _collect(future, chunks[i], on_read)
    except (BrokenProcessPool, OSError) as exc:  # a worker died, or none could be started
        left = sum(len(c) for c, r in zip(chunks, results, strict=True) if r is None)
        log.warning(
            "Một tiến trình đọc tệp dừng bất thường; %d tệp còn lại được đọc trong tiến trình "
            "chính. [EN] A file-reading process stopped (%s); the %d files left are read in the "
            "flow's process.",
            left,
            exc,
            left,
        )
        for i, chunk in enumerate(chunks):
            if results[i] is None:
                results[i] = _read_here(chunk, settings, on_read)
    finally:
        # an interrupted caller: chunks not started are cancelled, the running ones end on their own
        pool.shutdown(wait=True, cancel_futures=True)
    return [r for chunk_results in results for r in chunk_results or ()]


def _context():
    return multiprocessing.get_context("spawn")


def _collect(
    future: Future, chunk: list[FileToRead], on_read: Callable[[FileToRead], None]
) -> list[ReadResult]:
    read, records = future.result()
    for record in records:  # the worker's log lines, through this process's handlers
        logging.getLogger(record.name).handle(record)
    for f in chunk:
        on_read(f)
    return read


def _read_here(
    files: Sequence[FileToRead], settings: Settings, on_read: Callable[[FileToRead], None]
) -> list[ReadResult]:
    from tasks.intake.parse import read_submission  # noqa: PLC0415 - the reader is heavy

    out = []
    for f in files:
        start = time.perf_counter()
        sub = read_submission(Path(f.path), f.file_name, f.path, settings)
        out.append(ReadResult(sub, time.perf_counter() - start))
        on_read(f)
    return out


# --- in a worker --------------------------------------------------------------------------------


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # plain text: it crosses processes
        record.exc_info = record.exc_text = None
        self.records.append(record)


def _worker_start(owner: int) -> None:
    lifeline.pool_worker_start(owner)  # Ctrl-C is the flow's; gone with the flow's process
    logging.getLogger().setLevel(logging.INFO)


def read_chunk(files: list[FileToRead], settings: Settings) -> ChunkRead:
    """Read a chunk in a worker; returns what was read and what the reader logged."""
    keep = _Keep()
    root = logging.getLogger()
    root.addHandler(keep)
    try:
        return _read_here(files, settings, lambda f: None), keep.records
    finally:
        root.removeHandler(keep)
