"""The Đề án's indicators T1-T6 for a period (grain: one row per indicator of the catalogue).

- ratio_of_sums: Σ numerator / Σ denominator over the units that reported both (never an average
  of unit percentages), newest accepted version of each unit only;
- share_of_units: units of the indicator's types with every listed yes/no element = 1, over the
  units that reported all of them;
- sum with scope year_to_date: Σ over the year's quarters up to the report's period;
- coverage "n/N đơn vị báo cáo": N = units of the relevant types expected for the period (active on
  its cut-off date) plus any other unit of those types that contributed; n = contributing units;
- a year without a target says "Chưa có chỉ tiêu năm {year}"; it is compared with the latest
  earlier year's target when there is one ("Đạt mức năm trước"), else it gets no assessment;
- a year-to-date sum states its window in dd/mm/yyyy (from the first day of the year's first data
  window, e.g. 15/12/2024) and counts coverage over the same quarters.
"""

from __future__ import annotations

from schemas.catalog_model import Catalog, Indicator, Unit
from tasks.core.formatting import (
    MISSING,
    fmt_date,
    fmt_fraction,
    fmt_number,
    fmt_percent,
    fmt_quantity,
)
from tasks.core.periods import Period
from tasks.core.warehouse import query
from tasks.report.model import (
    IndicatorRow,
)

ASSESS_MET = "Đạt"
ASSESS_NOT_MET = "Chưa đạt"
ASSESS_IN_PROGRESS = "Đang thực hiện"
ASSESS_NONE = MISSING
ASSESS_REFERENCE_MET = "Đạt mức năm trước"


def indicator_types(indicator: Indicator, catalog: Catalog) -> set[str]:
    """The unit types an indicator covers: its own list, else the types reporting all its elements."""
    if indicator.unit_types:
        return set(indicator.unit_types)
    types: set[str] | None = None
    for code in indicator.elements():
        element_types = set(catalog.element_by_code[code].unit_types)
        types = element_types if types is None else types & element_types
    return types or set()


def is_whole(catalog: Catalog, element: str | None) -> bool:
    el = catalog.element_by_code.get(element) if element else None
    return el.whole_number if el else True


# --- indicators -----------------------------------------------------------------------------------
def indicator_row(
    con, catalog: Catalog, indicator: Indicator, period: Period, expected: list[Unit]
) -> IndicatorRow:
    types = indicator_types(indicator, catalog)
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
        (row,) = query(
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
        fraction_label = catalog.element_by_code[str(indicator.denominator)].uom
    elif indicator.method == "share_of_units":
        (row,) = query(
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
        (row,) = query(
            con,
            "report_sum",
            period_ids=periods,
            unit_codes=unit_codes,
            element=indicator.numerator,
        )
        numerator = row["total"]
        reporting = list(row["units_reporting"])
        value = numerator
        uom = catalog.element_by_code[str(indicator.numerator)].uom
        fraction_label = uom

    if indicator.display == "percent":
        value_text = fmt_percent(value)
        fraction_text = fmt_fraction(numerator, denominator)
    else:
        value_text = (
            MISSING
            if value is None
            else f"{fmt_quantity(value, is_whole(catalog, indicator.numerator))} {uom}"
        )
        fraction_text = MISSING

    if indicator.scope == "year_to_date":
        # the sum runs over every quarter of the year so far: so does its coverage (units expected in
        # any of those quarters, including units reorganised since)
        year_expected: set[str] = set()
        for q in period.quarters_of_year_to_date():
            year_expected |= {
                u.code
                for u in catalog.expected_units(q.window_start, q.window_end)
                if u.type in types
            }
        expected_codes = year_expected
    units_expected = len(expected_codes | set(reporting))
    target = indicator.target_for(period.year)
    assessment = ASSESS_NONE
    reference_text = ""
    if target is None:
        target_text = f"Chưa có chỉ tiêu năm {period.year}"
        earlier = [
            (y, t) for y, t in indicator.targets.items() if t is not None and y < period.year
        ]
        if earlier and value is not None:
            year, ref = max(earlier)
            ref_text = (
                fmt_number(ref * 100, 1, trim=True) + "%"
                if indicator.display == "percent"
                else f"{fmt_number(ref, 1, trim=True)} {uom}"
            )
            met = value >= ref
            reference_text = (
                f"{'đã đạt' if met else 'chưa đạt'} mức chỉ tiêu năm {year} ({ref_text})"
            )
            assessment = ASSESS_REFERENCE_MET if met else ASSESS_NONE
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
        first = period.quarters_of_year_to_date()[0]
        scope_text = (
            f"Lũy kế năm {period.year}, từ ngày {fmt_date(first.window_start)} đến ngày "
            f"{fmt_date(period.window_end)}"
        )
        coverage_text = f"{len(reporting)}/{units_expected} đơn vị có số liệu trong năm"
    else:
        scope_text = f"Tại ngày {fmt_date(period.window_end)}"
        coverage_text = f"{len(reporting)}/{units_expected} đơn vị báo cáo"
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
        coverage_text=coverage_text,
        target_text=target_text,
        target_note=indicator.target_note,
        scope_text=scope_text,
        assessment=assessment,
        reference_text=reference_text,
    )
