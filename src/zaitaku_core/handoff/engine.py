"""Evaluate one event: its windows, the obligations of national and city rules, and the billing verdict.

The national rules (:func:`~zaitaku_core.handoff.rules.national_addons`) decide the windows and what can
be claimed; a city's :class:`~zaitaku_core.model.HandoffRule` objects say who contacts whom with which form.
Where the two layers pull apart the verdict carries a finding (``HC001``, ``HC002``) instead of hiding it.
Readings the sources leave open are the fields of :class:`HandoffOptions`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

import attrs

from zaitaku_core.calendar.business import BusinessCalendar
from zaitaku_core.framework import ActorKind, CareScene, EventKind
from zaitaku_core.handoff.model import (
    AddonVerdict,
    Contact,
    ContactMeans,
    Event,
    Obligation,
    Reason,
    Verdict,
    Window,
)
from zaitaku_core.handoff.rules import Addon, Revision, RuleWindow, national_addons
from zaitaku_core.model import DeadlineKind, Finding, HandoffRule, RuleBasis, Severity, Tool, WhoContacts

__all__ = ["CONFLICT_CODES", "HandoffOptions", "apply_monthly_caps", "evaluate", "windows"]

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


@attrs.frozen
class HandoffOptions:
    """Readings of the rules that the sources leave open (marked [check] in the domain notes).

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
        discharge_window_starts_at_admission: Contacts count for 退院・退所加算 only from the admission
            of the stay when the event gives ``admitted_at`` (default ``True``).
        office_has_24h_contact_system: The office has the 24-hour contact system that
            ターミナルケアマネジメント加算 requires (default ``True``; set ``False`` if it has not).
    """

    after_hours_includes_closed_day: bool = True
    extension_unit: Literal["calendar_day", "business_day"] = "calendar_day"
    discharge_window_starts_at_admission: bool = True
    office_has_24h_contact_system: bool = True
    #: The options as a plain tuple (hashed in C on the per-event path).
    key: tuple[bool, str, bool, bool] = attrs.field(
        init=False,
        eq=False,
        repr=False,
        default=attrs.Factory(
            lambda self: (
                self.after_hours_includes_closed_day,
                self.extension_unit,
                self.discharge_window_starts_at_admission,
                self.office_has_24h_contact_system,
            ),
            takes_self=True,
        ),
    )


DEFAULT_OPTIONS = HandoffOptions()


def _late(moment: datetime, calendar: BusinessCalendar) -> tuple[bool, bool]:
    """(after closing on a business day, on a closed day) for ``moment``."""
    closed = not calendar.is_business_day(moment.date())
    return (not closed and moment.time() >= calendar.closes), closed


def _rule_window(spec: RuleWindow, moment: datetime, calendar: BusinessCalendar, options: HandoffOptions) -> Window:
    day = moment.date()
    end = day + timedelta(days=spec.last_day - 1)
    start = None if spec.before_event else day + timedelta(days=spec.first_day - 1)
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
    ordinal and a dictionary lookup once the day has been seen.

    >>> [(a, w.end.isoformat()) for a, w in windows("admission", datetime(2025, 1, 3, 19, 10))]
    [('admission_1', '2025-01-04'), ('admission_2', '2025-01-06')]
    """
    if calendar is None:
        calendar = BusinessCalendar.government()
    # The kind as given: a code or label string hashes in C; an EventKind member (equal to its code, but
    # hashed apart) simply gets its own entries.
    key = (kind, at.toordinal(), at.hour * 60 + at.minute >= calendar.closes_minute, options.key)
    found: tuple[tuple[str, Window], ...] | None = calendar.memo.get(key)
    if found is None:
        event_kind = EventKind.parse(kind)
        day = at.date()
        found = tuple(
            (addon.id, _rule_window(revision.window, at, calendar, options))
            for addon in _addons_for(event_kind)
            if (revision := addon.revision(day)) is not None
        )
        calendar.memo[key] = found
    return found


@cache
def _addons_for(kind: EventKind) -> tuple[Addon, ...]:
    return tuple(addon for addon in national_addons() if addon.event is kind)


def _is_conference(contact: Contact) -> bool:
    return contact.conference or contact.means is ContactMeans.CONFERENCE


def _judge(
    addon: Addon,
    revision: Revision,
    window: Window,
    contacts: Sequence[Contact],
    options: HandoffOptions,
) -> tuple[int, str | None, Reason | None]:
    """(units, tier, reason) for one add-on in force."""
    allowed = addon.parties_to(revision)
    qualifying = [c for c in contacts if c.from_party in addon.contact_from and c.to_party in allowed]
    if not qualifying:
        return 0, None, Reason.NO_CONTACT
    if addon.means:
        qualifying = [c for c in qualifying if c.means.value in addon.means]
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
        return best.units, best.code, None
    if addon.conference_required and not conference:
        return 0, None, Reason.NEEDS_CONFERENCE
    if days < addon.min_contact_days:
        return 0, None, Reason.TOO_FEW_CONTACTS
    if addon.requires_24h_contact_system and not options.office_has_24h_contact_system:
        return 0, None, Reason.NEEDS_24H_SYSTEM
    return revision.units, None, None


def _addon_verdicts(
    event: Event, contacts: Sequence[Contact], calendar: BusinessCalendar, options: HandoffOptions
) -> list[AddonVerdict]:
    day = event.at.date()
    verdicts: list[AddonVerdict] = []
    for addon in _addons_for(event.kind):
        cap = f"{addon.monthly_cap}/月" if addon.monthly_cap else ("1/入院" if addon.per_stay else None)
        revision = addon.revision(day)
        if revision is None:
            verdicts.append(
                AddonVerdict(
                    addon.id, addon.name, addon.name_en, None, None, False, 0, reason=Reason.NOT_IN_FORCE, cap=cap
                )
            )
            continue
        window = _rule_window(revision.window, event.at, calendar, options)
        if addon.per_stay and options.discharge_window_starts_at_admission and event.admitted_at is not None:
            window = attrs.evolve(window, start=event.admitted_at.date())
        units, tier, reason = _judge(addon, revision, window, contacts, options)
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
            )
        )
    # Exclusive add-ons: keep the one with most units, in data order on a tie.
    best: dict[str, AddonVerdict] = {}
    groups = {a.id: a.exclusive_group for a in _addons_for(event.kind)}
    for verdict in verdicts:
        group = groups[verdict.addon_id]
        if group and verdict.claimable and (group not in best or verdict.units > best[group].units):
            best[group] = verdict
    return [
        attrs.evolve(v, claimable=False, units=0, reason=Reason.EXCLUSIVE)
        if v.claimable and groups[v.addon_id] and best[groups[v.addon_id] or ""] is not v
        else v
        for v in verdicts
    ]


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
    addons = _addon_verdicts(event, contacts, calendar, options)
    scene = SCENE_OF_EVENT[event.kind]
    obligations: list[Obligation] = []
    by_id = {a.id: a for a in _addons_for(event.kind)}
    for verdict in addons:
        if verdict.window is None:
            continue
        addon = by_id[verdict.addon_id]
        revision = addon.revision(event.at.date())
        assert revision is not None
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
                tools=_evidence_tools(addon.name, tools),
                basis=RuleBasis.NATIONAL,
                binding=False,
                met=verdict.claimable or verdict.reason is Reason.EXCLUSIVE,
            )
        )
    applicable = [r for r in city_rules if r.event is event.kind]
    city_windows = {r.id: _city_window(r, event, calendar) for r in applicable}
    for rule in applicable:
        window = city_windows[rule.id]
        either_way = rule.who is WhoContacts.FIRST_TO_LEARN
        obligations.append(
            Obligation(
                rule_id=rule.id,
                title=rule.title,
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
        conflicts=tuple(_conflicts(event, applicable, addons, city_windows)),
        national_default=not applicable,
    )


def apply_monthly_caps(verdicts: Sequence[tuple[str, Verdict]]) -> list[Verdict]:
    """Apply the monthly caps across one or more subjects' verdicts (``(subject id, verdict)`` pairs).

    Within a subject and calendar month, in time order, an add-on claimable beyond its cap becomes not
    claimable with reason ``monthly_cap``. The result keeps the input order.
    """
    caps = {a.id: a.monthly_cap for a in national_addons() if a.monthly_cap}
    used: dict[tuple[str, str, int, int], int] = defaultdict(int)
    out: list[Verdict | None] = [None] * len(verdicts)
    order = sorted(range(len(verdicts)), key=lambda i: (verdicts[i][0], verdicts[i][1].at))
    for index in order:
        subject, verdict = verdicts[index]
        changed = []
        for addon in verdict.addons:
            cap = caps.get(addon.addon_id)
            if cap and addon.claimable:
                key = (subject, addon.addon_id, verdict.at.year, verdict.at.month)
                if used[key] >= cap:
                    addon = attrs.evolve(addon, claimable=False, units=0, reason=Reason.MONTHLY_CAP)
                else:
                    used[key] += 1
            changed.append(addon)
        out[index] = attrs.evolve(verdict, addons=tuple(changed))
    return [v for v in out if v is not None]
