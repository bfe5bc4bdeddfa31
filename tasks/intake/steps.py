"""Intake steps as plain functions (the Prefect flow in flows/intake.py only orders them).

collect -> parse -> validate (one batch) -> record: archive each file, then ledger + load per batch
of files in one transaction, then receipts.

Importing this module stays light (no pandas, openpyxl, python-calamine or Great Expectations): the
steps import the readers and the validation when they run, so an empty inbox pays for none of them.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from schemas.catalog_model import Catalog
from tasks.core import progress
from tasks.core.settings import Settings
from tasks.core.warehouse import connect, locked_periods, snapshot_catalog
from tasks.intake.collect import InboxFile, archive_files, describe, list_inbox
from tasks.intake.ledger import (
    Received,
    Recorded,
    finish_unfinished,
    log_run,
    received_hashes,
    record_arrivals,
)
from tasks.intake.submission import Submission

log = logging.getLogger(__name__)


@dataclass
class Batch:
    """The files of one intake run, in arrival order."""

    received_at: datetime
    files: list[InboxFile]
    duplicate: list[bool]  # bytes already received (earlier run or earlier in batch)
    locked: frozenset[str]
    recovered: list[Recorded] = field(default_factory=list)


@dataclass
class StepTimes:
    """Seconds per file per step, for the benchmark and the run artifact."""

    parse: dict[str, float] = field(default_factory=dict)
    record: dict[str, float] = field(default_factory=dict)


def collect(settings: Settings, catalog: Catalog) -> Batch:
    """Finish what a killed run left, then list, hash and classify the inbox."""
    paths = settings.paths
    received_at = settings.clock()
    with connect(paths.warehouse) as con:
        snapshot_catalog(con, catalog)
        files = _describe_inbox(paths)
        recovered = finish_unfinished(con, settings, files)
        if recovered:
            files = _describe_inbox(paths)
        seen = received_hashes(con)
        locked = locked_periods(con)
    duplicate = []
    for item in files:
        duplicate.append(item.sha256 in seen)
        seen.add(item.sha256)
    return Batch(received_at, files, duplicate, locked, recovered)


def _describe_inbox(paths) -> list[InboxFile]:
    """Hash every inbox file; one that vanished meanwhile is simply not part of this run."""
    files = []
    for path in list_inbox(paths):
        try:
            files.append(describe(path))
        except FileNotFoundError:
            log.warning("%s vanished from the inbox before it was read", path.name)
    return files


def parse_batch(
    settings: Settings, batch: Batch, times: StepTimes | None = None
) -> list[Submission | None]:
    """Read every non-duplicate file (file checks + workbook parse); None for duplicates. Many new
    files are read on every core (tasks/intake/parse_pool.py)."""
    from tasks.intake.expectations import import_gx_meanwhile  # noqa: PLC0415
    from tasks.intake.parse_pool import FileToRead, read_files, workers_for  # noqa: PLC0415

    new = [
        FileToRead(item.path, item.file_name)
        for item, dup in zip(batch.files, batch.duplicate, strict=True)
        if not dup
    ]
    progress.start("parse", len(batch.files), "Đọc tệp / reading files")
    shown = 0  # files announced, in the batch's order (duplicates are not read)

    def announce(one_new: bool) -> None:
        """The duplicates up to the next new file, that file when `one_new`, the duplicates after."""
        nonlocal shown
        while shown < len(batch.files) and (batch.duplicate[shown] or one_new):
            progress.advance("parse", batch.files[shown].file_name)
            one_new = one_new and batch.duplicate[shown]
            shown += 1

    workers = workers_for(settings, len(new))
    # while the pool reads: the validation's imports on the core the pool leaves (expectations.py)
    importing = import_gx_meanwhile() if workers > 1 else None
    try:
        read = iter(read_files(new, settings, workers, lambda f: announce(True)))
        announce(False)  # duplicates at the end
    finally:
        progress.finish("parse")
        if importing is not None:
            importing.join()
    subs: list[Submission | None] = []
    for item, dup in zip(batch.files, batch.duplicate, strict=True):
        if dup:
            subs.append(None)
            continue
        result = next(read)
        subs.append(result.sub)
        if times is not None:
            times.parse[item.file_name] = result.seconds
    return subs


def validate_submissions(
    settings: Settings, catalog: Catalog, batch: Batch, subs: list[Submission | None]
) -> list[Submission | None]:
    """One validation run (Great Expectations included) over the whole batch.

    The history and peers of the plausibility checks are read from the warehouse once, here.
    Returns new submissions carrying the findings (`subs` is left as it was); None stays None.
    """
    readable = [s for s in subs if s is not None and s.readable]
    if not readable:
        return list(subs)
    from tasks.intake.plausibility import load_context  # noqa: PLC0415 - heavy
    from tasks.intake.validate import ValidationContext, validate_batch  # noqa: PLC0415 - heavy

    with connect(settings.paths.warehouse) as con:
        plausibility = load_context(con, catalog, readable)
    ctx = ValidationContext(
        now=batch.received_at,
        locked_periods=batch.locked,
        narrative_max_chars=settings.narrative_max_chars,
        plausibility=plausibility,
    )
    report = validate_batch(readable, catalog, ctx)
    return [None if s is None else report.apply(s) for s in subs]


def record_batch(
    settings: Settings,
    batch: Batch,
    subs: list[Submission | None],
    times: StepTimes | None = None,
) -> list[Recorded]:
    """Archive every file, then record, load and receipt the files in arrival order, one
    transaction per `settings.load_batch_files` files (tasks/intake/ledger.py says in what order,
    and why a kill at any moment loses nothing).

    A file that vanished or changed since it was hashed is left alone: the next run takes it anew.
    """
    out: list[Recorded] = []
    total = len(batch.files)
    progress.start("record", total, "Lưu trữ, nạp, biên nhận / archive, load, receipt")
    try:
        size = max(1, settings.load_batch_files)
        with connect(settings.paths.warehouse) as con:
            for lo in range(0, total, size):
                chunk = list(zip(batch.files[lo : lo + size], subs[lo : lo + size], strict=True))
                start = time.perf_counter()
                received = _archive_all(settings, chunk)
                recorded = record_arrivals(
                    con,
                    settings,
                    received,
                    batch.received_at,
                    batch.locked,
                    on_finished=lambda name: progress.advance("record", name),
                )
                out += recorded
                if times is not None:  # the batch's time shared by its files
                    share = (time.perf_counter() - start) / max(len(chunk), 1)
                    times.record.update((item.file_name, share) for item, _ in chunk)
            log_run(con, batch.received_at, "intake", f"{len(out)} files")
    finally:
        progress.finish("record")
    return out


def _archive_all(
    settings: Settings, chunk: list[tuple[InboxFile, Submission | None]]
) -> list[Received]:
    """Archive the chunk's files by content hash (one sync for all); a file that vanished or
    changed since it was hashed is skipped."""
    received = []
    archived = archive_files(settings.paths, [item for item, _ in chunk])
    for (item, sub), where in zip(chunk, archived, strict=True):
        if isinstance(where, OSError):
            log.warning("skipped %s until the next run: %s", item.file_name, where)
            continue
        received.append(Received(item, where, sub))
    return received


def summarize(recorded: list[Recorded]) -> dict:
    receipts = [r.receipt for r in recorded]
    return {"receipts": receipts, "counts": dict(Counter(r["status"] for r in receipts))}
