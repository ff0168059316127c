"""Validated, immutable domain models: what a city plugin declares and what the library reads.

Every boundary of the library speaks these pydantic v2 models: a plugin's hook results are validated
into them, validation and reports read them, and :func:`json_schemas` exports them as JSON Schema for
systems written in other languages. All models are frozen and reject unknown fields, so a misspelled key
in a plugin's data file is an error, not a silently dropped value.

The main models:

* :class:`City` — a plugin's city: its :class:`Municipality`, the towns that share its rules, operators,
  named organisations, its aims (a general aim and a 目指すべき姿 per care scene, :class:`SceneAim`), its
  plan periods (:class:`PeriodPlan`, 第n期, with aims of their own) and sources.
* :class:`Program` (取組 / 実施項目) — one action item of a fiscal year's plan, tagged with its national item
  in the old and/or new lettering (the other is derived where unambiguous), the care scenes it serves and
  the actions of each owner. A program stated once for a plan period is a :class:`PeriodProgram` with
  per-year overrides (:class:`ProgramYear`); the registry turns it into the :class:`Program` of each year,
  under one stable id.
* :class:`Body` — a council, working group, centre, desk, network or event series: its members, parent
  body, founders, commissioner and contractor (委託), staff roles (a coordinator) and the programs and
  events it holds.
* :class:`Tool` (連携ツール): forms, notebooks, ICT, guides, lists.
* :class:`Indicator` with per-fiscal-year :class:`IndicatorValue` plan targets and actuals.
* :class:`HandoffRule` — a city's rule of who contacts whom, when and on which form.
* :class:`Provenance` — whether a fact was stated by a source or inferred by the data author, why, and
  where; every :class:`SceneTag` is one, and records carry it per field.
* :class:`Plan` — everything the registry knows about one city and fiscal year, assembled.

>>> p = Program(id="a-1", title="資源リストの更新", fiscal_year="令和6年度", old_item="旧ア")
>>> p.fiscal_year, p.new_item.value, p.phase.ja
(2024, 'ア(ア)', '現状分析・課題抽出・施策立案')
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Self, TypeVar

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
from zaitaku_core.activity.vocabulary import ActivityKind, Asker, Profession
from zaitaku_core.calendar import FiscalYear, PlanPeriod, parse_fiscal_year, parse_plan_period
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
from zaitaku_core.i18n import N_, NN_, ByLanguage, tr

__all__ = [
    "UNIT_MAXIMA",
    "WHOLE_RECORD",
    "Action",
    "ActionRole",
    "Amount",
    "Basis",
    "Body",
    "BodyKind",
    "City",
    "Deadline",
    "DeadlineKind",
    "Derivation",
    "DerivationMeasure",
    "Finding",
    "FiscalYearInt",
    "Frequency",
    "FrequencyKind",
    "FrozenModel",
    "HandoffRule",
    "HeldEvent",
    "Identifier",
    "Indicator",
    "IndicatorType",
    "IndicatorValue",
    "Listed",
    "Member",
    "MemberRole",
    "MunicipalCode",
    "Municipality",
    "OfficeCalendarSpec",
    "Organization",
    "PeriodPlan",
    "PeriodProgram",
    "Plan",
    "PlanPeriodInt",
    "Program",
    "ProgramYear",
    "Provenance",
    "ProvenancedModel",
    "ReportSection",
    "RuleBasis",
    "SceneAim",
    "SceneAims",
    "SceneTag",
    "SceneTags",
    "Severity",
    "Source",
    "StaffKind",
    "StaffRole",
    "Tool",
    "Unit",
    "ValueKind",
    "ValueStatus",
    "Variant",
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
FiscalYearInt = Annotated[int, Field(ge=1868, le=2200), BeforeValidator(_fiscal_year)]

#: A 全国地方公共団体コード with its check digit verified (six digits).
MunicipalCode = Annotated[str, BeforeValidator(codes.validate)]

#: A stable identifier, made of lower-case ASCII letters, digits, ``-``, ``_`` and ``.``.
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=120)]

#: Free text that must not be empty.
Text = Annotated[str, StringConstraints(min_length=1)]

_Item = TypeVar("_Item")


def _not_a_set(value: Any) -> Any:
    """``value`` unless it is a set: a set has no order (its iteration order changes from run to run with
    Python's string hashing), so a list made from it, and every report that shows it, would too."""
    if isinstance(value, set | frozenset):
        raise InputError(
            N_("a set has no order (it would change from run to run): give a list, in the order to show"),
            values={},
        )
    return value


#: A list of values or records in the order given (a tuple once validated); a set is refused (:func:`_not_a_set`).
Listed = Annotated[tuple[_Item, ...], BeforeValidator(_not_a_set)]

#: Free, JSON-serialisable metadata (sources, notes); never interpreted, never executed.
Metadata = dict[str, JsonValue]


class Source(FrozenModel):
    """Where a fact comes from: a document, its section or page, and a note on how it was read.

    A bare string is read as the document's title: ``source = "第9期介護保険事業計画"``.
    """

    title: Text = Field(title="文書名", description="The document's title as it is published.")
    section: str | None = Field(None, title="節", description="The chapter or section the fact is read in.")
    page: str | None = Field(None, title="ページ", description="The page (as printed, so text: ``12``, ``資料3-2``).")
    url: str | None = Field(None, title="URL", description="Where the document can be read.")
    published: date | None = Field(None, title="公表日", description="The document's publication date.")
    note: str | None = Field(None, title="注記", description="How the document was read, where that matters.")

    @model_validator(mode="before")
    @classmethod
    def _from_title(cls, data: Any) -> Any:
        return {"title": data} if isinstance(data, str) else data


class Basis(LabeledEnum):
    """Whether a fact was read in a source or inferred by whoever wrote the data."""

    STATED = ("stated", "資料に明記", "stated in the source")
    INFERRED = ("inferred", "データ作成者の解釈", "inferred by the data author")


class Provenance(FrozenModel):
    """Where one fact comes from: ``basis`` (stated in a source, or inferred), the ``reason`` for an
    inference, and the ``source`` (document, section or page) where known.

    The one model of provenance: a :class:`SceneTag` is a Provenance with its scene, and records
    (:class:`Program`, :class:`PeriodProgram`, :class:`Body`, :class:`Tool`, :class:`Indicator`,
    :class:`HandoffRule`, :class:`City`) carry a ``provenance`` table keyed by the field it is about
    (``"record"`` for the record as a whole). An inferred fact should say why: check ``ZK017`` reports one
    without a reason, and the plugin conformance suite fails on it.

    >>> Provenance(reason="名称から判断").basis.value
    'inferred'
    >>> Provenance(basis="stated", source="第9期計画").source.title
    '第9期計画'
    """

    basis: Basis = Field(
        Basis.INFERRED,
        title="根拠",
        description="Whether the fact is stated in a source or inferred by the data author (the default).",
    )
    reason: str | None = Field(
        None,
        title="理由",
        description="Why an inferred fact was inferred (an inference without one is reported by ZK017).",
    )
    source: Source | None = Field(
        None, title="出典", description="The document, section or page the fact is read in, where known."
    )

    @property
    def unexplained(self) -> bool:
        """Whether this is an inference that gives no reason."""
        return self.basis is Basis.INFERRED and not (self.reason and self.reason.strip())


#: The key of a ``provenance`` table that speaks of the record as a whole.
WHOLE_RECORD = "record"


class ProvenancedModel(FrozenModel):
    """Base of the records that carry provenance per field: ``provenance = {founders = {basis = "inferred",
    reason = "…"}}``. Keys are the record's own field names, or ``"record"`` for the whole record."""

    provenance: dict[str, Provenance] = Field(
        default_factory=dict,
        title="根拠",
        description="Provenance per field, keyed by the record's own field names, or ``record`` for the whole record.",
    )

    @model_validator(mode="after")
    def _provenance_keys(self) -> Self:
        if not self.provenance:  # most records: nothing to check (this runs for every record validated)
            return self
        unknown = sorted(set(self.provenance) - set(type(self).model_fields) - {WHOLE_RECORD, "provenance"})
        if unknown or "provenance" in self.provenance:
            bad = unknown or ["provenance"]
            raise InputError(
                N_(
                    "provenance names no field of {model}: {fields} "
                    "(use a field name, or {whole!r} for the whole record)"
                ),
                values={"model": type(self).__name__, "fields": ", ".join(bad), "whole": WHOLE_RECORD},
            )
        return self


class Variant(FrozenModel):
    """Another spelling of a name or text that the source itself uses elsewhere, kept as written.

    A source may write one program two ways (an outline and a table); the record keeps the one it follows
    and lists the others here with where they occur, so nothing is silently "fixed".
    """

    text: Text = Field(title="表記", description="The other spelling, as the source writes it.")
    where: str | None = Field(None, title="箇所", description="Where in the source it occurs.")
    note: str | None = Field(None, title="備考", description="A remark on the variant.")


class Municipality(FrozenModel):
    """A municipality, identified by its 全国地方公共団体コード (JIS X 0402)."""

    code: MunicipalCode = Field(
        title="コード", description="The 全国地方公共団体コード: six digits, the check digit verified."
    )
    name: Text = Field(title="名称", description="The municipality's Japanese name (旭川市).")
    prefecture: Text = Field(
        title="都道府県", description="The prefecture's Japanese name; must match the code's prefecture."
    )
    name_en: str | None = Field(None, title="英語名", description="The municipality's English name.")

    @model_validator(mode="after")
    def _prefecture_matches_code(self) -> Self:
        expected = codes.prefecture_name(self.code)
        if self.prefecture != expected:
            raise InputError(
                N_("prefecture {prefecture!r} does not match code {code} ({expected})"),
                values={"prefecture": self.prefecture, "code": self.code, "expected": expected},
            )
        return self


class Organization(FrozenModel):
    """A named organisation that owns actions or runs tools (医師会, 長寿社会課, 地域包括支援センター …)."""

    name: Text = Field(title="名称", description="The organisation's name as the source writes it.")
    kind: ActorKind = Field(title="種別", description="What kind of actor it is (市町村の担当課, 医師会 …).")
    name_en: str | None = Field(None, title="英語名", description="Its English name.")
    note: str | None = Field(None, title="備考", description="A remark on the organisation.")


class SceneAim(FrozenModel):
    """The 目指すべき姿 a city (or one of its plan periods) sets for one care scene, in its own words."""

    scene: CareScene = Field(title="場面", description="The care scene the aim is for.")
    text: Text = Field(title="目指すべき姿", description="The aim, in the plan's own words.")
    label: str | None = Field(None, title="見出し", description="The plan's own heading for the aim, where it has one.")
    source: Source | None = Field(None, title="出典", description="Where the aim is stated.")


def _scene_aims(value: Any) -> Any:
    """Read scene aims given as a table ``{daily_support = "…", 看取り = "…"}`` as well as a list."""
    if isinstance(value, Mapping):
        return [
            {"scene": scene, "text": text} if isinstance(text, str) else {"scene": scene, **text}
            for scene, text in value.items()
        ]
    return value


#: Scene aims, one per care scene; a table keyed by scene is accepted too, a set refused (as for :data:`Listed`).
SceneAims = Annotated[tuple[SceneAim, ...], BeforeValidator(_scene_aims), BeforeValidator(_not_a_set)]


def _unique_scenes(aims: tuple[SceneAim, ...], where: ByLanguage) -> None:
    scenes = [aim.scene for aim in aims]
    if len(scenes) != len(set(scenes)):
        twice = sorted({s for s in scenes if scenes.count(s) > 1}, key=lambda s: s.value)
        raise InputError(
            N_("{where} gives the aim of a scene twice: {scenes}"),
            values={
                "where": where,
                "scenes": ByLanguage("、".join(s.ja for s in twice), ", ".join(s.value for s in twice)),
            },
        )


def _plan_period(value: Any) -> Any:
    if isinstance(value, int | str | PlanPeriod) and not isinstance(value, bool):
        return parse_plan_period(value).number
    return value


#: A 介護保険事業計画 period (第n期) by its number; accepts ``9``, ``"第9期"``, ``"第９期"``.
PlanPeriodInt = Annotated[int, Field(ge=1, le=67), BeforeValidator(_plan_period)]


class PeriodPlan(FrozenModel):
    """What a city's plan for one 介護保険事業計画 period (第n期) states as a whole: its title, its general
    aim and its 目指すべき姿 per care scene. Where given, they stand for the city's own in that period's
    fiscal years (:meth:`Plan.aim`, :meth:`Plan.scene_aim`)."""

    period: PlanPeriodInt = Field(title="期", description="The plan period's number (9 for 第9期).")
    title: str | None = Field(None, title="名称", description="The plan document's title.")
    aim: str | None = Field(None, title="目指す姿", description="The general aim the period's plan states.")
    scene_aims: SceneAims = Field(
        (), title="場面ごとの目指すべき姿", description="The 目指すべき姿 per care scene the period's plan states."
    )
    sources: Listed[Source] = Field((), title="出典", description="The documents of the period's plan.")

    @property
    def plan_period(self) -> PlanPeriod:
        """The period as a :class:`~zaitaku_core.calendar.PlanPeriod`."""
        return PlanPeriod(self.period)

    @model_validator(mode="after")
    def _one_aim_per_scene(self) -> Self:
        _unique_scenes(self.scene_aims, ByLanguage(f"第{self.period}期", f"plan period 第{self.period}期"))
        return self


class City(ProvenancedModel):
    """A city as a plugin declares it: the municipality, the towns sharing its rules, and its context.

    ``id`` is the short name used on the command line (``asahikawa``). ``covers`` lists other
    municipalities the plugin serves (for example towns that adopted the city's handoff rules).
    ``fiscal_years`` are the years it has a plan for: asking for another year is an error unless the caller
    allows it explicitly. ``aim`` is the general aim, ``scene_aims`` the 目指すべき姿 per care scene (a scene
    without one is reported as information, ``ZK018``), and ``periods`` what a 第n期 plan states as a whole.
    """

    id: Identifier = Field(title="市町村ID", description="The short name used on the command line (``asahikawa``).")
    municipality: Municipality = Field(title="市町村", description="The municipality the plugin is for.")
    covers: Listed[Municipality] = Field(
        (),
        title="同じルールの市町村",
        description="Other municipalities the plugin serves (towns that adopted the city's handoff rules).",
    )
    fiscal_years: Listed[FiscalYearInt] = Field(
        min_length=1,
        title="計画の年度",
        description="The fiscal years the city has a plan for; another year is an error unless allowed explicitly.",
    )
    operators: Listed[Organization] = Field(
        (), title="受託者", description="Who runs the program: the city's section, or the contractor it commissions."
    )
    organizations: Listed[Organization] = Field(
        (), title="関係機関等", description="The named organisations that own programs' actions or run tools."
    )
    aim: str | None = Field(None, title="目指すべき姿", description="The general aim of the program.")
    scene_aims: SceneAims = Field(
        (),
        title="場面ごとの目指すべき姿",
        description="The 目指すべき姿 per care scene (a scene without one is reported as information, ZK018).",
    )
    periods: Listed[PeriodPlan] = Field(
        (), title="計画期間", description="What the plan of each 第n期 states as a whole."
    )
    sources: Listed[Source] = Field((), title="出典", description="The documents the city's data is read from.")
    headings: dict[str, Text] = Field(
        default_factory=dict,
        title="報告書の見出し",
        description=(
            'The plan document\'s own words for report headings, by report key (``{item = "必須項目"}``); '
            "reports in Japanese use them."
        ),
    )
    notes: Listed[Text] = Field(
        (),
        title="計画全体についての記述",
        description="Other statements the plan makes about itself as a whole, verbatim.",
    )
    metadata: Metadata = Field(
        default_factory=dict, title="その他", description="Free JSON metadata: never interpreted, never executed."
    )

    @property
    def name(self) -> str:
        """The municipality's Japanese name."""
        return self.municipality.name

    def period(self, fiscal_year: int) -> PeriodPlan | None:
        """The :class:`PeriodPlan` of the period ``fiscal_year`` lies in, if the city declares one."""
        number = PlanPeriod.of(fiscal_year).number if fiscal_year >= 2000 else None
        return next((p for p in self.periods if p.period == number), None)

    @model_validator(mode="after")
    def _unique_municipalities(self) -> Self:
        seen = [self.municipality.code, *(m.code for m in self.covers)]
        if len(seen) != len(set(seen)):
            raise InputError(N_("a municipality is listed twice in municipality/covers"), values={})
        if len(set(self.fiscal_years)) != len(self.fiscal_years):
            raise InputError(N_("a fiscal year is listed twice in fiscal_years"), values={})
        _unique_scenes(self.scene_aims, ByLanguage("市町村の計画", "the city"))
        numbers = [p.period for p in self.periods]
        if len(numbers) != len(set(numbers)):
            raise InputError(N_("a plan period is declared twice in periods"), values={})
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
#: A counted frequency as a person reads it (the kind's label, 年N回 / N times a year, with its count).
_COUNTED_FREQUENCIES: dict[FrequencyKind, str] = {
    FrequencyKind.PER_YEAR: NN_("{count} time a year", "{count} times a year"),
    FrequencyKind.PER_MONTH: NN_("{count} time a month", "{count} times a month"),
    FrequencyKind.PER_WEEK: NN_("{count} time a week", "{count} times a week"),
    FrequencyKind.EVERY_N_YEARS: NN_("every {count} year", "every {count} years"),
}
_FREQ_WORDS = {"通年": FrequencyKind.ALL_YEAR, "随時": FrequencyKind.AS_NEEDED, "単発": FrequencyKind.ONCE}


class Frequency(FrozenModel):
    """A frequency such as 年1回, 月2回, 通年 or 随時; parse one from text with :meth:`parse`.

    >>> Frequency.parse("年１回").count
    1
    >>> Frequency.parse("随時").kind.ja
    '随時'
    """

    kind: FrequencyKind = Field(
        title="種類", description="How often: per year, month or week, every N years, all year, as needed, once."
    )
    count: int | None = Field(
        default=None,
        ge=1,
        title="回数",
        description="N, for the counted kinds (年N回, 月N回, 週N回, N年ごと); none for the others.",
    )
    text: str | None = Field(None, title="表記", description="The frequency as the source writes it.")

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
            raise InputError(N_("frequency {kind} needs a count"), values={"kind": self.kind.value})
        if not counted and self.count is not None:
            raise InputError(N_("frequency {kind} takes no count"), values={"kind": self.kind.value})
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
        raise InputError(
            N_("unknown frequency {text!r}; expected 年N回, 月N回, 週N回, N年ごと, 通年, 随時 or 単発"),
            values={"text": text},
        )

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
        """The frequency as written in Japanese (年1回) or in English (1 time a year, 2 times a year).

        >>> [Frequency.parse(text).label(lang) for text in ("年1回", "月2回") for lang in ("ja", "en")]
        ['年1回', '1 time a year', '月2回', '2 times a month']
        """
        if self.count is None:
            return self.kind.label(lang)
        return tr(_COUNTED_FREQUENCIES[self.kind], "en" if lang == "en" else "ja", count=self.count)

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

    role: ActionRole = Field(
        title="区分", description="Whose action it is: the municipality's, the contracted operator's, or partners'."
    )
    owners: Listed[Text] = Field(
        min_length=1,
        title="担当",
        description="The organisation or organisations that own the action (several for a joint 【…・…】 heading).",
    )
    text: Text = Field(title="内容", description="What the owners do.")


def _scene_tag(value: Any) -> Any:
    if isinstance(value, str | CareScene):
        return {"scene": value}
    return value


class SceneTag(Provenance):
    """A care scene a record serves, with its :class:`Provenance`: whether the source states the scene or
    the data author inferred it (the default), the reason, and the source.

    A bare scene (``"看取り"``) is read as an inferred tag without a reason, which ``ZK017`` reports.
    """

    scene: CareScene = Field(title="場面", description="The care scene the record serves.")


#: Scene tags, each given as a mapping or as a bare scene; a set of scenes is refused, as for :data:`Listed`.
SceneTags = Annotated[tuple[Annotated[SceneTag, BeforeValidator(_scene_tag)], ...], BeforeValidator(_not_a_set)]


def _derive_item_codes(data: Any) -> Any:
    """Fill in the old or new item code and the phase from what is given (see :class:`Program`)."""
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
            N_("old item {old} ({old_ja}) does not belong to new item {new} ({new_ja})"),
            values={"old": old.value, "old_ja": old.ja, "new": new.value, "new_ja": new.ja},
        )
    if new is not None:
        given = fields.get("phase")
        if isinstance(given, str) and Phase.parse(given) is not new.phase:
            raise FrameworkCodeError(
                N_("phase {phase} contradicts new item {new} (phase {expected})"),
                values={"phase": Phase.parse(given).value, "new": new.value, "expected": new.phase.value},
            )
        fields["phase"] = new.phase
    fields["old_item"], fields["new_item"] = old, new
    return fields


class _ProgramContent(ProvenancedModel):
    """The fields a program states, whether for one fiscal year or once for a span of years."""

    id: Identifier = Field(title="ID", description="The program's stable id, the same in every fiscal year it runs.")
    title: Text = Field(title="取組名", description="The program's name as the source writes it.")
    old_item: OldItem | None = Field(
        None,
        title="旧項目",
        description="The national item in the old lettering (ア〜ク); derived from ``new_item`` where unambiguous.",
    )
    new_item: NewItem | None = Field(
        None,
        title="新項目",
        description="The national item in the new lettering (ア(ア)…ウ); derived from ``old_item`` where unambiguous.",
    )
    phase: Phase | None = Field(
        None,
        title="区分（PDCA）",
        description="The PDCA phase; derived from the new item, given only for an old ク item.",
    )
    number: str | None = Field(None, title="番号", description="The program's number as printed (``1``, ``①``).")
    item_label: str | None = Field(
        None, title="資料の項目の表記", description="The national item as the source writes it."
    )
    phase_label: str | None = Field(None, title="資料の区分の表記", description="The phase as the source writes it.")
    scenes: SceneTags = Field(
        (), title="場面", description="The care scenes the program serves, each with its provenance."
    )
    overview: str | None = Field(None, title="取組の概要", description="取組の概要: what the program is.")
    direction: str | None = Field(None, title="今後の方針", description="今後の方針: where it is going.")
    target: str | None = Field(None, title="実施目標", description="This year's 実施目標.")
    actions: Listed[Action] = Field((), title="担当", description="What each owner does.")
    frequency: Frequency | None = Field(None, title="実施回数", description="How often it is carried out (実施回数).")
    tools: Listed[Identifier] = Field((), title="連携ツール", description="The ids of the collaboration tools it uses.")
    variants: Listed[Variant] = Field(
        (), title="資料の別の表記", description="Other spellings the source uses for the program."
    )
    sources: Listed[Source] = Field((), title="出典", description="Where the program is stated.")
    metadata: Metadata = Field(
        default_factory=dict, title="その他", description="Free JSON metadata: never interpreted, never executed."
    )

    @model_validator(mode="before")
    @classmethod
    def _derive_codes(cls, data: Any) -> Any:
        return _derive_item_codes(data)


class Program(_ProgramContent):
    """One program (取組 / 実施項目) of a city's plan for a fiscal year.

    Give the national item as ``old_item`` (ア〜ク), ``new_item`` (ア(ア)…ウ) or both; the other is
    derived where the mapping is unambiguous, and ``phase`` is derived from the new item. ``phase`` may
    be given for an old ク item, which has no new code (Asahikawa files it under 対応策の実施); where it
    can be derived, a contradicting ``phase`` is an error.

    The plan's words go to separate fields: ``number`` (the program's number as printed, ``"1"``, ``"①"``),
    ``title``, ``overview`` (取組の概要), ``direction`` (今後の方針), ``target`` (this year's 実施目標) and
    ``frequency`` (実施回数). ``span`` lists the fiscal years of the :class:`PeriodProgram` this year's
    program was made from (empty for a program declared for its year alone).

    ``item_label`` and ``phase_label`` keep the item and the phase as the source writes them (Tokushima's
    必須項目 cell "(ア) 在宅医療・介護連携", Asahikawa's "旧ア 地域の医療・介護の資源の把握"); reports show
    them beside the national codes. ``variants`` lists other spellings the source uses for the program.
    """

    fiscal_year: FiscalYearInt = Field(title="年度", description="The fiscal year of this program.")
    new_this_year: bool = Field(
        False, title="今年度の新規", description="Whether the source marks the program as new this year."
    )
    new_passages: Listed[Text] = Field(
        (), title="新規の記述", description="The passages the source marks as new this year (needs ``new_this_year``)."
    )
    span: Listed[FiscalYearInt] = Field(
        (),
        title="計画期間の年度",
        description=(
            "The fiscal years of the period program this year's program was made from (empty for a program "
            "declared for its year alone)."
        ),
    )

    # The registry reuses a program validated for one year for the next when its input is the same but
    # for ``fiscal_year`` (plugins._in_year): it validates the year alone and copies the program with it.
    # So no validator may read ``fiscal_year`` but this span check (a program with a span is never reused);
    # tests/test_plan_reuse.py compares reuse with validation.
    @model_validator(mode="after")
    def _new_passages_flag(self) -> Self:
        if self.new_passages and not self.new_this_year:
            raise InputError(N_("new_passages are given but new_this_year is false"), values={})
        if self.span and self.fiscal_year not in self.span:
            raise InputError(
                N_("fiscal year {year} lies outside the program's span {span}"),
                values={"year": self.fiscal_year, "span": list(self.span)},
            )
        return self

    @cached_property
    def scene_set(self) -> frozenset[CareScene]:
        """The care scenes this program serves."""
        return frozenset(tag.scene for tag in self.scenes)


class ProgramYear(FrozenModel):
    """What changes in one fiscal year of a :class:`PeriodProgram`: any field given here replaces the
    period's for that year (a new ``target``, a ``frequency``), and ``new_passages`` mark text new that year
    (``new_this_year`` then follows unless given)."""

    fiscal_year: FiscalYearInt = Field(
        title="年度", description="The fiscal year the overrides apply to; inside the program's span."
    )
    title: Text | None = Field(None, title="取組名", description="The program's name in this year, if it differs.")
    number: str | None = Field(None, title="番号", description="The program's number in this year, if it differs.")
    overview: str | None = Field(None, title="取組の概要", description="取組の概要 in this year, if it differs.")
    direction: str | None = Field(None, title="今後の方針", description="今後の方針 in this year, if it differs.")
    target: str | None = Field(None, title="実施目標", description="This year's 実施目標.")
    frequency: Frequency | None = Field(None, title="実施回数", description="How often it is carried out in this year.")
    scenes: SceneTags | None = Field(
        None, title="場面", description="The care scenes it serves in this year, if they differ."
    )
    actions: Listed[Action] | None = Field(
        None, title="担当", description="What each owner does in this year, if it differs."
    )
    tools: Listed[Identifier] | None = Field(
        None, title="連携ツール", description="The tools it uses in this year, if they differ."
    )
    new_this_year: bool | None = Field(
        None,
        title="今年度の新規",
        description="Whether the program is new this year (follows ``new_passages`` unless given).",
    )
    new_passages: Listed[Text] = Field(
        (), title="新規の記述", description="The passages the source marks as new this year."
    )
    note: str | None = Field(
        None, title="備考", description="A remark on this year (kept in the year's program as ``metadata.year_note``)."
    )


class PeriodProgram(_ProgramContent):
    """A program stated once for a plan period (第n期) or any span of fiscal years, with per-year overrides.

    Give ``period`` (``"第9期"``: its three fiscal years) or ``fiscal_years`` (any span); ``years`` holds
    what changes in one year (:class:`ProgramYear`). The registry turns it into one :class:`Program` per
    fiscal year of its span (:meth:`for_year`), all with the same ``id``, so indicators and bodies keep
    their program in every year.

    >>> p = PeriodProgram(id="soudan", title="相談支援", period="第9期", target="相談に応じる",
    ...                   years=[{"fiscal_year": 2025, "target": "相談窓口を周知する"}])
    >>> [(y.fiscal_year, y.target) for y in (p.for_year(2024), p.for_year(2025))]
    [(2024, '相談に応じる'), (2025, '相談窓口を周知する')]
    >>> p.for_year(2027) is None
    True
    """

    period: PlanPeriodInt | None = Field(
        None, title="計画期間", description="The plan period the program is stated for (第9期: its three fiscal years)."
    )
    fiscal_years: Listed[FiscalYearInt] = Field(
        (), title="年度", description="Any span of fiscal years, instead of or within ``period``."
    )
    years: Listed[ProgramYear] = Field((), title="年度ごとの変更", description="What changes in one fiscal year.")

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.period is None and not self.fiscal_years:
            raise InputError(N_("a program stated for a span needs period (第9期) or fiscal_years"), values={})
        if self.period is not None and self.fiscal_years:
            outside = [y for y in self.fiscal_years if not PlanPeriod(self.period).contains(y)]
            if outside:
                raise InputError(
                    N_("fiscal_years {years} lie outside 第{period}期"),
                    values={"years": outside, "period": self.period},
                )
        if len(set(self.fiscal_years)) != len(self.fiscal_years):
            raise InputError(N_("a fiscal year is listed twice in fiscal_years"), values={})
        seen: set[int] = set()
        for override in self.years:
            if override.fiscal_year not in self.span:
                raise InputError(
                    N_("years: FY{year} lies outside the span {span}"),
                    values={"year": override.fiscal_year, "span": list(self.span)},
                )
            if override.fiscal_year in seen:
                raise InputError(N_("years: FY{year} is given twice"), values={"year": override.fiscal_year})
            seen.add(override.fiscal_year)
        return self

    @property
    def span(self) -> tuple[int, ...]:
        """The fiscal years the program is stated for, in order."""
        if self.fiscal_years:
            return tuple(sorted(self.fiscal_years))
        assert self.period is not None  # the validator requires one of the two
        return tuple(fy.year for fy in PlanPeriod(self.period).fiscal_years)

    def for_year(self, fiscal_year: int) -> Program | None:
        """The :class:`Program` of ``fiscal_year`` (the period's fields with that year's overrides), or
        ``None`` when the year lies outside the span.

        Raises:
            pydantic.ValidationError: the year's fields do not make a valid program.
        """
        span = self.span
        if fiscal_year not in span:
            return None
        fields = {name: getattr(self, name) for name in _ProgramContent.model_fields if name in self.model_fields_set}
        fields.update(id=self.id, title=self.title, fiscal_year=fiscal_year, span=span)
        for key in ("old_item", "new_item", "phase"):
            fields[key] = getattr(self, key)
        override = next((y for y in self.years if y.fiscal_year == fiscal_year), None)
        if override is not None:
            given = override.model_fields_set - {"fiscal_year", "note"}
            fields.update({name: getattr(override, name) for name in given})
            if override.new_passages and "new_this_year" not in given:
                fields["new_this_year"] = True
            if override.note:
                fields["metadata"] = {**self.metadata, "year_note": override.note}
        return Program.model_validate(fields)


# --- bodies -------------------------------------------------------------------------------------------------


class BodyKind(LabeledEnum):
    """Kinds of bodies that run the program (as opposed to the tools they use)."""

    COUNCIL = ("council", "協議会", "council")
    COMMITTEE = ("committee", "委員会", "committee")
    WORKING_GROUP = ("working_group", "部会・ワーキンググループ", "working group")
    MEETING = ("meeting", "会議", "recurring meeting")
    CENTRE = ("centre", "センター", "centre")
    DESK = ("desk", "相談窓口", "consultation desk")
    NETWORK = ("network", "ネットワーク", "network")
    EVENT_SERIES = ("event_series", "講演会・イベント", "public event series")
    TRAINING_SERIES = ("training_series", "研修会", "training series")
    OTHER = ("other", "その他", "other")


class MemberRole(LabeledEnum):
    """The part a member organisation plays in a body."""

    CHAIR = ("chair", "会長・委員長", "chair")
    VICE_CHAIR = ("vice_chair", "副会長・副委員長", "vice-chair")
    MEMBER = ("member", "委員・構成員", "member")
    SECRETARIAT = ("secretariat", "事務局", "secretariat")
    ADVISER = ("adviser", "助言者・アドバイザー", "adviser")
    OBSERVER = ("observer", "オブザーバー", "observer")


class Member(FrozenModel):
    """An organisation (or a kind of provider) that sits in a body, with its role.

    ``organization`` is the name as the source writes it (徳島市医師会, 訪問看護ステーション代表);
    ``title`` the role as written (委員長) where it says more than ``role``.
    """

    organization: Text = Field(
        title="組織", description="The organisation (or kind of provider) as the source writes it."
    )
    kind: ActorKind | None = Field(None, title="種別", description="What kind of actor it is.")
    role: MemberRole = Field(
        MemberRole.MEMBER, title="役割", description="The part it plays in the body (chair, member, secretariat …)."
    )
    title: str | None = Field(
        None, title="職名", description="Its role as the source writes it (委員長), where that says more than ``role``."
    )
    seats: int | None = Field(default=None, ge=1, le=1000, title="人数", description="How many seats it holds.")
    note: str | None = Field(None, title="備考", description="A remark on the member.")


class StaffKind(LabeledEnum):
    """Kinds of staff posts a body has."""

    COORDINATOR = ("coordinator", "コーディネーター", "coordinator")
    MANAGER = ("manager", "責任者", "manager")
    STAFF = ("staff", "職員", "staff")
    ADVISER = ("adviser", "相談員・助言者", "adviser")


class StaffRole(FrozenModel):
    """A staff post placed in a body: a coordinator (在宅医療・介護連携コーディネーター), its employer,
    qualifications and number."""

    role: StaffKind = Field(title="職", description="The kind of post (coordinator, manager, staff, adviser).")
    title: str | None = Field(None, title="職名", description="The post's title as the source writes it.")
    employer: str | None = Field(None, title="所属", description="Who employs the staff.")
    qualifications: Listed[Text] = Field(
        (), title="資格", description="The qualifications the post asks for or its holders have."
    )
    count: int | None = Field(default=None, ge=1, le=1000, title="人数", description="How many people hold the post.")
    note: str | None = Field(None, title="備考", description="A remark on the post.")


class HeldEvent(FrozenModel):
    """An event a body holds apart from its programs: a meeting, a 講演会, a フェス.

    ``fiscal_years`` empty means every year the body exists.
    """

    name: Text = Field(title="名称", description="The event's name.")
    kind: BodyKind = Field(BodyKind.MEETING, title="種別", description="What kind of event.")
    frequency: Frequency | None = Field(None, title="回数", description="How often it is held.")
    fiscal_years: Listed[FiscalYearInt] = Field(
        (), title="年度", description="The fiscal years it is held (empty: every year the body exists)."
    )
    program: Identifier | None = Field(None, title="取組", description="The id of the program it belongs to, if any.")
    note: str | None = Field(None, title="備考", description="A remark on the event.")


class Body(ProvenancedModel):
    """A body that runs the program: a council (協議会), its working group (部会), a centre, a desk, a
    network or a series of public events.

    ``parent`` is the id of the body it belongs to (a ワーキング部会 under its 協議会). ``founders`` are the
    organisations that set it up, one or several (a centre founded jointly by the city and the 医師会);
    ``commissioner`` commissions it and ``contractor`` runs it under that contract (委託元 / 委託先).
    ``programs`` and ``events`` are what it holds; ``tools`` the tools it runs. Forms, notebooks, ICT and
    guides are :class:`Tool` records, not bodies.
    """

    id: Identifier = Field(title="ID", description="The body's stable id.")
    name: Text = Field(title="名称", description="The body's name as the source writes it.")
    kind: BodyKind = Field(
        title="種別", description="What kind of body: council, working group, centre, desk, network, event series …."
    )
    name_en: str | None = Field(None, title="英語名", description="Its English name.")
    description: str | None = Field(None, title="説明", description="What the body does.")
    parent: Identifier | None = Field(
        None, title="上部組織", description="The id of the body it belongs to (a working group's council)."
    )
    members: Listed[Member] = Field(
        (), title="構成員", description="The organisations that sit in it, with their roles."
    )
    founders: Listed[Text] = Field(
        (), title="設置者", description="The organisations that set it up (several for a joint foundation)."
    )
    commissioner: str | None = Field(None, title="委託元", description="Who commissions it (委託元).")
    contractor: str | None = Field(
        None, title="受託者", description="Who runs it under that contract (委託先); differs from the commissioner."
    )
    staff: Listed[StaffRole] = Field((), title="配置職員", description="The staff posts placed in it (a coordinator).")
    programs: Listed[Identifier] = Field((), title="取組", description="The ids of the programs it holds.")
    events: Listed[HeldEvent] = Field(
        (), title="開催する会議・行事", description="The events it holds apart from its programs."
    )
    tools: Listed[Identifier] = Field((), title="連携ツール", description="The ids of the tools it runs.")
    scenes: SceneTags = Field((), title="場面", description="The care scenes it serves.")
    established: FiscalYearInt | None = Field(None, title="設置年度", description="The fiscal year it was set up.")
    sources: Listed[Source] = Field((), title="出典", description="Where the body is stated.")
    metadata: Metadata = Field(
        default_factory=dict, title="その他", description="Free JSON metadata: never interpreted, never executed."
    )

    @model_validator(mode="after")
    def _own_parent(self) -> Self:
        if self.parent == self.id:
            raise InputError(N_("body {id!r} cannot be its own parent"), values={"id": self.id})
        if self.contractor is not None and self.contractor == self.commissioner:
            raise InputError(N_("a body's contractor (委託先) and commissioner (委託元) must differ"), values={})
        if len(set(self.founders)) != len(self.founders):
            raise InputError(N_("a founder is listed twice"), values={})
        return self

    @property
    def coordinators(self) -> tuple[StaffRole, ...]:
        """The coordinator posts placed in this body."""
        return tuple(post for post in self.staff if post.role is StaffKind.COORDINATOR)


# --- tools ---------------------------------------------------------------------------------------------------


class Tool(ProvenancedModel):
    """A collaboration tool (連携ツール): form, notebook, ICT, guide, list (and, in older data, a network,
    meeting or desk, which are better declared as a :class:`Body`).

    ``uses`` are the cases in which the source says the tool may be used, in its words; ``status`` what it
    says of the tool's standing (標準様式, 強制的な効力はありません); ``notes`` its other statements about
    the tool, verbatim; ``variants`` other spellings of the name that the source uses.
    """

    id: Identifier = Field(title="ID", description="The tool's stable id.")
    name: Text = Field(title="名称", description="The tool's name as the source writes it.")
    kind: ToolKind = Field(title="種別", description="What kind of tool: form, notebook, ICT, guide, list ….")
    description: str | None = Field(None, title="説明", description="What the tool is.")
    number: str | None = Field(None, title="番号", description="The tool's number as printed.")
    filled_by: Listed[ActorKind] = Field((), title="記入者", description="Who fills it in.")
    operated_by: Listed[Text] = Field((), title="運営・作成", description="The organisations that run or made it.")
    evidence_for: Listed[Text] = Field(
        (), title="根拠資料となる加算", description="The add-ons it serves as evidence for."
    )
    uses: Listed[Text] = Field(
        (), title="用途", description="The cases in which the source says the tool may be used, in its words."
    )
    scenes: SceneTags = Field((), title="場面", description="The care scenes it serves.")
    renewal: Frequency | None = Field(None, title="更新頻度", description="How often it is revised.")
    parts: Listed[Identifier] = Field((), title="構成するツール", description="The ids of the tools it is made of.")
    binding: bool | None = Field(
        None, title="拘束力", description="Whether it is binding (empty: the source does not say)."
    )
    status: Listed[Text] = Field(
        (),
        title="位置づけ",
        description="What the source says of the tool's standing (標準様式, 強制的な効力はありません).",
    )
    notes: Listed[Text] = Field(
        (), title="その他の記述", description="The source's other statements about the tool, verbatim."
    )
    variants: Listed[Variant] = Field(
        (), title="資料の別の表記", description="Other spellings of the name that the source uses."
    )
    sources: Listed[Source] = Field((), title="出典", description="Where the tool is stated.")
    metadata: Metadata = Field(
        default_factory=dict, title="その他", description="Free JSON metadata: never interpreted, never executed."
    )


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


#: The largest value an indicator of each unit may hold. More is taken for a slip (a stray digit, a code typed
#: into a number) and refused with the plugin, file and field; a city with larger figures can say so in an issue.
UNIT_MAXIMA: Mapping[Unit, Decimal] = {
    Unit.TIMES: Decimal(10_000_000),
    Unit.PERSONS: Decimal(200_000_000),
    Unit.CASES: Decimal(100_000_000),
    Unit.FACILITIES: Decimal(1_000_000),
    Unit.OFFICES: Decimal(1_000_000),
    Unit.PERCENT: Decimal(1000),
    Unit.COPIES: Decimal(100_000_000),
    Unit.ITEMS: Decimal(10_000),
}

#: A number as a plan writes it: at most 20 digits before the point and 12 after, an exponent of two digits.
_NUMBER = re.compile(r"^[+-]?(?:\d{1,20}(?:\.\d{0,12})?|\.\d{1,12})(?:[eE][+-]?\d{1,2})?$")


def _bounded_decimal(value: Any) -> Any:
    """Read a number without ever working on a huge one: text is matched against a bounded pattern (20
    digits, 12 decimals, a two-digit exponent) before it becomes a :class:`~decimal.Decimal`, so
    ``"1e9999999"`` is refused at once; infinities and NaN are refused, and so is any number beyond 10**30."""
    if isinstance(value, bool):
        raise InputError(N_("expected a number, got a boolean"), values={})
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
        if len(text) > 40 or not _NUMBER.match(text):
            shown = value if len(value) <= 40 else f"{value[:40]}…"
            raise InputError(
                N_("cannot read {shown!r} as a number (write it as 12, 1.5 or 1,234)"), values={"shown": shown}
            )
        value = Decimal(text)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(N_("the number {value} is not finite"), values={"value": value})
        value = Decimal(repr(value))
    elif isinstance(value, int):
        value = Decimal(value) if abs(value) <= 10**30 else Decimal("Infinity")
    if isinstance(value, Decimal) and (not value.is_finite() or (value and value.adjusted() > 30)):
        raise InputError(N_("the number {value} is not finite or is beyond 10**30"), values={"value": value})
    return value


#: A non-negative, finite number of bounded size, read without ever working on a huge one.
Amount = Annotated[Decimal, Field(ge=0), BeforeValidator(_bounded_decimal)]


class IndicatorValue(FrozenModel):
    """One plan target or actual of an indicator for a fiscal year.

    A target may be a number or a :class:`Frequency` (年1回, 通年, 随時). A number is finite, not negative
    and not beyond what its unit allows (:data:`UNIT_MAXIMA`). An actual may be provisional (見込み, 予定)
    *and* counted as of a date (``as_of``: 9月末現在). The plan period a value belongs to (第8期実績,
    第9期計画) follows from its fiscal year: :attr:`plan_period`, :meth:`period_label`. The consistency of
    ``status`` with ``value`` and ``as_of`` (a cancelled value has no number, a partial one has an as-of date
    inside its fiscal year) is checked by the validation catalogue, so that a plan with such a slip is
    reported with a code rather than refused outright.
    """

    fiscal_year: FiscalYearInt = Field(title="年度", description="The fiscal year the value is for.")
    kind: ValueKind = Field(title="計画値／実績値", description="Plan target or actual.")
    value: Amount | None = Field(
        None,
        title="値",
        description="The number: finite, not negative, within the unit's maximum; empty when cancelled.",
    )
    frequency: Frequency | None = Field(
        None,
        title="回数の表記",
        description="A target given as a frequency (年1回, 通年), instead of or beside a number.",
    )
    status: ValueStatus = Field(
        ValueStatus.FINAL,
        title="状態",
        description="Final, cancelled (中止), provisional (予定) or partial (途中集計).",
    )
    as_of: date | None = Field(
        None, title="時点", description="The date a partial or provisional value was counted to (9月末現在)."
    )
    note: str | None = Field(None, title="備考", description="A remark on the value.")

    @property
    def plan_period(self) -> PlanPeriod | None:
        """The 介護保険事業計画 period (第n期) of the value's fiscal year (``None`` before FY2000)."""
        return PlanPeriod.of(self.fiscal_year) if self.fiscal_year >= 2000 else None

    def period_label(self, lang: str = "ja") -> str | None:
        """The value as a plan labels it: 第8期実績, 第9期計画 (``None`` before FY2000).

        >>> IndicatorValue(fiscal_year=2023, kind="actual", value=3).period_label()
        '第8期実績'
        """
        period = self.plan_period
        if period is None:
            return None
        if lang == "en":
            return f"{self.kind.en} of plan period {period.number}"
        return f"{period.label()}{'計画' if self.kind is ValueKind.PLAN else '実績'}"


class DerivationMeasure(LabeledEnum):
    """What a derivation counts in the activity log (the aggregation of a DHIS2 program indicator)."""

    ACTIVITIES = ("activities", "活動の件数", "activities")
    PARTICIPANTS = ("participants", "参加者数", "participants")
    CASES = ("cases", "相談のケース数", "distinct consultation cases")
    PROFESSION_PARTICIPANTS = ("profession_participants", "職種別の参加者数", "participants of the professions")


class Derivation(FrozenModel):
    """How an indicator's actual is counted from the activity log (:mod:`zaitaku_core.activity.derive`), per
    fiscal year: a ``measure`` over the entries that pass every filter given (values within one filter are
    alternatives; ``programs`` defaults to the indicator's programs; an entry passes ``scenes`` if it served
    any of them).

    >>> Derivation(measure="participants", kinds=["研修", "講演会"]).kinds
    (<ActivityKind.TRAINING: 'training'>, <ActivityKind.LECTURE: 'lecture'>)
    """

    measure: DerivationMeasure = Field(
        DerivationMeasure.ACTIVITIES,
        title="数えるもの",
        description=(
            "What is counted: activities, participants, distinct consultation cases, or participants of some "
            "professions."
        ),
    )
    programs: Listed[Identifier] = Field(
        (), title="取組", description="Count only entries of these programs (default: the indicator's programs)."
    )
    kinds: Listed[ActivityKind] = Field((), title="活動の種類", description="Count only activities of these kinds.")
    scenes: Listed[CareScene] = Field(
        (), title="場面", description="Count only entries that served any of these care scenes."
    )
    askers: Listed[Asker] = Field((), title="相談者", description="Count only consultations from these askers.")
    asker_professions: Listed[Profession] = Field(
        (), title="相談者の職種", description="Count only consultations from professionals of these professions."
    )
    professions: Listed[Profession] = Field(
        (),
        title="参加者の職種",
        description="The professions whose participants are counted (exactly with ``profession_participants``).",
    )
    bodies: Listed[Text] = Field((), title="会議体", description="Count only activities held by these bodies.")
    note: str | None = Field(None, title="備考", description="A remark on the derivation.")

    @model_validator(mode="after")
    def _professions_match_measure(self) -> Self:
        wanted = self.measure is DerivationMeasure.PROFESSION_PARTICIPANTS
        if wanted != bool(self.professions):
            raise InputError(
                N_("professions are given exactly when the measure is profession_participants")
                if self.professions
                else N_("the measure profession_participants needs professions"),
                values={},
            )
        return self


class Indicator(ProvenancedModel):
    """An indicator of the plan with its values per fiscal year."""

    id: Identifier = Field(title="ID", description="The indicator's stable id.")
    name: Text = Field(title="指標名", description="The indicator's name as the source writes it.")
    unit: Unit = Field(title="単位", description="The unit of its values.")
    type: IndicatorType = Field(title="指標の種類", description="Structure, process or outcome indicator.")
    programs: Listed[Identifier] = Field((), title="取組", description="The ids of the programs it measures.")
    scenes: SceneTags = Field((), title="場面", description="The care scenes it concerns.")
    values: Listed[IndicatorValue] = Field((), title="値", description="Its plan targets and actuals per fiscal year.")
    description: str | None = Field(None, title="説明", description="What the indicator measures.")
    sources: Listed[Source] = Field((), title="出典", description="Where the indicator is stated.")
    derive: Derivation | None = Field(
        None,
        title="活動記録からの集計",
        description="How the actual is counted from the activity log, if it is (``zaitaku report --log``).",
    )

    @model_validator(mode="after")
    def _values_fit_the_unit(self) -> Self:
        largest = UNIT_MAXIMA[self.unit]
        for index, item in enumerate(self.values):
            if item.value is not None and item.value > largest:
                raise InputError(
                    N_(
                        "values[{index}].value: {value} {unit} is beyond the largest plausible value "
                        "for the unit ({largest})"
                    ),
                    values={"index": index, "value": item.value, "unit": self.unit.ja, "largest": largest},
                )
        return self

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

    NOT_STATED = ("not_stated", "記載なし", "not stated")
    ASAP = ("asap", "速やかに", "as soon as possible")
    BEFORE = ("before", "事前に", "before the event")
    SAME_DAY = ("same_day", "当日", "on the day")
    CALENDAR_DAYS = ("calendar_days", "N日以内", "within N days")
    BUSINESS_DAYS = ("business_days", "N営業日以内", "within N business days")


class Deadline(FrozenModel):
    """When a contact is due, relative to the event (or to ``anchor``, e.g. 退院の目途が立った時)."""

    kind: DeadlineKind = Field(
        title="種類",
        description=(
            "How the deadline is expressed: not stated, as soon as possible, before, on the day, within N "
            "days or N business days."
        ),
    )
    days: int | None = Field(
        default=None, ge=0, title="日数", description="N, for the kinds counted in days; none for the others."
    )
    anchor: str | None = Field(
        None,
        title="起点",
        description="What the deadline counts from, where not the event itself (退院の目途が立った時).",
    )
    text: str | None = Field(None, title="表記", description="The deadline as the source writes it.")

    @model_validator(mode="after")
    def _days_matches_kind(self) -> Self:
        counted = self.kind in {DeadlineKind.CALENDAR_DAYS, DeadlineKind.BUSINESS_DAYS}
        if counted != (self.days is not None):
            raise InputError(
                N_("deadline {kind} needs days") if counted else N_("deadline {kind} takes no days"),
                values={"kind": self.kind.value},
            )
        return self


class RuleBasis(LabeledEnum):
    """Where a handoff rule comes from."""

    NATIONAL = ("national", "国の基準", "national standard")
    PREFECTURE = ("prefecture", "都道府県の手引き", "prefectural guide")
    CITY = ("city", "市町村のルール", "municipal rule")


class HandoffRule(ProvenancedModel):
    """A rule of who contacts whom, when, and with which form, on a care event.

    With ``who = first_to_learn``, ``contact_from`` and ``contact_to`` are the two sides of the rule and
    whichever side learns of the event first contacts the other (Asahikawa's admission rule: the care
    manager on one side, 病院等 on the other); naming the same parties on both sides means any of them may
    contact any other. ``binding`` is false for guidance (目安) such as a city's handoff guide. ``number``
    and ``title`` are the rule's heading as the source numbers and names it (①, 入院時), ``text`` the rule in
    the source's words.
    """

    id: Identifier = Field(title="ID", description="The rule's stable id.")
    number: str | None = Field(None, title="番号", description="The rule's number as the source prints it (①).")
    title: Text = Field(title="ルール名", description="The rule's heading as the source names it (入院時).")
    text: str | None = Field(None, title="本文", description="The rule in the source's words.")
    scene: CareScene = Field(title="場面", description="The care scene the rule belongs to.")
    event: EventKind = Field(title="きっかけ", description="The care event that starts the contact.")
    who: WhoContacts = Field(
        WhoContacts.FIXED,
        title="連絡する者",
        description="Who starts the contact: the named sender, or whichever side learns of the event first.",
    )
    contact_from: Listed[ActorKind] = Field(
        min_length=1, title="連絡元", description="Who contacts (one side of the rule)."
    )
    contact_to: Listed[ActorKind] = Field(
        min_length=1, title="連絡先", description="Who is contacted (the other side)."
    )
    deadline: Deadline = Field(title="期限", description="When the contact is due.")
    tools: Listed[Identifier] = Field(
        (), title="連携ツール", description="The ids of the tools (forms) used for the contact."
    )
    basis: RuleBasis = Field(title="根拠", description="Where the rule comes from: national, prefectural or municipal.")
    binding: bool = Field(title="拘束力", description="Whether the rule binds (false for guidance, 目安).")
    applies_to: Listed[MunicipalCode] = Field(
        (), title="対象市町村", description="The municipal codes the rule applies to (empty: the whole city)."
    )
    source: Source | None = Field(None, title="出典", description="Where the rule is stated.")
    note: str | None = Field(None, title="備考", description="A remark on the rule.")

    @model_validator(mode="after")
    def _parties(self) -> Self:
        if self.who is WhoContacts.FIXED and set(self.contact_from) & set(self.contact_to):
            raise InputError(N_("a fixed rule cannot have the same party on both ends"), values={})
        return self


class OfficeCalendarSpec(FrozenModel):
    """A business-day calendar for offices, as data: closed weekdays, closed and open dates, hours.

    The handoff engine turns it into a fast day table (:mod:`zaitaku_core.calendar`).
    """

    id: Identifier = Field(title="ID", description="The calendar's stable id.")
    name: Text = Field(title="名称", description="The calendar's name.")
    closed_weekdays: Listed[Annotated[int, Field(ge=0, le=6)]] = Field(
        (5, 6), title="休業日の曜日", description="The weekdays offices are closed (0 = Monday … 6 = Sunday)."
    )
    national_holidays_closed: bool = Field(
        True, title="祝日の休業", description="Whether offices close on national holidays."
    )
    year_end_closed: bool = Field(
        True, title="年末年始の休業", description="Whether offices close over the year end (29 December – 3 January)."
    )
    closed_dates: Listed[date] = Field((), title="休業日", description="Other dates offices are closed.")
    open_dates: Listed[date] = Field(
        (), title="開業日", description="Dates offices are open although the rules above would close them."
    )
    opens: time = Field(time(8, 45), title="始業時刻", description="The time offices open.")
    closes: time = Field(time(17, 30), title="終業時刻", description="The time offices close.")
    note: str | None = Field(None, title="備考", description="A remark on the calendar.")


# --- validation findings and report sections ----------------------------------------------------------------


class Severity(LabeledEnum):
    """How serious a validation finding is."""

    ERROR = ("error", "エラー", "error")
    WARNING = ("warning", "警告", "warning")
    INFO = ("info", "情報", "info")


class Finding(FrozenModel):
    """One result of a validation check, with a stable code and where it was found.

    ``fiscal_year`` is the year the finding is about: the plan's, or the year of the value it names.
    """

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{1,4}\d{3}$")] = Field(
        title="コード", description="The check's stable code (``ZK001``)."
    )
    severity: Severity = Field(title="重要度", description="Error, warning or info.")
    message_ja: Text = Field(title="内容（日本語）", description="The finding in Japanese.")
    message_en: Text = Field(title="内容（英語）", description="The finding in English.")
    city: str | None = Field(None, title="市町村", description="The city it is about.")
    fiscal_year: FiscalYearInt | None = Field(
        None, title="年度", description="The fiscal year it is about: the plan's, or the year of the value it names."
    )
    program: str | None = Field(None, title="取組", description="The program it is about, if any.")
    field: str | None = Field(None, title="項目", description="The field it is about, if any.")
    plugin: str | None = Field(
        None, title="プラグイン", description="The plugin whose check found it, if not the core's."
    )

    def message(self, lang: str = "ja") -> str:
        """The message in ``lang``."""
        return self.message_en if lang == "en" else self.message_ja


class ReportSection(FrozenModel):
    """An extra report section a plugin contributes: a titled table and/or paragraph."""

    id: Identifier = Field(title="ID", description="The section's stable id.")
    title_ja: Text = Field(title="見出し（日本語）", description="Its title in Japanese.")
    title_en: Text = Field(title="見出し（英語）", description="Its title in English.")
    text_ja: str | None = Field(None, title="本文（日本語）", description="Its paragraph in Japanese.")
    text_en: str | None = Field(None, title="本文（英語）", description="Its paragraph in English.")
    columns: Listed[str] = Field((), title="列", description="The table's column headings.")
    rows: Listed[Listed[str]] = Field((), title="行", description="The table's rows, each as wide as ``columns``.")

    @model_validator(mode="after")
    def _row_width(self) -> Self:
        for index, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise InputError(
                    NN_(
                        "row {index} has {count} cell; a row has one cell per column ({columns})",
                        "row {index} has {count} cells; a row has one cell per column ({columns})",
                    ),
                    values={"index": index, "count": len(row), "columns": len(self.columns)},
                )
        return self


# --- the assembled plan -------------------------------------------------------------------------------------


class Plan(FrozenModel):
    """Everything known about one city for one fiscal year, assembled by the registry.

    ``other_year_program_ids`` are the ids this plan's indicators and bodies refer to that name a program of
    another fiscal year the city declares, so that a reference to a program of another year (an indicator
    with values across the years) is told from a broken one. ``undeclared_programs`` are the programs the
    plugins gave whose fiscal year is neither this one nor one the city declares (a typo 令和5 for 令和6):
    left out of ``programs``, and out of every report, they are what ZK021 reports.
    """

    city: City = Field(title="市町村", description="The city.")
    fiscal_year: FiscalYearInt = Field(title="年度", description="The fiscal year.")
    programs: Listed[Program] = Field((), title="取組", description="The year's programs.")
    bodies: Listed[Body] = Field((), title="組織・会議体", description="The bodies that run the program.")
    tools: Listed[Tool] = Field((), title="連携ツール", description="The collaboration tools.")
    indicators: Listed[Indicator] = Field((), title="指標", description="The indicators with their values.")
    handoff_rules: Listed[HandoffRule] = Field((), title="入退院等のルール", description="The city's handoff rules.")
    calendars: Listed[OfficeCalendarSpec] = Field(
        (), title="営業日カレンダー", description="The office calendars the handoff rules count business days by."
    )
    other_year_program_ids: Listed[Identifier] = Field(
        (),
        title="他の年度の取組ID",
        description=(
            "Ids the plan's indicators and bodies name that are programs of another fiscal year of the city "
            "(told apart from broken references)."
        ),
    )
    undeclared_programs: Listed[Program] = Field(
        (),
        title="宣言されていない年度の取組",
        description=(
            "Programs the plugins gave for a fiscal year the city does not declare: in no plan of a declared "
            "year, so in no report of one; kept here so that validation (ZK021) says so."
        ),
    )

    @property
    def period(self) -> PeriodPlan | None:
        """What the city's plan for this fiscal year's 第n期 states as a whole, if declared."""
        return self.city.period(self.fiscal_year)

    def aim(self) -> str | None:
        """The general aim for this fiscal year: the plan period's, else the city's."""
        period = self.period
        return period.aim if period is not None and period.aim else self.city.aim

    def scene_aim(self, scene: CareScene) -> SceneAim | None:
        """The 目指すべき姿 for ``scene`` in this fiscal year: the plan period's, else the city's."""
        period = self.period
        for aims in ((period.scene_aims if period is not None else ()), self.city.scene_aims):
            for aim in aims:
                if aim.scene is scene:
                    return aim
        return None

    def body(self, body_id: str) -> Body:
        """The body with ``body_id``."""
        for item in self.bodies:
            if item.id == body_id:
                return item
        raise KeyError(body_id)

    @cached_property
    def indicator_values(self) -> tuple[tuple[Indicator, int, IndicatorValue], ...]:
        """Every value of every indicator, as ``(indicator, index in its values, value)``, in order.

        Computed once per plan and kept as long as the plan (a tuple per value), for a plugin's checks that
        each look at every value. The core's checks walk ``indicators`` in place instead: a nation-wide
        run holds no such tuple for each city.
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
    PeriodProgram,
    Body,
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
    ['Body', 'City', 'Finding']
    """
    return {model.__name__: model.model_json_schema() for model in SCHEMA_MODELS}
