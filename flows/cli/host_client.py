"""A command run by the warm command host of the workspace's `dxreport server` (flows/cli/warm_host.py).

Importing Prefect and a flow takes a command about 1.2 s of its 1.4-1.6 s when there is nothing to
do, and Great Expectations and matplotlib add 1.5-2 s to a cold intake or report. A running
`dxreport server` keeps a process that has imported them all once; `delegate` hands it this
command (its arguments, working directory, environment and the terminal's stdin, stdout and
stderr). The host forks a child for it, which runs the command as this process would have, the
same flow against the same server, writing to the same terminal; this process forwards Ctrl-C and
SIGTERM to it and exits with its exit code.

A command is run here as usual, without the host, when: no `dxreport server` serves the
workspace, or it has no host (yet: the host listens once it has imported everything);
`PREFECT_API_URL` is set (a server chosen by the environment); --verbose (Prefect's console logs
are set up at import); Prefect is imported already (a program calling `main(argv)`); or the host
refuses: its code differs from the files on disk (`code_fingerprint`), or another Python, or an
environment that Prefect, Great Expectations, matplotlib or Python read at import differs
(`import_env`). Nothing of the command has started then.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import struct
import sys
import sysconfig
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("flows", "tasks", "schemas", "demo", "report_templates")
# what libraries read when they are imported (the host imported them with its environment)
IMPORT_ENV_PREFIXES = ("PREFECT_", "GX_", "MPL", "PYTHON", "LC_")
IMPORT_ENV_NAMES = ("DO_NOT_TRACK", "HOME", "LANG")
CONNECT_TIMEOUT = 2.0
ANSWER_TIMEOUT = 10.0
EXIT_WAIT = 5.0  # after the exit code, for the child's last clean-up
HEADER = struct.Struct("!I")


def code_fingerprint() -> str:
    """The project's source files (path, size, modification time), the Python and its installed
    packages: what the host imported, to compare with what a command would import now."""
    digest = hashlib.sha256(os.path.realpath(sys.executable).encode())
    site = sysconfig.get_paths()["purelib"]
    try:
        digest.update(f"{site}:{os.stat(site).st_mtime_ns}".encode())
    except OSError:
        pass
    for name in SOURCE_DIRS:
        for folder, dirs, files in os.walk(ROOT / name):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for file in sorted(files):
                path = os.path.join(folder, file)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def import_env(env: Mapping[str, str]) -> dict[str, str]:
    """The part of `env` that libraries read when they are imported."""
    return {
        k: v for k, v in env.items() if k.startswith(IMPORT_ENV_PREFIXES) or k in IMPORT_ENV_NAMES
    }


def command_env(env: Mapping[str, str], api_url: str) -> dict[str, str]:
    """`env` as a command run against the server at `api_url` has it when it imports Prefect:
    telemetry off, the terminal's logs quiet (no --verbose), the server's address."""
    import flows
    from flows.cli.api import workspace_env
    from flows.cli.verbs import quiet

    out = dict(env)
    flows.default_env(out)
    quiet(False, out)
    workspace_env(out, api_url)
    return out


def send_message(sock: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    data = json.dumps(message).encode()
    payload = HEADER.pack(len(data)) + data
    if fds:
        socket.send_fds(sock, [payload], list(fds))
    else:
        sock.sendall(payload)


def receive_message(sock: socket.socket, fds: int = 0) -> tuple[dict | None, list[int]]:
    """One message (None at the end of the stream) and the descriptors sent with it."""
    received: list[int] = []
    buffer = b""
    while len(buffer) < HEADER.size:
        if fds and not received:
            chunk, received, _flags, _addr = socket.recv_fds(sock, 65536, fds)
        else:
            chunk = sock.recv(65536)
        if not chunk:
            return None, received
        buffer += chunk
    (size,) = HEADER.unpack(buffer[: HEADER.size])
    buffer = buffer[HEADER.size :]
    while len(buffer) < size:
        chunk = sock.recv(size - len(buffer))
        if not chunk:
            return None, received
        buffer += chunk
    return json.loads(buffer[:size]), received


def delegate(verbose: bool) -> int | None:
    """Run this command (sys.argv) in the workspace server's warm host; its exit code, or None when
    it is to run here (module docstring)."""
    if verbose or os.environ.get("PREFECT_API_URL", "").strip() or "prefect" in sys.modules:
        return None
    try:
        from flows.server_state import read_state
        from tasks.core.settings import load_settings

        home = load_settings().paths.home
    except Exception:  # noqa: BLE001 - a bad setting: the command says so when it runs here
        return None
    state = read_state(home)
    if state is None or not state.commands_socket:
        return None
    from flows.cli.api import choose_api

    choice = choose_api(home)  # a live server, its credentials accepted (else: one sentence)
    if choice.mode != "workspace":
        return None
    return _run_in_host(state.commands_socket)


def _run_in_host(path: str) -> int | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(path)
        sock.settimeout(ANSWER_TIMEOUT)
        request = {
            "argv": sys.argv,
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "umask": _umask(),
            "executable": os.path.realpath(sys.executable),
            "fingerprint": code_fingerprint(),
        }
        send_message(sock, request, (0, 1, 2))
        answer, _ = receive_message(sock)
    except (OSError, ValueError):
        sock.close()
        return None  # no host listening (not yet, or gone), or a closed stdin/stdout/stderr
    if not answer or not answer.get("accepted"):
        sock.close()
        return None
    return _follow(sock, int(answer["pid"]))


def _follow(sock: socket.socket, pid: int) -> int:
    """Wait for the command's exit code, forwarding Ctrl-C, SIGTERM and SIGHUP to it."""

    forwarded: list[int] = []

    def forward(signum, _frame) -> None:
        forwarded.append(signum)
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    sock.settimeout(None)
    code: int | None = None
    try:
        while code is None:
            try:
                message, _ = receive_message(sock)
            except InterruptedError:
                continue
            if message is None:
                break
            if "exit" in message:
                code = int(message["exit"])
        if code is not None:  # its end: Prefect's last logs are sent, its helpers stopped
            sock.settimeout(EXIT_WAIT)
            deadline = time.monotonic() + EXIT_WAIT
            while time.monotonic() < deadline and sock.recv(4096):
                pass
    except OSError:
        pass
    finally:
        sock.close()
    if code is None and forwarded and forwarded[-1] != signal.SIGINT:
        # ended by the SIGTERM or SIGHUP it was sent: so does this process, as it would have
        signal.signal(forwarded[-1], signal.SIG_DFL)
        os.kill(os.getpid(), forwarded[-1])
    if code is None:
        print(
            "Lệnh đã dừng bất ngờ (tiến trình chạy lệnh của máy chủ dxreport kết thúc).\n"
            "[EN] The command stopped unexpectedly (the dxreport server's process running it ended).",
            file=sys.stderr,
        )
        return 1
    return code


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
