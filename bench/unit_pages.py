"""Benchmark: unit result sheets at scale (model build, process pool, Prefect flow on Dask).

    .venv/bin/python bench/unit_pages.py [--home DIR] [--units 1000] [--workers 2] [--skip-flow]

The workspace is generated, not taken in: `--units` synthetic UBND phường units are appended to the
workspace catalogue (units.yaml, as `dxreport catalog add-units` would), and the warehouse is filled
with plain SQL INSERTs into the real schema (arrivals, messages, submissions, values for the period
and the three before); intake of 1,000 workbooks would take minutes and measures the intake, not
this. An existing --home with a warehouse is reused. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")

import pandas as pd  # noqa: E402

from tasks.core.periods import TZ, Period  # noqa: E402
from tasks.core.settings import Settings  # noqa: E402
from tasks.core.warehouse import connect  # noqa: E402
from tasks.core.workspace import ensure_workspace, workspace_catalog  # noqa: E402

PERIOD = Period(2025, 3)
NOW = "2025-09-18T08:00:00+07:00"


def generate(settings: Settings, n_units: int) -> None:
    ensure_workspace(settings)
    units_yaml = settings.paths.catalog / "units.yaml"
    lines = [
        f'  - {{code: P_BENCH_{i:04d}, name: "UBND phường Thử nghiệm {i:04d}", type: phuong_xa, '
        f"valid_from: 2022-01-01}}"
        for i in range(n_units)
    ]
    with units_yaml.open("a", encoding="utf-8") as fh:
        fh.write("\n# bench/unit_pages.py: synthetic units\n" + "\n".join(lines) + "\n")
    catalog = workspace_catalog(settings)
    rng = random.Random(7)
    quarters = [PERIOD.prev().prev().prev(), PERIOD.prev().prev(), PERIOD.prev(), PERIOD]
    arrivals, messages, subs, values = [], [], [], []
    no = 0
    codes = [u.code for u in catalog.units if u.active_on(PERIOD.window_end)]
    for q in quarters:
        base = datetime.combine(q.window_end + timedelta(days=1), datetime.min.time(), TZ)
        for code in codes:
            unit = catalog.unit_by_code[code]
            if rng.random() < 0.08:
                continue  # sent nothing
            versions = 1 + (rng.random() < 0.2) + (rng.random() < 0.05)
            if rng.random() < 0.1:  # a rejected file first
                no += 1
                arrivals.append(
                    (no, code, q.id, base + timedelta(minutes=no), "rejected", None, None)
                )
                messages.append((no, 0, "error", "VALUE_NEGATIVE", "Chỉ tiêu", "E2", "Giá trị âm."))
            for v in range(1, versions + 1):
                no += 1
                at = base + timedelta(minutes=no)
                warn = rng.random() < 0.3
                status = "accepted_with_warnings" if warn else "accepted"
                timely = "on_time" if rng.random() < 0.8 else "late"
                arrivals.append((no, code, q.id, at, status, v, timely))
                for s in range(rng.randint(1, 9) if warn else 0):
                    messages.append(
                        (
                            no,
                            s,
                            "warning",
                            "VALUE_BLANK",
                            "Chỉ tiêu",
                            f"E{s + 2}",
                            'Trang "Chỉ tiêu": chưa nhập giá trị; chỉ tiêu được tính là chưa báo cáo.',
                        )
                    )
                subs.append((code, q.id, v, no, at, timely, warn))
                for e in catalog.elements_for_type(unit.type):
                    value = None if rng.random() < 0.05 else float(rng.randint(0, 500))
                    if e.kind == "yes_no" and value is not None:
                        value = float(value > 100)
                    values.append((code, q.id, v, e.code, value))
    a = pd.DataFrame(
        arrivals,
        columns=[
            "arrival_no",
            "unit_code",
            "period_id",
            "received_at",
            "status",
            "version",
            "timeliness",
        ],
    )
    m = pd.DataFrame(
        messages, columns=["arrival_no", "seq", "severity", "rule", "sheet", "cell", "message_vi"]
    )
    s = pd.DataFrame(
        subs,
        columns=[
            "unit_code",
            "period_id",
            "version",
            "arrival_no",
            "received_at",
            "timeliness",
            "has_warnings",
        ],
    )
    v = pd.DataFrame(values, columns=["unit_code", "period_id", "version", "element_code", "value"])
    with connect(settings.paths.warehouse) as con:
        con.register("a", a)
        con.register("m", m)
        con.register("s", s)
        con.register("v", v)
        con.execute(
            "INSERT INTO arrivals (arrival_no, receipt_name, file_name, sha256, size_bytes, archive_path,"
            " received_at, unit_code, period_id, version, status, timeliness, receipt_json, finished)"
            " SELECT arrival_no, printf('%06d-bench.json', arrival_no), unit_code || '_' || period_id || '.xlsx',"
            " md5(arrival_no::VARCHAR), 1000, 'archive/x.xlsx', received_at, unit_code, period_id, version,"
            " status, timeliness, '{}', TRUE FROM a"
        )
        con.execute(
            "INSERT INTO arrival_messages (arrival_no, seq, severity, rule, sheet, cell, message_vi, message_en)"
            " SELECT arrival_no, seq, severity, rule, sheet, cell, message_vi, message_vi FROM m"
        )
        con.execute(
            "INSERT INTO submissions (unit_code, period_id, version, arrival_no, sha256, received_at,"
            " timeliness, has_warnings, template_version)"
            " SELECT unit_code, period_id, version, arrival_no, md5(arrival_no::VARCHAR), received_at,"
            " timeliness, has_warnings, 1 FROM s"
        )
        con.execute(
            "INSERT INTO element_values (unit_code, period_id, version, element_code, value)"
            " SELECT unit_code, period_id, version, element_code, value FROM v"
        )
    print(f"generated: {len(codes)} expected units, {len(a)} arrivals, {len(v)} values")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home")
    ap.add_argument("--units", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-flow", action="store_true")
    args = ap.parse_args()
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="dxreport-unitpages-"))
    settings = Settings(home=home, now=NOW)
    if not settings.paths.warehouse.exists():
        started = time.perf_counter()
        generate(settings, args.units)
        print(f"workspace generated in {time.perf_counter() - started:.1f} s: {home}")
    catalog = workspace_catalog(settings)

    from tasks.unit_pages.build import build_unit_pages
    from tasks.unit_pages.render import render_unit_pages

    issued = date(2025, 9, 18)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        pages = build_unit_pages(settings.paths.warehouse, catalog, PERIOD, issued)
        runs.append(time.perf_counter() - started)
    print(
        f"model build: {len(pages)} units in {min(runs):.3f} s (best of 3; first {runs[0]:.3f} s)"
    )

    result = render_unit_pages(settings, catalog, PERIOD, issued, workers=args.workers)
    rate = result["pages"] / result["seconds"]
    print(
        f"process pool, {args.workers} workers: {result['pages']} pages in {result['seconds']:.1f} s"
        f" = {rate:.1f} pages/s (incl. model build {result['build_seconds']:.2f} s, process start)"
    )
    if not args.skip_flow:
        from prefect.testing.utilities import prefect_test_harness

        from flows.unit_pages import unit_pages, unit_pages_runner

        with prefect_test_harness(server_startup_timeout=120):
            runner = unit_pages_runner(settings, workers=args.workers)
            started = time.perf_counter()
            out = unit_pages.with_options(task_runner=runner)(
                period=PERIOD.id, home=str(home), now=NOW, workers=args.workers
            )
            wall = time.perf_counter() - started
        print(
            f"prefect flow on Dask, {args.workers} workers: {out['pages']} pages; flow "
            f"{out['seconds']:.1f} s = {out['pages'] / out['seconds']:.1f} pages/s (wall incl. "
            f"cluster start {wall:.1f} s = {out['pages'] / wall:.1f} pages/s)"
        )


if __name__ == "__main__":
    main()
