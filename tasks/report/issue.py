"""Issue the quarterly report: view model -> PDF in reports/<P>/ with its manifest, then (for a
final report) the period lock, a separate, irreversible step the flow runs after the PDF is written.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from schemas.catalog_model import Catalog
from tasks.core import progress
from tasks.core.files import write_atomic
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.warehouse import connect, execute, locked_periods, query, snapshot_catalog
from tasks.report.reopen import replaced_report

STAGE = "report"


@dataclass(frozen=True)
class ReportResult:
    period_id: str
    pdf_path: str
    manifest_path: str
    pages: int
    seconds: float
    final: bool  # rendered as the final report (asked for, or the period was already locked)
    locked: bool  # the period is locked after this step
    issued_at: str  # ISO date-time of the report's clock


def report_file_name(period: Period, issue_no: int = 1) -> str:
    """bao-cao-2025Q3.pdf; after a reopening the next issue gets a new name (bao-cao-2025Q3-lan-2.pdf)
    so that the issued report is never overwritten."""
    return (
        f"bao-cao-{period.id}.pdf" if issue_no == 1 else f"bao-cao-{period.id}-lan-{issue_no}.pdf"
    )


def manifest_file_name(issue_no: int = 1) -> str:
    return "manifest.json" if issue_no == 1 else f"manifest-lan-{issue_no}.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def render_report(
    settings: Settings, catalog: Catalog, period: Period, *, final: bool = False
) -> ReportResult:
    """Render the report of `period` and write its manifest. A locked period renders as final.

    Stages (progress events): query the warehouse, render the PDF, write the manifest.
    """
    from tasks.report.build import build_report_model
    from tasks.report.render import render_pdf

    paths = settings.paths
    now = settings.clock()
    progress.start(STAGE, 3, "Lập báo cáo / building the report")
    with connect(paths.warehouse) as con:  # make sure the schema and catalogue snapshot exist
        snapshot_catalog(con, catalog)
        already_locked = period.id in locked_periods(con)
        inputs = query(con, "report_inputs", period_id=period.id)
        replaced = replaced_report(con, period)  # set aside by a reopening (tasks/report/reopen.py)
    final = final or already_locked
    issue_no = replaced.issue_no if replaced else 1
    out_dir = paths.report_dir(period.id)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / report_file_name(period, issue_no)
    model = build_report_model(
        paths.warehouse, catalog, period, now.date(), final=final, calendar=settings.calendar
    )
    if replaced is not None:  # the report says which issued report it replaces
        model = replace(model, intro=f"{replaced.sentence} {model.intro}")
    progress.advance(STAGE, "số liệu / data")
    stats = render_pdf(model, pdf_path)
    progress.advance(STAGE, "PDF")
    issued_at = now.replace(microsecond=0).isoformat()
    manifest = {
        "period": period.id,
        "final": final,
        "issued_at": issued_at,
        "pdf": pdf_path.name,
        "pdf_sha256": _sha256(pdf_path),
        "pages": stats.pages,
        "inputs": [
            {"unit": r["unit_code"], "version": r["version"], "sha256": r["sha256"]} for r in inputs
        ],
        "catalog_sha256": _catalog_digest(paths.catalog),
    }
    if replaced is not None:
        manifest["replaces"] = {
            "pdf": replaced.file_name,
            "issued_at": replaced.issued_at.replace(microsecond=0).isoformat(),
            "reopened_at": replaced.reopened_at.replace(microsecond=0).isoformat(),
        }
    manifest_path = out_dir / manifest_file_name(issue_no)
    write_atomic(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2))
    progress.advance(STAGE, "manifest")
    progress.finish(STAGE)
    return ReportResult(
        period.id,
        str(pdf_path),
        str(manifest_path),
        stats.pages,
        stats.seconds,
        final,
        already_locked,
        issued_at,
    )


def lock_period(settings: Settings, period: Period, result: ReportResult) -> ReportResult:
    """Lock the period of a final report that has been written: later files are `after_lock`."""
    if not result.final:
        raise ValueError(f"only a final report locks its period ({period.id} is a draft)")
    with connect(settings.paths.warehouse) as con:
        execute(
            con,
            "report_lock_period",
            period_id=period.id,
            locked_at=datetime.fromisoformat(result.issued_at),
            report_path=str(Path(result.pdf_path).relative_to(settings.paths.home)),
            locked_by="dxreport report --final",
        )
    return replace(result, locked=True)


def issue_report(
    settings: Settings, catalog: Catalog, period: Period, *, final: bool = False
) -> ReportResult:
    """Render, and for a final report lock the period (the two steps the flow runs as tasks)."""
    result = render_report(settings, catalog, period, final=final)
    if result.final and not result.locked:
        result = lock_period(settings, period, result)
    return result


def _catalog_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
