"""The precomputed window tables: the batch's gathers and the per-event answers from the day lists.

Both paths answer an event from tables built once per calendar (``batch.window_table`` for columns,
``engine._KindWindows`` for ``windows()``); the per-event ``_rule_window`` computes a window day by day
and is the oracle here. The risks a table opens are its edges (the first and last days an event may fall
on, a run of closed days reaching the table's end), the year end, holiday runs and revision boundaries.
"""

from __future__ import annotations

import pickle
from datetime import date, datetime, time, timedelta

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zaitaku_core.calendar import LAST_DAY, BusinessCalendar
from zaitaku_core.errors import CalendarRangeError, InputError
from zaitaku_core.framework import EventKind
from zaitaku_core.handoff import Contact, Event, HandoffOptions, evaluate, evaluate_batch, national_addons, windows
from zaitaku_core.handoff.batch import NO_VALUE, _distinct_days, batch_windows
from zaitaku_core.handoff.engine import EVENT_RANGE, _rule_window
from zaitaku_core.handoff.model import Window
from zaitaku_core.testing.handoff import assert_batch_equals_scalar
from zaitaku_core.testing.strategies import office_calendar_specs

KINDS = ["admission", "discharge", "outpatient_visit", "home_conference", "death", "sudden_change"]
READINGS = st.builds(
    HandoffOptions,
    after_hours_includes_closed_day=st.booleans(),
    extension_unit=st.sampled_from(["calendar_day", "business_day"]),
    day_count_start=st.sampled_from(["event_day", "next_day"]),
)
# Any minute an event may fall on, the table's first and last such days included.
anywhere = st.datetimes(datetime.combine(EVENT_RANGE[0], time()), datetime.combine(EVENT_RANGE[1], time(23, 59))).map(
    lambda d: d.replace(second=0, microsecond=0)
)
edges = st.sampled_from([EVENT_RANGE[0], EVENT_RANGE[1]]).flatmap(
    lambda day: st.integers(0, 1439).map(lambda m: datetime.combine(day, time()) + timedelta(minutes=m))
)


def expected(kind: str, at: datetime, calendar: BusinessCalendar, options: HandoffOptions) -> list[tuple[str, object]]:
    """The windows day by day, as the per-event engine computed them before the tables."""
    day = at.date()
    return [
        (addon.id, _rule_window(revision.window, at, calendar, options))
        for addon in national_addons()
        if addon.event is EventKind.parse(kind) and (revision := addon.revision(day)) is not None
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(office_calendar_specs(), st.one_of(anywhere, edges), st.sampled_from(KINDS), READINGS)
def test_tables_answer_as_the_day_by_day_windows(
    spec: object, at: datetime, kind: str, options: HandoffOptions
) -> None:
    calendar = BusinessCalendar.from_spec(spec)  # type: ignore[arg-type]
    want = expected(kind, at, calendar, options)
    assert list(windows(kind, at, calendar, options)) == want
    assert list(windows(EventKind.parse(kind), at, calendar, options)) == want  # the member: its own memo entries
    got = batch_windows(np.array([kind]), np.array([at], dtype="datetime64[m]"), calendar, options)
    for addon_id, window in want:
        start, end = got[f"{addon_id}.window_start"][0], got[f"{addon_id}.window_end"][0]
        assert (None if np.isnat(start) else start.astype(object)) == window.start  # type: ignore[attr-defined]
        assert end.astype(object) == window.end  # type: ignore[attr-defined]


def test_a_cold_memo_gives_the_same_windows_as_a_warm_one() -> None:
    calendar = BusinessCalendar.build(closed_weekdays="sat,sun")
    moments = [datetime(2024, 12, 27, 17, 0) + timedelta(hours=h) for h in range(0, 24 * 12, 5)]
    warm = [windows("admission", m, calendar) for m in moments]
    calendar.memo.clear()
    assert [windows("admission", m, calendar) for m in moments] == warm


@pytest.mark.parametrize("options", [HandoffOptions(), HandoffOptions(extension_unit="business_day")])
def test_windows_around_every_revision_boundary_are_the_day_by_day_windows(options: HandoffOptions) -> None:
    # windows() finds the rules in force by bisecting the revisions' boundaries: every day from two before
    # to two after each boundary, on both sides of closing time, every kind.
    office = BusinessCalendar.build(closed_weekdays="sat,sun")
    bounds = {b for a in national_addons() for r in a.revisions for b in (r.effective_from, r.effective_to) if b}
    days = sorted({b + timedelta(days=d) for b in bounds for d in range(-2, 3)})
    assert len(days) >= 15
    for day in days:
        for clock in (time(10, 0), time(19, 0)):
            at = datetime.combine(day, clock)
            for kind in KINDS:
                assert list(windows(kind, at, office, options)) == expected(kind, at, office, options), (kind, at)


def test_a_calendar_with_per_event_plans_pickles_small_and_answers_alike() -> None:
    # The Dask and Spark engines send the calendar to workers: the plans windows() keeps with it travel
    # without the shared list of every day as a date, and answer new keys alike once unpickled.
    office = BusinessCalendar.build(closed_weekdays="sat,sun")
    empty = len(pickle.dumps(office))
    windows("admission", datetime(2024, 5, 2, 19, 0), office)
    sent = pickle.dumps(office)
    assert len(sent) < empty + 10_000
    received = pickle.loads(sent)
    for at in (datetime(2024, 5, 3, 19, 0), datetime(2019, 12, 27, 19, 0)):
        assert windows("admission", at, received) == windows("admission", at, office)


def test_the_per_event_windows_are_windows_as_the_class_builds_them() -> None:
    # windows() fills the slots of a new Window without its generated __init__ (model.WINDOW_SETTERS): the
    # object must be the one Window(...) gives (equal, same hash and repr, frozen), and the shortcut is only
    # sound while no field converts or validates its value.
    assert [f.name for f in attrs.fields(Window)] == ["start", "end", "extended"]
    assert all(f.converter is None and f.validator is None and f.on_setattr is None for f in attrs.fields(Window))
    office = BusinessCalendar.build(closed_weekdays="sat,sun")
    for at in (datetime(2024, 5, 2, 19, 0), datetime(2024, 5, 7, 10, 0), datetime(2020, 1, 6, 19, 0)):
        for kind in KINDS:
            for (addon_id, got), (_, want) in zip(
                windows(kind, at, office), expected(kind, at, office, HandoffOptions()), strict=True
            ):
                assert type(got) is Window
                assert (got, hash(got), repr(got)) == (want, hash(want), repr(want)), addon_id
                assert got == Window(got.start, got.end, got.extended)
                with pytest.raises(attrs.exceptions.FrozenInstanceError):
                    got.end = None  # type: ignore[misc]


def test_the_year_end_holiday_runs_and_revision_boundaries_in_one_batch() -> None:
    # Every day around the year end (29 Dec - 3 Jan, then a weekend), Golden Week and the revisions of
    # 2018-04-01, 2021-04-01 and 2024-04-01, on both sides of closing time, every kind, one batch: each row
    # as the per-event engine answers it, under the reading that rolls extensions over closed days.
    office = BusinessCalendar.build(closed_weekdays="sat,sun")
    starts = [date(2017, 12, 24), date(2019, 4, 25), date(2021, 3, 25), date(2023, 12, 24), date(2024, 3, 25)]
    days = [start + timedelta(days=d) for start in starts for d in range(16)]
    events = [
        Event(subject=f"s{i}", kind=kind, at=datetime.combine(day, clock))
        for i, (day, clock, kind) in enumerate(
            (day, clock, kind) for day in days for clock in (time(10, 0), time(19, 0)) for kind in KINDS[:5]
        )
    ]
    logs = [[Contact(at=e.at + timedelta(days=1), to_party="hospital", means="in_person")] for e in events]
    assert_batch_equals_scalar(events, logs, office, HandoffOptions(extension_unit="business_day"))


@pytest.mark.parametrize("day", [EVENT_RANGE[0], EVENT_RANGE[1]])
def test_the_first_and_last_event_days_are_answered(day: date) -> None:
    event = Event(kind="admission", at=datetime.combine(day, time(19, 0)))
    office = BusinessCalendar.build(closed_weekdays="sat,sun")
    assert_batch_equals_scalar([event], [[]], office, HandoffOptions(extension_unit="business_day"))


@pytest.mark.parametrize("day", [EVENT_RANGE[0] - timedelta(days=1), EVENT_RANGE[1] + timedelta(days=1)])
def test_a_day_outside_the_table_is_refused_by_every_path(day: date) -> None:
    at = datetime.combine(day, time(10, 0))
    with pytest.raises(CalendarRangeError):
        windows("admission", at)
    with pytest.raises(CalendarRangeError):
        evaluate(Event(kind="admission", at=at))
    with pytest.raises(CalendarRangeError):
        evaluate_batch({"kind": ["admission"], "at": np.array([at], dtype="datetime64[m]")})
    with pytest.raises(CalendarRangeError):
        batch_windows(np.array(["admission"]), np.array([at], dtype="datetime64[m]"))


def test_no_business_day_left_in_the_table_is_the_same_error_everywhere() -> None:
    # Closed from a month before the table's end: an after-hours admission on the last event day would have
    # its (Ⅰ) window rolled to the next business day, and there is none. Every path says so alike.
    closing = [LAST_DAY - timedelta(days=d) for d in range(40)]
    office = BusinessCalendar.build(closed_weekdays="sat,sun", closed_dates=closing)
    options = HandoffOptions(extension_unit="business_day")
    at = datetime.combine(EVENT_RANGE[1], time(19, 0))
    with pytest.raises(CalendarRangeError) as scalar:
        evaluate(Event(kind="admission", at=at), calendar=office, options=options)
    with pytest.raises(CalendarRangeError) as per_event:
        windows("admission", at, office, options)
    with pytest.raises(CalendarRangeError) as batch:
        evaluate_batch(
            {"kind": ["discharge", "admission"], "at": np.array([at, at], dtype="datetime64[m]")},
            calendar=office,
            options=options,
        )
    with pytest.raises(CalendarRangeError) as columns:
        batch_windows(np.array(["admission"]), np.array([at], dtype="datetime64[m]"), office, options)
    with pytest.raises(CalendarRangeError) as mixed:  # rows of several kinds: each add-on reads its kind's rows
        batch_windows(np.array(["discharge", "admission"]), np.array([at, at], dtype="datetime64[m]"), office, options)
    assert str(scalar.value) == str(per_event.value) == str(batch.value) == str(columns.value) == str(mixed.value)
    # Read in calendar days the same event needs no business day: answered.
    assert [a for a, _ in windows("admission", at, office)] == ["admission_1", "admission_2"]


def test_an_event_without_a_time_is_an_input_error() -> None:
    with pytest.raises(InputError, match="row 1"):
        evaluate_batch({"kind": ["admission", "admission"], "at": np.array(["2024-06-12T10:00", "NaT"], "M8[m]")})


def test_codes_give_months_and_texts_give_the_same_months_as_text() -> None:
    events = {
        "kind": ["discharge", "discharge", "admission"],
        "at": np.array(["2024-06-20T11:00", "2017-06-20T11:00", "2024-06-20T11:00"], "M8[m]"),
        "service_start": np.array(["2024-07-02", "2017-07-02", "2024-07-02"], "M8[D]"),
    }
    coded = evaluate_batch(events, codes=True)["discharge.claim_month"]
    text = evaluate_batch(events)["discharge.claim_month"]
    assert coded.dtype == np.int32  # months since 1970-01, NO_VALUE for none (Arrow's storage type)
    assert [str(np.datetime64(int(m), "M")) if m != NO_VALUE else "none" for m in coded] == ["2024-07", "none", "none"]
    # FY2017 precedes the modelled revisions
    assert text.tolist() == ["2024-07", "", ""]


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 5)), min_size=1, max_size=40), st.integers(1, 5))
def test_distinct_contact_days_are_counted_as_a_set_would(contacts: list[tuple[int, int]], most: int) -> None:
    # The batch counts each event's distinct contact days (up to the most any check compares with) from runs
    # of contacts in the order of their events, without sorting their days.
    contacts.sort(key=lambda c: c[0])
    event = np.array([e for e, _ in contacts], dtype=np.intp)
    day = np.array([19_000 + d for _, d in contacts], dtype=np.int32)
    expected = [min(len({d for e, d in contacts if e == row}), most) for row in range(7)]
    assert _distinct_days(event, day, 7, most).tolist() == expected
