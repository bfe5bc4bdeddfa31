"""`dxreport server`: a local Prefect server (UI), every deployment of prefect.yaml, and a worker.

While it runs, `<home>/.dxreport-server.json` names its API (written once the server answers,
removed when it stops: flows/server_state.py), so every other `dxreport` verb on that workspace runs
against it instead of starting a temporary API of its own (`live_server`).
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from flows.server_state import api_healthy, live_server, remove_state, write_state
from tasks.core.errors import DxError, UsageError

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORK_POOL = "dxreport"


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def wait_healthy(api_url: str, timeout: float = 90.0, proc: subprocess.Popen | None = None) -> None:
    """Wait for the server's health endpoint; give up early if the server process `proc` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (proc is None or proc.poll() is None):
        if api_healthy(api_url, timeout=2):
            return
        time.sleep(0.5)
    raise DxError(
        "Máy chủ Prefect không khởi động được.",
        "The Prefect server did not start.",
        "Xem nhật ký bằng --verbose.",
        "See the log with --verbose.",
    )


def _check_can_start(home: Path, port: int, host: str = "127.0.0.1") -> None:
    running = live_server(home)
    if running is not None:
        raise DxError(
            f"Máy chủ của workspace {home} đang chạy tại {running.api_url} (PID {running.pid}).",
            f"The server of workspace {home} is already running at {running.api_url} "
            f"(PID {running.pid}).",
            "Các lệnh dxreport đang dùng máy chủ đó; dừng nó (Ctrl-C) trước khi chạy lại.",
            "dxreport commands already use it; stop it (Ctrl-C) before starting another.",
        )
    if port_in_use(port, host):
        raise DxError(
            f"Cổng {port} đang được chương trình khác dùng.",
            f"Port {port} is already in use.",
            "Chọn cổng khác với --port.",
            "Choose another port with --port.",
        )


def sigterm_as_interrupt(*, keep_existing: bool = False) -> None:
    """SIGTERM ends this process like Ctrl-C: KeyboardInterrupt in the main thread, so `finally`
    blocks and exit handlers run (children and temporary servers are stopped). `keep_existing`: leave
    a handler that someone else installed."""
    if keep_existing and signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        pass


DEFAULT_PORT = 4200
STOP_GRACE_SECONDS = 10.0  # after SIGINT, each process gets this long before it is killed
PREFECT_DIR = ".prefect"  # the server's PREFECT_HOME in the workspace (its database is there)
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def resolve_port(port: int | None, env: Mapping[str, str] = os.environ) -> int:
    """`--port`, else `PREFECT_SERVER_API_PORT`, else 4200."""
    if port is not None:
        return port
    raw = env.get("PREFECT_SERVER_API_PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise UsageError(
            f"Cổng không hợp lệ: PREFECT_SERVER_API_PORT = {raw!r}.",
            f"Invalid port: PREFECT_SERVER_API_PORT = {raw!r}.",
            "Dùng một số từ 1 đến 65535, hoặc --port N.",
            "Use a number from 1 to 65535, or --port N.",
        )
    return value


def resolve_host(host: str | None, env: Mapping[str, str] = os.environ) -> str:
    """`--host`, else `PREFECT_SERVER_API_HOST`, else 127.0.0.1 (this machine only)."""
    return (host or env.get("PREFECT_SERVER_API_HOST", "").strip() or "127.0.0.1").strip()


def local_host(host: str) -> str:
    """The address this machine connects to for a server listening on `host`."""
    if host in WILDCARD_HOSTS:
        return "::1" if host == "::" else "127.0.0.1"
    return host


def public_host(host: str, configured: str | None = None) -> str:
    """The host name other machines use for a server listening on `host`."""
    if configured:
        return configured
    if host in WILDCARD_HOSTS:
        return socket.getfqdn() or socket.gethostname()
    return host


def http_url(host: str, port: int, path: str = "") -> str:
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}:{port}{path}"


def server_auth_string(env: Mapping[str, str] = os.environ) -> str | None:
    """The API's basic-auth credentials (`user:password`): `PREFECT_SERVER_API_AUTH_STRING` from
    the environment, else from Prefect's own configuration (profile, prefect.toml, .env)."""
    value = env.get("PREFECT_SERVER_API_AUTH_STRING", "").strip()
    if value:
        return value
    try:
        from prefect.settings import get_current_settings

        secret = get_current_settings().server.api.auth_string
    except Exception:  # a broken Prefect configuration: Prefect itself will say so
        return None
    return (secret.get_secret_value() or None) if secret is not None else None


def client_auth_string(env: Mapping[str, str] = os.environ) -> str | None:
    """Credentials for a client of a server with basic auth: `PREFECT_API_AUTH_STRING`, else the
    server's own `PREFECT_SERVER_API_AUTH_STRING` (set where the server runs)."""
    for name in ("PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING"):
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def api_authorized(api_url: str, auth_string: str | None, timeout: float = 2.5) -> bool:
    """False when the API refuses these credentials (401); True otherwise (even unreachable: the
    health check says that)."""
    request = urllib.request.Request(f"{api_url.rstrip('/')}/admin/version")
    if auth_string:
        token = base64.b64encode(auth_string.encode("utf-8")).decode("ascii")
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code != 401
    except (OSError, ValueError):
        return True


def auth_refused(api_url: str, home: Path, given: bool) -> DxError:
    what_vi = "từ chối thông tin đăng nhập" if given else "yêu cầu đăng nhập (basic auth)"
    what_en = "refuses the credentials" if given else "asks for basic auth"
    return DxError(
        f"Máy chủ Prefect của workspace {home} ({api_url}) {what_vi}.",
        f"The Prefect server of workspace {home} ({api_url}) {what_en}.",
        "Đặt PREFECT_API_AUTH_STRING=tên:mật-khẩu (như PREFECT_SERVER_API_AUTH_STRING của máy chủ).",
        "Set PREFECT_API_AUTH_STRING=user:password (as the server's PREFECT_SERVER_API_AUTH_STRING).",
    )


def server_env(
    home: Path, host: str, port: int, auth: str | None, public: str, base: Mapping[str, str]
) -> dict[str, str]:
    """The environment of the Prefect server, the deployments and the worker of workspace `home`:
    Prefect's home and database under the workspace (unless a database URL is configured), the
    API's address and credentials, this workspace for every run."""
    env = dict(base)
    prefect_home = home / PREFECT_DIR
    env.update(
        PREFECT_API_URL=http_url(local_host(host), port, "/api"),
        PREFECT_HOME=str(prefect_home),
        PREFECT_SERVER_API_HOST=host,
        PREFECT_SERVER_API_PORT=str(port),
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DXREPORT_HOME=str(home),  # the worker's runs use this workspace, whatever their cwd
    )
    if not (
        env.get("PREFECT_SERVER_DATABASE_CONNECTION_URL")
        or env.get("PREFECT_API_DATABASE_CONNECTION_URL")
    ):
        db = prefect_home / "prefect.db"
        env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{db}"
    for name in ("PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_AUTH_STRING"):
        env.pop(name, None)
    if auth:
        env["PREFECT_SERVER_API_AUTH_STRING"] = auth  # the server asks for it
        env["PREFECT_API_AUTH_STRING"] = auth  # deploy and the worker give it
    if public != local_host(host) and not env.get("PREFECT_UI_API_URL"):
        env["PREFECT_UI_API_URL"] = http_url(public, port, "/api")  # the browser's API address
    return env


def database_path(env: Mapping[str, str]) -> str:
    """Where the server keeps its database, for the operator (a password in a URL is hidden)."""
    url = env.get("PREFECT_SERVER_DATABASE_CONNECTION_URL") or env.get(
        "PREFECT_API_DATABASE_CONNECTION_URL", ""
    )
    if url.startswith("sqlite"):
        return url.split(":///", 1)[-1]
    parts = urllib.parse.urlsplit(url)
    netloc = parts.hostname or ""
    return f"{parts.scheme}://{netloc}{':' + str(parts.port) if parts.port else ''}{parts.path}"


class _Stopping:
    """While the children are stopped, SIGINT/SIGTERM again (an impatient Ctrl-C) cuts the grace
    period short instead of interrupting the clean-up."""

    def __init__(self) -> None:
        self.hurry = False

    def __enter__(self) -> _Stopping:
        def handler(signum, frame):  # noqa: ARG001
            self.hurry = True

        self._saved = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._saved[sig] = signal.signal(sig, handler)
            except ValueError:  # not the main thread
                pass
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self._saved.items():
            signal.signal(sig, old)

    def wait(self, proc: subprocess.Popen, timeout: float) -> bool:
        """True when `proc` ended within `timeout` (shortened by a second signal)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.hurry:
            if proc.poll() is not None:
                return True
            time.sleep(0.1)
        return proc.poll() is not None


def _family(procs: list[subprocess.Popen]) -> list:
    """The processes `procs` and all their descendants (psutil.Process objects)."""
    import psutil

    found = []
    for proc in procs:
        try:
            parent = psutil.Process(proc.pid)
            found += [parent, *parent.children(recursive=True)]
        except psutil.Error:
            pass
    return found


def stop_processes(procs: list[subprocess.Popen | None], grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop `procs` in order, each with SIGINT (what Ctrl-C sends; a Prefect worker ignores SIGTERM
    for a long while), then SIGKILL to its process group after `grace` seconds; then kill whatever
    descendant is left (flow runs start in sessions of their own), so nothing outlives us."""
    import psutil

    started = [p for p in procs if p is not None]
    family = _family(started)
    with _Stopping() as stopping:
        for proc in started:
            family += _family([proc])  # a flow run started since
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                if not stopping.wait(proc, grace):
                    with contextlib.suppress(OSError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.kill()
            proc.wait()
        left = [p for p in {p.pid: p for p in family}.values() if _running(p)]
        for p in left:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(left, timeout=5)


def _running(proc) -> bool:
    import psutil

    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _start(args: list[str], env: Mapping[str, str]) -> subprocess.Popen:
    """A Prefect command as a child in a process group of its own: Ctrl-C at the terminal reaches
    only us, and we stop the children in order (`stop_processes`)."""
    return subprocess.Popen(
        [sys.executable, "-m", "prefect", *args],
        cwd=PROJECT_DIR,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        process_group=0,
    )


def run_server(
    home: str | None,
    port: int | None = None,
    host: str | None = None,
    grace: float = STOP_GRACE_SECONDS,
) -> None:
    """Run the workspace's Prefect server, deployments, worker and file server until Ctrl-C or
    SIGTERM; then stop them all (`stop_processes`) and remove the state file."""
    from flows.cli.warm_host import socket_path_for, start_host
    from flows.common import settings_for
    from flows.deployments import deploy_all
    from flows.files import FileServer

    settings = settings_for(home)
    home_path = settings.paths.home
    home_path.mkdir(parents=True, exist_ok=True)
    port = resolve_port(port)
    host = resolve_host(host)
    near, far = local_host(host), public_host(host, settings.public_host)
    _check_can_start(home_path, port, near)
    auth = server_auth_string()
    env = server_env(home_path, host, port, auth, far, os.environ)
    (home_path / PREFECT_DIR).mkdir(exist_ok=True)
    files_port = port + 1 if settings.files_port is None else settings.files_port
    if files_port == port:
        raise UsageError(
            f"Máy chủ tệp và API không thể cùng cổng {port}.",
            f"The file server and the API cannot share port {port}.",
            "Đặt DXREPORT_FILES_PORT khác (0: không phục vụ tệp qua http).",
            "Set another DXREPORT_FILES_PORT (0: no file server).",
        )
    files: FileServer | None = None
    if files_port:
        try:
            files = FileServer(home_path, host, files_port, auth)
        except OSError as exc:
            raise DxError(
                f"Không mở được máy chủ tệp ở cổng {files_port}: {exc.strerror or exc}.",
                f"Cannot open the file server on port {files_port}: {exc.strerror or exc}.",
                "Chọn cổng khác bằng DXREPORT_FILES_PORT (0: không phục vụ tệp qua http).",
                "Choose another port with DXREPORT_FILES_PORT (0: no file server).",
            ) from None
    sigterm_as_interrupt()
    # Ctrl-C (SIGINT) stops this process too when a shell started it in the background, which
    # starts it with SIGINT ignored; the children get the default action (a handler is not
    # inherited across exec, an ignored signal would be)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    api_url = env["PREFECT_API_URL"]
    ui_url = http_url(far, port)
    files_url = http_url(far, files.port, "/") if files is not None else ""
    server = worker = commands = None
    commands_socket, socket_folder = socket_path_for(home_path)
    try:
        server = _start(["server", "start", "--host", host, "--port", str(port)], env)
        if files is not None:
            files.start()
        wait_healthy(api_url, proc=server)
        write_state(
            home_path,
            api_url,
            ui_url=ui_url,
            files_url=files_url,
            auth=bool(auth),
            prefect_home=env["PREFECT_HOME"],
            commands_socket=str(commands_socket),
        )
        deploy_all(env, WORK_POOL)
        worker = _start(["worker", "start", "--pool", WORK_POOL], env)
        commands = start_host(home_path, commands_socket, api_url, home_path / PREFECT_DIR)
        lines = [
            f"Prefect UI: {ui_url}  (Ctrl-C để dừng / to stop)",
            f"Cơ sở dữ liệu Prefect / Prefect database: {database_path(env)}",
        ]
        if files_url:
            lines.append(f"Báo cáo và tệp / reports and files: {files_url}")
        if auth:
            lines.append("Đăng nhập (basic auth): bật / on — PREFECT_SERVER_API_AUTH_STRING")
        print("\n".join(lines), flush=True)
        while True:
            for proc, vi, en in (
                (server, "Máy chủ Prefect", "The Prefect server"),
                (worker, "Worker", "The worker"),
            ):
                code = proc.poll()
                if code is not None:
                    raise DxError(
                        f"{vi} đã dừng bất ngờ (mã thoát {code}); dừng mọi thứ.",
                        f"{en} stopped unexpectedly (exit code {code}); stopping everything.",
                        "Xem nhật ký bằng --verbose rồi chạy lại dxreport server.",
                        "See the log with --verbose, then run dxreport server again.",
                    )
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("Đang dừng máy chủ và worker… / stopping the server and the worker…", flush=True)
    finally:
        remove_state(home_path, os.getpid())
        stop_processes([commands, worker, server], grace)
        with contextlib.suppress(OSError):
            commands_socket.unlink()
            if socket_folder is not None:
                socket_folder.rmdir()
        if files is not None:
            files.stop()
