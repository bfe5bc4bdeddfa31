"""Issue the quarterly report: view model -> PDF/A-3b in reports/<P>/ with its manifest and, for a
final report, the register entry and the period lock (one transaction, after the PDF is written:
tasks/report/register.py).

Rules (issue 7):
- A draft is `bao-cao-<P>-du-thao.pdf`; a final report is `bao-cao-<P>.pdf` (`-lan-N` after a
  reopening). An issued report is never rewritten: asking again for a locked period returns the
  issued file from the register (`issued_reports`), re-rendered to the same bytes if it went missing.
- A final report needs a document number and a signer (parameters, else settings, else the
  catalogue's signer_name); without them it is refused with a UsageError (exit code 2).
- The date a report bears is a working day: the clock's date, or the next working day.
- The PDF carries the period's values (CSV) and the manifest (JSON) as PDF/A-3 attachments; the same
  inputs give the same bytes (dates from the issue date, the PDF identifier from the content).
- A draft is not rendered again when its inputs did not change (issue 9, tasks/report/cache.py): its
  manifest on disk records the report cache key; the same key and an intact PDF return the file as
  it is (`reused`); `force` renders it again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time
from pathlib import Path

from schemas.catalog_model import Catalog
from tasks.core import progress
from tasks.core.files import write_atomic
from tasks.core.periods import Period, issue_date
from tasks.core.settings import TZ, Settings
from tasks.core.warehouse import connect, locked_periods, query, snapshot_catalog
from tasks.report.cache import CACHE_KEY_FIELD, draft_cache_key, reusable_draft
from tasks.report.inputs import (
    catalog_digest,
    code_version,
    data_digest,
    manifest_inputs,
    template_digest,
    values_csv,
)
from tasks.report.register import issued_report, lock_period, locked_without_register
from tasks.report.reopen import ReplacedReport, replaced_report
from tasks.report.result import ReportResult, file_sha256, manifest_file_name, report_file_name
from tasks.report.signature import Signature, resolve_signature
from tasks.report.signoff import Decision, DraftOutdatedError

STAGE = "report"


def render_report(
    settings: Settings,
    catalog: Catalog,
    period: Period,
    *,
    final: bool = False,
    number: str | None = None,
    signer: str | None = None,
    decision: Decision | None = None,
    force: bool = False,
) -> ReportResult:
    """Render the report of `period` (draft, or final with number and signer) and write its manifest.

    A final report without a number takes the next one of the register (issued_reports) for the
    year it bears. With a reviewer's `decision` (sign-off), the final report is refused when the data
    changed since the approved draft, and the decision goes into its manifest.
    A period already issued (locked) is not rendered again: its issued report is returned.
    A draft whose cache key (tasks/report/cache.py: inputs, catalogue, code, templates, date) is the
    one recorded in the draft on disk, with the PDF intact, is returned as it is (`reused`), without
    building the view model or importing WeasyPrint; `force` renders it again anyway.
    Stages (progress events): query the warehouse, render the PDF, write the manifest.
    """
    paths = settings.paths
    now = settings.clock()
    with connect(paths.warehouse) as con:  # make sure the schema and catalogue snapshot exist
        snapshot_catalog(con, catalog)
        locked = period.id in locked_periods(con)
        register = query(con, "report_register_of", period_id=period.id)
        lock = query(con, "reopen_lock_of", period_id=period.id)
        replaced = replaced_report(con, period)  # set aside by a reopening (tasks/report/reopen.py)
        on = issue_date(now.date())
        last = query(con, "report_next_doc_number", year=on.year)[0]["last_number"]
        draft_key = (
            None if final or decision is not None else draft_cache_key(con, settings, period, on)
        )
    if locked and register:
        return issued_report(settings, catalog, period, register[0])
    if locked and lock and lock[0]["report_path"]:  # issued before the register existed
        return locked_without_register(settings, period, lock[0])
    next_number = str(last + 1 if last is not None else settings.report_number_start)
    signature = (
        resolve_signature(settings, catalog, on, number, signer, next_number) if final else None
    )
    issue_no = replaced.issue_no if replaced else 1
    out_dir = paths.report_dir(period.id)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_path = out_dir / report_file_name(period, issue_no, final=final)
    if draft_key is not None and not force:
        manifest_path = out_dir / manifest_file_name(issue_no, final=False)
        kept = reusable_draft(pdf_path, manifest_path, draft_key)
        if kept is not None:
            return _reused_draft(period, pdf_path, manifest_path, kept)
    return render_in(
        settings,
        catalog,
        period,
        pdf_path,
        on,
        now,
        signature,
        issue_no,
        replaced,
        decision,
        cache_key=draft_key,
    )


def _reused_draft(period: Period, pdf_path: Path, manifest_path: Path, kept: dict) -> ReportResult:
    """The draft on disk, described from its manifest (nothing rendered)."""
    replaces = kept.get("replaces")
    return ReportResult(
        period.id,
        str(pdf_path),
        str(manifest_path),
        int(kept.get("pages", 0)),
        0.0,
        False,
        False,
        str(kept.get("issued_at", "")),
        issued_on=str(kept.get("issued_on", "")),
        issue_no=int(kept.get("issue_no", 1)),
        data_sha256=str(kept.get("data_sha256", "")),
        replaces=str(replaces.get("pdf", "")) if isinstance(replaces, dict) else "",
        reused=True,
    )


def render_in(
    settings: Settings,
    catalog: Catalog,
    period: Period,
    pdf_path: Path,
    on: date,
    now: datetime,
    signature: Signature | None,
    issue_no: int,
    replaced: ReplacedReport | None,
    decision: Decision | None = None,
    cache_key: str | None = None,
) -> ReportResult:
    """Build the model, render the PDF to `pdf_path` with its attachments and write the manifest
    beside it (or, in a `.rerender` scratch folder, as `<pdf>.json`); nothing is registered here."""
    from tasks.report import parts
    from tasks.report.build import build_report_model
    from tasks.report.render import Attachment, render_pdf

    paths = settings.paths
    final = signature is not None
    workers = parts.planned_workers(settings.report_workers)
    if parts.likely_split(len(catalog.units), workers):  # rendered in parts (render_pdf):
        parts.warm_up()  # their fork server imports the renderer while the model is built
    progress.start(STAGE, 3, "Lập báo cáo / building the report")
    model = build_report_model(
        paths.warehouse,
        catalog,
        period,
        on,
        final=final,
        calendar=settings.calendar,
        doc_number=signature.number if signature else "",
        signer=signature.signer if signature else "",
        replaces=replaced.sentence if replaced else "",
    )
    with connect(paths.warehouse, read_only=True) as con:
        inputs = manifest_inputs(con, period)
        csv_bytes = values_csv(con, catalog, period)
    progress.advance(STAGE, "số liệu / data")
    issued_at = now.replace(microsecond=0).isoformat()
    doc_number = model.header.doc_number if final else ""
    catalog_sha256 = catalog_digest(paths.catalog)
    data_sha256 = data_digest(inputs, catalog_sha256)
    if decision is not None and decision.data_sha256 != data_sha256:
        raise DraftOutdatedError(period)
    manifest = {
        "period": period.id,
        "final": final,
        "issue_no": issue_no,
        "doc_number": doc_number,
        "signer": model.closing.signer_name if final else "",
        "issued_on": on.isoformat(),
        "pdf": pdf_path.name,
        "inputs": inputs,
        "values_csv_sha256": hashlib.sha256(csv_bytes).hexdigest(),
        "catalog_sha256": catalog_sha256,
        "template_sha256": template_digest(),
        "code_version": code_version(),
        "data_sha256": data_sha256,
    }
    if decision is not None:
        manifest["sign_off"] = decision.manifest_entry()
    if replaced is not None:
        manifest["replaces"] = {
            "pdf": replaced.file_name,
            "issued_at": replaced.issued_at.astimezone(TZ).replace(microsecond=0).isoformat(),
            "reopened_at": replaced.reopened_at.astimezone(TZ).replace(microsecond=0).isoformat(),
            "reason": replaced.reason,
        }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    stamp = datetime.combine(on, time(0, 0), TZ)
    attachments = (
        Attachment(
            f"so-lieu-{period.id}.csv",
            csv_bytes,
            f"Số liệu {period.label_vi} của các đơn vị (bản hợp lệ sau cùng)",
            "Data",
            stamp,
        ),
        Attachment(
            f"manifest-{period.id}.json",
            manifest_bytes,
            "Danh mục đầu vào: sha256 của từng bản báo cáo, danh mục, mẫu, phiên bản phần mềm",
            "Supplement",
            stamp,
        ),
    )
    stats = render_pdf(model, pdf_path, attachments=attachments, workers=workers)
    progress.advance(STAGE, "PDF")
    on_disk = dict(manifest)
    on_disk["pdf_sha256"] = file_sha256(pdf_path)
    on_disk["pages"] = stats.pages
    on_disk["issued_at"] = issued_at
    if cache_key is not None:  # on disk only: the PDF's bytes do not depend on it
        on_disk[CACHE_KEY_FIELD] = cache_key
    manifest_path = pdf_path.parent / manifest_file_name(issue_no, final=final)
    if pdf_path.parent.name.endswith(".rerender"):
        manifest_path = pdf_path.with_suffix(".json")
    write_atomic(manifest_path, json.dumps(on_disk, ensure_ascii=False, indent=2))
    progress.advance(STAGE, "manifest")
    progress.finish(STAGE)
    return ReportResult(
        period.id,
        str(pdf_path),
        str(manifest_path),
        stats.pages,
        stats.seconds,
        final,
        False,
        issued_at,
        issued_on=on.isoformat(),
        issue_no=issue_no,
        doc_number=doc_number,
        signer=model.closing.signer_name if final else "",
        data_sha256=data_sha256,
        replaces=replaced.file_name if replaced else "",
    )


def issue_report(
    settings: Settings,
    catalog: Catalog,
    period: Period,
    *,
    final: bool = False,
    number: str | None = None,
    signer: str | None = None,
    decision: Decision | None = None,
) -> ReportResult:
    """Render, and for a final report register it and lock the period (the flow's two tasks)."""
    result = render_report(
        settings, catalog, period, final=final, number=number, signer=signer, decision=decision
    )
    if result.final and not result.locked:
        result = lock_period(settings, period, result)
    return result
