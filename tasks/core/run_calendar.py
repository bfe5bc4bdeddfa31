"""When the scheduled runs fire, from the reporting calendar (Asia/Ho_Chi_Minh, Vietnamese public
holidays): a cron cannot say "the 20th, or the next working day", so the dates are computed here and
given to Prefect as RDATE schedules (flows/deployments.py).

- templates: the day a period's data window opens;
- reminders: a few working days before the units' deadline, and the first working day after it;
- the report's draft: the 20th of the quarter's last month (the configured due day), or the next
  working day when that day is not one.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tasks.core.periods import (
    TZ,
    Period,
    ReportingCalendar,
    is_working_day,
    nth_working_day_after,
    period_containing,
)

RUN_AT = time(8, 0)
REMIND_WORKING_DAYS_BEFORE = 3


def working_days_before(day: date, n: int) -> date:
    """The n-th working day before `day`."""
    current, left = day, n
    while left:
        current -= timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


def template_day(period: Period) -> date:
    return period.window_start


def reminder_days(period: Period, calendar: ReportingCalendar) -> list[date]:
    deadline = calendar.deadline(period)
    return [
        working_days_before(deadline, REMIND_WORKING_DAYS_BEFORE),
        nth_working_day_after(deadline, 1),
    ]


def draft_day(period: Period, calendar: ReportingCalendar) -> date:
    return nth_working_day_after(date(period.year, period.quarter * 3, calendar.report_due_day), 0)


def run_days(kind: str, period: Period, calendar: ReportingCalendar) -> list[date]:
    if kind == "templates":
        return [template_day(period)]
    if kind == "remind":
        return reminder_days(period, calendar)
    if kind == "report":
        return [draft_day(period, calendar)]
    raise ValueError(kind)


def run_times(
    kind: str, start: date, calendar: ReportingCalendar, quarters: int = 8
) -> list[datetime]:
    """The run times of `kind` on or after `start`, over the next `quarters` periods, at 08:00."""
    first = period_containing(start).prev()  # its reminders and report may still be ahead
    out: list[datetime] = []
    p = first
    for _ in range(quarters + 1):
        out += [datetime.combine(d, RUN_AT, TZ) for d in run_days(kind, p, calendar) if d >= start]
        p = p.next()
    return sorted(set(out))
