"""The national billing rules as data (``data/national_rules.toml``), loaded into typed objects.

Every revision carries the clauses it follows (:class:`Clause`): which part of which published document
(:class:`Document`: 告示, 留意事項通知, Q&A), the clause in short, what it decides and how far it was
checked (``confirmed`` against the official text, ``secondary`` from a published summary, ``reading``
where the engine interprets).
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import attrs

from zaitaku_core.framework import ActorKind, EventKind

__all__ = [
    "ASPECTS",
    "STATUSES",
    "Addon",
    "Clause",
    "Document",
    "Extension",
    "OfficeAddon",
    "OfficeRevision",
    "Revision",
    "RuleWindow",
    "Threshold",
    "Tier",
    "documents",
    "national_addons",
    "office_addons",
]

#: How far a clause was checked.
STATUSES = ("confirmed", "secondary", "reading")
#: What a clause may decide; a verdict's reason names the aspects that decided it.
ASPECTS = (
    "in_force",
    "units",
    "window",
    "extension",
    "parties",
    "stay",
    "direction",
    "means",
    "tiers",
    "conference",
    "contacts",
    "exclusive",
    "cap",
    "claim_month",
    "initial_addon",
    "24h",
    "threshold",
)


@attrs.frozen
class Document:
    """A published text the rules follow: a 告示, a 留意事項通知 or a Q&A."""

    id: str
    type: str
    number: str
    date: date | None
    title: str
    title_en: str = ""
    url: str = ""
    #: A short name where the title is long (老企第36号's notice).
    short: str = ""
    #: What of the document itself was read in an official copy (title, number, date …), if anything.
    checked: str = ""
    checked_en: str = ""


@attrs.frozen
class Clause:
    """One clause of a document, in short, with what it decides and its status."""

    decides: tuple[str, ...]
    text: str
    text_en: str
    source: Document
    part: str
    status: str
    seen_at: str = ""

    def cite(self) -> str:
        """``title（number, date）part``: how the clause is cited in explanations."""
        when = f", {self.source.date.isoformat()}" if self.source.date else ""
        return f"{self.source.short or self.source.title}（{self.source.number}{when}）{self.part}"


@attrs.frozen
class Extension:
    """When and by how many days a window's end moves later."""

    when: str
    days: int


@attrs.frozen
class RuleWindow:
    """A window in event days (the event day is day 1)."""

    first_day: int
    last_day: int
    before_event: bool
    extend: Extension | None = None
    #: "N日以内" whose day 1 is a reading (``HandoffOptions.day_count_start``).
    count_reading: bool = False


@attrs.frozen
class Tier:
    """A tier of a tiered add-on (退院・退所加算)."""

    code: str
    min_contacts: int
    conference: bool
    units: int


@attrs.frozen
class Revision:
    """An add-on's rule in force from ``effective_from`` to ``effective_to`` (inclusive; open if None)."""

    effective_from: date
    effective_to: date | None
    units: int
    window: RuleWindow
    contact_to: tuple[ActorKind, ...] | None = None
    tiers: tuple[Tier, ...] = ()
    note: str = ""
    #: Means of contact that count under this revision; if empty, the add-on's (if empty too, any).
    means: tuple[str, ...] = ()
    clauses: tuple[Clause, ...] = ()

    def in_force(self, day: date) -> bool:
        """Whether this revision applies to an event on ``day``."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@attrs.frozen
class Addon:
    """A billing add-on of 居宅介護支援 with its revisions."""

    id: str
    name: str
    name_en: str
    event: EventKind
    contact_from: tuple[ActorKind, ...]
    contact_to: tuple[ActorKind, ...]
    revisions: tuple[Revision, ...]
    monthly_cap: int | None = None
    exclusive_group: str | None = None
    per_stay: bool = False
    means: tuple[str, ...] = ()
    conference_required: bool = False
    min_contact_days: int = 1
    requires_24h_contact_system: bool = False
    #: The add-on's first day, when known: before it the add-on did not exist (``not_in_force``); between
    #: it (or, unknown, any earlier day) and the first modelled revision it is ``not_modelled``.
    introduced: date | None = None
    #: Contacts count in both directions (the care manager obtains information from the staff, whoever
    #: called); otherwise only from ``contact_from`` to the parties.
    either_direction: bool = False
    #: Not claimable in a month in which 初回加算 is claimed (the caller says so on the event).
    not_with_initial_addon: bool = False
    #: For per-stay add-ons: which parties are the staff of each kind of place of stay.
    stay_parties: tuple[tuple[ActorKind, tuple[ActorKind, ...]], ...] = ()
    clauses: tuple[Clause, ...] = ()

    def revision(self, day: date) -> Revision | None:
        """The revision in force on ``day``, if any."""
        for revision in self.revisions:
            if revision.in_force(day):
                return revision
        return None

    @property
    def modelled_from(self) -> date:
        """The first day of the earliest modelled revision."""
        return min(r.effective_from for r in self.revisions)

    def existed(self, day: date) -> bool:
        """Whether the add-on (under any conditions) existed on ``day``, as far as the data knows."""
        return self.introduced is None or self.introduced <= day

    def parties_to(self, revision: Revision) -> tuple[ActorKind, ...]:
        """Who the contact must reach under ``revision``."""
        return revision.contact_to or self.contact_to

    def allowed_parties(self, revision: Revision, stay_in: ActorKind | None) -> tuple[ActorKind, ...]:
        """Who the contact must reach under ``revision``, narrowed to the staff of ``stay_in`` if given."""
        parties = self.parties_to(revision)
        if stay_in is None or not self.stay_parties:
            return parties
        staff = dict(self.stay_parties).get(stay_in, ())
        return tuple(p for p in parties if p in staff)

    def means_of(self, revision: Revision) -> tuple[str, ...]:
        """The means that count under ``revision`` (empty: any)."""
        return revision.means or self.means

    def clauses_for(self, revision: Revision | None, aspects: tuple[str, ...]) -> tuple[Clause, ...]:
        """The clauses (the add-on's and the revision's) that decide any of ``aspects``."""
        pool = self.clauses + (revision.clauses if revision else ())
        return tuple(c for c in pool if any(a in c.decides for a in aspects))


@attrs.frozen
class Threshold:
    """A yearly count an office must reach, of claims of an add-on or of contacts behind them."""

    addon: str
    count: str
    at_least: int


@attrs.frozen
class OfficeRevision:
    """An office-level add-on's thresholds from ``effective_from`` to ``effective_to``."""

    effective_from: date
    effective_to: date | None
    units: int
    thresholds: tuple[Threshold, ...]
    clauses: tuple[Clause, ...] = ()

    def in_force(self, day: date) -> bool:
        """Whether this revision applies to a claim on ``day``."""
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@attrs.frozen
class OfficeAddon:
    """An add-on an office earns from its yearly counts (特定事業所医療介護連携加算)."""

    id: str
    name: str
    name_en: str
    period: str
    revisions: tuple[OfficeRevision, ...]
    requires: str = ""
    requires_en: str = ""

    def revision(self, day: date) -> OfficeRevision | None:
        """The revision in force on ``day``, if any."""
        for revision in self.revisions:
            if revision.in_force(day):
                return revision
        return None


def _window(data: dict[str, Any]) -> RuleWindow:
    extend = data.get("extend")
    return RuleWindow(
        first_day=int(data["first_day"]),
        last_day=int(data["last_day"]),
        before_event=bool(data.get("before_event", False)),
        extend=Extension(when=str(extend["when"]), days=int(extend["days"])) if extend else None,
        count_reading=bool(data.get("count_reading", False)),
    )


def _actors(values: Any) -> tuple[ActorKind, ...]:
    return tuple(ActorKind.parse(v) for v in values or ())


@cache
def _data() -> dict[str, Any]:
    text = resources.files("zaitaku_core").joinpath("data/national_rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def documents() -> dict[str, Document]:
    """The published documents the rules cite, by id."""
    return {
        key: Document(
            id=key,
            type=str(doc["type"]),
            number=str(doc["number"]),
            date=doc.get("date"),
            title=str(doc["title"]),
            title_en=str(doc.get("title_en", "")),
            url=str(doc.get("url", "")),
            short=str(doc.get("short", "")),
            checked=str(doc.get("checked", "")),
            checked_en=str(doc.get("checked_en", "")),
        )
        for key, doc in _data()["documents"].items()
    }


def _clauses(entries: Any) -> tuple[Clause, ...]:
    docs = documents()
    out = []
    for entry in entries or ():
        decides = tuple(entry["decides"])
        unknown = [a for a in decides if a not in ASPECTS]
        if unknown or entry["status"] not in STATUSES or entry["source"] not in docs:
            raise ValueError(f"national_rules.toml: bad clause {entry!r}")  # checked by the tests
        out.append(
            Clause(
                decides=decides,
                text=str(entry["text"]),
                text_en=str(entry.get("text_en", "")),
                source=docs[entry["source"]],
                part=str(entry.get("part", "")),
                status=str(entry["status"]),
                seen_at=str(entry.get("seen_at", "")),
            )
        )
    return tuple(out)


@cache
def office_addons() -> tuple[OfficeAddon, ...]:
    """The office-level add-ons earned from yearly counts (特定事業所医療介護連携加算)."""
    return tuple(
        OfficeAddon(
            id=entry["id"],
            name=entry["name"],
            name_en=entry["name_en"],
            period=str(entry["period"]),
            requires=str(entry.get("requires", "")),
            requires_en=str(entry.get("requires_en", "")),
            revisions=tuple(
                OfficeRevision(
                    effective_from=rev["effective_from"],
                    effective_to=rev.get("effective_to"),
                    units=int(rev["units"]),
                    thresholds=tuple(Threshold(**t) for t in rev["thresholds"]),
                    clauses=_clauses(rev.get("clauses")),
                )
                for rev in entry["revisions"]
            ),
        )
        for entry in _data().get("office_addons", ())
    )


@cache
def national_addons() -> tuple[Addon, ...]:
    """Every national add-on, in the order of the data file."""
    addons = []
    for entry in _data()["addons"]:
        revisions = tuple(
            Revision(
                effective_from=rev["effective_from"],
                effective_to=rev.get("effective_to"),
                units=int(rev.get("units", 0)),
                window=_window(rev["window"]),
                contact_to=_actors(rev["contact_to"]) if "contact_to" in rev else None,
                tiers=tuple(Tier(**tier) for tier in rev.get("tiers", ())),
                note=str(rev.get("note", "")),
                means=tuple(rev.get("means", ())),
                clauses=_clauses(rev.get("clauses")),
            )
            for rev in entry["revisions"]
        )
        addons.append(
            Addon(
                id=entry["id"],
                name=entry["name"],
                name_en=entry["name_en"],
                event=EventKind.parse(entry["event"]),
                contact_from=_actors(entry.get("contact_from")),
                contact_to=_actors(entry.get("contact_to")),
                revisions=revisions,
                monthly_cap=entry.get("monthly_cap"),
                exclusive_group=entry.get("exclusive_group"),
                per_stay=bool(entry.get("per_stay", False)),
                means=tuple(entry.get("means", ())),
                conference_required=bool(entry.get("conference_required", False)),
                min_contact_days=int(entry.get("min_contact_days", 1)),
                requires_24h_contact_system=bool(entry.get("requires_24h_contact_system", False)),
                introduced=entry.get("introduced"),
                either_direction=bool(entry.get("either_direction", False)),
                not_with_initial_addon=bool(entry.get("not_with_initial_addon", False)),
                stay_parties=tuple((ActorKind.parse(k), _actors(v)) for k, v in entry.get("stay_parties", {}).items()),
                clauses=_clauses(entry.get("clauses")),
            )
        )
    return tuple(addons)
