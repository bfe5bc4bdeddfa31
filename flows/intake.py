"""Flow `intake`: inbox -> archive -> parse -> validate -> load -> receipts."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from flows.common import fail_cleanly, run_name, settings_for
from flows.logs import register_project_loggers
from flows.params import Home, Now
from flows.shared import load_catalog
from schemas.catalog_model import Catalog
from tasks.core.settings import Settings
from tasks.core.workspace import workspace_lock
from tasks.intake import steps
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


@flow(name="intake", flow_run_name=run_name("intake"), log_prints=True)
@fail_cleanly
def intake(home: Home = None, now: Now = None) -> dict:
    """Take every file in inbox/, file it in the ledger, validate, load what is accepted, write receipts."""
    register_project_loggers()
    settings = settings_for(home, now)
    with workspace_lock(settings):
        catalog = load_catalog(settings)
        batch = collect(settings, catalog)
        recorded = list(batch.recovered)
        if batch.files:  # an empty inbox costs no reading, validating or loading
            subs = parse(settings, batch)
            subs = validate(settings, catalog, batch, subs)
            recorded += record(settings, batch, subs)
    summary = steps.summarize(recorded)
    log_outcomes(summary)
    publish(summary)
    return summary


def receipt_line(receipt: dict) -> str:
    """One line per file for the run log: outcome, unit, period, version, first error."""
    where = " ".join(
        part
        for part in (
            receipt["unit"] or "-",
            receipt["period"] or "-",
            f"v{receipt['version']}" if receipt["version"] else "",
            receipt["timeliness"] or "",
        )
        if part
    )
    line = f"{receipt['file']}: {receipt['status']} ({where})"
    errors = [m for m in receipt["messages"] if m["severity"] == "error"]
    if errors:
        first = errors[0]
        place = " ".join(p for p in (first["sheet"], first["cell"]) if p)
        line += (
            f" — {first['rule']}" + (f" [{place}]" if place else "") + f": {first['message_vi']}"
        )
        if len(errors) > 1:
            line += f" (+{len(errors) - 1} lỗi khác / more errors)"
    return line


def log_outcomes(summary: dict) -> None:
    logger = get_run_logger()
    for receipt in summary["receipts"]:
        logger.info(receipt_line(receipt))
    if not summary["receipts"]:
        logger.info("Hộp thư trống: không có tệp nào. / Inbox empty: no files.")


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
