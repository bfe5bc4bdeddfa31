"""`dxreport server`: a local Prefect server (UI), every deployment of prefect.yaml, and a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tasks.core.errors import DxError

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORK_POOL = "dxreport"


def _prefect(*args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=PROJECT_DIR,
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )


def wait_healthy(api_url: str, timeout: float = 90.0, proc: subprocess.Popen | None = None) -> None:
    """Wait for the server's health endpoint; give up early if the server process `proc` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (proc is None or proc.poll() is None):
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise DxError(
        "Máy chủ Prefect không khởi động được.",
        "The Prefect server did not start.",
        "Xem nhật ký bằng --verbose.",
        "See the log with --verbose.",
    )


def deploy_all(env: dict) -> None:
    """Create the process work pool if missing and deploy everything in prefect.yaml."""
    _prefect("work-pool", "create", WORK_POOL, "--type", "process", env=env, check=False)
    done = _prefect(
        "--no-prompt",
        "deploy",
        "--all",
        "--prefect-file",
        str(PROJECT_DIR / "prefect.yaml"),
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise DxError(
            "Không triển khai được các deployment từ prefect.yaml.",
            f"Deploying prefect.yaml failed: {done.stderr.strip()[-500:]}",
        )


def run_server(home: str | None, port: int = 4200) -> None:
    env = dict(os.environ)
    api_url = f"http://127.0.0.1:{port}/api"
    env.update(PREFECT_API_URL=api_url, DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if home:
        env["DXREPORT_HOME"] = home
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=PROJECT_DIR,
        env=env,
    )
    worker = None
    try:
        wait_healthy(api_url, proc=server)
        deploy_all(env)
        print(f"Prefect UI: http://127.0.0.1:{port}  (Ctrl-C để dừng / to stop)", flush=True)
        worker = subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", WORK_POOL],
            cwd=PROJECT_DIR,
            env=env,
        )
        worker.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for proc in (worker, server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # a worker ignores SIGTERM for a while
        for proc in (worker, server):
            if proc is not None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
