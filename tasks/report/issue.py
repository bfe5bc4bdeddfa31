"""Issue the quarterly report: view model -> PDF in reports/<P>/, a manifest, and the period lock."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from schemas.catalog_model import Catalog
from tasks.core.periods import Period
from tasks.core.settings import Settings
from tasks.core.warehouse import connect, locked_periods, snapshot_catalog
from tasks.intake.collect import write_atomic


@dataclass(frozen=True)
class ReportResult:
    period_id: str
    pdf_path: str
    manifest_path: str
    pages: int
    seconds: float
    final: bool
    locked: bool


def report_file_name(period: Period) -> str:
    return f"bao-cao-{period.id}.pdf"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def issue_report(
    settings: Settings, catalog: Catalog, period: Period, *, final: bool = False
) -> ReportResult:
    """Render the report of `period`; with `final`, lock the period (no more submissions count)."""
    from tasks.report.build import build_report_model
    from tasks.report.render import render_pdf

    paths = settings.paths
    now = settings.clock()
    with connect(paths.warehouse) as con:  # make sure the schema and catalogue snapshot exist
        snapshot_catalog(con, catalog)
        already_locked = period.id in locked_periods(con)
        inputs = con.execute(
            "SELECT unit_code, version, sha256 FROM current_submissions WHERE period_id = ? ORDER BY unit_code",
            [period.id],
        ).fetchall()
    final = final or already_locked
    out_dir = paths.report_dir(period.id)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / report_file_name(period)
    model = build_report_model(paths.warehouse, catalog, period, now.date(), final=final)
    stats = render_pdf(model, pdf_path)
    manifest = {
        "period": period.id,
        "final": final,
        "issued_at": now.replace(microsecond=0).isoformat(),
        "pdf": pdf_path.name,
        "pdf_sha256": _sha256(pdf_path),
        "pages": stats.pages,
        "inputs": [{"unit": u, "version": v, "sha256": s} for u, v, s in inputs],
        "catalog_sha256": _catalog_digest(paths.catalog),
    }
    manifest_path = out_dir / "manifest.json"
    write_atomic(manifest_path, json.dumps(manifest, ensure_ascii=False, indent=2))
    if final and not already_locked:
        lock_period(settings, period, now, pdf_path)
    return ReportResult(
        period.id, str(pdf_path), str(manifest_path), stats.pages, stats.seconds, final, final
    )


def lock_period(settings: Settings, period: Period, when: datetime, pdf_path: Path) -> None:
    with connect(settings.paths.warehouse) as con:
        con.execute(
            "INSERT INTO period_locks VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                period.id,
                when,
                str(pdf_path.relative_to(settings.paths.home)),
                "dxreport report --final",
            ],
        )


def _catalog_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
