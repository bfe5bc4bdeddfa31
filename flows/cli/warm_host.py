"""The warm command host of a `dxreport server`: one process that has imported what the commands
run with, forked for each command run against that server (flows/cli/host_client.py).

A command spends most of a quick run importing: Prefect and its flow (about 1.2 s of the 1.4-1.6 s
of an intake with an empty inbox), Great Expectations and the readers (1.5-2 s of one core in a
cold intake), matplotlib for a report's charts (0.5 s). `dxreport server` starts this host once
the API answers. It sets up its environment as every command does before importing Prefect
(telemetry off, quiet logs, the server's address), imports all of that, freezes it for the
collector, and listens on a Unix socket (`socket_path`, in the server's state file). For each
connection it forks a child, which:

- takes the command's arguments, working directory, environment, umask and its stdin, stdout and
  stderr (the descriptors themselves, passed over the socket);
- refuses (and the command runs on its own, as usual) when the command's Python or the project's
  files differ from what this host imported, or when an environment variable that Prefect, Great
  Expectations, matplotlib or Python read at import differs;
- otherwise answers with its pid and becomes the command: the same `flows.cli.main`, the same flow
  against the same server, writing to the command's terminal. Its exit code goes back over the
  socket once Prefect has sent its last logs; the command exits with it. It ends when the command
  is killed (tasks/core/lifeline.py).

Only the connecting user's own commands are served (the socket is the user's, and the peer's uid is
checked). The host imports in one thread and forks from it only (`fork` copies only the calling
thread): it starts no thread of its own, and checks that none of its imports did. It ends with
its server: on SIGINT or SIGTERM (`stop_processes`), or when the server's process is gone.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import socket
import struct
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

ACCEPT_POLL = 0.5  # seconds between checks that the server is still there
REQUEST_TIMEOUT = 10.0
SOCKET_NAME = ".dxreport-commands.sock"
MAX_SOCKET_PATH = 100  # bytes; a Unix socket's path has at most 107


def socket_path_for(home: Path) -> tuple[Path, Path | None]:
    """Where the host of workspace `home` listens, and a private folder made for it (to remove at
    the end) when the workspace's path is too long for a socket's."""
    path = Path(home).resolve() / SOCKET_NAME
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        return path, None
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="dxreport-"))
    return folder / "commands.sock", folder


def start_host(home: Path, path: Path, api_url: str, log_dir: Path) -> subprocess.Popen:
    """Start the host of workspace `home` for the server at `api_url` (called by that server, whose
    pid it watches), in a process group of its own; it listens at `path` once it has imported what
    the commands run with (a command that comes earlier runs on its own). Its log is
    `log_dir/command-host.log`."""
    import subprocess

    log = open(log_dir / "command-host.log", "ab")  # noqa: SIM115 - the child's
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "flows.cli.warm_host", str(home), str(path), str(os.getpid())]
            + [api_url],
            cwd=Path(__file__).resolve().parents[2],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            process_group=0,
        )
    finally:
        log.close()


def preload(year: int) -> None:
    """Import what the commands run with: Prefect and every verb's flow, the intake's readers and
    Great Expectations, the report's model, charts and PDF joiner, the feedback writer."""
    from flows.cli import prefetch, progress_bars, verbs  # noqa: F401

    for verb in verbs.FLOW_VERBS:
        verbs._flow(verb)
    prefetch._run_imports(year)
    prefetch._intake_imports()
    prefetch._feedback_imports()
    prefetch._report_imports(False)  # WeasyPrint: not here (a long report's workers import it)


def serve(home: Path, path: Path, owner: int, api_url: str) -> None:
    """Set up, import, listen on `path` and fork a child per command until `owner` (the server's
    process) is gone or SIGINT or SIGTERM arrives."""
    from flows.cli import host_client
    from flows.cli.api import workspace_env
    from flows.cli.verbs import quiet
    from tasks.core.settings import load_settings

    quiet(False)
    workspace_env(os.environ, api_url)
    expected = host_client.import_env(os.environ)
    fingerprint = host_client.code_fingerprint()  # before importing: a file changed meanwhile
    preload(load_settings().clock().year)  # makes every command refused, never served stale
    if threading.active_count() != 1:
        raise RuntimeError(f"threads started while importing: {threading.enumerate()}")
    gc.collect()
    gc.freeze()  # the children never walk (and so never copy) what was imported here
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if path.exists() or path.is_symlink():
        path.unlink()  # a host of an earlier server of this workspace that was killed
    previous = os.umask(0o077)  # the socket is the user's alone
    try:
        listener.bind(os.fspath(path))
    finally:
        os.umask(previous)
    listener.listen(16)
    listener.settimeout(ACCEPT_POLL)
    _log(f"listening at {path} for the server at {api_url}")
    from tasks.core.lifeline import is_gone

    while not is_gone(owner):
        _reap()
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        try:
            child = os.fork()
        except OSError as exc:  # no process to spare: the command runs on its own
            _log(f"cannot fork: {exc}")
            conn.close()
            continue
        if child == 0:  # the child: the command (it never comes back here)
            listener.close()
            _become_command(conn, expected, fingerprint, api_url)
        conn.close()


def _reap() -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _refusal(request: dict, expected: dict, fingerprint: str, api_url: str) -> str:
    from flows.cli import host_client

    if request.get("executable") != os.path.realpath(sys.executable):
        return "another Python"
    if request.get("fingerprint") != fingerprint:
        return "the project's files changed since the host started"
    env = host_client.command_env(request.get("env") or {}, api_url)
    if host_client.import_env(env) != expected:
        return "an environment read at import differs"
    return ""


def _become_command(conn: socket.socket, expected: dict, fingerprint: str, api_url: str) -> None:
    """In the forked child: check the request; refused, end; accepted, run the command and exit with
    its code (after Prefect's exit handlers, then ours, which sends the code)."""
    from flows.cli import host_client

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        conn.settimeout(REQUEST_TIMEOUT)
        request, fds = host_client.receive_message(conn, fds=3)
        if request is None:  # a connection that only looked (closed without asking)
            os._exit(0)
        pid, uid, _gid = struct.unpack(
            "3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        )
        why = "no terminal" if len(fds) != 3 else ""
        why = why or ("another user" if uid != os.getuid() else "")
        why = why or _refusal(request, expected, fingerprint, api_url)
        argv = " ".join(request.get("argv", [])[1:])
        if why:
            host_client.send_message(conn, {"accepted": False, "why": why})
            _log(f"refused ({why}): {argv}")
            os._exit(0)
        host_client.send_message(conn, {"accepted": True, "pid": os.getpid()})
        _log(f"running for pid {pid}: {argv}")
    except Exception as exc:  # noqa: BLE001 - the command runs on its own then
        _log(f"refused ({type(exc).__name__}: {exc})")
        os._exit(0)
    log = os.dup(2)  # the host's log, still the child's after it takes the command's stderr
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.umask(int(request["umask"]))
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    for stream, line_buffered in ((sys.stdout, os.isatty(1)), (sys.stderr, True)):
        try:
            stream.reconfigure(line_buffering=line_buffered)  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    sys.argv = list(request["argv"])
    conn.settimeout(None)
    from tasks.core import lifeline

    lifeline.watch(pid, lambda: os._exit(1))  # the command killed: so is its run here
    code = [1]

    def report_exit() -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        try:
            host_client.send_message(conn, {"exit": code[0]})
        except OSError:
            pass
        _log(f"exit code {code[0]}", log)

    atexit.register(report_exit)  # runs after Prefect has sent its last logs (threading's exit)
    from flows.cli import main

    code[0] = main(None)
    sys.exit(code[0])


def _log(line: str, fd: int = 2) -> None:
    """One line in the host's log (its stderr: `<workspace>/.prefect/command-host.log`)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        os.write(fd, f"{stamp} [{os.getpid()}] {line}\n".encode(errors="replace"))
    except OSError:
        pass


def main(argv: list[str]) -> None:
    home, path, owner, api_url = Path(argv[0]), Path(argv[1]), int(argv[2]), argv[3]
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        serve(home, path, owner, api_url)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
