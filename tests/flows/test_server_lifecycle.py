"""`dxreport server`'s access and lifecycle: the port it takes (`--port`, PREFECT_SERVER_API_PORT),
the Prefect database under the workspace, basic auth for the API, the worker, the command line and
the file server, the workspace's files over http (same bytes, no traversal), links that are http
while it runs and file:// otherwise, and nothing left running after SIGTERM.

The last test starts a real `dxreport server` (marked `slow`); the others start no Prefect."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from flows import server as srv
from flows import server_state
from flows.cli import api
from flows.cli.app import parse
from flows.files import FileServer, resolve_request
from flows.links import public_url
from tasks.core.errors import DxError, UsageError
from tasks.core.settings import Settings
from tests.flows.test_cli_api import closed_port, command_env, dead_pid, dxreport

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def _get(url: str, auth: str | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", _basic(auth))
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _raw_get(port: int, path: str) -> int:
    """The status of a GET whose path is sent exactly as given (no client-side normalising)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", f"127.0.0.1:{port}")
        conn.endheaders()
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


# --- the port and the environment of the children -------------------------------------------------
def test_port_from_option_then_environment_then_default():
    assert srv.resolve_port(None, {}) == 4200
    assert srv.resolve_port(None, {"PREFECT_SERVER_API_PORT": "4567"}) == 4567
    assert srv.resolve_port(5000, {"PREFECT_SERVER_API_PORT": "4567"}) == 5000  # --port wins
    for bad in ("abc", "0", "70000"):
        with pytest.raises(UsageError) as err:
            srv.resolve_port(None, {"PREFECT_SERVER_API_PORT": bad})
        assert "PREFECT_SERVER_API_PORT" in err.value.message_vi


def test_the_verb_leaves_the_port_to_the_environment():
    inv = parse(["server"])
    assert inv.params == {"port": None, "host": None}
    inv = parse(["server", "--port", "4300", "--host", "0.0.0.0"])
    assert inv.params == {"port": 4300, "host": "0.0.0.0"}


def test_children_keep_prefect_under_the_workspace_with_the_credentials(tmp_path):
    home = tmp_path / "ws"
    base = {"PREFECT_API_AUTH_STRING": "stale:x", "PREFECT_HOME": "/elsewhere"}
    env = srv.server_env(home, "127.0.0.1", 4300, "admin:pw", "127.0.0.1", base)
    assert env["PREFECT_HOME"] == str(home / ".prefect")
    db = env["PREFECT_SERVER_DATABASE_CONNECTION_URL"]
    assert db == f"sqlite+aiosqlite:///{home / '.prefect' / 'prefect.db'}"
    assert srv.database_path(env) == str(home / ".prefect" / "prefect.db")
    assert env["PREFECT_API_URL"] == "http://127.0.0.1:4300/api"
    assert env["PREFECT_SERVER_API_PORT"] == "4300" and env["DXREPORT_HOME"] == str(home)
    assert env["PREFECT_SERVER_API_AUTH_STRING"] == env["PREFECT_API_AUTH_STRING"] == "admin:pw"
    assert "PREFECT_UI_API_URL" not in env

    env = srv.server_env(home, "0.0.0.0", 4300, None, "dx.example.vn", base)
    assert "PREFECT_API_AUTH_STRING" not in env and "PREFECT_SERVER_API_AUTH_STRING" not in env
    assert env["PREFECT_API_URL"] == "http://127.0.0.1:4300/api"  # this machine: loopback
    assert env["PREFECT_UI_API_URL"] == "http://dx.example.vn:4300/api"  # other machines' browser

    postgres = "postgresql+asyncpg://u:secret@db.local:5432/prefect"
    env = srv.server_env(
        home,
        "127.0.0.1",
        4300,
        None,
        "127.0.0.1",
        {"PREFECT_SERVER_DATABASE_CONNECTION_URL": postgres},
    )
    assert env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] == postgres  # configured: kept
    assert srv.database_path(env) == "postgresql+asyncpg://db.local:5432/prefect"  # no password


def test_the_state_file_carries_the_file_server_and_auth(tmp_path):
    server_state.write_state(
        tmp_path, "http://127.0.0.1:4300/api", files_url="http://h:4301/", auth=True
    )
    state = server_state.read_state(tmp_path)
    assert state is not None and state.files_url == "http://h:4301/" and state.auth
    (tmp_path / server_state.STATE_FILE).write_text(
        json.dumps({"api_url": "u", "pid": 5})
    )  # older file
    state = server_state.read_state(tmp_path)
    assert state is not None and (state.files_url, state.auth) == ("", False)


# --- stopping: SIGINT, then a kill after the grace period; no process left -----------------------
STUBBORN = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"],
                             start_new_session=True)  # like a flow run of a process worker
    print(child.pid, flush=True)
    time.sleep(300)
    """
)


def test_stop_kills_what_ignores_sigint_and_its_detached_children():
    proc = subprocess.Popen(
        [sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True, process_group=0
    )
    grandchild = int(proc.stdout.readline())
    polite = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"], stderr=subprocess.DEVNULL
    )
    started = time.monotonic()
    srv.stop_processes([proc, None, polite], grace=1.0)
    assert time.monotonic() - started < 10
    assert proc.returncode is not None and polite.returncode is not None
    assert not psutil.pid_exists(grandchild) or psutil.Process(grandchild).status() == "zombie"
    proc.stdout.close()


# --- the file server ---------------------------------------------------------------------------------
@pytest.fixture
def workspace(tmp_path):
    home = tmp_path / "ws"
    (home / "reports" / "2025Q3").mkdir(parents=True)
    (home / "reports" / "2025Q3" / "bao-cao-2025Q3-du-thao.pdf").write_bytes(PDF)
    (home / "feedback").mkdir()
    (home / "feedback" / "2025Q3_P_HAI_CHAU v1.xlsx").write_bytes(b"PK\x03\x04xlsx")
    (home / "warehouse.duckdb").write_bytes(b"secret")
    (home / "archive").mkdir()
    (home / "archive" / "a.xlsx").write_bytes(b"secret")
    (tmp_path / "outside.txt").write_text("secret")
    (home / "reports" / "escape").symlink_to(tmp_path)  # a link out of the served folders
    return home


def test_a_pdf_over_http_is_the_same_bytes(workspace):
    with FileServer(workspace, "127.0.0.1", 0) as files:
        base = f"http://127.0.0.1:{files.port}"
        status, headers, body = _get(f"{base}/reports/2025Q3/bao-cao-2025Q3-du-thao.pdf")
        assert status == 200 and body == PDF
        assert headers["Content-Type"] == "application/pdf"
        status, headers, body = _get(f"{base}/feedback/2025Q3_P_HAI_CHAU%20v1.xlsx")
        assert status == 200 and body == b"PK\x03\x04xlsx"
        assert headers["Content-Type"].endswith("spreadsheetml.sheet")
        status, _, body = _get(f"{base}/reports/2025Q3/")
        assert status == 200 and b"bao-cao-2025Q3-du-thao.pdf" in body
        assert _get(f"{base}/reports/2025Q3/khong-co.pdf")[0] == 404


def test_traversal_and_other_folders_are_refused(workspace):
    refused = [
        "/reports/../warehouse.duckdb",
        "/reports/2025Q3/../../warehouse.duckdb",
        "/reports/%2e%2e/warehouse.duckdb",
        "/reports/%2E%2E/%2E%2E/outside.txt",
        "/reports/..%2f..%2foutside.txt",
        "/reports/..%5c..%5coutside.txt",
        "/reports/escape/outside.txt",  # a symbolic link out
        "/archive/a.xlsx",
        "/warehouse.duckdb",
        "//etc/passwd",
        "/reports/%00",
    ]
    with FileServer(workspace, "127.0.0.1", 0) as files:
        for path in refused:
            status = _raw_get(files.port, path)
            assert status in (400, 403, 404), (path, status)
        assert _raw_get(files.port, "/reports/2025Q3/bao-cao-2025Q3-du-thao.pdf") == 200
    for path in refused:
        target = resolve_request(workspace, path)
        assert target is None or not target.exists(), path


def test_the_file_server_asks_for_the_api_credentials(workspace):
    with FileServer(workspace, "127.0.0.1", 0, auth_string="admin:pw") as files:
        url = f"http://127.0.0.1:{files.port}/reports/2025Q3/bao-cao-2025Q3-du-thao.pdf"
        status, headers, _ = _get(url)
        assert status == 401 and headers["WWW-Authenticate"].startswith("Basic")
        assert _get(url, "admin:wrong")[0] == 401
        status, _, body = _get(url, "admin:pw")
        assert status == 200 and body == PDF


# --- links ---------------------------------------------------------------------------------------
def test_links_are_http_while_the_server_runs(workspace):
    settings = Settings(home=workspace)
    pdf = workspace / "reports" / "2025Q3" / "bao-cao-2025Q3-du-thao.pdf"
    assert public_url(settings, pdf) == pdf.resolve().as_uri()  # no server: file://
    server_state.write_state(workspace, "http://127.0.0.1:1/api", files_url="http://dx.local:4201/")
    assert public_url(settings, pdf) == (
        "http://dx.local:4201/reports/2025Q3/bao-cao-2025Q3-du-thao.pdf"
    )
    sheet = workspace / "feedback" / "2025Q3_P_HAI_CHAU v1.xlsx"
    assert public_url(settings, sheet).endswith("/feedback/2025Q3_P_HAI_CHAU%20v1.xlsx")
    archived = workspace / "archive" / "a.xlsx"
    assert public_url(settings, archived).startswith("file://")  # not served
    server_state.write_state(
        workspace, "http://127.0.0.1:1/api", pid=dead_pid(), files_url="http://x/"
    )
    assert public_url(settings, pdf).startswith("file://")  # its server is gone
    server_state.write_state(workspace, "http://127.0.0.1:1/api", files_url="")  # no file server
    assert public_url(settings, pdf).startswith("file://")


def test_a_link_served_by_the_file_server_fetches_the_same_bytes(workspace):
    settings = Settings(home=workspace)
    pdf = workspace / "reports" / "2025Q3" / "bao-cao-2025Q3-du-thao.pdf"
    with FileServer(workspace, "127.0.0.1", 0) as files:
        server_state.write_state(workspace, "u", files_url=f"http://127.0.0.1:{files.port}/")
        url = public_url(settings, pdf)
        assert url.startswith("http://") and _get(url)[2] == PDF


# --- the command line against a server with basic auth ----------------------------------------------
@pytest.fixture
def auth_api():
    """A stand-in API: `/health` open, everything else needs `admin:pw`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path.endswith("/health") or self.headers.get("Authorization") == _basic(
                "admin:pw"
            )
            self.send_response(200 if ok else 401)
            self.end_headers()
            self.wfile.write(b'"3.9.1"' if ok else b"")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_command_line_brings_the_credentials(tmp_path, auth_api, monkeypatch):
    for name in ("PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING"):
        monkeypatch.delenv(name, raising=False)
    server_state.write_state(tmp_path, auth_api, auth=True)
    with pytest.raises(DxError) as err:
        api.choose_api(tmp_path, prefect_loaded=False)
    assert "PREFECT_API_AUTH_STRING" in err.value.hint_vi and "basic auth" in err.value.message_en
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "admin:wrong")
    with pytest.raises(DxError) as err:
        api.choose_api(tmp_path, prefect_loaded=False)
    assert "refuses the credentials" in err.value.message_en
    monkeypatch.delenv("PREFECT_API_AUTH_STRING")
    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", "admin:pw")  # the server's own setting
    choice = api.choose_api(tmp_path, prefect_loaded=False)
    assert (choice.mode, choice.api_url) == ("workspace", auth_api)
    choice.start()
    assert os.environ["PREFECT_API_AUTH_STRING"] == "admin:pw"


# --- a real `dxreport server` ----------------------------------------------------------------------
CLIENT = """
import asyncio, json
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import WorkerFilter

async def main():
    async with get_client() as client:
        names = sorted(d.name for d in await client.read_deployments())
        workers = await client.read_workers_for_work_pool("dxreport")
        print(json.dumps({"deployments": names, "workers": [w.status.value for w in workers]}))

asyncio.run(main())
"""


def _tree(pid: int) -> list[psutil.Process]:
    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.slow
def test_real_server_port_database_auth_files_and_stop(tmp_path):
    home = tmp_path / "ws"
    port = closed_port()
    env = command_env(tmp_path)
    env.update(PREFECT_SERVER_API_PORT=str(port), PREFECT_SERVER_API_AUTH_STRING="admin:pw")
    env.pop("PREFECT_API_AUTH_STRING", None)
    env["DXREPORT_FILES_PORT"] = str(closed_port())
    started = time.monotonic()
    server = subprocess.Popen(
        [*dxreport(), "server", "--home", str(home)],  # no --port: PREFECT_SERVER_API_PORT
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    tree: list[psutil.Process] = []
    output: list[str] = []
    try:
        for line in server.stdout:
            output.append(line)
            if line.startswith("Cơ sở dữ liệu") or server.poll() is not None:
                break
        up = time.monotonic() - started
        state = server_state.read_state(home)
        assert state is not None and state.pid == server.pid, "".join(output)
        assert state.api_url == f"http://127.0.0.1:{port}/api"  # the port of the environment
        assert any(f"Prefect UI: http://127.0.0.1:{port}" in ln for ln in output)
        # the Prefect database under the workspace, none in the caller's PREFECT_HOME
        assert (home / ".prefect" / "prefect.db").is_file()
        assert str(home / ".prefect" / "prefect.db") in "".join(output)
        assert not (tmp_path / "prefect-home" / "prefect.db").exists()
        # basic auth: refused without credentials (health stays open)
        status, _, _ = _get(f"{state.api_url}/admin/version")
        assert status == 401
        assert server_state.api_healthy(state.api_url)
        assert _get(f"{state.api_url}/admin/version", "admin:pw")[0] == 200
        # a Prefect client with the credentials works; the worker (same credentials) is online
        client_env = {
            **env,
            "PREFECT_API_URL": state.api_url,
            "PREFECT_API_AUTH_STRING": "admin:pw",
        }
        deadline = time.monotonic() + 120
        while True:
            done = subprocess.run(
                [sys.executable, "-c", CLIENT],
                cwd=ROOT,
                env=client_env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr[-2000:]
            seen = json.loads(done.stdout.strip().splitlines()[-1])
            if "ONLINE" in seen["workers"] or time.monotonic() > deadline:
                break
            time.sleep(2)
        assert {"intake", "quarterly-report"} <= set(seen["deployments"])
        assert "ONLINE" in seen["workers"], seen
        bad = subprocess.run(
            [sys.executable, "-c", CLIENT],
            cwd=ROOT,
            env={**client_env, "PREFECT_API_AUTH_STRING": "admin:wrong"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert bad.returncode != 0 and "401" in bad.stdout + bad.stderr
        # the workspace's files over http, with the same credentials
        (home / "reports" / "2025Q3").mkdir(parents=True)
        pdf = home / "reports" / "2025Q3" / "bao-cao-2025Q3-du-thao.pdf"
        pdf.write_bytes(PDF)
        url = public_url(Settings(home=home), pdf)
        assert url == f"{state.files_url}reports/2025Q3/bao-cao-2025Q3-du-thao.pdf"
        assert _get(url)[0] == 401
        status, headers, body = _get(url, "admin:pw")
        assert status == 200 and body == PDF and headers["Content-Type"] == "application/pdf"
        # SIGTERM: everything it started stops, nothing is left, the state file goes
        tree = _tree(server.pid)
        names = " ".join(" ".join(p.cmdline()) for p in tree[1:])
        assert "server start" in names and "worker start" in names, names
        stop = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=srv.STOP_GRACE_SECONDS * 2 + 30)
        stopped = time.monotonic() - stop
        time.sleep(0.5)
        left = [p for p in tree if _alive(p)]
        assert not left, [p.cmdline() for p in left]
        assert not server_state.state_path(home).exists()
        assert public_url(Settings(home=home), pdf).startswith("file://")  # back to file://
        print(f"server up in {up:.1f} s, stopped in {stopped:.1f} s")
    finally:
        if server.poll() is None:
            server.kill()
        for proc in tree or _tree(server.pid):
            if _alive(proc):
                proc.kill()
        server.stdout.close()


@pytest.mark.slow
def test_ctrl_c_at_the_terminal_stops_everything(tmp_path):
    """Ctrl-C reaches the terminal's foreground process group: here, only `dxreport server` (its
    children have groups of their own); it stops them and nothing is left."""
    home = tmp_path / "ws"
    env = command_env(tmp_path)
    env.pop("PREFECT_SERVER_API_AUTH_STRING", None)
    env.update(PREFECT_SERVER_API_PORT="1", DXREPORT_FILES_PORT="0")  # --port wins; no files
    port = closed_port()
    server = subprocess.Popen(
        [*dxreport(), "server", "--home", str(home), "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
    )
    tree: list[psutil.Process] = []
    try:
        for line in server.stdout:
            if line.startswith("Cơ sở dữ liệu") or server.poll() is not None:
                break
        state = server_state.read_state(home)
        assert state is not None and state.api_url == f"http://127.0.0.1:{port}/api"
        assert state.files_url == "" and not state.auth
        assert _get(f"{state.api_url}/admin/version")[0] == 200  # no auth configured
        tree = _tree(server.pid)
        assert len(tree) >= 3  # dxreport server, the Prefect server, the worker
        os.killpg(server.pid, signal.SIGINT)  # what the terminal sends on Ctrl-C
        server.wait(timeout=srv.STOP_GRACE_SECONDS * 2 + 30)
        time.sleep(0.5)
        assert not [p for p in tree if _alive(p)]
        assert not server_state.state_path(home).exists()
    finally:
        if server.poll() is None:
            server.kill()
        for proc in tree or _tree(server.pid):
            if _alive(proc):
                proc.kill()
        server.stdout.close()


def test_the_file_server_cannot_take_the_api_port(tmp_path, monkeypatch):
    monkeypatch.setenv("DXREPORT_FILES_PORT", "4321")
    with pytest.raises(UsageError) as err:
        srv.run_server(str(tmp_path / "ws"), port=4321)
    assert "DXREPORT_FILES_PORT" in err.value.hint_en


def test_a_file_server_never_started_stops_at_once(workspace):
    files = FileServer(workspace, "127.0.0.1", 0)  # bound, not serving (start-up failed before)
    started = time.monotonic()
    files.stop()
    assert time.monotonic() - started < 1
