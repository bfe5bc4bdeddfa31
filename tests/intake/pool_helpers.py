"""Chunk readers for tests/intake/test_parse_pool.py, importable by the pool's worker processes."""

from __future__ import annotations

import os

from tasks.core.settings import Settings
from tasks.intake.parse_pool import ChunkRead, FileToRead, read_chunk


def dies_on_kill_file(files: list[FileToRead], settings: Settings) -> ChunkRead:
    """A worker killed in the middle of its chunk (as by the OOM killer) when it holds kill.xlsx."""
    if any(f.file_name == "kill.xlsx" for f in files):
        os._exit(9)
    return read_chunk(files, settings)


def worker_pid(files: list[FileToRead], settings: Settings) -> ChunkRead:
    """read_chunk, with the worker's pid logged (which process read the chunk)."""
    import logging  # noqa: PLC0415

    read, records = read_chunk(files, settings)
    record = logging.LogRecord(
        "tests.pool", logging.INFO, __file__, 0, f"pid {os.getpid()}", None, None
    )
    return read, [*records, record]
