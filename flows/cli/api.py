"""Which Prefect API a verb's flow run reports to, chosen before Prefect is imported.

1. `PREFECT_API_URL` in the environment: that server; it must answer `/health` within a few seconds,
   else one sentence says how to start it (`dxreport server`) or to run without it.
2. A running `dxreport server` of the workspace (its state file, flows/server_state.py): that server,
   with the credentials of `PREFECT_API_AUTH_STRING` (or `PREFECT_SERVER_API_AUTH_STRING`) when it
   asks for basic auth.
3. Otherwise a temporary API of our own (what Prefect's ephemeral mode starts: a uvicorn subprocess
   of `prefect.server.api.server:create_app`, by way of flows.cli.temporary_app, which skips the
   migration check when the database is already migrated), started at once so that it boots while
   this process imports the flows, and without importing Prefect's server code here. It gets a
   generous start-up limit (`PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`, 600 s unless set)
   and is stopped at exit, after Prefect has flushed its logs and events to it. A server named by
   a Prefect profile or prefect.toml (seen once Prefect is imported) still wins over it.

When Prefect is already imported (the command called inside another program, e.g. the tests'
Prefect harness), that program's settings decide and nothing here changes them.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flows.server import (
    api_authorized,
    auth_refused,
    client_auth_string,
    port_in_use,
    sigterm_as_interrupt,
)
from flows.server_state import api_healthy, live_server
from tasks.core import lifeline
from tasks.core.errors import DxError

STARTUP_TIMEOUT_VAR = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
STARTUP_TIMEOUT_DEFAULT = "600"
HEALTH_TIMEOUT = 2.5
_kept_contexts: list = []  # Prefect settings contexts held for the rest of the process


def unreachable(url: str, home: Path, source: str) -> DxError:
    if source == "env":
        where_vi, where_en = "biến PREFECT_API_URL", "PREFECT_API_URL"
        off_vi, off_en = "bỏ biến PREFECT_API_URL", "unset PREFECT_API_URL"
    else:
        where_vi, where_en = "cấu hình Prefect", "the Prefect profile"
        off_vi = off_en = "`prefect config unset PREFECT_API_URL`"
    return DxError(
        f"Không kết nối được máy chủ Prefect tại {url} (theo {where_vi}).",
        f"Cannot reach the Prefect API at {url} (from {where_en}).",
        f"Hãy chạy máy chủ: dxreport server --home {home}, hoặc {off_vi} để chạy không cần "
        "máy chủ.",
        f"Start it with `dxreport server --home {home}`, or {off_en} to run without a server.",
    )


def startup_failed(
    home: Path, seconds: float, exit_code: int | None = None, detail: str = ""
) -> DxError:
    """The temporary API did not come up: timed out (`exit_code` None) or exited while starting."""
    tail = f": {detail}" if detail else ""
    if exit_code is None:
        what_vi = f"Máy chủ Prefect tạm thời không khởi động xong trong {seconds:.0f} giây{tail}."
        what_en = f"The temporary Prefect API did not start within {seconds:.0f} s{tail}."
    else:
        what_vi = f"Máy chủ Prefect tạm thời dừng khi đang khởi động (mã thoát {exit_code}){tail}."
        what_en = f"The temporary Prefect API exited while starting (exit code {exit_code}){tail}."
    return DxError(
        what_vi,
        what_en,
        f"Chạy lại lệnh (thêm --verbose để xem chi tiết), hoặc mở trước máy chủ: dxreport server "
        f"--home {home}; giới hạn chờ là {STARTUP_TIMEOUT_VAR}.",
        f"Run the command again (--verbose shows details), or start the server first: dxreport "
        f"server --home {home}; the time limit is {STARTUP_TIMEOUT_VAR}.",
    )


def startup_timeout() -> float:
    try:
        return float(os.environ.get(STARTUP_TIMEOUT_VAR, STARTUP_TIMEOUT_DEFAULT))
    except ValueError:
        return float(STARTUP_TIMEOUT_DEFAULT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryApi:
    """Prefect's ephemeral API server as a subprocess of ours, stopped at interpreter exit."""

    def __init__(self, home: Path, verbose: bool = False) -> None:
        self.home, self.verbose = home, verbose
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self._log: IO[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> None:
        from flows.cli.temporary_app import PARENT_VAR

        app_dir = Path(__file__).resolve().parents[2]  # the project's root: flows.cli.temporary_app
        self.port = free_port()
        self._log = None if self.verbose else tempfile.TemporaryFile()  # --verbose: its log shown
        env = dict(os.environ)
        env.pop("PREFECT_API_URL", None)
        # the switches of Prefect's own ephemeral mode: no UI, only the services it needs
        env.update(PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1")
        env[PARENT_VAR] = str(os.getpid())  # it stops when this process is gone (temporary_app)
        with lifeline.ctrl_c_ignored_by_children():  # from its first instruction (serve() too)
            self.proc = self._popen(env, app_dir)
        # registered before Prefect is imported, so it runs after Prefect's own exit handlers
        # (which flush logs and events to this server)
        atexit.register(self.stop)

    def _popen(self, env: dict, app_dir: Path) -> subprocess.Popen:
        from flows.cli.temporary_app import SERVER_COMMAND

        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                SERVER_COMMAND,  # uvicorn's command line on a roomy frame stack
                str(app_dir),
                "--app-dir",
                str(app_dir),
                "--factory",
                "flows.cli.temporary_app:create_app",  # Prefect's application (see there)
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    def wait_ready(self, timeout: float) -> None:
        started = time.monotonic()
        restarts = 0
        while True:
            if api_healthy(self.api_url, timeout=HEALTH_TIMEOUT):
                return
            code = self.proc.poll() if self.proc else 1
            if code is not None:
                error = self._last_error()
                taken = "address already in use" in error.lower() or port_in_use(self.port)
                if restarts < 2 and taken:  # another process took the port first: a new port
                    restarts += 1
                    self._close_log()
                    self.start()
                    continue
                raise startup_failed(self.home, time.monotonic() - started, code, error)
            if time.monotonic() - started > timeout:
                self.stop()
                raise startup_failed(self.home, timeout)
            time.sleep(0.1)

    def _last_error(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = [ln.strip() for ln in self._log.read().decode(errors="replace").splitlines()]
        lines = [ln for ln in lines if ln]
        return lines[-1][:300] if lines else ""

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._close_log()


def workspace_env(env: MutableMapping[str, str], api_url: str) -> None:
    """Point Prefect (not imported yet) at the workspace's running server `api_url`, with the
    credentials of its basic auth when there are some."""
    env["PREFECT_API_URL"] = api_url
    credentials = client_auth_string(env)
    if credentials:  # Prefect's client sends PREFECT_API_AUTH_STRING
        env["PREFECT_API_AUTH_STRING"] = credentials


@dataclass
class ApiChoice:
    mode: str  # env | workspace | temporary | embedded (| profile, once Prefect is imported)
    home: Path
    api_url: str | None = None
    server: TemporaryApi | None = None
    verbose: bool = False

    def describe(self) -> str:
        where = {
            "env": "PREFECT_API_URL",
            "workspace": "máy chủ của workspace / the workspace's server",
            "temporary": "máy chủ tạm thời / temporary API",
            "profile": "cấu hình Prefect / Prefect profile",
            "embedded": "do chương trình gọi chọn / chosen by the calling program",
        }[self.mode]
        return f"Prefect API: {self.api_url or '-'} ({where})"

    def start(self) -> None:
        """Before Prefect is imported: point it at the workspace's server, or boot a temporary API
        now (it starts while the flows are imported)."""
        if self.mode == "workspace" and self.api_url:
            workspace_env(os.environ, self.api_url)
        elif self.mode == "temporary" and self.server is None:
            os.environ.setdefault(STARTUP_TIMEOUT_VAR, STARTUP_TIMEOUT_DEFAULT)
            credentials = client_auth_string()  # the temporary API asks for basic auth too
            if os.environ.get("PREFECT_SERVER_API_AUTH_STRING") and credentials:
                os.environ["PREFECT_API_AUTH_STRING"] = credentials
            self.server = TemporaryApi(self.home, self.verbose)
            self.server.start()
            sigterm_as_interrupt(keep_existing=True)  # exit handlers stop the temporary API

    def waits_for_api(self) -> bool:
        """Whether `connect` will wait for a temporary API this command started."""
        return self.mode == "temporary" and self.server is not None

    def connect(self) -> None:
        """Once Prefect is imported, before the flow runs: point Prefect at the chosen API."""
        if self.mode != "temporary" or self.server is None:
            return
        from prefect.settings import PREFECT_API_URL, temporary_settings

        configured = PREFECT_API_URL.value()
        if configured:  # a profile or prefect.toml names a server: Prefect would use it
            self.server.stop()
            self.mode, self.api_url = "profile", configured
            if not api_healthy(configured, HEALTH_TIMEOUT):
                raise unreachable(configured, self.home, "profile")
            return
        self.server.wait_ready(startup_timeout())
        self.api_url = self.server.api_url
        context = temporary_settings(updates={PREFECT_API_URL: self.api_url})
        context.__enter__()  # for the rest of the process: Prefect's exit handlers still use it
        _kept_contexts.append(context)


def choose_api(home: Path, prefect_loaded: bool | None = None) -> ApiChoice:
    """Decide before Prefect is imported (its settings are read once, at import); `start()` the
    choice then. `prefect_loaded`: whether Prefect is already imported (default: look)."""
    explicit = os.environ.get("PREFECT_API_URL", "").strip()
    if explicit:
        if not api_healthy(explicit, HEALTH_TIMEOUT):
            raise unreachable(explicit, home, "env")
        return ApiChoice("env", home, explicit)
    if prefect_loaded is None:
        prefect_loaded = "prefect" in sys.modules
    if prefect_loaded:
        return ApiChoice("embedded", home)
    running = live_server(home, timeout=HEALTH_TIMEOUT)
    if running is not None:
        if running.auth:  # basic auth: the same credentials as the server, checked now
            credentials = client_auth_string()
            if not credentials or not api_authorized(running.api_url, credentials):
                raise auth_refused(running.api_url, home, bool(credentials))
        return ApiChoice("workspace", home, running.api_url)
    return ApiChoice("temporary", home)


def explain_runtime_error(exc: BaseException, home: Path) -> DxError | None:
    """Prefect's own ephemeral start-up failure (when Prefect starts it) as one sentence."""
    if "ephemeral Prefect API server" in str(exc):
        return startup_failed(home, startup_timeout())
    return None
