"""flows/cli/prefetch.py: an intake's and a report's heavy imports are done while the command waits
for its temporary Prefect API, only then, and an intake's only when the inbox has something to
check; every command that waits imports what any flow run needs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from flows.cli import api, prefetch

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from pathlib import Path
from flows.cli import prefetch
will = len(sys.argv) < 5 or sys.argv[4] != "reuse"
here = len(sys.argv) < 5 or sys.argv[4] != "workers"
archive = Path(sys.argv[5]) if len(sys.argv) > 5 else None
thread = prefetch.start(
    sys.argv[1], sys.argv[2] == "wait", Path(sys.argv[3]), lambda: will, archive, lambda: here, 2025
)
prefetch.finish(thread)
from tasks.core.periods import _vn_holidays
print(json.dumps({"thread": thread is not None,
                  "run": "fastapi.encoders" in sys.modules and _vn_holidays.cache_info().currsize > 0,
                  "gx": "great_expectations" in sys.modules, "pandas": "pandas" in sys.modules,
                  "weasyprint": "weasyprint" in sys.modules,
                  "matplotlib": "matplotlib.figure" in sys.modules,
                  "openpyxl": "openpyxl" in sys.modules}))
"""


NOTHING = {
    "thread": False,
    "run": False,
    "gx": False,
    "pandas": False,
    "weasyprint": False,
    "matplotlib": False,
    "openpyxl": False,
}


def probe(
    verb: str, waits: bool, inbox: Path, renders: str = "render", archive: Path | None = None
) -> dict:
    """What `prefetch.start` imported in a fresh interpreter; `renders`: "render" (in this
    process), "workers" (a long report laid out by its workers) or "reuse" (the draft on disk)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            verb,
            "wait" if waits else "no",
            str(inbox),
            renders,
            *([str(archive)] if archive else []),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_inbox_has_files(tmp_path):
    inbox = tmp_path / "inbox"
    assert not prefetch.inbox_has_files(inbox)  # missing
    inbox.mkdir()
    (inbox / "sub").mkdir()
    assert not prefetch.inbox_has_files(inbox)  # a folder is not a file received
    (inbox / ".hidden").write_bytes(b"x")
    assert prefetch.inbox_has_files(inbox)


def test_an_intake_waiting_with_files_imports_great_expectations_ahead(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    found = probe("intake", True, tmp_path)
    assert found == {**NOTHING, "thread": True, "run": True, "gx": True, "pandas": True}


def _archive_like_the_intake(files: list[Path], archive: Path) -> None:
    from tasks.intake.collect import hash_file  # noqa: PLC0415

    archive.mkdir(exist_ok=True)
    for path in files:
        (archive / f"{hash_file(path)[0]}{path.suffix}").write_bytes(path.read_bytes())


def test_files_received_before_need_no_reader(tmp_path):
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(b"PK a")
    (inbox / "b.xlsx").write_bytes(b"PK b")
    assert prefetch.has_new_files(inbox, archive)  # no archive yet
    _archive_like_the_intake([inbox / "a.xlsx"], archive)
    (archive / ".partial.tmp").write_bytes(b"PK b")  # an unfinished copy is not archived
    assert prefetch.has_new_files(inbox, archive)
    _archive_like_the_intake([inbox / "b.xlsx"], archive)
    (inbox / "b-again.xlsx").write_bytes(b"PK b")  # the same bytes under another name
    assert not prefetch.has_new_files(inbox, archive)
    sent_again = probe("intake", True, inbox, archive=archive)
    # hashed; no reader, no GX: only the feedback writer of the DUPLICATE receipts
    assert sent_again == {**NOTHING, "thread": True, "run": True, "openpyxl": True}
    (inbox / "c.xlsx").write_bytes(b"PK c")
    found = probe("intake", True, inbox, archive=archive)
    assert found == {**NOTHING, "thread": True, "run": True, "gx": True, "pandas": True}


def test_a_report_waiting_imports_its_renderer_and_charts_ahead(tmp_path):
    found = probe("report", True, tmp_path)
    assert found == {**NOTHING, "thread": True, "run": True, "weasyprint": True, "matplotlib": True}
    # a long report is laid out by its workers: this process needs the charts, not WeasyPrint
    in_parts = probe("report", True, tmp_path, renders="workers")
    assert in_parts == {**NOTHING, "thread": True, "run": True, "matplotlib": True}
    assert probe("report", False, tmp_path) == NOTHING  # a server: no wait to fill
    reused = probe("report", True, tmp_path, renders="reuse")  # the draft on disk is reused
    assert reused == {**NOTHING, "thread": True, "run": True}


def test_only_what_every_run_needs_without_files_or_an_intake(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    full = tmp_path / "full"
    full.mkdir()
    (full / "a.xlsx").write_bytes(b"PK")
    # an empty inbox: nothing to validate, only what every flow run needs
    assert probe("intake", True, empty) == {**NOTHING, "thread": True, "run": True}
    assert probe("intake", False, full) == NOTHING  # a server: no wait to fill
    # neither an intake nor a report: what every flow run needs
    assert probe("status", True, full) == {**NOTHING, "thread": True, "run": True}


def test_finish_without_a_thread_and_a_failed_import_are_harmless():
    prefetch.finish(None)
    prefetch._run(lambda: __import__("dxreport_no_such_module"))  # logged, not raised


def test_only_a_started_temporary_api_is_waited_for(tmp_path):
    assert not api.ApiChoice("env", tmp_path, "http://x/api").waits_for_api()
    assert not api.ApiChoice("temporary", tmp_path).waits_for_api()  # not started
    started = api.ApiChoice("temporary", tmp_path, server=api.TemporaryApi(tmp_path))
    assert started.waits_for_api()
