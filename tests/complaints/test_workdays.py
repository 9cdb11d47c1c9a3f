"""Working days, calendar days and months, and the shipped bank-holiday calendar."""

from __future__ import annotations

import datetime as dt
import doctest
import json
from pathlib import Path

import pytest
from dateutil.easter import easter
from hypothesis import given
from hypothesis import strategies as st

from accord.complaints import process as process_module
from accord.complaints import workdays
from accord.complaints.workdays import (
    BANK_HOLIDAYS_FILE,
    BankHolidayCalendar,
    CalendarFileError,
    CalendarRangeError,
    add_calendar_days,
    add_months,
    add_working_days,
    default_calendar,
    is_working_day,
    working_days_between,
)

D = dt.date


def _events() -> list[dict[str, str]]:
    events: list[dict[str, str]] = json.loads(BANK_HOLIDAYS_FILE.read_text(encoding="utf-8"))[
        "events"
    ]
    return events


def test_the_shipped_file_says_where_it_came_from_and_what_is_projected() -> None:
    raw = json.loads(BANK_HOLIDAYS_FILE.read_text(encoding="utf-8"))
    assert (raw["first_year"], raw["last_year"]) == (2018, 2030)
    assert raw["division"] == "england-and-wales"
    assert "gov.uk/bank-holidays" in raw["provenance"]["url"]
    for key in ("published_years", "projected_years", "what_counts", "how_to_update"):
        assert raw["provenance"][key]
    projected = {e["date"][:4] for e in raw["events"] if e["projected"]}
    published = {e["date"][:4] for e in raw["events"] if not e["projected"]}
    assert projected == {"2028", "2029", "2030"}
    assert published == {str(year) for year in range(2018, 2028)}


def test_only_days_actually_taken_off_are_listed() -> None:
    days = [D.fromisoformat(e["date"]) for e in _events()]
    assert all(day.weekday() < 5 for day in days)
    assert len(days) == len(set(days))


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (D(2020, 5, 8), "Early May bank holiday moved for VE day"),
        (D(2020, 12, 28), "Boxing Day substitute"),
        (D(2021, 12, 27), "Christmas Day substitute"),
        (D(2021, 12, 28), "Boxing Day substitute"),
        (D(2022, 1, 3), "New Year's Day substitute"),
        (D(2022, 6, 2), "Spring bank holiday moved for the Platinum Jubilee"),
        (D(2022, 6, 3), "Platinum Jubilee bank holiday"),
        (D(2022, 9, 19), "State funeral of Queen Elizabeth II"),
        (D(2022, 12, 27), "Christmas Day substitute"),
        (D(2023, 1, 2), "New Year's Day substitute"),
        (D(2023, 5, 8), "Coronation of King Charles III"),
        (D(2026, 12, 28), "Boxing Day substitute"),
        (D(2027, 12, 27), "Christmas Day substitute"),
        (D(2027, 12, 28), "Boxing Day substitute"),
    ],
)
def test_substitute_and_one_off_days_are_not_working_days(day: dt.date, why: str) -> None:
    assert day.weekday() < 5, why
    assert not is_working_day(day), why


@pytest.mark.parametrize(
    "day",
    [D(2020, 5, 4), D(2022, 5, 30)],
    ids=["2020 May Day that moved to VE day", "2022 Spring bank holiday that moved to June"],
)
def test_a_bank_holiday_that_moved_leaves_an_ordinary_working_day(day: dt.date) -> None:
    assert is_working_day(day)


@pytest.mark.parametrize(("year", "count"), [(y, 8) for y in range(2018, 2031)])
def test_each_year_has_the_expected_number_of_days_off(year: int, count: int) -> None:
    extra = {2022: 2, 2023: 1}.get(year, 0)
    listed = [e for e in _events() if e["date"].startswith(str(year))]
    assert len(listed) == count + extra


def _standard_days_off(year: int) -> set[dt.date]:
    """The Banking and Financial Dealings Act 1971 rules, worked out independently."""

    def monday_on_or_after(day: dt.date) -> dt.date:
        return day + dt.timedelta(days=(7 - day.weekday()) % 7)

    def last_monday(year: int, month: int) -> dt.date:
        end = D(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        return end - dt.timedelta(days=end.weekday())

    def weekday_on_or_after(day: dt.date, taken: set[dt.date]) -> dt.date:
        while day.weekday() >= 5 or day in taken:
            day += dt.timedelta(days=1)
        return day

    sunday = easter(year)
    days = {
        weekday_on_or_after(D(year, 1, 1), set()),
        sunday - dt.timedelta(days=2),
        sunday + dt.timedelta(days=1),
        monday_on_or_after(D(year, 5, 1)),
        last_monday(year, 5),
        last_monday(year, 8),
    }
    christmas = weekday_on_or_after(D(year, 12, 25), set())
    days |= {christmas, weekday_on_or_after(D(year, 12, 26), {christmas})}
    return days


@pytest.mark.parametrize("year", [2028, 2029, 2030])
def test_projected_years_follow_the_standard_rules(year: int) -> None:
    listed = {D.fromisoformat(e["date"]) for e in _events() if e["date"][:4] == str(year)}
    assert listed == _standard_days_off(year)


@pytest.mark.parametrize("year", [2018, 2019, 2021, 2024, 2025, 2026, 2027])
def test_published_years_without_one_off_days_match_the_standard_rules(year: int) -> None:
    listed = {D.fromisoformat(e["date"]) for e in _events() if e["date"][:4] == str(year)}
    assert listed == _standard_days_off(year)


def test_weekends_are_not_working_days_and_ordinary_weekdays_are() -> None:
    assert not is_working_day(D(2025, 3, 1))  # Saturday
    assert not is_working_day(D(2025, 3, 2))  # Sunday
    assert is_working_day(D(2025, 3, 3))
    assert is_working_day(D(2025, 12, 24))  # Christmas Eve is not a bank holiday


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2025, 12, 24), 1, D(2025, 12, 29)),  # over Christmas, Boxing Day and a weekend
        (D(2025, 12, 19), 5, D(2025, 12, 30)),
        (D(2025, 12, 31), 1, D(2026, 1, 2)),  # New Year's Day, across a year end
        (D(2025, 4, 17), 1, D(2025, 4, 22)),  # over Good Friday and Easter Monday 2025
        (D(2025, 4, 17), 5, D(2025, 4, 28)),
        (D(2022, 6, 1), 1, D(2022, 6, 6)),  # over the Platinum Jubilee days
        (D(2022, 9, 16), 1, D(2022, 9, 20)),  # over the Queen's funeral
        (D(2023, 5, 5), 1, D(2023, 5, 9)),  # over the coronation
        (D(2025, 3, 1), 1, D(2025, 3, 3)),  # a Saturday start counts from Monday
        (D(2025, 3, 1), 0, D(2025, 3, 1)),
    ],
)
def test_add_working_days(start: dt.date, days: int, expected: dt.date) -> None:
    assert add_working_days(start, days) == expected


def test_working_days_cannot_be_counted_backwards() -> None:
    with pytest.raises(ValueError, match="forwards"):
        add_working_days(D(2025, 3, 3), -1)


def test_working_days_between_counts_after_the_start_up_to_the_end() -> None:
    assert working_days_between(D(2025, 12, 24), D(2026, 1, 2)) == 4
    assert working_days_between(D(2026, 1, 2), D(2025, 12, 24)) == -4
    assert working_days_between(D(2025, 3, 3), D(2025, 3, 3)) == 0


@given(
    start=st.dates(min_value=D(2018, 1, 1), max_value=D(2030, 10, 31)),
    days=st.integers(min_value=0, max_value=40),
)
def test_working_days_between_undoes_add_working_days(start: dt.date, days: int) -> None:
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert days == 0 or is_working_day(end)


def test_calendar_days_do_not_move_off_a_bank_holiday() -> None:
    assert add_calendar_days(D(2025, 11, 28), 28) == D(2025, 12, 26)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2025, 3, 31), 1, D(2025, 4, 30)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),  # across a year end into February
        (D(2025, 11, 15), 2, D(2026, 1, 15)),
        (D(2025, 3, 31), -1, D(2025, 2, 28)),
        (D(2025, 8, 30), 6, D(2026, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(
    start: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: is_working_day(D(2031, 1, 2)),
        lambda: is_working_day(D(2017, 12, 29)),
        lambda: add_working_days(D(2030, 12, 30), 5),
        lambda: working_days_between(D(2030, 12, 1), D(2031, 1, 10)),
    ],
    ids=["after", "before", "counting runs past the end", "between runs past the end"],
)
def test_dates_outside_the_calendar_are_refused_with_a_clear_message(call: object) -> None:
    with pytest.raises(CalendarRangeError, match=r"covers 2018 to 2030 only.*bank-holidays"):
        call()  # type: ignore[operator]


def _write(tmp_path: Path, payload: object) -> Path:
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_a_calendar_file_listing_a_day_twice_is_refused(tmp_path: Path) -> None:
    event = {"date": "2025-12-25", "title": "Christmas Day"}
    path = _write(tmp_path, {"first_year": 2025, "last_year": 2025, "events": [event, event]})
    with pytest.raises(CalendarFileError, match="listed twice"):
        BankHolidayCalendar.from_file(path)


def test_a_calendar_file_with_a_day_outside_its_years_is_refused(tmp_path: Path) -> None:
    event = {"date": "2026-01-01", "title": "New Year's Day"}
    path = _write(tmp_path, {"first_year": 2025, "last_year": 2025, "events": [event]})
    with pytest.raises(CalendarFileError, match="outside the years"):
        BankHolidayCalendar.from_file(path)


def test_a_calendar_file_without_its_years_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, {"events": []})
    with pytest.raises(CalendarFileError, match="first_year"):
        BankHolidayCalendar.from_file(path)


def test_a_different_calendar_can_be_passed_in() -> None:
    # A service in a year with an emergency bank holiday can ship its own file.
    extra = BankHolidayCalendar(
        [
            *default_calendar().holidays.values(),
            workdays.BankHoliday(D(2025, 3, 3), "Made-up day off", "", False),
        ],
        2018,
        2030,
    )
    assert is_working_day(D(2025, 3, 3))
    assert not is_working_day(D(2025, 3, 3), extra)
    assert add_working_days(D(2025, 2, 28), 1, extra) == D(2025, 3, 4)


@pytest.mark.parametrize("module", [workdays, process_module])
def test_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.attempted > 0
    assert result.failed == 0
