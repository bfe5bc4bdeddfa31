"""The quarterly report's view model, assembled: `build_report_model` opens the warehouse read-only,
runs the `schemas/sql/report_*.sql` queries through the sections (indicators, monitoring, submission
status, narratives), closes it, and adds the document's header, prose and closing.

A period without any accepted submission still renders (zero coverage, values "—").
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from schemas.catalog_model import Catalog
from tasks.core.errors import NoDataError, WorkspaceBusyError
from tasks.core.formatting import (
    fmt_date,
)
from tasks.core.periods import Period, ReportingCalendar, place_date_line
from tasks.report.indicators import (
    indicator_row,
)
from tasks.report.model import (
    Closing,
    DocumentMeta,
    Header,
    ReportModel,
)
from tasks.report.monitoring import activity_rows, monitoring_tables
from tasks.report.narratives import EXCERPT_CHARS, EXCERPTS_PER_SECTION, narrative_sections
from tasks.report.prose import assessment, next_tasks, proposals, results_summary
from tasks.report.submission_status import submission_status

NBSP = "\u00a0"
REPORT_TITLE = "BÁO CÁO"


# --- entry point ----------------------------------------------------------------------------------
def build_report_model(
    db_path: Path,
    catalog: Catalog,
    period: Period,
    issued_on: date,
    *,
    final: bool = False,
    calendar: ReportingCalendar,
    excerpts_per_section: int = EXCERPTS_PER_SECTION,
    excerpt_chars: int = EXCERPT_CHARS,
) -> ReportModel:
    """Everything the quarterly report shows for `period`, as plain values.

    A period without any accepted submission is still reported (zero coverage); only a missing
    warehouse file raises NoDataError. The warehouse is opened read-only and closed before
    returning: callers must not hold a read-write connection to the same file in this process
    (DuckDB refuses two configurations of one file), and a writer in another process makes this
    raise WorkspaceBusyError.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise NoDataError(
            f"Không tìm thấy kho dữ liệu {db_path}: chưa có báo cáo nào được tiếp nhận.",
            f"Warehouse {db_path} not found: nothing has been taken in yet.",
            "Chạy `dxreport intake` trước khi lập báo cáo.",
            "Run `dxreport intake` before rendering a report.",
        )
    expected = catalog.expected_units(period.window_start, period.window_end)
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        raise WorkspaceBusyError(
            f"Không mở được kho dữ liệu {db_path} để đọc: một kết nối khác đang ghi vào kho.",
            f"Cannot open warehouse {db_path} read-only: another connection (in this or another process) is writing to it ({exc}).",
            "Chờ lượt tiếp nhận (intake) kết thúc rồi lập báo cáo lại.",
            "Wait for the running intake to finish, then render the report again.",
        ) from None
    try:
        indicators = tuple(
            indicator_row(con, catalog, ind, period, expected) for ind in catalog.indicators
        )
        status = submission_status(con, catalog, period, expected, calendar)
        submitted = {r.unit_code for r in status.rows if r.version is not None}
        monitoring, has_previous, previous, by_type = monitoring_tables(
            con, catalog, period, expected, submitted
        )
        activities = activity_rows(con, catalog, period)
        narratives = narrative_sections(con, catalog, period, excerpts_per_section, excerpt_chars)
    finally:
        con.close()

    org = catalog.organisation
    issuer = catalog.issuer_on(issued_on)
    issuer_unit = catalog.unit(issuer.unit)
    issuer_short = issuer_unit.name if issuer_unit else issuer.name
    label = period.label_vi
    summary = f"Kết quả thực hiện {org.de_an.title}, {label}"
    has_data = bool(submitted)
    header = Header(
        parent_body=tuple(org.parent_body),
        issuer_name=issuer.name,
        issuer_short=issuer_short,
        doc_number=f"Số:{NBSP * 7}/{issuer.doc_suffix}",
        archive_code=issuer.archive_code,
        place_date=place_date_line(issued_on, org.place),
        title=REPORT_TITLE,
        summary=summary,
        addressee=f"Kính gửi: {org.addressee}",
        draft=not final,
        draft_label="" if final else "DỰ THẢO",
        annex_reference=(
            f"(Kèm theo Báo cáo số{NBSP * 7}/{issuer.doc_suffix} ngày {fmt_date(issued_on)} của {issuer_short})"
        ),
    )
    intro = (
        f"Thực hiện {org.de_an.decision} ban hành {org.de_an.title} (sau đây gọi là Đề án), trên cơ sở "
        f"báo cáo của các cơ quan, đơn vị, địa phương, {issuer_short} báo cáo kết quả thực hiện Đề án "
        f"{label} như sau:"
    )
    data_note = (
        f"Số liệu được tổng hợp từ báo cáo của các đơn vị, tính {status.window_text}; hạn gửi báo cáo của "
        f"các đơn vị là ngày {status.deadline_text}. Các tỷ lệ được tính bằng tổng tử số chia cho tổng mẫu "
        "số của các đơn vị có báo cáo (không lấy trung bình tỷ lệ của từng đơn vị); mỗi đơn vị chỉ tính "
        "bản báo cáo hợp lệ gửi sau cùng."
    )
    no_data_text = (
        ""
        if has_data
        else f"Đến ngày lập báo cáo, chưa có đơn vị nào gửi báo cáo hợp lệ {label}; các chỉ tiêu dưới đây chưa có số liệu."
    )
    closing = Closing(
        closing_sentence=(
            f"Trên đây là báo cáo kết quả thực hiện Đề án {label} của {issuer_short}, kính báo cáo "
            f"{org.addressee} xem xét, chỉ đạo./."
        ),
        recipients_label="Nơi nhận:",
        recipients=tuple(f"- {r};" for r in org.recipients)
        + (f"- Lưu: VT, {issuer.archive_code}.",),
        signer_title=tuple(issuer.signer_title),
        signer_name=issuer.signer_name,
    )
    meta = DocumentMeta(
        title=f"Báo cáo {summary[0].lower() + summary[1:]}",
        author=issuer_short,
        subject=f"Báo cáo {label} - {org.de_an.title}",
        keywords=f"chuyển đổi số, Đề án truyền thông, {label}, {period.id}",
        created=issued_on.isoformat(),
    )
    return ReportModel(
        period_id=period.id,
        period_label=label,
        year=period.year,
        issued_on=fmt_date(issued_on),
        final=final,
        has_data=has_data,
        meta=meta,
        header=header,
        intro=intro,
        data_note=data_note,
        no_data_text=no_data_text,
        indicators=indicators,
        monitoring=monitoring,
        has_previous_year=has_previous,
        previous_period_label=previous.label_vi,
        by_type=by_type,
        activities=activities,
        results_summary=results_summary(monitoring, has_previous, previous, period, catalog),
        status=status,
        highlights=narratives["ket_qua"],
        difficulties=narratives["kho_khan"],
        proposals=narratives["de_xuat"],
        next_tasks_units=narratives["nhiem_vu"],
        assessment=assessment(
            indicators, monitoring, status, narratives, catalog, period, has_previous, previous
        ),
        next_tasks=next_tasks(indicators, status, period, calendar),
        proposals_generated=proposals(indicators, period, org.addressee),
        closing=closing,
    )
