"""Working days and deadlines: weekends, public holidays and make-up working days (调休)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ecogov.cases.calendar import LAST_COVERED_YEAR, CalendarCoverageError, WorkingCalendar
from ecogov.cases.choices import CalendarBeyondCoverage, DeadlineUnit

CALENDAR = WorkingCalendar()


def beijing(text: str) -> int:
    """UTC epoch seconds of a Beijing-time ``YYYY-MM-DD HH:MM``."""
    moment = datetime.fromisoformat(text + "+08:00")
    return int(moment.timestamp())


def test_package_covers_2026_and_says_so() -> None:
    # chinese-calendar 1.11.0 transcribes the State Council notice for 2026.
    assert LAST_COVERED_YEAR >= 2026
    assert CALENDAR.covers(2026)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 20), True),  # Sunday, make-up working day for National Day (调休)
        (date(2026, 9, 25), False),  # Friday, Mid-Autumn Festival
        (date(2026, 10, 1), False),  # Thursday, National Day
        (date(2026, 10, 7), False),  # Wednesday, last day of the National Day break
        (date(2026, 10, 8), True),  # Thursday, back to work
        (date(2026, 10, 10), True),  # Saturday, make-up working day (调休)
        (date(2026, 10, 11), False),  # Sunday
        (date(2026, 11, 16), True),  # an ordinary Monday
    ],
)
def test_working_days_of_autumn_2026(day: date, working: bool) -> None:
    assert CALENDAR.is_working_day(day) is working


def test_working_days_across_a_weekend() -> None:
    # Opened Friday 2026-11-13 16:30; 2 working days: Mon 11-16 (1), Tue 11-17 (2);
    # the period ends at 24:00 of Tue 11-17 = 2026-11-18 00:00 Beijing = 2026-11-17 16:00 UTC.
    due = CALENDAR.deadline(beijing("2026-11-13 16:30"), 2, DeadlineUnit.WORKING_DAYS)
    assert due == beijing("2026-11-18 00:00")
    assert datetime.fromtimestamp(due, UTC) == datetime(2026, 11, 17, 16, tzinfo=UTC)


def test_working_days_across_national_day_with_make_up_saturday() -> None:
    # Opened Wednesday 2026-09-30 15:00; Oct 1–7 are the National Day break; 3 working days:
    # Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 (3, a make-up working day); ends 10-11 00:00.
    due = CALENDAR.deadline(beijing("2026-09-30 15:00"), 3, DeadlineUnit.WORKING_DAYS)
    assert due == beijing("2026-10-11 00:00")


def test_make_up_sunday_counts() -> None:
    # Opened Saturday 2026-09-19; the 1st working day after it is Sunday 09-20 (调休).
    due = CALENDAR.deadline(beijing("2026-09-19 09:00"), 1, DeadlineUnit.WORKING_DAYS)
    assert due == beijing("2026-09-21 00:00")


def test_opened_during_the_holiday() -> None:
    # Opened on Saturday 2026-10-03 (holiday); 1 working day: Thu 10-08; ends 10-09 00:00.
    due = CALENDAR.deadline(beijing("2026-10-03 11:00"), 1, DeadlineUnit.WORKING_DAYS)
    assert due == beijing("2026-10-09 00:00")


def test_calendar_days_ending_on_a_day_off_move_to_the_next_working_day() -> None:
    # 2026-09-28 + 3 calendar days = Thu 10-01, a holiday; the next working day is Thu 10-08,
    # so the period ends at 24:00 of 10-08 (民法典 Art. 203).
    due = CALENDAR.deadline(beijing("2026-09-28 10:00"), 3, DeadlineUnit.CALENDAR_DAYS)
    assert due == beijing("2026-10-09 00:00")
    # 2026-11-02 (Mon) + 3 = Thu 11-05, a working day: ends 11-06 00:00.
    assert CALENDAR.deadline(beijing("2026-11-02 10:00"), 3, DeadlineUnit.CALENDAR_DAYS) == beijing(
        "2026-11-06 00:00"
    )


def test_hours_ignore_the_calendar() -> None:
    # 24 hours from Thursday 2026-10-01 08:00 (a holiday) is Friday 10-02 08:00.
    start = beijing("2026-10-01 08:00")
    assert CALENDAR.deadline(start, 24, DeadlineUnit.HOURS) == start + 86_400


def test_beyond_coverage_weekdays_by_default() -> None:
    year = LAST_COVERED_YEAR + 1
    week = [date(year, 3, day) for day in range(8, 15)]  # a March week, no public holiday in it
    assert [CALENDAR.is_working_day(day) for day in week] == [day.weekday() < 5 for day in week]


def test_beyond_coverage_refused_when_so_configured() -> None:
    calendar = WorkingCalendar(beyond_coverage=CalendarBeyondCoverage.REFUSE)
    day = date(LAST_COVERED_YEAR + 1, 3, 1)
    with pytest.raises(CalendarCoverageError, match=f"date='{day.isoformat()}'"):
        calendar.is_working_day(day)
    # A deadline that stays inside the covered years still works.
    assert calendar.deadline(beijing("2026-11-13 16:30"), 2, DeadlineUnit.WORKING_DAYS) == beijing(
        "2026-11-18 00:00"
    )


def test_extra_days_enter_next_years_notice() -> None:
    year = LAST_COVERED_YEAR + 1
    new_year, make_up = date(year, 1, 1), date(year, 1, 2)
    calendar = WorkingCalendar.with_extra_days(
        beyond_coverage=CalendarBeyondCoverage.REFUSE, extra_holidays=[new_year], extra_workdays=[make_up]
    )
    assert calendar.covers(year)
    assert not calendar.is_working_day(new_year)
    assert calendar.is_working_day(make_up)


def test_a_day_cannot_be_both_holiday_and_workday() -> None:
    with pytest.raises(ValueError, match="extra_holidays='2027-01-01'"):
        WorkingCalendar.with_extra_days(extra_holidays=[date(2027, 1, 1)], extra_workdays=[date(2027, 1, 1)])
