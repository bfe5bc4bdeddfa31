"""Shared flow helpers: settings from flow parameters, period defaults."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import ParamSpec, TypeVar, cast, get_type_hints

from tasks.core.errors import DxError, UsageError
from tasks.core.periods import Period, period_containing
from tasks.core.settings import Settings, load_settings

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


def settings_for(
    home: str | None = None, now: str | None = None, *, create: bool = False
) -> Settings:
    """Settings from a flow's parameters. A run of a deployment works only on an existing workspace
    (a misspelt home must not become a new, empty one); the command line and `create` (the demo)
    create it on first use, as INTERFACE.md says."""
    try:
        when = datetime.fromisoformat(now) if now else None
    except ValueError:
        raise UsageError(
            f"Thời điểm không hợp lệ: {now!r}.",
            f"Invalid date-time: {now!r}.",
            "Dùng dạng ISO, vd 2025-09-16T08:00:00+07:00.",
            "Use ISO form, e.g. 2025-09-16T08:00:00+07:00.",
        ) from None
    settings = load_settings(home=home, now=when)
    if not create and _in_deployment() and not is_workspace(settings.paths.home):
        raise UsageError(
            f"Không có workspace dxreport tại {settings.paths.home} (thiếu catalog/ và "
            "warehouse.duckdb).",
            f"No dxreport workspace at {settings.paths.home} (no catalog/ or warehouse.duckdb).",
            "Kiểm tra DXREPORT_HOME trong job_variables của deployment (dxreport server đặt sẵn), "
            "hoặc tạo workspace bằng một lệnh dxreport trên máy chủ.",
            "Check DXREPORT_HOME in the deployment's job_variables (dxreport server sets it), or "
            "create the workspace with a dxreport command on the server.",
        )
    return settings


def is_workspace(home: Path) -> bool:
    return (home / "catalog").is_dir() or (home / "warehouse.duckdb").is_file()


def _in_deployment() -> bool:
    if "prefect" not in sys.modules:  # no flow run without Prefect (and the CLI starts light)
        return False
    try:
        from prefect.runtime import deployment
    except ImportError:
        return False
    return bool(deployment.id)


def resolve_period(period: str | None, settings: Settings) -> Period:
    """The given period, or by default the latest period whose data window has closed."""
    if period:
        return Period.parse(period)
    return period_containing(settings.clock().date()).prev()


def fail_cleanly(fn: Callable[P, R]) -> Callable[P, R]:
    """A flow body whose expected errors (DxError) end the run Failed with the Vietnamese and English
    message as the state's message and one error log line, not a traceback. The error itself is the
    state's data, so a caller of the flow (the command line) gets it raised as usual."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from flows.logs import register_project_loggers
        from flows.progress_artifacts import ProgressArtifacts
        from tasks.core import progress

        register_project_loggers()  # also keeps Prefect's second, traceback-laden record out
        try:
            with progress.also_listening(ProgressArtifacts()):
                return fn(*args, **kwargs)
        except DxError as exc:
            from prefect import get_run_logger
            from prefect.states import Failed

            message = exc.user_message()
            get_run_logger().error(message)
            return cast(R, Failed(message=message, data=exc))

    # the flow's module resolves its (string) annotations, not this one: Prefect validates the
    # parameters against the wrapper's annotations
    wrapper.__annotations__ = get_type_hints(fn, include_extras=True)
    wrapper.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    return wrapper


def settings_of_run(params: dict) -> Settings:
    """The settings a run's parameters give (home, now), without the checks of `settings_for`:
    for what must never fail (a run's name, its failure alert)."""
    now = params.get("now")
    return load_settings(home=params.get("home"), now=datetime.fromisoformat(now) if now else None)


def run_name(kind: str) -> Callable[[], str]:
    """A flow-run name that says what ran, for `flow_run_name`: `report-2025Q3-draft`,
    `report-2025Q3-final`, `intake-2025Q3-20250916-0800`, `<kind>-2025Q3`. Never fails: a parameter
    the run will refuse anyway gives the plain kind."""

    def name() -> str:
        from prefect.runtime import flow_run

        params = dict(flow_run.parameters or {})
        try:
            settings = settings_of_run(params)
            clock = settings.clock()
            period = params.get("period") or params.get("from_period")
            p = Period.parse(period) if period else period_containing(clock.date()).prev()
        except Exception:  # noqa: BLE001 - a name must not fail the run; the run reports the error
            return kind
        if kind == "report":
            return f"report-{p.id}-{'final' if params.get('final') else 'draft'}"
        if kind == "intake":
            return f"intake-{p.id}-{clock.strftime('%Y%m%d-%H%M')}"
        return f"{kind}-{p.id}"

    return name


def report_link(settings: Settings, path: Path) -> str:
    """Where an operator opens a report from the UI: over http when `dxreport server` serves the
    workspace's files, else the file's URI."""
    try:
        from flows.links import public_url  # the file server of `dxreport server`
    except ImportError:
        return path.resolve().as_uri()
    return public_url(settings, path)


def as_is(value: T) -> T:
    """`value` passed to a task without Prefect walking through it (prefect's `quote`: the task
    gets `value` itself). Prefect visits every object of an argument to look for futures: for a
    batch of 1,000 submissions and the catalogue that was 17 s of a 1,000-file intake. Only for
    arguments that hold no future (the task's dependencies are then not tracked through it)."""
    from prefect.utilities.annotations import quote  # noqa: PLC0415 - flows import Prefect anyway

    return cast(T, quote(value))
