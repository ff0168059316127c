"""Business-day calendars: national holidays from two libraries, closing days, office calendars."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from zaitaku_core.calendar import FIRST_DAY, LAST_DAY, BusinessCalendar, national_holidays, parse_weekdays
from zaitaku_core.errors import CalendarRangeError, InputError
from zaitaku_core.model import OfficeCalendarSpec


def test_holidays_and_jpholiday_agree_2000_2050() -> None:
    jpholiday = pytest.importorskip("jpholiday")
    ours = {d: n for d, n in national_holidays().items() if d.year <= 2050}
    theirs = {d: n for year in range(2000, 2051) for d, n in jpholiday.year_holidays(year)}
    assert set(ours) == set(theirs)  # the same 895 dates
    assert len(ours) == 895
    # Known differences are in names only: 振替休日 (jpholiday prefixes the holiday it replaces) and the
    # day of the enthronement ceremony, 2019-10-22.
    differing = {d for d in ours if ours[d] != theirs[d]}
    for day in differing:
        assert "振替休日" in ours[day] or day == date(2019, 10, 22), (day, ours[day], theirs[day])
    assert ours[date(2019, 10, 22)] == "即位礼正殿の儀が行われる日"


def test_government_closing_days() -> None:
    cal = BusinessCalendar.government()
    assert not cal.is_business_day(date(2024, 12, 30))  # 29 Dec – 3 Jan
    assert not cal.is_business_day(date(2025, 1, 3))
    assert not cal.is_business_day(date(2024, 11, 4))  # 振替休日
    assert cal.is_business_day(date(2024, 12, 27))
    assert cal.next_business_day(date(2024, 12, 28)) == date(2025, 1, 6)
    assert cal.next_business_day(date(2025, 1, 6), include=False) == date(2025, 1, 7)
    assert cal.closed_days(date(2025, 5, 1), date(2025, 5, 7)) == [date(2025, 5, d) for d in (3, 4, 5, 6)]


def test_office_calendars() -> None:
    spec = OfficeCalendarSpec(
        id="sat-open",
        name="土曜営業の事業所",
        closed_weekdays=(6,),
        year_end_closed=False,
        closed_dates=(date(2024, 8, 14),),
        open_dates=(date(2024, 11, 4),),
        opens=time(9, 0),
        closes=time(18, 0),
    )
    cal = BusinessCalendar.from_spec(spec)
    assert cal.is_business_day(date(2024, 6, 15))  # a Saturday
    assert not cal.is_business_day(date(2024, 8, 14))  # an extra closed date
    assert cal.is_business_day(date(2024, 11, 4))  # open on this 振替休日
    assert cal.is_business_day(date(2024, 12, 30))
    assert cal.is_after_hours(datetime(2024, 6, 14, 18, 0)) and not cal.is_after_hours(datetime(2024, 6, 14, 17, 59))
    assert cal.is_after_hours(datetime(2024, 6, 14, 8, 59))
    assert cal.with_closed([date(2024, 6, 15)]).is_business_day(date(2024, 6, 15)) is False


def test_weekday_names() -> None:
    assert parse_weekdays("sat,sun") == parse_weekdays("土,日") == parse_weekdays([6, 5]) == (5, 6)
    with pytest.raises(InputError, match="unknown weekday 'xyz'"):
        parse_weekdays("xyz")


def test_dates_outside_the_table_are_clear_errors() -> None:
    cal = BusinessCalendar.government()
    assert date(2000, 1, 1) == FIRST_DAY and date(2051, 12, 31) == LAST_DAY
    with pytest.raises(CalendarRangeError, match="outside the calendar's range"):
        cal.is_business_day(date(1999, 12, 31))
    with pytest.raises(CalendarRangeError):
        cal.next_business_day(date(2051, 12, 31), include=False)
