"""Working days of mainland China and the deadlines counted in them.

Holidays and make-up working days (调休) come from the ``chinese-calendar`` package, which
transcribes the State Council General Office's annual notice on public holidays (国务院办公厅关于
部分节假日安排的通知) and works offline. The package covers the years
:data:`FIRST_COVERED_YEAR` to :data:`LAST_COVERED_YEAR` (2004–2026 in version 1.11.0). Beyond
them the calendar follows the named option :class:`~ecogov.cases.choices.CalendarBeyondCoverage`
(``ECOGOV_CASE_CALENDAR_BEYOND_COVERAGE``):

``weekdays`` (default)
    Monday to Friday are working days, Saturday and Sunday are not, and a warning is logged
    once per year — so deadlines keep running when a year starts before the package is updated.
``refuse``
    Working-day arithmetic that reaches such a year raises :class:`CalendarCoverageError`.

The bureau can enter a year's notice itself (``ECOGOV_CASE_EXTRA_HOLIDAYS`` and
``ECOGOV_CASE_EXTRA_WORKDAYS``): extra dates override the package, and a year in which at least
one extra holiday falls counts as covered.

Counting rule, as 《中华人民共和国民法典》 (2020) Arts. 201 and 203 count periods — the day of
the event is not counted, a period ends at 24:00 of its last day, and a last day that is a day
off moves to the next working day: a period of *N* working days that starts at a moment of local
day *D* ends at 24:00 (local time, Asia/Shanghai) of the *N*-th working day after *D*; *N*
calendar days end at 24:00 of day *D + N*, or of the first working day after it when *D + N*
is a day off; *N* hours end exactly *N* × 3600 s after the start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from ecogov.cases.choices import CalendarBeyondCoverage, DeadlineUnit
from ecogov.cases.errors import CaseError

logger = logging.getLogger(__name__)

FIRST_COVERED_YEAR: int = min(chinese_calendar.constants.holidays).year
"""First year of the ``chinese-calendar`` package's holiday data."""
LAST_COVERED_YEAR: int = max(chinese_calendar.constants.holidays).year
"""Last year of the ``chinese-calendar`` package's holiday data (2026 in version 1.11.0)."""

_PACKAGE_HOLIDAYS: frozenset[date] = frozenset(chinese_calendar.constants.holidays)
_PACKAGE_WORKDAYS: frozenset[date] = frozenset(chinese_calendar.constants.workdays)

MAX_DEADLINE_DAYS = 3660
"""Longest period, in days, that a deadline may count (about ten years); longer is a mistake."""


class CalendarCoverageError(CaseError):
    """Working days were asked of a year the holiday calendar does not cover (policy ``refuse``)."""

    def __init__(self, day: date) -> None:
        super().__init__(
            "date",
            day.isoformat(),
            f"the holiday calendar covers {FIRST_COVERED_YEAR}–{LAST_COVERED_YEAR}; update the "
            "chinese-calendar package, enter the year's notice as ECOGOV_CASE_EXTRA_HOLIDAYS/"
            "ECOGOV_CASE_EXTRA_WORKDAYS, or set ECOGOV_CASE_CALENDAR_BEYOND_COVERAGE=weekdays",
        )


@lru_cache(maxsize=64)
def _warn_beyond_coverage(year: int) -> None:
    logger.warning(
        "holiday calendar does not cover %d (covered: %d–%d); counting Monday to Friday as working days",
        year,
        FIRST_COVERED_YEAR,
        LAST_COVERED_YEAR,
    )


@dataclass(frozen=True)
class WorkingCalendar:
    """China's working days with the bureau's own additions, and deadline arithmetic.

    Parameters
    ----------
    beyond_coverage
        What to do for a year neither the package nor ``extra_holidays`` covers.
    extra_holidays
        Days off in addition to (or overriding) the package, e.g. next year's notice.
    extra_workdays
        Make-up working days (调休) in addition to (or overriding) the package.
    timezone
        IANA name of the local time in which days begin and end (Beijing time).
    """

    beyond_coverage: CalendarBeyondCoverage = CalendarBeyondCoverage.WEEKDAYS
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        both = self.extra_holidays & self.extra_workdays
        if both:
            first = min(both).isoformat()
            raise ValueError(f"extra_holidays={first!r}: the same day is also listed in extra_workdays")

    @classmethod
    def with_extra_days(
        cls,
        *,
        beyond_coverage: CalendarBeyondCoverage = CalendarBeyondCoverage.WEEKDAYS,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        timezone: str = "Asia/Shanghai",
    ) -> WorkingCalendar:
        """Build a calendar from any iterables of extra days."""
        return cls(beyond_coverage, frozenset(extra_holidays), frozenset(extra_workdays), timezone)

    def covers(self, year: int) -> bool:
        """Whether ``year``'s holidays are known (from the package or from the extra holidays)."""
        if FIRST_COVERED_YEAR <= year <= LAST_COVERED_YEAR:
            return True
        return any(day.year == year for day in self.extra_holidays)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (工作日) in mainland China.

        Raises
        ------
        CalendarCoverageError
            ``day`` lies in a year that is not covered and the policy is ``refuse``.
        """
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if not self.covers(day.year):
            if self.beyond_coverage is CalendarBeyondCoverage.REFUSE:
                raise CalendarCoverageError(day)
            _warn_beyond_coverage(day.year)
            return day.weekday() < 5
        if day in _PACKAGE_WORKDAYS:
            return True
        if day in _PACKAGE_HOLIDAYS:
            return False
        return day.weekday() < 5

    def nth_working_day_after(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted).

        ``count`` = 0 returns ``start``.
        """
        if count < 0:
            raise ValueError(f"count={count!r}: must be 0 or more")
        day, found = start, 0
        while found < count:
            day += timedelta(days=1)
            if (day - start).days > MAX_DEADLINE_DAYS:
                raise ValueError(f"count={count!r}: more than {MAX_DEADLINE_DAYS} days")
            if self.is_working_day(day):
                found += 1
        return day

    def local_date(self, moment: int) -> date:
        """The local calendar date of ``moment`` (UTC epoch seconds)."""
        return datetime.fromtimestamp(moment, ZoneInfo(self.timezone)).date()

    def start_of_day(self, day: date) -> int:
        """UTC epoch seconds of local 00:00 of ``day``."""
        return int(datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(self.timezone)).timestamp())

    def deadline(self, start: int, amount: int, unit: DeadlineUnit) -> int:
        """The moment (UTC epoch seconds) a period of ``amount`` ``unit`` starting at ``start`` runs out.

        Parameters
        ----------
        start
            When the period starts, UTC epoch seconds.
        amount
            Length of the period, in ``unit`` (1 or more).
        unit
            Working days, calendar days or hours.

        Returns
        -------
        int
            UTC epoch seconds; the case is overdue from this moment on.

        Notes
        -----
        Days are counted from the day after the local date of ``start``; a day period ends at
        24:00 local time of its last day, i.e. at 00:00 of the following day; a calendar-day
        period whose last day is a day off ends on the next working day (民法典 Art. 203).
        """
        if amount < 1:
            raise ValueError(f"amount={amount!r}: must be 1 or more")
        if unit is DeadlineUnit.HOURS:
            return start + amount * 3600
        first = self.local_date(start)
        if unit is DeadlineUnit.CALENDAR_DAYS:
            if amount > MAX_DEADLINE_DAYS:
                raise ValueError(f"amount={amount!r}: more than {MAX_DEADLINE_DAYS} days")
            last = first + timedelta(days=amount)
            while not self.is_working_day(last):
                last += timedelta(days=1)
        else:
            last = self.nth_working_day_after(first, amount)
        return self.start_of_day(last + timedelta(days=1))
