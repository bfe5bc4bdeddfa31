"""Which Prefect API a verb uses and how it starts: the unreachable-server hint, the state file of
a running `dxreport server`, the progress bars, and real starts as a subprocess (on a busy machine;
against a running server)."""

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from flows import server as srv
from flows import server_state
from flows.cli import api, main, verbs

ROOT = Path(__file__).resolve().parents[2]
EMPTY_INBOX = "Hộp thư trống"


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def health_api():
    """A stand-in API whose `/health` answers 200 (any prefix)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path.endswith("/health")
            self.send_response(200 if ok else 404)
            self.end_headers()
            self.wfile.write(b"true" if ok else b"")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api"
    finally:
        httpd.shutdown()
        httpd.server_close()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def command_env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    for key in ("PREFECT_API_URL", "DXREPORT_HOME", "DXREPORT_NOW"):
        env.pop(key, None)
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    return env


def dxreport() -> list[str]:
    script = Path(sys.executable).with_name("dxreport")
    return [str(script)] if script.exists() else [sys.executable, "-m", "flows.cli"]


# --- PREFECT_API_URL set, nobody answers ----------------------------------------------------------
def test_unreachable_api_exits_1_naming_the_address(tmp_path, monkeypatch, capsys):
    url = f"http://127.0.0.1:{closed_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)

    def no_flow(verb):
        raise AssertionError("a flow was started before the API was checked")

    monkeypatch.setattr(verbs, "_flow", no_flow)
    assert main(["intake", "--home", str(tmp_path / "ws")]) == 1
    err = capsys.readouterr().err
    vi, en = err.strip().splitlines()
    assert url in vi and url in en and en.startswith("[EN]")
    assert "dxreport server --home" in vi and "bỏ biến PREFECT_API_URL" in vi
    assert "unset PREFECT_API_URL" in en and "Traceback" not in err


def test_unreachable_api_as_a_command(tmp_path):
    env = command_env(tmp_path)
    url = f"http://127.0.0.1:{closed_port()}/api"
    env["PREFECT_API_URL"] = url
    done = subprocess.run(
        [*dxreport(), "report", "--home", str(tmp_path / "ws")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and url in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


# --- the state file of a running `dxreport server` ------------------------------------------------
def test_state_file_round_trip(tmp_path):
    path = server_state.write_state(tmp_path, "http://127.0.0.1:4200/api", pid=4321)
    assert path == tmp_path / server_state.STATE_FILE
    state = server_state.read_state(tmp_path)
    assert (state.api_url, state.pid) == ("http://127.0.0.1:4200/api", 4321) and state.started_at
    server_state.remove_state(tmp_path, pid=1234)  # another server's file: kept
    assert path.exists()
    server_state.remove_state(tmp_path, pid=4321)
    assert not path.exists()
    server_state.remove_state(tmp_path)  # nothing to remove: no error


def test_a_stale_state_file_is_ignored_and_removed(tmp_path, health_api):
    server_state.write_state(tmp_path, health_api, pid=dead_pid())
    assert server_state.live_server(tmp_path) is None
    assert not server_state.state_path(tmp_path).exists()


def test_a_live_server_must_answer(tmp_path, health_api):
    server_state.write_state(tmp_path, health_api)  # this process: alive
    assert server_state.live_server(tmp_path).api_url == health_api
    server_state.write_state(tmp_path, f"http://127.0.0.1:{closed_port()}/api")
    assert server_state.live_server(tmp_path) is None
    assert server_state.state_path(
        tmp_path
    ).exists()  # its process is alive: the file is its own to remove


def test_a_broken_state_file_is_removed(tmp_path):
    server_state.state_path(tmp_path).write_text("{not json", encoding="utf-8")
    assert (
        server_state.live_server(tmp_path) is None
        and not server_state.state_path(tmp_path).exists()
    )


def test_which_api(tmp_path, health_api, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert api.choose_api(tmp_path, prefect_loaded=False).mode == "temporary"
    server_state.write_state(tmp_path, health_api)
    choice = api.choose_api(tmp_path, prefect_loaded=False)
    assert (choice.mode, choice.api_url) == ("workspace", health_api)
    choice.start()
    assert os.environ["PREFECT_API_URL"] == health_api  # set before Prefect is imported
    other = health_api.replace("/api", "/other/api")
    monkeypatch.setenv("PREFECT_API_URL", other)  # set explicitly: wins
    assert (api.choose_api(tmp_path).mode, api.choose_api(tmp_path).api_url) == ("env", other)
    monkeypatch.delenv("PREFECT_API_URL")
    assert api.choose_api(tmp_path, prefect_loaded=True).mode == "embedded"  # the host decides


def test_the_server_refuses_a_second_start(tmp_path, health_api):
    server_state.write_state(tmp_path, health_api)
    with pytest.raises(srv.DxError) as err:
        srv.run_server(str(tmp_path), port=closed_port())
    assert health_api in err.value.message_vi and "already running" in err.value.message_en


# --- progress bars ----------------------------------------------------------------------------------
def test_progress_bars_follow_the_events():
    from rich.console import Console

    from flows.cli.progress_bars import RichListener
    from tasks.core import progress

    listener = RichListener(Console(file=io.StringIO(), force_terminal=True, width=100))
    with listener.progress, progress.listening(listener):
        progress.start("parse", 2, "Đọc tệp / reading files")
        progress.advance("parse", "a.xlsx")
        progress.advance("parse", "b.xlsx")
        progress.finish("parse")
        progress.advance("record", "a.xlsx")  # a stage never started still gets its bar
        bars = {t.description: t for t in listener.progress.tasks}
        parse = bars["Đọc tệp / reading files"]
        assert (parse.completed, parse.total, parse.fields["label"]) == (2, 2, "b.xlsx")
        assert parse.finished and bars["record"].completed == 1
        progress.start("parse", 5, "Đọc tệp / reading files")  # the stage again: the same bar
        assert len(listener.progress.tasks) == 2
        assert (parse.completed, parse.total) == (0, 5)
    progress.advance("parse", "c.xlsx")  # nobody listens any more
    assert parse.completed == 0


def test_progress_bars_only_for_a_person_at_a_terminal(monkeypatch):
    from flows.cli.progress_bars import wanted

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert wanted(json_out=False) and not wanted(json_out=True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not wanted(json_out=False)


# --- real starts -------------------------------------------------------------------------------------
def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.slow
def test_intake_starts_on_a_busy_machine(tmp_path):
    """Two busy CPUs, a fresh Prefect database: the temporary API still starts (no 20 s limit)."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    proc = None
    try:
        proc = subprocess.Popen(
            [*dxreport(), "intake", "--home", str(tmp_path / "ws")],
            cwd=ROOT,
            env=command_env(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err
        assert EMPTY_INBOX in out and "Traceback" not in err
        assert _group_gone(proc.pid)  # its temporary API stopped with it
    finally:
        for p in busy:
            p.kill()
            p.wait()
        if proc is not None and not _group_gone(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)


def _post(url: str, body: dict) -> list:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _heartbeats(api_url: str, wanted: str, timeout: float = 60) -> set[str]:
    """The flow runs (resource ids) the server has heartbeat events of, once it has one of the run
    `wanted` (events are stored a moment after they are sent)."""
    deadline = time.monotonic() + timeout
    found: set[str] = set()
    while time.monotonic() < deadline:
        page = _post(
            f"{api_url}/events/filter",
            {
                "filter": {
                    "occurred": {"since": "2000-01-01T00:00:00Z"},
                    "event": {"name": ["prefect.flow-run.heartbeat"]},
                },
                "limit": 50,
            },
        )
        found = {e["resource"]["prefect.resource.id"] for e in page["events"]}
        if f"prefect.flow-run.{wanted}" in found:
            break
        time.sleep(1)
    return found


def test_a_commands_run_sends_no_heartbeats_unless_asked():
    """`without_heartbeats` turns Prefect's flow-run heartbeats off for the command's own run (their
    thread's join cost every command up to 1 s), and leaves a frequency the operator set."""
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    default = get_current_settings().flows.heartbeat_frequency
    assert default is not None  # Prefect's default (180 s in Prefect 3.9)
    with verbs.without_heartbeats():
        assert get_current_settings().flows.heartbeat_frequency is None
    assert get_current_settings().flows.heartbeat_frequency == default
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 60}):
        with verbs.without_heartbeats():
            assert get_current_settings().flows.heartbeat_frequency == 60


@pytest.mark.slow
def test_verbs_run_against_the_workspace_server(tmp_path):
    home = tmp_path / "ws"
    env = command_env(tmp_path)
    port = closed_port()
    env["DXREPORT_FILES_PORT"] = str(closed_port())  # not port + 1, which another test may hold
    errors = tmp_path / "server.err"
    with errors.open("wb") as err:
        server = subprocess.Popen(
            [*dxreport(), "server", "--home", str(home), "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            start_new_session=True,
        )
    try:
        for line in server.stdout:  # "Prefect UI: …" once serving
            if line.startswith("Prefect UI:"):
                break
        state = server_state.read_state(home)
        said = errors.read_text(encoding="utf-8", errors="replace")[-4000:]
        assert state is not None and state.pid == server.pid, f"exit {server.poll()}: {said}"
        assert state.api_url == f"http://127.0.0.1:{port}/api"
        done = subprocess.run(
            [*dxreport(), "intake", "--home", str(home), "--json"],
            cwd=ROOT,
            env={**env, "PYTHONPROFILEIMPORTTIME": "1"},  # what the command imported, on stderr
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert json.loads(done.stdout) == {"receipts": [], "counts": {}}
        imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
        assert "prefect" in imported  # the flow ran in this process ...
        assert not {"great_expectations", "weasyprint"} & imported  # ... with nothing to validate
        runs = _post(f"{state.api_url}/flow_runs/filter", {})
        ours = [r for r in runs if r["deployment_id"] is None]  # run by the command, not a worker
        assert [r["state_type"] for r in ours] == ["COMPLETED"]

        # no heartbeats from a command's run, unless the operator asks for them
        again = subprocess.run(
            [*dxreport(), "intake", "--home", str(home), "--json"],
            cwd=ROOT,
            env={**env, "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert again.returncode == 0, again.stderr[-3000:]
        runs = _post(f"{state.api_url}/flow_runs/filter", {})
        second = next(
            r["id"] for r in runs if r["deployment_id"] is None and r["id"] != ours[0]["id"]
        )
        beats = _heartbeats(state.api_url, wanted=second)
        assert f"prefect.flow-run.{second}" in beats
        assert f"prefect.flow-run.{ours[0]['id']}" not in beats
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            server.kill()
        if not _group_gone(server.pid):
            os.killpg(server.pid, signal.SIGKILL)
        server.stdout.close()
    assert not server_state.state_path(home).exists()  # removed on stop


# --- the temporary API does not come up ----------------------------------------------------------
def test_temporary_api_gives_up_at_its_limit_and_stops(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    server = api.TemporaryApi(tmp_path / "ws")
    server.start()
    proc = server.proc
    try:
        with pytest.raises(srv.DxError) as err:
            server.wait_ready(timeout=1)  # far less than it needs
        assert "did not start within 1 s" in err.value.message_en
        assert "dxreport server" in err.value.hint_vi and proc.poll() is not None
    finally:
        server.stop()


def test_a_failed_start_is_one_message(tmp_path):
    env = command_env(tmp_path)
    env["PREFECT_API_DATABASE_CONNECTION_URL"] = "sqlite+aiosqlite:////khong-co/thu-muc/prefect.db"
    proc = subprocess.Popen(
        [*dxreport(), "intake", "--home", str(tmp_path / "ws")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=300)
    finally:
        if not _group_gone(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 1 and out == ""
    vi, en = err.strip().splitlines()
    assert "dừng khi đang khởi động" in vi and "exited while starting" in en
    assert "Traceback" not in err


API_OWNER = """
import signal, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from flows.cli import api
server = api.TemporaryApi(Path(sys.argv[2]))
server.start()
server.wait_ready(600)
signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command itself outlives the Ctrl-C here
print(server.proc.pid, server.api_url, flush=True)
time.sleep(600)
"""


def test_the_temporary_api_outlives_ctrl_c_but_not_its_command(tmp_path):
    """A terminal's Ctrl-C reaches the command's whole process group: the API stays up for the
    command to report its interrupted run (it stops it itself). A command killed without stopping
    it (kill -9) does not leave it running."""
    from tasks.core import lifeline  # noqa: PLC0415

    script = tmp_path / "owner.py"
    script.write_text(API_OWNER)
    owner = subprocess.Popen(
        [sys.executable, str(script), str(ROOT), str(tmp_path / "ws")],
        env=command_env(tmp_path),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert owner.stdout is not None
    try:
        pid, url = owner.stdout.readline().split()
        os.killpg(owner.pid, signal.SIGINT)
        time.sleep(1.5)
        assert server_state.api_healthy(url, timeout=5)
        owner.kill()  # the command only, as kill -9 does
        owner.wait()
        deadline = time.monotonic() + 30
        while not lifeline.is_gone(int(pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert lifeline.is_gone(int(pid))
    finally:
        if not _group_gone(owner.pid):
            os.killpg(owner.pid, signal.SIGKILL)
        owner.wait()
        owner.stdout.close()


def _distinct_copies(source: Path, folder: Path, count: int) -> None:
    """`count` workbooks with the content of `source` and distinct bytes (another zip comment)."""
    import zipfile  # noqa: PLC0415

    for i in range(count):
        target = folder / f"copy-{i:04d}.xlsx"
        shutil.copyfile(source, target)
        with zipfile.ZipFile(target, "a") as archive:
            archive.comment = f"copy {i}".encode()


def _lock_held(lock: Path) -> bool:
    import fcntl  # noqa: PLC0415

    if not lock.exists():
        return False
    with open(lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


@pytest.mark.slow
def test_ctrl_c_stops_a_bare_intake_in_one_sentence_and_loses_nothing(tmp_path):
    """A terminal's Ctrl-C (SIGINT to the command's whole process group: its temporary Prefect API
    and its file-reading workers too) in the middle of an intake of 400 files: one sentence, exit
    code 1, no traceback and no Prefect chatter (the API died first: "Error logging to API"),
    nothing left running; every file is in the inbox or filed with a receipt, and the next intake
    takes the rest."""
    from tests.builders import build_workbook  # noqa: PLC0415

    home = tmp_path / "ws"
    (home / "inbox").mkdir(parents=True)
    _distinct_copies(build_workbook(tmp_path / "one.xlsx"), home / "inbox", 400)
    env = command_env(tmp_path)
    env["DXREPORT_NOW"] = "2025-09-16T08:00:00+07:00"
    proc = subprocess.Popen(
        [*dxreport(), "intake", "--home", str(home)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # as at a terminal, even when this test runs as a background job (which ignores SIGINT)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 300
        while not _lock_held(home / ".dxreport.lock") and proc.poll() is None:
            assert time.monotonic() < deadline, "the intake never started its run"
            time.sleep(0.05)
        time.sleep(0.5)  # inside the run: reading the files
        assert proc.poll() is None, "the intake ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        deadline = time.monotonic() + 10
        while not _group_gone(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _group_gone(proc.pid)  # no API, worker or fork server left
    finally:
        if not _group_gone(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 1, out + err
    assert "Đã dừng theo yêu cầu." in err + out and "Interrupted" in err + out
    assert "Traceback" not in err and "Error logging to API" not in err + out, err
    left = len(list((home / "inbox").iterdir()))
    filed = len(list((home / "receipts").glob("*.json")))
    assert left + filed == 400 and left > 0
    again = subprocess.run(
        [*dxreport(), "intake", "--home", str(home), "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert list((home / "inbox").iterdir()) == []
    assert len(list((home / "receipts").glob("*.json"))) == 400  # one receipt a file, no more
