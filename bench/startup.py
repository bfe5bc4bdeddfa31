"""Benchmark: how long `dxreport` takes to start, as a person at a terminal sees it.

    .venv/bin/python bench/startup.py [--runs 3]

Wall time of `dxreport intake` on an empty inbox without a server (a temporary Prefect API is
started and stopped by the command), the same with a running `dxreport server` for the workspace,
`dxreport status` and `dxreport --help`; each the median of --runs runs, after one warm-up run.
Everything runs in a temporary workspace with its own Prefect home (database); the server is
started on a free loopback port (measured once its start has settled: `settle`) and stopped
(SIGINT) at the end, nothing is left running.
Figures are printed, never asserted (targets: intake <= 15 s without a server, <= 3 s with one;
status <= 1 s).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE_FILE = (
    ".dxreport-server.json"  # flows.server_state.STATE_FILE (not imported: keep this light)
)


def dxreport() -> list[str]:
    script = Path(sys.executable).with_name("dxreport")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flows.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed(args: list[str], env: dict, expect: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [*dxreport(), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0 or expect not in done.stdout:
        raise SystemExit(
            f"dxreport {' '.join(args)} failed (exit {done.returncode}):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return seconds


def median_of(runs: int, args: list[str], env: dict, expect: str) -> tuple[float, list[float]]:
    timed(args, env, expect)  # warm-up (first use of the workspace and of the Prefect database)
    times = [timed(args, env, expect) for _ in range(runs)]
    return statistics.median(times), times


def settle(
    pid: int, idle_share: float = 0.1, window: float = 1.0, limit: float = 60.0, calm: int = 3
) -> float:
    """Wait until the process tree of `pid` is idle (under `idle_share` of one core over `window`
    seconds, `calm` windows in a row; at most `limit` seconds) and return the seconds waited. After
    "Prefect UI:" the server still starts its worker and file server for several seconds (a
    Prefect import each, on 2 cores): a command measured then would measure that start, not a
    rerun against the server operators keep running. Three quiet seconds in a row are asked for, a
    safer sign than one (05/12/2026 05:29: the server "settled" after 3.0 s, then the first empty
    intake against it took 4.0 s instead of 1.5-2.0 s; the cause was not found)."""
    import psutil

    started = time.monotonic()
    root = psutil.Process(pid)
    quiet = 0
    while time.monotonic() - started < limit:
        try:
            procs = [root, *root.children(recursive=True)]
            before = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
            time.sleep(window)
            after = sum(p.cpu_times().user + p.cpu_times().system for p in procs if p.is_running())
        except psutil.Error:
            continue
        quiet = quiet + 1 if after - before < idle_share * window else 0
        if quiet >= calm:
            break
    return time.monotonic() - started


class Server:
    """`dxreport server` for the workspace, in its own process group (stopped as a person would)."""

    def __init__(self, home: Path, env: dict, log: Path):
        self.home, self.env, self.log_path = home, env, log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        self.log = open(self.log_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*dxreport(), "server", "--home", str(self.home), "--port", str(free_port())],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 600
        assert self.proc.stdout is not None
        for line in self.proc.stdout:  # "Prefect UI: …" once deployed and serving
            if line.startswith("Prefect UI:") or time.monotonic() > deadline:
                break
        if self.proc.poll() is not None or not (self.home / STATE_FILE).exists():
            self.__exit__()
            raise SystemExit(f"dxreport server did not start; see {self.log_path}")
        self.settled = settle(self.proc.pid)
        return self

    def command_hosts(self) -> list:
        """The server's warm command host (flows/cli/warm_host.py), whose children run the commands
        of its workspace; [] when it has none."""
        import psutil

        try:
            children = psutil.Process(self.proc.pid).children() if self.proc else []
            return [p for p in children if "flows.cli.warm_host" in " ".join(p.cmdline())]
        except psutil.Error:
            return []

    def __exit__(self, *exc) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        try:  # anything of its process group still alive (server, worker): gone
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if proc.stdout:
            proc.stdout.close()
        self.log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    n = args.runs
    empty = "Hộp thư trống"
    rows: list[tuple[str, float, list[float], str]] = []
    with tempfile.TemporaryDirectory(prefix="dxreport-startup-") as tmp:
        home = Path(tmp) / "ws"
        env = dict(os.environ)
        env.pop("PREFECT_API_URL", None)
        env.update(
            PREFECT_HOME=str(Path(tmp) / "prefect-home"),
            DO_NOT_TRACK="1",
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
        )
        intake = ["intake", "--home", str(home)]
        print(
            f"dxreport start-up, median of {n} runs (machine: {os.cpu_count()} CPUs) …", flush=True
        )
        rows.append(
            (
                "intake, hộp thư trống, không máy chủ / empty inbox, no server",
                *median_of(n, intake, env, empty),
                "≤ 15 s",
            )
        )
        with Server(home, env, Path(tmp) / "server.log"):
            rows.append(
                (
                    "intake, hộp thư trống, có máy chủ / empty inbox, server running",
                    *median_of(n, intake, env, empty),
                    "≤ 3 s",
                )
            )
        status = ["status", "--period", "2025Q3", "--home", str(home)]
        rows.append(("status --period 2025Q3", *median_of(n, status, env, "2025Q3"), "≤ 1 s"))
        rows.append(("--help", *median_of(n, ["--help"], env, "intake"), ""))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'figure':<{width}}  {'median':>8}  {'runs (s)':<22}  target")
    print("-" * (width + 44))
    for name, median, times, target in rows:
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"{name:<{width}}  {median:>7.2f}s  {runs:<22}  {target}")


if __name__ == "__main__":
    main()
