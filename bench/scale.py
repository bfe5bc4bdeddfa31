"""Benchmark of issue 9: dxreport's real command line against the straightforward pipeline, and the
scaling to national size.

    .venv/bin/python bench/scale.py [--sizes 1000,3000,10000] [--no-baseline | --baseline-only]
                                    [--baseline-sizes 1000] [--seed 9] [--keep]

For each size N: the corpus of bench/corpus.py (N synthetic phường/xã, one valid 2025Q3 workbook
each; cached), a fresh workspace (`DXREPORT_HOME`), the units added with `dxreport catalog
add-units`, and the clock (`DXREPORT_NOW`) inside 2025Q3's submission window. Then, each a separate
`.venv/bin/dxreport` process (wall time includes start-up): intake cold; report --period 2025Q3
(draft); intake again with an empty inbox; the same N files sent again (all duplicates); report
again with nothing changed. Then the same steps as operators run them, with `dxreport server` up
(--no-server skips this): a second fresh workspace with the same units and inbox, its server
started and settled (its processes idle: it starts a worker and a file server after the UI is up),
then intake cold, report, the empty intake, the duplicates and the unchanged report; the server's
own start is not in these figures (a service started once), each command's start is. Peak memory:
the sum of the RSS of the process and all its descendants, sampled every 50 ms with psutil (and
the largest single process). The baseline (bench/baseline.py, its own process, same corpus) runs
at the sizes of --baseline-sizes (default 1000).

Prints the side-by-side table, the scaling and the targets of issue 9, and writes the same text
to bench/results/scale-<UTC date-time>.md. Asserts nothing (a loud warning when a file of the
corpus is not accepted).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import DEFAULT_SEED, PERIOD_ID, RECEIVED_AT, corpus_files, ensure_corpus  # noqa: E402

DXREPORT = ROOT / ".venv" / "bin" / "dxreport"
PYTHON = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "results"
SAMPLE_SECONDS = 0.05
MiB = 2**20

TARGET_SPEEDUP = 10.0
TARGET_INTAKE_3000 = 60.0
TARGET_LINEAR = 3.3
TARGET_PEAK_MB = 1000.0
TARGET_RERUN_SHARE = 0.10
TARGET_DUPLICATES = 5.0


@dataclass
class Run:
    seconds: float
    peak_tree: float  # MiB, sum over the process tree
    peak_single: float  # MiB, the largest single process
    rc: int
    out: str
    err: str

    def json(self) -> dict:
        try:
            return json.loads(self.out)
        except ValueError:
            return {}


def measured(
    cmd: list[str], env: dict[str, str], hosts: Callable[[], list[psutil.Process]] | None = None
) -> Run:
    """Run `cmd`, sampling the RSS of its process tree every 50 ms; wall time from spawn to exit.
    `hosts`: processes whose children run commands for it (a `dxreport server`'s warm command host,
    flows/cli/warm_host.py): the command's run is their child, not the command's, and is counted
    with its tree (the host itself, started once with the server, is not)."""
    out_file = tempfile.TemporaryFile()
    err_file = tempfile.TemporaryFile()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=out_file, stderr=err_file, cwd=ROOT)
    peak_tree = peak_single = 0
    try:
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                procs = [root]
            for host in hosts() if hosts else []:
                try:
                    procs += host.children(recursive=True)
                except psutil.Error:
                    pass
            for p in procs:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                peak_single = max(peak_single, rss)
            peak_tree = max(peak_tree, total)
            time.sleep(SAMPLE_SECONDS)
    except psutil.NoSuchProcess:
        pass
    rc = proc.wait()
    seconds = time.perf_counter() - started
    out_file.seek(0)
    err_file.seek(0)
    return Run(
        seconds,
        peak_tree / MiB,
        peak_single / MiB,
        rc,
        out_file.read().decode("utf-8", "replace"),
        err_file.read().decode("utf-8", "replace"),
    )


def base_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DXREPORT_HOME=str(home),
        DXREPORT_NOW=RECEIVED_AT,
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        GX_ANALYTICS_ENABLED="false",
    )
    env.pop("PREFECT_API_URL", None)  # the embedded API, as the operator's default
    return env


def fill_inbox(home: Path, files: list[Path]) -> None:
    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    base = time.time() - len(files) - 10
    for i, src in enumerate(files):
        target = inbox / src.name
        shutil.copyfile(src, target)
        os.utime(target, (base + i, base + i))  # arrival order = the corpus order


class StepFailed(Exception):
    pass


def check(run: Run, what: str) -> None:
    """A failed command ends this size's measurements (the table says so), not the benchmark."""
    if run.rc != 0:
        tail = [line[:400] for line in (run.err or run.out).strip().splitlines()[-3:]]
        raise StepFailed(f"{what} failed (exit {run.rc}): " + " / ".join(tail))


@dataclass
class SizeResult:
    n: int
    runs: dict[str, Run] = field(default_factory=dict)
    counts: dict[str, dict] = field(default_factory=dict)
    pages: int = 0
    home: Path | None = None
    failed: str = ""


REPORT_MAX = 3000  # above this many units only the intake is run (--report-max)
WITH_SERVER = True  # also every step with `dxreport server` running (--no-server: not)
STEPS = [
    ("intake cold", ["intake", "--json"], False),
    ("report", ["report", "--period", PERIOD_ID, "--json"], False),
    ("intake empty", ["intake", "--json"], False),
    ("intake duplicates", ["intake", "--json"], True),
    ("report unchanged", ["report", "--period", PERIOD_ID, "--json"], False),
]
SERVER = ", server"  # the suffix of a step's name measured with `dxreport server` running


def run_dxreport(n: int, corpus: Path, keep: bool, log) -> SizeResult:
    home = Path(tempfile.mkdtemp(prefix=f"dxreport-scale-{n}-"))
    res = SizeResult(n, home=home)
    log(f"[dxreport N={n}] workspace {home}")
    homes = [home]
    try:
        _dxreport_steps(res, corpus, home, log)
        if WITH_SERVER:  # as operators work: a fresh workspace, `dxreport server` up for it
            homes.append(Path(tempfile.mkdtemp(prefix=f"dxreport-scale-{n}-server-")))
            log(f"[dxreport N={n}] workspace with a server {homes[-1]}")
            _dxreport_steps(res, corpus, homes[-1], log, server=True)
    except StepFailed as exc:
        res.failed = str(exc)
        log(f"[dxreport N={n}] !!! {exc}")
    if not keep:
        for folder in homes:
            shutil.rmtree(folder, ignore_errors=True)
    return res


def _dxreport_steps(
    res: SizeResult, corpus: Path, home: Path, log, *, server: bool = False
) -> None:
    """STEPS on a fresh workspace `home`: bare commands, or with `dxreport server` running for it
    (`server`: the steps' names end with SERVER)."""
    files = corpus_files(corpus)
    env = base_env(home)
    run = measured(
        [str(DXREPORT), "catalog", "add-units", str(corpus / "units.csv"), "--json"], env
    )
    check(run, "dxreport catalog add-units")
    res.runs["add-units" + (SERVER if server else "")] = run
    fill_inbox(home, files)
    steps = STEPS
    if res.n > REPORT_MAX:  # national scale: the intake's figures (a 10,000-unit PDF is not one)
        steps = [step for step in steps if not step[0].startswith("report")]
    with contextlib.ExitStack() as stack:
        hosts = None
        if server:
            from bench.startup import Server  # noqa: PLC0415

            up = stack.enter_context(Server(home, env, home.parent / f"{home.name}-server.log"))
            hosts = up.command_hosts
            log(f"[dxreport N={res.n}] server up; its start settled after {up.settled:.1f} s")
        for name, args, refill in steps:
            name += SERVER if server else ""
            if refill:
                fill_inbox(home, files)
            run = measured([str(DXREPORT), *args], env, hosts)
            check(run, f"dxreport {' '.join(args)} ({name})")
            res.runs[name] = run
            data = run.json()
            if "counts" in data:
                res.counts[name] = data["counts"]
            if name == "report":
                res.pages = int(data.get("pages") or 0)
            log(
                f"[dxreport N={res.n}] {name:<26} {run.seconds:8.1f} s  peak "
                f"{run.peak_tree:6.0f} MiB" + (f"  {data['counts']}" if "counts" in data else "")
            )


def run_baseline(n: int, corpus: Path, keep: bool, log) -> tuple[Run, dict]:
    folder = Path(tempfile.mkdtemp(prefix=f"dxreport-baseline-{n}-"))
    env = base_env(folder / "home")
    log(f"[baseline N={n}] in {folder} (about 0.5 s a file)")
    run = measured(
        [str(PYTHON), str(ROOT / "bench" / "baseline.py"), "--corpus", str(corpus), "--home"]
        + [str(folder / "home"), "--json"],
        env,
    )
    try:
        check(run, "bench/baseline.py")
    except StepFailed as exc:
        log(f"[baseline N={n}] !!! {exc}")
        return run, {"failed": str(exc)}
    lines = [line for line in run.out.strip().splitlines() if line.startswith("{")]
    stages = json.loads(lines[-1]) if lines else {}
    log(f"[baseline N={n}] {run.seconds:.1f} s: {stages}")
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return run, stages


def accepted(counts: dict) -> int:
    return int(counts.get("accepted", 0)) + int(counts.get("accepted_with_warnings", 0))


def fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f} s"


def end_to_end(res: SizeResult | None, suffix: str = "") -> float | None:
    """Intake cold + report, bare (`suffix` "") or with the server (SERVER)."""
    if res is None or "report" + suffix not in res.runs:
        return None
    return res.runs["intake cold" + suffix].seconds + res.runs["report" + suffix].seconds


def unchanged_rerun(res: SizeResult | None, suffix: str = "") -> float | None:
    """Empty intake + unchanged report, bare or with the server (like the cold run it is put
    against)."""
    if res is None or "report unchanged" + suffix not in res.runs:
        return None
    return res.runs["intake empty" + suffix].seconds + res.runs["report unchanged" + suffix].seconds


def size_section(
    n: int, res: SizeResult | None, base: tuple[Run, dict] | None, problems: list[str]
) -> list[str]:
    """The table and notes of one size: the baseline, dxreport bare and with its server."""
    out: list[str] = []
    w = out.append
    w("")
    w(f"## {n:,} units")
    w("")
    has_server = res is not None and "intake cold" + SERVER in res.runs
    if has_server:
        w("| stage | straightforward pipeline | dxreport | with `dxreport server` running |")
        w("|---|---:|---:|---:|")
    else:
        w("| stage | straightforward pipeline | dxreport |")
        w("|---|---:|---:|")
    bstages = base[1] if base else {}
    brun = base[0] if base else None
    b_e2e = brun.seconds if brun else None

    def d(name: str, res: SizeResult | None = res) -> Run | None:
        return res.runs.get(name) if res else None

    def cell(r: Run | None) -> str:
        if r is None:
            return "—"
        return f"{r.seconds:.1f} s (peak {r.peak_tree:.0f} MiB [{r.peak_single:.0f}])"

    def row(stage: str, baseline: str, name: str, fmt: Callable[[str], str] | None = None) -> None:
        """One line: the baseline's cell, then step `name` bare and with the server."""
        fmt = fmt or (lambda key: cell(d(key)))
        cells = [fmt(name)] + ([fmt(name + SERVER)] if has_server else [])
        w(f"| {stage} | {baseline} | {' | '.join(cells)} |")

    def e2e_cell(suffix: str) -> str:
        t = end_to_end(res, suffix)
        if t is None:
            return "—"
        return f"{t:.1f} s" + (f" ({b_e2e / t:.1f}× faster)" if b_e2e else "")

    def rerun_cell(suffix: str) -> str:
        t, cold = unchanged_rerun(res, suffix), end_to_end(res, suffix)
        if t is None or cold is None:
            return "—"
        return f"{t:.1f} s = {t / cold:.0%} of the cold end to end"

    b_intake = bstages.get("intake_seconds")
    b_report = bstages.get("report_seconds")
    row("intake, cold", fmt_s(b_intake), "intake cold")
    b_pages = f" ({bstages.get('pages')} pages)" if bstages.get("pages") else ""
    d_pages = f" ({res.pages} pages)" if res and res.pages else ""
    row("report (draft)", fmt_s(b_report) + b_pages, "report", lambda k: cell(d(k)) + d_pages)
    b_peak = f" (peak {brun.peak_tree:.0f} MiB)" if brun else ""
    row("end to end", f"{fmt_s(b_e2e)}{b_peak}", "", e2e_cell)
    row("intake again, empty inbox", "—", "intake empty")
    row(f"the same {n:,} files sent again (all duplicates)", "—", "intake duplicates")
    row("report again, nothing changed", "—", "report unchanged")
    row("unchanged rerun (empty intake + unchanged report)", "—", "", rerun_cell)
    if bstages:
        w("")
        w(
            "baseline stages: "
            + ", ".join(
                f"{k.removesuffix('_seconds')} {v:.1f} s"
                for k, v in bstages.items()
                if k.endswith("_seconds")
            )
            + f"; process wall {brun.seconds:.1f} s; accepted {bstages.get('valid')} of "
            f"{bstages.get('files')} by its GX checks"
            if brun
            else ""
        )
    if res:
        cold = res.counts.get("intake cold", {})
        dup = res.counts.get("intake duplicates", {})
        ok = accepted(cold)
        w("")
        w(
            f"sanity: intake cold accepted {ok} of {n} files {cold}; the re-sent files: {dup}; "
            f"catalog add-units {res.runs['add-units'].seconds:.1f} s"
        )
        if ok != n:
            problems.append(f"N={n}: only {ok} of {n} files accepted at cold intake {cold}")
        if int(dup.get("duplicate", 0)) != n:
            problems.append(f"N={n}: {dup.get('duplicate', 0)} of {n} re-sent files duplicate")
        if cold.get("accepted_with_warnings"):
            w(f"({cold['accepted_with_warnings']} accepted with warnings)")
        if "intake cold" + SERVER in res.counts:
            cold = res.counts["intake cold" + SERVER]
            dup = res.counts.get("intake duplicates" + SERVER, {})
            w(f"with the server: intake cold {cold}; the re-sent files: {dup}")
            if accepted(cold) != n:
                problems.append(f"N={n}, server: {accepted(cold)} of {n} files accepted {cold}")
            if int(dup.get("duplicate", 0)) != n:
                problems.append(f"N={n}, server: {dup.get('duplicate', 0)} of {n} duplicate")
    return out


def report_text(
    sizes: list[int],
    results: dict[int, SizeResult],
    baselines: dict[int, tuple[Run, dict]],
    seed: int,
) -> str:
    out: list[str] = []
    w = out.append
    w(f"# dxreport scale benchmark (issue 9) — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    w("")
    w(
        f"{os.cpu_count()} cores, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"at the end; corpus seed {seed}; clock {RECEIVED_AT}; each dxreport figure is one "
        f"process (start-up included); peak = sum of RSS over the process tree (largest single "
        f"process in brackets)."
    )
    problems = [f"N={r.n}: {r.failed}" for r in results.values() if r.failed]
    problems += [
        f"baseline N={n}: {b[1]['failed']}" for n, b in baselines.items() if "failed" in b[1]
    ]
    results = {n: r for n, r in results.items() if not r.failed}
    baselines = {n: b for n, b in baselines.items() if "failed" not in b[1]}
    for n in sorted(set(results) | set(baselines)):  # complete runs only
        out += size_section(n, results.get(n), baselines.get(n), problems)
    if len(results) > 0:
        w("")
        w("## Scaling: intake, cold")
        w("")
        w("| units | seconds | files/s | peak RSS (tree) | largest process | t(N)/t(1,000) |")
        w("|---:|---:|---:|---:|---:|---:|")
        t1000 = results[1000].runs["intake cold"].seconds if 1000 in results else None
        for n in sorted(results):
            r = results[n].runs["intake cold"]
            rel = f"{r.seconds / t1000:.2f}" if t1000 else "—"
            w(
                f"| {n:,} | {r.seconds:.1f} | {n / r.seconds:.1f} | {r.peak_tree:.0f} MiB | "
                f"{r.peak_single:.0f} MiB | {rel} |"
            )
    w("")
    w("## Targets (issue 9)")
    w("")

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    for n in sorted(set(results) & set(baselines)):
        r = results[n]
        e2e = end_to_end(r)
        if e2e is None:
            continue
        x = baselines[n][0].seconds / e2e
        w(
            f"- end to end vs baseline at {n:,}: {x:.1f}× (target ≥ {TARGET_SPEEDUP:.0f}×): {verdict(x >= TARGET_SPEEDUP)}"
        )
        e2e = end_to_end(r, SERVER)
        if e2e is not None:
            x = baselines[n][0].seconds / e2e
            w(
                f"  with `dxreport server` running (its own start not counted): {x:.1f}×: {verdict(x >= TARGET_SPEEDUP)}"
            )
    if 3000 in results:
        t = results[3000].runs["intake cold"].seconds
        w(
            f"- 3,000 intake cold: {t:.1f} s (target ≤ {TARGET_INTAKE_3000:.0f} s): {verdict(t <= TARGET_INTAKE_3000)}"
        )
        if 1000 in results:
            q = t / results[1000].runs["intake cold"].seconds
            w(
                f"- t(3,000)/t(1,000): {q:.2f} (target ≤ {TARGET_LINEAR}): {verdict(q <= TARGET_LINEAR)}"
            )
    for n, r in sorted(results.items()):
        peak = max(run.peak_tree for name, run in r.runs.items() if name.startswith("intake"))
        w(
            f"- intake peak RSS at {n:,} (process tree): {peak:.0f} MiB (target ≤ 1 GB = {TARGET_PEAK_MB:.0f} MB ≈ {TARGET_PEAK_MB * 1e6 / MiB:.0f} MiB): {verdict(peak * MiB <= TARGET_PEAK_MB * 1e6)}"
        )
        if "report" in r.runs:
            w(f"  (the report's peak at {n:,}: {r.runs['report'].peak_tree:.0f} MiB; not a target)")
    for n, r in sorted(results.items()):
        for suffix in ("", SERVER):
            rerun, cold = unchanged_rerun(r, suffix), end_to_end(r, suffix)
            if rerun is None or cold is None:
                continue
            share = rerun / cold
            if suffix:
                w(
                    f"  with `dxreport server` running: {share:.0%} of its cold end to end: {verdict(share <= TARGET_RERUN_SHARE)}"
                )
            else:
                w(
                    f"- unchanged rerun at {n:,}: {share:.0%} of cold (target ≤ {TARGET_RERUN_SHARE:.0%}): {verdict(share <= TARGET_RERUN_SHARE)}"
                )
    if 1000 in results:
        t = results[1000].runs["intake duplicates"].seconds
        w(
            f"- 1,000 duplicates re-sent: {t:.1f} s (target ≤ {TARGET_DUPLICATES:.0f} s): {verdict(t <= TARGET_DUPLICATES)}"
        )
        if "intake duplicates" + SERVER in results[1000].runs:
            t = results[1000].runs["intake duplicates" + SERVER].seconds
            w(f"  with `dxreport server` running: {t:.1f} s: {verdict(t <= TARGET_DUPLICATES)}")
    if problems:
        w("")
        w(
            "## !!! WARNING: A RUN FAILED OR THE CORPUS WAS NOT FULLY ACCEPTED — CHECK THE FIGURES !!!"
        )
        for p in problems:
            w(f"- {p}")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="1000,3000,10000", help="units, comma-separated")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--baseline-only", action="store_true")
    ap.add_argument(
        "--baseline-sizes", default="1000", help="sizes (among --sizes) that also run the baseline"
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--keep", action="store_true", help="keep the workspaces (paths printed)")
    ap.add_argument(
        "--no-server", action="store_true", help="skip the steps with `dxreport server` running"
    )
    ap.add_argument(
        "--report-max",
        type=int,
        default=REPORT_MAX,
        help="largest size whose report is rendered (larger: intake only)",
    )
    args = ap.parse_args()
    globals()["REPORT_MAX"] = args.report_max  # one knob for run_dxreport
    globals()["WITH_SERVER"] = not args.no_server
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    with_baseline = (
        set()
        if args.no_baseline
        else {int(s) for s in args.baseline_sizes.split(",") if s.strip()} & set(sizes)
    )

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    results: dict[int, SizeResult] = {}
    baselines: dict[int, tuple[Run, dict]] = {}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"scale-{datetime.now(UTC):%Y%m%d-%H%M}.md"
    for n in sizes:
        corpus = ensure_corpus(n, args.seed)
        if n in with_baseline:
            baselines[n] = run_baseline(n, corpus, args.keep, log)
        if not args.baseline_only:
            results[n] = run_dxreport(n, corpus, args.keep, log)
        # the table so far, after every size: a long run stopped midway keeps what it measured
        path.write_text(report_text(sizes, results, baselines, args.seed), encoding="utf-8")
    text = report_text(sizes, results, baselines, args.seed)
    print(text)
    path.write_text(text, encoding="utf-8")
    print(f"(written to {path.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
