"""Queries -> view models of every unit's result sheet for one period.

One read-only connection, six set-based queries for ALL units (schemas/sql/unit_page_*.sql), then
plain Python grouping; no query per unit. Every number a reader sees is formatted here with
tasks.core.formatting (1.234,5; dd/mm/yyyy). Lists that could run long (arrivals, warnings) are cut
to a fixed number of rows and say how many more there are, so every sheet fits one A4 page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from schemas.catalog_model import Catalog, DataElement, Unit
from tasks.core.formatting import (
    MISSING,
    excerpt_sentences,
    fmt_date,
    fmt_number,
    fmt_percent,
    fmt_quantity,
    truncate_text,
)
from tasks.core.periods import TZ, Period
from tasks.core.warehouse import connect, execute
from tasks.report.annexes import fmt_element_value
from tasks.report.naming import clean_text, display_name, unit_sort_key
from tasks.unit_pages.model import ArrivalRow, FigureRow, MessageRow, TrendRow, UnitPage

TREND_QUARTERS = 4
MAX_ARRIVALS = 5  # rows of the submission history; the rest are counted ("và N lần gửi khác")
MAX_MESSAGES = 4  # warnings / errors listed; the rest are counted
MESSAGE_CHARS = 125  # about one line of the warnings list
FILE_NAME_CHARS = 44  # one line of its column
SUMMARY_CHARS = 260  # the narrative excerpt: about two lines
UNIT_NAME_CHARS = 120

ARRIVAL_STATUS_TEXT = {
    "accepted": "Hợp lệ",
    "accepted_with_warnings": "Hợp lệ, có cảnh báo",
    "rejected": "Bị từ chối",
    "duplicate": "Trùng tệp đã gửi",
}
TIMELINESS_TEXT = {"on_time": "Đúng hạn", "late": "Trễ hạn", "after_lock": "Sau khi khóa kỳ"}
NOT_SUBMITTED = "Đơn vị chưa gửi báo cáo kỳ này"


def _rows(con, name: str, **params: Any) -> list[tuple]:
    """A query's rows as tuples (cheaper than dicts at 1,000 units x 4 quarters x elements)."""
    return execute(con, name, **params).fetchall()


def _fmt_median(element: DataElement, value: float | None) -> str:
    if value is None:
        return MISSING
    if element.kind == "money":
        return fmt_number(value, 1)
    return fmt_number(value, 1, trim=True)  # a median of an even count may end in ,5


def _fmt_received(at: datetime) -> str:
    local = at.astimezone(TZ) if at.tzinfo else at.replace(tzinfo=TZ)
    return local.strftime("%d/%m/%Y %H:%M")


def trend_periods(period: Period, n: int = TREND_QUARTERS) -> list[Period]:
    """This period and the n - 1 before it, oldest first."""
    out = [period]
    while len(out) < n:
        out.append(out[-1].prev())
    return out[::-1]


def trend_sources(catalog: Catalog, code: str, quarter: Period) -> list[str]:
    """The units whose data count for `code` in `quarter`, like for like: the unit itself and every
    predecessor reached through successor_of links (recursively) that existed during the quarter's
    data window. A predecessor that had ended before the window is skipped, but its own
    predecessors are still followed."""
    out = [code]
    seen = {code}
    stack = (
        list(reversed(catalog.unit_by_code[code].successor_of))
        if code in catalog.unit_by_code
        else []
    )
    while stack:
        pred = stack.pop()
        if pred in seen or pred not in catalog.unit_by_code:
            continue
        seen.add(pred)
        unit = catalog.unit_by_code[pred]
        if unit.overlaps(quarter.window_start, quarter.window_end):
            out.append(pred)
        stack.extend(reversed(unit.successor_of))
    return out


def page_units(
    catalog: Catalog, period: Period, sent: Iterable[str]
) -> tuple[list[Unit], set[str]]:
    """The units that get a page: every unit expected for the period, and every catalogue unit that
    sent something for it (expected or not), in the report's order. Also the expected codes."""
    expected = {u.code for u in catalog.expected_units(period.window_start, period.window_end)}
    codes = expected | {c for c in sent if c in catalog.unit_by_code}
    key = unit_sort_key(catalog)
    return [catalog.unit_by_code[c] for c in sorted(codes, key=key)], expected


def build_unit_pages(
    db_path: Path, catalog: Catalog, period: Period, issued_on: date
) -> list[UnitPage]:
    """The view model of every unit's page for `period` (one connection, set-based queries)."""
    quarters = trend_periods(period)
    with connect(Path(db_path), read_only=True) as con:
        arrivals = _rows(con, "unit_page_arrivals", period_id=period.id)
        units, expected = page_units(catalog, period, {r[1] for r in arrivals})
        values = _rows(con, "unit_page_values", period_id=period.id)
        peers = _rows(
            con,
            "unit_page_peers",
            period_id=period.id,
            unit_codes=[u.code for u in catalog.units],
            unit_types=[u.type for u in catalog.units],
        )
        map_units: list[str] = []
        map_periods: list[str] = []
        map_sources: list[str] = []
        for unit in units:
            for q in quarters:
                for source in trend_sources(catalog, unit.code, q):
                    map_units.append(unit.code)
                    map_periods.append(q.id)
                    map_sources.append(source)
        trend = _rows(
            con,
            "unit_page_trend",
            map_units=map_units,
            map_periods=map_periods,
            map_sources=map_sources,
        )
        messages = _rows(con, "unit_page_messages", period_id=period.id)
        narratives = _rows(con, "unit_page_narratives", period_id=period.id)

    own: dict[str, dict[str, float | None]] = defaultdict(dict)
    for unit_code, element_code, value in values:
        own[unit_code][element_code] = value
    medians: dict[tuple[str, str], float] = {}
    totals: dict[str, float] = {}
    for unit_type, element_code, median, _n, total, _city_units in peers:
        if unit_type is not None:
            medians[(unit_type, element_code)] = median
        totals[element_code] = total
    trend_values: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    trend_preds: dict[str, set[str]] = defaultdict(set)
    for unit_code, period_id, element_code, value, preds in trend:
        trend_values[(unit_code, period_id)][element_code] = value
        trend_preds[unit_code].update(preds or ())
    arrivals_of: dict[str, list[tuple]] = defaultdict(list)
    for row in arrivals:
        arrivals_of[row[1]].append(row)
    messages_of: dict[str, list[tuple]] = defaultdict(list)
    for row in messages:
        messages_of[row[0]].append(row)
    summary_of = {code: body for code, body in narratives}

    elements_of: dict[str, list[DataElement]] = {}
    common: dict[str, Any] = {
        "period_id": period.id,
        "period_label": period.label_vi,
        "title": f"PHIẾU KẾT QUẢ THỰC HIỆN ĐỀ ÁN – {period.label_vi}",
        "window_text": f"từ ngày {fmt_date(period.window_start)} đến ngày {fmt_date(period.window_end)}",
        "issued_on": fmt_date(issued_on),
        "issued_iso": issued_on.isoformat(),
        "quarter_labels": tuple(q.label_vi for q in quarters),
    }
    key = unit_sort_key(catalog)
    pages: list[UnitPage] = []
    for unit in units:
        if unit.type not in elements_of:
            elements_of[unit.type] = catalog.elements_for_type(unit.type)
        elements = elements_of[unit.type]
        mine = own.get(unit.code, {})
        figures = []
        for e in elements:
            value = mine.get(e.code)
            median = medians.get((unit.type, e.code))
            total = totals.get(e.code)
            share = value / total if value is not None and total and e.kind != "yes_no" else None
            figures.append(
                FigureRow(
                    element_code=e.code,
                    name=e.name,
                    uom=e.uom,
                    value=value,
                    type_median=median,
                    city_total=total,
                    share=share,
                    value_text=fmt_element_value(e, value),
                    median_text=_fmt_median(e, median),
                    total_text=MISSING if total is None else fmt_quantity(total, e.whole_number),
                    share_text=fmt_percent(share),
                )
            )
        trend_rows = []
        for e in elements:
            series = tuple(trend_values.get((unit.code, q.id), {}).get(e.code) for q in quarters)
            trend_rows.append(
                TrendRow(
                    element_code=e.code,
                    name=e.name,
                    uom=e.uom,
                    values=series,
                    texts=tuple(fmt_element_value(e, v) for v in series),
                )
            )
        preds = sorted(trend_preds.get(unit.code, ()), key=key)
        predecessor_note = (
            "Gồm số liệu của đơn vị tiền thân: "
            + "; ".join(display_name(catalog, p) for p in preds)
            + "."
            if preds
            else ""
        )
        sent = arrivals_of.get(unit.code, [])
        accepted = [r for r in sent if r[4] in ("accepted", "accepted_with_warnings")]
        version = max((r[5] for r in accepted if r[5] is not None), default=None)
        status_text = _status_sentence(unit, period, sent, accepted, version, unit.code in expected)
        arrival_rows = [
            ArrivalRow(
                arrival_no=no,
                received_text=_fmt_received(received_at),
                file_name=truncate_text(clean_text(file_name), FILE_NAME_CHARS)[0],
                status=status,
                status_text=ARRIVAL_STATUS_TEXT.get(status, status),
                version_text=str(v) if v is not None else MISSING,
                timeliness_text=TIMELINESS_TEXT.get(timeliness or "", MISSING),
            )
            for no, _u, received_at, file_name, status, v, timeliness in sent
        ]
        shown_arrivals = arrival_rows[-MAX_ARRIVALS:]  # the newest ones
        hidden_arrivals = len(arrival_rows) - len(shown_arrivals)
        msgs = messages_of.get(unit.code, [])
        severity = "warning" if version is not None else "error"
        message_rows = [
            MessageRow(
                severity=sev,
                rule=rule,
                place="!".join(p for p in (sheet, cell) if p),
                message=truncate_text(clean_text(text), MESSAGE_CHARS)[0],
            )
            for _u, sev, rule, sheet, cell, text in msgs[:MAX_MESSAGES]
        ]
        hidden_messages = len(msgs) - len(message_rows)
        noun = "cảnh báo" if severity == "warning" else "lỗi"
        if version is not None:
            messages_title = f"Cảnh báo còn mở của bản đang dùng (lần {version})"
            messages_empty = "Không có cảnh báo."
        elif sent:
            messages_title = "Lỗi của tệp bị từ chối gần nhất"
            messages_empty = "Không có lỗi được ghi nhận."
        else:
            messages_title = "Cảnh báo, lỗi"
            messages_empty = "Không có (đơn vị chưa gửi tệp nào)."
        summary = ""
        if unit.code in summary_of and version is not None:
            summary = excerpt_sentences(clean_text(summary_of[unit.code]), SUMMARY_CHARS // 2)[0]
            summary = truncate_text(summary, SUMMARY_CHARS)[0]
        pages.append(
            UnitPage(
                unit_code=unit.code,
                unit_name=truncate_text(
                    clean_text(display_name(catalog, unit.code)), UNIT_NAME_CHARS
                )[0],
                type_name=catalog.type_by_code[unit.type].name,
                expected=unit.code in expected,
                submitted=version is not None,
                status_text=status_text,
                version=version,
                figures=tuple(figures),
                trend=tuple(trend_rows),
                predecessor_note=predecessor_note,
                arrivals=tuple(shown_arrivals),
                arrivals_more=(
                    f"và {fmt_number(hidden_arrivals)} lần gửi trước đó" if hidden_arrivals else ""
                ),
                messages_title=messages_title,
                messages=tuple(message_rows),
                messages_more=(
                    f"và {fmt_number(hidden_messages)} {noun} khác" if hidden_messages else ""
                ),
                messages_empty=messages_empty,
                summary=summary,
                **common,
            )
        )
    return pages


def _status_sentence(
    unit: Unit,
    period: Period,
    sent: list[tuple],
    accepted: list[tuple],
    version: int | None,
    expected: bool,
) -> str:
    if version is not None:
        first = accepted[0]
        current = next(r for r in accepted if r[5] == version)
        timely = TIMELINESS_TEXT.get(first[6] or "", "")
        text = f"Đã gửi báo cáo hợp lệ ({timely.lower() or 'không rõ thời hạn'})"
        text += f"; số liệu theo bản lần {version} nhận ngày {fmt_date(current[2])}."
    elif sent:
        text = "Đơn vị đã gửi tệp nhưng chưa có bản hợp lệ (tệp bị từ chối hoặc trùng)."
    else:
        text = NOT_SUBMITTED + "."
    if not expected:
        text += (
            f" Đơn vị không còn trong danh sách phải báo cáo tại ngày chốt số liệu "
            f"{fmt_date(period.window_end)}."
        )
    return text
