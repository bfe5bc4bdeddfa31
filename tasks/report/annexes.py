"""The annexes a reviewer traces figures to:

- Biểu 05, the values each unit reported (grain: one row per unit with an accepted submission, in
  catalogue order), with the version and received date of the submission used; two tables, the
  inputs of the indicators and the monitored elements, columns numbered (1)...(n) with a legend;
- Biểu 06, data quality: warnings still open in the versions used (grain: one row per message) and
  rejected files that could not be attributed to a unit (grain: one row per arrival).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from schemas.catalog_model import Catalog, DataElement
from tasks.core.formatting import MISSING, fmt_date, fmt_quantity
from tasks.core.periods import Period
from tasks.core.settings import TZ
from tasks.core.warehouse import query
from tasks.report.naming import display_name, unit_sort_key


@dataclass(frozen=True)
class ValueColumn:
    number: str  # "(1)"
    element: str
    name: str
    uom: str
    anchor: str  # the body links here: "b05-TIN_BAI"


@dataclass(frozen=True)
class UnitValuesRow:
    unit_code: str
    unit_name: str
    version_text: str  # "2"
    received_on: str  # dd/mm/yyyy of the version used
    cells: tuple[str, ...]


@dataclass(frozen=True)
class ValuesTable:
    key: str  # "a" | "b"
    title: str
    columns: tuple[ValueColumn, ...]
    rows: tuple[UnitValuesRow, ...]
    totals: tuple[str, ...]


@dataclass(frozen=True)
class WarningRow:
    unit_name: str
    version_text: str
    rule: str
    where: str  # "'Chỉ tiêu'!E7"
    message: str


@dataclass(frozen=True)
class UnidentifiedRow:
    file_name: str
    receipt: str
    received_on: str
    declared: str  # what the file said: unit code / period, or "—"
    reason: str


@dataclass(frozen=True)
class QualityAnnex:
    warnings: tuple[WarningRow, ...]
    warning_units: int
    unidentified: tuple[UnidentifiedRow, ...]
    summary: str


def fmt_element_value(element: DataElement, value: float | None) -> str:
    """A reported value as a reader sees it: "Có"/"Không" for yes/no, money with one decimal,
    counts whole, "—" when not reported (the annex and the unit sheets alike)."""
    if value is None:
        return MISSING
    if element.kind == "yes_no":
        return "Có" if value == 1 else "Không"
    return fmt_quantity(value, element.whole_number)


def _fmt(catalog: Catalog, element: str, value: float | None) -> str:
    return fmt_element_value(catalog.element_by_code[element], value)


def indicator_elements(catalog: Catalog) -> list[str]:
    out: list[str] = []
    for ind in catalog.indicators:
        for e in ind.elements():
            if e not in out:
                out.append(e)
    return out


def values_annex(con, catalog: Catalog, period: Period) -> tuple[ValuesTable, ...]:
    rows = query(con, "report_values_export", period_id=period.id)
    by_unit: dict[str, dict[str, float | None]] = {}
    meta: dict[str, tuple[int, datetime]] = {}
    for r in rows:
        by_unit.setdefault(r["unit_code"], {})[r["element_code"]] = r["value"]
        meta[r["unit_code"]] = (r["version"], r["received_at"])
    order = sorted(by_unit, key=unit_sort_key(catalog))
    tables = []
    groups = (
        ("a", "Số liệu tính các chỉ tiêu của Đề án", indicator_elements(catalog)),
        ("b", "Số liệu hoạt động truyền thông", [m.element for m in catalog.monitoring]),
    )
    for key, title, elements in groups:
        columns = tuple(
            ValueColumn(
                f"({i})",
                e,
                catalog.element_by_code[e].name,
                catalog.element_by_code[e].uom,
                f"b05-{e}",
            )
            for i, e in enumerate(elements, 1)
        )
        table_rows = []
        for code in order:
            version, received = meta[code]
            table_rows.append(
                UnitValuesRow(
                    unit_code=code,
                    unit_name=display_name(catalog, code),
                    version_text=str(version),
                    received_on=fmt_date(received),
                    cells=tuple(_fmt(catalog, e, by_unit[code].get(e)) for e in elements),
                )
            )
        totals = []
        for e in elements:
            present = [v for u in order if (v := by_unit[u].get(e)) is not None]
            el = catalog.element_by_code[e]
            if el.kind == "yes_no":
                totals.append(f"{sum(1 for v in present if v == 1)} có")
            else:
                totals.append(_fmt(catalog, e, sum(present)) if present else MISSING)
        tables.append(ValuesTable(key, title, columns, tuple(table_rows), tuple(totals)))
    return tuple(tables)


def quality_annex(con, catalog: Catalog, period: Period, issued_on) -> QualityAnnex:
    key = unit_sort_key(catalog)
    found: list[tuple[tuple, int, WarningRow]] = []
    for r in query(con, "report_quality_warnings", period_id=period.id):
        where = f"'{r['sheet']}'!{r['cell']}" if r["sheet"] and r["cell"] else r["sheet"] or MISSING
        row = WarningRow(
            unit_name=display_name(catalog, r["unit_code"]),
            version_text=str(r["version"]),
            rule=r["rule"],
            where=where,
            message=r["message_vi"],
        )
        found.append((key(r["unit_code"]), len(found), row))
    warnings = [w for *_, w in sorted(found, key=lambda item: item[:2])]
    start = datetime.combine(period.window_start, time.min, TZ)
    end = datetime.combine(issued_on, time.max, TZ) + timedelta(seconds=1)
    unidentified = []
    for r in query(
        con,
        "report_quality_unidentified",
        period_id=period.id,
        unit_codes=[u.code for u in catalog.units],
        from_ts=start,
        to_ts=end,
    ):
        declared = " / ".join(x for x in (r["unit_code"], r["period_id"]) if x) or MISSING
        unidentified.append(
            UnidentifiedRow(
                file_name=r["file_name"],
                receipt=r["receipt_name"],
                received_on=fmt_date(r["received_at"]),
                declared=declared,
                reason=r["first_error"] or MISSING,
            )
        )
    units = len({w.unit_name for w in warnings})
    summary = (
        f"Các bản báo cáo được dùng còn {len(warnings)} cảnh báo của {units} đơn vị (số liệu vẫn được "
        "tính; đơn vị cần rà soát, gửi bản điều chỉnh nếu số liệu chưa đúng)"
        if warnings
        else "Các bản báo cáo được dùng không còn cảnh báo nào"
    )
    if unidentified:
        summary += (
            f"; {len(unidentified)} tệp bị từ chối không xác định được đơn vị gửi (không đọc được mã "
            "đơn vị hoặc mã không có trong danh mục), chưa được tính cho đơn vị nào."
        )
    else:
        summary += "; không có tệp nào không xác định được đơn vị gửi."
    return QualityAnnex(tuple(warnings), units, tuple(unidentified), summary)
