"""Working days, calendar days and months, counted the way complaint deadlines are counted.

Some time limits in the police complaints rules are in working days, some in calendar days and
some in months. Working days leave out weekends and the bank holidays of England and Wales,
which come from a file shipped with Accord (``data/bank-holidays-england-and-wales.json``)
rather than from the network, so a deadline never changes because a website was down.

The file covers a fixed range of years. A date outside that range raises
``CalendarRangeError`` instead of quietly treating unknown bank holidays as working days: a
deadline a day early or late is worse than a clear message asking for the file to be updated.

>>> import datetime as dt
>>> add_working_days(dt.date(2025, 12, 24), 1)  # Christmas and Boxing Day are skipped
datetime.date(2025, 12, 29)
>>> add_months(dt.date(2025, 1, 31), 1)  # no 31 February: the month's last day instead
datetime.date(2025, 2, 28)
"""

from __future__ import annotations

import datetime as dt
import json
from calendar import monthrange
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BANK_HOLIDAYS_FILE = Path(__file__).parent / "data" / "bank-holidays-england-and-wales.json"

_ONE_DAY = dt.timedelta(days=1)


class CalendarRangeError(ValueError):
    """A date fell outside the years the bank-holiday file covers."""


class CalendarFileError(ValueError):
    """The bank-holiday file is missing something or contradicts itself."""


@dataclass(frozen=True)
class BankHoliday:
    """One day off in England and Wales, as listed in the shipped file."""

    date: dt.date
    title: str
    notes: str
    projected: bool


class BankHolidayCalendar:
    """The bank holidays of a run of whole years, and the working-day sums that need them."""

    def __init__(self, holidays: Iterable[BankHoliday], first_year: int, last_year: int) -> None:
        if first_year > last_year:
            raise CalendarFileError(f"first_year {first_year} is after last_year {last_year}.")
        self.first_year = first_year
        self.last_year = last_year
        self.holidays: dict[dt.date, BankHoliday] = {}
        for holiday in holidays:
            if not first_year <= holiday.date.year <= last_year:
                raise CalendarFileError(
                    f"{holiday.date.isoformat()} ({holiday.title}) is outside the years the "
                    f"file says it covers ({first_year} to {last_year})."
                )
            if holiday.date in self.holidays:
                raise CalendarFileError(f"{holiday.date.isoformat()} is listed twice.")
            self.holidays[holiday.date] = holiday

    @classmethod
    def from_file(cls, path: Path = BANK_HOLIDAYS_FILE) -> BankHolidayCalendar:
        """Read a calendar in the shipped JSON format (see the file's ``provenance``)."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        try:
            holidays = [
                BankHoliday(
                    date=dt.date.fromisoformat(event["date"]),
                    title=str(event["title"]),
                    notes=str(event.get("notes", "")),
                    projected=bool(event.get("projected", False)),
                )
                for event in raw["events"]
            ]
            return cls(holidays, int(raw["first_year"]), int(raw["last_year"]))
        except KeyError as missing:
            raise CalendarFileError(f"{path.name} has no {missing} field.") from missing

    def covers(self, day: dt.date) -> bool:
        """Whether the file lists the bank holidays of this date's year."""
        return self.first_year <= day.year <= self.last_year

    def check_covered(self, day: dt.date) -> None:
        """Refuse a date whose bank holidays are not known, naming the file to update."""
        if not self.covers(day):
            raise CalendarRangeError(
                f"Cannot count working days around {day.isoformat()}: the bank-holiday "
                f"calendar covers {self.first_year} to {self.last_year} only. Add that year "
                f"to {BANK_HOLIDAYS_FILE.name} (see docs/complaints-process.md)."
            )

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday, and not a bank holiday in England and Wales."""
        self.check_covered(day)
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The day that is ``days`` working days after ``start``; ``start`` itself never counts.

        If ``start`` is a weekend or bank holiday, counting begins with the next working day,
        so "within 5 working days" of a Saturday ends on the following Friday.
        """
        if days < 0:
            raise ValueError("Working days can only be counted forwards.")
        self.check_covered(start)
        day = start
        counted = 0
        while counted < days:
            day += _ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is first).

        This is the inverse of ``add_working_days``: for any n,
        ``working_days_between(a, add_working_days(a, n)) == n``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        self.check_covered(start)
        self.check_covered(end)
        count = 0
        day = start
        while day < end:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count


@cache
def default_calendar() -> BankHolidayCalendar:
    """The shipped England and Wales calendar, read once."""
    return BankHolidayCalendar.from_file()


def is_working_day(day: dt.date, calendar: BankHolidayCalendar | None = None) -> bool:
    """Monday to Friday and not a bank holiday in England and Wales."""
    return (calendar or default_calendar()).is_working_day(day)


def add_working_days(
    start: dt.date, days: int, calendar: BankHolidayCalendar | None = None
) -> dt.date:
    """The day ``days`` working days after ``start`` (``start`` itself never counts)."""
    return (calendar or default_calendar()).add_working_days(start, days)


def working_days_between(
    start: dt.date, end: dt.date, calendar: BankHolidayCalendar | None = None
) -> int:
    """Working days after ``start`` up to and including ``end``."""
    return (calendar or default_calendar()).working_days_between(start, end)


def add_calendar_days(start: dt.date, days: int) -> dt.date:
    """Plain date arithmetic, named so that rules read the same whatever their unit.

    A calendar-day deadline that lands on a weekend or bank holiday stays there: the complaints
    rules do not move it, so neither does Accord.
    """
    return start + dt.timedelta(days=days)


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later, or that month's last day if it is shorter.

    This is the "corresponding date" rule used for periods in months: 31 January plus one
    month is 28 February (29 in a leap year), and 29 February plus twelve months is
    28 February.
    """
    month_index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = monthrange(year, month)[1]
    return dt.date(year, month, min(start.day, last_day))
