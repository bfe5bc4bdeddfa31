"""Flow `intake`: inbox -> archive -> parse -> validate -> load -> receipts."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from flows.common import settings_for
from flows.params import Home, Now
from tasks.core.workspace import workspace_catalog, workspace_lock
from tasks.intake import steps


@task(name="load-catalog", cache_policy=NONE)
def load_catalog_task(settings):
    return workspace_catalog(settings)


@task(name="collect", cache_policy=NONE)
def collect(settings, catalog):
    return steps.collect(settings, catalog)


@task(name="parse", cache_policy=NONE)
def parse(settings, batch):
    return steps.parse_batch(settings, batch)


@task(name="validate", cache_policy=NONE)
def validate(settings, catalog, batch, subs):
    return steps.validate_submissions(settings, catalog, batch, subs)


@task(name="record-and-load", cache_policy=NONE)
def record(settings, batch, subs):
    return steps.record_batch(settings, batch, subs)


@flow(name="intake", log_prints=True)
def intake(home: Home = None, now: Now = None) -> dict:
    """Take every file in inbox/, file it in the ledger, validate, load what is accepted, write receipts."""
    settings = settings_for(home, now)
    with workspace_lock(settings):
        catalog = load_catalog_task(settings)
        batch = collect(settings, catalog)
        subs = parse(settings, batch)
        subs = validate(settings, catalog, batch, subs)
        recorded = batch.recovered + record(settings, batch, subs)
    summary = steps.summarize(recorded)
    publish(summary)
    return summary


def publish(summary: dict) -> None:
    """Artifacts for the Prefect UI: counts and one row per receipt."""
    counts = summary["counts"]
    lines = ["# Kết quả tiếp nhận / Intake result", ""]
    lines += [f"- **{status}**: {n}" for status, n in sorted(counts.items())] or [
        "- Hộp thư trống (inbox empty)"
    ]
    create_markdown_artifact("\n".join(lines), key="intake-summary", description="Intake counts")
    if summary["receipts"]:
        rows = [
            {
                "tệp": r["file"],
                "đơn vị": r["unit"],
                "kỳ": r["period"],
                "phiên bản": r["version"],
                "trạng thái": r["status"],
                "đúng hạn": r["timeliness"],
                "lỗi": sum(m["severity"] == "error" for m in r["messages"]),
                "cảnh báo": sum(m["severity"] == "warning" for m in r["messages"]),
            }
            for r in summary["receipts"]
        ]
        create_table_artifact(rows, key="intake-receipts", description="Receipts of this run")
