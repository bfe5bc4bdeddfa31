"""The view model of a unit's result sheet: frozen dataclasses of already formatted strings (what the
template prints) next to the raw numbers (what tests and callers check). No formatting happens in
the template; no query happens after the model is built."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FigureRow:
    """One data element: the unit against its type's median and the city total."""

    element_code: str
    name: str
    uom: str
    value: float | None
    type_median: float | None
    city_total: float | None
    share: float | None  # value / city_total (None when either is missing or the total is 0)
    value_text: str
    median_text: str
    total_text: str
    share_text: str


@dataclass(frozen=True)
class TrendRow:
    """One data element over the last four quarters (oldest first), like for like."""

    element_code: str
    name: str
    uom: str
    values: tuple[float | None, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class ArrivalRow:
    """One file the unit sent for the period."""

    arrival_no: int
    received_text: str  # dd/mm/yyyy HH:MM (Asia/Ho_Chi_Minh)
    file_name: str
    status: str
    status_text: str
    version_text: str
    timeliness_text: str


@dataclass(frozen=True)
class MessageRow:
    """An open warning (or an error of the last rejected file)."""

    severity: str
    rule: str
    place: str  # "sheet!cell", "sheet" or ""
    message: str


@dataclass(frozen=True)
class UnitPage:
    """Everything one unit's page shows, for one period."""

    unit_code: str
    unit_name: str
    type_name: str
    period_id: str
    period_label: str
    title: str
    window_text: str
    issued_on: str  # dd/mm/yyyy
    issued_iso: str  # yyyy-mm-dd (PDF metadata)
    expected: bool
    submitted: bool  # has an accepted version
    status_text: str  # one sentence about the unit's submission for the period
    version: int | None
    figures: tuple[FigureRow, ...]
    quarter_labels: tuple[str, ...]  # trend columns, oldest first
    trend: tuple[TrendRow, ...]
    predecessor_note: str  # "gồm số liệu của đơn vị tiền thân: …" or ""
    arrivals: tuple[ArrivalRow, ...]
    arrivals_more: str  # "và N lần gửi khác" or ""
    messages_title: str
    messages: tuple[MessageRow, ...]
    messages_more: str  # "và N cảnh báo khác" or ""
    messages_empty: str  # what to say when there is nothing to list
    summary: str  # an excerpt of the unit's narrative "kết quả" (may be "")

    def digest(self) -> str:
        """sha256 of the model (the PDF identifier: same model, same bytes)."""
        text = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def file_name(self) -> str:
        return f"{self.unit_code}.pdf"
