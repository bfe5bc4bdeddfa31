"""Plausibility: what a reviewer would question in a submission that breaks no rule (issue 6).

Warnings only ("cần kiểm tra lại"), never rejections; the rules, their messages and thresholds
(`params`) are in schemas/rules.yaml (check: plausibility), listed in docs/rules.md:

- across sheets (LOG_QUANTITY_MISMATCH, LOG_REACH_MISMATCH, LOG_COST_MISMATCH): the activity log's
  quantities per element (`element:` of the activity types in the catalogue), its reach and its cost
  against the reported element;
- across periods (STOCK_DECREASED, FLOW_UNUSUAL_CHANGE): a stock below the unit's last accepted
  value (a successor without history of its own: its predecessors' sum); a flow far from the median
  of the unit's last accepted quarters;
- against peers (VALUE_OUTSIDE_PEERS): a value outside [Q1 - w, Q3 + w] of the other units of the
  same type this period;
- narrative numbers (NARRATIVE_NUMBER_MISMATCH, tasks/intake/narrative_numbers.py).

History and peers are read once per batch (`load_context`, schemas/sql/plausibility_*.sql) into a
`PlausibilityContext`; `with_batch` adds the batch's own error-free submissions to it (newer than
what the warehouse holds for the same unit and period), so a batch's files are each other's peers
and history whatever their order. Only submissions without errors are checked.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from schemas.catalog_model import Catalog, DataElement, Unit
from tasks.core.periods import Period
from tasks.core.warehouse import query
from tasks.intake.header_checks import SubmissionState
from tasks.intake.narrative_numbers import narrative_messages, num_en, num_vi
from tasks.intake.rules import load_rules, message
from tasks.intake.submission import SHEET_ELEMENTS, SHEET_NARRATIVE, Message, Submission

Key = tuple[str, str]  # (unit code, period id)
_SHEET_ORDER = {SHEET_ELEMENTS: 1, SHEET_NARRATIVE: 3}


@dataclass(frozen=True)
class PlausibilityContext:
    """Accepted values the checks compare with: (unit, period) -> {element: value}."""

    accepted: Mapping[Key, Mapping[str, float]] = field(default_factory=dict)

    def series(self, unit_code: str, element: str, before: str) -> list[tuple[str, float]]:
        """The unit's accepted values of `element` in periods before `before`, newest first."""
        out = [
            (period_id, values[element])
            for period_id, values in self._by_unit.get(unit_code, ())
            if period_id < before and element in values
        ]
        return sorted(out, reverse=True)

    @cached_property
    def _by_unit(self) -> dict[str, list[tuple[str, Mapping[str, float]]]]:
        """unit -> [(period, values)]: a batch of N files asks N x elements series (a scan of
        every unit each made the checks quadratic: 1,000 files took seconds)."""
        out: dict[str, list[tuple[str, Mapping[str, float]]]] = {}
        for (unit, period_id), values in self.accepted.items():
            out.setdefault(unit, []).append((period_id, values))
        return out


# --- the context: read once per batch -------------------------------------------------------------
def context_units(subs: Iterable[Submission], catalog: Catalog) -> list[str]:
    """The batch's units and their predecessors (whose history a successor starts from)."""
    units: dict[str, None] = {}
    for sub in subs:
        if sub.unit_code:
            units[sub.unit_code] = None
            unit = catalog.unit(sub.unit_code)
            for pred in unit.successor_of if unit else ():
                units[pred] = None
    return list(units)


def load_context(con, catalog: Catalog, subs: Sequence[Submission]) -> PlausibilityContext:
    """History (the batch's units, earlier periods) and peers (the batch's periods) in two queries."""
    periods = sorted({p.id for s in subs if (p := _period(s.period_id)) is not None})
    if not periods:
        return PlausibilityContext()
    rows = query(
        con,
        "plausibility_history",
        unit_codes=context_units(subs, catalog),
        before=periods[-1],
    )
    rows += query(con, "plausibility_peers", period_ids=periods)
    accepted: dict[Key, dict[str, float]] = {}
    for row in rows:
        accepted.setdefault((row["unit_code"], row["period_id"]), {})[row["element_code"]] = float(
            row["value"]
        )
    return PlausibilityContext(accepted)


def with_batch(ctx: PlausibilityContext, states: Iterable[SubmissionState]) -> PlausibilityContext:
    """`ctx` with the values of the batch's error-free submissions (later files win)."""
    accepted = {key: dict(values) for key, values in ctx.accepted.items()}
    for state in states:
        if _checkable(state):
            assert state.unit is not None and state.period is not None
            accepted[(state.unit.code, state.period.id)] = _reported(state.sub)
    return PlausibilityContext(accepted)


# --- running the checks ---------------------------------------------------------------------------
def check_batch(
    states: Sequence[SubmissionState], catalog: Catalog, ctx: PlausibilityContext
) -> None:
    """Add the plausibility warnings to every error-free submission of the batch."""
    full = with_batch(ctx, states)
    peers = _PeerIndex(full, catalog)
    for state in states:
        if not _checkable(state):
            continue
        found = check_submission(state, catalog, full, peers)
        if found:
            state.messages[:] = sorted(
                [*state.messages, *found], key=lambda m: _SHEET_ORDER.get(m.sheet or "", 0)
            )


def check_submission(
    state: SubmissionState,
    catalog: Catalog,
    ctx: PlausibilityContext,
    peers: _PeerIndex | None = None,
) -> list[Message]:
    """The plausibility warnings of one (error-free, usable) submission, in sheet and row order."""
    assert state.unit is not None and state.period is not None
    peers = peers or _PeerIndex(ctx, catalog)
    out: list[Message] = []
    assigned = {e.code: e for e in catalog.elements_for_type(state.unit.type)}
    rows = sorted(
        (v for v in state.sub.values if v.value is not None and v.code in assigned),
        key=lambda v: v.row,
    )
    log = _log_findings(state, catalog, assigned)
    for v in rows:
        element, value, cell = assigned[v.code], float(v.value or 0), f"E{v.row}"
        out += [m(cell) for code, m in log if code == v.code]
        out += _history_findings(state.unit, state.period, element, value, cell, catalog, ctx)
        out += _peer_findings(state.unit, state.period, element, value, cell, catalog, peers)
    reported = {v.code: (float(v.value or 0), f"E{v.row}") for v in rows}
    out += narrative_messages(state, catalog, reported)
    return out


def _checkable(state: SubmissionState) -> bool:
    return state.usable and not any(
        m.severity == "error" for m in (*state.sub.messages, *state.messages)
    )


def _reported(sub: Submission) -> dict[str, float]:
    return {v.code: float(v.value) for v in sub.values if v.value is not None}


def _period(period_id: str | None) -> Period | None:
    try:
        return Period.parse(period_id) if period_id else None
    except Exception:  # noqa: BLE001 - an unreadable period is reported elsewhere
        return None


def _params(code: str) -> dict[str, Any]:
    return load_rules()[code].params


def _both(**values: float) -> dict[str, str]:
    out = {}
    for name, value in values.items():
        out[f"{name}_vi"], out[f"{name}_en"] = num_vi(value), num_en(value)
    return out


def _element_params(element: DataElement) -> dict[str, str]:
    return {"element": element.code, "element_name": element.name, "uom": element.uom}


# --- across sheets: the activity log against the reported elements -----------------------------
def _log_findings(
    state: SubmissionState, catalog: Catalog, assigned: Mapping[str, DataElement]
) -> list[tuple[str, Callable[[str], Message]]]:
    """(element code, cell -> Message) for each element the log disagrees with; nothing when the
    log is empty (the unit keeps none: there is nothing to compare)."""
    out: list[tuple[str, Callable[[str], Message]]] = []
    if not state.activities:
        return out
    types_of: dict[str, list] = {}
    for activity_type in catalog.activity_types:
        if activity_type.element:
            types_of.setdefault(activity_type.element, []).append(activity_type)
    acts = state.activities
    totals: list[tuple[str, str, float, dict[str, str]]] = []
    for code, types in types_of.items():
        codes = {t.code for t in types}
        logged = sum(a.quantity or 0 for a in acts if a.activity_type in codes)
        names = {
            "types_vi": ", ".join(f'"{t.name}"' for t in types),
            "types_en": ", ".join(t.code for t in types),
        }
        totals.append(("LOG_QUANTITY_MISMATCH", code, logged, names))
    reach = _params("LOG_REACH_MISMATCH")["element"]
    totals.append(("LOG_REACH_MISMATCH", reach, sum(a.reach or 0 for a in acts), {}))
    cost = _params("LOG_COST_MISMATCH")["element"]
    totals.append(("LOG_COST_MISMATCH", cost, round(sum(a.cost or 0 for a in acts), 6), {}))
    values = _reported(state.sub)
    for rule, code, logged, extra in totals:
        if code not in assigned or code not in values:
            continue
        params = _params(rule)
        value = values[code]
        allowed = max(params["relative_tolerance"] * abs(value), params["absolute_floor"])
        gap = abs(logged - value)
        if gap > allowed + 1e-9:
            fields = {
                **_element_params(assigned[code]),
                **_both(value=value, log=logged, gap=gap, allowed=allowed),
                **extra,
            }
            out.append((code, _deferred(rule, fields)))
    return out


def _deferred(rule: str, fields: dict[str, str]) -> Callable[[str], Message]:
    return lambda cell: message(rule, cell=cell, **fields)


# --- across periods -------------------------------------------------------------------------------
def _history_findings(
    unit: Unit,
    period: Period,
    element: DataElement,
    value: float,
    cell: str,
    catalog: Catalog,
    ctx: PlausibilityContext,
) -> list[Message]:
    if element.kind == "stock":
        return _stock_finding(unit, period, element, value, cell, ctx)
    params = _params("FLOW_UNUSUAL_CHANGE")
    if element.kind not in params["kinds"]:
        return []
    recent = ctx.series(unit.code, element.code, period.id)[: params["quarters"]]
    if len(recent) < params["min_quarters"]:
        return []
    median = statistics.median(v for _, v in recent)
    factor = float(params["factor"])
    floor = params.get("element_floors", {}).get(element.code, params["absolute_floor"])
    far = value > factor * median or value * factor < median
    if not far or abs(value - median) < floor:
        return []
    labels = [Period.parse(p) for p, _ in recent]
    return [
        message(
            "FLOW_UNUSUAL_CHANGE",
            cell=cell,
            **_element_params(element),
            **_both(value=value, median=median, factor=factor),
            quarters=str(len(recent)),
            periods_vi=", ".join(p.label_vi for p in labels),
            periods_en=", ".join(p.id for p in labels),
        )
    ]


def _stock_finding(
    unit: Unit,
    period: Period,
    element: DataElement,
    value: float,
    cell: str,
    ctx: PlausibilityContext,
) -> list[Message]:
    own = ctx.series(unit.code, element.code, period.id)
    if own:
        period_id, previous = own[0]
        label = Period.parse(period_id)
        source_vi = f"số liệu {label.label_vi} của đơn vị"
        source_en = f"the unit's {label.id} value"
    else:
        parts = []
        previous = 0.0
        for pred in unit.successor_of:
            series = ctx.series(pred, element.code, period.id)
            if series:
                previous += series[0][1]
                parts.append((pred, Period.parse(series[0][0])))
        if not parts:
            return []
        source_vi = "tổng số liệu gần nhất của các đơn vị tiền thân: " + ", ".join(
            f"{code} ({p.label_vi})" for code, p in parts
        )
        source_en = "the sum of the predecessors' last values: " + ", ".join(
            f"{code} ({p.id})" for code, p in parts
        )
    if previous - value < _params("STOCK_DECREASED")["min_drop"]:
        return []
    return [
        message(
            "STOCK_DECREASED",
            cell=cell,
            **_element_params(element),
            **_both(value=value, previous=previous),
            source_vi=source_vi,
            source_en=source_en,
        )
    ]


# --- against peers --------------------------------------------------------------------------------
class _PeerIndex:
    """(period, unit type, element) -> the accepted values of the context, sorted, and each unit's
    own value (one per unit: the context holds one set of values per unit and period)."""

    def __init__(self, ctx: PlausibilityContext, catalog: Catalog) -> None:
        self._values: dict[tuple[str, str, str], list[float]] = {}
        self._own: dict[tuple[str, str, str], dict[str, float]] = {}
        for (unit_code, period_id), values in ctx.accepted.items():
            unit = catalog.unit(unit_code)
            if unit is None:
                continue
            for element, value in values.items():
                key = (period_id, unit.type, element)
                self._values.setdefault(key, []).append(value)
                self._own.setdefault(key, {})[unit_code] = value
        for sorted_values in self._values.values():
            sorted_values.sort()

    def values(self, period_id: str, unit: Unit, element: str) -> Sequence[float]:
        """The other units' values of the same type (`unit` itself left out), in ascending order:
        a view that skips the unit's own value, not a copy (a copy and a sort per submission and
        element made 10,000 files quadratic: 60 s of plausibility)."""
        key = (period_id, unit.type, element)
        values = self._values.get(key, [])
        own = self._own.get(key, {}).get(unit.code)
        if own is None:
            return values
        i = bisect.bisect_left(values, own)
        if i < len(values) and values[i] == own:
            return _Without(values, i)
        others = list(values)  # not found by bisection (NaN): drop it by identity
        del others[next(j for j, v in enumerate(others) if v is own)]
        return sorted(others)


class _Without(Sequence[float]):
    """A sorted list seen without its item at `skip` (no copy)."""

    def __init__(self, values: list[float], skip: int) -> None:
        self._values, self._skip = values, skip

    def __len__(self) -> int:
        return len(self._values) - 1

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self._values[k if k < self._skip else k + 1]


def quartiles(data: Sequence[float]) -> tuple[float, float]:
    """Q1 and Q3 of `data`, already in ascending order: `statistics.quantiles(data, n=4,
    method="inclusive")`'s first and last, computed the same way without sorting (at least 2
    values)."""
    m = len(data) - 1
    out = []
    for i in (1, 3):
        j, delta = divmod(i * m, 4)
        out.append((data[j] * (4 - delta) + data[j + 1] * delta) / 4)
    return out[0], out[1]


def _peer_findings(
    unit: Unit,
    period: Period,
    element: DataElement,
    value: float,
    cell: str,
    catalog: Catalog,
    peers: _PeerIndex,
) -> list[Message]:
    params = _params("VALUE_OUTSIDE_PEERS")
    if element.kind not in params["kinds"]:
        return []
    others = peers.values(period.id, unit, element.code)
    if len(others) < params["min_peers"]:
        return []
    q1, q3 = quartiles(others)
    floor = params.get("element_floors", {}).get(element.code, params["absolute_floor"])
    width = max(params["k"] * (q3 - q1), floor)
    low, high = max(0.0, q1 - width), q3 + width
    if low <= value <= high:
        return []
    unit_type = catalog.type_by_code[unit.type]
    return [
        message(
            "VALUE_OUTSIDE_PEERS",
            cell=cell,
            **_element_params(element),
            **_both(value=value, low=low, high=high),
            peers=str(len(others)),
            unit_type=unit_type.code,
            unit_type_name=unit_type.name,
            period_label=period.label_vi,
            period_id=period.id,
        )
    ]


__all__ = [
    "PlausibilityContext",
    "check_batch",
    "check_submission",
    "context_units",
    "load_context",
    "with_batch",
]
