"""What the handoff engine reads (events, contacts) and what it answers (windows, obligations, claims).

Inputs are pydantic models (validated at the boundary); outputs are light attrs objects, built fast on
the per-event path, with :meth:`Verdict.to_dict` for JSON. An event carries an opaque ``subject`` id only:
nothing personal is stored, logged or written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import attrs
from pydantic import Field, StringConstraints

from zaitaku_core.framework import ActorKind, CareScene, EventKind, LabeledEnum
from zaitaku_core.model import Finding, FrozenModel, RuleBasis

__all__ = [
    "AddonVerdict",
    "Contact",
    "ContactMeans",
    "Event",
    "Learned",
    "Obligation",
    "Reason",
    "Verdict",
    "Window",
]

#: An opaque subject id (no names, no insurance numbers), made of letters, digits and ``-_.:``.
SUBJECT_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"
SubjectId = Annotated[str, StringConstraints(pattern=SUBJECT_PATTERN)]


class ContactMeans(LabeledEnum):
    """How a contact was made."""

    UNSPECIFIED = ("unspecified", "不明", "unspecified")
    PHONE = ("phone", "電話", "phone")
    FAX = ("fax", "FAX", "fax")
    MAIL = ("mail", "郵送", "mail")
    EMAIL = ("email", "電子メール", "e-mail")
    ICT = ("ict", "ICT（情報共有システム）", "ICT system")
    IN_PERSON = ("in_person", "面談・同席", "in person")
    CONFERENCE = ("conference", "カンファレンス", "conference")
    HOME_VISIT = ("home_visit", "居宅訪問", "home visit")


class Learned(FrozenModel):
    """Who learned of the event, and when."""

    party: ActorKind
    at: datetime


class Event(FrozenModel):
    """A care event of one person: admission, discharge, sudden change, death, outpatient visit …

    ``admitted_at`` (for a discharge) bounds the stay in which hospital contacts count.
    """

    subject: SubjectId = "anonymous"
    kind: EventKind
    at: datetime
    learned: tuple[Learned, ...] = ()
    admitted_at: datetime | None = None


class Contact(FrozenModel):
    """One contact between two parties about an event (from the care manager by default)."""

    at: datetime
    from_party: ActorKind = ActorKind.CARE_MANAGER
    to_party: ActorKind
    means: ContactMeans = ContactMeans.UNSPECIFIED
    conference: bool = False
    form: str | None = Field(default=None, description="Tool id of the form used, if any.")


class Reason(LabeledEnum):
    """Why an add-on is not claimable (stable codes)."""

    NOT_IN_FORCE = ("not_in_force", "事象の日に当該加算の規定がない", "no such add-on on the event's date")
    NO_CONTACT = ("no_contact", "該当する相手との連携の記録がない", "no contact with the required party")
    OUTSIDE_WINDOW = ("outside_window", "期限内に連携していない", "no contact inside the window")
    EXCLUSIVE = ("exclusive", "併算定不可（上位の加算を算定）", "exclusive with a higher add-on claimed")
    TOO_FEW_CONTACTS = ("too_few_contacts", "連携の回数（日数）が足りない", "too few contact days")
    WRONG_MEANS = ("wrong_means", "連携の方法が要件に合わない", "contact made by a means that does not qualify")
    NEEDS_CONFERENCE = ("needs_conference", "カンファレンスの記録がない", "no conference recorded")
    NEEDS_24H_SYSTEM = ("needs_24h_system", "24時間連絡体制がない", "no 24-hour contact system")
    MONTHLY_CAP = ("monthly_cap", "月の算定上限に達している", "monthly cap reached")


@attrs.frozen
class Window:
    """Dates (inclusive) in which a contact counts; ``start`` ``None`` means earlier contacts count too."""

    start: date | None
    end: date | None
    extended: bool = False

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies in the window."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@attrs.frozen
class Obligation:
    """Who should contact whom, by when, on which form, and on what basis."""

    rule_id: str
    title: str
    scene: CareScene
    contact_from: tuple[ActorKind, ...]
    contact_to: tuple[ActorKind, ...]
    first_to_learn: bool
    window: Window | None
    deadline_text: str
    tools: tuple[str, ...]
    basis: RuleBasis
    binding: bool
    met: bool


@attrs.frozen
class AddonVerdict:
    """Whether an add-on can be claimed for what was done, with its units or the reason it cannot."""

    addon_id: str
    name: str
    name_en: str
    revision_from: date | None
    window: Window | None
    claimable: bool
    units: int
    tier: str | None = None
    reason: Reason | None = None
    cap: str | None = None


@attrs.frozen
class Verdict:
    """The engine's answer for one event."""

    event_kind: EventKind
    at: datetime
    calendar_id: str
    after_hours: bool
    obligations: tuple[Obligation, ...]
    addons: tuple[AddonVerdict, ...]
    conflicts: tuple[Finding, ...]
    national_default: bool

    @property
    def units(self) -> int:
        """Units of every claimable add-on."""
        return sum(a.units for a in self.addons if a.claimable)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO strings, enums as codes); the subject is never included."""

        def convert(_inst: Any, _field: Any, value: Any) -> Any:
            if isinstance(value, datetime | date):
                return value.isoformat()
            if isinstance(value, LabeledEnum):
                return value.value
            if isinstance(value, Finding):
                return value.model_dump(mode="json")
            return value

        return {**attrs.asdict(self, value_serializer=convert), "units": self.units}
