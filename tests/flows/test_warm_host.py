"""The warm command host of a real `dxreport server` (flows/cli/warm_host.py, host_client.py):
commands run by it give the same output, exit codes, receipts and Prefect runs (with their logs)
as on their own; Ctrl-C reaches the command; a killed command's run ends too; a command whose
code or import-time environment differs from the host's runs on its own; the host stops with the
server. Marked `slow` (a real server); the protocol's helpers are tested without one."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from flows import server_state
from flows.cli import host_client
from tests.flows.test_cli_api import closed_port, command_env, dxreport

ROOT = Path(__file__).resolve().parents[2]
NOW = "2025-09-16T09:00:00+07:00"
RUNNING = re.compile(r"\[(\d+)\] running for pid (\d+): (.*)")


def test_messages_carry_descriptors_and_end_cleanly():
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    read_end, write_end = os.pipe()
    try:
        host_client.send_message(left, {"argv": ["dxreport", "intake"], "ž": "ữ"}, (write_end,))
        message, fds = host_client.receive_message(right, fds=3)
        assert message == {"argv": ["dxreport", "intake"], "ž": "ữ"} and len(fds) == 1
        os.write(fds[0], b"through the passed descriptor")
        assert os.read(read_end, 100) == b"through the passed descriptor"
        os.close(fds[0])
        host_client.send_message(left, {"exit": 2})
        assert host_client.receive_message(right) == ({"exit": 2}, [])
        left.close()
        assert host_client.receive_message(right) == (None, [])
    finally:
        for fd in (read_end, write_end):
            os.close(fd)
        right.close()


def test_what_a_host_compares_with_a_command():
    env = {"PATH": "/bin", "HOME": "/root", "DXREPORT_NOW": NOW, "TERM": "xterm"}
    made = host_client.command_env(env, "http://127.0.0.1:4200/api")
    assert made["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"
    assert made["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] == "CRITICAL"  # quiet, as a command
    seen = host_client.import_env(made)
    assert "PATH" not in seen and "DXREPORT_NOW" not in seen and "TERM" not in seen
    assert seen["HOME"] == "/root" and seen["DO_NOT_TRACK"] == "1"
    with_auth = host_client.command_env({**env, "PREFECT_SERVER_API_AUTH_STRING": "a:b"}, "u")
    assert with_auth["PREFECT_API_AUTH_STRING"] == "a:b"  # the server's credentials, as a client
    assert host_client.code_fingerprint() == host_client.code_fingerprint()


def test_without_a_host_the_command_runs_here(tmp_path, monkeypatch):
    monkeypatch.setenv("DXREPORT_HOME", str(tmp_path / "ws"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert host_client.delegate(verbose=False) is None  # no server
    (tmp_path / "ws").mkdir()
    server_state.write_state(tmp_path / "ws", "http://127.0.0.1:1/api", commands_socket="")
    assert host_client.delegate(verbose=False) is None  # a server without a host
    socket_path = str(tmp_path / "none.sock")
    server_state.write_state(tmp_path / "ws", "http://127.0.0.1:1/api", commands_socket=socket_path)
    assert host_client.delegate(verbose=False) is None  # its API does not answer
    assert host_client._run_in_host(socket_path) is None  # nobody listens there
    assert host_client.delegate(verbose=True) is None
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:1/api")
    assert host_client.delegate(verbose=False) is None


def _api(url: str, method: str, path: str, body: dict | None = None):
    import httpx

    for attempt in range(6):
        response = httpx.request(method, url + path, json=body, timeout=60)
        if response.status_code not in (429, 503):
            break
        time.sleep(1 + attempt)
    assert response.status_code < 300, response.text
    return response.json()


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _listening(path: str) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(path)
        except OSError:
            return False
    return True


@pytest.mark.slow
def test_commands_run_in_the_servers_warm_host(tmp_path):
    from tests.builders import build_workbook

    home = tmp_path / "ws"
    (home / "inbox").mkdir(parents=True)
    env = command_env(tmp_path)
    env.pop("PREFECT_SERVER_API_AUTH_STRING", None)
    env.pop("PREFECT_API_AUTH_STRING", None)
    env["DXREPORT_FILES_PORT"] = "0"
    server = subprocess.Popen(
        [*dxreport(), "server", "--home", str(home), "--port", str(closed_port())],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log = home / ".prefect" / "command-host.log"
    tree: list[psutil.Process] = []

    def command(*args: str, extra: dict | None = None, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*dxreport(), *args, "--home", str(home)],
            cwd=tmp_path,
            env={**env, "DXREPORT_NOW": NOW, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=300,
            **kw,
        )

    def log_text() -> str:
        return log.read_text(encoding="utf-8") if log.exists() else ""

    def report_in_host() -> tuple[subprocess.Popen, int]:
        """A report rendered again, started; once the host runs it: the command and its child."""
        runs_before = len(RUNNING.findall(log_text()))
        started = subprocess.Popen(
            [*dxreport(), "report", "--period", "2025Q3", "--force", "--home", str(home)],
            cwd=tmp_path,
            env={**env, "DXREPORT_NOW": NOW},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for(lambda: len(RUNNING.findall(log_text())) > runs_before, 60, "the report")
        child, client, _ = RUNNING.findall(log_text())[-1]
        assert int(client) == started.pid
        return started, int(child)

    try:
        for line in server.stdout:
            if line.startswith("Cơ sở dữ liệu") or server.poll() is not None:
                break
        state = server_state.read_state(home)
        assert state is not None and state.commands_socket, log_text()
        _wait_for(lambda: _listening(state.commands_socket), 180, "the host to listen")
        tree = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]

        # an intake of a valid and an unreadable workbook, run by the host
        build_workbook(home / "inbox" / "hai-chau.xlsx")
        (home / "inbox" / "hong.xlsx").write_bytes(b"not a workbook")
        done = command("intake", "--json")
        assert done.returncode == 0, done.stderr + log_text()
        result = json.loads(done.stdout)
        assert result["counts"] == {"accepted": 1, "rejected": 1}, result
        assert sorted(r["file"] for r in result["receipts"]) == ["hai-chau.xlsx", "hong.xlsx"]
        assert len(list((home / "receipts").glob("*.json"))) == 2
        assert list((home / "inbox").iterdir()) == []
        served = RUNNING.findall(log_text())
        assert served and served[-1][2].startswith("intake --json --home"), log_text()
        assert "exit code 0" in log_text()
        # its run is in the server, completed, with its log lines
        runs = _api(
            state.api_url,
            "POST",
            "/flow_runs/filter",
            {
                "flows": {"name": {"any_": ["intake"]}},
                "flow_runs": {"deployment_id": {"is_null_": True}},  # not a scheduled one
                "sort": "EXPECTED_START_TIME_DESC",
            },
        )
        assert len(runs) == 1, runs
        assert runs and runs[0]["state"]["type"] == "COMPLETED", runs[:1]
        logs = _api(
            state.api_url,
            "POST",
            "/logs/filter",
            {"logs": {"flow_run_id": {"any_": [runs[0]["id"]]}}},
        )
        assert any("hai-chau.xlsx" in entry["message"] for entry in logs), logs[:5]

        # a usage error: its exit code and its sentence, from the host
        bad = command("report", "--period", "2025Q9")
        assert bad.returncode == 2 and "Kỳ báo cáo không hợp lệ" in bad.stderr, bad.stderr
        assert RUNNING.findall(log_text())[-1][2].startswith("report --period 2025Q9")
        assert "exit code 2" in log_text()

        # an environment that Prefect reads at import differs: refused, run on its own, the same
        alone = command("intake", "--json", extra={"PREFECT_LOGGING_LEVEL": "DEBUG"})
        assert alone.returncode == 0 and json.loads(alone.stdout)["counts"] == {}, alone.stderr
        assert "refused (an environment read at import differs)" in log_text()

        # the project's files changed since the host started: refused
        source = ROOT / "flows" / "cli" / "usage.py"
        before = source.stat()
        os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        try:
            changed = command("intake")
        finally:
            os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert changed.returncode == 0, changed.stderr
        assert "refused (the project's files changed since the host started)" in log_text()

        # Ctrl-C at the command reaches its run in the host
        interrupted, _child = report_in_host()
        time.sleep(0.5)
        interrupted.send_signal(signal.SIGINT)
        out, err = interrupted.communicate(timeout=120)
        assert interrupted.returncode == 1, out + err
        assert "Đã dừng theo yêu cầu" in err, err

        # a command killed with SIGKILL: its run in the host ends too
        killed, child = report_in_host()
        killed.kill()
        killed.communicate(timeout=60)
        _wait_for(lambda: not psutil.pid_exists(child), 30, "the killed command's run")

        # the host stops with the server; its socket goes
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=120)
        time.sleep(0.5)
        assert not [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert not Path(state.commands_socket).exists()
    finally:
        if server.poll() is None:
            server.kill()
        for proc in tree:
            try:
                proc.kill()
            except psutil.Error:
                pass
        server.stdout.close()
