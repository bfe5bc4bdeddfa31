"""The quarterly report's view model: frozen dataclasses of plain values (strings already formatted
the Vietnamese way, plus the raw numbers for tests and other consumers). Templates never see a
DataFrame or a connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


# --- the view model -------------------------------------------------------------------------------
@dataclass(frozen=True)
class DocumentMeta:
    title: str
    author: str
    subject: str
    keywords: str
    created: str  # ISO date (YYYY-MM-DD) from issued_on: two renders of one model are identical


@dataclass(frozen=True)
class Header:
    parent_body: tuple[str, ...]  # "ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÀ NẴNG"
    issuer_name: str  # "SỞ KHOA HỌC VÀ CÔNG NGHỆ"
    issuer_short: str  # "Sở Khoa học và Công nghệ"
    doc_number: str  # "Số:      /BC-SKHCN" (number left blank for the clerk)
    archive_code: str
    place_date: str  # "Đà Nẵng, ngày 20 tháng 6 năm 2025"
    title: str  # "BÁO CÁO"
    summary: str  # "Kết quả thực hiện Đề án ..., Quý II/2025"
    addressee: str  # "Kính gửi: Ủy ban nhân dân thành phố"
    draft: bool
    draft_label: str  # "DỰ THẢO" or ""
    annex_reference: str  # "(Kèm theo Báo cáo số      /BC-SKHCN ngày 20/06/2025 của ...)"


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    method: str
    scope: str
    display: str  # percent | count
    uom: str  # "%" or the element's unit ("lớp", "mô hình")
    value: float | None
    numerator: float | None
    denominator: float | None
    units_reporting: int
    units_expected: int
    target: float | None
    value_text: str  # "81,3%" / "3 lớp" / "—"
    fraction_text: str  # "61/75" / "—"
    fraction_label: str  # what the fraction counts ("người", "đơn vị", ...)
    coverage_text: str  # "5/7 đơn vị báo cáo"
    target_text: str  # "100%" / "2 lớp" / "Chưa có chỉ tiêu năm 2024"
    target_note: str
    scope_text: str
    assessment: str  # Đạt / Chưa đạt / Đang thực hiện / Đạt mức năm trước / —
    reference_text: str = ""  # no target this year: "đã đạt mức chỉ tiêu năm 2023 (2 mô hình)"


@dataclass(frozen=True)
class MonitoringRow:
    code: str
    element: str
    name: str
    uom: str
    quarter: float | None
    year_to_date: float | None
    previous_year: float | None
    quarter_text: str
    year_to_date_text: str
    previous_year_text: str
    change_text: str  # "tăng 125,0%" / "giảm 3,0%" / "—"


@dataclass(frozen=True)
class TypeColumn:
    code: str
    name: str
    coverage_text: str  # "3/4" units of that type that submitted / expected


@dataclass(frozen=True)
class TypeBreakdownRow:
    name: str
    element: str
    uom: str
    cells: tuple[str, ...]  # one per TypeColumn ("" where the type does not report it)
    total_text: str


@dataclass(frozen=True)
class TypeBreakdown:
    columns: tuple[TypeColumn, ...]
    rows: tuple[TypeBreakdownRow, ...]


@dataclass(frozen=True)
class ActivityRow:
    code: str
    name: str
    lines: int
    units: int
    quantity: float
    lines_text: str
    quantity_text: str
    reach_text: str
    cost_text: str


@dataclass(frozen=True)
class UnitStatusRow:
    """One unit's submission status for a period (grain: one row per unit)."""

    unit_code: str
    unit_name: str
    unit_type: str  # catalogue code of the unit type
    type_name: str
    status: str  # one of STATUSES (tasks.report.submission_status)
    status_text: str
    version: int | None  # the newest accepted version
    version_text: str
    received_at: datetime | None  # of the newest accepted version (or the last rejected file)
    received_on: str  # received_at as dd/mm/yyyy
    first_received_on: str  # of the first accepted version (what on time / late is judged on)
    rejected_arrivals: int
    note: str
    expected: bool


@dataclass(frozen=True)
class StatusGroup:
    type_name: str
    summary_text: str  # "8 đơn vị; đã gửi 6"
    rows: tuple[UnitStatusRow, ...]


@dataclass(frozen=True)
class SubmissionStatus:
    expected: int
    submitted: int  # expected units with an accepted version
    on_time: int  # judged on the first accepted version
    late: int
    missing: int  # expected units with no accepted version (rejected-only included)
    rejected: int  # of the missing: only rejected files
    corrected: int  # units whose current version is > 1
    unexpected: int  # units not expected on the cut-off date that still submitted
    on_time_units: tuple[str, ...]
    late_units: tuple[str, ...]
    missing_units: tuple[str, ...]
    rejected_units: tuple[str, ...]
    corrected_units: tuple[str, ...]
    rows: tuple[UnitStatusRow, ...]
    groups: tuple[StatusGroup, ...]  # the same rows grouped by unit type, in catalogue order
    window_text: str  # "từ ngày 15/03/2025 đến ngày 14/06/2025"
    deadline_text: str  # "17/06/2025"
    summary_text: str


@dataclass(frozen=True)
class Excerpt:
    unit_name: str
    text: str
    truncated: bool


@dataclass(frozen=True)
class NarrativeSection:
    key: str
    title: str
    units_count: int  # units that wrote something in this section
    excerpts: tuple[Excerpt, ...]
    empty_text: str


@dataclass(frozen=True)
class Assessment:
    strengths: tuple[str, ...]
    shortcomings: tuple[str, ...]
    causes: tuple[str, ...]


@dataclass(frozen=True)
class Closing:
    closing_sentence: str
    recipients_label: str
    recipients: tuple[str, ...]  # "- Như trên;", ..., "- Lưu: VT, SKHCN."
    signer_title: tuple[str, ...]  # ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")
    signer_name: str


@dataclass(frozen=True)
class ReportModel:
    period_id: str
    period_label: str  # "Quý II/2025"
    year: int
    issued_on: str  # dd/mm/yyyy
    final: bool
    has_data: bool
    meta: DocumentMeta
    header: Header
    intro: str
    data_note: str
    no_data_text: str
    indicators: tuple[IndicatorRow, ...]
    monitoring: tuple[MonitoringRow, ...]
    has_previous_year: bool
    previous_period_label: str  # "Quý II/2024"
    by_type: TypeBreakdown
    activities: tuple[ActivityRow, ...]
    results_summary: tuple[str, ...]
    status: SubmissionStatus
    highlights: NarrativeSection
    difficulties: NarrativeSection
    proposals: NarrativeSection
    next_tasks_units: NarrativeSection
    assessment: Assessment
    next_tasks: tuple[str, ...]
    proposals_generated: tuple[str, ...]
    closing: Closing
    # issue 7: like for like, coverage, method, traceability, charts
    ytd_window_text: str = ""  # "từ ngày 15/12/2024 đến ngày 14/09/2025"
    comparison: Any = None  # tasks.report.comparison.Comparison
    trend: Any = None  # tasks.report.comparison.Trend
    coverage: Any = None  # tasks.report.coverage.Coverage
    method_notes: tuple[str, ...] = ()
    channels: tuple = ()  # tasks.report.monitoring.ChannelRow
    log_check: tuple = ()  # tasks.report.monitoring.LogCheckRow
    values_tables: tuple = ()  # tasks.report.annexes.ValuesTable
    quality: Any = None  # tasks.report.annexes.QualityAnnex
    timeliness: tuple = ()  # TimelinessRow, the last four quarters
    target_progress: tuple = ()  # TargetProgress: the numbers of the targets chart


@dataclass(frozen=True)
class TargetProgress:
    code: str
    value_text: str
    target_text: str
    achieved: float | None  # % of the year's target
    expected: float  # % of the year's target due by now (pro rata)
    achieved_text: str
    expected_text: str


@dataclass(frozen=True)
class TimelinessRow:
    period_id: str
    label: str
    expected: int
    on_time: int
    late: int
    missing: int
    on_time_text: str  # "26/31 (83,9%)"
