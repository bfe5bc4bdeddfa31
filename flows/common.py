"""Shared flow helpers: settings from flow parameters, period defaults."""

from __future__ import annotations

from datetime import datetime

from tasks.core.errors import UsageError
from tasks.core.periods import Period, period_containing
from tasks.core.settings import Settings, load_settings


def settings_for(home: str | None = None, now: str | None = None) -> Settings:
    try:
        when = datetime.fromisoformat(now) if now else None
    except ValueError:
        raise UsageError(
            f"Thời điểm không hợp lệ: {now!r}.",
            f"Invalid date-time: {now!r}.",
            "Dùng dạng ISO, vd 2025-09-16T08:00:00+07:00.",
            "Use ISO form, e.g. 2025-09-16T08:00:00+07:00.",
        ) from None
    return load_settings(home=home, now=when)


def resolve_period(period: str | None, settings: Settings) -> Period:
    """The given period, or by default the latest period whose data window has closed."""
    if period:
        return Period.parse(period)
    return period_containing(settings.clock().date()).prev()
