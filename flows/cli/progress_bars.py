"""Progress bars on the terminal (stderr) for the events of `tasks.core.progress`: one bar per
stage, labelled with the item just done (e.g. the file name)."""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column


class RichListener:
    """A `tasks.core.progress.Listener` drawing with rich (thread-safe: tasks run in threads)."""

    def __init__(self, console: Console):
        def fit(ratio: int) -> Column:  # one line per bar, even at 80 columns
            return Column(ratio=ratio, no_wrap=True, overflow="ellipsis")

        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", table_column=fit(3)),
            BarColumn(bar_width=16),
            MofNCompleteColumn(table_column=Column(min_width=7, no_wrap=True)),
            TimeElapsedColumn(),
            TextColumn("{task.fields[label]}", style="dim", table_column=fit(2)),
            console=console,
            transient=True,
            expand=True,
        )
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def _task(self, stage: str, total: int | None = None, description: str = "") -> TaskID:
        task_id = self._tasks.get(stage)
        if task_id is None:
            task_id = self.progress.add_task(description or stage, total=total, label="")
            self._tasks[stage] = task_id
        return task_id

    def start(self, stage: str, total: int | None, description: str) -> None:
        with self._lock:
            if stage in self._tasks:  # the stage runs again (e.g. one intake per demo round)
                self.progress.reset(
                    self._tasks[stage], total=total, description=description, label=""
                )
            else:
                self._task(stage, total, description)

    def advance(self, stage: str, label: str) -> None:
        with self._lock:
            self.progress.update(self._task(stage), advance=1, label=label)

    def finish(self, stage: str) -> None:
        with self._lock:
            task_id = self._tasks.get(stage)
            if task_id is None:
                return
            task = next(t for t in self.progress.tasks if t.id == task_id)
            if task.total is not None:
                self.progress.update(task_id, completed=task.total)
            self.progress.stop_task(task_id)


def wanted(json_out: bool) -> bool:
    """Bars only for a person at a terminal, never with --json."""
    return not json_out and sys.stderr.isatty()


@contextlib.contextmanager
def progress_bars(enabled: bool) -> Iterator[RichListener | None]:
    """Draw the progress events of the block on stderr (stdout keeps only the result)."""
    if not enabled:
        yield None
        return
    from tasks.core import progress

    listener = RichListener(Console(stderr=True))
    with listener.progress, progress.listening(listener):
        yield listener
