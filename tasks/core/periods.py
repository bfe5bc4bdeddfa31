"""The reporting calendar: period ids, data windows (Nghị định 09/2019), deadlines in working days.

Every calendar rule lives here:
- a quarter's data window runs from the 15th of the month before the quarter to the 14th of the
  quarter's last month (Q1/2025 = 15/12/2024 - 14/03/2025);
- the Đề án's first period is partial: 28/10/2022 - 14/12/2022 (2022Q4);
- units submit within N working days after the cut-off (default 2; weekends and Vietnamese public
  holidays from the `holidays` package skipped, substituted working Saturdays counted);
- the consolidated report is due on day D of the quarter's last month (default 20);
- a period is open for submissions from the first day of its window until it is locked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from tasks.core.errors import PeriodError

TZ_NAME = "Asia/Ho_Chi_Minh"
TZ = ZoneInfo(TZ_NAME)

DE_AN_START = date(2022, 10, 28)
FIRST_YEAR, FIRST_QUARTER = 2022, 4
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
FROM_ROMAN = {v: k for k, v in ROMAN.items()}

_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})\s*-?\s*q(?P<q>[1-4])$"),  # 2025Q3, 2025-Q3
    re.compile(r"^q(?P<q>[1-4])\s*[/-]\s*(?P<y>\d{4})$"),  # Q3/2025
    re.compile(r"^(?:quy\s*)?(?P<r>i{1,3}|iv)\s*[/-]\s*(?P<y>\d{4})$"),  # Quý III/2025, III/2025
    re.compile(r"^(?:quy\s*)(?P<q>[1-4])\s*[/-]\s*(?P<y>\d{4})$"),  # Quý 3/2025
]


def _fold(text: str) -> str:
    """NFC, case-fold, strip Vietnamese diacritics (only for matching the word 'Quý')."""
    text = unicodedata.normalize("NFD", text.strip().casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text.replace("đ", "d"))


@dataclass(frozen=True, order=True)
class Period:
    """A reporting quarter. Canonical id `YYYYQn`."""

    year: int
    quarter: int

    def __post_init__(self):
        if self.quarter not in ROMAN:
            raise PeriodError(
                f"{self.year}Q{self.quarter}", "Quý phải từ 1 đến 4.", "Quarter must be 1-4."
            )

    # --- identity -------------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: object) -> Period:
        """Read `2025Q3`, `Q3/2025`, `Quý III/2025`, `III/2025` (case, spacing, NFD tolerant)."""
        if isinstance(text, Period):
            return text
        raw = "" if text is None else str(text)
        folded = _fold(raw)
        for pattern in _PATTERNS:
            m = pattern.match(folded)
            if m:
                groups = m.groupdict()
                q = FROM_ROMAN[groups["r"].upper()] if groups.get("r") else int(groups["q"])
                return cls(int(groups["y"]), q)
        raise PeriodError(raw)

    @property
    def id(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label_vi(self) -> str:
        return f"Quý {ROMAN[self.quarter]}/{self.year}"

    def __str__(self) -> str:
        return self.id

    def next(self) -> Period:
        return Period(self.year + self.quarter // 4, self.quarter % 4 + 1)

    def prev(self) -> Period:
        return Period(self.year - (self.quarter == 1), (self.quarter - 2) % 4 + 1)

    @classmethod
    def first(cls) -> Period:
        return cls(FIRST_YEAR, FIRST_QUARTER)

    @property
    def in_de_an(self) -> bool:
        """True for periods from the Đề án's first (partial) period on."""
        return self >= Period.first()

    # --- data window ------------------------------------------------------------------------------
    @property
    def is_partial(self) -> bool:
        return self == Period.first()

    @property
    def window_start(self) -> date:
        if self.is_partial:
            return DE_AN_START
        last_month = self.quarter * 3
        month_before = last_month - 3  # the month before the quarter's first month
        if month_before == 0:
            return date(self.year - 1, 12, 15)
        return date(self.year, month_before, 15)

    @property
    def window_end(self) -> date:
        """The cut-off date (the 14th of the quarter's last month)."""
        return date(self.year, self.quarter * 3, 14)

    def in_window(self, day: date) -> bool:
        return self.window_start <= day <= self.window_end

    def quarters_of_year_to_date(self) -> list[Period]:
        """The periods of this year up to and including this one (from the Đề án's start)."""
        return [
            Period(self.year, q)
            for q in range(1, self.quarter + 1)
            if Period(self.year, q).in_de_an
        ]

    # --- deadlines --------------------------------------------------------------------------------
    def deadline(self, working_days: int) -> date:
        """Last day for units to submit: N working days after the cut-off (N from the settings:
        use `Settings.calendar.deadline(period)` rather than calling this with a number)."""
        return nth_working_day_after(self.window_end, working_days)

    def report_due(self, day: int) -> date:
        """The consolidated report is due by `day` of the quarter's last month: that day, or the
        last working day before it when it falls on a weekend or a public holiday."""
        return working_day_on_or_before(date(self.year, self.quarter * 3, day))

    def opens_at(self) -> datetime:
        return datetime.combine(self.window_start, time.min, TZ)

    def timeliness(self, received_at: datetime, working_days: int) -> str:
        """`on_time` when received on or before the deadline day (local time), else `late`."""
        local_day = received_at.astimezone(TZ).date()
        return "on_time" if local_day <= self.deadline(working_days) else "late"


@dataclass(frozen=True)
class ReportingCalendar:
    """The configurable calendar rules (from `Settings.calendar`): the one source of the deadline and
    the report's due date for receipts, templates, the PDF and `dxreport status`."""

    submission_working_days: int
    report_due_day: int

    def deadline(self, period: Period) -> date:
        return period.deadline(self.submission_working_days)

    def report_due(self, period: Period) -> date:
        return period.report_due(self.report_due_day)

    def timeliness(self, period: Period, received_at: datetime) -> str:
        return period.timeliness(received_at, self.submission_working_days)


def period_containing(day: date) -> Period:
    """The period whose data window contains `day` (windows tile the calendar)."""
    year, month = day.year, day.month
    if day.day >= 15 and month % 3 == 0:
        month += 1  # after the cut-off of a quarter's last month: next quarter
    if month == 13:
        return Period(year + 1, 1)
    return Period(year, (month - 1) // 3 + 1)


def periods_between(first: Period, last: Period) -> list[Period]:
    out, p = [], first
    while p <= last:
        out.append(p)
        p = p.next()
    return out


@lru_cache(maxsize=16)
def _vn_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=range(year - 1, year + 2), language="vi")


def is_working_day(day: date) -> bool:
    return _vn_holidays(day.year).is_working_day(day)


def nth_working_day_after(day: date, n: int) -> date:
    """The n-th working day after `day` (n=0: `day` itself if it is a working day, else the next)."""
    cal = _vn_holidays(day.year)
    if n <= 0:
        current = day
        while not cal.is_working_day(current):
            current += timedelta(days=1)
        return current
    return cal.get_nth_working_day(day, n)


def working_day_on_or_before(day: date) -> date:
    """`day` if it is a working day, else the last working day before it."""
    cal = _vn_holidays(day.year)
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return day


def issue_date(day: date) -> date:
    """The date a document issued on `day` bears: `day` when it is a working day, else the next
    working day (a report approved on a Saturday is registered and dated on Monday)."""
    return nth_working_day_after(day, 0)


def load_holidays(year: int) -> None:
    """Build the calendar the working-day rules use around `year` now (it is kept for the process):
    a command does it while it waits for its temporary API (flows/cli/prefetch.py)."""
    _vn_holidays(year)


def holiday_name(day: date) -> str | None:
    return _vn_holidays(day.year).get(day)


def format_date_vi(day: date) -> str:
    """dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def place_date_line(day: date, place: str = "Đà Nẵng") -> str:
    """'Đà Nẵng, ngày 05 tháng 10 năm 2025' (days 1-9 and months 1-2 with a leading zero)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"
