"""Embedding: evaluate one admission from another application (a care-management system, say).

The application records that a person was admitted and what its care manager has done; zaitaku-core
answers who had to contact whom by when, on which form, and what can be billed. Only an opaque subject id
leaves the application.

Run: python examples/embed_admission.py
"""

from __future__ import annotations

from datetime import datetime, time

from zaitaku_core import create_registry
from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.handoff import Contact, Event, evaluate


def main() -> None:
    registry = create_registry(lazy=True)  # loads only the plugin of the city asked for
    office = BusinessCalendar.build(id="office-a", closed_weekdays="sat,sun", closes=time(18, 0))

    event = Event(subject="case-0192", kind="admission", at=datetime(2025, 1, 3, 19, 10))
    done = [Contact(at=datetime(2025, 1, 4, 10, 0), to_party="hospital", form="nyuin-joho-teikyo-sheet")]
    verdict = evaluate(
        event,
        done,
        calendar=office,
        city_rules=registry.handoff_rules("asahikawa"),
        tools=registry.tools("asahikawa"),
    )

    for obligation in verdict.obligations:
        status = "met" if obligation.met else "NOT met"
        print(f"{obligation.title}: {obligation.deadline_text or 'as soon as possible'} -> {status}")
    for addon in verdict.addons:
        answer = f"{addon.units} units" if addon.claimable else f"no ({addon.reason.en if addon.reason else '-'})"
        print(f"{addon.name}: {answer}")
    print(f"total: {verdict.units} units")


if __name__ == "__main__":
    main()
