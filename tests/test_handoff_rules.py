"""The national rules as the ministry writes them: each change with a hand-worked case and its source.

Sources are the documents of ``data/national_rules.toml`` (``[documents.*]``); each test's docstring names
the clause it follows and its status there. Office: closed Saturdays, Sundays, national holidays and
29 Dec – 3 Jan, hours 08:45–17:30. Every case is also run through the batch path (batch == scalar).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.errors import CalendarRangeError, InputError
from zaitaku_core.handoff import Contact, Event, HandoffOptions, Reason, apply_monthly_caps, evaluate, evaluate_batch
from zaitaku_core.handoff.engine import READINGS
from zaitaku_core.handoff.rules import ASPECTS, STATUSES, documents, national_addons, office_addons
from zaitaku_core.testing.handoff import assert_batch_equals_scalar

OFFICE = BusinessCalendar.build(closed_weekdays="sat,sun")


def verdicts(*cases: tuple[Event, list[Contact]], **options: object) -> list[dict[str, tuple[int, str | None]]]:
    """Per-event answers after the caps, checked against the batch path: {addon: (units, tier or reason)}."""
    chosen = HandoffOptions(**options)  # type: ignore[arg-type]
    events, logs = [e for e, _ in cases], [log for _, log in cases]
    assert_batch_equals_scalar(events, logs, OFFICE, chosen)
    capped = apply_monthly_caps([(e.subject, evaluate(e, log, calendar=OFFICE, options=chosen)) for e, log in cases])
    return [{a.addon_id: (a.units, a.tier or (a.reason.value if a.reason else None)) for a in v.addons} for v in capped]


def admission(day: datetime, subject: str = "u1") -> Event:
    return Event(subject=subject, kind="admission", at=day)


def to_hospital(at: datetime, **extra: object) -> Contact:
    return Contact.model_validate({"at": at, "to_party": "hospital", **extra})


def stay(discharged: datetime = datetime(2024, 6, 20, 11, 0), **extra: object) -> Event:
    return Event.model_validate(
        {"subject": "u1", "kind": "discharge", "at": discharged, "admitted_at": datetime(2024, 6, 1, 10, 0), **extra}
    )


# --- 入院時情報連携加算: one claim of (Ⅰ) or (Ⅱ) per user per month in total ---------------------------------


def test_admission_one_and_two_share_one_monthly_claim() -> None:
    """(Ⅰ) on 6/3 and (Ⅱ) on 6/17 in one month: one claim in total, the one with most units (250).

    Source: 指定居宅介護支援に要する費用の額の算定に関する基準（平成12年厚生省告示第20号）別表 ホ 注 — 利用者1人につき
    1月に1回を限度, (Ⅰ)(Ⅱ) 併算定不可 (national_rules.toml, status secondary). Before this change the engine
    capped each separately and gave 450 units.
    """
    first = (admission(datetime(2024, 6, 3, 10, 0)), [to_hospital(datetime(2024, 6, 3, 15, 0))])  # (Ⅰ) 250
    second = (admission(datetime(2024, 6, 17, 10, 0)), [to_hospital(datetime(2024, 6, 18, 9, 0))])  # (Ⅱ) 200
    one, two = verdicts(first, second)
    assert one["admission_1"] == (250, None)
    assert two == {"admission_1": (0, "outside_window"), "admission_2": (0, "monthly_cap")}
    # The (Ⅱ) claim earlier in the month gives way to the better (Ⅰ) claim later in it.
    early_two = (admission(datetime(2024, 6, 3, 10, 0)), [to_hospital(datetime(2024, 6, 4, 9, 0))])
    late_one = (admission(datetime(2024, 6, 17, 10, 0)), [to_hospital(datetime(2024, 6, 17, 11, 0))])
    a, b = verdicts(early_two, late_one)
    assert a["admission_2"] == (0, "monthly_cap") and b["admission_1"] == (250, None)
    # Another month, or another user, claims again.
    july = (admission(datetime(2024, 7, 1, 10, 0)), [to_hospital(datetime(2024, 7, 1, 11, 0))])
    other = (admission(datetime(2024, 6, 17, 10, 0), "u2"), [to_hospital(datetime(2024, 6, 18, 9, 0))])
    assert [sum(u for u, _ in v.values()) for v in verdicts(first, second, july, other)] == [250, 0, 250, 200]


def test_pre_2024_second_tier_runs_from_day_four() -> None:
    """FY2023: (Ⅱ) is "入院してから4日以上7日以内" — day 4 to day 7, the admission day being day 1.

    Source: 厚生労働大臣が定める基準（平成27年厚生労働省告示第95号）第85号ロ, as quoted by a secondary summary
    (status secondary); day 1 = admission day is the reading ``day_count_start=event_day`` (status reading).
    """
    at = datetime(2023, 6, 12, 10, 0)  # Monday
    day4 = (admission(at), [to_hospital(datetime(2023, 6, 15, 10, 0))])
    assert verdicts(day4) == [{"admission_1": (0, "outside_window"), "admission_2": (100, None)}]
    day8 = (admission(at), [to_hospital(datetime(2023, 6, 19, 10, 0))])
    assert verdicts(day8)[0]["admission_2"] == (0, "outside_window")
    # Read day 1 as the day after: (Ⅰ) runs to day 4 and (Ⅱ) to day 8.
    assert verdicts(day8, day_count_start="next_day")[0]["admission_2"] == (100, None)
    assert verdicts(day4, day_count_start="next_day")[0]["admission_1"] == (200, None)


# --- 退院・退所加算 ------------------------------------------------------------------------------------------


def test_discharge_information_within_seven_days_after_counts() -> None:
    """A 面談 on the 7th day after discharge counts (day 1 = the discharge day: 6/20..6/26); 6/27 does not.

    Source: 老企第36号 第3の16 — 原則として退院・退所前に情報を得ることが望ましいが、退院後7日以内に情報を得た場合には
    算定する (status secondary); the day count is the reading ``day_count_start`` (status reading).
    """
    inside = (stay(), [to_hospital(datetime(2024, 6, 26, 10, 0), means="in_person")])
    outside = (stay(), [to_hospital(datetime(2024, 6, 27, 10, 0), means="in_person")])
    assert verdicts(inside)[0]["discharge"] == (450, "(Ⅰ)イ")
    assert verdicts(outside)[0]["discharge"] == (0, "outside_window")
    assert verdicts(outside, day_count_start="next_day")[0]["discharge"] == (450, "(Ⅰ)イ")


def test_discharge_needs_an_interview_a_fax_does_not_count() -> None:
    """A FAX or a phone call is not a 面談; a video call is, from FY2021; a conference is.

    Source: 老企第36号 第3の16 — 病院等の職員と面談を行い (テレビ電話装置等の活用可, 令和3年改正) (status secondary).
    An unrecorded means is not a 面談 unless the reading ``unrecorded_means_counts=true`` is chosen.
    """
    day = datetime(2024, 6, 10, 10, 0)
    assert verdicts((stay(), [to_hospital(day, means="fax")]))[0]["discharge"] == (0, "wrong_means")
    assert verdicts((stay(), [to_hospital(day, means="phone")]))[0]["discharge"] == (0, "wrong_means")
    assert verdicts((stay(), [to_hospital(day, means="video")]))[0]["discharge"] == (450, "(Ⅰ)イ")
    assert verdicts((stay(), [to_hospital(day, means="phone", conference=True)]))[0]["discharge"] == (600, "(Ⅰ)ロ")
    assert verdicts((stay(), [to_hospital(day)]))[0]["discharge"] == (0, "wrong_means")
    assert verdicts((stay(), [to_hospital(day)]), unrecorded_means_counts=True)[0]["discharge"] == (450, "(Ⅰ)イ")
    # Before FY2021 a video call is not a 面談.
    old = Event(kind="discharge", at=datetime(2020, 6, 20, 11, 0))
    assert verdicts((old, [to_hospital(datetime(2020, 6, 10, 10, 0), means="video")]))[0]["discharge"] == (
        0,
        "wrong_means",
    )


def test_a_hospital_initiated_conference_is_not_no_contact() -> None:
    """The hospital called the care manager to a conference: the information was obtained from its staff.

    Source: 告示第20号 別表 ヘ 注 — 職員から情報の提供を受けること (status secondary); who called does not
    matter (``either_direction``, status reading).
    """
    record = Contact(
        at=datetime(2024, 6, 12, 14, 0), from_party="hospital", to_party="care_manager", means="conference"
    )
    assert verdicts((stay(), [record]))[0]["discharge"] == (600, "(Ⅰ)ロ")


def test_leavers_of_a_care_facility_are_covered() -> None:
    """A person leaving a 介護保険施設 (or a 地域密着型介護老人福祉施設): a 面談 with its staff earns the add-on;
    with the place of stay given, a 面談 with some other hospital does not.

    Source: 告示第20号 別表 ヘ 注 — 病院、診療所、地域密着型介護老人福祉施設又は介護保険施設の職員 (status secondary).
    """
    facility = stay(stay_in="ltc_facility")
    staff = Contact(at=datetime(2024, 6, 12, 14, 0), to_party="ltc_facility", means="in_person")
    assert verdicts((facility, [staff]))[0]["discharge"] == (450, "(Ⅰ)イ")
    assert verdicts((facility, [to_hospital(datetime(2024, 6, 12, 14, 0), means="in_person")]))[0]["discharge"] == (
        0,
        "no_contact",
    )
    home = stay(stay_in="介護老人保健施設")  # a label of 介護保険施設 is read as it
    assert home.stay_in is not None and home.stay_in.value == "ltc_facility"
    community = Contact(at=datetime(2024, 6, 12, 14, 0), to_party="community_nursing_home", means="in_person")
    assert verdicts((stay(), [community]))[0]["discharge"] == (450, "(Ⅰ)イ")
    with pytest.raises(ValueError, match="stay_in"):
        stay(stay_in="pharmacy")


def test_discharge_is_claimed_in_the_month_services_start_and_not_with_the_initial_addon() -> None:
    """Claimed in the month service use starts (7/2 → 2024-07); not in a month 初回加算 is claimed.

    Sources: 平成21年4月改定関係Q&A（vol.1）問65 — 利用を開始した月に当該加算を算定する; 告示第20号 別表 ヘ 注 —
    初回加算を算定する場合は算定しない (both status secondary). 初回加算 is an input the caller gives.
    """
    met = [to_hospital(datetime(2024, 6, 12, 14, 0), means="in_person")]
    event = stay(service_start=date(2024, 7, 2))
    verdict = evaluate(event, met, calendar=OFFICE)
    assert verdict.addons[0].claim_month == "2024-07" and verdict.units == 450
    assert verdicts((stay(service_start=date(2024, 7, 2), initial_addon=True), met))[0]["discharge"] == (
        0,
        "initial_addon",
    )
    with pytest.raises(ValueError, match="service_start"):
        stay(service_start=date(2024, 6, 1))


def test_discharge_once_per_stay() -> None:
    """The same stay recorded twice (same user, same discharge day) is claimed once.

    Source: 告示第20号 別表 ヘ 注 — 入院又は入所期間中1回を限度 (status secondary).
    """
    met = [to_hospital(datetime(2024, 6, 12, 14, 0), means="in_person", conference=True)]
    again = [to_hospital(datetime(2024, 6, 12, 14, 0), means="in_person")]
    one, two = verdicts((stay(), again), (stay(datetime(2024, 6, 20, 15, 0)), met))
    assert one["discharge"] == (0, "stay_cap") and two["discharge"] == (600, "(Ⅰ)ロ")


# --- 緊急時等居宅カンファレンス加算 --------------------------------------------------------------------------


def test_emergency_conference_needs_the_hospital_or_clinic_doctor_or_nurse() -> None:
    """A conference with a visiting-nurse station alone does not qualify; with the clinic's doctor it does.

    Source: 告示第20号 別表 チ — 病院又は診療所の求めにより、当該病院又は診療所の医師又は看護師等と共に (secondary).
    """
    at = datetime(2024, 9, 3, 14, 0)
    event = Event(kind="home_conference", at=at)
    nurse = Contact(at=at, to_party="visiting_nurse", conference=True)
    doctor = Contact(at=at, to_party="clinic", conference=True)
    assert verdicts((event, [nurse]))[0]["emergency_conference"] == (0, "no_contact")
    assert verdicts((event, [nurse, doctor]))[0]["emergency_conference"] == (200, None)


# --- before the earliest modelled revision -----------------------------------------------------------------


def test_before_fy2018_the_answer_is_not_modelled_where_the_addon_existed() -> None:
    """入院時情報連携加算 and 退院・退所加算 existed before FY2018 (created FY2009) and 緊急時等居宅カンファレンス加算
    from FY2012: before the earliest modelled revision the engine says ``not_modelled`` with that revision's
    first day, never "no such add-on". ターミナルケアマネジメント加算 (FY2018) and 通院時情報連携加算 (FY2021) did not
    exist before their creation: ``not_in_force``.

    Sources: national_rules.toml, clauses deciding ``in_force`` (status secondary).
    """
    for kind, day, expected in [
        ("admission", datetime(2016, 5, 10, 10, 0), {"admission_1": "not_modelled", "admission_2": "not_modelled"}),
        ("discharge", datetime(2016, 5, 10, 10, 0), {"discharge": "not_modelled"}),
        ("home_conference", datetime(2013, 5, 10, 10, 0), {"emergency_conference": "not_modelled"}),
        ("home_conference", datetime(2011, 5, 10, 10, 0), {"emergency_conference": "not_in_force"}),
        ("death", datetime(2016, 5, 10, 10, 0), {"terminal_care": "not_in_force"}),
        ("outpatient_visit", datetime(2020, 5, 10, 10, 0), {"outpatient": "not_in_force"}),
    ]:
        verdict = evaluate(Event(kind=kind, at=day), calendar=OFFICE)
        assert {a.addon_id: a.reason.value for a in verdict.addons if a.reason} == expected
        for a in verdict.addons:
            assert a.modelled_from == (date(2018, 4, 1) if a.reason is Reason.NOT_MODELLED else None)
        assert verdicts((Event(kind=kind, at=day), []))  # and the batch says the same


# --- #13: batch == scalar on the edge classes -----------------------------------------------------------------


def test_an_offset_timestamp_is_japanese_wall_time_in_both_paths() -> None:
    """``2024-06-14T19:00+09:00`` is 19:00 in Japan: after hours in both paths; ``10:00Z`` is 19:00 too."""
    for text in ("2024-06-14T19:00+09:00", "2024-06-14T10:00Z", "2024-06-14T10:00+00:00"):
        event = Event.model_validate({"kind": "admission", "at": text})
        assert event.at == datetime(2024, 6, 14, 19, 0) and event.at.tzinfo is None
        assert evaluate(event, calendar=OFFICE).after_hours
        result = evaluate_batch({"kind": ["admission"], "at": [text]}, calendar=OFFICE)
        assert bool(result["after_hours"][0])
        assert str(result["admission_1.window_end"][0]) == "2024-06-15"


def test_days_far_outside_the_calendar_are_a_range_error_in_both_paths() -> None:
    event = Event(kind="discharge", at=datetime(2024, 6, 20, 11, 0))
    ancient = Contact(at=datetime(1650, 6, 10, 10, 0), to_party="hospital", means="in_person")
    with pytest.raises(CalendarRangeError, match="contacts and stays must lie between"):
        evaluate(event, [ancient], calendar=OFFICE)
    columns = {"kind": ["discharge"], "at": ["2024-06-20T11:00"]}
    contacts = {"event": [0], "at": ["1650-06-10T10:00"], "to_party": ["hospital"], "means": ["in_person"]}
    with pytest.raises(CalendarRangeError, match="contacts and stays must lie between"):
        evaluate_batch(columns, contacts, calendar=OFFICE)
    for at in (datetime(1650, 1, 1), datetime(2051, 12, 30)):
        with pytest.raises(CalendarRangeError, match="events must lie between"):
            evaluate(Event(kind="admission", at=at), calendar=OFFICE)
        with pytest.raises(CalendarRangeError, match="events must lie between"):
            evaluate_batch({"kind": ["admission"], "at": [at.isoformat()]}, calendar=OFFICE)


def test_conference_text_is_read_strictly_in_both_paths() -> None:
    at = "2024-06-10T10:00"
    for text, expected in (("false", "(Ⅰ)イ"), ("0", "(Ⅰ)イ"), ("true", "(Ⅰ)ロ"), ("はい", "(Ⅰ)ロ")):
        contact = Contact.model_validate({"at": at, "to_party": "hospital", "means": "in_person", "conference": text})
        assert evaluate(stay(), [contact], calendar=OFFICE).addons[0].tier == expected
        columns = {"kind": ["discharge"], "at": ["2024-06-20T11:00"], "admitted_at": ["2024-06-01T10:00"]}
        contacts = {"event": [0], "at": [at], "to_party": ["hospital"], "means": ["in_person"], "conference": [text]}
        assert evaluate_batch(columns, contacts, calendar=OFFICE)["discharge.tier"][0] == expected
    with pytest.raises(ValueError, match="yes/no"):
        Contact.model_validate({"at": at, "to_party": "hospital", "conference": "maybe"})
    with pytest.raises(InputError, match="column 'conference': expected a yes/no value") as caught:
        evaluate_batch(
            {"kind": ["discharge"], "at": ["2024-06-20T11:00"]},
            {"event": [0], "at": [at], "to_party": ["hospital"], "conference": ["maybe"]},
        )
    assert caught.value.describe("ja").startswith("入力値が正しくありません: 列 'conference': はい・いいえを表す値（")
    assert "maybe" not in caught.value.describe("ja")


def test_a_calendar_without_open_days_raises_the_same_error_in_both_paths() -> None:
    never = BusinessCalendar.build(closed_weekdays=range(7))
    options = HandoffOptions(extension_unit="business_day")
    event = Event(kind="admission", at=datetime(2024, 6, 14, 19, 0))
    with pytest.raises(CalendarRangeError, match="no business day after 2024-06-15") as scalar:
        evaluate(event, calendar=never, options=options)
    with pytest.raises(CalendarRangeError) as batch:
        evaluate_batch({"kind": ["admission"], "at": ["2024-06-14T19:00"]}, calendar=never, options=options)
    assert str(batch.value) == str(scalar.value)


# --- the rules data ----------------------------------------------------------------------------------------


def test_every_revision_has_sourced_clauses() -> None:
    docs = documents()
    for addon in national_addons():
        assert addon.clauses_for(None, ("in_force",)), addon.id
        for revision in addon.revisions:
            clauses = addon.clauses + revision.clauses
            assert clauses, (addon.id, revision.effective_from)
            for clause in clauses:
                assert clause.status in STATUSES and set(clause.decides) <= set(ASPECTS)
                assert clause.source.id in docs and clause.text and clause.text_en
                if clause.status == "secondary":
                    assert clause.seen_at.startswith("http"), clause.text
    assert office_addons()[0].revision(date(2024, 4, 1)).thresholds[1].at_least == 15  # type: ignore[union-attr]


def test_readings_round_trip_and_refuse_unknowns() -> None:
    options = HandoffOptions.from_readings(["extension_unit=business_day", "unrecorded_means_counts=true"])
    assert options.extension_unit == "business_day" and options.unrecorded_means_counts
    assert HandoffOptions.from_readings(options.as_readings()) == options
    assert set(HandoffOptions().as_readings()) == set(READINGS)
    with pytest.raises(InputError, match="unknown reading"):
        HandoffOptions.from_readings(["no_such=1"])
    with pytest.raises(InputError, match="takes"):
        HandoffOptions.from_readings({"extension_unit": "weekday"})


def test_the_office_summary_counts_by_claim_month_march_to_february() -> None:
    """特定事業所医療介護連携加算: counts of 前々年度の3月から前年度の2月 for a fiscal year's claims; a discharge
    counts in the month its service use starts, with its tier's contacts ((Ⅱ)ロ: 2).

    Source: 厚生労働大臣が定める基準（平成27年厚生労働省告示第95号）第84号の2 (status secondary); counting a claim
    by its tier is the engine's reading (status reading).
    """
    from zaitaku_core.handoff.summary import office_summary

    late_feb = Event(subject="u1", kind="discharge", at=datetime(2024, 2, 26, 11, 0), service_start=date(2024, 3, 1))
    february = Event(subject="u2", kind="discharge", at=datetime(2024, 2, 20, 11, 0))
    met = [to_hospital(datetime(2024, 2, 19, 10, 0), means="in_person")]
    conference = [*met, to_hospital(datetime(2024, 2, 20, 9, 0), means="video", conference=True)]
    from zaitaku_core.testing.handoff import batch_columns

    columns, contacts = batch_columns([late_feb, february], [conference, met])
    result = evaluate_batch(columns, contacts, calendar=OFFICE)
    assert result["discharge.claim_month"].tolist() == ["2024-03", ""]
    years = {y.fiscal_year: y for y in office_summary(result, columns["at"])}
    assert years[2024].counts[0] == ("discharge", "contacts", 1, 35)  # Feb 2024: FY2024 (2023-03 … 2024-02)
    assert years[2025].counts[0] == ("discharge", "contacts", 2, 35)  # March 2024: FY2025
    assert years[2025].counts[1] == ("terminal_care", "claims", 0, 15)
    assert not years[2025].met and not years[2025].complete


def test_a_bad_reading_reads_in_japanese_and_in_english() -> None:
    with pytest.raises(InputError) as caught:
        HandoffOptions.from_readings(["extension_unit=business_days"])
    japanese, english = caught.value.describe("ja"), caught.value.describe("en")
    assert japanese.startswith("入力値が正しくありません: 解釈 extension_unit には ")
    assert "のいずれかを指定してください（'business_day' のことですか）" in japanese and " or " not in japanese
    assert english.startswith("reading extension_unit takes ") and english.endswith(" (did you mean 'business_day'?)")
    assert str(caught.value).startswith(english)
    with pytest.raises(InputError) as caught:
        HandoffOptions.from_readings(["extension_unit"])
    assert caught.value.describe("ja").startswith("入力値が正しくありません: 解釈は 名前=値 の形で書いてください。")
