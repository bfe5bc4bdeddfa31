"""Parse and validate an intake batch in chunks (the Dask fan-out of flows/intake_fanout.py) with the
same outcome as the serial path (steps.parse_batch + steps.validate_submissions).

What in parsing and validation is per file, and what is batch-wide:
- reading a file (file checks + parse): per file -> in the chunk;
- the header rules, the Great Expectations rules ("Chỉ tiêu", "Hoạt động") and the narrative length:
  per submission (every GX row carries its submission's key, ELEMENT_DUPLICATE is unique on
  (sub_key, element), the catalogue's parameters are the same for every chunk) -> in the chunk
  (`check_chunk`, in a Dask worker: pandas and Great Expectations are imported there);
- one key per submission in the batch (validate_batch refuses two): batch-wide -> `finish`;
- plausibility: batch-wide (the batch's own error-free submissions are each other's history and
  peers; the peers' quartiles span the batch) -> `finish`, in the flow's process after every chunk
  has returned, over all the batch's states, with the context read once from the warehouse.

Importing this module stays light (no pandas, GX, readers, Dask): an empty inbox pays for none.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from schemas.catalog_model import Catalog
from tasks.core.settings import Settings
from tasks.core.warehouse import connect
from tasks.intake.submission import Submission

if TYPE_CHECKING:
    from tasks.core.periods import Period
    from tasks.intake.steps import Batch
    from tasks.intake.validate import Findings

T = TypeVar("T")

MAX_LOCAL_WORKERS = 4  # as the unit sheets' local cluster
# Files per chunk at most: one GX call per chunk, and the fixed cost of a call (suites, context) is
# small against 500 files; chunks are also cut to a multiple of the workers.
MAX_CHUNK = 500


@dataclass(frozen=True)
class ChunkFile:
    """One file of a chunk: where it is, its name, its key in the batch (the inbox path)."""

    path: str
    file_name: str


@dataclass(frozen=True)
class Checked:
    """One file as a chunk returns it: the submission as read and its rule findings (plausibility
    not yet checked); `findings` is None for an unreadable file (not validated)."""

    sub: Submission
    findings: Findings | None


def default_workers(settings: Settings) -> int:
    """`settings.fanout_workers`, else the cores (at most 4)."""
    if settings.fanout_workers:
        return settings.fanout_workers
    return max(1, min(os.cpu_count() or 1, MAX_LOCAL_WORKERS))


def fans_out(settings: Settings, batch: Batch) -> bool:
    """Whether the batch's new files are enough to pay for Dask (`settings.fanout_min_files`)."""
    new = sum(1 for dup in batch.duplicate if not dup)
    return settings.fanout_min_files > 0 and new >= settings.fanout_min_files


def chunks(items: Sequence[T], workers: int, max_chunk: int = MAX_CHUNK) -> list[list[T]]:
    """`items` in a multiple of `workers` chunks (at most `max_chunk` items each) whose sizes differ
    by one at most, in order: every worker gets the same share (1,000 files on 2 workers: 2 of 500;
    1,001: 4 of 251, 250, 250, 250)."""
    n = len(items)
    if n == 0:
        return []
    workers = max(1, workers)
    rounds = max(1, math.ceil(n / (max_chunk * workers)))
    count = min(n, rounds * workers)
    size, extra = divmod(n, count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return out


def chunk_files(batch: Batch) -> list[ChunkFile]:
    """The batch's files to read (duplicates left out), in arrival order."""
    return [
        ChunkFile(item.path, item.file_name)
        for item, dup in zip(batch.files, batch.duplicate, strict=True)
        if not dup
    ]


def check_chunk(
    files: Sequence[ChunkFile],
    settings: Settings,
    catalog: Catalog,
    now: datetime,
    locked: frozenset[str],
) -> list[Checked]:
    """Read the chunk's files and check them against every rule except plausibility, in ONE
    Great Expectations run (runs in a Dask worker)."""
    from tasks.intake.parse import read_submission  # noqa: PLC0415 - heavy
    from tasks.intake.validate import ValidationContext, validate_batch  # noqa: PLC0415 - heavy

    subs = [read_submission(Path(f.path), f.file_name, f.path, settings) for f in files]
    readable = [s for s in subs if s.readable]
    if not readable:
        return [Checked(s, None) for s in subs]
    ctx = ValidationContext(
        now=now,
        locked_periods=locked,
        narrative_max_chars=settings.narrative_max_chars,
        plausibility=None,  # batch-wide: `finish`
    )
    report = validate_batch(readable, catalog, ctx)
    return [Checked(s, report.findings.get(s.key)) for s in subs]


def finish(
    settings: Settings, catalog: Catalog, batch: Batch, checked: Sequence[Checked]
) -> list[Submission | None]:
    """The validated submissions of the batch in arrival order (None for duplicates), from its
    chunks' results (`checked`: one per non-duplicate file, in order): the batch-wide checks here."""
    from tasks.intake.header_checks import SubmissionState, period_of  # noqa: PLC0415
    from tasks.intake.validate import Findings, ValidationReport  # noqa: PLC0415

    it = iter(checked)
    ordered: list[Checked | None] = [None if dup else next(it) for dup in batch.duplicate]
    if next(it, None) is not None:
        raise ValueError("more chunk results than files to read")
    validated = [c for c in ordered if c is not None and c.findings is not None]
    if not validated:
        return [None if c is None else c.sub for c in ordered]
    keys: set[str] = set()
    for c in validated:
        if c.sub.key in keys:
            raise ValueError(f"two submissions of one batch share the key {c.sub.key!r}")
        keys.add(c.sub.key)
    from tasks.intake.plausibility import check_batch, load_context  # noqa: PLC0415

    with connect(settings.paths.warehouse) as con:
        context = load_context(con, catalog, [c.sub for c in validated])
    periods: dict[str | None, Period | None] = {}  # Period.parse costs ~0.4 ms: once per id
    states = []
    for c in validated:
        assert c.findings is not None
        sub = c.sub
        if sub.period_id not in periods:
            periods[sub.period_id] = period_of(sub.period_id)
        states.append(
            SubmissionState(  # as validate_batch left it (check_header sets unit and period so)
                sub,
                activities=list(c.findings.activities),
                narratives=dict(c.findings.narratives),
                unit=catalog.unit(sub.unit_code) if sub.unit_code else None,
                period=periods[sub.period_id],
                messages=list(c.findings.messages),
            )
        )
    check_batch(states, catalog, context)
    report = ValidationReport(
        {s.sub.key: Findings(tuple(s.messages), tuple(s.activities), s.narratives) for s in states}
    )
    return [None if c is None else report.apply(c.sub) for c in ordered]


def parse_validate_serially(
    settings: Settings, catalog: Catalog, batch: Batch, workers: int = 1
) -> list[Submission | None]:
    """The chunked path in this process, one chunk after another (tests, benchmarks)."""
    checked: list[Checked] = []
    for chunk in chunks(chunk_files(batch), workers):
        checked += check_chunk(chunk, settings, catalog, batch.received_at, batch.locked)
    return finish(settings, catalog, batch, checked)


__all__ = [
    "Checked",
    "ChunkFile",
    "check_chunk",
    "chunk_files",
    "chunks",
    "default_workers",
    "fans_out",
    "finish",
    "parse_validate_serially",
]
