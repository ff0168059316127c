"""Hypothesis strategies that build valid domain objects, for property-based tests of plugins and rules.

Every strategy draws only valid values (codes with correct check digits, existing era dates, consistent
item codes…), so a failing property points at the code under test, not at the data. The core's own tests
use them.

>>> from hypothesis import given
>>> @given(municipal_codes())
... def test_codes_are_valid(code):
...     assert codes.is_valid(code)
>>> test_codes_are_valid()
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import strategies as st

from zaitaku_core import codes
from zaitaku_core.calendar import FiscalYear, PlanPeriod
from zaitaku_core.framework import ActorKind, CareScene, NewItem, OldItem, ToolKind
from zaitaku_core.model import (
    Basis,
    Body,
    BodyKind,
    City,
    Indicator,
    IndicatorValue,
    MemberRole,
    OfficeCalendarSpec,
    PeriodProgram,
    Program,
    Provenance,
    SceneTag,
    StaffKind,
    Tool,
    ValueKind,
    ValueStatus,
)

__all__ = [
    "bodies",
    "cities",
    "contact_logs",
    "era_strings",
    "fiscal_years",
    "handoff_events",
    "identifiers",
    "indicators",
    "municipal_codes",
    "office_calendar_specs",
    "period_programs",
    "plan_periods",
    "programs",
    "provenances",
    "scene_tags",
    "tools",
]


def municipal_codes() -> st.SearchStrategy[str]:
    """Six-digit 全国地方公共団体コード with a correct check digit."""
    return st.builds(lambda p, m: f"{p:02d}{m:03d}", st.integers(1, 47), st.integers(0, 999)).map(
        lambda five: five + codes.calc_check_digit(five)
    )


def fiscal_years(min_year: int = 2000, max_year: int = 2050) -> st.SearchStrategy[FiscalYear]:
    """Fiscal years (April–March) from ``min_year`` to ``max_year``."""
    return st.integers(min_year, max_year).map(FiscalYear)


def plan_periods(max_number: int = 17) -> st.SearchStrategy[PlanPeriod]:
    """Plan periods 第1期 … 第``max_number``期."""
    return st.integers(1, max_number).map(PlanPeriod)


def era_strings(min_year: int = 1990, max_year: int = 2050) -> st.SearchStrategy[tuple[str, int]]:
    """``(text, fiscal year)`` pairs in every spelling :func:`~zaitaku_core.calendar.parse_fiscal_year` reads:
    令和6年度, R6, R6年度, r6, 令和元年度, 平成31年度, FY2024, 2024年度, full-width digits."""

    def spell(year: int, style: int, wide: bool) -> tuple[str, int]:
        label = FiscalYear(year).label()  # 令和6年度 / 令和元年度
        era_name, rest = label[:2], label[2:-2]
        number = 1 if rest == "元" else int(rest)
        letter = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}[era_name]
        texts = [
            label,
            f"{letter}{number}",
            f"{letter}{number}年度",
            f"{letter.lower()}{number}",
            f"FY{year}",
            f"{year}年度",
            str(year),
        ]
        if year == 2019:
            texts.append("平成31年度")
        text = texts[style % len(texts)]
        if wide:
            text = text.translate(str.maketrans("0123456789RHSTMF", "０１２３４５６７８９ＲＨＳＴＭＦ"))
        return text, year

    return st.builds(spell, st.integers(min_year, max_year), st.integers(0, 7), st.booleans())


def identifiers(prefix: str = "x") -> st.SearchStrategy[str]:
    """Stable identifiers (lower-case ASCII) starting with ``prefix``."""
    return st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True).map(lambda s: f"{prefix}-{s}")


_TEXT = st.text(alphabet="在宅医療介護連携推進事業取組会議研修相談窓口手帳の・、。", min_size=1, max_size=20)


@st.composite
def programs(draw: st.DrawFn, fiscal_year: int = 2024, tool_ids: tuple[str, ...] = ()) -> Program:
    """Programs with consistent old/new item codes, scenes, actions and (optionally) tool references."""
    choice = draw(st.sampled_from(["old", "new", "both", "none"]))
    fields: dict[str, Any] = {"id": draw(identifiers("p")), "title": draw(_TEXT), "fiscal_year": fiscal_year}
    if choice in {"old", "both"}:
        old = draw(st.sampled_from(list(OldItem)))
        fields["old_item"] = old
        if choice == "both" and old.new_item is not None:
            fields["new_item"] = old.new_item
        if old is OldItem.KU:
            fields["phase"] = "イ"
    elif choice == "new":
        fields["new_item"] = draw(st.sampled_from(list(NewItem)))
    fields["scenes"] = draw(st.lists(scene_tags(), unique_by=lambda tag: tag.scene, max_size=4))
    fields["actions"] = draw(
        st.lists(
            st.builds(lambda owner, text: {"role": "city", "owners": [owner], "text": text}, _TEXT, _TEXT), max_size=2
        )
    )
    if tool_ids:
        fields["tools"] = draw(st.lists(st.sampled_from(tool_ids), unique=True, max_size=3))
    fields["frequency"] = draw(st.sampled_from([None, "年1回", "年4回", "月2回", "通年", "随時"]))
    return Program.model_validate(fields)


_SOURCE = st.builds(
    lambda title, page: {"title": title, "page": page}, _TEXT, st.one_of(st.none(), st.integers(1, 300).map(str))
)


@st.composite
def provenances(draw: st.DrawFn, explained: bool = True) -> Provenance:
    """Provenance of a fact: stated (with a source or not) or inferred; with ``explained``, an inference
    always gives a reason (as the conformance suite asks)."""
    basis = draw(st.sampled_from(list(Basis)))
    reason = draw(_TEXT) if basis is Basis.INFERRED and explained else draw(st.one_of(st.none(), _TEXT))
    return Provenance(basis=basis, reason=reason, source=draw(st.one_of(st.none(), _SOURCE)))


@st.composite
def scene_tags(draw: st.DrawFn, explained: bool = True) -> SceneTag:
    """Scene tags with their provenance (see :func:`provenances`)."""
    provenance = draw(provenances(explained))
    return SceneTag(scene=draw(st.sampled_from(list(CareScene))), **dict(provenance))


@st.composite
def period_programs(draw: st.DrawFn, period: int = 9) -> PeriodProgram:
    """Programs stated once for 第``period``期 (or a span of it), with per-year overrides of the target,
    frequency or new passages."""
    first = PlanPeriod(period).first.year
    span = draw(st.sampled_from([None, (first, first + 1), (first + 1, first + 2), (first, first + 1, first + 2)]))
    years = draw(st.lists(st.sampled_from(span or (first, first + 1, first + 2)), unique=True, max_size=3))
    overrides = []
    for year in years:
        override: dict[str, Any] = {"fiscal_year": year}
        if draw(st.booleans()):
            override["target"] = draw(_TEXT)
        if draw(st.booleans()):
            override["frequency"] = draw(st.sampled_from(["年1回", "年2回", "通年"]))
        if draw(st.booleans()):
            override["new_passages"] = [draw(_TEXT)]
        overrides.append(override)
    fields: dict[str, Any] = {
        "id": draw(identifiers("pp")),
        "title": draw(_TEXT),
        "new_item": draw(st.sampled_from(list(NewItem))),
        "number": draw(st.one_of(st.none(), st.integers(1, 9).map(str))),
        "overview": draw(st.one_of(st.none(), _TEXT)),
        "direction": draw(st.one_of(st.none(), _TEXT)),
        "target": draw(st.one_of(st.none(), _TEXT)),
        "scenes": draw(st.lists(scene_tags(), unique_by=lambda tag: tag.scene, max_size=4)),
        "years": overrides,
    }
    if span is None:
        fields["period"] = period
    else:
        fields["fiscal_years"] = list(span)
    return PeriodProgram.model_validate(fields)


@st.composite
def bodies(draw: st.DrawFn, ids: tuple[str, ...] = (), program_ids: tuple[str, ...] = ()) -> Body:
    """Bodies of every kind with members, founders (one or several), a contract, staff and events; the
    parent, when drawn, is one of ``ids``, and programs come from ``program_ids``."""
    organisations = st.sampled_from(
        ["市", "医師会", "歯科医師会", "薬剤師会", "訪問看護ステーション", "地域包括支援センター"]
    )
    founders = draw(st.lists(organisations, unique=True, max_size=2))
    contract = draw(st.one_of(st.none(), st.tuples(organisations, organisations).filter(lambda p: p[0] != p[1])))
    members = draw(
        st.lists(
            st.builds(
                lambda org, role, kind: {"organization": org, "role": role, "kind": kind},
                organisations,
                st.sampled_from(list(MemberRole)),
                st.one_of(st.none(), st.sampled_from(list(ActorKind))),
            ),
            max_size=4,
        )
    )
    staff = draw(
        st.lists(
            st.builds(lambda role, n: {"role": role, "count": n}, st.sampled_from(list(StaffKind)), st.integers(1, 5)),
            max_size=2,
        )
    )
    body_id = draw(identifiers("b"))
    parents = [i for i in ids if i != body_id]
    return Body.model_validate(
        {
            "id": body_id,
            "name": draw(_TEXT),
            "kind": draw(st.sampled_from(list(BodyKind))),
            "parent": draw(st.one_of(st.none(), st.sampled_from(parents))) if parents else None,
            "members": members,
            "founders": founders,
            "commissioner": contract[0] if contract else None,
            "contractor": contract[1] if contract else None,
            "staff": staff,
            "programs": draw(st.lists(st.sampled_from(program_ids), unique=True, max_size=3)) if program_ids else [],
            "events": draw(
                st.lists(
                    st.builds(lambda n, f: {"name": n, "frequency": f}, _TEXT, st.sampled_from(["年1回", "随時"])),
                    max_size=2,
                )
            ),
            "scenes": draw(st.lists(scene_tags(), unique_by=lambda tag: tag.scene, max_size=2)),
            "provenance": {"founders": draw(provenances())} if bool(founders) and draw(st.booleans()) else {},
        }
    )


@st.composite
def tools(draw: st.DrawFn) -> Tool:
    """Tools of every kind."""
    return Tool(
        id=draw(identifiers("t")),
        name=draw(_TEXT),
        kind=draw(st.sampled_from(list(ToolKind))),
        filled_by=tuple(draw(st.lists(st.sampled_from(list(ActorKind)), unique=True, max_size=2))),
    )


@st.composite
def _indicator_value(draw: st.DrawFn, fiscal_year: int) -> IndicatorValue:
    kind = draw(st.sampled_from(list(ValueKind)))
    status = ValueStatus.FINAL if kind is ValueKind.PLAN else draw(st.sampled_from(list(ValueStatus)))
    number = None if status is ValueStatus.CANCELLED else draw(st.integers(0, 500))
    as_of = None
    if status is ValueStatus.PARTIAL or (status is ValueStatus.PROVISIONAL and draw(st.booleans())):
        fy = FiscalYear(fiscal_year)
        as_of = fy.start + timedelta(days=draw(st.integers(0, (fy.end - fy.start).days)))
    return IndicatorValue(fiscal_year=fiscal_year, kind=kind, value=number, status=status, as_of=as_of)


@st.composite
def indicators(draw: st.DrawFn, fiscal_years: tuple[int, ...] = (2024, 2025, 2026)) -> Indicator:
    """Indicators with plan targets and actuals in every status (consistent with their fiscal year)."""
    values = []
    seen = set()
    for year in draw(st.lists(st.sampled_from(fiscal_years), min_size=1, max_size=len(fiscal_years), unique=True)):
        value = draw(_indicator_value(year))
        if (year, value.kind) not in seen:
            seen.add((year, value.kind))
            values.append(value)
    return Indicator(
        id=draw(identifiers("i")),
        name=draw(_TEXT),
        unit=draw(st.sampled_from(["回", "人", "件", "施設", "%"])),
        type=draw(st.sampled_from(["structure", "process", "outcome"])),
        values=tuple(values),
    )


@st.composite
def cities(draw: st.DrawFn) -> City:
    """Cities with a valid municipal code, one to three fiscal years, a general aim and scene aims of their
    own and of a plan period (some scenes left without one)."""
    code = draw(municipal_codes())
    aims = st.dictionaries(st.sampled_from([s.value for s in CareScene]), _TEXT, max_size=4)
    return City.model_validate(
        {
            "id": draw(identifiers("c")),
            "municipality": {"code": code, "name": draw(_TEXT), "prefecture": codes.prefecture_name(code)},
            "fiscal_years": draw(st.lists(st.integers(2021, 2030), min_size=1, max_size=3, unique=True)),
            "aim": draw(st.one_of(st.none(), _TEXT)),
            "scene_aims": draw(aims),
            "periods": draw(
                st.lists(
                    st.builds(
                        lambda n, a, s: {"period": n, "aim": a, "scene_aims": s}, st.integers(8, 10), _TEXT, aims
                    ),
                    unique_by=lambda p: p["period"],
                    max_size=2,
                )
            ),
        }
    )


@st.composite
def office_calendar_specs(draw: st.DrawFn) -> OfficeCalendarSpec:
    """Office calendars: closed weekdays, holiday and year-end choices, extra closed days, hours."""
    extra = draw(st.lists(st.dates(date(2017, 1, 1), date(2027, 12, 31)), max_size=10, unique=True))
    opens = draw(st.sampled_from([time(8, 30), time(8, 45), time(9, 0)]))
    closes = draw(st.sampled_from([time(17, 0), time(17, 30), time(18, 0)]))
    return OfficeCalendarSpec(
        id=draw(identifiers("cal")),
        name="事業所",
        closed_weekdays=tuple(draw(st.lists(st.integers(0, 6), unique=True, max_size=3))),
        national_holidays_closed=draw(st.booleans()),
        year_end_closed=draw(st.booleans()),
        closed_dates=tuple(extra),
        opens=opens,
        closes=closes,
    )


_EVENT_KINDS = ["admission", "discharge", "outpatient_visit", "home_conference", "death"]


@st.composite
def handoff_events(
    draw: st.DrawFn, kinds: tuple[str, ...] = tuple(_EVENT_KINDS), subjects: tuple[str, ...] = ()
) -> Any:
    """Handoff events (FY2011–FY2026, mostly FY2017 on; minute precision; opaque subject ids, drawn from
    ``subjects`` when given so that monthly caps bite) of the given kinds. Discharges come with or without
    the admission, the place of stay (hospital … 介護保険施設), the service start and 初回加算."""
    from zaitaku_core.handoff import Event
    from zaitaku_core.handoff.model import STAY_PLACES

    early = st.datetimes(datetime(2011, 4, 1), datetime(2018, 3, 31, 23, 59))
    late = st.datetimes(datetime(2017, 4, 1), datetime(2027, 3, 31, 23, 59))
    moment = draw(st.one_of(late, late, late, early)).replace(second=0, microsecond=0)
    kind = draw(st.sampled_from(kinds))
    extra: dict[str, Any] = {}
    if kind == "discharge":
        if draw(st.booleans()):
            extra["admitted_at"] = moment - timedelta(days=draw(st.integers(0, 60)), minutes=draw(st.integers(0, 600)))
        extra["stay_in"] = draw(st.sampled_from([None, *STAY_PLACES]))
        if draw(st.booleans()):
            extra["service_start"] = moment.date() + timedelta(days=draw(st.integers(0, 40)))
        extra["initial_addon"] = draw(st.booleans())
    subject = draw(st.sampled_from(subjects) if subjects else identifiers("s"))
    return Event(subject=subject, kind=kind, at=moment, **extra)


@st.composite
def contact_logs(draw: st.DrawFn, event: Any, max_size: int = 6) -> list[Any]:
    """Contacts around ``event`` (−20 … +10 days, mostly near it), with parties, means and conferences of
    every kind."""
    from zaitaku_core.handoff import Contact, ContactMeans

    parties = [
        "hospital",
        "hospital_liaison",
        "clinic",
        "home_doctor",
        "dental_clinic",
        "visiting_nurse",
        "community_nursing_home",
        "ltc_facility",
        "user",
    ]
    means = [*ContactMeans, ContactMeans.IN_PERSON, ContactMeans.HOME_VISIT, ContactMeans.CONFERENCE]
    # Days are drawn near the event more often than far from it, so windows (and the 7 days after a
    # discharge) are hit and missed alike.
    days = st.one_of(st.integers(0, 2), st.integers(-15, 1), st.integers(-20, 10), st.integers(5, 9))
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        offset = timedelta(days=draw(days), minutes=draw(st.integers(-720, 720)))
        out.append(
            Contact(
                at=(event.at + offset).replace(second=0, microsecond=0),
                from_party=draw(
                    st.sampled_from(["care_manager", "care_manager", "care_manager", "hospital", "ltc_facility"])
                ),
                to_party=draw(st.sampled_from(parties)),
                means=draw(st.sampled_from(means)),
                conference=draw(st.booleans()),
            )
        )
    return out
