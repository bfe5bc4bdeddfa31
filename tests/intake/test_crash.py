"""kill -9 at every step of a batched intake: no half load, no lost file, no extra version, and the
next run ends exactly where an uninterrupted run ends (same receipts, same warehouse rows)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tasks.core.settings import Settings
from tasks.core.workspace import ensure_workspace, workspace_catalog
from tests.builders import build_workbook, write_corrupt_zip
from tests.builders.intake import take_in

pytestmark = pytest.mark.slow  # six real kill -9 runs (~1 min); CI runs them

ROOT = Path(__file__).resolve().parents[2]
NOW = "2025-09-16T08:00:00+07:00"
BATCH = 3  # files per transaction: 7 files are 3 batches
TABLES = {  # every table intake writes, with an order that makes the rows comparable
    "arrivals": "arrival_no",
    "arrival_messages": "arrival_no, seq",
    "submissions": "unit_code, period_id, version",
    "element_values": "unit_code, period_id, version, element_code",
    "activities": "unit_code, period_id, version, line_no",
    "narratives": "unit_code, period_id, version, section",
    "submission_changes": "unit_code, period_id, version, seq",
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> list[Path]:
    """Seven files in arrival order: three units, a broken file, a copy of the first file, a
    second version of the first unit and a rejected one of the second unit."""
    d = tmp_path_factory.mktemp("src")
    catalog = workspace_catalog(Settings(home=d / "x"))
    a, b, c = [
        u.code
        for u in catalog.units
        if u.type == "phuong_xa"
        and u.valid_from <= date(2025, 7, 1)
        and (u.valid_to is None or u.valid_to >= date(2025, 9, 30))
    ][:3]
    files = [
        build_workbook(d / "1.xlsx", unit_code=a),
        build_workbook(d / "2.xlsx", unit_code=b),
        write_corrupt_zip(d / "3-hong.xlsx"),
        d / "4-ban-sao.xlsx",
        build_workbook(d / "5.xlsx", unit_code=c),
        build_workbook(d / "6.xlsx", unit_code=a, values={"TIN_BAI": 99}),
        build_workbook(d / "7.xlsx", unit_code=b, values={"TIN_BAI": -1}),
    ]
    shutil.copyfile(files[0], files[3])
    return files


def workspace(home: Path, sources: list[Path]) -> Settings:
    settings = Settings(home=home, now=NOW, load_batch_files=BATCH)
    ensure_workspace(settings)
    for i, src in enumerate(sources):
        target = settings.paths.inbox / src.name
        shutil.copyfile(src, target)
        os.utime(target, (1_700_000_000 + i,) * 2)
    return settings


def intake(settings: Settings) -> None:
    take_in(settings, workspace_catalog(settings))


def state(settings: Settings) -> dict:
    """What a run leaves: the rows of every intake table, receipts, feedback, archive, inbox."""
    con = duckdb.connect(str(settings.paths.warehouse), read_only=True)
    try:
        rows = {
            t: con.execute(f"SELECT * FROM {t} ORDER BY {o}").fetchall() for t, o in TABLES.items()
        }
    finally:
        con.close()
    p = settings.paths
    return {
        **rows,
        "receipts": {f.name: f.read_text("utf-8") for f in sorted(p.receipts.iterdir())},
        "feedback": sorted(f.name for f in p.feedback.rglob("*") if f.is_file()),
        "archive": sorted(f.name for f in p.archive.iterdir()),
        "inbox": sorted(f.name for f in p.inbox.iterdir()),
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory, sources) -> dict:
    settings = workspace(tmp_path_factory.mktemp("ref") / "home", sources)
    intake(settings)
    done = state(settings)
    assert done["inbox"] == [] and len(done["receipts"]) == 7
    assert [r[11] for r in done["arrivals"]] == [  # status
        "accepted",
        "accepted",
        "rejected",
        "duplicate",
        "accepted",
        "accepted_with_warnings",  # a big jump from version 1: a plausibility warning
        "rejected",
    ]
    assert len(done["submission_changes"]) >= 1  # the second version of the first unit
    return done


@pytest.mark.parametrize(
    "point, n",
    [
        ("archive", 5),  # archiving the second batch's second file
        ("load", 2),  # inside the second batch's transaction
        ("messages", 2),  # inside it, after its data and arrivals
        ("receipt", 5),  # after its commit, between its receipts
        ("unlink", 4),  # after its commit, between its inbox removals
        ("mark", 2),  # before it is marked finished
    ],
)
def test_kill_9_anywhere_then_the_next_run_ends_like_an_uninterrupted_one(
    tmp_path, sources, reference, point, n
):
    settings = workspace(tmp_path / "home", sources)
    env = {
        **os.environ,
        "DXREPORT_HOME": str(settings.home),
        "DXREPORT_NOW": NOW,
        "DXREPORT_LOAD_BATCH_FILES": str(BATCH),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.intake.crash_intake", point, str(n)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == -9, done.stdout + done.stderr
    killed = state(settings)
    # the first batch is complete or (killed before its mark) committed; nothing is half loaded:
    # every submission has all its values, and every arrival of a loaded version exists
    arrivals = {r[0] for r in killed["arrivals"]}
    assert {r[3] for r in killed["submissions"]} <= arrivals
    assert len(killed["element_values"]) == len(killed["submissions"]) * len(
        {r[3] for r in reference["element_values"]}
    )
    # no file is lost: each is still in the inbox or has a committed arrival
    names = {r[2] for r in killed["arrivals"]}
    assert {s.name for s in sources} <= set(killed["inbox"]) | names
    intake(settings)
    again = state(settings)
    assert again == reference
    con = duckdb.connect(str(settings.paths.warehouse), read_only=True)
    try:
        assert con.execute("SELECT bool_and(finished) FROM arrivals").fetchone() == (True,)
    finally:
        con.close()
