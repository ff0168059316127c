"""The handoff engine: hand-worked cases at the edges (reasoning beside each) and its properties.

Day numbering follows the ministry's Q&A: the event day is day 1. Office: closed Saturdays, Sundays,
national holidays and 29 Dec – 3 Jan, hours 08:45–17:30, unless a test says otherwise.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.handoff import (
    Contact,
    Event,
    HandoffOptions,
    Reason,
    apply_monthly_caps,
    evaluate,
    evaluate_batch,
    national_addons,
    windows,
)
from zaitaku_core.handoff import batch as batch_module
from zaitaku_core.handoff.batch import batch_windows
from zaitaku_core.model import HandoffRule
from zaitaku_core.testing.handoff import assert_batch_equals_scalar, batch_columns
from zaitaku_core.testing.strategies import contact_logs, handoff_events, office_calendar_specs

OFFICE = BusinessCalendar.build(closed_weekdays="sat,sun")


def ends(kind: str, at: datetime, **options: object) -> dict[str, date | None]:
    found = windows(kind, at, OFFICE, HandoffOptions(**options))  # type: ignore[arg-type]
    return {addon: window.end for addon, window in found}


def claim(event: Event, *contacts: Contact, **options: object) -> dict[str, tuple[int, str | None]]:
    verdict = evaluate(event, contacts, calendar=OFFICE, options=HandoffOptions(**options))  # type: ignore[arg-type]
    return {a.addon_id: (a.units, a.tier or (a.reason.value if a.reason else None)) for a in verdict.addons}


def admission(at: datetime) -> Event:
    return Event(kind="admission", at=at)


def to_hospital(at: datetime, **extra: object) -> Contact:
    return Contact.model_validate({"at": at, "to_party": "hospital", **extra})


# --- admission: windows at the edges -------------------------------------------------------------------------


def test_after_hours_admission_on_a_friday() -> None:
    # Fri 2024-06-14 18:00, after closing. (Ⅰ): the admission day, and the next day counts as well
    # because it was after hours -> Sat 06-15. (Ⅱ): days 2-3 = 06-15..06-16; the third day (Sun 06-16)
    # is not a business day and the admission was after hours -> the day after that, Mon 06-17.
    assert ends("admission", datetime(2024, 6, 14, 18, 0)) == {
        "admission_1": date(2024, 6, 15),
        "admission_2": date(2024, 6, 17),
    }
    # The same Friday at 17:29, inside hours: no extension at all.
    assert ends("admission", datetime(2024, 6, 14, 17, 29)) == {
        "admission_1": date(2024, 6, 14),
        "admission_2": date(2024, 6, 16),
    }


def test_the_day_before_golden_week() -> None:
    # Fri 2025-05-02 20:00. (Ⅰ) -> 05-03. (Ⅱ): 05-03..05-04; 05-04 (みどりの日, a Sunday) is closed and the
    # admission was after hours -> +1 calendar day = 05-05 (こどもの日) under the default reading ...
    assert ends("admission", datetime(2025, 5, 2, 20, 0)) == {
        "admission_1": date(2025, 5, 3),
        "admission_2": date(2025, 5, 5),
    }
    # ... and to the next *business* day, Wed 05-07 (05-05 こどもの日, 05-06 振替休日), under the other reading.
    assert ends("admission", datetime(2025, 5, 2, 20, 0), extension_unit="business_day") == {
        "admission_1": date(2025, 5, 7),
        "admission_2": date(2025, 5, 7),
    }
    # At 10:00 the same day: inside hours, no extension even though day 3 is closed.
    assert ends("admission", datetime(2025, 5, 2, 10, 0))["admission_2"] == date(2025, 5, 4)


def test_28_december() -> None:
    # Thu 2023-12-28 is FY2023: the 2018-2024 rules apply, (Ⅰ) within 3 days = 12-28..12-30, (Ⅱ) within
    # 7 days = 12-28..01-03, with no after-hours extension in that revision.
    assert ends("admission", datetime(2023, 12, 28, 18, 0)) == {
        "admission_1": date(2023, 12, 30),
        "admission_2": date(2024, 1, 3),
    }
    # Sat 2024-12-28 (FY2024), 11:00: a closed day -> (Ⅰ) runs to 12-29; (Ⅱ) 12-29..12-30, day 3 (12-30)
    # closed for the year end and the admission on a closed day counts as after hours -> 12-31.
    assert ends("admission", datetime(2024, 12, 28, 11, 0)) == {
        "admission_1": date(2024, 12, 29),
        "admission_2": date(2024, 12, 31),
    }


def test_31_december() -> None:
    # Tue 2024-12-31 10:00: closed for the year end. (Ⅰ) -> 01-01. (Ⅱ): 01-01..01-02, day 3 (01-02) closed.
    assert ends("admission", datetime(2024, 12, 31, 10, 0)) == {
        "admission_1": date(2025, 1, 1),
        "admission_2": date(2025, 1, 3),
    }
    # If a closed-day admission is not read as "after office hours", (Ⅱ) is not extended.
    assert ends("admission", datetime(2024, 12, 31, 10, 0), after_hours_includes_closed_day=False)[
        "admission_2"
    ] == date(2025, 1, 2)


def test_substitute_holiday() -> None:
    # Sat 2024-11-02 10:00. (Ⅰ) closed day -> 11-03. (Ⅱ): 11-03..11-04; 11-04 is a 振替休日 (文化の日 fell on
    # a Sunday), so day 3 is closed -> 11-05.
    assert ends("admission", datetime(2024, 11, 2, 10, 0)) == {
        "admission_1": date(2024, 11, 3),
        "admission_2": date(2024, 11, 5),
    }
    assert not OFFICE.is_business_day(date(2024, 11, 4))


def test_issue_example_from_the_first_paragraph() -> None:
    # Fri 2025-01-03 19:10, an office closed at weekends and 29 Dec - 3 Jan: a closed day. (Ⅰ) runs to
    # Sat 01-04; (Ⅱ) 01-04..01-05, Sun 01-05 closed -> Mon 01-06. A contact on 01-04 10:00 earns (Ⅰ).
    at = datetime(2025, 1, 3, 19, 10)
    assert ends("admission", at) == {"admission_1": date(2025, 1, 4), "admission_2": date(2025, 1, 6)}
    assert claim(admission(at), to_hospital(datetime(2025, 1, 4, 10, 0))) == {
        "admission_1": (250, None),
        "admission_2": (0, "exclusive"),
    }


def test_revision_boundary() -> None:
    # Sun 2024-03-31: FY2023 rules, (Ⅰ) 200 within 3 days (03-31..04-02); a contact on 04-02 earns it.
    # (Ⅱ) of that revision runs from day 4 to day 7 ("4日以上7日以内"), so 04-02 lies outside it.
    contact = to_hospital(datetime(2024, 4, 2, 9, 0))
    assert claim(admission(datetime(2024, 3, 31, 10, 0)), contact) == {
        "admission_1": (200, None),
        "admission_2": (0, "outside_window"),
    }
    # Mon 2024-04-01: FY2024 rules, (Ⅰ) 250 only on the day (or before); 04-02 is day 2 -> (Ⅱ) 200.
    assert claim(admission(datetime(2024, 4, 1, 10, 0)), contact) == {
        "admission_1": (0, "outside_window"),
        "admission_2": (200, None),
    }


def test_information_before_admission_counts_from_fy2024_only() -> None:
    early = to_hospital(datetime(2024, 6, 10, 9, 0))
    assert claim(admission(datetime(2024, 6, 12, 10, 0)), early)["admission_1"] == (250, None)
    assert claim(admission(datetime(2023, 6, 12, 10, 0)), to_hospital(datetime(2023, 6, 10, 9, 0)))["admission_1"] == (
        0,
        "outside_window",
    )


def test_wrong_party_and_no_contact() -> None:
    at = datetime(2024, 6, 12, 10, 0)
    assert claim(admission(at))["admission_1"] == (0, "no_contact")
    assert claim(admission(at), Contact(at=at, to_party="pharmacy"))["admission_1"] == (0, "no_contact")


# --- discharge tiers ------------------------------------------------------------------------------------------


def discharge(*contacts: Contact, admitted: datetime | None = datetime(2024, 6, 1, 10, 0)) -> tuple[int, str | None]:
    event = Event(kind="discharge", at=datetime(2024, 6, 20, 11, 0), admitted_at=admitted)
    return claim(event, *contacts)["discharge"]


def interview(at: datetime, **extra: object) -> Contact:
    """A 面談 with the hospital's staff (退院・退所加算 counts only those, a video call or a conference)."""
    return to_hospital(at, **{"means": "in_person", **extra})


def test_several_contacts_on_one_day_count_once() -> None:
    # Three contacts with the hospital on 06-10, none a conference: one contact day -> (Ⅰ)イ 450.
    same_day = [interview(datetime(2024, 6, 10, h, 0)) for h in (9, 13, 16)]
    assert discharge(*same_day) == (450, "(Ⅰ)イ")


def test_a_conference_among_them() -> None:
    # One day, and it was a conference -> (Ⅰ)ロ 600. Two days with a conference -> (Ⅱ)ロ 750.
    assert discharge(interview(datetime(2024, 6, 10, 9, 0), conference=True)) == (600, "(Ⅰ)ロ")
    two = [interview(datetime(2024, 6, 10, 9, 0)), to_hospital(datetime(2024, 6, 12, 9, 0), means="conference")]
    assert discharge(*two) == (750, "(Ⅱ)ロ")
    # Two days without a conference -> (Ⅱ)イ 600; three days, one a conference -> (Ⅲ) 900; three days
    # without one stay at (Ⅱ)イ 600 (the table's ">=2, no conference").
    plain = [interview(datetime(2024, 6, d, 9, 0)) for d in (10, 12, 14)]
    assert discharge(*plain[:2]) == (600, "(Ⅱ)イ")
    assert discharge(*plain[:2], interview(datetime(2024, 6, 14, 9, 0), conference=True)) == (900, "(Ⅲ)")
    assert discharge(*plain) == (600, "(Ⅱ)イ")


def test_discharge_contacts_count_only_during_the_stay() -> None:
    before_stay = interview(datetime(2024, 5, 20, 9, 0))
    assert discharge(before_stay) == (0, "outside_window")
    assert discharge(before_stay, admitted=None) == (450, "(Ⅰ)イ")  # stay unknown: earlier contacts count


# --- other add-ons -------------------------------------------------------------------------------------------


def test_outpatient_visit_needs_attendance_and_dentists_count_from_fy2024() -> None:
    visit = Event(kind="outpatient_visit", at=datetime(2024, 7, 1, 10, 0))
    with_doctor = Contact(at=datetime(2024, 7, 1, 10, 30), to_party="home_doctor", means="in_person")
    assert claim(visit, with_doctor)["outpatient"] == (50, None)
    by_phone = Contact(at=datetime(2024, 7, 1, 10, 30), to_party="home_doctor", means="phone")
    assert claim(visit, by_phone)["outpatient"] == (0, "wrong_means")
    dentist = Contact(at=datetime(2023, 7, 3, 10, 30), to_party="dental_clinic", means="in_person")
    assert claim(Event(kind="outpatient_visit", at=datetime(2023, 7, 3, 10, 0)), dentist)["outpatient"] == (
        0,
        "no_contact",
    )
    assert claim(Event(kind="outpatient_visit", at=datetime(2020, 7, 1, 10, 0)))["outpatient"] == (
        0,
        "not_in_force",
    )  # introduced in FY2021


def test_terminal_care_needs_two_visit_days_in_the_last_fifteen_days() -> None:
    death = Event(kind="death", at=datetime(2024, 8, 20, 3, 0))
    one = Contact(at=datetime(2024, 8, 6, 10, 0), to_party="user", means="home_visit")  # death - 14 days
    two = Contact(at=datetime(2024, 8, 19, 10, 0), to_party="user", means="home_visit")
    assert claim(death, one, two)["terminal_care"] == (400, None)
    assert claim(death, one)["terminal_care"] == (0, "too_few_contacts")
    too_early = Contact(at=datetime(2024, 8, 5, 10, 0), to_party="user", means="home_visit")
    assert claim(death, too_early, two)["terminal_care"] == (0, "too_few_contacts")
    assert claim(death, one, two, office_has_24h_contact_system=False)["terminal_care"] == (0, "needs_24h_system")


def test_emergency_conference_needs_a_conference_and_caps_at_two_a_month() -> None:
    def conference(day: int) -> tuple[str, object]:
        at = datetime(2024, 9, day, 14, 0)
        contact = Contact(at=at, to_party="home_doctor", conference=True)
        return "s1", evaluate(Event(kind="home_conference", at=at), [contact], calendar=OFFICE)

    results = apply_monthly_caps([conference(3), conference(10), conference(17)])  # type: ignore[list-item]
    assert [v.addons[0].units for v in results] == [200, 200, 0]
    assert results[2].addons[0].reason is Reason.MONTHLY_CAP
    at = datetime(2024, 9, 3, 14, 0)
    assert claim(Event(kind="home_conference", at=at), Contact(at=at, to_party="home_doctor"))[
        "emergency_conference"
    ] == (0, "needs_conference")


def test_admission_cap_is_once_a_month_per_subject() -> None:
    first, second = (
        evaluate(admission(datetime(2024, 6, d, 10, 0)), [to_hospital(datetime(2024, 6, d, 11, 0))], calendar=OFFICE)
        for d in (3, 20)
    )
    capped = apply_monthly_caps([("a", first), ("a", second), ("b", second)])
    assert [v.units for v in capped] == [250, 0, 250]


# --- city rules layered on the national ones -----------------------------------------------------------------

LATE_RULE = HandoffRule.model_validate(
    {
        "id": "late",
        "title": "入院から7日以内に病院へ連絡",
        "scene": "admission_discharge",
        "event": "admission",
        "contact_from": ["hospital"],
        "contact_to": ["care_manager"],
        "deadline": {"kind": "calendar_days", "days": 7},
        "basis": "city",
        "binding": True,
    }
)


def test_conflicts_between_the_layers_are_reported() -> None:
    verdict = evaluate(admission(datetime(2024, 6, 12, 10, 0)), calendar=OFFICE, city_rules=[LATE_RULE])
    assert [f.code for f in verdict.conflicts] == ["HC001", "HC001", "HC002"]
    assert not verdict.national_default
    city = [o for o in verdict.obligations if o.rule_id == "late"]
    assert city[0].window is not None and city[0].window.end == date(2024, 6, 19)
    assert evaluate(admission(datetime(2024, 6, 12, 10, 0)), calendar=OFFICE).national_default


def test_nothing_personal_is_written() -> None:
    verdict = evaluate(Event(subject="X-123", kind="admission", at=datetime(2024, 6, 12)), calendar=OFFICE)
    assert "X-123" not in str(verdict.to_dict())
    with pytest.raises(ValueError, match="subject"):
        Event(subject="山田 太郎", kind="admission", at=datetime(2024, 6, 12))


def test_rule_data_is_consistent() -> None:
    ids = [a.id for a in national_addons()]
    assert len(ids) == len(set(ids))
    for addon in national_addons():
        spans = sorted((r.effective_from, r.effective_to or date.max) for r in addon.revisions)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans)), addon.id  # no overlap


# --- properties ----------------------------------------------------------------------------------------------

calendars = office_calendar_specs().map(BusinessCalendar.from_spec)
moments = st.datetimes(datetime(2018, 4, 1), datetime(2027, 3, 31)).map(lambda d: d.replace(second=0, microsecond=0))
LOOKING_BACK = {a.id for a in national_addons() if any(r.window.first_day < 1 for r in a.revisions)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars, moments, st.sampled_from(["admission", "discharge", "outpatient_visit", "home_conference", "death"]))
def test_a_window_never_starts_before_the_event(calendar: BusinessCalendar, at: datetime, kind: str) -> None:
    # Except the windows that look back by definition (ターミナルケアマネジメント加算: the 14 days before death),
    # and those where earlier contacts count (start None).
    for addon, window in windows(kind, at, calendar):
        if addon not in LOOKING_BACK and window.start is not None:
            assert window.start >= at.date()
        assert window.end is not None and window.end >= (window.start or window.end)


# The readings under which (Ⅰ) never ends after (Ⅱ): every combination but one (see the next test).
CONSISTENT_READINGS = [("calendar_day", True), ("calendar_day", False), ("business_day", True)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars, moments, st.sampled_from(CONSISTENT_READINGS))
def test_window_one_ends_no_later_than_window_two(
    calendar: BusinessCalendar, at: datetime, reading: tuple[str, bool]
) -> None:
    unit, closed_is_late = reading
    options = HandoffOptions(extension_unit=unit, after_hours_includes_closed_day=closed_is_late)  # type: ignore[arg-type]
    found = dict(windows("admission", at, calendar, options))
    assert found["admission_1"].end <= found["admission_2"].end  # type: ignore[operator]


def test_the_one_reading_where_window_one_outlasts_window_two() -> None:
    # Found by the property above when it drew every combination. Admission on Fri 2024-05-03 (憲法記念日)
    # at 00:00, office closed on holidays only. Read "the next day" as the next *business* day and a closed
    # day as *not* after hours for (Ⅱ) (whose text names only 営業時間終了後): (Ⅰ) - admitted on a non-business
    # day - runs to the next day, 05-04, rolled over みどりの日, こどもの日 (Sun) and the 振替休日 to Tue 05-07;
    # (Ⅱ) is not extended and ends on day 3, Sun 05-05. The rules allow it under that reading, so the
    # engine reports it as is rather than forcing the two windows into order.
    office = BusinessCalendar.build(closed_weekdays=())
    options = HandoffOptions(extension_unit="business_day", after_hours_includes_closed_day=False)
    found = dict(windows("admission", datetime(2024, 5, 3, 0, 0), office, options))
    assert (found["admission_1"].end, found["admission_2"].end) == (date(2024, 5, 7), date(2024, 5, 5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars, moments, st.sampled_from(["admission", "discharge", "death"]), st.integers(-3, 10))
def test_adding_a_closed_day_never_shortens_a_window(
    calendar: BusinessCalendar, at: datetime, kind: str, offset: int
) -> None:
    day = date.fromordinal(at.date().toordinal() + offset)
    before = dict(windows(kind, at, calendar))
    after = dict(windows(kind, at, calendar.with_closed([day])))
    for addon, window in before.items():
        assert after[addon].end >= window.end  # type: ignore[operator]


SUBJECTS = ("s1", "s2", "s3")


@st.composite
def event_batches(draw: st.DrawFn) -> tuple[list[Event], list[list[Contact]]]:
    # Three subjects only, so that monthly caps, exclusive groups and per-stay caps bite across rows.
    events = draw(st.lists(handoff_events(subjects=SUBJECTS), min_size=1, max_size=12))
    return events, [draw(contact_logs(event)) for event in events]


READING_SETS = st.builds(
    HandoffOptions,
    after_hours_includes_closed_day=st.booleans(),
    extension_unit=st.sampled_from(["calendar_day", "business_day"]),
    day_count_start=st.sampled_from(["event_day", "next_day"]),
    unrecorded_means_counts=st.booleans(),
    discharge_window_starts_at_admission=st.booleans(),
    office_has_24h_contact_system=st.booleans(),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(calendars, event_batches(), READING_SETS)
def test_batch_equals_per_event(
    calendar: BusinessCalendar, batch: tuple[list[Event], list[list[Contact]]], options: HandoffOptions
) -> None:
    # Monthly caps across (Ⅰ)/(Ⅱ), the 7-day tail, facility leavers, 初回加算, not_modelled and every
    # reading: the columnar path answers exactly as the per-event one.
    events, logs = batch
    assert_batch_equals_scalar(events, logs, calendar, options)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(calendars, event_batches(), READING_SETS, st.integers(1, 4), st.randoms(use_true_random=False))
def test_batch_in_small_chunks_with_contacts_in_any_order_equals_per_event(
    calendar: BusinessCalendar,
    batch: tuple[list[Event], list[list[Contact]]],
    options: HandoffOptions,
    chunk: int,
    shuffle: random.Random,
) -> None:
    # evaluate_batch and batch_windows work through the rows a chunk at a time (131,072 rows): with chunks of
    # a few rows every chunk boundary, kinds missing from a chunk and contacts in no event order are met.
    events, logs = batch
    columns, contacts = batch_columns(events, logs)
    order = list(range(len(contacts["event"])))
    shuffle.shuffle(order)
    with patch.object(batch_module, "_CHUNK", chunk):
        assert_batch_equals_scalar(events, logs, calendar, options)
        small = evaluate_batch(
            columns, {name: values[order] for name, values in contacts.items()}, calendar=calendar, options=options
        )
        windows_small = batch_windows(columns["kind"], columns["at"], calendar, options)
    whole = evaluate_batch(columns, contacts, calendar=calendar, options=options)
    assert list(small) == list(whole)
    for name, values in whole.items():
        assert np.array_equal(small[name], values, equal_nan=values.dtype.kind == "M"), name
    for name, values in batch_windows(columns["kind"], columns["at"], calendar, options).items():
        assert np.array_equal(windows_small[name], values, equal_nan=True), name


HAND_WORKED: list[tuple[Event, list[Contact]]] = [
    (admission(datetime(2025, 1, 3, 19, 10)), [to_hospital(datetime(2025, 1, 4, 10, 0))]),
    (admission(datetime(2024, 3, 31, 10, 0)), [to_hospital(datetime(2024, 4, 2, 9, 0))]),
    (admission(datetime(2024, 4, 1, 10, 0)), [to_hospital(datetime(2024, 4, 2, 9, 0))]),
    (admission(datetime(2024, 6, 12, 10, 0)), [to_hospital(datetime(2024, 6, 10, 9, 0))]),
    (
        Event(kind="discharge", at=datetime(2024, 6, 20, 11, 0), admitted_at=datetime(2024, 6, 1, 10, 0)),
        [to_hospital(datetime(2024, 6, d, 9, 0), means="in_person", conference=d == 14) for d in (10, 10, 12, 14)],
    ),
    (
        Event(kind="outpatient_visit", at=datetime(2024, 7, 1, 10, 0)),
        [Contact(at=datetime(2024, 7, 1, 10, 30), to_party="dental_clinic", means="in_person")],
    ),
    (
        Event(kind="death", at=datetime(2024, 8, 20, 3, 0)),
        [Contact(at=datetime(2024, 8, d, 10, 0), to_party="user", means="home_visit") for d in (6, 19)],
    ),
    (
        Event(kind="home_conference", at=datetime(2024, 9, 3, 14, 0)),
        [Contact(at=datetime(2024, 9, 3, 15, 0), to_party="home_doctor", conference=True)],
    ),
    (  # a visiting-nurse station alone does not make a 緊急時等居宅カンファレンス (see test_handoff_rules)
        Event(kind="home_conference", at=datetime(2024, 9, 3, 14, 0)),
        [Contact(at=datetime(2024, 9, 3, 15, 0), to_party="visiting_nurse", conference=True)],
    ),
]


def test_batch_equals_per_event_on_the_hand_worked_cases() -> None:
    events = [e for e, _ in HAND_WORKED]
    flat = [(i, c) for i, (_, log) in enumerate(HAND_WORKED) for c in log]
    result = evaluate_batch(
        {
            "kind": [e.kind.value for e in events],
            "at": np.array([e.at for e in events], dtype="datetime64[m]"),
            "admitted_at": np.array([e.admitted_at or "NaT" for e in events], dtype="datetime64[m]"),
        },
        {
            "event": [i for i, _ in flat],
            "at": np.array([c.at for _, c in flat], dtype="datetime64[m]"),
            "to_party": [c.to_party.value for _, c in flat],
            "means": [c.means.value for _, c in flat],
            "conference": [c.conference for _, c in flat],
        },
        calendar=OFFICE,
    )
    expected = [evaluate(e, log, calendar=OFFICE).units for e, log in HAND_WORKED]
    assert result["units"].tolist() == expected == [250, 200, 200, 250, 900, 50, 400, 200, 0]


def test_the_batch_margin_covers_every_window() -> None:
    # batch.py refuses events closer than _MARGIN days to the ends of the calendar's day table, because
    # windows look ahead in it: the reach of the longest window, plus the longest run of closed days an
    # extension in business days may roll over, must stay inside the margin.
    from zaitaku_core.handoff.batch import _MARGIN

    closed = BusinessCalendar.government().arrays()["closed"]
    longest_closed_run = max(len(run) for run in "".join("x" if c else " " for c in closed).split(" "))
    reach = max(
        r.window.last_day - 1 + (r.window.extend.days * (1 + longest_closed_run) if r.window.extend else 0)
        for addon in national_addons()
        for r in addon.revisions
    )
    assert reach < _MARGIN, (reach, longest_closed_run)
