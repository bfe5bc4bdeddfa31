"""The sentences the report writes from its numbers: results, assessment (strengths, shortcomings,
causes), next tasks and proposals.
"""

from __future__ import annotations

from datetime import date

from schemas.catalog_model import Catalog
from tasks.core.formatting import (
    MISSING,
    fmt_date,
    fmt_percent,
    fmt_quantity,
)
from tasks.core.periods import Period, ReportingCalendar
from tasks.report.comparison import Comparison
from tasks.report.indicators import (
    ASSESS_IN_PROGRESS,
    ASSESS_MET,
    ASSESS_NOT_MET,
    ASSESS_REFERENCE_MET,
)
from tasks.report.model import (
    Assessment,
    MonitoringRow,
    SubmissionStatus,
)
from tasks.report.naming import names_list

ACTIVITY_PHRASES = {
    "TIN_BAI": "đăng {v} tin, bài, phóng sự về chuyển đổi số",
    "BAI_MXH": "đăng {v} bài trên mạng xã hội, cổng/trang thông tin điện tử",
    "CHUONG_TRINH_PTTH": "thực hiện {v} chương trình, chuyên mục phát thanh, truyền hình",
    "LUOT_PHAT_TTCS": "phát {v} lượt tin, bài trên hệ thống truyền thanh cơ sở",
    "SU_KIEN": "tổ chức {v} hội nghị, hội thảo, cuộc thi, sự kiện",
    "LOP_TAP_HUAN": "mở {v} lớp tập huấn về chuyển đổi số",
    "NGUOI_TAP_HUAN": "tập huấn cho {v} lượt người",
    "LUOT_TIEP_CAN": "thu hút {v} lượt tiếp cận nội dung số",
    "KINH_PHI": "chi {v} triệu đồng cho hoạt động truyền thông chuyển đổi số",
}


# --- generated sentences --------------------------------------------------------------------------
def _activity_phrases(values: dict[str, float | None], catalog: Catalog) -> list[str]:
    phrases = []
    trained = values.get("NGUOI_TAP_HUAN")
    for m in catalog.monitoring:
        v = values.get(m.element)
        if v is None:
            continue
        element = catalog.element_by_code[m.element]
        text_v = fmt_quantity(v, element.whole_number)
        if m.element == "NGUOI_TAP_HUAN" and values.get("LOP_TAP_HUAN") is not None:
            continue  # said together with the classes
        template = ACTIVITY_PHRASES.get(m.element)
        if template is None:
            phrases.append(f"{m.name.lower()}: {text_v} {element.uom}")
            continue
        phrase = template.format(v=text_v)
        if m.element == "LOP_TAP_HUAN" and trained is not None:
            phrase += f" với {fmt_quantity(trained)} lượt người tham gia"
        phrases.append(phrase)
    return phrases


def results_summary(
    monitoring: tuple[MonitoringRow, ...],
    comparison: Comparison,
    period: Period,
    catalog: Catalog,
) -> tuple[str, ...]:
    sentences = []
    quarter = {m.element: m.quarter for m in monitoring}
    phrases = _activity_phrases(quarter, catalog)
    if phrases:
        sentences.append(
            f"Trong {period.label_vi} (từ ngày {fmt_date(period.window_start)} đến ngày "
            f"{fmt_date(period.window_end)}), các đơn vị đã " + "; ".join(phrases) + "."
        )
    if period.quarter > 1:
        ytd = {m.element: m.year_to_date for m in monitoring}
        phrases = _activity_phrases(ytd, catalog)
        first = period.quarters_of_year_to_date()[0]
        if phrases:
            sentences.append(
                f"Lũy kế năm {period.year} (từ ngày {fmt_date(first.window_start)} đến ngày "
                f"{fmt_date(period.window_end)}), các đơn vị đã " + "; ".join(phrases) + "."
            )
    if comparison.available:
        changes = [
            f"{r.name.lower()} {r.change_text}" for r in comparison.rows if r.change_text != MISSING
        ]
        if changes:
            sentences.append(
                f"So với cùng kỳ ({comparison.base_label}), trên cùng nhóm {comparison.groups} đơn vị: "
                + "; ".join(changes)
                + "."
            )
    return tuple(sentences)


def _reorganised_units(catalog: Catalog, period: Period) -> tuple[int, int]:
    """Units that started or ended during the period's data window (reorganisations)."""
    started = sum(
        1 for u in catalog.units if period.window_start < u.valid_from <= period.window_end
    )
    ended = sum(
        1
        for u in catalog.units
        if u.valid_to and period.window_start <= u.valid_to < period.window_end
    )
    return started, ended


def assessment(
    indicators,
    comparison: Comparison,
    status: SubmissionStatus,
    narratives,
    catalog: Catalog,
    period: Period,
) -> Assessment:
    strengths, shortcomings, causes = [], [], []
    met = [i for i in indicators if i.assessment == ASSESS_MET]
    open_ = [i for i in indicators if i.assessment in (ASSESS_IN_PROGRESS, ASSESS_NOT_MET)]
    reference_met = [i for i in indicators if i.assessment == ASSESS_REFERENCE_MET]
    no_target = [i for i in indicators if i.target is None and i.assessment != ASSESS_REFERENCE_MET]
    with_target = [i for i in indicators if i.target is not None]
    if met:
        strengths.append(
            f"Có {len(met)}/{len(with_target)} chỉ tiêu có chỉ tiêu năm {period.year} đã đạt: "
            + "; ".join(f"{i.code} ({i.value_text})" for i in met)
            + "."
        )
    for i in reference_met:
        strengths.append(
            f"{i.code} đạt {i.value_text}, {i.reference_text}; năm {period.year} chưa có chỉ tiêu."
        )
    if status.expected and status.on_time >= 0.8 * status.expected:
        strengths.append(
            f"{status.on_time}/{status.expected} đơn vị gửi báo cáo đúng hạn "
            f"({fmt_percent(status.on_time / status.expected)})."
        )
    if comparison.available:
        ups = [r for r in comparison.rows if r.change_text.startswith("tăng")]
        if ups:
            strengths.append(
                f"So với cùng kỳ ({comparison.base_label}, cùng nhóm {comparison.groups} đơn vị), "
                + "; ".join(f"{r.name.lower()} {r.change_text}" for r in ups)
                + "."
            )
    if not strengths:
        strengths.append("Số liệu báo cáo của kỳ này chưa ghi nhận kết quả nổi bật.")

    for i in open_:
        name = i.name[0].lower() + i.name[1:]
        if i.assessment == ASSESS_NOT_MET:
            shortcomings.append(
                f"{i.code} ({name}) đạt {i.value_text}, chưa đạt chỉ tiêu {i.target_text} của năm {period.year}."
            )
        else:
            shortcomings.append(
                f"{i.code} ({name}) mới đạt {i.value_text} so với chỉ tiêu {i.target_text} của năm {period.year} (đang thực hiện)."
            )
    if status.missing:
        shortcomings.append(
            f"Còn {status.missing}/{status.expected} đơn vị chưa gửi báo cáo: {names_list(status.missing_units)}."
        )
    if status.late:
        shortcomings.append(
            f"{status.late} đơn vị gửi báo cáo trễ hạn: {names_list(status.late_units)}."
        )
    if no_target:
        shortcomings.append(
            f"Chưa có chỉ tiêu năm {period.year} đối với {', '.join(i.code for i in no_target)} "
            "nên chưa đánh giá được mức độ hoàn thành."
        )
    if comparison.available:
        downs = [r for r in comparison.rows if r.change_text.startswith("giảm")]
        if downs:
            shortcomings.append(
                f"So với cùng kỳ ({comparison.base_label}, cùng nhóm {comparison.groups} đơn vị), "
                + "; ".join(f"{r.name.lower()} {r.change_text}" for r in downs)
                + "."
            )
    if not shortcomings:
        shortcomings.append("Chưa ghi nhận hạn chế từ số liệu báo cáo của kỳ này.")

    started, ended = _reorganised_units(catalog, period)
    if started or ended:
        parts = ([f"{started} đơn vị mới bắt đầu hoạt động"] if started else []) + (
            [f"{ended} đơn vị kết thúc hoạt động"] if ended else []
        )
        causes.append(
            f"Việc sắp xếp, tổ chức lại cơ quan, đơn vị hành chính trong kỳ ({', '.join(parts)}) "
            "ảnh hưởng đến việc tổ chức thực hiện và tổng hợp số liệu."
        )
    if status.missing or status.late:
        causes.append(
            "Một số đơn vị chưa gửi hoặc gửi trễ báo cáo nên số liệu tổng hợp chưa phản ánh đầy đủ kết quả thực hiện."
        )
    if narratives["kho_khan"].units_count:
        causes.append(
            "Các khó khăn, vướng mắc do đơn vị phản ánh (nêu tại Mục III) ảnh hưởng đến kết quả thực hiện."
        )
    if not causes:
        causes.append("Các đơn vị chưa nêu nguyên nhân cụ thể trong báo cáo.")
    return Assessment(tuple(strengths), tuple(shortcomings), tuple(causes))


def next_tasks(
    indicators, status: SubmissionStatus, period: Period, calendar: ReportingCalendar
) -> tuple[str, ...]:
    nxt = period.next()
    tasks = [
        "Tiếp tục triển khai các nhiệm vụ của Đề án theo kế hoạch năm; đẩy mạnh truyền thông trên các nền tảng số."
    ]
    open_ = [i for i in indicators if i.assessment in (ASSESS_IN_PROGRESS, ASSESS_NOT_MET)]
    if open_:
        tasks.append(
            "Tập trung thực hiện các chỉ tiêu chưa đạt: "
            + "; ".join(f"{i.code} ({i.value_text}/{i.target_text})" for i in open_)
            + "."
        )
    if status.missing:
        text = "Đôn đốc các đơn vị chưa gửi báo cáo"
        if status.rejected:
            text += "; hướng dẫn các đơn vị có tệp bị từ chối chỉnh sửa, gửi lại"
        tasks.append(text + ".")
    if nxt.in_window(date(nxt.year, 10, 10)):
        tasks.append(
            f"Tổ chức các hoạt động hưởng ứng Ngày Chuyển đổi số quốc gia (10/10/{nxt.year})."
        )
    tasks.append(
        f"Số liệu {nxt.label_vi} tính từ ngày {fmt_date(nxt.window_start)} đến ngày {fmt_date(nxt.window_end)}; "
        f"các đơn vị gửi báo cáo chậm nhất ngày {fmt_date(calendar.deadline(nxt))}."
    )
    return tuple(tasks)


def proposals(indicators, period: Period, addressee: str) -> tuple[str, ...]:
    """Ask for targets where a year has none: for this year while it runs (Q1-Q3), for the next
    year in Q4. An indicator that already reached its latest earlier target is said to have."""
    no_target = [i for i in indicators if i.target is None]
    if not no_target:
        return ()
    year = period.year + 1 if period.quarter == 4 else period.year
    parts = []
    for i in no_target:
        name = i.name[0].lower() + i.name[1:]
        if i.assessment == ASSESS_REFERENCE_MET:
            parts.append(f"{i.code} ({name}; kết quả đến nay {i.value_text}, {i.reference_text})")
        else:
            parts.append(f"{i.code} ({name})")
    return (
        f"Đề nghị {addressee} xem xét, giao chỉ tiêu năm {year} đối với: " + "; ".join(parts) + ".",
    )
