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

import pytest

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
import concurrent.futures, multiprocessing, os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started by a background job
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


def _ignores_sigint(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as status:
        mask = next(line for line in status if line.startswith("SigIgn:")).split()[1]
    return bool(int(mask, 16) & (1 << (signal.SIGINT - 1)))


def test_children_started_in_the_block_ignore_ctrl_c_from_their_start():
    # as at a terminal, also when the tests run as a background job (which ignores SIGINT)
    original = signal.signal(signal.SIGINT, signal.default_int_handler)
    sleeper = [sys.executable, "-c", "import time; time.sleep(30)"]
    try:
        with lifeline.ctrl_c_ignored_by_children():
            inside = subprocess.Popen(sleeper)
        outside = subprocess.Popen(sleeper)
        try:
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # back
            assert _ignores_sigint(inside.pid) and not _ignores_sigint(outside.pid)
        finally:
            for p in (inside, outside):
                p.kill()
                p.wait()
        done = []

        def in_a_thread():
            with lifeline.ctrl_c_ignored_by_children():  # only the main thread may: nothing done
                done.append(signal.getsignal(signal.SIGINT))

        thread = threading.Thread(target=in_a_thread)
        thread.start()
        thread.join()
        assert done == [signal.default_int_handler]
    finally:
        signal.signal(signal.SIGINT, original)


MAIN_MODULE = """
import contextlib, concurrent.futures, multiprocessing, os, sys, time

if __name__ == "__mp_main__":  # a worker importing this main module again
    with open(os.environ["MARKER"], "a") as marker:
        marker.write(f"{os.getpid()}\\n")

def busy():
    time.sleep(0.3)  # both workers busy at once: two processes
    return os.getpid()

if __name__ == "__main__":
    sys.path.insert(0, os.environ["ROOT"])
    from tasks.core import lifeline

    method, left_out = sys.argv[1], sys.argv[2] == "left-out"
    pool = concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(method))
    block = lifeline.starting_workers() if left_out else contextlib.nullcontext()
    with block:  # the workers start at the submits
        futures = [pool.submit(os.getpid) for _ in range(2)]
    print(len({f.result() for f in futures}), flush=True)
    pool.shutdown()
"""


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_pool_workers_started_in_the_block_do_not_import_the_main_module(tmp_path, method):
    # as in a deployment's flow run (`python -m prefect.engine`): the main module is a module
    (tmp_path / "main_like_engine.py").write_text(MAIN_MODULE, encoding="utf-8")
    env = dict(os.environ, ROOT=str(ROOT), PYTHONPATH=str(tmp_path))
    counts = {}
    for mode in ("plain", "left-out"):
        marker = tmp_path / f"imported-{mode}.txt"
        done = subprocess.run(
            [sys.executable, "-m", "main_like_engine", method, mode],
            cwd=tmp_path,
            env=dict(env, MARKER=str(marker)),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() in {"1", "2"}  # the workers ran
        counts[mode] = len(marker.read_text().split()) if marker.exists() else 0
    assert counts["plain"] >= 1  # without the block a worker imports it: the test can fail
    assert counts["left-out"] == 0


def test_leaving_the_main_module_out_nests_and_restores():
    from multiprocessing import spawn

    original = spawn.get_preparation_data
    with lifeline.main_module_left_out():
        patched = spawn.get_preparation_data
        with lifeline.main_module_left_out():
            assert spawn.get_preparation_data is patched
        assert spawn.get_preparation_data is patched
        data = spawn.get_preparation_data("x")
        assert "init_main_from_name" not in data and "init_main_from_path" not in data
        assert data["sys_path"] == original("x")["sys_path"]
    assert spawn.get_preparation_data is original
