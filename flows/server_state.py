"""Which `dxreport server` serves a workspace: its state file, `<home>/.dxreport-server.json`,
written once the server answers and removed when it stops (flows/server.py), and read by every
other verb (`live_server`) to run against that server instead of a temporary API of its own.
"""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

STATE_FILE = ".dxreport-server.json"


@dataclass(frozen=True)
class ServerState:
    """What a running `dxreport server` tells the other verbs about itself."""

    api_url: str  # for this machine (loopback when it listens on every address)
    pid: int  # the `dxreport server` process (it removes the file when it stops)
    started_at: str = ""
    ui_url: str = ""  # for other machines
    files_url: str = ""  # base URL of its file server (flows/files.py); "" when it has none
    auth: bool = False  # the API asks for basic auth (PREFECT_SERVER_API_AUTH_STRING)
    prefect_home: str = ""  # its PREFECT_HOME (the Prefect database is there), in the workspace
    commands_socket: str = ""  # where its warm command host listens (flows/cli/warm_host.py)


def state_path(home: Path) -> Path:
    return Path(home) / STATE_FILE


def write_state(home: Path, api_url: str, pid: int | None = None, **extra: object) -> Path:
    """Atomically write the state file of the server of workspace `home` (`extra`: the other
    fields of `ServerState`)."""
    path = state_path(home)
    state = ServerState(
        api_url=api_url,
        pid=os.getpid() if pid is None else pid,
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,  # type: ignore[arg-type]
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
            ui_url=str(data.get("ui_url", "")),
            files_url=str(data.get("files_url", "")),
            auth=bool(data.get("auth", False)),
            prefect_home=str(data.get("prefect_home", "")),
            commands_socket=str(data.get("commands_socket", "")),
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
