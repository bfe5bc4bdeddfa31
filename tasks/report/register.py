"""The register of issued reports (`issued_reports`): a final report is registered and its period
locked in one transaction (`lock_period`); asking again for a locked period gives the issued file
back unchanged (`issued_report`), rendered again to the same bytes if it went missing, else refused
(`IssuedReportChangedError`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from schemas.catalog_model import Catalog
from tasks.core.errors import DxError
from tasks.core.files import write_atomic_bytes
from tasks.core.periods import Period, format_date_vi
from tasks.core.settings import TZ, Settings
from tasks.core.warehouse import connect, execute, query
from tasks.report.reopen import replaced_report
from tasks.report.result import ReportResult, file_sha256, manifest_file_name
from tasks.report.signature import Signature
from tasks.report.signoff import Decision

LOCKED_BY = "dxreport report --final"


class IssuedReportChangedError(DxError):
    """The issued PDF on disk is not the one registered, and cannot be re-rendered identically."""


def issued_report(settings: Settings, catalog: Catalog, period: Period, row: dict) -> ReportResult:
    """The issued report of a locked period, as registered. A missing PDF is rendered again from the
    registered number, signer and date; the result must have the registered sha256."""
    paths = settings.paths
    pdf_path = paths.home / row["pdf_path"]
    manifest_path = paths.home / row["manifest_path"]
    if not pdf_path.is_file() or file_sha256(pdf_path) != row["pdf_sha256"]:
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


def locked_without_register(settings: Settings, period: Period, lock: dict) -> ReportResult:
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

    from tasks.report.issue import render_in  # issue.py asks this module for issued reports

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
        again = render_in(
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
        if file_sha256(Path(again.pdf_path)) == row["pdf_sha256"]:
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
                pdf_sha256=file_sha256(Path(result.pdf_path)),
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


def describe_issued(result: ReportResult) -> str:
    """One Vietnamese sentence about an issued report (for the command line and the artifacts)."""
    return (
        f"{result.doc_number}, ngày {format_date_vi(date.fromisoformat(result.issued_on))}, "
        f"người ký: {result.signer}"
    )
