"""The national billing rules as data (``data/national_rules.toml``), loaded into typed objects."""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import attrs

from zaitaku_core.framework import ActorKind, EventKind

__all__ = ["Addon", "Extension", "Revision", "RuleWindow", "Tier", "national_addons"]


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

    def revision(self, day: date) -> Revision | None:
        """The revision in force on ``day``, if any."""
        for revision in self.revisions:
            if revision.in_force(day):
                return revision
        return None

    def parties_to(self, revision: Revision) -> tuple[ActorKind, ...]:
        """Who the contact must reach under ``revision``."""
        return revision.contact_to or self.contact_to


def _window(data: dict[str, Any]) -> RuleWindow:
    extend = data.get("extend")
    return RuleWindow(
        first_day=int(data["first_day"]),
        last_day=int(data["last_day"]),
        before_event=bool(data.get("before_event", False)),
        extend=Extension(when=str(extend["when"]), days=int(extend["days"])) if extend else None,
    )


def _actors(values: Any) -> tuple[ActorKind, ...]:
    return tuple(ActorKind.parse(v) for v in values or ())


@cache
def national_addons() -> tuple[Addon, ...]:
    """Every national add-on, in the order of the data file."""
    text = resources.files("zaitaku_core").joinpath("data/national_rules.toml").read_text(encoding="utf-8")
    addons = []
    for entry in tomllib.loads(text)["addons"]:
        revisions = tuple(
            Revision(
                effective_from=rev["effective_from"],
                effective_to=rev.get("effective_to"),
                units=int(rev.get("units", 0)),
                window=_window(rev["window"]),
                contact_to=_actors(rev["contact_to"]) if "contact_to" in rev else None,
                tiers=tuple(Tier(**tier) for tier in rev.get("tiers", ())),
                note=str(rev.get("note", "")),
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
            )
        )
    return tuple(addons)
