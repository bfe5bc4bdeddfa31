"""Flow `intake`: inbox -> archive -> parse -> validate -> load -> receipts.

From `fanout_min_files` new files on, parse and validate run in parallel on Dask (task runs
`parse-validate-chunk` on a DaskTaskRunner, flows/intake_fanout.py); the writer (archive, ledger,
load, receipts) is this flow's process either way.
"""

from __future__ import annotations

from typing import cast

from prefect import flow, task
from prefect.cache_policies import NONE
from prefect.states import Completed

from flows import intake_report as report
from flows.alerts import notify_failure
from flows.common import as_is, fail_cleanly, report_link, resolve_period, run_name, settings_for
from flows.logs import register_project_loggers
from flows.params import Home, Now
from flows.shared import load_catalog
from schemas.catalog_model import Catalog
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_lock
from tasks.feedback.paths import feedback_path  # no openpyxl for an empty inbox
from tasks.intake import steps
from tasks.intake.fanout import fans_out
from tasks.intake.ledger import Recorded
from tasks.intake.steps import Batch
from tasks.intake.submission import Submission

# Seconds before a step is given up (a hung reader, Great Expectations or DuckDB call must not hold
# the workspace lock for ever); generous for a quarter's worth of files on a slow machine.
COLLECT_TIMEOUT = 600
PARSE_TIMEOUT = 1800
VALIDATE_TIMEOUT = 1800
RECORD_TIMEOUT = 1800


@task(name="collect", cache_policy=NONE, timeout_seconds=COLLECT_TIMEOUT)
def collect(settings: Settings, catalog: Catalog) -> Batch:
    return steps.collect(settings, catalog)


@task(name="parse", cache_policy=NONE, timeout_seconds=PARSE_TIMEOUT)
def parse(settings: Settings, batch: Batch) -> list[Submission | None]:
    return steps.parse_batch(settings, batch)


@task(name="validate", cache_policy=NONE, timeout_seconds=VALIDATE_TIMEOUT)
def validate(
    settings: Settings, catalog: Catalog, batch: Batch, subs: list[Submission | None]
) -> list[Submission | None]:
    return steps.validate_submissions(settings, catalog, batch, subs)


@task(name="record-and-load", cache_policy=NONE, timeout_seconds=RECORD_TIMEOUT)
def record(settings: Settings, batch: Batch, subs: list[Submission | None]) -> list[Recorded]:
    return steps.record_batch(settings, batch, subs)


@flow(
    on_failure=[notify_failure],
    on_crashed=[notify_failure],
    name="intake",
    flow_run_name=run_name("intake"),
    log_prints=True,
)
@fail_cleanly
def intake(home: Home = None, now: Now = None) -> dict:
    """Take every file in inbox/, file it in the ledger, validate, load what is accepted, write receipts."""
    register_project_loggers()
    settings = settings_for(home, now)
    with workspace_lock(settings):
        catalog = load_catalog(settings)
        # as_is(): Prefect would walk every object of these big arguments (flows/common.py)
        batch = collect(settings, as_is(catalog))
        recorded = list(batch.recovered)
        if batch.files:  # an empty inbox costs no reading, validating or loading
            if fans_out(settings, batch):  # many files: read and checked in parallel on Dask
                from flows.intake_fanout import parse_validate  # noqa: PLC0415 - imports Dask

                subs = parse_validate(settings, catalog, batch)
            else:  # a few: in this process, no cluster to start
                subs = parse(settings, as_is(batch))
                subs = validate(settings, as_is(catalog), as_is(batch), as_is(subs))
            recorded += record(settings, as_is(batch), as_is(subs))
        summary = steps.summarize(recorded)
        # what the operator sees (flows/intake_report.py): per-period groups, and each period's
        # submission status read while the lock keeps other writers out
        groups = report.by_period(summary["receipts"], resolve_period(None, settings))
        statuses = report.period_statuses(settings, catalog, list(groups))
    report.log_outcomes(summary, catalog)
    feedback = {  # the annotated copies a unit gets back, for the receipts table
        report.receipt_key(r.receipt): report_link(settings, path)
        for r in recorded
        if (path := feedback_path(settings.paths, r.receipt_name)).exists()
    }
    report.publish(summary, groups, statuses, catalog, settings.clock(), feedback)
    # the run's message in the UI says what happened; callers still get the summary
    return cast(dict, Completed(message=report.run_headline(summary), data=summary))
