"""The scheduled runs' dates from the reporting calendar, and the deployed form's tightening."""

from datetime import date

from flows.deployments import tightened
from tasks.core.periods import Period, ReportingCalendar, is_working_day
from tasks.core.run_calendar import draft_day, reminder_days, run_times, template_day

CALENDAR = ReportingCalendar(2, 20)


def test_the_draft_is_on_the_20th_or_the_next_working_day():
    days = [draft_day(p, CALENDAR) for p in (Period(2025, 3), Period(2025, 4), Period(2026, 1))]
    assert days == [date(2025, 9, 22), date(2025, 12, 22), date(2026, 3, 20)]  # Sat, Sat, Fri
    for kind in ("report", "remind", "templates"):
        for when in run_times(kind, date(2025, 7, 1), CALENDAR):
            assert is_working_day(when.date()) or kind == "templates", (kind, when)
            assert (when.hour, when.minute, str(when.tzinfo)) == (8, 0, "Asia/Ho_Chi_Minh")


def test_reminders_before_and_after_the_units_deadline():
    q3 = Period(2025, 3)
    before, after = reminder_days(q3, CALENDAR)
    deadline = CALENDAR.deadline(q3)  # Tuesday 16/09/2025
    assert before < deadline < after
    assert (before, after) == (date(2025, 9, 11), date(2025, 9, 17))
    assert template_day(q3) == q3.window_start


def test_the_stored_form_has_no_home_and_no_unknown_keys():
    schema = {
        "type": "object",
        "properties": {"home": {"title": "Thư mục"}, "period": {"title": "Kỳ"}},
        "required": ["home"],
    }
    out = tightened(schema)
    assert out["properties"] == {"period": {"title": "Kỳ"}}
    assert out["required"] == [] and out["additionalProperties"] is False
    assert "home" in schema["properties"]  # the input is left alone
