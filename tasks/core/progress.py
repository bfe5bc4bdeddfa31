"""Progress of long steps, for a person watching a terminal.

Steps announce what they work through (`start`, `advance`, `finish`); by default nothing listens
and the calls cost nothing. The command line installs a listener (a rich progress bar) with
`listening(...)` while it runs a flow in-process; a run on a worker or under tests has none.
A process-wide listener (not a context variable): Prefect runs tasks in worker threads.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Protocol


class Listener(Protocol):
    def start(self, stage: str, total: int | None, description: str) -> None: ...

    def advance(self, stage: str, label: str) -> None: ...

    def finish(self, stage: str) -> None: ...


_lock = threading.Lock()
_listener: Listener | None = None


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send progress events to `listener` until the block ends."""
    global _listener
    with _lock:
        previous, _listener = _listener, listener
    try:
        yield
    finally:
        with _lock:
            if _listener is listener:  # another thread's listener installed since stays put
                _listener = previous


def start(stage: str, total: int | None = None, description: str = "") -> None:
    """A stage begins: `total` items (None when unknown); `description` is shown to the person."""
    if _listener is not None:
        _listener.start(stage, total, description or stage)


def advance(stage: str, label: str = "") -> None:
    """One item of `stage` is done (`label`: e.g. the file name)."""
    if _listener is not None:
        _listener.advance(stage, label)


def finish(stage: str) -> None:
    if _listener is not None:
        _listener.finish(stage)


class _Both:
    """Two listeners heard in turn (the terminal's bars and the run's progress artifacts)."""

    def __init__(self, first: Listener, second: Listener):
        self.first, self.second = first, second

    def start(self, stage: str, total: int | None, description: str) -> None:
        self.first.start(stage, total, description)
        self.second.start(stage, total, description)

    def advance(self, stage: str, label: str) -> None:
        self.first.advance(stage, label)
        self.second.advance(stage, label)

    def finish(self, stage: str) -> None:
        self.first.finish(stage)
        self.second.finish(stage)


@contextlib.contextmanager
def also_listening(listener: Listener) -> Iterator[None]:
    """Send progress events to `listener` too (beside any listener already installed)."""
    current = _listener
    with listening(listener if current is None else _Both(current, listener)):
        yield
