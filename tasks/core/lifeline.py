"""Helper processes that end with the process they work for.

A command starts helpers: its temporary Prefect API, and the worker processes that read files and
render reports. When the command is killed without a chance to stop them (kill -9, the
out-of-memory killer), nothing else would: a pool's workers (and a fork server's) wait on their
queue for ever, and the API serves nobody until someone stops it. Each helper therefore watches its
owner's pid and ends once the owner is gone.

Helpers also ignore Ctrl-C: the terminal sends it to the whole process group, and the owner
handles it (it cancels the work and stops its helpers); a helper interrupted on its own would print
a traceback (a worker still importing its modules) or leave the owner talking to a dead API. A
pool's initializer runs only once the worker has imported what it needs, so helpers are started
inside `ctrl_c_ignored_by_children`: an ignored SIGINT is inherited across exec and fork, so they
ignore it from their first instruction.

Pool workers are also started without the caller's main module (`starting_workers`). A spawned or
fork-server child imports it again as `__mp_main__` before it runs anything, unless it is a
package's `__main__`: for a flow run of a deployment, whose main module is `prefect.engine`, that
is Prefect itself, about 0.8 s and 100 MiB a worker for nothing, since the workers run functions
of this project's modules only.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing import spawn

POLL_SECONDS = 0.5


def is_gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie, ended but not yet reaped, counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] == b"Z"
    except (OSError, IndexError):
        return False  # no /proc: alive as far as we can tell


def watch(owner: int, on_gone: Callable[[], None], poll: float = POLL_SECONDS) -> threading.Thread:
    """A daemon thread calling `on_gone` once `owner` has ended."""

    def run() -> None:
        while not is_gone(owner):
            time.sleep(poll)
        on_gone()

    thread = threading.Thread(target=run, name=f"lifeline-{owner}", daemon=True)
    thread.start()
    return thread


@contextmanager
def ctrl_c_ignored_by_children() -> Iterator[None]:
    """Processes started inside the block ignore Ctrl-C from the start. This process ignores it too
    for the block's moment (starting a process: milliseconds), so keep the block to the start.
    Outside the main thread (which alone may set signal handlers) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


_MAIN_KEYS = ("init_main_from_name", "init_main_from_path")
_left_out_lock = threading.RLock()
_left_out_depth = 0


@contextmanager
def main_module_left_out() -> Iterator[None]:
    """Processes that multiprocessing starts inside the block (spawned, or forked by a fork
    server) do not import the caller's main module. What they run must not come from it (it would
    not be found there): the workers here run functions of the project's modules."""
    global _left_out_depth
    with _left_out_lock:  # other threads starting processes meanwhile wait for the block's end
        original = spawn.get_preparation_data
        if _left_out_depth == 0:

            def without_main(name: str) -> dict:
                data = original(name)
                for key in _MAIN_KEYS:
                    data.pop(key, None)
                return data

            spawn.get_preparation_data = without_main
        _left_out_depth += 1
        try:
            yield
        finally:
            _left_out_depth -= 1
            if _left_out_depth == 0:
                spawn.get_preparation_data = original


@contextmanager
def starting_workers() -> Iterator[None]:
    """Around the start of a pool's workers (for ProcessPoolExecutor: its first submits): they
    ignore Ctrl-C from their first instruction and do not import the caller's main module."""
    with ctrl_c_ignored_by_children(), main_module_left_out():
        yield


def pool_worker_start(owner: int) -> None:
    """A pool's `initializer` (with `initargs=(os.getpid(),)`): Ctrl-C is the owner's to handle,
    and the worker exits at once when the owner is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch(owner, lambda: os._exit(1))


def pool_options() -> dict:
    """The keyword arguments that give a ProcessPoolExecutor's workers this lifeline."""
    return {"initializer": pool_worker_start, "initargs": (os.getpid(),)}
