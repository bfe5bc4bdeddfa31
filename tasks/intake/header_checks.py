"""The "Thông tin" (header) checks: plain Python, one submission at a time.

`check_header` reads the submission and records on its `SubmissionState` what it found out (the
unit and the period, which later checks need) and the messages of the header rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from schemas.catalog_model import Catalog, Unit
from tasks.core.periods import Period, format_date_vi
from tasks.core.settings import TZ
from tasks.intake.cells import cell_text, norm
from tasks.intake.rules import message
from tasks.intake.submission import (
    INFO_LABELS,
    SHEET_INFO,
    TEMPLATE_VERSIONS,
    Activity,
    Message,
    Submission,
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


@dataclass
class SubmissionState:
    """One submission under validation. `sub` is only read: the findings go to `messages`, the
    cleaned activities and narratives are copies (`activities`, `narratives`)."""

    sub: Submission
    activities: list[Activity]
    narratives: dict[str, str]
    unit: Unit | None = None
    period: Period | None = None
    broken: set[str] = field(default_factory=set)  # sheets missing or with a broken header row
    messages: list[Message] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.unit is not None and self.period is not None


def period_of(period_id: str | None) -> Period | None:
    if not period_id:
        return None
    try:
        return Period.parse(period_id)
    except Exception:  # noqa: BLE001 - a hand-built submission with a bad id
        return None


def window_text(period: Period) -> str:
    return f"{format_date_vi(period.window_start)} - {format_date_vi(period.window_end)}"


def check_header(
    state: SubmissionState, catalog: Catalog, now: datetime, locked: frozenset[str]
) -> None:
    """Check the header of `state.sub`; set `state.unit` / `state.period` when they are usable."""
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
        state.messages.append(message(code, cell=cell, at_vi=at_vi, at_en=at_en, **params))

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
    state.period = period_of(sub.period_id)
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
                window=window_text(period),
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
