"""The Great Expectations side of a batch: the frames it validates, and its failures as messages.

The "Chỉ tiêu" and "Hoạt động" rules run in Great Expectations (tasks/intake/expectations.py): the
whole batch becomes one stacked DataFrame, one row per data-element row (`elements`), per data
element the unit must report (`assigned`) and per activity (`activities`), with `sub_key`, the
row's cells and helper columns; GX validates it (one suite per frame kind); each failing row maps
back through `rid` to its submission, cell and object (an unsafe evidence link is dropped from the
activity copy).

pandas is imported only when a frame is built.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from schemas.catalog_model import KIND_LABEL_VI, Catalog
from tasks.core.periods import format_date_vi
from tasks.intake import expectations
from tasks.intake.cells import cell_text, is_blank
from tasks.intake.header_checks import SubmissionState, window_text
from tasks.intake.rules import load_rules, message
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
    Activity,
    Message,
)

SHEET_ORDER = {SHEET_INFO: 0, SHEET_ELEMENTS: 1, SHEET_ACTIVITIES: 2, SHEET_NARRATIVE: 3}
_KIND_EN = {"flow": "count", "stock": "stock", "yes_no": "yes/no", "money": "money"}
_RESERVED = {"code", "sheet", "cell"}  # names message() takes itself


def _num(value: float | None) -> float:
    return float(value) if value is not None and math.isfinite(value) else math.nan


def _fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")


def _gap(value: float | None) -> float:
    """Distance to the nearest whole number (NaN when there is no finite number)."""
    if value is None or not math.isfinite(value):
        return math.nan
    return abs(value - round(value))


def _raw_or(activity: Activity, column: str, fallback: object) -> object:
    if column in activity.raw:
        return activity.raw[column]
    return fallback


def _element_rows(state: SubmissionState, catalog: Catalog) -> list[dict]:
    sub, unit, usable = state.sub, state.unit, state.usable
    first_by_code: dict[str, Any] = {}
    rows_by_code: dict[str, list[int]] = {}
    for v in sub.values:
        first_by_code.setdefault(v.code, v)
        rows_by_code.setdefault(v.code, []).append(v.row)
    type_name = (
        catalog.type_by_code[unit.type].name
        if unit is not None and unit.type in catalog.type_by_code
        else ""
    )
    rows = []
    for v in sub.values:
        element = catalog.element_by_code.get(v.code)
        cap = (
            first_by_code.get(element.not_above)
            if element is not None and element.not_above
            else None
        )
        value = v.value
        rows.append(
            {
                "frame": "elements",
                "sub_key": sub.key,
                "row": v.row,
                "value_cell": f"E{v.row}",
                "code_cell": f"A{v.row}",
                "element": v.code,
                "element_name": element.name if element else "",
                "element_known": element is not None,
                "kind": element.kind if element else None,
                "kind_label": KIND_LABEL_VI[element.kind] if element else "",
                "uom": element.uom if element else "",
                "raw_text": None if is_blank(v.raw) else cell_text(v.raw),
                "value": _num(value),
                "value_text": _fmt(value),
                "text_number": bool(v.value_was_text and value is not None),
                "whole_gap": _gap(value),
                "type_element": (
                    f"{unit.type}:{v.code}"
                    if usable and unit is not None and element is not None
                    else None
                ),
                "unit_type": unit.type if unit else "",
                "unit_type_name": type_name,
                "cap_element": element.not_above if element and element.not_above else "",
                "cap_cell": f"E{cap.row}" if cap is not None else "",
                "cap_value": _num(cap.value) if cap is not None else math.nan,
                "cap_value_text": _fmt(cap.value) if cap is not None else "",
                "dup_rows": ", ".join(map(str, rows_by_code.get(v.code, []))),
            }
        )
    return rows


def _assigned_rows(state: SubmissionState, catalog: Catalog) -> list[dict]:
    if not state.usable or state.unit is None:
        return []
    present = {v.code for v in state.sub.values}
    return [
        {
            "frame": "assigned",
            "sub_key": state.sub.key,
            "element": element.code,
            "element_name": element.name,
            "present": element.code in present,
        }
        for element in catalog.elements_for_type(state.unit.type)
    ]


def _activity_rows(state: SubmissionState) -> list[dict]:
    sub, period = state.sub, state.period
    rows = []
    labels = dict(
        zip(
            ("stt", "date", "type", "channel", "title", "quantity", "reach", "cost", "url"),
            ACTIVITY_COLUMNS,
            strict=True,
        )
    )
    for a in state.activities:
        r = a.row
        reach_raw = _raw_or(a, labels["reach"], a.reach)
        cost_raw = _raw_or(a, labels["cost"], a.cost)
        rows.append(
            {
                "frame": "activities",
                "sub_key": sub.key,
                "row": r,
                "date_cell": f"B{r}",
                "type_cell": f"C{r}",
                "channel_cell": f"D{r}",
                "quantity_cell": f"F{r}",
                "reach_cell": f"G{r}",
                "cost_cell": f"H{r}",
                "url_cell": f"I{r}",
                "activity_date": a.activity_date,
                "date_raw": cell_text(_raw_or(a, labels["date"], a.activity_date)),
                "date_text": format_date_vi(a.activity_date) if a.activity_date else "",
                "window_start": period.window_start if period else None,
                "window_end": period.window_end if period else None,
                "window": window_text(period) if period else "",
                "period_label": period.label_vi if period else "",
                "activity_type": a.activity_type or "",
                "type_raw": cell_text(_raw_or(a, labels["type"], a.activity_type)),
                "channel": a.channel or "",
                "channel_raw": cell_text(_raw_or(a, labels["channel"], a.channel)),
                "quantity": _num(a.quantity),
                "quantity_raw": cell_text(_raw_or(a, labels["quantity"], a.quantity)),
                "quantity_gap": _gap(a.quantity),
                "reach": _num(a.reach),
                "reach_raw": None if is_blank(reach_raw) else cell_text(reach_raw),
                "cost": _num(a.cost),
                "cost_raw": None if is_blank(cost_raw) else cell_text(cost_raw),
                "evidence_url": a.evidence_url or None,
                "url_raw": cell_text(_raw_or(a, labels["url"], a.evidence_url)),
            }
        )
    return rows


_FLOAT_COLUMNS = ("value", "whole_gap", "cap_value", "quantity", "quantity_gap", "reach", "cost")
_DATE_COLUMNS = ("activity_date", "window_start", "window_end")


def _frame(rows: list[dict]):
    """The batch's rows as ONE frame for Great Expectations, with only the columns a spec names
    (and the frame, the submission key and the row id): the rows' other keys (cells, labels, raw
    texts for the messages) stay in `rows`; every row-condition filter of the suite copies each
    column of the frame, so 25 columns instead of 53 halve that copying."""
    import pandas as pd  # noqa: PLC0415 - only needed here

    frame = pd.DataFrame(rows, columns=_gx_columns())
    frame["rid"] = range(len(frame))
    for column in _FLOAT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in _DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], errors="coerce")
    # one block per dtype: the columns converted one by one above leave dozens of blocks, and
    # every row-condition filter of the suite then copies each of them
    return frame.copy()


def _gx_columns() -> list[str]:
    """Every column a spec names (even if its frame is absent from the batch), the frame's name
    and the index columns of the failures; the typed columns too (missing ones are all-null)."""
    names = {"frame", *expectations.INDEX_COLUMNS, *_FLOAT_COLUMNS, *_DATE_COLUMNS}
    for spec in expectations.load_specs():
        names.update(_spec_columns(spec))
    names.discard("rid")  # numbered once the frame is built
    return sorted(names)


def _spec_columns(spec) -> list[str]:
    kw = spec.kwargs
    names = [kw[k] for k in ("column", "column_A", "column_B") if k in kw]
    names += list(kw.get("column_list", []))
    names += list(spec.where)
    return names


def _catalog_parameters(catalog: Catalog) -> dict[str, list]:
    return {
        "element_codes": sorted(catalog.element_by_code),
        "activity_codes": list(catalog.activity_codes),
        "channel_codes": list(catalog.channel_codes),
        "assignments": sorted(f"{t}:{e.code}" for e in catalog.data_elements for t in e.unit_types),
    }


def _params(row: dict) -> dict[str, str]:
    out = {}
    for key, value in row.items():
        if key in _RESERVED:
            continue
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out[key] = ""
        elif isinstance(value, float):
            out[key] = _fmt(value)
        elif isinstance(value, date):
            out[key] = format_date_vi(value)
        else:
            out[key] = str(value)
    out["kind"] = _KIND_EN.get(row.get("kind") or "", "")
    return out


def run_gx(states: list[SubmissionState], catalog: Catalog) -> None:
    """Validate the "Chỉ tiêu" and "Hoạt động" sheets of every state in ONE Great Expectations run;
    each state gets its findings appended to `messages`, ordered by sheet, row and rule."""
    rows: list[dict] = []
    # rid -> (submission state, object the row stands for: an ElementValue, a copied Activity)
    owners: list[tuple[SubmissionState, object]] = []
    for state in states:
        if SHEET_ELEMENTS not in state.broken:
            for row, obj in zip(_element_rows(state, catalog), state.sub.values, strict=True):
                rows.append(row)
                owners.append((state, obj))
            for row in _assigned_rows(state, catalog):
                rows.append(row)
                owners.append((state, None))
        if SHEET_ACTIVITIES not in state.broken:
            for row, activity in zip(_activity_rows(state), state.activities, strict=True):
                rows.append(row)
                owners.append((state, activity))
    if not rows:
        return
    failures = expectations.run_expectations(_frame(rows), _catalog_parameters(catalog))
    _apply_failures(failures, rows, owners)


def _apply_failures(
    failures: list[expectations.Failure],
    rows: list[dict],
    owners: list[tuple[SubmissionState, object]],
) -> None:
    rule_order = {code: i for i, code in enumerate(load_rules())}
    seen: set[tuple] = set()
    found: dict[int, list[tuple[tuple, Message]]] = {}
    for failure in failures:
        spec, row = failure.spec, rows[failure.rid]
        state, obj = owners[failure.rid]
        cell = row.get(spec.cell) if spec.cell else None
        key = (state.sub.key, spec.rule, cell or row.get("element"))
        if key in seen:
            continue
        seen.add(key)
        if spec.rule == "EVIDENCE_URL_UNSAFE" and isinstance(obj, Activity):
            obj.evidence_url = None  # never kept, never shown as a link (obj is the state's copy)
        msg = message(spec.rule, cell=cell, **_params(row))
        order = (
            SHEET_ORDER.get(msg.sheet or "", 9),
            row.get("row") or 10**9,
            rule_order.get(spec.rule, 999),
        )
        found.setdefault(id(state), []).append((order, msg))
    for state in {id(s): s for s, _ in owners}.values():
        for _, msg in sorted(found.get(id(state), []), key=lambda item: item[0]):
            state.messages.append(msg)
