"""Collect: list the inbox in arrival order, hash each file, archive it byte for byte by content hash."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from tasks.core.files import sync_directories, sync_files
from tasks.core.settings import WorkspacePaths

_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,10}$")


class FileChangedError(OSError):
    """The file's bytes changed between hashing and archiving (an upload still being written)."""


@dataclass(frozen=True)
class InboxFile:
    """One file waiting in the inbox (plain values: passed between tasks)."""

    path: str
    file_name: str
    sha256: str
    size: int
    mtime_ns: int

    @property
    def suffix(self) -> str:
        suffix = Path(self.file_name).suffix.lower()
        return suffix if _SAFE_SUFFIX.match(suffix) else ".bin"


def list_inbox(paths: WorkspacePaths) -> list[Path]:
    """Every regular file directly in inbox/, oldest first (modification time, then name).

    Whatever its name (hidden, .tmp, no extension): after intake the inbox is empty and every file
    has a receipt. Sub-folders and links are not files received and are left alone.
    """
    files = []
    for entry in os.scandir(paths.inbox):
        if not entry.is_file(follow_symlinks=False):
            continue
        files.append((entry.stat().st_mtime_ns, entry.name, Path(entry.path)))
    return [p for _, _, p in sorted(files)]


def hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def describe(path: Path) -> InboxFile:
    sha, size = hash_file(path)
    return InboxFile(str(path), path.name, sha, size, path.stat().st_mtime_ns)


def archive_files(paths: WorkspacePaths, items: list[InboxFile]) -> list[Path | OSError]:
    """Copy the batch's files into archive/ by content hash (archive/<sha256><suffix>; atomic, never
    overwritten, verified against the hash), with one sync for all: per item its archived path, or
    the FileNotFoundError / FileChangedError that leaves it for the next run.

    The archive is listed once (not globbed per file: 10,000 files in it would make that
    quadratic); the same bytes twice in the batch are copied once.
    """
    archived = {
        entry.name.split(".", 1)[0]: Path(entry.path)
        for entry in os.scandir(paths.archive)
        if not entry.name.startswith(".") and entry.is_file(follow_symlinks=False)
    }
    out: list[Path | OSError] = []
    moves: list[tuple[Path, Path]] = []
    for item in items:
        existing = archived.get(item.sha256)
        if existing is not None:
            out.append(existing)
            continue
        target = paths.archive / f"{item.sha256}{item.suffix}"
        tmp = paths.archive / f".{item.sha256}.tmp"
        try:
            _copy_verified(item, tmp)
        except (FileNotFoundError, FileChangedError) as exc:
            out.append(exc)
            continue
        moves.append((tmp, target))
        archived[item.sha256] = target
        out.append(target)
    sync_files([tmp for tmp, _ in moves])
    for tmp, target in moves:
        os.replace(tmp, target)
    if moves:
        sync_directories({paths.archive})
    return out


def _copy_verified(item: InboxFile, tmp: Path) -> None:
    """Copy the inbox file to `tmp`, checking its bytes still hash to what was recorded."""
    digest = hashlib.sha256()
    with open(item.path, "rb") as src, open(tmp, "wb") as dst:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
            dst.write(chunk)
    if digest.hexdigest() != item.sha256:  # the file changed while we read it: try next run
        tmp.unlink(missing_ok=True)
        raise FileChangedError(f"{item.file_name} changed while being archived")
