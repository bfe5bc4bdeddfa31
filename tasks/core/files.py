"""Writing files so that a reader (or a killed run) never sees half of one."""

from __future__ import annotations

import ctypes
import os
import sys
from functools import cache
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` via a synced temporary file and an atomic rename."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a synced temporary file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_all_atomic(items: list[tuple[Path, bytes]]) -> None:
    """Write many files, each whole or absent after a crash, with one sync for all of them.

    Every file is written to a temporary beside it; then one `sync_files` makes all the data durable;
    then each temporary is renamed into place; then each directory is synced, so the names are
    durable too before the caller goes on (e.g. removes the inbox files these receipts stand for).
    Per file this costs ~0.1 ms instead of an fsync's ~3 ms.
    """
    if not items:
        return
    moves = []
    for path, data in items:
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
        moves.append((tmp, path))
    sync_files([tmp for tmp, _ in moves])
    for tmp, path in moves:
        os.replace(tmp, path)
    sync_directories({path.parent for _, path in moves})


def sync_files(paths: list[Path]) -> None:
    """Make the data of these files durable: one syncfs(2) of their file system on Linux (every
    file of it, but one journal commit instead of one per file); else fsync each."""
    if not paths:
        return
    if _syncfs(paths[0]):
        return
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def sync_directories(directories: set[Path]) -> None:
    """fsync each directory, so that the renames into it survive a power cut."""
    for directory in sorted(directories):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _syncfs(path: Path) -> bool:
    """syncfs(2) on the file system holding `path`; False where the call is not available."""
    libc = _libc()
    if libc is None:
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        return libc.syncfs(fd) == 0
    finally:
        os.close(fd)


@cache
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        lib = ctypes.CDLL(None, use_errno=True)
        return lib if hasattr(lib, "syncfs") else None
    except OSError:
        return None
