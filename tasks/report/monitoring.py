"""Monitoring tables without targets: each monitored element for the quarter, the year to date and
the same quarter a year earlier (grain: one row per monitored element), the breakdown by unit type
(one row per element, one column per unit type), and the activity log by activity type and by
channel, with the element totals set beside the log's quantities (the log lists the activities a
unit chose to document: it need not add up to its totals, and the report says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.catalog_model import Catalog, Unit
from tasks.core.formatting import (
    fmt_change,
    fmt_int,
    fmt_percent,
    fmt_quantity,
)
from tasks.core.periods import Period
from tasks.core.warehouse import query
from tasks.report.model import (
    ActivityRow,
    MonitoringRow,
    TypeBreakdown,
    TypeBreakdownRow,
    TypeColumn,
)


# --- monitoring -----------------------------------------------------------------------------------
def monitoring_tables(
    con, catalog: Catalog, period: Period, expected: list[Unit], submitted: set[str]
):
    previous = Period(period.year - 1, period.quarter)
    ytd = [p.id for p in period.quarters_of_year_to_date()]
    period_ids = sorted(set(ytd) | ({previous.id} if previous.in_de_an else set()))
    counts = {
        r["period_id"]: r["units_submitted"]
        for r in query(con, "report_period_counts", period_ids=period_ids)
    }
    has_previous = counts.get(previous.id, 0) > 0
    elements = [m.element for m in catalog.monitoring]
    rows = query(
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
                element=m.element,
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


@dataclass(frozen=True)
class ChannelRow:
    code: str
    name: str
    lines: int
    quantity: float
    lines_text: str
    quantity_text: str
    reach_text: str


@dataclass(frozen=True)
class LogCheckRow:
    """One monitored element: the total the units reported (sheet "Chỉ tiêu") beside the quantities
    of their activity lines of the types that back it (sheet "Hoạt động")."""

    element: str
    name: str
    uom: str
    reported_text: str
    logged_text: str
    share_text: str  # logged / reported


def channel_rows(con, catalog: Catalog, period: Period) -> tuple[ChannelRow, ...]:
    """Activity lines by channel (grain: one row per channel with lines)."""
    totals: dict[str, list[float]] = {}
    for r in query(con, "report_activity_log", period_id=period.id):
        t = totals.setdefault(r["channel"], [0, 0.0, 0.0])
        t[0] += r["lines"]
        t[1] += r["quantity"] or 0
        t[2] += r["reach"] or 0
    names = {c.code: c.name for c in catalog.channels}
    order = [c.code for c in catalog.channels] + sorted(set(totals) - set(names))
    return tuple(
        ChannelRow(
            code,
            names.get(code, code),
            int(totals[code][0]),
            totals[code][1],
            fmt_int(totals[code][0]),
            fmt_int(totals[code][1]),
            fmt_int(totals[code][2]),
        )
        for code in order
        if code in totals
    )


def log_check_rows(
    catalog: Catalog, activities: tuple[ActivityRow, ...], monitoring: tuple
) -> tuple[LogCheckRow, ...]:
    """Element totals against the activity log, for the elements some activity type backs."""
    logged: dict[str, float] = {}
    for a in activities:
        code = next((t for t in catalog.activity_types if t.code == a.code), None)
        if code is not None and code.element:
            logged[code.element] = logged.get(code.element, 0.0) + a.quantity
    out = []
    for m in monitoring:
        if m.element not in logged:
            continue
        reported = m.quarter
        share = logged[m.element] / reported if reported else None
        out.append(
            LogCheckRow(
                m.element,
                m.name,
                m.uom,
                m.quarter_text,
                fmt_int(logged[m.element]),
                fmt_percent(share),
            )
        )
    return tuple(out)


def activity_rows(con, catalog: Catalog, period: Period) -> tuple[ActivityRow, ...]:
    rows = {r["activity_type"]: r for r in query(con, "report_activities", period_id=period.id)}
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
                name=names.get(code) or code,
                lines=int(r["lines"]),
                units=int(r["units"]),
                quantity=float(r["quantity"] or 0),
                lines_text=fmt_int(r["lines"]),
                quantity_text=fmt_int(r["quantity"]),
                reach_text=fmt_int(r["reach"]),
                cost_text=fmt_quantity(r["cost"], whole=False),
            )
        )
    return tuple(out)
