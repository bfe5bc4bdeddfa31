"""Like for like across the reorganisations: comparisons with the same quarter a year earlier and
trends over every quarter of the plan, on the same units.

The rule (stated in the report's method note):
- every unit of an earlier quarter is mapped to the unit that carries it on the report's cut-off
  date, following the catalogue's successor links (`successor_of`); a unit that split is mapped to
  its first successor;
- units abolished without a successor (e.g. the quận/huyện after 01/07/2025) map to nothing: their
  figures are left out of every comparison, and the report names how many and what they weighed;
- a comparison with the same quarter of the year before covers the "groups" (a current unit with its
  predecessors) that submitted in both quarters, and compares the sums of exactly those groups.

Grain of the values used: one value per period x unit x element (newest accepted version).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from schemas.catalog_model import Catalog, Indicator
from tasks.core.formatting import MISSING, fmt_change, fmt_date, fmt_int, fmt_percent, fmt_quantity
from tasks.core.periods import Period, periods_between
from tasks.core.warehouse import query
from tasks.report.indicators import indicator_types
from tasks.report.naming import names_list

# period -> unit -> element -> value
UnitValues = dict[str, dict[str, dict[str, float]]]


@dataclass(frozen=True)
class ComparisonRow:
    element: str
    name: str
    uom: str
    current: float | None
    base: float | None
    current_text: str
    base_text: str
    change_text: str  # "tăng 5,7%" / "giảm 3,0%" / "không đổi" / "—"


@dataclass(frozen=True)
class Comparison:
    available: bool  # the base quarter has data
    label: str  # "Quý III/2025"
    base_label: str  # "Quý III/2024"
    groups: int  # current units compared (with their predecessors)
    base_units: int  # units of the base quarter whose figures are compared
    mapped_units: int  # of those, earlier units counted in their successor
    dropped_units: int  # base-quarter units left out: abolished without a successor
    dropped_names: str
    not_compared_now: int  # current units without data in the base quarter
    note: str  # the method sentence printed under the table
    rows: tuple[ComparisonRow, ...]


@dataclass(frozen=True)
class TrendSeries:
    code: str
    label: str
    uom: str
    percent: bool
    values: tuple[float | None, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Trend:
    periods: tuple[str, ...]  # period ids, first quarter of the plan to the report's
    labels: tuple[str, ...]  # "Quý IV/2022", ...
    short_labels: tuple[str, ...]  # "Q4/22"
    indicators: tuple[TrendSeries, ...]
    monitoring: tuple[TrendSeries, ...]
    note: str


def successor_on(catalog: Catalog, code: str, day: date) -> str | None:
    """The unit active on `day` that carries `code` (itself, or a successor through successor_of
    links); None when it ended without one."""
    seen: set[str] = set()
    current = code
    while current not in seen:
        seen.add(current)
        unit = catalog.unit(current)
        if unit is None:
            return None
        if unit.valid_from <= day and (unit.valid_to is None or day <= unit.valid_to):
            return current
        if unit.valid_from > day:
            return None
        successors = _successors(catalog).get(current, [])
        if not successors:
            return None
        current = successors[0]
    return None


_SUCCESSORS: dict[int, dict[str, list[str]]] = {}


def _successors(catalog: Catalog) -> dict[str, list[str]]:
    key = id(catalog)
    if key not in _SUCCESSORS:
        table: dict[str, list[str]] = defaultdict(list)
        for u in catalog.units:
            for pred in u.successor_of:
                table[pred].append(u.code)
        _SUCCESSORS.clear()
        _SUCCESSORS[key] = dict(table)
    return _SUCCESSORS[key]


def load_unit_values(con, periods: list[Period], elements: list[str]) -> UnitValues:
    out: UnitValues = defaultdict(lambda: defaultdict(dict))
    for r in query(
        con,
        "report_unit_values",
        period_ids=[p.id for p in periods],
        element_codes=elements,
    ):
        out[r["period_id"]][r["unit_code"]][r["element_code"]] = float(r["value"])
    return out


def plan_periods(period: Period) -> list[Period]:
    return periods_between(Period.first(), period)


def _groups(
    values: UnitValues, period_id: str, catalog: Catalog, day: date
) -> tuple[dict[str, dict[str, float]], list[str], list[str]]:
    """Per current unit (group), the element sums of `period_id`; plus units mapped into another
    unit and units dropped (no successor on `day`)."""
    groups: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    mapped: list[str] = []
    dropped: list[str] = []
    for unit, elements in values.get(period_id, {}).items():
        target = successor_on(catalog, unit, day)
        if target is None:
            dropped.append(unit)
            continue
        if target != unit:
            mapped.append(unit)
        for element, value in elements.items():
            groups[target][element] += value
    return groups, mapped, dropped


def compare_with_base(
    values: UnitValues, catalog: Catalog, period: Period, base: Period
) -> Comparison:
    """Monitored elements of `period` against `base`, on the same groups of units."""
    day = period.window_end
    now, now_mapped, _ = _groups(values, period.id, catalog, day)
    before, mapped, dropped = _groups(values, base.id, catalog, day)
    common = sorted(set(now) & set(before))
    rows = []
    for m in catalog.monitoring:
        element = catalog.element_by_code[m.element]
        has_now = [g for g in common if m.element in now[g]]
        has_before = [g for g in common if m.element in before[g]]
        both = sorted(set(has_now) & set(has_before))
        current = sum(now[g][m.element] for g in both) if both else None
        prev = sum(before[g][m.element] for g in both) if both else None
        rows.append(
            ComparisonRow(
                element=m.element,
                name=m.name,
                uom=element.uom,
                current=current,
                base=prev,
                current_text=fmt_quantity(current, element.whole_number),
                base_text=fmt_quantity(prev, element.whole_number),
                change_text=fmt_change(current, prev),
            )
        )
    available = bool(common)
    base_units = [u for u in values.get(base.id, {}) if successor_on(catalog, u, day) in common]
    mapped_common = [u for u in mapped if successor_on(catalog, u, day) in common]
    dropped_names = names_list([catalog.unit(u).name for u in sorted(dropped)])  # type: ignore[union-attr]
    not_compared = len(set(now) - set(common))
    if not available:
        note = f"Chưa có số liệu {base.label_vi} của các đơn vị hiện nay nên chưa so sánh được với cùng kỳ."
    else:
        note = (
            f"So sánh trên cùng nhóm đơn vị: {len(common)} đơn vị hiện nay có báo cáo ở cả {period.label_vi} "
            f"và {base.label_vi}; số liệu {base.label_vi} của {len(base_units)} đơn vị được quy về đơn vị "
            f"hiện nay theo quan hệ kế thừa trong danh mục"
            + (
                f" (trong đó {len(mapped_common)} đơn vị cũ đã sáp nhập được cộng vào đơn vị kế thừa)"
                if mapped_common
                else ""
            )
            + "."
        )
        if dropped:
            dropped_total = {
                m.element: sum(values[base.id][u].get(m.element, 0.0) for u in dropped)
                for m in catalog.monitoring[:1]
            }
            first = catalog.monitoring[0]
            note += (
                f" Không so sánh số liệu {base.label_vi} của {len(dropped)} đơn vị đã giải thể không có "
                f"đơn vị kế thừa ({dropped_names}; {first.name.lower()}: "
                f"{fmt_int(dropped_total[first.element])} {catalog.element_by_code[first.element].uom})."
            )
        if not_compared:
            note += (
                f" {not_compared} đơn vị có báo cáo {period.label_vi} nhưng không có số liệu {base.label_vi} "
                "(kể cả qua đơn vị tiền thân) không đưa vào so sánh."
            )
    return Comparison(
        available=available,
        label=period.label_vi,
        base_label=base.label_vi,
        groups=len(common),
        base_units=len(base_units),
        mapped_units=len(mapped_common),
        dropped_units=len(dropped),
        dropped_names=dropped_names,
        not_compared_now=not_compared,
        note=note,
        rows=tuple(rows),
    )


def _indicator_value(
    indicator: Indicator, catalog: Catalog, units: dict[str, dict[str, float]]
) -> float | None:
    types = indicator_types(indicator, catalog)
    chosen = {
        u: v
        for u, v in units.items()
        if (unit := catalog.unit(u)) is not None and unit.type in types
    }
    if indicator.method == "ratio_of_sums":
        num = den = 0.0
        seen = False
        for v in chosen.values():
            if indicator.numerator in v and indicator.denominator in v:
                num += v[str(indicator.numerator)]
                den += v[str(indicator.denominator)]
                seen = True
        return num / den if seen and den else None
    if indicator.method == "share_of_units":
        reporting = [v for v in chosen.values() if all(e in v for e in indicator.all_of)]
        if not reporting:
            return None
        meeting = sum(1 for v in reporting if all(v[e] == 1 for e in indicator.all_of))
        return meeting / len(reporting)
    present = [v[str(indicator.numerator)] for v in chosen.values() if indicator.numerator in v]
    return sum(present) if present else None


def trend(values: UnitValues, catalog: Catalog, period: Period) -> Trend:
    """Every indicator and monitored element over all quarters of the plan, on today's units."""
    day = period.window_end
    quarters = plan_periods(period)
    kept: dict[str, dict[str, dict[str, float]]] = {}
    for q in quarters:
        kept[q.id] = {
            u: v
            for u, v in values.get(q.id, {}).items()
            if successor_on(catalog, u, day) is not None
        }
    indicator_series = []
    for ind in catalog.indicators:
        series = tuple(_indicator_value(ind, catalog, kept[q.id]) for q in quarters)
        percent = ind.display == "percent"
        uom = "%" if percent else catalog.element_by_code[str(ind.numerator)].uom
        texts = tuple(
            fmt_percent(v) if percent else fmt_quantity(v, True) if v is not None else MISSING
            for v in series
        )
        indicator_series.append(TrendSeries(ind.code, ind.name, uom, percent, series, texts))
    monitoring_series = []
    for m in catalog.monitoring:
        element = catalog.element_by_code[m.element]
        series_m: list[float | None] = []
        for q in quarters:
            present = [v[m.element] for v in kept[q.id].values() if m.element in v]
            series_m.append(sum(present) if present else None)
        monitoring_series.append(
            TrendSeries(
                m.code,
                m.name,
                element.uom,
                False,
                tuple(series_m),
                tuple(fmt_quantity(v, element.whole_number) for v in series_m),
            )
        )
    ytd = [i.code for i in catalog.indicators if i.scope == "year_to_date"]
    note = (
        f"Số liệu các quý được quy về các đơn vị đang hoạt động tại ngày {fmt_date(day)} theo quan hệ "
        "kế thừa trong danh mục (đơn vị cũ đã sáp nhập được tính vào đơn vị kế thừa; không tính đơn vị "
        "đã giải thể không có đơn vị kế thừa)."
        + (
            f" Chỉ tiêu tính lũy kế trong năm ({', '.join(ytd)}) được thể hiện theo số liệu từng quý."
            if ytd
            else ""
        )
        + " Quý chưa có số liệu để trống."
    )
    return Trend(
        periods=tuple(q.id for q in quarters),
        labels=tuple(q.label_vi for q in quarters),
        short_labels=tuple(f"Q{q.quarter}/{q.year % 100:02d}" for q in quarters),
        indicators=tuple(indicator_series),
        monitoring=tuple(monitoring_series),
        note=note,
    )
