"""Issue the quarterly report: view model -> PDF/A-3b in reports/<P>/ with its manifest and, for a
final report, the register entry and the period lock (one transaction, after the PDF is written).

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
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path

from schemas.catalog_model import Catalog
from tasks.core import progress
from tasks.core.errors import DxError
from tasks.core.files import write_atomic, write_atomic_bytes
from tasks.core.periods import Period, format_date_vi, issue_date
from tasks.core.settings import TZ, Settings
from tasks.core.warehouse import connect, execute, locked_periods, query, snapshot_catalog
from tasks.report.cache import CACHE_KEY_FIELD, draft_cache_key, reusable_draft
from tasks.report.inputs import (
    catalog_digest,
    code_version,
    data_digest,
    manifest_inputs,
    template_digest,
    values_csv,
)
from tasks.report.reopen import ReplacedReport, replaced_report
from tasks.report.signature import Signature, resolve_signature
from tasks.report.signoff import Decision, DraftOutdatedError

STAGE = "report"
LOCKED_BY = "dxreport report --final"


@dataclass(frozen=True)
class ReportResult:
    period_id: str
    pdf_path: str
    manifest_path: str
    pages: int
    seconds: float
    final: bool  # rendered as the final report (asked for, or the period was already issued)
    locked: bool  # the period is locked after this step
    issued_at: str  # ISO date-time of the report's clock
    issued_on: str = ""  # ISO date the report bears (a working day)
    issue_no: int = 1
    doc_number: str = ""  # "Số: 125/BC-SKHCN" for a final report, "" for a draft
    signer: str = ""
    already_issued: bool = False  # the period was issued before: this is the issued file, unchanged
    data_sha256: str = ""
    replaces: str = ""  # the issued report this one replaces (after a reopening)
    reused: bool = (
        False  # a draft whose inputs did not change: the file on disk, not rendered again
    )


class IssuedReportChangedError(DxError):
    """The issued PDF on disk is not the one registered, and cannot be re-rendered identically."""


def report_file_name(period: Period, issue_no: int = 1, *, final: bool = True) -> str:
    """bao-cao-2025Q3.pdf (final), bao-cao-2025Q3-du-thao.pdf (draft); after a reopening the next
    final report gets a new name (bao-cao-2025Q3-lan-2.pdf) so that no issued report is overwritten."""
    if not final:
        return f"bao-cao-{period.id}-du-thao.pdf"
    return (
        f"bao-cao-{period.id}.pdf" if issue_no == 1 else f"bao-cao-{period.id}-lan-{issue_no}.pdf"
    )


def manifest_file_name(issue_no: int = 1, *, final: bool = True) -> str:
    if not final:
        return "manifest-du-thao.json"
    return "manifest.json" if issue_no == 1 else f"manifest-lan-{issue_no}.json"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
        return _locked_without_register(settings, period, lock[0])
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
    return _render(
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


def _render(
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
    on_disk["pdf_sha256"] = _sha256(pdf_path)
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


def issued_report(settings: Settings, catalog: Catalog, period: Period, row: dict) -> ReportResult:
    """The issued report of a locked period, as registered. A missing PDF is rendered again from the
    registered number, signer and date; the result must have the registered sha256."""
    paths = settings.paths
    pdf_path = paths.home / row["pdf_path"]
    manifest_path = paths.home / row["manifest_path"]
    if not pdf_path.is_file() or _sha256(pdf_path) != row["pdf_sha256"]:
        _rerender_issued(settings, catalog, period, row)
    from pypdf import PdfReader

    pages = len(PdfReader(pdf_path).pages)
    return ReportResult(
        period.id,
        str(pdf_path),
        str(manifest_path),
        pages,
        0.0,
        True,
        True,
        row["issued_at"].astimezone(TZ).replace(microsecond=0).isoformat(),
        issued_on=row["issued_on"].isoformat(),
        issue_no=row["issue_no"],
        doc_number=row["doc_number_text"],
        signer=row["signer"],
        already_issued=True,
        data_sha256=row["data_sha256"],
        replaces=row["replaces"] or "",
    )


def _locked_without_register(settings: Settings, period: Period, lock: dict) -> ReportResult:
    """A period locked by an earlier version of dxreport (no register row): its file, untouched."""
    pdf_path = settings.paths.home / lock["report_path"]
    if not pdf_path.is_file():
        raise IssuedReportChangedError(
            f"Kỳ {period.label_vi} đã khóa nhưng không tìm thấy báo cáo đã ban hành {lock['report_path']}.",
            f"Period {period.id} is locked but its issued report {lock['report_path']} is missing.",
            "Khôi phục tệp từ bản lưu, hoặc mở lại kỳ (dxreport reopen) để ban hành báo cáo thay thế.",
            "Restore the file from a backup, or reopen the period (dxreport reopen) to issue a replacement.",
        )
    from pypdf import PdfReader

    at = lock["locked_at"].astimezone(TZ).replace(microsecond=0)
    return ReportResult(
        period.id,
        str(pdf_path),
        str(pdf_path.parent / manifest_file_name()),
        len(PdfReader(pdf_path).pages),
        0.0,
        True,
        True,
        at.isoformat(),
        issued_on=at.date().isoformat(),
        already_issued=True,
    )


def _rerender_issued(settings: Settings, catalog: Catalog, period: Period, row: dict) -> None:
    """Render the registered report again into a scratch folder; put it in place only when its
    bytes are the registered ones (same inputs, same code), else refuse."""
    import shutil

    pdf_path = settings.paths.home / row["pdf_path"]
    scratch = pdf_path.parent / (pdf_path.name + ".rerender")
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        with connect(settings.paths.warehouse, read_only=True) as con:
            replaced = replaced_report(con, period)
            decisions = query(con, "report_decisions_of", period_id=period.id)
        if replaced is not None and replaced.issue_no != row["issue_no"]:
            replaced = None
        issued_at = row["issued_at"].astimezone(TZ)
        approving = [d for d in decisions if d["approved"] and d["decided_at"] <= row["issued_at"]]
        again = _render(
            settings,
            catalog,
            period,
            scratch / pdf_path.name,
            row["issued_on"],
            issued_at,
            Signature(row["doc_number"], row["signer"]),
            row["issue_no"],
            replaced,
            _decision_from_row(approving[-1]) if approving else None,
        )
        if _sha256(Path(again.pdf_path)) == row["pdf_sha256"]:
            write_atomic_bytes(pdf_path, Path(again.pdf_path).read_bytes())
            return
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    raise IssuedReportChangedError(
        f"Báo cáo đã ban hành {row['pdf_path']} bị thiếu hoặc bị sửa, và không lập lại được đúng "
        "bản đã ban hành (số liệu hoặc phần mềm đã thay đổi).",
        f"The issued report {row['pdf_path']} is missing or was modified, and rendering it again "
        "does not give the issued bytes (the data or the software changed).",
        f"Khôi phục tệp từ bản lưu (sổ đăng ký ghi sha256 {row['pdf_sha256'][:16]}…), hoặc mở lại "
        f"kỳ (dxreport reopen --period {period.id}) để ban hành báo cáo thay thế.",
        f"Restore the file from a backup (the register holds sha256 {row['pdf_sha256'][:16]}…), or "
        f"reopen the period (dxreport reopen --period {period.id}) to issue a replacement.",
    )


def _decision_from_row(row: dict) -> Decision:
    return Decision(
        period_id=row["period_id"],
        approved=row["approved"],
        reviewer=row["reviewer"],
        reason=row["reason"] or "",
        decided_at=row["decided_at"].astimezone(TZ),
        draft_pdf=row["draft_pdf"],
        draft_sha256=row["draft_sha256"],
        data_sha256=row["data_sha256"],
        source=row["source"],
        flow_run_id=row["flow_run_id"] or "",
    )


def lock_period(settings: Settings, period: Period, result: ReportResult) -> ReportResult:
    """Register the final report and lock its period, in one transaction: from now on files for
    this period are `after_lock`, and asking for the report returns this file."""
    if not result.final:
        raise ValueError(f"only a final report locks its period ({period.id} is a draft)")
    if result.already_issued:
        return result
    home = settings.paths.home
    with connect(settings.paths.warehouse) as con:
        con.execute("BEGIN")
        try:
            execute(
                con,
                "report_register_insert",
                period_id=period.id,
                issue_no=result.issue_no,
                doc_number=result.doc_number.split(":", 1)[-1].split("/", 1)[0].strip(),
                doc_number_text=result.doc_number,
                signer=result.signer,
                issued_on=date.fromisoformat(result.issued_on),
                issued_at=datetime.fromisoformat(result.issued_at),
                pdf_path=str(Path(result.pdf_path).relative_to(home)),
                pdf_sha256=_sha256(Path(result.pdf_path)),
                manifest_path=str(Path(result.manifest_path).relative_to(home)),
                data_sha256=result.data_sha256,
                replaces=result.replaces or None,
            )
            execute(
                con,
                "report_lock_period",
                period_id=period.id,
                locked_at=datetime.fromisoformat(result.issued_at),
                report_path=str(Path(result.pdf_path).relative_to(home)),
                locked_by=LOCKED_BY,
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return replace(result, locked=True)


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


def describe_issued(result: ReportResult) -> str:
    """One Vietnamese sentence about an issued report (for the command line and the artifacts)."""
    return (
        f"{result.doc_number}, ngày {format_date_vi(date.fromisoformat(result.issued_on))}, "
        f"người ký: {result.signer}"
    )
