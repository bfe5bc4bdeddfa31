"""The quarterly report's view model: warehouse queries -> frozen dataclasses of plain values.

`build_report_model` opens the warehouse read-only, runs the `schemas/sql/report_*.sql` queries
(bound parameters only), closes it, and assembles a `ReportModel`: strings already formatted the
Vietnamese way plus the raw numbers (for tests and other consumers). Templates never see a DataFrame
or a connection.

Rules (DOMAIN.md):
- ratio_of_sums: Σ numerator / Σ denominator over the units that reported both (never an average
  of unit percentages), newest accepted version of each unit only;
- share_of_units: units of the indicator's types with every listed yes/no element = 1, over the
  units that reported all of them;
- sum with scope year_to_date: Σ over the year's quarters up to the report's period;
- coverage "n/N đơn vị báo cáo": N = units of the relevant types expected for the period (active on
  its cut-off date) plus any other unit of those types that contributed; n = contributing units;
- a year without a target says "Chưa có chỉ tiêu năm {year}" and gets no assessment;
- a period without any accepted submission still renders (zero coverage, values "—").
Narrative text from units is untrusted: it is kept as plain strings; only the Jinja autoescape in
tasks/report/render.py turns it into HTML.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from schemas.catalog_model import Catalog, Indicator, Unit
from tasks.core.errors import NoDataError, WorkspaceBusyError
from tasks.core.formatting import (
    MISSING,
    fmt_change,
    fmt_date,
    fmt_fraction,
    fmt_int,
    fmt_number,
    fmt_percent,
    fmt_quantity,
    truncate_text,
)
from tasks.core.periods import Period, place_date_line

SQL_DIR = Path(__file__).resolve().parents[1] / "schemas" / "sql"

NBSP = "\u00a0"
REPORT_TITLE = "BÁO CÁO"
EXCERPTS_PER_SECTION = 5
EXCERPT_CHARS = 300
MAX_NAMES_LISTED = 10

STATUS_TEXT = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "rejected_only": "Bị từ chối, chưa gửi lại",
    "missing": "Chưa gửi",
}
ASSESS_MET = "Đạt"
ASSESS_NOT_MET = "Chưa đạt"
ASSESS_IN_PROGRESS = "Đang thực hiện"
ASSESS_NONE = MISSING

NARRATIVE_SECTIONS = {
    "ket_qua": "Kết quả nổi bật",
    "kho_khan": "Khó khăn, vướng mắc",
    "de_xuat": "Đề xuất, kiến nghị",
    "nhiem_vu": "Nhiệm vụ quý tới",
}
NARRATIVE_EMPTY = {
    "ket_qua": "Các đơn vị chưa nêu kết quả nổi bật trong kỳ.",
    "kho_khan": "Các đơn vị không phản ánh khó khăn, vướng mắc trong kỳ.",
    "de_xuat": "Các đơn vị không có đề xuất, kiến nghị trong kỳ.",
    "nhiem_vu": "Các đơn vị chưa nêu nhiệm vụ quý tới.",
}

# How each monitored element reads in a generated sentence ("các đơn vị đã <phrase>; ...").
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
    assessment: str  # Đạt / Chưa đạt / Đang thực hiện / —


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
    lines_text: str
    quantity_text: str
    reach_text: str
    cost_text: str


@dataclass(frozen=True)
class UnitStatusRow:
    unit_code: str
    unit_name: str
    type_name: str
    status: str  # on_time | late | rejected_only | missing
    status_text: str
    version: int | None
    version_text: str
    received_on: str  # dd/mm/yyyy of the newest accepted version (or last rejected file)
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
    rejected_only: int  # of the missing: only rejected files
    corrected: int  # units whose current version is > 1
    unexpected: int  # units not expected on the cut-off date that still submitted
    on_time_units: tuple[str, ...]
    late_units: tuple[str, ...]
    missing_units: tuple[str, ...]
    rejected_only_units: tuple[str, ...]
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


# --- queries --------------------------------------------------------------------------------------
@cache
def _sql_text(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _query(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[dict[str, Any]]:
    """Run schemas/sql/<name>.sql with the named parameters it uses; rows as dicts (fully fetched)."""
    sql = _sql_text(name)
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    used = set(_PARAM.findall(code))
    missing = used - params.keys()
    if missing:
        raise ValueError(f"{name}.sql needs parameters {sorted(missing)}")
    cursor = con.execute(sql, {k: params[k] for k in used})
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# --- helpers --------------------------------------------------------------------------------------
def _clean_text(text: str) -> str:
    """Drop control/format characters (keep letters, marks, spaces); NFC-normalise Vietnamese."""
    text = unicodedata.normalize("NFC", text)
    kept = [ch if not unicodedata.category(ch).startswith("C") else " " for ch in text]
    return " ".join("".join(kept).split())


def _fold(text: str) -> str:
    """A sort key that orders Vietnamese names as a reader expects (Đ with D, diacritics ignored)."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _unit_sort_key(catalog: Catalog):
    type_order = {t.code: i for i, t in enumerate(catalog.unit_types)}

    def key(code: str) -> tuple:
        unit = catalog.unit(code)
        if unit is None:
            return (len(type_order), _fold(code), code)
        return (type_order.get(unit.type, len(type_order)), _fold(unit.name), code)

    return key


def _unit_name(catalog: Catalog, code: str) -> str:
    unit = catalog.unit(code)
    return unit.name if unit else code


def _names_list(names: list[str] | tuple[str, ...], limit: int = MAX_NAMES_LISTED) -> str:
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" và {len(names) - limit} đơn vị khác"


def _indicator_types(indicator: Indicator, catalog: Catalog) -> set[str]:
    """The unit types an indicator covers: its own list, else the types reporting all its elements."""
    if indicator.unit_types:
        return set(indicator.unit_types)
    types: set[str] | None = None
    for code in indicator.elements():
        element_types = set(catalog.element_by_code[code].unit_types)
        types = element_types if types is None else types & element_types
    return types or set()


def _is_whole(catalog: Catalog, element: str) -> bool:
    el = catalog.element_by_code.get(element)
    return el.whole_number if el else True


# --- indicators -----------------------------------------------------------------------------------
def _indicator_row(
    con, catalog: Catalog, indicator: Indicator, period: Period, expected: list[Unit]
) -> IndicatorRow:
    types = _indicator_types(indicator, catalog)
    unit_codes = [u.code for u in catalog.units if u.type in types]
    expected_codes = {u.code for u in expected if u.type in types}
    periods = (
        [p.id for p in period.quarters_of_year_to_date()]
        if indicator.scope == "year_to_date"
        else [period.id]
    )
    numerator = denominator = value = None
    reporting: list[str] = []
    uom = "%"
    fraction_label = ""
    if indicator.method == "ratio_of_sums":
        (row,) = _query(
            con,
            "report_ratio_of_sums",
            period_ids=periods,
            unit_codes=unit_codes,
            numerator=indicator.numerator,
            denominator=indicator.denominator,
        )
        numerator, denominator = row["numerator"], row["denominator"]
        reporting = list(row["units_reporting"])
        if denominator:
            value = numerator / denominator
        fraction_label = catalog.element_by_code[indicator.denominator].uom
    elif indicator.method == "share_of_units":
        (row,) = _query(
            con,
            "report_share_of_units",
            period_id=period.id,
            unit_codes=unit_codes,
            element_codes=list(indicator.all_of),
        )
        reporting = list(row["units_reporting"])
        if reporting:
            numerator, denominator = float(row["units_meeting"]), float(row["units_count"])
            value = numerator / denominator
        fraction_label = "đơn vị"
    else:  # sum
        (row,) = _query(
            con,
            "report_sum",
            period_ids=periods,
            period_id=period.id,
            unit_codes=unit_codes,
            element=indicator.numerator,
        )
        numerator = row["total"]
        reporting = list(row["units_reporting"])
        value = numerator
        uom = catalog.element_by_code[indicator.numerator].uom
        fraction_label = uom

    if indicator.display == "percent":
        value_text = fmt_percent(value)
        fraction_text = fmt_fraction(numerator, denominator)
    else:
        value_text = (
            MISSING
            if value is None
            else f"{fmt_quantity(value, _is_whole(catalog, indicator.numerator))} {uom}"
        )
        fraction_text = MISSING

    units_expected = len(expected_codes | set(reporting))
    target = indicator.target_for(period.year)
    assessment = ASSESS_NONE
    if target is None:
        target_text = f"Chưa có chỉ tiêu năm {period.year}"
    else:
        if indicator.display == "percent":
            target_text = fmt_number(target * 100, 1, trim=True) + "%"
            reached = value is not None and round(value * 100, 1) >= round(target * 100, 1)
        else:
            target_text = f"{fmt_number(target, 1, trim=True)} {uom}"
            reached = value is not None and value >= target
        if value is not None:
            if reached:
                assessment = ASSESS_MET
            elif period.quarter < 4:
                assessment = ASSESS_IN_PROGRESS
            else:
                assessment = ASSESS_NOT_MET
    if indicator.scope == "year_to_date":
        scope_text = f"Lũy kế năm {period.year} đến hết {period.label_vi}"
    else:
        scope_text = f"Tại ngày {fmt_date(period.window_end)}"
    return IndicatorRow(
        code=indicator.code,
        name=indicator.name,
        method=indicator.method,
        scope=indicator.scope,
        display=indicator.display,
        uom=uom,
        value=value,
        numerator=numerator,
        denominator=denominator,
        units_reporting=len(reporting),
        units_expected=units_expected,
        target=target,
        value_text=value_text,
        fraction_text=fraction_text,
        fraction_label=fraction_label,
        coverage_text=f"{len(reporting)}/{units_expected} đơn vị báo cáo",
        target_text=target_text,
        target_note=indicator.target_note,
        scope_text=scope_text,
        assessment=assessment,
    )


# --- monitoring -----------------------------------------------------------------------------------
def _monitoring(con, catalog: Catalog, period: Period, expected: list[Unit], submitted: set[str]):
    previous = Period(period.year - 1, period.quarter)
    ytd = [p.id for p in period.quarters_of_year_to_date()]
    period_ids = sorted(set(ytd) | ({previous.id} if previous.in_de_an else set()))
    counts = {
        r["period_id"]: r["units_submitted"]
        for r in _query(con, "report_period_counts", period_ids=period_ids)
    }
    has_previous = counts.get(previous.id, 0) > 0
    elements = [m.element for m in catalog.monitoring]
    rows = _query(
        con,
        "report_monitoring",
        period_ids=period_ids,
        element_codes=elements,
        unit_codes=[u.code for u in catalog.units],
        unit_types=[u.type for u in catalog.units],
    )
    totals: dict[tuple[str, str], float] = {}
    by_type: dict[tuple[str, str], float] = {}
    for r in rows:
        key = (r["period_id"], r["element_code"])
        totals[key] = totals.get(key, 0.0) + r["total"]
        if r["period_id"] == period.id:
            by_type[(r["unit_type"], r["element_code"])] = r["total"]

    monitoring_rows = []
    for m in catalog.monitoring:
        element = catalog.element_by_code[m.element]
        whole = element.whole_number
        quarter = totals.get((period.id, m.element))
        ytd_values = [totals[(p, m.element)] for p in ytd if (p, m.element) in totals]
        year_to_date = sum(ytd_values) if ytd_values else None
        prev = totals.get((previous.id, m.element)) if has_previous else None
        monitoring_rows.append(
            MonitoringRow(
                code=m.code,
                element=m.element,
                name=m.name,
                uom=element.uom,
                quarter=quarter,
                year_to_date=year_to_date,
                previous_year=prev,
                quarter_text=fmt_quantity(quarter, whole),
                year_to_date_text=fmt_quantity(year_to_date, whole),
                previous_year_text=fmt_quantity(prev, whole),
                change_text=fmt_change(quarter, prev),
            )
        )

    # breakdown by unit type for the quarter
    expected_by_type: dict[str, int] = {}
    for u in expected:
        expected_by_type[u.type] = expected_by_type.get(u.type, 0) + 1
    submitted_by_type: dict[str, int] = {}
    for code in submitted:
        unit = catalog.unit(code)
        if unit:
            submitted_by_type[unit.type] = submitted_by_type.get(unit.type, 0) + 1
    types = [
        t
        for t in catalog.unit_types
        if expected_by_type.get(t.code) or submitted_by_type.get(t.code)
    ]
    columns = tuple(
        TypeColumn(
            t.code,
            t.name,
            f"{submitted_by_type.get(t.code, 0)}/{max(expected_by_type.get(t.code, 0), submitted_by_type.get(t.code, 0))}",
        )
        for t in types
    )
    breakdown_rows = []
    for m in catalog.monitoring:
        element = catalog.element_by_code[m.element]
        cells = []
        for t in types:
            if t.code not in element.unit_types:
                cells.append("")
            else:
                cells.append(fmt_quantity(by_type.get((t.code, m.element)), element.whole_number))
        breakdown_rows.append(
            TypeBreakdownRow(
                name=m.name,
                uom=element.uom,
                cells=tuple(cells),
                total_text=fmt_quantity(totals.get((period.id, m.element)), element.whole_number),
            )
        )
    return (
        tuple(monitoring_rows),
        has_previous,
        previous,
        TypeBreakdown(columns, tuple(breakdown_rows)),
    )


def _activities(con, catalog: Catalog, period: Period) -> tuple[ActivityRow, ...]:
    rows = {r["activity_type"]: r for r in _query(con, "report_activities", period_id=period.id)}
    names = {a.code: a.name for a in catalog.activity_types}
    order = [a.code for a in catalog.activity_types] + sorted(set(rows) - set(names))
    out = []
    for code in order:
        r = rows.get(code)
        if r is None:
            continue
        out.append(
            ActivityRow(
                code=code,
                name=names.get(code, code),
                lines=int(r["lines"]),
                units=int(r["units"]),
                lines_text=fmt_int(r["lines"]),
                quantity_text=fmt_int(r["quantity"]),
                reach_text=fmt_int(r["reach"]),
                cost_text=fmt_quantity(r["cost"], whole=False),
            )
        )
    return tuple(out)


# --- submission status ----------------------------------------------------------------------------
def _status(
    con, catalog: Catalog, period: Period, expected: list[Unit], working_days: int
) -> SubmissionStatus:
    found = {
        r["unit_code"]: r for r in _query(con, "report_submission_status", period_id=period.id)
    }
    expected_codes = {u.code for u in expected}
    key = _unit_sort_key(catalog)
    rows: list[UnitStatusRow] = []
    lists: dict[str, list[str]] = {
        "on_time": [],
        "late": [],
        "missing": [],
        "rejected_only": [],
        "corrected": [],
    }
    unexpected = 0
    # files whose unit code is not in the catalogue are the intake's business (receipts), not the report's
    known = {c for c in found if catalog.unit(c) is not None}
    for code in sorted(expected_codes | known, key=key):
        r = found.get(code)
        unit = catalog.unit(code)
        name = unit.name if unit else code
        type_name = (
            catalog.type_by_code[unit.type].name
            if unit and unit.type in catalog.type_by_code
            else ""
        )
        is_expected = code in expected_codes
        notes: list[str] = []
        version = None
        received = MISSING
        if r is not None and r["current_version"] is not None:
            status = "on_time" if r["first_timeliness"] == "on_time" else "late"
            version = int(r["current_version"])
            received = fmt_date(r["current_received_at"])
            if version > 1:
                notes.append(f"Đã gửi điều chỉnh, dùng bản lần {version}")
                lists["corrected"].append(name)
            if r["rejected_arrivals"]:
                notes.append(f"{r['rejected_arrivals']} tệp bị từ chối")
        elif r is not None and r["rejected_arrivals"]:
            status = "rejected_only"
            received = fmt_date(r["last_rejected_at"])
            notes.append(f"{r['rejected_arrivals']} tệp bị từ chối, chưa gửi lại bản hợp lệ")
        else:
            status = "missing"
        if not is_expected:
            unexpected += 1
            notes.append("Không còn trong danh sách đơn vị phải báo cáo tại ngày chốt số liệu")
        elif status in ("missing", "rejected_only"):
            lists["missing"].append(name)
            if status == "rejected_only":
                lists["rejected_only"].append(name)
        else:
            lists[status].append(name)
        rows.append(
            UnitStatusRow(
                unit_code=code,
                unit_name=name,
                type_name=type_name,
                status=status,
                status_text=STATUS_TEXT[status],
                version=version,
                version_text=str(version) if version else MISSING,
                received_on=received,
                note="; ".join(notes),
                expected=is_expected,
            )
        )
    n_expected = len(expected_codes)
    submitted = len(lists["on_time"]) + len(lists["late"])
    deadline = period.deadline(working_days)
    if submitted == 0:
        summary = f"Chưa có đơn vị nào trong số {n_expected} đơn vị phải báo cáo gửi báo cáo hợp lệ {period.label_vi}"
    else:
        summary = (
            f"Có {submitted}/{n_expected} đơn vị gửi báo cáo (đúng hạn: {len(lists['on_time'])}, "
            f"trễ hạn: {len(lists['late'])})"
        )
        if lists["missing"]:
            summary += f"; {len(lists['missing'])} đơn vị chưa gửi báo cáo"
    if lists["rejected_only"]:
        summary += f", trong đó {len(lists['rejected_only'])} đơn vị đã gửi nhưng tệp bị từ chối và chưa gửi lại"
    if lists["corrected"]:
        summary += f"; {len(lists['corrected'])} đơn vị đã gửi báo cáo điều chỉnh (số liệu lấy theo bản gửi sau cùng)"
    if unexpected:
        summary += f"; ngoài ra có {unexpected} đơn vị đã sắp xếp lại trong kỳ vẫn gửi báo cáo"
    summary += "."
    return SubmissionStatus(
        expected=n_expected,
        submitted=submitted,
        on_time=len(lists["on_time"]),
        late=len(lists["late"]),
        missing=len(lists["missing"]),
        rejected_only=len(lists["rejected_only"]),
        corrected=len(lists["corrected"]),
        unexpected=unexpected,
        on_time_units=tuple(lists["on_time"]),
        late_units=tuple(lists["late"]),
        missing_units=tuple(lists["missing"]),
        rejected_only_units=tuple(lists["rejected_only"]),
        corrected_units=tuple(lists["corrected"]),
        rows=tuple(rows),
        groups=_status_groups(rows),
        window_text=f"từ ngày {fmt_date(period.window_start)} đến ngày {fmt_date(period.window_end)}",
        deadline_text=fmt_date(deadline),
        summary_text=summary,
    )


def _status_groups(rows: list[UnitStatusRow]) -> tuple[StatusGroup, ...]:
    groups: list[StatusGroup] = []
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i].type_name != rows[start].type_name:
            chunk = tuple(rows[start:i])
            sent = sum(1 for r in chunk if r.version is not None)
            groups.append(
                StatusGroup(
                    type_name=chunk[0].type_name or "Khác",
                    summary_text=f"{len(chunk)} đơn vị, đã gửi {sent}",
                    rows=chunk,
                )
            )
            start = i
    return tuple(groups)


# --- narratives -----------------------------------------------------------------------------------
def _narratives(
    con, catalog: Catalog, period: Period, per_section: int, chars: int
) -> dict[str, NarrativeSection]:
    by_section: dict[str, list[tuple[str, str]]] = {k: [] for k in NARRATIVE_SECTIONS}
    for r in _query(con, "report_narratives", period_id=period.id):
        if r["section"] in by_section:
            text = _clean_text(r["body"])
            if text:
                by_section[r["section"]].append((r["unit_code"], text))
    key = _unit_sort_key(catalog)
    out = {}
    for section, items in by_section.items():
        # choose the most substantial texts (longest first, stable by unit code), no duplicates,
        # then show them in catalogue order
        seen: set[str] = set()
        chosen = []
        for code, text in sorted(items, key=lambda it: (-len(it[1]), it[0])):
            if text.casefold() in seen:
                continue
            seen.add(text.casefold())
            chosen.append((code, text))
            if len(chosen) >= per_section:
                break
        excerpts = []
        for code, text in sorted(chosen, key=lambda it: key(it[0])):
            short, cut = truncate_text(text, chars)
            excerpts.append(Excerpt(_unit_name(catalog, code), short, cut))
        out[section] = NarrativeSection(
            key=section,
            title=NARRATIVE_SECTIONS[section],
            units_count=len({c for c, _ in items}),
            excerpts=tuple(excerpts),
            empty_text=NARRATIVE_EMPTY[section],
        )
    return out


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


def _results_summary(
    monitoring: tuple[MonitoringRow, ...],
    has_previous: bool,
    previous: Period,
    period: Period,
    catalog: Catalog,
) -> tuple[str, ...]:
    sentences = []
    quarter = {m.element: m.quarter for m in monitoring}
    phrases = _activity_phrases(quarter, catalog)
    if phrases:
        sentences.append("Trong quý, các đơn vị đã " + "; ".join(phrases) + ".")
    if period.quarter > 1:
        ytd = {m.element: m.year_to_date for m in monitoring}
        phrases = _activity_phrases(ytd, catalog)
        if phrases:
            sentences.append(
                f"Lũy kế từ đầu năm {period.year}, các đơn vị đã " + "; ".join(phrases) + "."
            )
    if has_previous:
        changes = [
            f"{m.name.lower()} {m.change_text}" for m in monitoring if m.change_text != MISSING
        ]
        if changes:
            sentences.append(
                f"So với cùng kỳ năm {previous.year} ({previous.label_vi}): "
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


def _assessment(
    indicators,
    monitoring,
    status: SubmissionStatus,
    narratives,
    catalog: Catalog,
    period: Period,
    has_previous: bool,
    previous: Period,
) -> Assessment:
    strengths, shortcomings, causes = [], [], []
    met = [i for i in indicators if i.assessment == ASSESS_MET]
    open_ = [i for i in indicators if i.assessment in (ASSESS_IN_PROGRESS, ASSESS_NOT_MET)]
    no_target = [i for i in indicators if i.target is None]
    with_target = [i for i in indicators if i.target is not None]
    if met:
        strengths.append(
            f"Có {len(met)}/{len(with_target)} chỉ tiêu có chỉ tiêu năm {period.year} đã đạt: "
            + "; ".join(f"{i.code} ({i.value_text})" for i in met)
            + "."
        )
    if status.expected and status.on_time >= 0.8 * status.expected:
        strengths.append(
            f"{status.on_time}/{status.expected} đơn vị gửi báo cáo đúng hạn "
            f"({fmt_percent(status.on_time / status.expected)})."
        )
    if has_previous:
        ups = [m for m in monitoring if m.change_text.startswith("tăng")]
        if ups:
            strengths.append(
                f"So với cùng kỳ năm {previous.year}, "
                + "; ".join(f"{m.name.lower()} {m.change_text}" for m in ups)
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
            f"Còn {status.missing}/{status.expected} đơn vị chưa gửi báo cáo: {_names_list(status.missing_units)}."
        )
    if status.late:
        shortcomings.append(
            f"{status.late} đơn vị gửi báo cáo trễ hạn: {_names_list(status.late_units)}."
        )
    if no_target:
        shortcomings.append(
            f"Chưa có chỉ tiêu năm {period.year} đối với {', '.join(i.code for i in no_target)} "
            "nên chưa đánh giá được mức độ hoàn thành."
        )
    if has_previous:
        downs = [m for m in monitoring if m.change_text.startswith("giảm")]
        if downs:
            shortcomings.append(
                f"So với cùng kỳ năm {previous.year}, "
                + "; ".join(f"{m.name.lower()} {m.change_text}" for m in downs)
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


def _next_tasks(
    indicators, status: SubmissionStatus, period: Period, working_days: int
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
        if status.rejected_only:
            text += "; hướng dẫn các đơn vị có tệp bị từ chối chỉnh sửa, gửi lại"
        tasks.append(text + ".")
    if nxt.in_window(date(nxt.year, 10, 10)):
        tasks.append(
            f"Tổ chức các hoạt động hưởng ứng Ngày Chuyển đổi số quốc gia (10/10/{nxt.year})."
        )
    tasks.append(
        f"Số liệu {nxt.label_vi} tính từ ngày {fmt_date(nxt.window_start)} đến ngày {fmt_date(nxt.window_end)}; "
        f"các đơn vị gửi báo cáo chậm nhất ngày {fmt_date(nxt.deadline(working_days))}."
    )
    return tuple(tasks)


def _proposals(indicators, period: Period, addressee: str) -> tuple[str, ...]:
    no_target = [i for i in indicators if i.target is None]
    if not no_target:
        return ()
    return (
        f"Đề nghị {addressee} xem xét, giao chỉ tiêu năm {period.year} đối với: "
        + "; ".join(f"{i.code} ({i.name[0].lower() + i.name[1:]})" for i in no_target)
        + ".",
    )


# --- entry point ----------------------------------------------------------------------------------
def build_report_model(
    db_path: Path,
    catalog: Catalog,
    period: Period,
    issued_on: date,
    *,
    final: bool = False,
    submission_working_days: int = 2,
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
            _indicator_row(con, catalog, ind, period, expected) for ind in catalog.indicators
        )
        status = _status(con, catalog, period, expected, submission_working_days)
        submitted = {r.unit_code for r in status.rows if r.version is not None}
        monitoring, has_previous, previous, by_type = _monitoring(
            con, catalog, period, expected, submitted
        )
        activities = _activities(con, catalog, period)
        narratives = _narratives(con, catalog, period, excerpts_per_section, excerpt_chars)
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
        results_summary=_results_summary(monitoring, has_previous, previous, period, catalog),
        status=status,
        highlights=narratives["ket_qua"],
        difficulties=narratives["kho_khan"],
        proposals=narratives["de_xuat"],
        next_tasks_units=narratives["nhiem_vu"],
        assessment=_assessment(
            indicators, monitoring, status, narratives, catalog, period, has_previous, previous
        ),
        next_tasks=_next_tasks(indicators, status, period, submission_working_days),
        proposals_generated=_proposals(indicators, period, org.addressee),
        closing=closing,
    )
