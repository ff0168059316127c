"""Evaluate one event: its windows, the obligations of national and city rules, and the billing verdict.

The national rules (:func:`~zaitaku_core.handoff.rules.national_addons`) decide the windows and what can
be claimed; a city's :class:`~zaitaku_core.model.HandoffRule` objects say who contacts whom with which form.
Where the two layers pull apart the verdict carries a finding (``HC001``, ``HC002``) instead of hiding it.
Readings the sources leave open are the fields of :class:`HandoffOptions`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Literal

import attrs

from zaitaku_core.calendar.business import FIRST_DAY, LAST_DAY, BusinessCalendar
from zaitaku_core.errors import CalendarRangeError, InputError
from zaitaku_core.framework import ActorKind, CareScene, EventKind
from zaitaku_core.handoff.model import (
    WINDOW_SETTERS,
    AddonVerdict,
    Contact,
    ContactMeans,
    Event,
    Obligation,
    Reason,
    Verdict,
    Window,
    japan_wall_time,
    parse_flag,
)
from zaitaku_core.handoff.rules import Addon, Revision, RuleWindow, national_addons
from zaitaku_core.i18n import N_, ByLanguage
from zaitaku_core.model import DeadlineKind, Finding, HandoffRule, RuleBasis, Severity, Tool, WhoContacts

__all__ = [
    "CONFLICT_CODES",
    "EVENT_RANGE",
    "READINGS",
    "HandoffOptions",
    "apply_monthly_caps",
    "check_contact_day",
    "check_event_day",
    "evaluate",
    "windows",
]

#: The findings a verdict may carry where a city rule and the national rules pull apart:
#: code -> (severity, title in Japanese, title in English).
CONFLICT_CODES: dict[str, tuple[Severity, str, str]] = {
    "HC001": (
        Severity.WARNING,
        "市のルールの期限が加算の期限より遅い",
        "A city rule's deadline is later than an add-on's window",
    ),
    "HC002": (
        Severity.INFO,
        "市のルールではケアマネジャーから連絡しないが、加算はケアマネジャーからの連携を要件とする",
        "A city rule has the other party contact; the add-ons need the care manager's own contact",
    ),
}

_ONE_DAY = timedelta(days=1)
_BASE = FIRST_DAY.toordinal()

#: The care scene of the national add-ons of each event kind.
SCENE_OF_EVENT = {
    EventKind.ADMISSION: CareScene.ADMISSION_DISCHARGE,
    EventKind.DISCHARGE: CareScene.ADMISSION_DISCHARGE,
    EventKind.SUDDEN_CHANGE: CareScene.EMERGENCY,
    EventKind.HOME_CONFERENCE: CareScene.EMERGENCY,
    EventKind.DEATH: CareScene.END_OF_LIFE,
    EventKind.OUTPATIENT_VISIT: CareScene.DAILY_SUPPORT,
    EventKind.CARE_PLAN_CHANGE: CareScene.DAILY_SUPPORT,
    EventKind.EQUIPMENT_APPLICATION: CareScene.DAILY_SUPPORT,
}


#: The readings a user may choose (``--reading NAME=VALUE``): name -> (values, the default first; Japanese
#: and English descriptions). Each is a field of :class:`HandoffOptions`.
READINGS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "after_hours_includes_closed_day": (
        ("true", "false"),
        "入院時情報連携加算(Ⅱ)の延長（営業時間終了後に入院し3日目が営業日でない）で、休業日の入院も営業時間終了後とみなす",
        "for (Ⅱ)'s extension, an admission on a closed day counts as after office hours (the FY2024 text "
        "names 営業時間終了後 only)",
    ),
    "extension_unit": (
        ("calendar_day", "business_day"),
        "令和6年度の延長「翌日」を暦日（Q&Aの例）と読むか、事業所の次の営業日と読むか",
        "'the next day' of the FY2024 extensions: the next calendar day (the Q&A's examples) or the office's "
        "next business day",
    ),
    "day_count_start": (
        ("event_day", "next_day"),
        "「N日以内」（令和6年3月までの入院時情報連携加算、退院後7日以内）の1日目を事象の日とするか翌日とするか",
        "day 1 of 'within N days' (the admission add-on before FY2024, the 7 days after discharge): the event "
        "day or the day after",
    ),
    "unrecorded_means_counts": (
        ("false", "true"),
        "面談が要件の加算で、方法の記録がない連携を面談とみなす",
        "where a 面談 (interview) is required, a contact whose means is not recorded counts as one",
    ),
    "discharge_window_starts_at_admission": (
        ("true", "false"),
        "退院・退所加算で、入院日（admitted_at）より前の連携を数えない",
        "for the discharge add-on, contacts before the admission (admitted_at) do not count",
    ),
    "office_has_24h_contact_system": (
        ("true", "false"),
        "事業所にターミナルケアマネジメント加算の24時間連絡体制がある",
        "the office has the 24-hour contact system ターミナルケアマネジメント加算 requires",
    ),
}


@attrs.frozen
class HandoffOptions:
    """Readings of the rules that the sources leave open (marked [check] in the domain notes).

    Each field is a reading of ``READINGS`` (in this module), chosen on the command line with
    ``--reading NAME=VALUE`` (:meth:`from_readings`).

    Attributes:
        after_hours_includes_closed_day: For (Ⅱ)'s extension ("admitted after office hours and the third
            day is not a business day"), an admission on a day the office is closed counts as after hours
            (the office has no hours that day). Default ``True``. (Ⅰ)'s extension names closed days itself.
        extension_unit: "The next day" / "the day after that" in the FY2024 extensions read as the next
            calendar day (``"calendar_day"``, default, the wording of the ministry's Q&A) or the next
            business day of the office (``"business_day"``). With ``"business_day"`` and
            ``after_hours_includes_closed_day=False``, an admission on a closed day before a long closure
            can give (Ⅰ) a later end than (Ⅱ) (2024-05-03: (Ⅰ) to 05-07, (Ⅱ) to 05-05); the other
            readings keep (Ⅰ) ending no later than (Ⅱ).
        day_count_start: Day 1 of "within N days" where the text does not fix it (the admission add-on
            before FY2024, "退院後7日以内"): the event day (``"event_day"``, default, as the FY2024 Q&A
            counts) or the day after (``"next_day"``: every such window is one day longer).
        unrecorded_means_counts: Where a 面談 is required (退院・退所加算, 通院時情報連携加算), a contact whose
            means is not recorded counts as one (default ``False``: a record must say 面談, video call
            or conference).
        discharge_window_starts_at_admission: Contacts count for 退院・退所加算 only from the admission
            of the stay when the event gives ``admitted_at`` (default ``True``).
        office_has_24h_contact_system: The office has the 24-hour contact system that
            ターミナルケアマネジメント加算 requires (default ``True``; set ``False`` if it has not).
    """

    after_hours_includes_closed_day: bool = True
    extension_unit: Literal["calendar_day", "business_day"] = "calendar_day"
    discharge_window_starts_at_admission: bool = True
    office_has_24h_contact_system: bool = True
    day_count_start: Literal["event_day", "next_day"] = "event_day"
    unrecorded_means_counts: bool = False
    #: The options as a plain tuple (hashed in C on the per-event path).
    key: tuple[Any, ...] = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(
            lambda self: (
                self.after_hours_includes_closed_day,
                self.extension_unit,
                self.discharge_window_starts_at_admission,
                self.office_has_24h_contact_system,
                self.day_count_start,
                self.unrecorded_means_counts,
            ),
            takes_self=True,
        ),
    )

    @classmethod
    def from_readings(cls, readings: Mapping[str, str] | Iterable[str]) -> HandoffOptions:
        """Options from ``{name: value}`` or ``"name=value"`` texts (the values of ``READINGS``).

        Raises:
            InputError: an unknown name or a value the reading does not list.
        """
        pairs: list[tuple[str, str]] = []
        if isinstance(readings, Mapping):
            pairs = [(str(k), str(v)) for k, v in readings.items()]
        else:
            for text in readings:
                name, sep, value = text.partition("=")
                if not sep:
                    raise InputError(
                        N_("write a reading as NAME=VALUE; readings: {readings}"),
                        values={"readings": ", ".join(READINGS)},
                    )
                pairs.append((name.strip(), value.strip()))
        values: dict[str, Any] = {}
        for name, value in pairs:
            if name not in READINGS:
                raise InputError(
                    N_("unknown reading {name!r}{hint}; readings: {readings}"),
                    values={"name": name, "hint": _did_you_mean(name, READINGS), "readings": ", ".join(READINGS)},
                )
            choices = READINGS[name][0]
            if value not in choices:
                raise InputError(
                    N_("reading {name} takes {choices}{hint}"),
                    values={
                        "name": name,
                        "choices": ByLanguage("、".join(choices), " or ".join(choices)),
                        "hint": _did_you_mean(value, choices),
                    },
                )
            values[name] = parse_flag(value) if choices[0] in ("true", "false") else value
        return cls(**values)

    def as_readings(self) -> dict[str, str]:
        """The options as ``{name: value}`` texts (what :meth:`from_readings` reads)."""
        out = {}
        for name in READINGS:
            value = getattr(self, name)
            out[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return out


DEFAULT_OPTIONS = HandoffOptions()


def _did_you_mean(given: str, known: Iterable[str]) -> ByLanguage:
    """``" (did you mean 'x'?)"`` (and its Japanese) for the closest of ``known`` to a mistyped ``given``,
    else empty texts."""
    from difflib import get_close_matches

    close = get_close_matches(given.casefold(), list(known), n=1, cutoff=0.6)
    if not close:
        return ByLanguage("", "")
    return ByLanguage(f"（{close[0]!r} のことですか）", f" (did you mean {close[0]!r}?)")


#: How far (in days) a window may reach from its event day; events must lie this far inside the calendar's
#: day table (checked by a test against the rules data).
WINDOW_REACH = 21
#: The days an event may fall on, and a contact: the calendar's table, less the reach for events.
EVENT_RANGE = (FIRST_DAY + timedelta(days=WINDOW_REACH), LAST_DAY - timedelta(days=WINDOW_REACH))


def check_event_day(day: date) -> None:
    """Refuse an event day whose windows would leave the calendar's table.

    Raises:
        CalendarRangeError: ``day`` lies outside :data:`EVENT_RANGE`.
    """
    if not EVENT_RANGE[0] <= day <= EVENT_RANGE[1]:
        raise CalendarRangeError(
            N_("events must lie between {first} and {last}"), values={"first": EVENT_RANGE[0], "last": EVENT_RANGE[1]}
        )


def check_contact_day(day: date) -> None:
    """Refuse a contact (or admission, or service start) day outside the calendar's table.

    Raises:
        CalendarRangeError: ``day`` lies outside ``FIRST_DAY`` … ``LAST_DAY``.
    """
    if not FIRST_DAY <= day <= LAST_DAY:
        raise CalendarRangeError(
            N_("contacts and stays must lie between {first} and {last}"), values={"first": FIRST_DAY, "last": LAST_DAY}
        )


def window_days(spec: RuleWindow, options: HandoffOptions) -> tuple[int, int]:
    """(first day, last day) of ``spec`` under ``options`` (the event day is day 1)."""
    if spec.count_reading and options.day_count_start == "next_day":
        return (spec.first_day + 1 if spec.first_day > 1 else spec.first_day), spec.last_day + 1
    return spec.first_day, spec.last_day


def _late(moment: datetime, calendar: BusinessCalendar) -> tuple[bool, bool]:
    """(after closing on a business day, on a closed day) for ``moment``."""
    closed = not calendar.is_business_day(moment.date())
    return (not closed and moment.time() >= calendar.closes), closed


def _rule_window(spec: RuleWindow, moment: datetime, calendar: BusinessCalendar, options: HandoffOptions) -> Window:
    day = moment.date()
    first_day, last_day = window_days(spec, options)
    end = day + timedelta(days=last_day - 1)
    start = None if spec.before_event else day + timedelta(days=first_day - 1)
    extended = False
    if spec.extend is not None:
        after_closing, closed_day = _late(moment, calendar)
        if spec.extend.when == "after_hours":
            extended = after_closing or closed_day
        elif spec.extend.when == "after_hours_last_day_closed":
            late = after_closing or (closed_day and options.after_hours_includes_closed_day)
            extended = late and not calendar.is_business_day(end)
        else:  # pragma: no cover - the data file is checked by the tests
            raise ValueError(f"unknown window extension {spec.extend.when!r}")
        if extended:
            for _ in range(spec.extend.days):
                end = end + _ONE_DAY
                if options.extension_unit == "business_day":
                    end = calendar.next_business_day(end)
    return Window(start=start, end=end, extended=extended)


def windows(
    kind: EventKind | str,
    at: datetime,
    calendar: BusinessCalendar | None = None,
    options: HandoffOptions = DEFAULT_OPTIONS,
) -> tuple[tuple[str, Window], ...]:
    """The window of every national add-on in force for an event of ``kind`` at ``at``.

    This is the engine's per-event hot path. The windows depend only on the event's kind, its day and
    whether it came after closing time, so they are memoised on the calendar: a call costs a date
    ordinal and a dictionary lookup once the day has been seen. The memo has no size limit: ~300 bytes a
    key (kind, day, after closing or not, reading), ~13 MB for every day of ten fiscal years in all six
    kinds on both sides of closing time. A long-running service that sees days without end can free it
    with ``calendar.memo.clear()``; the next call on a day answers it again.

    >>> [(a, w.end.isoformat()) for a, w in windows("admission", datetime(2025, 1, 3, 19, 10))]
    [('admission_1', '2025-01-04'), ('admission_2', '2025-01-06')]
    """
    if calendar is None:
        calendar = BusinessCalendar.government()
    if at.tzinfo is not None:
        at = japan_wall_time(at)
    # The kind as given: a code or label string hashes in C; an EventKind member (equal to its code, but
    # hashed apart) simply gets its own entries.
    late = at.hour * 60 + at.minute >= calendar.closes_minute
    ordinal = at.toordinal()
    memo = calendar.memo
    options_key = options.key
    key = (kind, ordinal, late, options_key)
    found: tuple[tuple[str, Window], ...] | None = memo.get(key)
    if found is None:
        # The kind's plan under these readings, kept in the memo beside the answers (a three-item key, apart
        # from theirs) so that a new key costs one more dictionary lookup, not a call into the calendar; a
        # cleared memo fetches it again from the calendar's derived tables.
        plan: _KindWindows | None = memo.get((_PLAN, kind, options_key))
        if plan is None:
            plan = memo[(_PLAN, kind, options_key)] = calendar.derived(
                ("handoff.windows", kind, options_key), _KindWindows, kind, calendar, options
            )
        found = memo[key] = plan.answer(ordinal, late, at)
    return found


#: The tag of the memo entries that hold a kind's :class:`_KindWindows` (not an answer).
_PLAN = object()

_new_object = object.__new__
_set_start, _set_end, _set_extended = WINDOW_SETTERS


@cache
def _dates() -> list[date]:
    """Every day of the calendars' table as a ``date``, indexed by ``ordinal - FIRST_DAY.toordinal()``:
    calendar structure shared by every calendar (as the table's span is), built once (~3 ms, ~19,000
    days), so that a window's days are list lookups rather than ``date.fromordinal`` calls."""
    return [date.fromordinal(ordinal) for ordinal in range(_BASE, LAST_DAY.toordinal() + 1)]


class _KindWindows:
    """The windows of an event kind's add-ons under one reading, answered for any event key from the
    calendar's day lists: a few integer sums and list lookups, no loop over days (the per-event path's
    counterpart of the batch's window tables; both are checked against :func:`_rule_window`).

    The revisions are grouped into periods: between two consecutive revision boundaries the same rule of
    each add-on is in force, so an event finds its rules with one ``bisect`` over the boundaries.
    """

    __slots__ = (
        "_calendar",
        "_closed",
        "_dates",
        "_first",
        "_last",
        "_next_open",
        "_options",
        "_periods",
        "_starts",
    )

    def __init__(self, kind: EventKind | str, calendar: BusinessCalendar, options: HandoffOptions) -> None:
        self._calendar, self._options = calendar, options
        self._closed, self._next_open = calendar.day_lists()
        self._dates = _dates()
        self._first, self._last = EVENT_RANGE[0].toordinal(), EVENT_RANGE[1].toordinal()
        business = options.extension_unit == "business_day"
        closed_is_late = options.after_hours_includes_closed_day
        # Per add-on revision: the add-on, start offset (None: open), end offset, extension (0 none, 1 after
        # hours, 2 after hours and the last day closed), its days, whether they are business days, whether a
        # closed day counts as after hours for it, the revision's window.
        addons = _addons_for(EventKind.parse(kind))
        rules: dict[int, _Rule] = {}
        for addon in addons:
            for revision in addon.revisions:
                spec = revision.window
                first_day, last_day = window_days(spec, options)
                when = spec.extend.when if spec.extend else ""
                rules[id(revision)] = (
                    addon.id,
                    None if spec.before_event else first_day - 1,
                    last_day - 1,
                    {"": 0, "after_hours": 1}.get(when, 2),
                    spec.extend.days if spec.extend else 0,
                    business,
                    closed_is_late,
                    spec,
                )
        self._starts, periods = _revision_periods(EventKind.parse(kind))
        self._periods: list[tuple[_Rule, ...]] = [
            tuple(rules[id(revision)] for revision in revisions if revision is not None) for revisions in periods
        ]

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the shared list of days (a calendar sent to a worker stays small)."""
        return {name: getattr(self, name) for name in self.__slots__ if name != "_dates"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        self._dates = _dates()

    def answer(self, ordinal: int, late: bool, at: datetime) -> tuple[tuple[str, Window], ...]:
        """The windows for an event on day ``ordinal``, after closing time or not (``at`` names it in errors)."""
        if not self._first <= ordinal <= self._last:
            check_event_day(at.date())
        closed, dates = self._closed, self._dates
        day = ordinal - _BASE
        closed_day = closed[day]
        after_closing = late and not closed_day
        out = []
        for addon_id, start_offset, end_offset, when, days, business, closed_is_late, spec in self._periods[
            bisect_right(self._starts, ordinal) - 1
        ]:
            end = day + end_offset
            extended = False
            if when == 1:
                extended = after_closing or closed_day
            elif when == 2:
                extended = (after_closing or (closed_day and closed_is_late)) and closed[end]
            if extended:
                for _ in range(days):
                    end += 1
                    if business:
                        found = self._next_open[end] if end < len(closed) else len(closed)
                        if found >= len(closed):  # as BusinessCalendar.next_business_day says it
                            _rule_window(spec, at, self._calendar, self._options)
                        end = found
            window = _new_object(Window)
            _set_start(window, None if start_offset is None else dates[day + start_offset])
            _set_end(window, dates[end])
            _set_extended(window, extended)
            out.append((addon_id, window))
        return tuple(out)


#: One add-on's revision as ``_KindWindows`` reads it (see there).
_Rule = tuple[str, int | None, int, int, int, bool, bool, RuleWindow]


@cache
def _addons_for(kind: EventKind) -> tuple[Addon, ...]:
    return tuple(addon for addon in national_addons() if addon.event is kind)


@cache
def _revision_periods(kind: EventKind) -> tuple[list[int], list[tuple[Revision | None, ...]]]:
    """The revision in force of each add-on of ``kind`` (in ``_addons_for``'s order; None: none), by period.

    From each boundary (a revision's first day, or the day after its last) to the next the same revisions
    are in force: the periods' first days as ordinals, and their revisions. An event on day ``ordinal``
    falls in period ``bisect_right(starts, ordinal) - 1``.
    """
    addons = _addons_for(kind)
    bounds = {1}
    for addon in addons:
        for revision in addon.revisions:
            bounds.add(revision.effective_from.toordinal())
            if revision.effective_to is not None:
                bounds.add(revision.effective_to.toordinal() + 1)
    starts = sorted(bounds)
    return starts, [tuple(addon.revision(date.fromordinal(start)) for addon in addons) for start in starts]


@cache
def _addon_facts(kind: EventKind) -> tuple[tuple[Addon, str | None, date, str | None], ...]:
    """Per add-on of ``kind``: the add-on, its cap text, the first day modelled, its exclusive group."""
    return tuple((a, _cap_text(a), a.modelled_from, a.exclusive_group) for a in _addons_for(kind))


def _is_conference(contact: Contact) -> bool:
    return contact.conference or contact.means is ContactMeans.CONFERENCE


def _means_count(contact: Contact, means: tuple[str, ...], options: HandoffOptions) -> bool:
    """Whether ``contact`` was made by one of ``means`` (a conference counts where one is listed)."""
    if contact.means.value in means:
        return True
    if contact.conference and "conference" in means:
        return True
    return contact.means is ContactMeans.UNSPECIFIED and options.unrecorded_means_counts


def _judge(
    addon: Addon,
    revision: Revision,
    window: Window,
    event: Event,
    contacts: Sequence[Contact],
    options: HandoffOptions,
) -> tuple[int, str | None, Reason | None]:
    """(units, tier, reason) for one add-on in force.

    The checks run in a fixed order, and the first that fails names the reason: the parties (and the
    direction, and the place of stay), the means, the window, then the tiers or the counts.
    """
    if not contacts:  # the first check's answer, without working out the parties
        return 0, None, Reason.NO_CONTACT
    allowed = addon.allowed_parties(revision, event.stay_in)
    senders = addon.contact_from
    qualifying = [
        c
        for c in contacts
        if (c.from_party in senders and c.to_party in allowed)
        or (addon.either_direction and c.from_party in allowed and c.to_party in senders)
    ]
    if not qualifying:
        return 0, None, Reason.NO_CONTACT
    means = addon.means_of(revision)
    if means:
        qualifying = [c for c in qualifying if _means_count(c, means, options)]
        if not qualifying:
            return 0, None, Reason.WRONG_MEANS
    inside = [c for c in qualifying if window.contains(c.at.date())]
    if not inside:
        return 0, None, Reason.OUTSIDE_WINDOW
    days = len({c.at.date() for c in inside})
    conference = any(_is_conference(c) for c in inside)
    if revision.tiers:
        eligible = [t for t in revision.tiers if days >= t.min_contacts and (conference or not t.conference)]
        best = max(eligible, key=lambda t: t.units)
        units, tier = best.units, best.code
    else:
        if addon.conference_required and not conference:
            return 0, None, Reason.NEEDS_CONFERENCE
        if days < addon.min_contact_days:
            return 0, None, Reason.TOO_FEW_CONTACTS
        if addon.requires_24h_contact_system and not options.office_has_24h_contact_system:
            return 0, None, Reason.NEEDS_24H_SYSTEM
        units, tier = revision.units, None
    if addon.not_with_initial_addon and event.initial_addon:
        return 0, None, Reason.INITIAL_ADDON
    return units, tier, None


def _cap_text(addon: Addon) -> str | None:
    return f"{addon.monthly_cap}/月" if addon.monthly_cap else ("1/入院" if addon.per_stay else None)


def _addon_verdicts(
    event: Event, contacts: Sequence[Contact], calendar: BusinessCalendar, options: HandoffOptions
) -> tuple[list[AddonVerdict], list[Revision | None]]:
    """The verdict of each national add-on of the event's kind, and the revision each was judged under."""
    at = event.at
    day = at.date()
    kind = event.kind
    # The windows of the add-ons in force, as windows() answers them (its memo, its plan of the revisions).
    in_force = dict(windows(kind.value, at, calendar, options))
    starts, periods = _revision_periods(kind)
    revisions = periods[bisect_right(starts, day.toordinal()) - 1]
    verdicts: list[AddonVerdict] = []
    groups: dict[str, str] = {}
    for (addon, cap, modelled_from, group), revision in zip(_addon_facts(kind), revisions, strict=True):
        if revision is None:
            modelled = day < modelled_from and addon.existed(day)
            verdicts.append(
                AddonVerdict(
                    addon.id,
                    addon.name,
                    addon.name_en,
                    None,
                    None,
                    False,
                    0,
                    reason=Reason.NOT_MODELLED if modelled else Reason.NOT_IN_FORCE,
                    cap=cap,
                    modelled_from=modelled_from if modelled else None,
                )
            )
            continue
        window = in_force[addon.id]
        if addon.per_stay and options.discharge_window_starts_at_admission and event.admitted_at is not None:
            window = Window(event.admitted_at.date(), window.end, window.extended)
        units, tier, reason = _judge(addon, revision, window, event, contacts, options)
        claim_month = None
        if addon.per_stay and event.service_start is not None:
            claim_month = f"{event.service_start:%Y-%m}"
        verdicts.append(
            AddonVerdict(
                addon.id,
                addon.name,
                addon.name_en,
                revision.effective_from,
                window,
                reason is None,
                units,
                tier=tier,
                reason=reason,
                cap=cap,
                claim_month=claim_month,
            )
        )
        if group and reason is None:
            groups[addon.id] = group
    if groups:
        # Exclusive add-ons: keep the one with most units, in data order on a tie.
        best: dict[str, AddonVerdict] = {}
        for verdict in verdicts:
            group = groups.get(verdict.addon_id)
            if group and (group not in best or verdict.units > best[group].units):
                best[group] = verdict
        verdicts = [
            attrs.evolve(v, claimable=False, units=0, reason=Reason.EXCLUSIVE)
            if v.addon_id in groups and best[groups[v.addon_id]] is not v
            else v
            for v in verdicts
        ]
    return verdicts, list(revisions)


def _city_window(rule: HandoffRule, event: Event, calendar: BusinessCalendar) -> Window:
    day = event.at.date()
    deadline = rule.deadline
    if deadline.kind is DeadlineKind.BEFORE:
        # Before the event; for a discharge, only during the stay (from the admission, when known).
        return Window(start=event.admitted_at.date() if event.admitted_at else None, end=day)
    if deadline.kind is DeadlineKind.SAME_DAY:
        return Window(start=day, end=day)
    if deadline.kind is DeadlineKind.CALENDAR_DAYS:
        return Window(start=day, end=day + timedelta(days=deadline.days or 0))
    if deadline.kind is DeadlineKind.BUSINESS_DAYS:
        end = day
        for _ in range(deadline.days or 0):
            end = calendar.next_business_day(end, include=False)
        return Window(start=day, end=end)
    return Window(start=day, end=None)  # as soon as possible: no fixed end


def _deadline_text(window: Window | None, lang_free: str = "") -> str:
    if window is None or window.end is None:
        return lang_free
    start = window.start.isoformat() if window.start else "…"
    return f"{start} – {window.end.isoformat()}"


def _met(
    rule_from: Iterable[ActorKind],
    rule_to: Iterable[ActorKind],
    either_way: bool,
    window: Window | None,
    contacts: Sequence[Contact],
) -> bool:
    senders, receivers = set(rule_from), set(rule_to)
    for contact in contacts:
        forward = contact.from_party in senders and contact.to_party in receivers
        backward = either_way and contact.to_party in senders and contact.from_party in receivers
        if (forward or backward) and (window is None or window.contains(contact.at.date())):
            return True
    return False


def _conflicts(
    event: Event, rules: Sequence[HandoffRule], addons: Sequence[AddonVerdict], city_windows: dict[str, Window]
) -> list[Finding]:
    findings: list[Finding] = []
    in_force = [a for a in addons if a.window is not None]
    for rule in rules:
        window = city_windows[rule.id]
        for addon in in_force:
            national_end = addon.window.end if addon.window else None
            if window.end is not None and national_end is not None and window.end > national_end:
                findings.append(
                    Finding(
                        code="HC001",
                        severity=CONFLICT_CODES["HC001"][0],
                        message_ja=f"市のルール「{rule.title}」の期限（{window.end}）は{addon.name}の期限（{national_end}）より遅く、"
                        "市のルールどおりでは加算を算定できない場合があります。",
                        message_en=f"City rule {rule.id!r} allows until {window.end}, later than the window of "
                        f"{addon.name_en} ({national_end}); following it alone may lose the add-on.",
                        field=f"handoff_rules[{rule.id}].deadline",
                    )
                )
        national = _addons_for(event.kind)
        needs_cm = {a.name for a in national if ActorKind.CARE_MANAGER in a.contact_from}
        parties = set(rule.contact_from) | (set(rule.contact_to) if rule.who is WhoContacts.FIRST_TO_LEARN else set())
        if needs_cm and rule.who is WhoContacts.FIXED and ActorKind.CARE_MANAGER not in parties:
            findings.append(
                Finding(
                    code="HC002",
                    severity=CONFLICT_CODES["HC002"][0],
                    message_ja=f"市のルール「{rule.title}」ではケアマネジャーから連絡しませんが、"
                    f"{'、'.join(sorted(needs_cm))}はケアマネジャーからの連携を要件とします。",
                    message_en=f"City rule {rule.id!r} has the other party make the contact; the national add-ons "
                    "still require the care manager's own contact.",
                    field=f"handoff_rules[{rule.id}].contact_from",
                )
            )
    return findings


def _evidence_tools(addon_name: str, tools: Sequence[Tool]) -> tuple[str, ...]:
    base = addon_name.split("(")[0]
    return tuple(t.id for t in tools if any(e in (addon_name, base) for e in t.evidence_for))


def evaluate(
    event: Event,
    contacts: Sequence[Contact] = (),
    *,
    calendar: BusinessCalendar | None = None,
    city_rules: Sequence[HandoffRule] = (),
    tools: Sequence[Tool] = (),
    options: HandoffOptions = DEFAULT_OPTIONS,
) -> Verdict:
    """Answer for one event: windows, obligations (national and city), claimable add-ons, conflicts.

    The national add-ons' windows are those :func:`windows` gives, memoised on ``calendar`` with its own.

    Args:
        event: The event (an opaque subject id only).
        contacts: What was actually done: contacts between parties about this event.
        calendar: The care-management office's calendar (default: the government's closing days).
        city_rules: The city's handoff rules (from ``registry.handoff_rules(city)``); empty means the
            national rules apply as defaults (``Verdict.national_default``).
        tools: The city's tools, to name the forms that may serve as evidence for each add-on.
        options: Readings of open points of the rules.
    """
    calendar = calendar or BusinessCalendar.government()
    check_event_day(event.at.date())
    if event.admitted_at is not None:
        check_contact_day(event.admitted_at.date())
    for contact in contacts:
        check_contact_day(contact.at.date())
    if event.service_start is not None:
        check_contact_day(event.service_start)
    addons, revisions = _addon_verdicts(event, contacts, calendar, options)
    scene = SCENE_OF_EVENT[event.kind]
    obligations: list[Obligation] = []
    for addon, verdict, revision in zip(_addons_for(event.kind), addons, revisions, strict=True):
        if verdict.window is None or revision is None:
            continue
        obligations.append(
            Obligation(
                rule_id=f"national:{addon.id}",
                title=addon.name,
                scene=scene,
                contact_from=addon.contact_from[:1],
                contact_to=addon.parties_to(revision),
                first_to_learn=False,
                window=verdict.window,
                deadline_text=_deadline_text(verdict.window),
                tools=_evidence_tools(addon.name, tools) if tools else (),
                basis=RuleBasis.NATIONAL,
                binding=False,
                met=verdict.claimable or verdict.reason is Reason.EXCLUSIVE,
            )
        )
    applicable = [r for r in city_rules if r.event is event.kind] if city_rules else []
    city_windows = {r.id: _city_window(r, event, calendar) for r in applicable} if applicable else {}
    for rule in applicable:
        window = city_windows[rule.id]
        either_way = rule.who is WhoContacts.FIRST_TO_LEARN
        obligations.append(
            Obligation(
                rule_id=rule.id,
                # The rule as its source numbers and words it: ①入院時：ケアマネジャーと病院等で，…
                title=f"{rule.number or ''}{rule.title}" + (f"：{rule.text}" if rule.text else ""),
                scene=rule.scene,
                contact_from=rule.contact_from,
                contact_to=rule.contact_to,
                first_to_learn=either_way,
                window=window,
                deadline_text=rule.deadline.text or rule.deadline.kind.ja,
                tools=rule.tools,
                basis=rule.basis,
                binding=rule.binding,
                met=_met(rule.contact_from, rule.contact_to, either_way, window, contacts),
            )
        )
    after_closing, closed_day = _late(event.at, calendar)
    return Verdict(
        event_kind=event.kind,
        at=event.at,
        calendar_id=calendar.id,
        after_hours=after_closing or closed_day,
        obligations=tuple(obligations),
        addons=tuple(addons),
        conflicts=tuple(_conflicts(event, applicable, addons, city_windows)) if applicable else (),
        national_default=not applicable,
    )


def apply_monthly_caps(verdicts: Sequence[tuple[str, Verdict]]) -> list[Verdict]:
    """Apply the monthly and per-stay caps across subjects' verdicts (``(subject id, verdict)`` pairs).

    A cap counts claims per subject and calendar month of the event, across an add-on's exclusive group
    (入院時情報連携加算 (Ⅰ) and (Ⅱ): one claim of either per month in total). Where a subject has more
    claimable events in a month than the cap allows, the claims with the most units are kept (the earlier
    on a tie, then input order); the others become not claimable with reason ``monthly_cap``. A per-stay
    add-on (退院・退所加算) is kept once per subject and discharge day (``stay_cap``). The result keeps the
    input order. :func:`~zaitaku_core.handoff.apply_caps_columns` does the same on columns.
    """
    addons = {a.id: a for a in national_addons()}
    candidates: dict[tuple[str, str, int, int], list[tuple[int, datetime, int, int]]] = defaultdict(list)
    caps: dict[tuple[str, str, int, int], int] = {}
    for index, (subject, verdict) in enumerate(verdicts):
        for position, addon_verdict in enumerate(verdict.addons):
            addon = addons[addon_verdict.addon_id]
            if not addon_verdict.claimable:
                continue
            if addon.monthly_cap:
                group = addon.exclusive_group or addon.id
                key = (subject, group, verdict.at.year, verdict.at.month)
            elif addon.per_stay:
                key = (subject, "stay:" + addon.id, verdict.at.toordinal(), 0)
            else:
                continue
            candidates[key].append((-addon_verdict.units, verdict.at, index, position))
            caps[key] = addon.monthly_cap or 1
    dropped: dict[int, dict[int, Reason]] = defaultdict(dict)
    for key, claims in candidates.items():
        for _units, _at, index, position in sorted(claims)[caps[key] :]:
            dropped[index][position] = Reason.STAY_CAP if key[1].startswith("stay:") else Reason.MONTHLY_CAP
    out = []
    for index, (_subject, verdict) in enumerate(verdicts):
        if index in dropped:
            verdict = attrs.evolve(
                verdict,
                addons=tuple(
                    attrs.evolve(a, claimable=False, units=0, tier=None, reason=dropped[index][p])
                    if p in dropped[index]
                    else a
                    for p, a in enumerate(verdict.addons)
                ),
            )
        out.append(verdict)
    return out
