"""Reporting calendar: table-driven (Nghị định 09/2019 windows, working-day deadlines, partial first period)."""

from datetime import date, datetime

import pytest

from tasks.core.errors import PeriodError
from tasks.core.periods import (
    Period,
    format_date_vi,
    is_working_day,
    nth_working_day_after,
    period_containing,
    periods_between,
    place_date_line,
)
from tasks.core.settings import TZ


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2025Q3", "2025Q3"),
        ("2025q3", "2025Q3"),
        (" 2025Q3 ", "2025Q3"),
        ("Q3/2025", "2025Q3"),
        ("q1/2024", "2024Q1"),
        ("Quý III/2025", "2025Q3"),
        ("quý iv/2024", "2024Q4"),
        ("III/2025", "2025Q3"),
        ("Quý I/2025", "2025Q1"),
        ("Quý II / 2025", "2025Q2"),
        ("Qu\u0079\u0301 III/2025", "2025Q3"),  # NFD
        ("QUÝ IV/2022", "2022Q4"),
        ("Quý 3/2025", "2025Q3"),
    ],
)
def test_period_variants(text, expected):
    assert Period.parse(text).id == expected


@pytest.mark.parametrize(
    "text", ["", None, "2025Q5", "2025", "Q0/2025", "V/2025", "Quý/2025", "2025-09"]
)
def test_bad_period_ids(text):
    with pytest.raises(PeriodError):
        Period.parse(text)


@pytest.mark.parametrize(
    "period, start, end, label",
    [
        ("2025Q1", date(2024, 12, 15), date(2025, 3, 14), "Quý I/2025"),
        ("2025Q2", date(2025, 3, 15), date(2025, 6, 14), "Quý II/2025"),
        ("2025Q3", date(2025, 6, 15), date(2025, 9, 14), "Quý III/2025"),
        ("2024Q4", date(2024, 9, 15), date(2024, 12, 14), "Quý IV/2024"),
        (
            "2022Q4",
            date(2022, 10, 28),
            date(2022, 12, 14),
            "Quý IV/2022",
        ),  # the Đề án's partial first period
    ],
)
def test_data_windows(period, start, end, label):
    p = Period.parse(period)
    assert (p.window_start, p.window_end, p.label_vi) == (start, end, label)
    assert p.is_partial == (period == "2022Q4")


def test_windows_tile_the_calendar():
    periods = periods_between(Period(2023, 1), Period(2025, 4))
    for a, b in zip(periods, periods[1:], strict=False):
        assert (b.window_start - a.window_end).days == 1
    for p in periods:
        assert period_containing(p.window_start) == p
        assert period_containing(p.window_end) == p


@pytest.mark.parametrize(
    "period, deadline",
    [
        ("2025Q3", date(2025, 9, 16)),  # cut-off Sun 14/09 -> Mon 15, Tue 16
        ("2025Q1", date(2025, 3, 18)),  # cut-off Fri 14/03 -> Mon 17, Tue 18
        ("2024Q3", date(2024, 9, 17)),  # cut-off Sat 14/09 -> Mon 16, Tue 17
        ("2024Q1", date(2024, 3, 18)),  # cut-off Thu 14/03 -> Fri 15, Mon 18
        ("2022Q4", date(2022, 12, 16)),  # cut-off Wed 14/12 -> Thu 15, Fri 16
    ],
)
def test_deadlines_skip_weekends(period, deadline):
    assert Period.parse(period).deadline(2) == deadline


@pytest.mark.parametrize(
    "day, n, expected",
    [
        (date(2025, 8, 29), 2, date(2025, 9, 4)),  # Fri -> skips weekend and 01-02/09 (Quốc khánh)
        (date(2025, 4, 29), 1, date(2025, 5, 5)),  # 30/04, 01/05 and the 02/05 substitute day off
        (date(2025, 1, 24), 1, date(2025, 2, 3)),  # Tết 2025
        (date(2025, 9, 13), 0, date(2025, 9, 15)),  # n=0: the next working day
    ],
)
def test_working_days_use_vietnamese_holidays(day, n, expected):
    assert nth_working_day_after(day, n) == expected


def test_substituted_saturday_is_a_working_day():
    assert is_working_day(date(2024, 5, 4))  # Saturday worked in exchange for 29/04/2024
    assert not is_working_day(date(2024, 4, 29))


@pytest.mark.parametrize(
    "received, expected",
    [
        ("2025-09-16T23:59:00+07:00", "on_time"),
        ("2025-09-16T17:30:00+00:00", "late"),  # 00:30 on the 17th in Đà Nẵng
        ("2025-09-17T08:00:00+07:00", "late"),
        ("2025-07-01T08:00:00+07:00", "on_time"),
    ],
)
def test_timeliness_in_local_time(received, expected):
    assert Period.parse("2025Q3").timeliness(datetime.fromisoformat(received), 2) == expected


def test_navigation_and_year_to_date():
    assert Period(2024, 4).next() == Period(2025, 1)
    assert Period(2025, 1).prev() == Period(2024, 4)
    assert [p.id for p in Period(2025, 3).quarters_of_year_to_date()] == [
        "2025Q1",
        "2025Q2",
        "2025Q3",
    ]
    assert [p.id for p in Period(2022, 4).quarters_of_year_to_date()] == ["2022Q4"]
    assert not Period(2022, 3).in_de_an
    assert Period(2025, 3).opens_at() == datetime(2025, 6, 15, tzinfo=TZ)


def test_vietnamese_date_formats():
    assert format_date_vi(date(2025, 3, 5)) == "05/03/2025"
    assert place_date_line(date(2025, 10, 5)) == "Đà Nẵng, ngày 05 tháng 10 năm 2025"
    assert place_date_line(date(2025, 2, 1)) == "Đà Nẵng, ngày 01 tháng 02 năm 2025"
    assert place_date_line(date(2025, 3, 20)) == "Đà Nẵng, ngày 20 tháng 3 năm 2025"
