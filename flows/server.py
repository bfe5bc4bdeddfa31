"""`dxreport server`: a local Prefect server (UI), every deployment of prefect.yaml, and a worker.

While it runs, `<home>/.dxreport-server.json` names its API (written once the server answers,
removed when it stops), so every other `dxreport` verb on that workspace runs against it instead of
starting a temporary API of its own (`live_server`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from tasks.core.errors import DxError

PROJECT_DIR = Path(__file__).resolve().parent.parent
WORK_POOL = "dxreport"
STATE_FILE = ".dxreport-server.json"


@dataclass(frozen=True)
class ServerState:
    """What a running `dxreport server` tells the other verbs about itself."""

    api_url: str
    pid: int  # the `dxreport server` process (it removes the file when it stops)
    started_at: str = ""


def state_path(home: Path) -> Path:
    return Path(home) / STATE_FILE


def write_state(home: Path, api_url: str, pid: int | None = None) -> Path:
    """Atomically write the state file of the server of workspace `home`."""
    path = state_path(home)
    state = ServerState(
        api_url=api_url,
        pid=os.getpid() if pid is None else pid,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(state)) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_state(home: Path) -> ServerState | None:
    """The state file's content, or None when there is none or it cannot be read."""
    try:
        data = json.loads(state_path(home).read_text(encoding="utf-8"))
        return ServerState(
            api_url=str(data["api_url"]),
            pid=int(data["pid"]),
            started_at=str(data.get("started_at", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_state(home: Path, pid: int | None = None) -> None:
    """Remove the state file; with `pid`, only if it is still that process's own file."""
    path = state_path(home)
    if pid is not None:
        state = read_state(home)
        if state is not None and state.pid != pid:
            return
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def api_healthy(api_url: str, timeout: float = 2.5) -> bool:
    """True when `<api_url>/health` answers 200 within `timeout` seconds."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as resp:
            return resp.status == 200
    except (OSError, ValueError):
        return False


def live_server(home: Path, timeout: float = 2.5) -> ServerState | None:
    """The running `dxreport server` of workspace `home`, if any.

    A state file whose process is gone is stale: ignored and removed. A live process whose API does
    not answer is ignored (it is starting or stopping; the file is its own to remove)."""
    path = state_path(home)
    if not path.exists():
        return None
    state = read_state(home)
    if state is None or not pid_alive(state.pid):
        remove_state(home)
        return None
    return state if api_healthy(state.api_url, timeout) else None


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def _prefect(*args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=PROJECT_DIR,
        env=env,
        check=check,
        capture_output=True,
        text=True,
    )


def _interruptible() -> None:
    """In the child before exec: Ctrl-C (SIGINT) stops it, even when this command was started in
    the background by a shell, which starts it with SIGINT ignored (and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


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


def _check_can_start(home: Path, port: int) -> None:
    running = live_server(home)
    if running is not None:
        raise DxError(
            f"Máy chủ của workspace {home} đang chạy tại {running.api_url} (PID {running.pid}).",
            f"The server of workspace {home} is already running at {running.api_url} "
            f"(PID {running.pid}).",
            "Các lệnh dxreport đang dùng máy chủ đó; dừng nó (Ctrl-C) trước khi chạy lại.",
            "dxreport commands already use it; stop it (Ctrl-C) before starting another.",
        )
    if port_in_use(port):
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


def run_server(home: str | None, port: int = 4200) -> None:
    from flows.common import settings_for

    home_path = settings_for(home).paths.home
    home_path.mkdir(parents=True, exist_ok=True)
    _check_can_start(home_path, port)
    env = dict(os.environ)
    api_url = f"http://127.0.0.1:{port}/api"
    env.update(
        PREFECT_API_URL=api_url,
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DXREPORT_HOME=str(home_path),  # the worker's runs use this workspace, whatever their cwd
    )
    sigterm_as_interrupt()
    # Ctrl-C (SIGINT) stops this process too when a shell started it in the background, which
    # starts it with SIGINT ignored (as `_interruptible` does for the children)
    signal.signal(signal.SIGINT, signal.default_int_handler)
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
        preexec_fn=_interruptible,
    )
    worker = None
    try:
        wait_healthy(api_url, proc=server)
        write_state(home_path, api_url)
        deploy_all(env)
        print(f"Prefect UI: http://127.0.0.1:{port}  (Ctrl-C để dừng / to stop)", flush=True)
        worker = subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", WORK_POOL],
            cwd=PROJECT_DIR,
            env=env,
            preexec_fn=_interruptible,
        )
        worker.wait()
    except KeyboardInterrupt:
        pass
    finally:
        remove_state(home_path, os.getpid())
        for proc in (worker, server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # a worker ignores SIGTERM for a while
        for proc in (worker, server):
            if proc is not None:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
