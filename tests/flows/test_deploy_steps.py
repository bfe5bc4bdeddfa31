"""`dxreport server`'s deploy steps: tried again when a freshly started server refuses them, and a
failure that stays says what Prefect said."""

import os
import socket
import subprocess
import sys

import pytest

from flows import deployments
from tasks.core.errors import DxError


def _exits(codes):
    """A real process whose exit code is the next of `codes` (one per call)."""
    calls = []

    def step():
        code = codes[len(calls)]
        calls.append(code)
        script = f"import sys; print('lan {len(calls)}'); sys.exit({code})"
        return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)

    return step, calls


def test_a_step_that_fails_once_is_run_again_and_succeeds():
    step, calls = _exits([1, 0, 0])
    done = deployments.retried(step, attempts=3, pause=0)
    assert done.returncode == 0 and done.stdout.strip() == "lan 2"
    assert calls == [1, 0]  # not run again once done


def test_a_step_that_keeps_failing_gives_its_last_result():
    step, calls = _exits([1, 2, 3, 0])
    done = deployments.retried(step, attempts=3, pause=0)
    assert done.returncode == 3 and done.stdout.strip() == "lan 3"
    assert calls == [1, 2, 3]


@pytest.mark.slow
def test_a_deploy_nobody_answers_fails_saying_what_prefect_said(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "DXREPORT_HOME": str(tmp_path / "ws"),
        "DO_NOT_TRACK": "1",
    }
    with pytest.raises(DxError) as err:
        deployments.deploy_all(env, "dxreport")
    assert err.value.message_vi == "Không triển khai được các deployment từ prefect.yaml."
    said = err.value.message_en.removeprefix("Deploying prefect.yaml failed: ")
    assert said == "httpx.ConnectError: All connection attempts failed"  # the error, no traceback
    assert "Đã thử 3 lần" in err.value.hint_vi and "Tried 3 times" in err.value.hint_en
