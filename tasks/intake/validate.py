"""Validate a batch of read submissions against the contract (SUBMISSION_FORMAT.md) and the catalogue.

`validate_batch` appends rule findings (schemas/rules.yaml) to every readable submission and cleans
values in place: activity types/channels typed as their catalogue name become codes, unsafe evidence
links are dropped, narratives are cut to the limit.

- "Thông tin" (header) rules are plain Python (one submission at a time).
- "Chỉ tiêu" and "Hoạt động" rules run in Great Expectations (tasks/intake/expectations.py): the whole batch
  becomes one stacked DataFrame, one row per data-element row (`elements`), per data element the
  unit must report (`assigned`) and per activity (`activities`), with `sub_key`, the row's cells and
  helper columns; one GX run validates it; each failing row maps back through `rid` to its
  submission, cell and object.
- "Thuyết minh" (length limit) is plain Python.

When the header is unusable (unit missing/unknown or period unreadable), the rules that need the
unit's type (assignment, missing elements) and the period (activity dates in the window) are
skipped; the other findings are still reported. A sheet that is missing or has a broken header row
(reported by tasks/intake/parse.py) is not checked further.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from schemas.catalog_model import KIND_LABEL_VI, Catalog, Unit
from tasks.core.periods import Period, format_date_vi
from tasks.core.settings import TZ
from tasks.intake.expectations import FRAMES, Failure, load_specs, run_expectations
from tasks.intake.parse import NARRATIVE_CELL_PREFIX, cell_text, is_blank, norm
from tasks.intake.rules import load_rules, message
from tasks.intake.submission import (
    ACTIVITY_COLUMNS,
    INFO_LABELS,
    NARRATIVE_LABELS,
    SHEET_ACTIVITIES,
    SHEET_ELEMENTS,
    SHEET_INFO,
    SHEET_NARRATIVE,
    TEMPLATE_VERSIONS,
    Activity,
    Message,
    Submission,
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
STRUCTURE_RULES = {"SHEET_MISSING", "COLUMN_MISSING"}
SHEET_ORDER = {SHEET_INFO: 0, SHEET_ELEMENTS: 1, SHEET_ACTIVITIES: 2, SHEET_NARRATIVE: 3}
_KIND_EN = {"flow": "count", "stock": "stock", "yes_no": "yes/no", "money": "money"}
_RESERVED = {"code", "sheet", "cell"}  # names message() takes itself


@dataclass(frozen=True)
class ValidationContext:
    now: datetime
    locked_periods: frozenset[str] = frozenset()
    narrative_max_chars: int = 4000


@dataclass
class _State:
    """What the header checks found out about one submission."""

    sub: Submission
    unit: Unit | None = None
    period: Period | None = None
    broken: set[str] = field(default_factory=set)  # sheets missing or with a broken header row

    @property
    def usable(self) -> bool:
        return self.unit is not None and self.period is not None


def validate_batch(subs: list[Submission], catalog: Catalog, ctx: ValidationContext) -> None:
    """Append rule findings to every readable submission of the batch (in place)."""
    now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=TZ)
    states = []
    for sub in subs:
        if not sub.readable:
            continue
        state = _State(
            sub, broken={m.sheet for m in sub.messages if m.rule in STRUCTURE_RULES and m.sheet}
        )
        if SHEET_INFO not in state.broken:
            _check_header(state, catalog, now, ctx.locked_periods)
        else:
            state.unit = catalog.unit(sub.unit_code) if sub.unit_code else None
            state.period = _period(sub.period_id)
        _normalise_activity_codes(sub, catalog)
        states.append(state)
    if states:
        _run_gx(states, catalog)
    for state in states:
        _check_narratives(state, ctx.narrative_max_chars)


# --- header ("Thông tin") -------------------------------------------------------------------------
def _period(period_id: str | None) -> Period | None:
    if not period_id:
        return None
    try:
        return Period.parse(period_id)
    except Exception:  # noqa: BLE001 - a hand-built submission with a bad id
        return None


def _window(period: Period) -> str:
    return f"{format_date_vi(period.window_start)} - {format_date_vi(period.window_end)}"


def _check_header(state: _State, catalog: Catalog, now: datetime, locked: frozenset[str]) -> None:
    sub, header = state.sub, state.sub.header

    def add(code: str, key: str, **params) -> None:
        cell = header.cells.get(key)
        label = INFO_LABELS[key]
        where_vi, where_en = f'trang "{SHEET_INFO}"', f'sheet "{SHEET_INFO}"'
        at_vi = (
            f"{where_vi}, ô {cell}"
            if cell
            else f'{where_vi}: không tìm thấy nhãn "{label}" ở cột A'
        )
        at_en = (
            f"{where_en}, cell {cell}"
            if cell
            else f'{where_en}: label "{label}" not found in column A'
        )
        sub.messages.append(message(code, cell=cell, at_vi=at_vi, at_en=at_en, **params))

    def raw_text(key: str) -> str:
        return cell_text(header.raw.get(key))

    # unit
    if not sub.unit_code:
        add("UNIT_MISSING", "unit_code")
    else:
        state.unit = catalog.unit(sub.unit_code)
        if state.unit is None:
            add("UNIT_UNKNOWN", "unit_code", unit=sub.unit_code)
    unit = state.unit
    if unit is not None and header.unit_name and not _same_name(header.unit_name, unit.name):
        add(
            "UNIT_NAME_MISMATCH",
            "unit_name",
            value=header.unit_name,
            expected=unit.name,
            unit=unit.code,
        )

    # period
    state.period = _period(sub.period_id)
    period = state.period
    if period is None:
        add("PERIOD_INVALID", "period", value=raw_text("period"))
    else:
        label = period.label_vi
        if not period.in_de_an:
            first = Period.first()
            add(
                "PERIOD_NOT_OPEN",
                "period",
                period_label=label,
                reason_vi=f"kỳ này ở trước kỳ đầu tiên của Đề án ({first.label_vi}, từ {format_date_vi(first.window_start)})",
                reason_en=f"it is before the Đề án's first period ({first.id}, from {format_date_vi(first.window_start)})",
            )
        elif now < period.opens_at():
            start = format_date_vi(period.window_start)
            add(
                "PERIOD_NOT_OPEN",
                "period",
                period_label=label,
                reason_vi=f"kỳ tính số liệu bắt đầu từ ngày {start}, hãy gửi báo cáo từ ngày đó trở đi",
                reason_en=f"its data window starts on {start}; send the report from that day on",
            )
        elif period.id in locked:
            add("PERIOD_LOCKED", "period", period_label=label)
        if unit is not None and not catalog.may_submit(
            unit, period.window_start, period.window_end
        ):
            since = format_date_vi(unit.valid_from)
            until = format_date_vi(unit.valid_to) if unit.valid_to else None
            add(
                "UNIT_INACTIVE",
                "unit_code",
                unit=unit.code,
                unit_name=unit.name,
                period_label=label,
                window=_window(period),
                validity_vi=f"{since} - {until}" if until else f"từ {since}",
                validity_en=f"{since} - {until}" if until else f"from {since}",
            )

    # preparer, e-mail
    if not header.preparer:
        add("PREPARER_MISSING", "preparer")
    if header.email and not EMAIL_RE.match(header.email.strip()):
        add("EMAIL_INVALID", "email", value=header.email)

    # report date
    today = now.astimezone(TZ).date()
    prepared = header.prepared_on
    if prepared is None:
        add("PREPARED_ON_INVALID", "prepared_on", value=raw_text("prepared_on"))
    elif prepared > today:
        add(
            "PREPARED_ON_FUTURE",
            "prepared_on",
            value=format_date_vi(prepared),
            today=format_date_vi(today),
        )
    elif period is not None and prepared < period.window_start:
        add(
            "PREPARED_ON_BEFORE_WINDOW",
            "prepared_on",
            value=format_date_vi(prepared),
            period_label=period.label_vi,
            window_start=format_date_vi(period.window_start),
        )

    # template version
    if sub.template_version not in TEMPLATE_VERSIONS:
        shown = raw_text("template_version") or (
            "" if sub.template_version is None else str(sub.template_version)
        )
        add(
            "TEMPLATE_VERSION_UNKNOWN",
            "template_version",
            value=shown,
            versions=", ".join(map(str, TEMPLATE_VERSIONS)),
        )


def _same_name(given: str, expected: str) -> bool:
    def simple(text: str) -> str:
        text = norm(text)
        return text[5:] if text.startswith("ubnd ") else text

    return simple(given) == simple(expected)


# --- activity codes typed as names ------------------------------------------------------------------
def _match_code(text: str | None, codes: dict[str, str], names: dict[str, str]) -> str | None:
    if text is None:
        return None
    key = norm(text)
    if key in codes:
        return codes[key]
    if key in names:
        return names[key]
    head = re.split(r"\s+[-–:]\s+|\s*:\s*", key, maxsplit=1)[0]  # "tin_bai - Tin, bài, phóng sự"
    if head in codes:
        return codes[head]
    tail = re.search(r"\(([^()]+)\)\s*$", key)  # "Tin, bài, phóng sự (tin_bai)"
    if tail and tail.group(1).strip() in codes:
        return codes[tail.group(1).strip()]
    return text


def _normalise_activity_codes(sub: Submission, catalog: Catalog) -> None:
    types = (
        {c.code.casefold(): c.code for c in catalog.activity_types},
        {norm(c.name): c.code for c in catalog.activity_types},
    )
    channels = (
        {c.code.casefold(): c.code for c in catalog.channels},
        {norm(c.name): c.code for c in catalog.channels},
    )
    for activity in sub.activities:
        activity.activity_type = _match_code(activity.activity_type, *types)
        activity.channel = _match_code(activity.channel, *channels)


# --- the frames and the GX run --------------------------------------------------------------------
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


def _element_rows(state: _State, catalog: Catalog) -> list[dict]:
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
                "type_element": f"{unit.type}:{v.code}" if usable and element is not None else None,
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


def _assigned_rows(state: _State, catalog: Catalog) -> list[dict]:
    if not state.usable:
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


def _activity_rows(state: _State) -> list[dict]:
    sub, period = state.sub, state.period
    rows = []
    labels = dict(
        zip(
            ("stt", "date", "type", "channel", "title", "quantity", "reach", "cost", "url"),
            ACTIVITY_COLUMNS,
            strict=True,
        )
    )
    for a in sub.activities:
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
                "window": _window(period) if period else "",
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
    import pandas as pd  # noqa: PLC0415 - only needed here

    frame = pd.DataFrame(rows)
    frame["rid"] = range(len(frame))
    for column in _FLOAT_COLUMNS:
        if column not in frame:
            frame[column] = math.nan
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in _DATE_COLUMNS:
        if column not in frame:
            frame[column] = None
        frame[column] = pd.to_datetime(frame[column], errors="coerce")
    for spec in load_specs():  # every column a spec names must exist, even if its frame is absent
        for name in _spec_columns(spec):
            if name not in frame:
                frame[name] = None
    return frame


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


def _run_gx(states: list[_State], catalog: Catalog) -> None:
    rows: list[dict] = []
    owners: list[tuple[_State, object]] = []  # rid -> (submission state, object the row stands for)
    for state in states:
        if SHEET_ELEMENTS not in state.broken:
            for row, obj in zip(_element_rows(state, catalog), state.sub.values, strict=True):
                rows.append(row)
                owners.append((state, obj))
            for row in _assigned_rows(state, catalog):
                rows.append(row)
                owners.append((state, None))
        if SHEET_ACTIVITIES not in state.broken:
            for row, obj in zip(_activity_rows(state), state.sub.activities, strict=True):
                rows.append(row)
                owners.append((state, obj))
    if not rows:
        return
    failures = run_expectations(_frame(rows), _catalog_parameters(catalog))
    _apply_failures(failures, rows, owners)


def _apply_failures(
    failures: list[Failure], rows: list[dict], owners: list[tuple[_State, object]]
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
            obj.evidence_url = None  # never kept, never shown as a link
        msg = message(spec.rule, cell=cell, **_params(row))
        order = (
            SHEET_ORDER.get(msg.sheet or "", 9),
            row.get("row") or 10**9,
            rule_order.get(spec.rule, 999),
        )
        found.setdefault(id(state), []).append((order, msg))
    for state in {id(s): s for s, _ in owners}.values():
        for _, msg in sorted(found.get(id(state), []), key=lambda item: item[0]):
            state.sub.messages.append(msg)


# --- narrative ("Thuyết minh") ----------------------------------------------------------------------
def _check_narratives(state: _State, limit: int) -> None:
    sub = state.sub
    for key, text in list(sub.narratives.items()):
        if text is not None and len(text) > limit:
            sub.narratives[key] = text[:limit]
            sub.messages.append(
                message(
                    "NARRATIVE_TOO_LONG",
                    cell=sub.header.cells.get(NARRATIVE_CELL_PREFIX + key),
                    label=NARRATIVE_LABELS.get(key, key),
                    length=str(len(text)),
                    limit=str(limit),
                )
            )


__all__ = ["ValidationContext", "validate_batch", "FRAMES"]
