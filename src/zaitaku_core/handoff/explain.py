"""Why a verdict came out as it did: the clauses of the national rules that decided each add-on.

:func:`explain` maps each add-on's outcome (claimable, or the reason it is not) to the aspects of the
rules that decided it (:data:`~zaitaku_core.handoff.rules.ASPECTS`), and those to the clauses of
``national_rules.toml`` that say so, each with its source document, the part of it, and its status
(``confirmed``, ``secondary`` or ``reading``). ``zaitaku handoff --explain`` prints it.
"""

from __future__ import annotations

from typing import Any

import attrs

from zaitaku_core.handoff.model import AddonVerdict, Reason, Verdict
from zaitaku_core.handoff.rules import Clause, national_addons

__all__ = ["ASPECTS_OF_REASON", "Explanation", "explain"]

#: The aspects of the rules that decide each reason an add-on is not claimable.
ASPECTS_OF_REASON: dict[Reason, tuple[str, ...]] = {
    Reason.NOT_IN_FORCE: ("in_force",),
    Reason.NOT_MODELLED: ("in_force",),
    Reason.NO_CONTACT: ("parties", "stay", "direction"),
    Reason.WRONG_MEANS: ("means",),
    Reason.OUTSIDE_WINDOW: ("window", "extension"),
    Reason.EXCLUSIVE: ("exclusive",),
    Reason.TOO_FEW_CONTACTS: ("contacts",),
    Reason.NEEDS_CONFERENCE: ("conference",),
    Reason.NEEDS_24H_SYSTEM: ("24h",),
    Reason.MONTHLY_CAP: ("cap",),
    Reason.STAY_CAP: ("cap",),
    Reason.INITIAL_ADDON: ("initial_addon",),
}


@attrs.frozen
class Explanation:
    """The clauses that decided one add-on's outcome."""

    addon: AddonVerdict
    aspects: tuple[str, ...]
    clauses: tuple[Clause, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the add-on id, the aspects, and every clause with its source."""
        return {
            "addon_id": self.addon.addon_id,
            "aspects": list(self.aspects),
            "clauses": [
                {
                    "text": c.text,
                    "text_en": c.text_en,
                    "status": c.status,
                    "part": c.part,
                    "seen_at": c.seen_at or None,
                    "source": {
                        "id": c.source.id,
                        "type": c.source.type,
                        "number": c.source.number,
                        "date": c.source.date.isoformat() if c.source.date else None,
                        "title": c.source.title,
                        "title_en": c.source.title_en,
                        "url": c.source.url or None,
                    },
                }
                for c in self.clauses
            ],
        }


def _aspects(addon: AddonVerdict) -> tuple[str, ...]:
    if addon.reason is not None:
        return ASPECTS_OF_REASON[addon.reason]
    aspects = ["units", "window", "parties", "stay", "direction", "means", "tiers", "conference", "contacts"]
    if addon.window is not None and addon.window.extended:
        aspects.append("extension")
    if addon.claim_month:
        aspects.append("claim_month")
    return tuple(aspects)


def explain(verdict: Verdict) -> tuple[Explanation, ...]:
    """For every add-on of ``verdict``, the clauses that decided it (in the data file's order)."""
    by_id = {a.id: a for a in national_addons()}
    out = []
    for addon_verdict in verdict.addons:
        addon = by_id[addon_verdict.addon_id]
        revision = addon.revision(verdict.at.date())
        aspects = _aspects(addon_verdict)
        out.append(Explanation(addon_verdict, aspects, addon.clauses_for(revision, aspects)))
    return tuple(out)
