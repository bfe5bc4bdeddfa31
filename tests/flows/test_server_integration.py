"""A real `prefect server`: deploy everything from prefect.yaml, run the intake deployment on a
process worker, and check the workspace it wrote. Slow (starts a server): marked `slow`."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
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
            proc.wait(30)
        log.close()


def _api(env, method, path, **kw):
    """One call to the server's REST API. Retries what Prefect's own client retries: 503 (the
    server's answer when SQLite is locked by another writer, as on a loaded CI machine) and 429."""
    import httpx

    for attempt in range(6):
        response = httpx.request(method, env["PREFECT_API_URL"] + path, timeout=60, **kw)
        if response.status_code not in (429, 503):
            break
        time.sleep(1 + attempt)
    return response


def _tail(path: Path, size: int = 4000) -> str:
    """The end of a log, for an assertion's message."""
    return path.read_text(encoding="utf-8", errors="replace")[-size:] if path.exists() else ""


def _deployment(env, name):
    response = _api(env, "GET", f"/deployments/name/{name}")
    assert response.status_code == 200, response.text
    return response.json()


def _create_run(env, deployment, parameters):
    return _api(
        env,
        "POST",
        f"/deployments/{deployment['id']}/create_flow_run",
        json={"parameters": parameters},
    )


def _wait_state(env, run_id, wanted, timeout=300):
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        run = _api(env, "GET", f"/flow_runs/{run_id}").json()
        state = run["state"]["type"]
        if state in wanted:
            return run
        time.sleep(1)
    raise AssertionError(f"run {run_id} stayed {state}, wanted {wanted}")


def _artifact_keys(env, run_id):
    found = _api(
        env, "POST", "/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [run_id]}}}
    ).json()
    return {a["key"] for a in found if a.get("key")}


def test_deploy_from_prefect_yaml_run_intake_and_sign_off_a_report(server, tmp_path):
    env = dict(server)
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
    # the step `dxreport server` runs after deploying: workspace, strict forms, calendar schedules
    env["DXREPORT_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-m", "flows.deployments"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr

    # the form the server stores: Vietnamese, no home, a period pattern, no unknown keys
    report = _deployment(env, "quarterly-report/quarterly-report")
    schema = report["parameter_openapi_schema"]
    assert "home" not in schema["properties"] and schema["additionalProperties"] is False
    assert schema["properties"]["period"]["title"] == "Kỳ báo cáo (vd 2025Q3)"
    assert schema["properties"]["period"]["pattern"] == "^\\d{4}Q[1-4]$"
    assert report["enforce_parameter_schema"] is True
    assert report["job_variables"]["env"]["DXREPORT_HOME"] == str(home)
    refused = _create_run(env, report, {"period": "2025Q9"})
    assert refused.status_code == 409 and "period" in refused.text
    assert _create_run(env, report, {"peroid": "2025Q3"}).status_code == 409
    # the draft's schedule: the 20th, or the next working day (never a weekend)
    schedules = _api(env, "GET", f"/deployments/{report['id']}/schedules").json()
    assert len(schedules) == 1 and "RDATE" in schedules[0]["schedule"]["rrule"]

    intake = _deployment(env, "intake/intake")
    worker_log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", "dxreport"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    try:
        # a new workspace: the intake of a deployment refuses a home that is not one
        created = _create_run(env, intake, {"now": "2025-09-16T08:00:00+07:00"})
        assert created.status_code == 201, created.text
        failed = _wait_state(env, created.json()["id"], {"FAILED", "COMPLETED", "CRASHED"})
        assert failed["state"]["type"] == "FAILED"
        assert "Không có workspace dxreport" in failed["state"]["message"]
        assert "Traceback" not in failed["state"]["message"]
        subprocess.run(  # the command line creates the workspace (first use)
            [
                sys.executable,
                "-m",
                "flows.cli",
                "status",
                "--period",
                "2025Q3",
                "--home",
                str(home),
            ],
            cwd=ROOT,
            env={k: v for k, v in env.items() if k != "PREFECT_API_URL"},
            capture_output=True,
            timeout=300,
        )
        assert (home / "catalog").is_dir()

        created = _create_run(env, intake, {"now": "2025-09-16T08:00:00+07:00"})
        run = _wait_state(env, created.json()["id"], {"COMPLETED", "FAILED", "CRASHED"})
        assert run["state"]["type"] == "COMPLETED", (tmp_path / "worker.log").read_text()
        assert run["name"].startswith("intake-2025Q3-20250916-0800")
        receipts = sorted((home / "receipts").glob("*.json"))
        receipt = json.loads(receipts[0].read_text(encoding="utf-8"))
        assert receipt["unit"] == "P_HAI_CHAU" and receipt["version"] == 1
        assert not list((home / "inbox").iterdir())

        params = {
            "period": "2025Q3",
            "final": True,
            "now": "2025-09-19T10:00:00+07:00",
            "signer": "Trần Văn Minh",
            "unit_pages": False,
        }
        # rejected once: the draft stays, the reason is stored
        first = _create_run(env, report, params).json()
        paused = _wait_state(env, first["id"], {"PAUSED", "FAILED", "CRASHED"})
        assert paused["state"]["type"] == "PAUSED", (tmp_path / "worker.log").read_text()
        assert paused["name"] == "report-2025Q3-final"
        reason = "Cần kiểm tra lại số tin bài"
        bad = _api(
            env,
            "POST",
            f"/flow_runs/{first['id']}/resume",
            json={"run_input": {"approve": False, "reviewer": "Lê Thị Duyệt"}},
        )
        assert bad.json().get("status") != "ACCEPT"  # a rejection without a reason is refused
        answered = _api(
            env,
            "POST",
            f"/flow_runs/{first['id']}/resume",
            json={"run_input": {"approve": False, "reviewer": "Lê Thị Duyệt", "reason": reason}},
        )
        assert answered.status_code < 300 and answered.json()["status"] == "ACCEPT", (
            f"{answered.status_code} {answered.text}\n{_tail(tmp_path / 'server.log')}"
        )
        done_run = _wait_state(env, first["id"], {"COMPLETED", "FAILED", "CRASHED"})
        assert done_run["state"]["type"] == "COMPLETED"
        folder = home / "reports" / "2025Q3"
        assert sorted(p.name for p in folder.glob("*.pdf")) == ["bao-cao-2025Q3-du-thao.pdf"]
        assert {"report-2025q3-draft", "report-2025q3-sign-off"} <= _artifact_keys(env, first["id"])

        # approved: the final report, its number from the register, the period locked
        second = _create_run(env, report, params).json()
        _wait_state(env, second["id"], {"PAUSED"})
        answered = _api(
            env,
            "POST",
            f"/flow_runs/{second['id']}/resume",
            json={"run_input": {"approve": True, "reviewer": "Lê Thị Duyệt"}},
        )
        assert answered.status_code < 300 and answered.json()["status"] == "ACCEPT", (
            f"{answered.status_code} {answered.text}\n{_tail(tmp_path / 'server.log')}"
        )
        done_run = _wait_state(env, second["id"], {"COMPLETED", "FAILED", "CRASHED"})
        assert done_run["state"]["type"] == "COMPLETED", (tmp_path / "worker.log").read_text()
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["doc_number"].startswith("Số: 1/BC-")
        assert manifest["sign_off"]["reviewer"] == "Lê Thị Duyệt"
        assert manifest["sign_off"]["source"] == "ui"
        assert manifest["sign_off"]["flow_run_id"] == second["id"]
        assert (folder / "bao-cao-2025Q3.pdf").exists()
        assert {"report-2025q3-final", "report-2025q3-final-pdf"} <= _artifact_keys(
            env, second["id"]
        )
        con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
        try:
            decisions = con.execute(
                "SELECT approved, reason, source FROM report_decisions ORDER BY decision_no"
            ).fetchall()
            locks = con.execute("SELECT period_id FROM period_locks").fetchall()
        finally:
            con.close()
        assert decisions == [(False, reason, "ui"), (True, None, "ui")]
        assert locks == [("2025Q3",)]
    finally:
        worker.send_signal(2)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(30)
        worker_log.close()
    shutil.rmtree(home)
