"""What a command will import anyway, imported while it waits for its temporary Prefect API.

Without a `dxreport server`, a command starts a temporary Prefect API (flows/cli/api.py) and, once
it has imported Prefect and its flow, waits for that API to answer: about 2 s in which its main
thread sleeps while the API's process starts on the other core. An intake with files in its inbox
will then import its readers, pandas and Great Expectations to check them (about 2 s), and a report
its model, matplotlib, pypdf and, for a report short enough to be laid out in one piece by the
command itself, WeasyPrint (about 1 s): `start` does that in a thread during the wait, and
`finish` joins it before the flow runs, so nothing is imported concurrently with the run.
With a server there is nothing to wait for and nothing is done. An empty inbox has nothing to
check: such an intake imports none of them (tested on the whole command). Every command that waits
still imports what any flow run needs (FastAPI's encoder, which Prefect uses to record the run's
parameters, and the year's holiday calendar): about 0.1 s less for an empty intake or an unchanged
report. An inbox whose files are all in the archive already (a batch sent again: hashed in the
thread) needs no reader and no validation, only the feedback writer of its DUPLICATE receipts
(openpyxl, about 0.15 s). A report whose draft on disk is reused as it is (`will_render`, decided
in the thread from the report's cache key) imports only what every run needs. Side by side, 3 runs
each: a bare report rendered again 15.45-15.65 -> 14.67-14.95 s.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def _intake_imports() -> None:
    from tasks.intake import parse, validate  # noqa: F401, PLC0415 - the point is importing them
    from tasks.intake.expectations import _import_gx  # noqa: PLC0415

    _import_gx()


def _run_imports(year: int | None) -> None:
    # what every flow run needs: Prefect encodes the run's parameters with FastAPI's encoder when it
    # creates the run (importing FastAPI: about 0.12 s), and the deadlines and the report's date
    # need the year's Vietnamese public holidays (the `holidays` package's calendar: about 0.05 s)
    import fastapi.encoders  # noqa: F401, PLC0415

    if year is not None:
        from tasks.core.periods import load_holidays  # noqa: PLC0415

        load_holidays(year)


def _feedback_imports() -> None:
    # every file sent again gets a DUPLICATE receipt and its results-only workbook (openpyxl)
    from tasks.feedback import annotate  # noqa: F401, PLC0415


def _report_imports(lays_out_here: bool) -> None:
    # the model, the HTML (Jinja), the charts (matplotlib) and the PDF joiner; WeasyPrint only when
    # this process lays the PDF out (a long report's parts and overlay are laid out by workers)
    import matplotlib.backends.backend_svg  # noqa: F401, PLC0415
    import matplotlib.figure  # noqa: F401, PLC0415
    import matplotlib.ticker  # noqa: F401, PLC0415
    import pypdf  # noqa: F401, PLC0415

    from tasks.report import build, charts, render  # noqa: F401, PLC0415

    if lays_out_here:
        from tasks.report import pdf_engine  # noqa: F401, PLC0415


def inbox_has_files(inbox: Path) -> bool:
    """Whether `inbox` holds at least one regular file (what the intake would take)."""
    try:
        with os.scandir(inbox) as entries:
            return any(e.is_file(follow_symlinks=False) for e in entries)
    except OSError:
        return False


def has_new_files(inbox: Path, archive: Path) -> bool:
    """Whether some file in `inbox` holds bytes the archive does not have (archive/<sha256><suffix>):
    an inbox of files received before (a batch sent again) needs no reader and no validation."""
    from tasks.intake.collect import hash_file  # noqa: PLC0415

    try:
        with os.scandir(archive) as entries:
            archived = {e.name[:64] for e in entries if not e.name.startswith(".")}
        with os.scandir(inbox) as entries:
            files = [Path(e.path) for e in entries if e.is_file(follow_symlinks=False)]
    except OSError:
        return True
    for path in files:
        try:
            if hash_file(path)[0] not in archived:
                return True
        except OSError:
            continue  # gone or unreadable: the intake will say so
    return False


def _run(target) -> None:
    try:
        target()
    except Exception as exc:  # noqa: BLE001 - a head start only: the run imports them again
        log.debug("prefetch failed: %r", exc)


def start(
    verb: str,
    waits_for_api: bool,
    inbox: Path,
    will_render: Callable[[], bool] = lambda: True,
    archive: Path | None = None,
    lays_out_here: Callable[[], bool] = lambda: True,
    year: int | None = None,
) -> threading.Thread | None:
    """The thread importing what `verb` will need, started when the command is going to wait for a
    temporary API (`waits_for_api`); None otherwise. Every run's own needs (`_run_imports`, for the
    clock's `year`) come first, then an intake's or a report's when it has work that needs them."""
    if not waits_for_api:
        return None
    work: Callable[[], None] | None = None
    if verb == "intake" and inbox_has_files(inbox):

        def intake_work() -> None:
            if archive is None or has_new_files(inbox, archive):  # (in the thread: hashing)
                _intake_imports()
            else:
                _feedback_imports()

        work = intake_work
    elif verb == "report":

        def report_work() -> None:
            if will_render():  # not for a draft that is reused as it is (in the thread: SQL)
                _report_imports(lays_out_here())

        work = report_work

    def imports() -> None:
        _run(lambda: _run_imports(year))
        if work is not None:
            _run(work)

    thread = threading.Thread(target=imports, name="dxreport-prefetch", daemon=True)
    thread.start()
    return thread


def finish(thread: threading.Thread | None) -> None:
    """Wait for the imports `start` began (they would be needed before long anyway)."""
    if thread is not None:
        thread.join()
