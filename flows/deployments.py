"""Deploying prefect.yaml to a workspace's server (`deploy_all`, run by `dxreport server`), and what
must follow `prefect deploy --all`: every dxreport deployment's stored form refuses unknown keys and
has no `home` field (the workspace comes from the deployment's environment, `job_variables.env`),
and the calendar-bound deployments get their run dates from the reporting calendar (RDATE
schedules in Asia/Ho_Chi_Minh: tasks/core/run_calendar.py).

    DXREPORT_HOME=/srv/dxreport-home python -m flows.deployments

`prefect deploy` cannot say either: Prefect's ParameterSchema keeps only title, type, properties,
required and definitions. The server stores any JSON Schema, so this step PATCHes the deployments
it just created. `dxreport server` runs it after deploying.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date
from pathlib import Path
from typing import Any

import yaml

from tasks.core.errors import DxError
from tasks.core.periods import ReportingCalendar
from tasks.core.run_calendar import run_times
from tasks.core.settings import load_settings

PROJECT_DIR = Path(__file__).resolve().parent.parent
# parameters the environment gives, never the form
FROM_ENVIRONMENT = ("home",)
# deployment name -> the kind of run dates it takes from the reporting calendar
CALENDAR_RUNS = {
    "quarterly-report": "report",
    "make-templates": "templates",
    "remind-missing": "remind",
}


def deployment_names(prefect_yaml: Path = PROJECT_DIR / "prefect.yaml") -> list[str]:
    """`flow-name/deployment-name` of every deployment in prefect.yaml."""
    from prefect.flows import load_flow_from_entrypoint

    spec = yaml.safe_load(prefect_yaml.read_text(encoding="utf-8"))
    names = []
    for d in spec["deployments"]:
        flow: Any = load_flow_from_entrypoint(str(PROJECT_DIR / d["entrypoint"]))
        names.append(f"{flow.name}/{d['name']}")
    return names


def tightened(schema: dict[str, Any]) -> dict[str, Any]:
    """The form as the server should check it: no unknown keys, no environment-given fields."""
    out = dict(schema)
    out["properties"] = {
        k: v for k, v in schema.get("properties", {}).items() if k not in FROM_ENVIRONMENT
    }
    out["required"] = [k for k in schema.get("required", []) if k not in FROM_ENVIRONMENT]
    out["additionalProperties"] = False
    return out


def with_home(job_variables: dict[str, Any] | None, home: Path) -> dict[str, Any]:
    variables = dict(job_variables or {})
    env = dict(variables.get("env") or {})
    env["DXREPORT_HOME"] = str(home)
    variables["env"] = env
    return variables


def calendar_schedule(kind: str, start: date, calendar: ReportingCalendar):
    """An RDATE schedule of the run times of `kind` from `start` (two years ahead)."""
    from dateutil.rrule import rruleset
    from prefect.client.schemas.schedules import RRuleSchedule

    dates = rruleset()
    for when in run_times(kind, start, calendar):
        dates.rdate(when.astimezone(UTC))  # Prefect writes RDATEs as UTC ("...Z")
    return RRuleSchedule.from_rrule(dates)


async def tighten_deployments(names: list[str], home: Path) -> list[str]:
    """PATCH each deployment: the tightened schema, schema enforcement on, DXREPORT_HOME in its
    environment; replace the schedules of the calendar-bound ones. Returns the names done."""
    from prefect.client.orchestration import get_client

    settings = load_settings(home=home)
    today = settings.clock().date()
    done = []
    async with get_client() as client:
        for name in names:
            deployment = await client.read_deployment_by_name(name)
            body = {
                "parameter_openapi_schema": tightened(deployment.parameter_openapi_schema or {}),
                "enforce_parameter_schema": True,
                "job_variables": with_home(deployment.job_variables, home),
            }
            response = await client._client.patch(f"/deployments/{deployment.id}", json=body)
            response.raise_for_status()
            kind = CALENDAR_RUNS.get(name.split("/", 1)[1])
            if kind:
                for old in await client.read_deployment_schedules(deployment.id):
                    await client.delete_deployment_schedule(deployment.id, old.id)
                await client.create_deployment_schedules(
                    deployment.id, [(calendar_schedule(kind, today, settings.calendar), True)]
                )
            done.append(name)
    return done


# a step against a server that has just started is tried this often, this many seconds apart
DEPLOY_ATTEMPTS = 3
DEPLOY_PAUSE_SECONDS = 3.0


def retried(
    step: Callable[[], subprocess.CompletedProcess],
    attempts: int = DEPLOY_ATTEMPTS,
    pause: float = DEPLOY_PAUSE_SECONDS,
) -> subprocess.CompletedProcess:
    """Run `step` until it exits 0, at most `attempts` times; the last result. Just after its start,
    a Prefect server on SQLite can refuse a write with "database is locked" (a 500) while its own
    services write (PrefectHQ/prefect#23051); the same request succeeds a moment later. Every step
    here is an upsert, so running it again is safe."""
    for attempt in range(1, attempts + 1):
        done = step()
        if done.returncode == 0 or attempt == attempts:
            return done
        time.sleep(pause)
    raise AssertionError("unreachable")  # attempts >= 1


def _said(done: subprocess.CompletedProcess) -> str:
    """The last line a failed step printed: the error itself, without the traceback above it
    (Prefect's CLI reports some errors on stdout, exceptions on stderr)."""
    for out in (done.stderr, done.stdout):
        lines = [line.strip() for line in (out or "").splitlines() if line.strip()]
        if lines:
            return lines[-1][-300:]
    return f"exit code {done.returncode}, nothing printed"


def _run(args: list[str], env: dict) -> Callable[[], subprocess.CompletedProcess]:
    return lambda: subprocess.run(
        [sys.executable, *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )


def deploy_all(env: dict, work_pool: str) -> None:
    """Create the process work pool `work_pool` (flows.server.WORK_POOL) if missing, deploy
    everything in prefect.yaml, then tighten the stored forms (`main`, in a process of its own: it
    needs `env`'s API). Raises DxError."""
    # fails when the pool exists, which is fine; a pool it could not create, the worker creates
    _run(["-m", "prefect", "work-pool", "create", work_pool, "--type", "process"], env)()
    prefect_yaml = str(PROJECT_DIR / "prefect.yaml")
    deploy = ["-m", "prefect", "--no-prompt", "deploy", "--all", "--prefect-file", prefect_yaml]
    done = retried(_run(deploy, env))
    if done.returncode != 0:
        raise DxError(
            "Không triển khai được các deployment từ prefect.yaml.",
            f"Deploying prefect.yaml failed: {_said(done)}",
            f"Đã thử {DEPLOY_ATTEMPTS} lần. Chạy lại dxreport server; nếu vẫn lỗi, xem lỗi của "
            "Prefect ở dòng tiếng Anh.",
            f"Tried {DEPLOY_ATTEMPTS} times. Run dxreport server again; if it fails again, look "
            "into Prefect's error, quoted here.",
        )
    # the stored forms: no unknown keys, no `home` (DXREPORT_HOME of env), schema enforced
    done = retried(_run(["-m", "flows.deployments"], env))
    if done.returncode != 0:
        raise DxError(
            "Không hoàn tất được biểu mẫu tham số của các deployment.",
            f"Tightening the deployments' parameter forms failed: {_said(done)}",
            f"Đã thử {DEPLOY_ATTEMPTS} lần. Chạy lại dxreport server; nếu vẫn lỗi, xem lỗi ở dòng "
            "tiếng Anh.",
            f"Tried {DEPLOY_ATTEMPTS} times. Run dxreport server again; if it fails again, look "
            "into the error quoted here.",
        )


def main() -> int:
    home = os.environ.get("DXREPORT_HOME")
    if not home:
        print(
            "Cần DXREPORT_HOME (thư mục workspace của các deployment). / DXREPORT_HOME is needed "
            "(the deployments' workspace).",
            file=sys.stderr,
        )
        return 2
    done = asyncio.run(tighten_deployments(deployment_names(), Path(home).resolve()))
    print(f"{len(done)} deployment: biểu mẫu chặt, workspace {home} / forms tightened")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
