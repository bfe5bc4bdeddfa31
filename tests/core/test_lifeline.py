"""Helper processes end with the process they work for (tasks/core/lifeline.py): real processes,
killed with SIGKILL, and pool workers that a terminal's Ctrl-C does not interrupt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tasks.core import lifeline

ROOT = Path(__file__).resolve().parents[2]


def _wait(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_alive_ended_and_zombie_processes():
    assert not lifeline.is_gone(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    assert _wait(lambda: lifeline.is_gone(child.pid))  # ended, not reaped yet: a zombie
    child.wait()
    assert lifeline.is_gone(child.pid)  # reaped


def test_watch_calls_back_once_the_owner_has_ended():
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    called = threading.Event()
    lifeline.watch(owner.pid, called.set, poll=0.05)
    time.sleep(0.3)
    assert not called.is_set()
    owner.kill()
    owner.wait()
    assert called.wait(5)


OWNER = """
import concurrent.futures, multiprocessing, os, sys, time
sys.path.insert(0, sys.argv[1])
from tasks.core import lifeline

def pid():
    time.sleep(0.3)  # both workers busy at once: two processes
    return os.getpid()

if __name__ == "__main__":
    ctx = multiprocessing.get_context("forkserver")
    pool = concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx, **lifeline.pool_options())
    print(*sorted({f.result() for f in [pool.submit(pid) for _ in range(2)]}), flush=True)
    time.sleep(120)
"""


def test_pool_workers_ignore_ctrl_c_and_end_with_their_owner(tmp_path):
    script = tmp_path / "owner.py"
    script.write_text(OWNER)
    owner = subprocess.Popen(
        [sys.executable, str(script), str(ROOT)], stdout=subprocess.PIPE, text=True
    )
    assert owner.stdout is not None
    try:
        workers = [int(p) for p in owner.stdout.readline().split()]
        assert len(workers) == 2 and owner.pid not in workers
        os.kill(workers[0], signal.SIGINT)  # what a terminal's Ctrl-C sends the whole group
        time.sleep(0.5)
        assert not lifeline.is_gone(workers[0])
        owner.kill()  # no chance to stop its pool
        owner.wait()
        assert _wait(lambda: all(lifeline.is_gone(w) for w in workers))
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        owner.stdout.close()
