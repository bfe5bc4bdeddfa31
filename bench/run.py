"""Benchmark: the demo, stage by stage, with time and peak memory of each stage and of the whole run.

    .venv/bin/python bench/run.py [--home DIR] [--first 2024Q1] [--last 2025Q3]

Runs the same plain step functions the Prefect flows call (no Prefect overhead in the figures; the
flows add about a second per run). Peak memory is the process's peak resident set size (VmHWM,
reset before each stage through /proc/self/clear_refs); with --trace-python also tracemalloc's peak
of Python objects (tracemalloc slows Python code several times: timings are then not comparable).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

from demo.replay import issue_demo_report  # noqa: E402
from tasks.core.periods import Period, periods_between  # noqa: E402
from tasks.core.settings import Settings  # noqa: E402
from tasks.core.workspace import ensure_workspace, workspace_catalog  # noqa: E402
from tasks.intake import steps  # noqa: E402

ROWS: list[tuple[str, float, float, float, str]] = []


def _rss_peak_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_rss_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


@contextmanager
def stage(name: str, note: str = ""):
    _reset_rss_peak()
    if tracemalloc.is_tracing():
        tracemalloc.reset_peak()
    start = time.perf_counter()
    box = {"note": note}
    yield box
    seconds = time.perf_counter() - start
    _, py_peak = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else (0, float("nan"))
    ROWS.append((name, seconds, _rss_peak_mib(), py_peak / 2**20, box["note"]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home")
    ap.add_argument("--first", default="2024Q1")
    ap.add_argument("--last", default="2025Q3")
    ap.add_argument(
        "--trace-python", action="store_true", help="also measure Python allocations (slow)"
    )
    args = ap.parse_args()
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="dxreport-bench-"))
    shutil.rmtree(home, ignore_errors=True)
    periods = periods_between(Period.parse(args.first), Period.parse(args.last))
    if args.trace_python:
        tracemalloc.start()
    total_start = time.perf_counter()

    base = Settings(home=home)
    ensure_workspace(base)
    catalog = workspace_catalog(base)
    with stage("import GX + render stack (one-off)"):
        import great_expectations  # noqa: F401
        import weasyprint  # noqa: F401

    from demo.generator import generate_demo

    with stage("generate demo submissions") as box:
        plan = generate_demo(
            catalog,
            periods,
            home / "demo-source",
            working_days=base.submission_working_days,
            report_day=base.report_due_day,
        )
        n_files = sum(len(r.files) for r in plan.rounds)
        box["note"] = f"{n_files} files"

    parse_times: list[float] = []
    record_times: list[float] = []
    validate_total = collect_total = 0.0
    files_total = 0
    pages_total = 0
    render_total = 0.0

    def intake_round(rnd) -> None:
        nonlocal collect_total, validate_total, files_total
        settings = Settings(home=home, now=rnd.at)
        for i, src in enumerate(rnd.files):
            target = settings.paths.inbox / Path(src).name
            shutil.copyfile(src, target)
            os.utime(target, (1_700_000_000 + i,) * 2)
        times = steps.StepTimes()
        n = f"{len(rnd.files)} files"
        with stage(f"{rnd.period_id} collect+hash", n):
            batch = steps.collect(settings, catalog)
        collect_total += ROWS[-1][1]
        with stage(f"{rnd.period_id} parse", n):
            subs = steps.parse_batch(settings, batch, times)
        with stage(f"{rnd.period_id} validate (1 GX call)", n):
            subs = steps.validate_submissions(settings, catalog, batch, subs)
        validate_total += ROWS[-1][1]
        with stage(f"{rnd.period_id} archive+load+receipt", n):
            steps.record_batch(settings, batch, subs, times)
        parse_times.extend(times.parse.values())
        record_times.extend(times.record.values())
        files_total += len(rnd.files)

    for index, period in enumerate(periods):
        rounds = plan.rounds_for(period.id)
        for rnd in rounds:
            if not rnd.after_report:
                intake_round(rnd)
        settings = Settings(home=home, now=plan.report_at[period.id])
        with stage(f"{period.id} report render") as box:
            result = issue_demo_report(settings, catalog, period, index)  # as the demo does
            box["note"] = (
                f"{result.pages} pages, {result.seconds / max(result.pages, 1) * 1000:.0f} ms/page"
            )
        pages_total += result.pages
        render_total += result.seconds
        for rnd in rounds:
            if rnd.after_report:
                intake_round(rnd)
    total = time.perf_counter() - total_start

    print(
        f"\ndxreport benchmark — {len(periods)} periods ({periods[0]}–{periods[-1]}), {files_total} files, "
        f"{os.cpu_count()} cores, workspace {home}\n"
    )
    print(f"{'stage':<40} {'seconds':>9} {'peak RSS MiB':>13} {'py peak MiB':>12}  note")
    for name, seconds, rss, py, note in ROWS:
        py_text = "-" if py != py else f"{py:.1f}"  # NaN when tracemalloc is off
        print(f"{name:<40} {seconds:>9.3f} {rss:>13.1f} {py_text:>12}  {note}")
    print("\nper file:")
    for label, values in (
        ("parse (file checks + calamine)", parse_times),
        ("archive+load+receipt", record_times),
    ):
        if values:
            print(
                f"  {label:<36} mean {statistics.mean(values) * 1000:7.1f} ms   median "
                f"{statistics.median(values) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms"
            )
    print(f"  {'collect+hash':<36} mean {collect_total / max(files_total, 1) * 1000:7.1f} ms")
    print(
        f"  {'validate (batched GX)':<36} mean {validate_total / max(files_total, 1) * 1000:7.1f} ms"
    )
    print(
        f"report render: {pages_total} pages in {render_total:.2f} s = {render_total / max(pages_total, 1) * 1000:.0f} ms/page"
    )
    print(f"whole run: {total:.1f} s, peak RSS {max(r[2] for r in ROWS):.0f} MiB")


if __name__ == "__main__":
    main()
