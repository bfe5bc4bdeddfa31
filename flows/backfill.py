"""Flow `backfill`: over a range of periods, intake once, then the draft report of each period in
order, on the clock a scheduled draft of that period would have had; issued (locked) periods are
left untouched. A dry run (the default) only says what it would do. The rules are in
tasks/report/backfill.py; `dxreport backfill` runs this flow."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import cast
from uuid import UUID

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NONE

from flows.alerts import notify_failure
from flows.common import fail_cleanly, report_link, settings_for
from flows.logs import register_project_loggers
from flows.params import BackfillFrom, BackfillTo, DryRun, Home, Now
from flows.quarterly_report import RENDER_TIMEOUT
from flows.shared import load_catalog
from schemas.catalog_model import Catalog
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_lock
from tasks.report.backfill import (
    DRAFT,
    BackfillPlan,
    PeriodStep,
    backfill_markdown,
    backfill_range,
    backfill_text,
    plan_backfill,
    render_draft,
)


@task(name="render-draft", cache_policy=NONE, timeout_seconds=RENDER_TIMEOUT)
def draft(settings: Settings, catalog: Catalog, step: PeriodStep) -> PeriodStep:
    """One period's draft under the workspace lock (a period locked meanwhile is skipped)."""
    with workspace_lock(settings):
        done = render_draft(settings, catalog, step)
    get_run_logger().info(done.line())
    if done.pdf_path:  # where an operator opens it from the UI
        done = replace(done, pdf_url=report_link(settings, Path(done.pdf_path)))
    return done


def run_name() -> str:
    """`backfill-2024Q3-2025Q2-dry-run`, `backfill-2024Q3-2025Q2`; never fails (the run checks)."""
    from prefect.runtime import flow_run

    params = dict(flow_run.parameters or {})
    name = f"backfill-{params.get('from_period')}-{params.get('to_period')}"
    return name + ("-dry-run" if params.get("dry_run", True) else "")


@flow(
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
    name="backfill",
    flow_run_name=run_name,
    log_prints=True,
)
@fail_cleanly
def backfill(
    from_period: BackfillFrom,
    to_period: BackfillTo,
    dry_run: DryRun = True,
    home: Home = None,
    now: Now = None,
) -> dict:
    """Re-run intake and the draft report of every period from `from_period` to `to_period`, in
    order, never touching an issued report; by default a dry run that only lists what it would do."""
    register_project_loggers()
    periods = backfill_range(from_period, to_period)  # a bad range fails before any work
    settings = settings_for(home, now)
    plan = plan_backfill(settings, periods, dry_run=dry_run)
    if not dry_run:
        run(plan, settings, now)
    get_run_logger().info(backfill_text(plan))
    create_markdown_artifact(
        backfill_markdown(plan),
        key=plan.artifact_key,
        description=f"Backfill {plan.first}-{plan.last}" + (" (dry run)" if dry_run else ""),
    )
    return plan.to_dict()


def run(plan: BackfillPlan, settings: Settings, now: str | None) -> None:
    """Intake once (when the inbox has files), then the drafts in order, with a progress bar."""
    if plan.run_intake:
        from flows.intake import intake

        summary = intake(home=str(settings.paths.home), now=now)
        plan.intake_counts = dict(summary["counts"])
    total = len(plan.drafts())
    if not total:
        return
    catalog = load_catalog(settings)
    progress = cast(  # a flow run is synchronous: the id itself, not a coroutine
        UUID,
        create_progress_artifact(
            0.0, description=f"Chạy lại {plan.first}–{plan.last}: dự thảo từng kỳ / backfill drafts"
        ),
    )
    steps, rendered = [], 0
    for step in plan.steps:
        if step.action == DRAFT:
            step = draft(settings, catalog, step)
            rendered += 1
            update_progress_artifact(progress, 100.0 * rendered / total)
        steps.append(step)
    plan.steps = steps
