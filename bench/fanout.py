"""Benchmark: the intake's parse + validate, serial in the flow's process, with the read pool, or
fanned out on Dask.

    .venv/bin/python bench/fanout.py [--sizes 200,1000] [--workers 2] [--corpus DIR]

The files are bench/corpus.py's (N valid 2025Q3 workbooks of N synthetic units, the units added to
a fresh workspace's catalogue). Each mode runs in a fresh interpreter (what a run pays: imports of
the readers, pandas and Great Expectations included), and prints seconds:
- `serial`: steps.parse_batch + steps.validate_submissions (one GX call), in-process
  (`parse_workers=1`);
- `pool`: the same with the files read by `--workers` processes (tasks/intake/parse_pool.py: what
  an intake of 200 or more new files does by default);
- `dask`: a distributed LocalCluster (single-threaded worker processes), `fanout.check_chunk` mapped
  over the chunks, then `fanout.finish` in this process; cluster start and a first (empty) task
  apart;
- `prefect`: the intake's own path, `flows.intake_fanout.parse_validate` inside a flow, on the
  DaskTaskRunner's local cluster, under a temporary Prefect API (its start not counted).
Nothing is recorded (archive, ledger and load are the same whichever way the files were read).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

RECEIVED_AT = "2025-09-15T10:00:00+07:00"


def prepare(corpus: Path, n: int, home: Path) -> None:
    from tasks.catalog.add_units import add_units
    from tasks.core.settings import Settings
    from tasks.core.workspace import ensure_workspace

    settings = Settings(home=home, now=RECEIVED_AT)
    ensure_workspace(settings)
    add_units(settings, corpus / "units.csv")
    for path in sorted((corpus / "files").iterdir())[:n]:
        shutil.copyfile(path, settings.paths.inbox / path.name)


def _batch(home: Path):
    from flows.shared import load_catalog
    from tasks.core.settings import Settings
    from tasks.intake import steps

    settings = Settings(home=home, now=RECEIVED_AT)
    catalog = load_catalog(settings)
    return settings, catalog, steps.collect(settings, catalog)


def run_serial(home: Path, workers: int, parse_workers: int = 1) -> dict:
    from tasks.intake import steps

    t0 = time.perf_counter()
    settings, catalog, batch = _batch(home)
    settings = settings.model_copy(update={"parse_workers": parse_workers})
    t1 = time.perf_counter()
    subs = steps.parse_batch(settings, batch)
    t2 = time.perf_counter()
    subs = steps.validate_submissions(settings, catalog, batch, subs)
    t3 = time.perf_counter()
    return {
        "collect": t1 - t0,
        "parse": t2 - t1,
        "validate": t3 - t2,
        "parse+validate": t3 - t1,
        "statuses": _statuses(subs),
    }


def run_pool(home: Path, workers: int) -> dict:
    return run_serial(home, workers, parse_workers=workers)


def run_dask(home: Path, workers: int) -> dict:
    from distributed import Client, LocalCluster

    from tasks.intake import fanout

    t0 = time.perf_counter()
    settings, catalog, batch = _batch(home)
    t1 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        t2 = time.perf_counter()
        client.gather(client.map(lambda i: i, range(workers), pure=False))
        t3 = time.perf_counter()
        work = fanout.chunks(fanout.chunk_files(batch), workers)
        futures = client.map(
            fanout.check_chunk,
            work,
            settings=settings,
            catalog=catalog,
            now=batch.received_at,
            locked=batch.locked,
            pure=False,
        )
        checked = [c for part in client.gather(futures) for c in part]
        t4 = time.perf_counter()
        subs = fanout.finish(settings, catalog, batch, checked)
        t5 = time.perf_counter()
    return {
        "collect": t1 - t0,
        "cluster start": t2 - t1,
        "first task": t3 - t2,
        "chunks": t4 - t3,
        "chunk sizes": [len(c) for c in work],
        "finish": t5 - t4,
        "parse+validate": t5 - t1,
        "statuses": _statuses(subs),
    }


def run_prefect(home: Path, workers: int) -> dict:
    from prefect import flow
    from prefect.testing.utilities import prefect_test_harness

    out: dict = {}

    @flow(name="bench-fanout")
    def bench() -> None:
        from flows.intake_fanout import parse_validate

        t0 = time.perf_counter()
        settings, catalog, batch = _batch(home)
        settings = settings.model_copy(update={"fanout_workers": workers})
        t1 = time.perf_counter()
        subs = parse_validate(settings, catalog, batch)
        t2 = time.perf_counter()
        out.update({"collect": t1 - t0, "parse+validate": t2 - t1, "statuses": _statuses(subs)})

    with prefect_test_harness(server_startup_timeout=120):
        bench()
    return out


def _statuses(subs) -> dict:
    counts: dict[str, int] = {}
    for s in subs:
        if s is not None:
            counts[s.status] = counts.get(s.status, 0) + 1
    return counts


MODES = {"serial": run_serial, "pool": run_pool, "dask": run_dask, "prefect": run_prefect}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="200,1000")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--modes", default="serial,pool,dask,prefect")
    ap.add_argument("--corpus", type=Path, default=None, help="bench/corpus.py folder")
    ap.add_argument("--one", nargs=3, metavar=("MODE", "HOME", "WORKERS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:  # a child: one mode on a prepared workspace
        mode, home, workers = args.one
        print(json.dumps(MODES[mode](Path(home), int(workers))))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.corpus is None:
        from bench.corpus import ensure_corpus

        corpus = ensure_corpus(max(sizes))
    else:
        corpus = args.corpus
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="dxreport-fanout-") as tmp:
            home = Path(tmp) / "home"
            prepare(corpus, n, home)
            for mode in args.modes.split(","):
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, __file__, "--one", mode, str(home), str(args.workers)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                wall = time.perf_counter() - started
                if done.returncode != 0:
                    print(f"{n:>6} {mode:<8} FAILED\n{done.stderr[-2000:]}")
                    continue
                res = json.loads(done.stdout.strip().splitlines()[-1])
                figures = ", ".join(
                    f"{k} {v:.2f} s" if isinstance(v, float) else f"{k} {v}" for k, v in res.items()
                )
                print(f"{n:>6} {mode:<8} process {wall:6.2f} s | {figures}", flush=True)


if __name__ == "__main__":
    main()
