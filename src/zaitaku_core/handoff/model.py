"""What the handoff engine reads (events, contacts) and what it answers (windows, obligations, claims).

Inputs are pydantic models (validated at the boundary); outputs are light attrs objects, built fast on
the per-event path, with :meth:`Verdict.to_dict` for JSON. An event carries an opaque ``subject`` id only:
nothing personal is stored, logged or written.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

import attrs
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, field_validator, model_validator

from zaitaku_core.errors import InputError
from zaitaku_core.framework import ActorKind, CareScene, EventKind, LabeledEnum
from zaitaku_core.i18n import N_
from zaitaku_core.model import Finding, FrozenModel, RuleBasis

__all__ = [
    "JAPAN",
    "AddonVerdict",
    "Contact",
    "ContactMeans",
    "Event",
    "Learned",
    "Obligation",
    "Reason",
    "Verdict",
    "Window",
    "japan_wall_time",
    "parse_flag",
]

#: An opaque subject id (no names, no insurance numbers), made of letters, digits and ``-_.:``.
SUBJECT_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"
SubjectId = Annotated[str, StringConstraints(pattern=SUBJECT_PATTERN)]

#: Japan Standard Time (UTC+9, no daylight saving time).
JAPAN = timezone(timedelta(hours=9), "JST")


def japan_wall_time(moment: datetime) -> datetime:
    """``moment`` as wall-clock time in Japan, without a time zone.

    The rules count the office's days and hours, which are Japanese wall time: a naive time is taken
    as it is; a time with an offset (``2024-06-14T19:00+09:00``, ``…Z``) is first converted to Japan
    time (so ``+09:00`` keeps its wall time, and ``10:00Z`` is 19:00 in Japan). The batch path reads
    offsets the same way.
    """
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(JAPAN).replace(tzinfo=None)


#: Texts read as a yes/no flag (case-insensitive, surrounding blanks ignored); a blank reads as no.
TRUE_TEXTS = frozenset({"1", "true", "yes", "y", "はい", "有", "あり"})
FALSE_TEXTS = frozenset({"0", "false", "no", "n", "いいえ", "無", "なし", ""})


def parse_flag(value: object) -> bool:
    """A yes/no value read strictly: a bool, 0/1, or a text of ``TRUE_TEXTS`` / ``FALSE_TEXTS``
    (``1 true yes y はい 有 あり`` / ``0 false no n いいえ 無 なし`` and blank; any case, blanks around ignored).

    Raises:
        ValueError: anything else (``"false"`` is *no*, never a non-empty string read as *yes*).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE_TEXTS:
            return True
        if text in FALSE_TEXTS:
            return False
    raise InputError(
        N_("expected a yes/no value ({texts})"), values={"texts": ", ".join(sorted(TRUE_TEXTS | FALSE_TEXTS - {""}))}
    )


#: Where a person may stay before a discharge that 退院・退所加算 covers.
STAY_PLACES = (
    ActorKind.HOSPITAL,
    ActorKind.CLINIC,
    ActorKind.COMMUNITY_NURSING_HOME,
    ActorKind.LTC_FACILITY,
)

JapanTime = Annotated[datetime, AfterValidator(japan_wall_time)]
Flag = Annotated[bool, BeforeValidator(parse_flag)]


class ContactMeans(LabeledEnum):
    """How a contact was made."""

    UNSPECIFIED = ("unspecified", "不明", "unspecified")
    PHONE = ("phone", "電話", "phone")
    VIDEO = ("video", "ビデオ通話（テレビ電話装置等）", "video call")
    FAX = ("fax", "FAX", "fax")
    MAIL = ("mail", "郵送", "mail")
    EMAIL = ("email", "電子メール", "e-mail")
    ICT = ("ict", "ICT（情報共有システム）", "ICT system")
    IN_PERSON = ("in_person", "面談・同席", "in person")
    CONFERENCE = ("conference", "カンファレンス", "conference")
    HOME_VISIT = ("home_visit", "居宅訪問", "home visit")


class Learned(FrozenModel):
    """Who learned of the event, and when."""

    party: ActorKind = Field(title="把握した者", description="Who learned of the event.")
    at: JapanTime = Field(title="把握した日時", description="When they learned of it (Japan time).")


class Event(FrozenModel):
    """A care event of one person: admission, discharge, sudden change, death, outpatient visit …

    Times without an offset are Japanese wall time; times with one are converted to it
    (:func:`~zaitaku_core.handoff.model.japan_wall_time`). For a discharge:

    * ``admitted_at`` bounds the stay in which contacts with its staff count;
    * ``stay_in`` is where the person stayed: ``hospital``, ``clinic``, ``community_nursing_home``
      (地域密着型介護老人福祉施設) or ``ltc_facility`` (介護保険施設); when given, only contacts with the staff
      of that kind of place count (unknown: any of them);
    * ``service_start`` is the day the person's home services began (退院・退所加算 is claimed in that
      month; it cannot begin before the discharge);
    * ``initial_addon`` says that 初回加算 is claimed in that month, which excludes 退院・退所加算.
    """

    subject: SubjectId = Field(
        "anonymous", title="対象者", description="An opaque id of the person (no names, no insurance numbers)."
    )
    kind: EventKind = Field(
        title="種別", description="The kind of event: admission, discharge, sudden change, death, outpatient visit."
    )
    at: JapanTime = Field(
        title="日時", description="When it happened (Japan time; a time with an offset is converted)."
    )
    learned: tuple[Learned, ...] = Field(
        (), title="把握", description="Who learned of the event, and when (for rules that the first to learn acts on)."
    )
    admitted_at: JapanTime | None = Field(
        None,
        title="入院日時",
        description="For a discharge: the admission that bounds the stay in which contacts count.",
    )
    stay_in: ActorKind | None = Field(
        None,
        title="入院先",
        description=(
            "For a discharge: where the person stayed (hospital, clinic, community nursing home or long-term "
            "care facility); empty when unknown."
        ),
    )
    service_start: date | None = Field(
        None,
        title="サービス開始日",
        description="For a discharge: the day home services began (not before the event's day).",
    )
    initial_addon: Flag = Field(
        False,
        title="初回加算",
        description="Whether 初回加算 is claimed in the month of the service start (it excludes 退院・退所加算).",
    )

    @field_validator("stay_in")
    @classmethod
    def _check_stay(cls, value: ActorKind | None) -> ActorKind | None:
        if value is not None and value not in STAY_PLACES:
            raise InputError(
                N_("stay_in must be one of {places}"), values={"places": ", ".join(p.value for p in STAY_PLACES)}
            )
        return value

    @model_validator(mode="after")
    def _check_service_start(self) -> Event:
        if self.service_start is not None and self.service_start < self.at.date():
            raise InputError(N_("service_start cannot be before the event's day"), values={})
        return self


class Contact(FrozenModel):
    """One contact between two parties about an event (from the care manager by default)."""

    at: JapanTime = Field(title="連絡日時", description="When the contact was made (Japan time).")
    from_party: ActorKind = Field(
        ActorKind.CARE_MANAGER, title="連絡元", description="Who made the contact (the care manager by default)."
    )
    to_party: ActorKind = Field(title="連絡先", description="Who was contacted.")
    means: ContactMeans = Field(
        ContactMeans.UNSPECIFIED,
        title="連絡方法",
        description="How: phone, video, fax, mail, e-mail, ICT, in person, conference, home visit.",
    )
    conference: Flag = Field(
        False,
        title="カンファレンス",
        description="Whether the contact was a conference (some add-on tiers ask for one).",
    )
    form: str | None = Field(default=None, title="様式", description="Tool id of the form used, if any.")


class Reason(LabeledEnum):
    """Why an add-on is not claimable (stable codes)."""

    NOT_IN_FORCE = ("not_in_force", "事象の日に当該加算の規定がない", "no such add-on on the event's date")
    NOT_MODELLED = (
        "not_modelled",
        "事象の日の算定要件は未収録（当該加算は存在した）",
        "the add-on existed then, but its rules of that date are not modelled",
    )
    NO_CONTACT = ("no_contact", "該当する相手との連携の記録がない", "no contact with the required party")
    OUTSIDE_WINDOW = ("outside_window", "期限内に連携していない", "no contact inside the window")
    EXCLUSIVE = ("exclusive", "併算定不可（上位の加算を算定）", "exclusive with a higher add-on claimed")
    TOO_FEW_CONTACTS = ("too_few_contacts", "連携の回数（日数）が足りない", "too few contact days")
    WRONG_MEANS = ("wrong_means", "連携の方法が要件に合わない", "contact made by a means that does not qualify")
    NEEDS_CONFERENCE = ("needs_conference", "カンファレンスの記録がない", "no conference recorded")
    NEEDS_24H_SYSTEM = ("needs_24h_system", "24時間連絡体制がない", "no 24-hour contact system")
    MONTHLY_CAP = ("monthly_cap", "月の算定上限に達している", "monthly cap reached")
    STAY_CAP = ("stay_cap", "入院・入所期間中1回を限度（算定済み）", "once per stay: already claimed")
    INITIAL_ADDON = ("initial_addon", "初回加算を算定する月は算定できない", "not with 初回加算 in the same month")


@attrs.frozen
class Window:
    """Dates (inclusive) in which a contact counts; ``start`` ``None`` means earlier contacts count too."""

    start: date | None
    end: date | None
    extended: bool = False

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies in the window."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


#: The slots of :class:`Window` as ``(start, end, extended)`` setters, for the per-event path
#: (``engine._KindWindows``), which builds two windows on every new key: ``object.__new__(Window)`` and the
#: three setters give the very object ``Window(start, end, extended)`` does (no field has a converter or a
#: validator; ``tests/test_handoff_tables.py`` checks both) at ~0.25 us instead of ~0.4 us, without the
#: generated ``__init__``'s lookup of ``object.__setattr__`` and its three calls by field name.
WINDOW_SETTERS: tuple[Any, ...] = tuple(Window.__dict__[field.name].__set__ for field in attrs.fields(Window))


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
    #: For ``not_modelled``: the first day the data models.
    modelled_from: date | None = None
    #: The month the add-on is claimed in (``YYYY-MM``), where it differs from the event's month or is
    #: known only from an input (退院・退所加算: the month service use starts).
    claim_month: str | None = None


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
