"""Business-day calendars: national holidays, the government's closing days, and per-office calendars.

National holidays come from the ``holidays`` package (python-holidays, Japanese names); a test checks
that ``jpholiday`` lists the same dates for 2000–2050 and names the differences. The government's
closing days (行政機関の休日) are Saturdays, Sundays, national holidays and 29 December – 3 January. A
care-management office sets its own business days and hours ([check] in the domain notes): build one
with :meth:`~zaitaku_core.calendar.BusinessCalendar.build` or from a plugin's
:class:`~zaitaku_core.model.OfficeCalendarSpec`.

A calendar is a precomputed day table over ``FIRST_DAY`` … ``LAST_DAY``: for every day, whether
it is closed, the count of business days up to it and the index of the next business day. Per-event
questions are list lookups; batch questions are NumPy gathers over ordinal arrays.

>>> cal = BusinessCalendar.government()
>>> cal.is_business_day(date(2025, 1, 3)), cal.next_business_day(date(2025, 1, 3))
(False, datetime.date(2025, 1, 6))
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime, time
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from zaitaku_core.errors import CalendarRangeError
from zaitaku_core.i18n import N_

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["FIRST_DAY", "LAST_DAY", "BusinessCalendar", "CalendarSpec", "national_holidays"]

#: First and last day of the day tables.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2051, 12, 31)
_BASE = FIRST_DAY.toordinal()
_SIZE = LAST_DAY.toordinal() - _BASE + 1

_WEEKDAYS = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
    "月": 0,
    "火": 1,
    "水": 2,
    "木": 3,
    "金": 4,
    "土": 5,
    "日": 6,
}


@cache
def national_holidays() -> dict[date, str]:
    """Japan's national holidays (祝日, 振替休日, 国民の休日) in the table's range, with Japanese names."""
    import holidays

    table = holidays.country_holidays("JP", years=range(FIRST_DAY.year, LAST_DAY.year + 1), language="ja")
    return {day: str(name) for day, name in sorted(table.items())}


def parse_weekdays(text: str | Iterable[str | int]) -> tuple[int, ...]:
    """Read closed weekdays: ``"sat,sun"``, ``"土,日"``, ``[5, 6]`` (Monday = 0).

    Raises:
        InputError: an unknown weekday name.
    """
    from zaitaku_core.errors import InputError

    items = [part.strip() for part in text.split(",") if part.strip()] if isinstance(text, str) else list(text)
    out: set[int] = set()
    for item in items:
        if isinstance(item, int) and 0 <= item <= 6:
            out.add(item)
        elif isinstance(item, str) and item.lower()[:3] in _WEEKDAYS:
            out.add(_WEEKDAYS[item.lower()[:3]])
        elif isinstance(item, str) and item in _WEEKDAYS:
            out.add(_WEEKDAYS[item])
        else:
            raise InputError(
                N_("unknown weekday {item!r}; use mon…sun, 月…日 or 0–6 (Monday = 0)"), values={"item": item}
            )
    return tuple(sorted(out))


class CalendarSpec(Protocol):
    """What :meth:`~zaitaku_core.calendar.BusinessCalendar.from_spec` reads: the fields of
    :class:`~zaitaku_core.model.OfficeCalendarSpec`, named here so that the calendar never imports the
    models (the models import the calendar)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def closed_weekdays(self) -> tuple[int, ...]: ...
    @property
    def national_holidays_closed(self) -> bool: ...
    @property
    def year_end_closed(self) -> bool: ...
    @property
    def closed_dates(self) -> tuple[date, ...]: ...
    @property
    def open_dates(self) -> tuple[date, ...]: ...
    @property
    def opens(self) -> time: ...
    @property
    def closes(self) -> time: ...


@attrs.frozen(eq=False)
class BusinessCalendar:
    """An office's business days and hours over ``FIRST_DAY`` … ``LAST_DAY``.

    Build one with :meth:`build`, :meth:`government` or :meth:`from_spec`; do not call the constructor.
    """

    id: str
    name: str
    opens: time
    closes: time
    closed_weekdays: tuple[int, ...]
    _closed: list[bool] = attrs.field(repr=False)
    _next_open: list[int] = attrs.field(repr=False)
    _arrays: dict[str, Any] = attrs.field(repr=False, factory=dict)
    _derived: dict[Hashable, Any] = attrs.field(repr=False, factory=dict)
    #: Results memoised by callers that depend only on this calendar (immutable values only).
    memo: dict[Any, Any] = attrs.field(repr=False, factory=dict, eq=False)
    #: Closing time as minutes after midnight.
    closes_minute: int = attrs.field(
        init=False, default=attrs.Factory(lambda self: self.closes.hour * 60 + self.closes.minute, takes_self=True)
    )

    @classmethod
    def build(
        cls,
        *,
        id: str = "office",
        name: str = "office",
        closed_weekdays: Iterable[int | str] | str = (5, 6),
        national_holidays_closed: bool = True,
        year_end_closed: bool = True,
        closed_dates: Iterable[date] = (),
        open_dates: Iterable[date] = (),
        opens: time = time(8, 45),
        closes: time = time(17, 30),
    ) -> BusinessCalendar:
        """A calendar closed on ``closed_weekdays``, national holidays and 29 Dec – 3 Jan (each optional),
        plus ``closed_dates`` and minus ``open_dates``, with business hours ``opens``–``closes``."""
        weekdays = set(parse_weekdays(closed_weekdays))
        closed = [False] * _SIZE
        for index in range(_SIZE):
            day = date.fromordinal(_BASE + index)
            closed[index] = day.weekday() in weekdays or (
                year_end_closed and ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))
            )
        if national_holidays_closed:
            for day in national_holidays():
                closed[day.toordinal() - _BASE] = True
        for day in closed_dates:
            closed[_index(day)] = True
        for day in open_dates:
            closed[_index(day)] = False
        next_open = [0] * _SIZE
        upcoming = _SIZE  # past the table: no business day known
        for index in range(_SIZE - 1, -1, -1):
            if not closed[index]:
                upcoming = index
            next_open[index] = upcoming
        return cls(
            id=id,
            name=name,
            opens=opens,
            closes=closes,
            closed_weekdays=tuple(sorted(weekdays)),
            closed=closed,
            next_open=next_open,
        )

    @classmethod
    def government(cls) -> BusinessCalendar:
        """The government's closing days: weekends, national holidays and 29 December – 3 January."""
        return _government()

    @classmethod
    def from_spec(cls, spec: CalendarSpec) -> BusinessCalendar:
        """The calendar a plugin declares as data."""
        return cls.build(
            id=spec.id,
            name=spec.name,
            closed_weekdays=spec.closed_weekdays,
            national_holidays_closed=spec.national_holidays_closed,
            year_end_closed=spec.year_end_closed,
            closed_dates=spec.closed_dates,
            open_dates=spec.open_dates,
            opens=spec.opens,
            closes=spec.closes,
        )

    def with_closed(self, days: Iterable[date]) -> BusinessCalendar:
        """A copy with ``days`` closed as well."""
        closed = list(self._closed)
        for day in days:
            closed[_index(day)] = True
        next_open = [0] * _SIZE
        upcoming = _SIZE
        for index in range(_SIZE - 1, -1, -1):
            if not closed[index]:
                upcoming = index
            next_open[index] = upcoming
        return BusinessCalendar(
            id=self.id,
            name=self.name,
            opens=self.opens,
            closes=self.closes,
            closed_weekdays=self.closed_weekdays,
            closed=closed,
            next_open=next_open,
        )

    # -- per-event questions (list lookups) --

    def is_business_day(self, day: date) -> bool:
        """Whether the office is open on ``day``."""
        return not self._closed[_index(day)]

    def is_after_hours(self, moment: datetime) -> bool:
        """Whether ``moment`` falls outside business hours: a closed day, or before opening or after closing."""
        if self._closed[_index(moment.date())]:
            return True
        clock = moment.time()
        return clock < self.opens or clock >= self.closes

    def next_business_day(self, day: date, *, include: bool = True) -> date:
        """The first business day on or after ``day`` (strictly after it with ``include=False``).

        Raises:
            CalendarRangeError: none before ``LAST_DAY``.
        """
        index = _index(day) + (0 if include else 1)
        found = self._next_open[index] if index < _SIZE else _SIZE
        if found >= _SIZE:
            raise CalendarRangeError(
                N_("no business day after {day} within the calendar's range"), values={"day": day.isoformat()}
            )
        return date.fromordinal(_BASE + found)

    def day_lists(self) -> tuple[list[bool], list[int]]:
        """The day table as lists indexed by ``ordinal - FIRST_DAY.toordinal()``: whether each day is closed,
        and the index of the next business day on or after it (the table size if none). For per-event code
        that reads a day or two at a time (a list index is cheaper than a NumPy scalar); do not modify."""
        return self._closed, self._next_open

    def closed_days(self, start: date, end: date) -> list[date]:
        """The closed days from ``start`` to ``end`` inclusive."""
        first, last = _index(start), _index(end)
        return [date.fromordinal(_BASE + i) for i in range(first, last + 1) if self._closed[i]]

    # -- batch questions (NumPy gathers) --

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The day table as NumPy arrays indexed by ``ordinal - FIRST_DAY.toordinal()``:
        ``closed`` (bool) and ``next_open`` (int32 index of the next business day, the table size if none)."""
        if not self._arrays:
            import numpy as np

            self._arrays["closed"] = np.array(self._closed, dtype=bool)
            self._arrays["next_open"] = np.array(self._next_open, dtype=np.int32)
        return self._arrays

    def derived(self, key: Hashable, build: Callable[..., Any], *args: Any) -> Any:
        """A table derived from this calendar's day table (an add-on's windows for every day, say),
        built by ``build(*args)`` on first use and kept with the calendar under ``key``.

        Unlike ``memo`` (answers per event key, which a caller may clear), these are whole-table
        precomputations or the rules they read, the same for every event.
        """
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = build(*args)
        return found

    def table_index(self, ordinals: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """Indexes into the day table for an array of date ordinals.

        Raises:
            CalendarRangeError: some ordinal lies outside the table.
        """
        index = ordinals - _BASE
        if index.size and (index.min() < 0 or index.max() >= _SIZE):
            raise CalendarRangeError(
                N_("dates must lie between {first} and {last}"), values={"first": FIRST_DAY, "last": LAST_DAY}
            )
        return index


def _index(day: date) -> int:
    index = day.toordinal() - _BASE
    if not 0 <= index < _SIZE:
        raise CalendarRangeError(
            N_("{day} lies outside the calendar's range {first}–{last}"),
            values={"day": day.isoformat(), "first": FIRST_DAY, "last": LAST_DAY},
        )
    return index


@cache
def _government() -> BusinessCalendar:
    return BusinessCalendar.build(id="government", name="行政機関の休日")
