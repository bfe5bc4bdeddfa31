"""Starting values of next quarter's template: the unit's last accepted stocks (interface 2).

A stock (catalogue kind "stock": LANH_DAO_TONG, TO_CNSCD_TONG, ...) is a figure at the cut-off date,
so next quarter's template starts from the unit's last accepted one, which the unit confirms or
corrects. Flows, money and yes/no answers stay blank (each quarter has its own).

Where the figure comes from, per element:
- the unit's own last accepted value: the newest accepted version of the latest period before the
  template's period that reports the element (schemas/sql/prefill_last_values.sql);
- plus, after a merger, the figures of the units it took over (catalogue `successor_of`, followed
  recursively) that its own figure cannot contain: all of them when the unit has no figure of its
  own, else those that still existed on the cut-off date of the unit's own figure.
The comment of the pre-filled cell (`source_vi`) says which quarter, version and units it sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from schemas.catalog_model import Catalog, Unit
from tasks.core.errors import WorkspaceBusyError
from tasks.core.formatting import fmt_date, fmt_quantity
from tasks.core.periods import Period
from tasks.core.warehouse import connect, query

CHECK_VI = "Hãy kiểm tra, sửa nếu đã thay đổi."
CHECK_EN = "Check it and correct it if it has changed."


@dataclass(frozen=True)
class StartingValue:
    element_code: str
    value: float
    source_vi: str  # what the cell's comment says
    source_en: str


@dataclass(frozen=True)
class _Part:
    """One unit's last accepted value of one element."""

    unit_code: str
    period: Period
    version: int
    value: float
    received_at: datetime


def _lineage(catalog: Catalog, code: str) -> list[str]:
    """The unit and every unit it took over, directly or through earlier mergers (no repeats)."""
    seen: list[str] = []
    todo = [code]
    while todo:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.append(current)
        unit = catalog.unit(current)
        todo.extend(unit.successor_of if unit else ())
    return seen


def _parts(
    catalog: Catalog, code: str, last: dict[str, _Part], seen: frozenset[str] = frozenset()
) -> list[_Part]:
    """The values whose sum is `code`'s starting value: its own last value and the predecessors'
    values that value cannot include (see the module doc)."""
    own = last.get(code)
    parts = [own] if own else []
    unit = catalog.unit(code)
    for predecessor in unit.successor_of if unit else ():
        if predecessor in seen | {code}:
            continue
        pred_unit = catalog.unit(predecessor)
        merged_before_own_figure = (
            own is not None
            and pred_unit is not None
            and pred_unit.valid_to is not None
            and pred_unit.valid_to < own.period.window_end
        )
        if not merged_before_own_figure:
            parts += _parts(catalog, predecessor, last, seen | {code})
    return parts


def _unit_name(catalog: Catalog, code: str) -> str:
    unit = catalog.unit(code)
    return unit.name if unit else code


def _source(catalog: Catalog, unit: Unit, parts: list[_Part], whole: bool) -> tuple[str, str]:
    """The comment of a pre-filled cell, in Vietnamese and English."""
    if len(parts) == 1 and parts[0].unit_code == unit.code:
        (p,) = parts
        day = fmt_date(p.received_at)
        return (
            f"Số liệu {p.period.label_vi} của đơn vị (phiên bản {p.version}, nhận ngày {day}). "
            + CHECK_VI,
            f"The unit's figure of {p.period.id} (version {p.version}, received {day}). "
            + CHECK_EN,
        )
    periods = {p.period for p in parts}
    one = next(iter(periods)) if len(periods) == 1 else None
    own = any(p.unit_code == unit.code for p in parts)
    whose_vi = "của đơn vị và các đơn vị sáp nhập vào" if own else "của các đơn vị trước sáp nhập"
    whose_en = "of the unit and the units merged into it" if own else "of the units it took over"

    def item(p: _Part, *, english: bool) -> str:
        name = _unit_name(catalog, p.unit_code)
        if p.unit_code == unit.code:
            name += " (own figure)" if english else " (đơn vị)"
        number = fmt_quantity(p.value, whole)
        if one is not None:
            return f"{name}: {number}"
        return f"{name}: {number} ({p.period.id if english else p.period.label_vi})"

    listed_vi = "; ".join(item(p, english=False) for p in parts)
    listed_en = "; ".join(item(p, english=True) for p in parts)
    when_vi = one.label_vi if one else "gần nhất"
    when_en = f"the {one.id} figures" if one else "the latest figures"
    return (
        f"Tổng số liệu {when_vi} {whose_vi}: {listed_vi}. {CHECK_VI}",
        f"Sum of {when_en} {whose_en}: {listed_en}. {CHECK_EN}",
    )


def _last_values(
    con: duckdb.DuckDBPyConnection, codes: list[str], elements: list[str], period: Period
) -> dict[str, dict[str, _Part]]:
    """element code -> unit code -> that unit's last accepted value before `period`."""
    rows: list[dict[str, Any]] = query(
        con,
        "prefill_last_values",
        unit_codes=codes,
        element_codes=elements,
        period_id=period.id,
    )
    out: dict[str, dict[str, _Part]] = {}
    for row in rows:
        out.setdefault(row["element_code"], {})[row["unit_code"]] = _Part(
            unit_code=row["unit_code"],
            period=Period.parse(row["period_id"]),
            version=int(row["version"]),
            value=float(row["value"]),
            received_at=row["received_at"],
        )
    return out


def starting_values(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, unit: Unit, period: Period
) -> dict[str, StartingValue]:
    """Element code -> the starting value of `unit`'s template of `period`, for the stock elements
    of its unit type that it (or the units it took over) reported before (see the module doc)."""
    elements = {e.code: e for e in catalog.elements_for_type(unit.type) if e.kind == "stock"}
    if not elements:
        return {}
    last = _last_values(con, _lineage(catalog, unit.code), list(elements), period)
    out: dict[str, StartingValue] = {}
    for code, element in elements.items():
        parts = _parts(catalog, unit.code, last.get(code, {}))
        if not parts:
            continue
        source_vi, source_en = _source(catalog, unit, parts, element.whole_number)
        out[code] = StartingValue(code, sum(p.value for p in parts), source_vi, source_en)
    return out


def read_starting_values(
    db_path: Path, catalog: Catalog, units: Iterable[Unit], period: Period
) -> dict[str, dict[str, StartingValue]]:
    """Unit code -> its starting values, read from the warehouse at `db_path` (read-only).

    A workspace without a warehouse yet (or one with no data) gives no starting values; a warehouse
    that another process is writing to raises WorkspaceBusyError (templates would silently lack
    their starting values otherwise)."""
    units = list(units)
    if not Path(db_path).is_file() or not units:
        return {}
    try:
        with connect(db_path, read_only=True) as con:
            if not _has_tables(con):
                return {}
            return {u.code: starting_values(con, catalog, u, period) for u in units}
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        raise WorkspaceBusyError(
            f"Không mở được kho dữ liệu {db_path} để đọc số liệu quý trước: một kết nối khác "
            "đang ghi vào kho.",
            f"Cannot open warehouse {db_path} read-only for last quarter's figures: another "
            f"connection is writing to it ({exc}).",
            "Chờ lượt tiếp nhận (intake) kết thúc rồi tạo mẫu biểu lại.",
            "Wait for the running intake to finish, then write the templates again.",
        ) from None


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the warehouse has the schema (a DuckDB file made by hand has not)."""
    return bool(query(con, "prefill_has_schema")[0]["ready"])
