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
    MISSING,
    fmt_date,
    fmt_number,
    fmt_percent,
)
from tasks.core.periods import Period, ReportingCalendar, place_date_line
from tasks.report.annexes import indicator_elements, quality_annex, values_annex
from tasks.report.comparison import compare_with_base, load_unit_values, plan_periods, trend
from tasks.report.coverage import coverage
from tasks.report.indicators import (
    indicator_row,
)
from tasks.report.model import (
    Closing,
    DocumentMeta,
    Header,
    ReportModel,
    TargetProgress,
    TimelinessRow,
)
from tasks.report.monitoring import (
    activity_rows,
    channel_rows,
    log_check_rows,
    monitoring_tables,
)
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
    doc_number: str = "",
    signer: str = "",
    replaces: str = "",
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
        channels = channel_rows(con, catalog, period)
        narratives = narrative_sections(con, catalog, period, excerpts_per_section, excerpt_chars)
        quarters = plan_periods(period)
        elements = sorted(
            {m.element for m in catalog.monitoring} | set(indicator_elements(catalog))
        )
        unit_values = load_unit_values(con, quarters, elements)
        comparison = compare_with_base(unit_values, catalog, period, previous)
        trend_data = trend(unit_values, catalog, period)
        values_tables = values_annex(con, catalog, period)
        quality = quality_annex(con, catalog, period, issued_on)
        timeliness = timeliness_rows(con, catalog, period, calendar)
    finally:
        con.close()
    cover = coverage(catalog, period, expected, submitted)
    progress = target_progress(indicators, period)
    log_check = log_check_rows(catalog, activities, monitoring)

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
        doc_number=f"Số: {doc_number}/{issuer.doc_suffix}"
        if doc_number
        else f"Số:{NBSP * 7}/{issuer.doc_suffix}",
        archive_code=issuer.archive_code,
        place_date=place_date_line(issued_on, org.place),
        title=REPORT_TITLE,
        summary=summary,
        addressee=f"Kính gửi: {org.addressee}",
        draft=not final,
        draft_label="" if final else "DỰ THẢO",
        annex_reference=(
            f"(Kèm theo Báo cáo số {doc_number or NBSP * 7}/{issuer.doc_suffix} ngày "
            f"{fmt_date(issued_on)} của {issuer_short})"
        ),
    )
    intro = (
        f"Thực hiện {org.de_an.decision} ban hành {org.de_an.title} (sau đây gọi là Đề án), trên cơ sở "
        f"báo cáo của các cơ quan, đơn vị, địa phương, {issuer_short} báo cáo kết quả thực hiện Đề án "
        f"{label} như sau:"
    )
    if replaces:
        intro = f"{replaces} {intro}"
    first = period.quarters_of_year_to_date()[0] if period.quarters_of_year_to_date() else period
    ytd_window_text = (
        f"từ ngày {fmt_date(first.window_start)} đến ngày {fmt_date(period.window_end)}"
    )
    data_note = (
        f"Số liệu được tổng hợp từ báo cáo của các đơn vị, tính {status.window_text}; hạn gửi báo cáo của "
        f"các đơn vị là ngày {status.deadline_text}. Các tỷ lệ được tính bằng tổng tử số chia cho tổng mẫu "
        "số của các đơn vị có báo cáo (không lấy trung bình tỷ lệ của từng đơn vị); mỗi đơn vị chỉ tính "
        "bản báo cáo hợp lệ gửi sau cùng. Phương pháp tổng hợp tại Biểu số 04."
    )
    method_notes = method(catalog, period, ytd_window_text, comparison)
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
        signer_name=signer or issuer.signer_name,
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
        results_summary=results_summary(monitoring, comparison, period, catalog),
        status=status,
        highlights=narratives["ket_qua"],
        difficulties=narratives["kho_khan"],
        proposals=narratives["de_xuat"],
        next_tasks_units=narratives["nhiem_vu"],
        assessment=assessment(indicators, comparison, status, narratives, catalog, period),
        next_tasks=next_tasks(indicators, status, period, calendar),
        proposals_generated=proposals(indicators, period, org.addressee),
        closing=closing,
        ytd_window_text=ytd_window_text,
        comparison=comparison,
        trend=trend_data,
        coverage=cover,
        method_notes=method_notes,
        channels=channels,
        log_check=log_check,
        values_tables=values_tables,
        quality=quality,
        timeliness=timeliness,
        target_progress=progress,
    )


def target_progress(indicators, period: Period) -> tuple[TargetProgress, ...]:
    """Each indicator with a target this year: its result as % of the target, and the share of the
    target due by now (pro rata for year-to-date sums: quarters elapsed/4; 100% for rates measured
    at a date)."""
    out = []
    for i in indicators:
        if not i.target:
            continue
        achieved = None if i.value is None else i.value / i.target * 100
        expected = period.quarter / 4 * 100 if i.scope == "year_to_date" else 100.0
        out.append(
            TargetProgress(
                i.code,
                i.value_text,
                i.target_text,
                achieved,
                expected,
                MISSING if achieved is None else fmt_number(achieved, 1) + "%",
                fmt_number(expected, 1) + "%",
            )
        )
    return tuple(out)


def timeliness_rows(
    con, catalog: Catalog, period: Period, calendar: ReportingCalendar
) -> tuple[TimelinessRow, ...]:
    """Submission timeliness of the last four quarters (of the plan), oldest first."""
    quarters = [period]
    while len(quarters) < 4 and quarters[-1].prev().in_de_an:
        quarters.append(quarters[-1].prev())
    rows = []
    for q in reversed(quarters):
        expected = catalog.expected_units(q.window_start, q.window_end)
        st = submission_status(con, catalog, q, expected, calendar)
        rows.append(
            TimelinessRow(
                q.id,
                q.label_vi,
                st.expected,
                st.on_time,
                st.late,
                st.missing,
                f"{st.on_time}/{st.expected} ({fmt_percent(st.on_time / st.expected if st.expected else None)})",
            )
        )
    return tuple(rows)


def method(catalog: Catalog, period: Period, ytd_window_text: str, comparison) -> tuple[str, ...]:
    """The method note (Biểu số 04): how every figure is computed, in the reviewer's words."""
    notes = [
        f"Kỳ báo cáo {period.label_vi}: số liệu tính từ ngày {fmt_date(period.window_start)} đến ngày "
        f"{fmt_date(period.window_end)} (từ ngày 15 tháng cuối quý trước đến ngày 14 tháng cuối quý). "
        f"Lũy kế năm {period.year} tính {ytd_window_text}, gồm các quý của năm {period.year} đến hết "
        f"{period.label_vi}; số đơn vị có số liệu lũy kế tính trên mọi đơn vị phải báo cáo trong ít nhất "
        "một quý của năm (kể cả đơn vị đã sắp xếp lại).",
        "Đơn vị phải báo cáo là đơn vị đang hoạt động tại ngày chốt số liệu của kỳ. Đơn vị được thành "
        "lập do sắp xếp, sáp nhập trong kỳ báo cáo số liệu của cả kỳ, gồm cả số liệu của các đơn vị tiền "
        "thân từ ngày đầu kỳ đến trước ngày sáp nhập; đơn vị tiền thân không gửi báo cáo riêng cho kỳ đó. "
        "Đơn vị giải thể không có đơn vị kế thừa (như UBND quận, huyện từ 01/07/2025) không phải báo cáo "
        "kỳ có ngày giải thể; hoạt động của các đơn vị này trong phần đầu kỳ do đơn vị tiếp nhận nhiệm vụ "
        "trên địa bàn báo cáo.",
        "Tỷ lệ = tổng tử số/tổng mẫu số của các đơn vị có báo cáo đủ số liệu (không lấy trung bình tỷ lệ "
        "của từng đơn vị). Mỗi đơn vị chỉ tính bản báo cáo hợp lệ gửi sau cùng; tình trạng đúng hạn/trễ "
        "hạn tính theo bản hợp lệ gửi lần đầu.",
        comparison.note
        + " Xu hướng các quý (Hình 3, Hình 4 và Biểu số 07) tính theo cùng nguyên tắc quy đổi về đơn vị hiện nay.",
        "Tổng số liệu lấy từ biểu Chỉ tiêu do đơn vị báo cáo; danh sách hoạt động (biểu Hoạt động) là "
        "các hoạt động tiêu biểu đơn vị kê khai làm minh chứng, không bắt buộc liệt kê đầy đủ, nên số "
        "lượng theo danh sách có thể nhỏ hơn tổng số báo cáo (đối chiếu tại Biểu số 02).",
    ]
    return tuple(notes)
