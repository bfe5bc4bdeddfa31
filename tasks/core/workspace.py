"""The workspace (INTERFACE.md): folders, the catalogue copy, the single-writer lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator

from schemas.catalog_model import CATALOG_FILES, DEFAULT_CATALOG_DIR, Catalog, load_catalog
from tasks.core.errors import WorkspaceBusyError
from tasks.core.settings import Settings


def ensure_workspace(settings: Settings) -> None:
    """Create the workspace on first use; copy the packaged catalogue if the workspace has none."""
    p = settings.paths
    for folder in (p.home, p.inbox, p.archive, p.receipts, p.reports, p.feedback):
        folder.mkdir(parents=True, exist_ok=True)
    if not p.catalog.exists():
        tmp = p.home / ".catalog.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name in CATALOG_FILES:
            shutil.copy2(DEFAULT_CATALOG_DIR / name, tmp / name)
        os.replace(tmp, p.catalog)


def workspace_catalog(settings: Settings) -> Catalog:
    ensure_workspace(settings)
    return load_catalog(settings.paths.catalog)


@contextlib.contextmanager
def workspace_lock(settings: Settings) -> Iterator[None]:
    """Serialise writers on one workspace: a second run waits for the first (up to the timeout)."""
    ensure_workspace(settings)
    path = settings.paths.lock
    deadline = time.monotonic() + settings.lock_timeout_seconds
    with open(path, "a+") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise WorkspaceBusyError(
                        f"Không gian làm việc {settings.paths.home} đang bận (một lượt chạy khác chưa xong).",
                        f"Workspace {settings.paths.home} is busy (another run has not finished).",
                        "Chờ lượt chạy kia kết thúc rồi thử lại.",
                        "Wait for the other run to finish and try again.",
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
