"""Flow `demo`: a fresh workspace, synthetic submissions for several quarters replayed on their own
clock (intake rounds on the deadline day and after it), and the final report of each quarter."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow, task
from prefect.cache_policies import NONE

from demo.replay import DEMO_REJECTION, DEMO_REVIEWER, DEMO_SIGNER, demo_doc_number
from flows.alerts import notify_failure
from flows.backfill import backfill
from flows.common import fail_cleanly, settings_for
from flows.intake import intake
from flows.make_templates import make_templates
from flows.params import Home
from flows.quarterly_report import quarterly_report
from flows.remind import remind_missing
from flows.signoff import decision_given
from schemas.catalog_model import Catalog
from tasks.core import progress
from tasks.core.errors import UsageError
from tasks.core.periods import Period, periods_between
from tasks.core.run_calendar import RUN_AT, reminder_days
from tasks.core.settings import TZ, Settings
from tasks.core.workspace import ensure_workspace, workspace_catalog

if TYPE_CHECKING:
    from demo.plan import DemoPlan

DEMO_MARKER = ".dxreport-demo"
DEMO_FIRST, DEMO_LAST = Period(2024, 1), Period(2025, 3)


def prepare_home(home: Path) -> None:
    """An empty folder, or a previous demo (replaced); anything else is refused, never deleted."""
    if home.exists() and any(home.iterdir()):
        if not (home / DEMO_MARKER).exists():
            raise UsageError(
                f"Thư mục {home} đã có dữ liệu, không phải thư mục demo: không xóa.",
                f"{home} already holds data and is not a demo workspace: refusing to overwrite it.",
                "Chọn thư mục khác với --home.",
                "Choose another folder with --home.",
            )
        shutil.rmtree(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / DEMO_MARKER).write_text(
        "demo workspace: `dxreport demo` may replace it\n", encoding="utf-8"
    )


@task(name="generate-demo-submissions", cache_policy=NONE)
def generate(settings: Settings, catalog: Catalog, periods: list[Period]) -> DemoPlan:
    from demo.generator import generate_demo

    return generate_demo(
        catalog,
        periods,
        settings.paths.home / "demo-source",
        working_days=settings.submission_working_days,
        report_day=settings.report_due_day,
    )


@task(name="deliver-to-inbox", cache_policy=NONE)
def deliver(settings: Settings, files: list[str]) -> int:
    """Put a round's files into the inbox as a unit's upload would (copy, then arrival order by mtime)."""
    for i, src in enumerate(files):
        target = settings.paths.inbox / Path(src).name
        shutil.copyfile(src, target)
        stamp = 1_700_000_000 + i
        os.utime(target, (stamp, stamp))
    return len(files)


@flow(
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
    name="demo",
    flow_run_name="demo",
    log_prints=True,
)
@fail_cleanly
def demo(home: Home = None) -> dict:
    """Build a demo workspace end to end and return the paths of the PDFs."""
    settings = settings_for(home, create=True)
    prepare_home(settings.paths.home)
    ensure_workspace(settings)
    catalog = workspace_catalog(settings)
    periods = periods_between(DEMO_FIRST, DEMO_LAST)
    plan = generate(settings, catalog, periods)
    home_s = str(settings.paths.home)
    counts: dict[str, int] = {}
    reports = []

    def replay(rounds) -> None:
        for rnd in rounds:
            deliver(settings, rnd.files)
            summary = intake(home=home_s, now=rnd.at.isoformat())
            for status, n in summary["counts"].items():
                counts[status] = counts.get(status, 0) + n

    progress.start("demo", len(periods), "Demo: các quý / quarters")
    for index, period in enumerate(periods):
        rounds = plan.rounds_for(period.id)
        replay([r for r in rounds if not r.after_report])
        at = plan.report_at[period.id]
        if period == periods[-1]:  # one reminder round after the deadline shows the reminders
            after_deadline = reminder_days(period, settings.calendar)[-1]
            remind_at = min(datetime.combine(after_deadline, RUN_AT, TZ), at - timedelta(days=2))
            reminded = remind_missing(period=period.id, home=home_s, now=remind_at.isoformat())
        if period == periods[-1]:  # one rejected draft shows the sign-off loop
            with decision_given(False, DEMO_REVIEWER, DEMO_REJECTION):
                quarterly_report(
                    period=period.id,
                    final=True,
                    home=home_s,
                    now=(at - timedelta(days=1)).isoformat(),
                    signer=DEMO_SIGNER,
                    unit_pages=False,
                )
        with decision_given(True, DEMO_REVIEWER, None):
            result = quarterly_report(
                period=period.id,
                final=True,
                home=home_s,
                now=at.isoformat(),
                number=demo_doc_number(period, index),
                signer=DEMO_SIGNER,
                unit_pages=period == periods[-1],  # one set of unit sheets keeps the demo short
            )
        reports.append(result["pdf_path"])
        replay([r for r in rounds if r.after_report])
        progress.advance("demo", period.id)
    progress.finish("demo")
    upcoming = make_templates(period=DEMO_LAST.next().id, home=home_s)  # what units fill next
    # what re-running the whole plan would do (a dry run: nothing is written)
    plan_again = backfill(from_period=DEMO_FIRST.id, to_period=DEMO_LAST.id, home=home_s)
    return {
        "home": home_s,
        "reports": reports,
        "counts": counts,
        "templates": upcoming["out_dir"],
        "reminders": {
            "period": reminded["period"],
            "round": reminded["round"],
            "units": len(reminded["units"]),
            "outbox": reminded["outbox"],
        },
        "backfill_dry_run": [f"{step['period']}: {step['action']}" for step in plan_again["steps"]],
    }
