"""The intake's fan-out (tasks/intake/fanout.py): parsing and validating in chunks, the batch-wide
checks after them, gives the very submissions (messages, statuses, cleaned data) of the serial path,
on a mixed batch: the demo's last quarter (valid files, broken ones, planted plausibility problems,
history from the quarters before) plus a few built ones and a duplicate. No Dask here: the chunks run
one after another in this process (tests/flows/test_intake_fanout.py runs them on a cluster)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from demo.generator import generate_demo
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace
from tasks.intake import fanout, rules, steps
from tests.builders import build_workbook, write_corrupt_zip
from tests.builders.intake import take_in

ROOT = Path(__file__).resolve().parents[2]
PERIODS = [Period(2025, 1), Period(2025, 2), Period(2025, 3)]  # history enough for a flow's median
PLAUSIBILITY_RULES = {code for code, r in rules.load_rules().items() if r.check == "plausibility"}


@pytest.fixture(scope="module")
def mixed(catalog, tmp_path_factory):
    """(settings, batch) of the last quarter's first two rounds as ONE batch, the quarters before
    taken in already; plus an unreadable file, a rejected one, a warned one and a duplicate."""
    plan = generate_demo(catalog, PERIODS, tmp_path_factory.mktemp("demo-fanout"))
    home = tmp_path_factory.mktemp("home")
    last = [r for r in plan.rounds_for(PERIODS[-1].id) if not r.after_report]
    for period in PERIODS[:-1]:
        for rnd in plan.rounds_for(period.id):
            settings = Settings(home=home, now=rnd.at.isoformat())
            ensure_workspace(settings)
            take_in(settings, catalog, rnd.files)
    settings = Settings(home=home, now=last[-1].at.isoformat())
    inbox = settings.paths.inbox
    for rnd in last:
        for path in rnd.files:
            shutil.copyfile(path, inbox / path.name)
    build = tmp_path_factory.mktemp("built")
    write_corrupt_zip(inbox / "zz-corrupt.xlsx")
    build_workbook(inbox / "zz-negative.xlsx", unit_code="P_THANH_KHE", values={"TIN_BAI": -5})
    build_workbook(inbox / "zz-text-number.xlsx", unit_code="P_SON_TRA", values={"TIN_BAI": "12"})
    shutil.copyfile(
        build_workbook(build / "same.xlsx", unit_code="P_HAI_CHAU"), inbox / "zz-same-a.xlsx"
    )
    shutil.copyfile(build / "same.xlsx", inbox / "zz-same-b.xlsx")  # a duplicate in the batch
    return settings, steps.collect(settings, catalog)


@pytest.fixture(scope="module")
def serial(mixed, catalog):
    settings, batch = mixed
    return steps.validate_submissions(settings, catalog, batch, steps.parse_batch(settings, batch))


def test_the_batch_is_mixed(mixed, serial):
    _, batch = mixed
    assert len(batch.files) >= 40 and any(batch.duplicate)
    statuses = {s.status for s in serial if s is not None}
    assert statuses == {"accepted", "accepted_with_warnings", "rejected"}
    assert any(s is not None and not s.readable for s in serial)
    found = {m.rule for s in serial if s is not None for m in s.messages}
    # the batch-wide rules are exercised: peers within the batch, history, the log, narratives
    assert {"VALUE_OUTSIDE_PEERS", "STOCK_DECREASED", "FLOW_UNUSUAL_CHANGE"} <= found
    assert PLAUSIBILITY_RULES & found == PLAUSIBILITY_RULES


@pytest.mark.parametrize("workers, max_chunk", [(2, 500), (3, 4), (4, 1)])
def test_chunks_give_the_serial_path_submissions(mixed, serial, catalog, workers, max_chunk):
    settings, batch = mixed
    checked = []
    work = fanout.chunks(fanout.chunk_files(batch), workers, max_chunk)
    assert len(work) % workers == 0 or len(work) == sum(not d for d in batch.duplicate)
    for chunk in work:
        checked += fanout.check_chunk(chunk, settings, catalog, batch.received_at, batch.locked)
    chunked = fanout.finish(settings, catalog, batch, checked)
    assert [s and (s.file_name, s.status) for s in chunked] == [
        s and (s.file_name, s.status) for s in serial
    ]
    for ours, theirs in zip(chunked, serial, strict=True):
        assert ours == theirs  # messages (order and text), activities, narratives, values


def test_chunks_are_a_multiple_of_the_workers_and_nearly_equal():
    sizes = [len(c) for c in fanout.chunks(range(1031), 2, 500)]
    assert sizes == [258, 258, 258, 257] and sum(sizes) == 1031
    assert [len(c) for c in fanout.chunks(range(1000), 2, 500)] == [500, 500]
    assert [len(c) for c in fanout.chunks(range(3), 4, 500)] == [1, 1, 1]  # never an empty chunk
    assert fanout.chunks([], 2) == []
    flat = [x for c in fanout.chunks(list(range(77)), 3, 10) for x in c]
    assert flat == list(range(77))  # in order


def test_small_batches_stay_serial(make_settings):
    settings = make_settings()
    batch = steps.Batch(settings.clock(), [], [], frozenset())
    batch.duplicate = [False] * 5000
    assert not fanout.fans_out(settings, batch)  # the default: never (2 cores: Dask never won)
    few = settings.model_copy(update={"fanout_min_files": 3})
    batch.duplicate = [False, False, True]
    assert not fanout.fans_out(few, batch)  # duplicates are not read
    batch.duplicate = [False, False, False]
    assert fanout.fans_out(few, batch)
    assert not fanout.fans_out(few.model_copy(update={"fanout_min_files": 0}), batch)


def test_importing_the_intake_flow_loads_neither_dask_nor_gx():
    heavy = ("dask", "distributed", "prefect_dask", "great_expectations", "pandas")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, flows.intake, tasks.intake.fanout; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stdout
