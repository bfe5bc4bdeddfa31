"""Run one intake (the plain steps) and kill this process with SIGKILL at a chosen point.

    python -m tests.intake.crash_intake POINT N

The workspace and clock come from DXREPORT_HOME / DXREPORT_NOW / DXREPORT_LOAD_BATCH_FILES. POINT
names where the N-th call is killed (see POINTS); nothing is caught, nothing is cleaned up: this is
what `kill -9` (or a power cut) does to a real run. Used by tests/intake/test_crash.py.
"""

from __future__ import annotations

import os
import signal
import sys

from tasks.core.settings import Settings
from tasks.core.workspace import workspace_catalog
from tasks.intake import collect, ledger, steps


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _on_nth(target, name: str, n: int, when=lambda *a, **k: True) -> None:
    original = getattr(target, name)
    calls = 0

    def wrapper(*args, **kwargs):
        nonlocal calls
        if when(*args, **kwargs):
            calls += 1
            if calls == n:
                _die()
        return original(*args, **kwargs)

    setattr(target, name, wrapper)


POINTS = {
    # archiving the N-th file (before its copy is complete)
    "archive": lambda n: _on_nth(collect, "_copy_verified", n),
    # inside the N-th batch's transaction, before its data is inserted
    "load": lambda n: _on_nth(ledger, "insert_submissions", n),
    # inside the N-th batch's transaction, after its data and arrivals, before the messages
    "messages": lambda n: _on_nth(
        ledger, "execute_columns", n, lambda _c, name, *_a: name == "ledger_insert_message"
    ),
    # after the commit: renaming the N-th receipt into place (some of the batch's are there)
    "receipt": lambda n: _on_nth(os, "replace", n, lambda _src, dst: "receipts" in str(dst)),
    # after the commit and the receipt: removing the N-th inbox file
    "unlink": lambda n: _on_nth(os, "unlink", n, lambda path, *_a: "inbox" in str(path)),
    # everything written and removed; marking the N-th batch finished
    "mark": lambda n: _on_nth(
        ledger, "execute", n, lambda _c, name, **_k: name == "ledger_mark_finished"
    ),
}


def main() -> None:
    point, n = sys.argv[1], int(sys.argv[2])
    settings = Settings()
    catalog = workspace_catalog(settings)
    POINTS[point](n)
    batch = steps.collect(settings, catalog)
    subs = steps.parse_batch(settings, batch)
    subs = steps.validate_submissions(settings, catalog, batch, subs)
    steps.record_batch(settings, batch, subs)
    print("not killed")


if __name__ == "__main__":
    main()
