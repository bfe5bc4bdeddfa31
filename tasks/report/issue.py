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


def report_file_name(period: Period) -> str:
    return f"bao-cao-{period.id}.pdf"


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
    final = final or already_locked
    out_dir = paths.report_dir(period.id)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / report_file_name(period)
    model = build_report_model(
        paths.warehouse, catalog, period, now.date(), final=final, calendar=settings.calendar
    )
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
    manifest_path = out_dir / "manifest.json"
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
