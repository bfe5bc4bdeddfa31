"""A real `prefect server`: deploy everything from prefect.yaml, run the intake deployment on a
process worker, and check the workspace it wrote. Slow (starts a server): marked `slow`."""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from flows.server import wait_healthy
from tasks.core.errors import DxError
from tests.builders import build_workbook

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
FLOW_RUN_STATES = """
import asyncio, json
from prefect.client.orchestration import get_client

async def main():
    async with get_client() as client:
        runs = await client.read_flow_runs()
        out = []
        for run in runs:
            deployment = await client.read_deployment(run.deployment_id)
            out.append([deployment.name, run.state.type.value])
        print(json.dumps(out))

asyncio.run(main())
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prefect(env, *args, timeout=180, check=True):
    done = subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = dict(os.environ)
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    log = open(tmp_path / "server.log", "w")
    proc = subprocess.Popen(
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
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        try:
            wait_healthy(f"http://127.0.0.1:{port}/api", timeout=120, proc=proc)
        except DxError:
            raise AssertionError((tmp_path / "server.log").read_text()) from None
        yield env
    finally:
        proc.send_signal(2)  # SIGINT
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_deploy_from_prefect_yaml_and_run_intake(server, tmp_path):
    env = server
    home = tmp_path / "ws"
    (home / "inbox").mkdir(parents=True)
    build_workbook(
        home / "inbox" / "2025Q3_P_HAI_CHAU.xlsx", unit_code="P_HAI_CHAU", period="2025Q3"
    )
    _prefect(env, "work-pool", "create", "dxreport", "--type", "process")
    out = _prefect(
        env, "--no-prompt", "deploy", "--all", "--prefect-file", str(ROOT / "prefect.yaml")
    )
    for name in ("intake", "quarterly-report", "make-templates", "demo"):
        assert name in out.stdout
    run = _prefect(
        env,
        "deployment",
        "run",
        "intake/intake",
        "--param",
        f"home={home}",
        "--param",
        "now=2025-09-16T08:00:00+07:00",
    )
    assert "intake" in run.stdout
    # a worker started with --run-once polls once; the run may not be in the pool's queue at that
    # instant (a long-running worker would poll again): poll up to three times
    for _ in range(3):
        worker = _prefect(
            env, "worker", "start", "--pool", "dxreport", "--run-once", timeout=300, check=False
        )
        if list((home / "receipts").glob("*.json")):
            break
    receipts = sorted((home / "receipts").glob("*.json"))
    assert receipts, worker.stdout + worker.stderr
    receipt = json.loads(receipts[0].read_text(encoding="utf-8"))
    assert receipt["unit"] == "P_HAI_CHAU" and receipt["version"] == 1
    assert receipt["status"] in ("accepted", "accepted_with_warnings")
    assert not list((home / "inbox").iterdir())
    check = subprocess.run(
        [sys.executable, "-c", FLOW_RUN_STATES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    runs = json.loads(check.stdout.strip().splitlines()[-1])
    assert [r for r in runs if r[1] != "SCHEDULED"] == [["intake", "COMPLETED"]], check.stderr
    assert {"intake", "quarterly-report", "make-templates"} <= {
        r[0] for r in runs
    }  # schedules are live
    shutil.rmtree(home)
