"""Reading an intake's new files on several processes (tasks/intake/parse_pool.py) gives what the
flow's own process reads, in the same order, with the reader's log lines, and survives a worker
that dies. Real worker processes (a fork server), small files: the chunks are made tiny."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tasks.core import progress
from tasks.intake import parse_pool, steps
from tasks.intake.parse_pool import FileToRead, read_files, workers_for
from tests import builders as b
from tests.intake import pool_helpers

ROOT = Path(__file__).resolve().parents[2]
UNITS = ["P_HAI_CHAU", "P_THANH_KHE", "P_SON_TRA", "P_NGU_HANH_SON", "P_LIEN_CHIEU", "P_CAM_LE"]


@pytest.fixture
def files(tmp_path):
    """Valid workbooks, a negative value, a text number, a truncated zip, and a workbook whose XML
    the reader gives up on (it logs a warning)."""
    folder = tmp_path / "files"
    folder.mkdir()
    paths = [b.build_workbook(folder / f"{u}.xlsx", unit_code=u) for u in UNITS]
    paths.append(
        b.build_workbook(folder / "neg.xlsx", unit_code="P_HAI_CHAU", values={"TIN_BAI": -5})
    )
    paths.append(
        b.build_workbook(folder / "txt.xlsx", unit_code="P_SON_TRA", values={"TIN_BAI": "12"})
    )
    paths.append(b.write_corrupt_zip(folder / "corrupt.xlsx"))
    broken = b.build_workbook(folder / "broken.xlsx")
    parts = b.read_parts(broken)
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"][:150]  # passes the file checks
    b.write_parts(broken, parts)
    paths.append(broken)
    return [FileToRead(str(p), p.name) for p in paths]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(parse_pool, "CHUNK_FILES", 3)


def test_the_pool_reads_what_this_process_reads(files, make_settings, small_chunks):
    settings = make_settings()
    seen: list[str] = []
    pooled = read_files(files, settings, 2, lambda f: seen.append(f.file_name))
    here = read_files(files, settings, 1)
    assert [r.sub for r in pooled] == [r.sub for r in here]  # messages, values, activities, order
    assert seen == [f.file_name for f in files]  # the progress bar: every file once, in order
    assert all(r.seconds > 0 for r in pooled)
    statuses = {r.sub.file_name: r.sub.readable for r in pooled}
    assert statuses["corrupt.xlsx"] is False and statuses["broken.xlsx"] is False
    assert statuses["P_HAI_CHAU.xlsx"] is True and len(pooled[0].sub.values) > 0


def test_the_workers_log_lines_come_back_to_this_process(
    files, make_settings, small_chunks, caplog
):
    caplog.set_level(logging.INFO)
    read_files(files, make_settings(), 2, reader=pool_helpers.worker_pid)
    pids = {int(r.getMessage().split()[1]) for r in caplog.records if r.name == "tests.pool"}
    assert len(pids) >= 1 and os.getpid() not in pids  # read in other processes
    gave_up = [r for r in caplog.records if "could not read broken.xlsx" in r.getMessage()]
    assert len(gave_up) == 1 and gave_up[0].levelno == logging.WARNING
    assert gave_up[0].name == "tasks.intake.parse"


def test_a_killed_worker_leaves_the_rest_to_this_process(
    files, make_settings, small_chunks, caplog
):
    settings = make_settings()
    kill = shutil.copyfile(files[0].path, os.path.join(os.path.dirname(files[0].path), "kill.xlsx"))
    files = [*files[:4], FileToRead(kill, "kill.xlsx"), *files[4:]]
    caplog.set_level(logging.WARNING)
    pooled = read_files(files, settings, 2, reader=pool_helpers.dies_on_kill_file)
    here = read_files(files, settings, 1)
    assert [r.sub for r in pooled] == [r.sub for r in here]
    stopped = [r for r in caplog.records if "A file-reading process stopped" in r.getMessage()]
    assert len(stopped) == 1 and "Một tiến trình đọc tệp dừng bất thường" in stopped[0].getMessage()


def test_how_many_processes_read(make_settings):
    settings = make_settings()
    cores = parse_pool.available_cores()
    assert workers_for(settings, parse_pool.PARALLEL_MIN_FILES - 1) == 1  # a few: no pool
    assert workers_for(settings, 1000) == max(1, min(cores, parse_pool.MAX_WORKERS))
    assert workers_for(settings.model_copy(update={"parse_workers": 1}), 1000) == 1
    assert workers_for(settings.model_copy(update={"parse_workers": 3}), 1000) == 3
    # never more processes than chunks
    few = parse_pool.PARALLEL_MIN_FILES
    many = settings.model_copy(update={"parse_workers": 64})
    assert workers_for(many, few) == -(-few // parse_pool.CHUNK_FILES)


def test_parse_batch_on_the_pool_gives_the_serial_submissions(
    files, make_settings, small_chunks, catalog, monkeypatch
):
    settings = make_settings()
    for f in files:
        shutil.copyfile(f.path, settings.paths.inbox / f.file_name)
    for name in ("0-again.xlsx", "P_SON_TRA-again.xlsx", "zz-again.xlsx"):  # duplicates
        shutil.copyfile(files[0].path, settings.paths.inbox / name)
    batch = steps.collect(settings, catalog)
    assert batch.duplicate.count(True) == 3 and batch.duplicate[-1] is not False
    serial = steps.parse_batch(settings.model_copy(update={"parse_workers": 1}), batch)
    monkeypatch.setattr(parse_pool, "PARALLEL_MIN_FILES", 2)
    times = steps.StepTimes()
    announced: list[str] = []

    class Recorder:
        def start(self, stage, total, description):
            assert total == len(batch.files)

        def advance(self, stage, label):
            announced.append(label)

        def finish(self, stage):
            pass

    with progress.listening(Recorder()):
        pooled = steps.parse_batch(settings.model_copy(update={"parse_workers": 2}), batch, times)
    assert pooled == serial
    assert [s is None for s in pooled] == batch.duplicate
    assert sorted(times.parse) == sorted(f.file_name for f in files)
    assert announced == [f.file_name for f in batch.files]  # every file once, in the batch's order


_IMPORTS_WHILE_READING = """
import shutil, sys
from pathlib import Path
from schemas.catalog_model import load_catalog
from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace
from tasks.intake import parse_pool, steps

home, files, workers = Path(sys.argv[1]), sys.argv[2:-1], int(sys.argv[-1])
settings = Settings(home=home, now="2025-09-16T08:00:00+07:00", parse_workers=workers)
ensure_workspace(settings)
for f in files:
    shutil.copyfile(f, settings.paths.inbox / Path(f).name)
parse_pool.PARALLEL_MIN_FILES, parse_pool.CHUNK_FILES = 2, 3
batch = steps.collect(settings, load_catalog())
before = "great_expectations" in sys.modules
subs = steps.parse_batch(settings, batch)
print(before, "great_expectations" in sys.modules, sum(s is not None and s.readable for s in subs))
"""


@pytest.mark.parametrize(("workers", "imported"), [(2, "True"), (1, "False")])
def test_the_validations_imports_are_done_while_the_pool_reads(files, tmp_path, workers, imported):
    """With a pool reading, Great Expectations is imported meanwhile (on the core the pool leaves)
    and is there when the read ends; read in this process alone, nothing is imported ahead."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _IMPORTS_WHILE_READING,
            str(tmp_path / "home"),
            *[f.path for f in files],
            str(workers),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["False", imported, "8"]
