"""Validated, immutable domain models: what a city plugin declares and what the library reads.

Every boundary of the library speaks these pydantic v2 models: a plugin's hook results are validated
into them, validation and reports read them, and :func:`json_schemas` exports them as JSON Schema for
systems written in other languages. All models are frozen and reject unknown fields, so a misspelled key
in a plugin's data file is an error, not a silently dropped value.

The main models:

* :class:`City` — a plugin's city: its :class:`Municipality`, the towns that share its rules, operators,
  named organisations and sources.
* :class:`Program` (取組 / 実施項目) — one action item of a fiscal year's plan, tagged with its national item
  in the old and/or new lettering (the other is derived where unambiguous), the care scenes it serves and
  the actions of each owner.
* :class:`Tool` (連携ツール) and linked entities (meetings, networks, desks, publications).
* :class:`Indicator` with per-fiscal-year :class:`IndicatorValue` plan targets and actuals.
* :class:`HandoffRule` — a city's rule of who contacts whom, when and on which form.
* :class:`Plan` — everything the registry knows about one city and fiscal year, assembled.

>>> p = Program(id="a-1", title="資源リストの更新", fiscal_year="令和6年度", old_item="旧ア")
>>> p.fiscal_year, p.new_item.value, p.phase.ja
(2024, 'ア(ア)', '現状分析・課題抽出・施策立案')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    model_validator,
)

from zaitaku_core import codes
from zaitaku_core.calendar import FiscalYear, parse_fiscal_year
from zaitaku_core.errors import FrameworkCodeError, InputError
from zaitaku_core.framework import (
    ActorKind,
    CareScene,
    EventKind,
    LabeledEnum,
    NewItem,
    OldItem,
    Phase,
    ToolKind,
)

__all__ = [
    "Action",
    "ActionRole",
    "City",
    "Deadline",
    "DeadlineKind",
    "Finding",
    "FiscalYearInt",
    "Frequency",
    "FrequencyKind",
    "FrozenModel",
    "HandoffRule",
    "Identifier",
    "Indicator",
    "IndicatorType",
    "IndicatorValue",
    "MunicipalCode",
    "Municipality",
    "OfficeCalendarSpec",
    "Organization",
    "Plan",
    "Program",
    "ReportSection",
    "RuleBasis",
    "SceneTag",
    "Severity",
    "Source",
    "Tool",
    "Unit",
    "ValueKind",
    "ValueStatus",
    "WhoContacts",
    "json_schemas",
]


class FrozenModel(BaseModel):
    """Base of every model: immutable, unknown fields rejected, enums kept as members."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def _fiscal_year(value: Any) -> Any:
    if isinstance(value, int | str | FiscalYear) and not isinstance(value, bool):
        return parse_fiscal_year(value).year
    return value


#: A fiscal year as the Gregorian year it starts in; accepts ``2024``, ``"令和6年度"``, ``"R6"``, ``"FY2024"``.
FiscalYearInt = Annotated[int, BeforeValidator(_fiscal_year), Field(ge=1868, le=2200)]

#: A 全国地方公共団体コード with its check digit verified (six digits).
MunicipalCode = Annotated[str, BeforeValidator(codes.validate)]

#: A stable identifier, made of lower-case ASCII letters, digits, ``-``, ``_`` and ``.``.
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=120)]

#: Free text that must not be empty.
Text = Annotated[str, StringConstraints(min_length=1)]

#: Free, JSON-serialisable metadata (sources, notes); never interpreted, never executed.
Metadata = dict[str, JsonValue]


class Source(FrozenModel):
    """Where a fact comes from: a document, its section, and a note on how it was read."""

    title: Text
    section: str | None = None
    url: str | None = None
    published: date | None = None
    note: str | None = None


class Municipality(FrozenModel):
    """A municipality, identified by its 全国地方公共団体コード (JIS X 0402)."""

    code: MunicipalCode
    name: Text
    prefecture: Text
    name_en: str | None = None

    @model_validator(mode="after")
    def _prefecture_matches_code(self) -> Self:
        expected = codes.prefecture_name(self.code)
        if self.prefecture != expected:
            raise InputError(f"prefecture {self.prefecture!r} does not match code {self.code} ({expected})")
        return self


class Organization(FrozenModel):
    """A named organisation that owns actions or runs tools (医師会, 長寿社会課, 地域包括支援センター …)."""

    name: Text
    kind: ActorKind
    name_en: str | None = None
    note: str | None = None


class City(FrozenModel):
    """A city as a plugin declares it: the municipality, the towns sharing its rules, and its context.

    ``id`` is the short name used on the command line (``asahikawa``). ``covers`` lists other
    municipalities the plugin serves (for example towns that adopted the city's handoff rules).
    """

    id: Identifier
    municipality: Municipality
    covers: tuple[Municipality, ...] = ()
    fiscal_years: tuple[FiscalYearInt, ...] = Field(min_length=1)
    operators: tuple[Organization, ...] = ()
    organizations: tuple[Organization, ...] = ()
    aim: str | None = None
    sources: tuple[Source, ...] = ()
    metadata: Metadata = Field(default_factory=dict)

    @property
    def name(self) -> str:
        """The municipality's Japanese name."""
        return self.municipality.name

    @model_validator(mode="after")
    def _unique_municipalities(self) -> Self:
        seen = [self.municipality.code, *(m.code for m in self.covers)]
        if len(seen) != len(set(seen)):
            raise InputError("a municipality is listed twice in municipality/covers")
        return self


# --- frequencies -----------------------------------------------------------------------------------------


class FrequencyKind(LabeledEnum):
    """How often something is done (実施回数)."""

    PER_YEAR = ("per_year", "年N回", "N times a year")
    PER_MONTH = ("per_month", "月N回", "N times a month")
    PER_WEEK = ("per_week", "週N回", "N times a week")
    EVERY_N_YEARS = ("every_n_years", "N年ごと", "every N years")
    ALL_YEAR = ("all_year", "通年", "all year")
    AS_NEEDED = ("as_needed", "随時", "as needed")
    ONCE = ("once", "単発", "once")


_FREQ_PATTERNS: tuple[tuple[re.Pattern[str], FrequencyKind], ...] = (
    (re.compile(r"^年(\d+)回(程度)?$"), FrequencyKind.PER_YEAR),
    (re.compile(r"^月(\d+)回(程度)?$"), FrequencyKind.PER_MONTH),
    (re.compile(r"^週(\d+)回(程度)?$"), FrequencyKind.PER_WEEK),
    (re.compile(r"^(\d+)年(ごと|毎)$"), FrequencyKind.EVERY_N_YEARS),
)
_FREQ_WORDS = {"通年": FrequencyKind.ALL_YEAR, "随時": FrequencyKind.AS_NEEDED, "単発": FrequencyKind.ONCE}


class Frequency(FrozenModel):
    """A frequency such as 年1回, 月2回, 通年 or 随時; parse one from text with :meth:`parse`.

    >>> Frequency.parse("年１回").count
    1
    >>> Frequency.parse("随時").kind.ja
    '随時'
    """

    kind: FrequencyKind
    count: int | None = Field(default=None, ge=1)
    text: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            return cls._parse_fields(data)
        return data

    @model_validator(mode="after")
    def _count_matches_kind(self) -> Self:
        counted = self.kind in {
            FrequencyKind.PER_YEAR,
            FrequencyKind.PER_MONTH,
            FrequencyKind.PER_WEEK,
            FrequencyKind.EVERY_N_YEARS,
        }
        if counted and self.count is None:
            raise InputError(f"frequency {self.kind.value} needs a count")
        if not counted and self.count is not None:
            raise InputError(f"frequency {self.kind.value} takes no count")
        return self

    @staticmethod
    def _parse_fields(text: str) -> dict[str, Any]:
        folded = "".join(unicodedata.normalize("NFKC", text).split())
        if folded in _FREQ_WORDS:
            return {"kind": _FREQ_WORDS[folded], "text": text}
        for pattern, kind in _FREQ_PATTERNS:
            match = pattern.match(folded)
            if match:
                return {"kind": kind, "count": int(match.group(1)), "text": text}
        raise InputError(f"unknown frequency {text!r}; expected 年N回, 月N回, 週N回, N年ごと, 通年, 随時 or 単発")

    @classmethod
    def parse(cls, text: str) -> Frequency:
        """Read a frequency written as in a plan (年1回, 月２回, 3年ごと, 通年, 随時, 単発)."""
        return cls.model_validate(text)

    @property
    def times_per_year(self) -> int | None:
        """How many times in a fiscal year, where countable (None for 通年 and 随時)."""
        if self.count is None:
            return 1 if self.kind is FrequencyKind.ONCE else None
        per = {FrequencyKind.PER_YEAR: 1, FrequencyKind.PER_MONTH: 12, FrequencyKind.PER_WEEK: 52}
        if self.kind is FrequencyKind.EVERY_N_YEARS:
            return None
        return self.count * per[self.kind]

    def label(self, lang: str = "ja") -> str:
        """The frequency as written in Japanese (年1回) or in English (1 time a year)."""
        if self.count is None:
            return self.kind.label(lang)
        template = self.kind.label(lang)
        return template.replace("N", str(self.count))

    def to_rrule(self, fiscal_year: int) -> Any:
        """The dates of this frequency within ``fiscal_year`` as a :class:`dateutil.rrule.rrule`.

        Counted frequencies are spread evenly from 1 April; 通年, 随時 and N年ごと have no dates and
        give ``None``.

        >>> [d.month for d in Frequency.parse("年4回").to_rrule(2024)]
        [4, 7, 10, 1]
        """
        from dateutil import rrule

        fy = FiscalYear(fiscal_year)
        start = datetime.combine(fy.start, time())
        until = datetime.combine(fy.end, time())
        if self.kind is FrequencyKind.ONCE:
            return rrule.rrule(rrule.YEARLY, dtstart=start, count=1)
        if self.count is None or self.kind is FrequencyKind.EVERY_N_YEARS:
            return None
        if self.kind is FrequencyKind.PER_YEAR:
            if 12 % self.count == 0:
                return rrule.rrule(rrule.MONTHLY, interval=12 // self.count, dtstart=start, count=self.count)
            return rrule.rrule(rrule.DAILY, interval=365 // self.count, dtstart=start, count=self.count)
        if self.kind is FrequencyKind.PER_MONTH:
            days = [1 + (28 * i) // self.count for i in range(self.count)]
            return rrule.rrule(rrule.MONTHLY, bymonthday=days, dtstart=start, until=until)
        weekdays = [rrule.weekdays[(7 * i) // self.count] for i in range(self.count)]
        return rrule.rrule(rrule.WEEKLY, byweekday=weekdays, dtstart=start, until=until)


# --- programs ----------------------------------------------------------------------------------------------


class ActionRole(LabeledEnum):
    """Whose action a program line records."""

    CITY = ("city", "市町村の取組", "the municipality's action")
    OPERATOR = ("operator", "受託者の取組", "the contracted operator's action")
    PARTNER = ("partner", "関係機関等の取組", "partners' action")


class Action(FrozenModel):
    """What one owner (or several owners jointly, as a 【…・…】 heading names them) does in a program."""

    role: ActionRole
    owners: tuple[Text, ...] = Field(min_length=1)
    text: Text


def _scene_tag(value: Any) -> Any:
    if isinstance(value, str | CareScene):
        return {"scene": value}
    return value


class SceneTag(FrozenModel):
    """A care scene a program serves, with a one-line reason where it is not obvious."""

    scene: CareScene
    reason: str | None = None


class Program(FrozenModel):
    """One program (取組 / 実施項目) of a city's plan for a fiscal year.

    Give the national item as ``old_item`` (ア〜ク), ``new_item`` (ア(ア)…ウ) or both; the other is
    derived where the mapping is unambiguous, and ``phase`` is derived from the new item. ``phase`` may
    be given for an old ク item, which has no new code (Asahikawa files it under 対応策の実施); where it
    can be derived, a contradicting ``phase`` is an error.
    """

    id: Identifier
    title: Text
    fiscal_year: FiscalYearInt
    old_item: OldItem | None = None
    new_item: NewItem | None = None
    phase: Phase | None = None
    number: str | None = None
    scenes: tuple[Annotated[SceneTag, BeforeValidator(_scene_tag)], ...] = ()
    overview: str | None = None
    target: str | None = None
    actions: tuple[Action, ...] = ()
    frequency: Frequency | None = None
    new_this_year: bool = False
    new_passages: tuple[Text, ...] = ()
    tools: tuple[Identifier, ...] = ()
    sources: tuple[Source, ...] = ()
    metadata: Metadata = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _derive_codes(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        fields = dict(data)
        try:
            old = OldItem.parse(fields["old_item"]) if fields.get("old_item") is not None else None
            new = NewItem.parse(fields["new_item"]) if fields.get("new_item") is not None else None
        except FrameworkCodeError:
            return fields  # field validation reports the unknown code at its field
        if old is not None and new is None:
            new = old.new_item
        if new is not None and old is None:
            old = new.old_item
        if old is not None and new is not None and old not in new.old_items:
            raise FrameworkCodeError(
                f"old item {old.value} ({old.ja}) does not belong to new item {new.value} ({new.ja})"
            )
        if new is not None:
            given = fields.get("phase")
            if isinstance(given, str) and Phase.parse(given) is not new.phase:
                raise FrameworkCodeError(
                    f"phase {Phase.parse(given).value} contradicts new item {new.value} (phase {new.phase.value})"
                )
            fields["phase"] = new.phase
        fields["old_item"], fields["new_item"] = old, new
        return fields

    @model_validator(mode="after")
    def _new_passages_flag(self) -> Self:
        if self.new_passages and not self.new_this_year:
            raise InputError("new_passages are given but new_this_year is false")
        return self

    @cached_property
    def scene_set(self) -> frozenset[CareScene]:
        """The care scenes this program serves."""
        return frozenset(tag.scene for tag in self.scenes)


class Tool(FrozenModel):
    """A collaboration tool (連携ツール) or linked entity: form, notebook, ICT, network, meeting, desk …"""

    id: Identifier
    name: Text
    kind: ToolKind
    description: str | None = None
    number: str | None = None
    filled_by: tuple[ActorKind, ...] = ()
    operated_by: tuple[Text, ...] = ()
    evidence_for: tuple[Text, ...] = ()
    uses: tuple[Text, ...] = ()
    scenes: tuple[Annotated[SceneTag, BeforeValidator(_scene_tag)], ...] = ()
    renewal: Frequency | None = None
    parts: tuple[Identifier, ...] = ()
    binding: bool | None = None
    sources: tuple[Source, ...] = ()
    metadata: Metadata = Field(default_factory=dict)


# --- indicators ---------------------------------------------------------------------------------------------


class Unit(LabeledEnum):
    """Units of indicators."""

    TIMES = ("times", "回", "times")
    PERSONS = ("persons", "人", "persons")
    CASES = ("cases", "件", "cases")
    FACILITIES = ("facilities", "施設", "facilities")
    OFFICES = ("offices", "事業所", "offices")
    PERCENT = ("percent", "%", "%")
    COPIES = ("copies", "部", "copies")
    ITEMS = ("items", "種類", "kinds")


class IndicatorType(LabeledEnum):
    """Kinds of indicators in the Donabedian sense used by the national guide."""

    STRUCTURE = ("structure", "ストラクチャー指標", "structure")
    PROCESS = ("process", "プロセス指標", "process")
    OUTCOME = ("outcome", "アウトカム指標", "outcome")


class ValueKind(LabeledEnum):
    """Whether a value is a plan target or an actual."""

    PLAN = ("plan", "計画値", "plan")
    ACTUAL = ("actual", "実績値", "actual")


class ValueStatus(LabeledEnum):
    """The state of a value: final, cancelled (中止), provisional (予定) or partial up to a date."""

    FINAL = ("final", "確定", "final")
    CANCELLED = ("cancelled", "中止", "cancelled")
    PROVISIONAL = ("provisional", "予定", "provisional")
    PARTIAL = ("partial", "途中集計", "partial")


class IndicatorValue(FrozenModel):
    """One plan target or actual of an indicator for a fiscal year.

    A target may be a number or a :class:`Frequency` (年1回, 通年, 随時). The consistency of ``status``
    with ``value`` and ``as_of`` (a cancelled value has no number, a partial one has an as-of date inside
    its fiscal year) is checked by the validation catalogue, so that a plan with such a slip is reported
    with a code rather than refused outright.
    """

    fiscal_year: FiscalYearInt
    kind: ValueKind
    value: Decimal | None = None
    frequency: Frequency | None = None
    status: ValueStatus = ValueStatus.FINAL
    as_of: date | None = None
    note: str | None = None


class Indicator(FrozenModel):
    """An indicator of the plan with its values per fiscal year."""

    id: Identifier
    name: Text
    unit: Unit
    type: IndicatorType
    programs: tuple[Identifier, ...] = ()
    scenes: tuple[Annotated[SceneTag, BeforeValidator(_scene_tag)], ...] = ()
    values: tuple[IndicatorValue, ...] = ()
    description: str | None = None
    sources: tuple[Source, ...] = ()

    def value(self, fiscal_year: int, kind: ValueKind | str) -> IndicatorValue | None:
        """The value of ``kind`` (plan or actual) for ``fiscal_year``, if any."""
        wanted = ValueKind.parse(kind)
        for item in self.values:
            if item.fiscal_year == fiscal_year and item.kind is wanted:
                return item
        return None


# --- handoff rules ------------------------------------------------------------------------------------------


class WhoContacts(LabeledEnum):
    """Who starts the contact a handoff rule asks for."""

    FIXED = ("fixed", "定められた者", "the named sender")
    FIRST_TO_LEARN = ("first_to_learn", "先に把握した方", "whichever party learns of it first")


class DeadlineKind(LabeledEnum):
    """How a rule's deadline is expressed."""

    ASAP = ("asap", "速やかに", "as soon as possible")
    BEFORE = ("before", "事前に", "before the event")
    SAME_DAY = ("same_day", "当日", "on the day")
    CALENDAR_DAYS = ("calendar_days", "N日以内", "within N days")
    BUSINESS_DAYS = ("business_days", "N営業日以内", "within N business days")


class Deadline(FrozenModel):
    """When a contact is due, relative to the event (or to ``anchor``, e.g. 退院の目途が立った時)."""

    kind: DeadlineKind
    days: int | None = Field(default=None, ge=0)
    anchor: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _days_matches_kind(self) -> Self:
        counted = self.kind in {DeadlineKind.CALENDAR_DAYS, DeadlineKind.BUSINESS_DAYS}
        if counted != (self.days is not None):
            raise InputError(f"deadline {self.kind.value} {'needs' if counted else 'takes no'} days")
        return self


class RuleBasis(LabeledEnum):
    """Where a handoff rule comes from."""

    NATIONAL = ("national", "国の基準", "national standard")
    PREFECTURE = ("prefecture", "都道府県の手引き", "prefectural guide")
    CITY = ("city", "市町村のルール", "municipal rule")


class HandoffRule(FrozenModel):
    """A rule of who contacts whom, when, and with which form, on a care event.

    With ``who = first_to_learn`` the parties in ``contact_from`` and ``contact_to`` are the same set:
    whichever of them learns of the event first contacts the others (Asahikawa's admission rule).
    ``binding`` is false for guidance (目安) such as a city's handoff guide.
    """

    id: Identifier
    title: Text
    scene: CareScene
    event: EventKind
    who: WhoContacts = WhoContacts.FIXED
    contact_from: tuple[ActorKind, ...] = Field(min_length=1)
    contact_to: tuple[ActorKind, ...] = Field(min_length=1)
    deadline: Deadline
    tools: tuple[Identifier, ...] = ()
    basis: RuleBasis
    binding: bool
    applies_to: tuple[MunicipalCode, ...] = ()
    source: Source | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _parties(self) -> Self:
        if self.who is WhoContacts.FIRST_TO_LEARN and set(self.contact_from) != set(self.contact_to):
            raise InputError("a first_to_learn rule names the same parties in contact_from and contact_to")
        if self.who is WhoContacts.FIXED and set(self.contact_from) & set(self.contact_to):
            raise InputError("a fixed rule cannot have the same party on both ends")
        return self


class OfficeCalendarSpec(FrozenModel):
    """A business-day calendar for offices, as data: closed weekdays, closed and open dates, hours.

    The handoff engine turns it into a fast day table (:mod:`zaitaku_core.calendar`).
    """

    id: Identifier
    name: Text
    closed_weekdays: tuple[Annotated[int, Field(ge=0, le=6)], ...] = (5, 6)
    national_holidays_closed: bool = True
    year_end_closed: bool = True
    closed_dates: tuple[date, ...] = ()
    open_dates: tuple[date, ...] = ()
    opens: time = time(8, 45)
    closes: time = time(17, 30)
    note: str | None = None


# --- validation findings and report sections ----------------------------------------------------------------


class Severity(LabeledEnum):
    """How serious a validation finding is."""

    ERROR = ("error", "エラー", "error")
    WARNING = ("warning", "警告", "warning")
    INFO = ("info", "情報", "info")


class Finding(FrozenModel):
    """One result of a validation check, with a stable code and where it was found."""

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,4}\d{3}$")]
    severity: Severity
    message_ja: Text
    message_en: Text
    city: str | None = None
    program: str | None = None
    field: str | None = None
    plugin: str | None = None

    def message(self, lang: str = "ja") -> str:
        """The message in ``lang``."""
        return self.message_en if lang == "en" else self.message_ja


class ReportSection(FrozenModel):
    """An extra report section a plugin contributes: a titled table and/or paragraph."""

    id: Identifier
    title_ja: Text
    title_en: Text
    text_ja: str | None = None
    text_en: str | None = None
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @model_validator(mode="after")
    def _row_width(self) -> Self:
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise InputError(f"row {index} has {len(row)} cells for {len(self.columns)} columns")
        return self


# --- the assembled plan -------------------------------------------------------------------------------------


class Plan(FrozenModel):
    """Everything known about one city for one fiscal year, assembled by the registry."""

    city: City
    fiscal_year: FiscalYearInt
    programs: tuple[Program, ...] = ()
    tools: tuple[Tool, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    handoff_rules: tuple[HandoffRule, ...] = ()
    calendars: tuple[OfficeCalendarSpec, ...] = ()

    @cached_property
    def indicator_values(self) -> tuple[tuple[Indicator, int, IndicatorValue], ...]:
        """Every value of every indicator, as ``(indicator, index in its values, value)``, in order.

        Computed once per plan, for checks that each look at every value.
        """
        return tuple(
            (indicator, index, value) for indicator in self.indicators for index, value in enumerate(indicator.values)
        )

    def program(self, program_id: str) -> Program:
        """The program with ``program_id``."""
        for item in self.programs:
            if item.id == program_id:
                return item
        raise KeyError(program_id)

    def tool(self, tool_id: str) -> Tool:
        """The tool with ``tool_id``."""
        for item in self.tools:
            if item.id == tool_id:
                return item
        raise KeyError(tool_id)


#: The public models whose JSON Schema :func:`json_schemas` exports.
SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    City,
    Program,
    Tool,
    Indicator,
    HandoffRule,
    OfficeCalendarSpec,
    Finding,
    ReportSection,
    Plan,
)


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema (draft 2020-12) of every public model, keyed by model name.

    >>> sorted(json_schemas())[:3]
    ['City', 'Finding', 'HandoffRule']
    """
    return {model.__name__: model.model_json_schema() for model in SCHEMA_MODELS}
