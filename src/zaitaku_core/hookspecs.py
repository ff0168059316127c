"""Every hook a zaitaku plugin can implement. The docstrings below are the plugin reference.

A plugin is a module (or any object) with functions decorated by :data:`hookimpl`, registered in the
entry-point group ``zaitaku`` of its distribution::

    [project.entry-points.zaitaku]
    asahikawa = "zaitaku_asahikawa"

The entry-point name is the plugin's name. Hooks are called at configuration time, once per city or
fiscal year, never per event; the registry validates every result through the models of
:mod:`zaitaku_core.model` and caches it.

Return either model instances or plain mappings with the models' fields (the registry validates
mappings, and names the plugin, hook, file and field of anything wrong). A field holding several values
takes a list or a tuple, in the order to show, never a set: a set's order changes from run to run, and
so would the reports. Hooks that take ``city`` are
asked about every city; return ``None`` (or nothing) for a city you do not serve. The one marker name
is ``zaitaku``, for the specs, the implementations and the plugin manager alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from zaitaku_core.checks import Check
    from zaitaku_core.model import (
        Body,
        City,
        HandoffRule,
        Indicator,
        OfficeCalendarSpec,
        PeriodProgram,
        Plan,
        Program,
        ReportSection,
        Tool,
    )

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

#: The one marker name used for hook specifications, implementations and the plugin manager.
PROJECT_NAME = "zaitaku"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Decorate a plugin's functions with this to implement a hook (re-exported as ``zaitaku_core.hookimpl``).
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

# --- what the plugin serves ---------------------------------------------------------------------------------


@hookspec
def zaitaku_cities() -> Iterable[City | Mapping[str, Any]] | None:
    """Describe the cities this plugin serves.

    Return one :class:`~zaitaku_core.model.City` per city: its short ``id`` (used on the command line,
    unique across installed plugins), its :class:`~zaitaku_core.model.Municipality` (code with check
    digit, name, prefecture), the other municipalities that share its rules (``covers``), the fiscal
    years for which it has a plan (asking for another year is an error unless the caller allows it),
    operators and named organisations, its general ``aim`` and its 目指すべき姿 per care scene
    (``scene_aims``), what a 第n期 plan states as a whole (``periods``: title, aim, scene aims) and sources.

    Called once when the registry loads the plugin. A plugin whose cities fail validation is not
    registered at all (nothing is half-registered) and the error names the plugin and the field.

    Example::

        @hookimpl
        def zaitaku_cities():
            return [{"id": "asahikawa", "municipality": {"code": "012041", "name": "旭川市",
                     "prefecture": "北海道"}, "fiscal_years": [2024],
                     "scene_aims": {"end_of_life": "本人が望む場所で最期を迎えられる。"}}]
    """


# --- the plan -------------------------------------------------------------------------------------------------


@hookspec
def zaitaku_programs(city: str, fiscal_year: int) -> Iterable[Program | PeriodProgram | Mapping[str, Any]] | None:
    """Contribute the programs (取組 / 実施項目) of ``city``'s plan for ``fiscal_year``.

    Each :class:`~zaitaku_core.model.Program` names its national item in the old lettering
    (``old_item``: ア〜ク), the new one (``new_item``: ア(ア)…ウ) or both; the other and the PDCA phase
    are derived. Give the plan's words in their own fields: ``number`` (as printed), ``title``,
    ``overview`` (取組の概要), ``direction`` (今後の方針), ``target`` (the year's 実施目標) and
    ``frequency`` (実施回数). Tag the care scenes it serves, each with its basis (``stated`` by the source
    or ``inferred``, the default) and a reason for an inference; the actions of each owner, the tools it
    uses (by tool id) and whether it is new this year.

    A program the plan states once for a whole plan period is a
    :class:`~zaitaku_core.model.PeriodProgram`: give ``period`` (``"第9期"``) or ``fiscal_years`` instead
    of ``fiscal_year``, and what changes in one year under ``years``. Return it for any year (the registry
    keeps it for the years of its span, as that year's program, with the same id in every year). Use
    year-free ids (``soudan-shien``, not ``2024-soudan``): an id names the program across the years.

    Several plugins may contribute programs to the same city (an extension plugin may add some); ids
    must be unique within the city and fiscal year. The hook is asked only about years the city
    declares (unless a caller allows undeclared years explicitly).

    Example::

        @hookimpl
        def zaitaku_programs(city, fiscal_year):
            if city != "asahikawa":
                return None
            return [
                {"id": "asahikawa-a", "title": "医療・介護資源の把握", "fiscal_year": fiscal_year,
                 "old_item": "ア", "scenes": [{"scene": "admission_discharge", "basis": "stated"}],
                 "tools": ["soudan-madoguchi-ichiran"]},
                {"id": "soudan-shien", "number": "1", "title": "在宅医療・介護連携に関する相談支援",
                 "new_item": "イ(ア)", "period": "第9期", "direction": "相談窓口の周知を進める。",
                 "target": "相談に対応する。",
                 "years": [{"fiscal_year": 2025, "target": "出張相談を始める。",
                            "new_passages": ["出張相談を始める。"]}]},
            ]
    """


@hookspec
def zaitaku_bodies(city: str) -> Iterable[Body | Mapping[str, Any]] | None:
    """Contribute the bodies that run ``city``'s program: councils (協議会), their working groups (部会),
    centres (在宅医療・介護連携推進センター), consultation desks, networks and series of public events.

    Each :class:`~zaitaku_core.model.Body` has a ``kind``, its ``members`` (organisations with their
    role: chair, member, secretariat …), its ``parent`` body by id (a ワーキング部会 under its 協議会), the
    ``founders`` who set it up (several for a body founded jointly, e.g. the city and the 医師会), the
    ``commissioner`` and ``contractor`` of a contract (委託元 / 委託先), its ``staff`` posts (a
    coordinator), and the ``programs`` (by id) and ``events`` it holds. Tools (forms, notebooks, ICT,
    guides) stay in :func:`zaitaku_tools`. A fact the source does not state is recorded in the body's
    ``provenance`` as inferred, with a reason.

    Example::

        @hookimpl
        def zaitaku_bodies(city):
            if city != "takamatsu":
                return None
            return [
                {"id": "kyogikai", "name": "在宅医療・介護連携推進協議会", "kind": "council",
                 "founders": ["高松市"],
                 "members": [{"organization": "高松市医師会", "kind": "medical_association", "role": "chair"},
                             {"organization": "高松市歯科医師会", "kind": "dental_association"}]},
                {"id": "wg", "name": "ワーキング部会", "kind": "working_group", "parent": "kyogikai"},
                {"id": "center", "name": "在宅医療・介護連携推進センター", "kind": "centre",
                 "founders": ["高松市", "高松市医師会"], "staff": [{"role": "coordinator", "count": 2}],
                 "provenance": {"founders": {"basis": "stated", "source": {"title": "第9期計画",
                                                                          "page": "45"}}}},
            ]
    """


@hookspec
def zaitaku_tools(city: str) -> Iterable[Tool | Mapping[str, Any]] | None:
    """Contribute the collaboration tools (連携ツール) and linked entities of ``city``.

    Forms and sheets, shared notebooks, ICT systems, guides, guidebooks and pamphlets, resource lists
    and maps, networks, consultation desks, meetings and trainings: each a
    :class:`~zaitaku_core.model.Tool` with a stable id that programs and handoff rules refer to, who
    fills or runs it, and what it may serve as evidence for (for example a billing add-on).

    Example::

        @hookimpl
        def zaitaku_tools(city):
            return [{"id": "nyuin-sheet", "name": "入院時情報提供シート", "kind": "form",
                     "filled_by": ["care_manager"], "evidence_for": ["入院時情報連携加算"]}]
    """


@hookspec
def zaitaku_indicators(city: str) -> Iterable[Indicator | Mapping[str, Any]] | None:
    """Contribute ``city``'s indicators with their plan targets and actuals per fiscal year.

    An actual may be cancelled (中止), provisional (予定, 見込み; with an as-of date if it is as of one) or
    partial with an as-of date; a target may be a frequency (年1回) instead of a number. Numbers are finite,
    never negative and within what the unit allows. One indicator holds its values for every year: the
    previous period's actuals (第8期実績) beside this period's targets (第9期計画), the period following
    from each fiscal year. See :class:`~zaitaku_core.model.IndicatorValue`.

    Example::

        @hookimpl
        def zaitaku_indicators(city):
            return [{"id": "meetings", "name": "多職種連携会議の開催回数", "unit": "回", "type": "process",
                     "values": [{"fiscal_year": 2024, "kind": "plan", "value": 2},
                                {"fiscal_year": 2024, "kind": "actual", "status": "partial", "value": 1,
                                 "as_of": "2024-09-30"}]}]
    """


# --- handoffs -------------------------------------------------------------------------------------------------


@hookspec
def zaitaku_handoff_rules(city: str) -> Iterable[HandoffRule | Mapping[str, Any]] | None:
    """Contribute ``city``'s handoff rules: who contacts whom, when, on which form, on which event.

    City rules are layered on the national rules of the handoff engine; the national rules still decide
    billing, and a conflict between the layers is reported, not hidden. Mark guidance as
    ``binding: false``. See :class:`~zaitaku_core.model.HandoffRule`.

    Example::

        @hookimpl
        def zaitaku_handoff_rules(city):
            return [{"id": "discharge", "title": "退院の目途が立ち次第、病院がケアマネジャーに連絡",
                     "scene": "admission_discharge", "event": "discharge", "contact_from": ["hospital"],
                     "contact_to": ["care_manager"], "deadline": {"kind": "before"},
                     "basis": "city", "binding": False}]
    """


@hookspec
def zaitaku_office_calendars(city: str) -> Iterable[OfficeCalendarSpec | Mapping[str, Any]] | None:
    """Contribute business-day calendars for offices in ``city`` (closed weekdays, dates and hours).

    The handoff engine counts deadlines in an office's business days; an embedding application can
    also build a calendar in code. See :class:`~zaitaku_core.model.OfficeCalendarSpec`.

    Example::

        @hookimpl
        def zaitaku_office_calendars(city):
            return [{"id": "kyotaku-a", "name": "居宅介護支援事業所A", "closed_weekdays": [6],
                     "closes": "18:00", "closed_dates": ["2024-08-15"]}]
    """


# --- validation and reports -----------------------------------------------------------------------------------


@hookspec
def zaitaku_validation_checks() -> Iterable[Check] | None:
    """Add checks to the validation catalogue.

    Return :class:`~zaitaku_core.checks.Check` objects; each has a stable code (unique across all
    plugins), a severity and a function from a :class:`~zaitaku_core.model.Plan` to findings. The core's
    own catalogue is registered through this same hook by a default plugin. A check that reads only what
    holds for every fiscal year (the city record, tools, indicators, handoff rules, calendars; never the
    programs or ``plan.fiscal_year``) may say so with ``scope="city"``: runs over several years of a city
    then compute its findings once. One that reads the year's programs but never ``plan.fiscal_year`` nor
    what follows from it may say ``scope="programs"``: a report of a year whose programs are those of the
    year before reuses its findings. The conformance suite tests both promises.

    Example::

        @check("AS001", Severity.WARNING, "相談窓口一覧が3年以内に更新されていない", "Desk list not renewed")
        def desk_list_renewed(self, plan):
            if not any(t.id == "soudan-madoguchi-ichiran" for t in plan.tools):
                yield self.finding(plan, "相談窓口一覧がありません。", "No consultation desk list.")

        @hookimpl
        def zaitaku_validation_checks():
            return [desk_list_renewed]
    """


@hookspec
def zaitaku_report_sections(plan: Plan, lang: str) -> Iterable[ReportSection | Mapping[str, Any]] | None:
    """Add sections to ``plan``'s report, in ``lang`` (``"ja"`` or ``"en"``).

    Return :class:`~zaitaku_core.model.ReportSection` objects (a title, a paragraph and/or a table);
    they are rendered in every report format after the core's sections. Return ``None`` for plans of
    cities you do not serve.

    Example::

        @hookimpl
        def zaitaku_report_sections(plan, lang):
            if plan.city.id != "asahikawa":
                return None
            return [{"id": "towns", "title_ja": "同じルールの町", "title_en": "Towns sharing the rules",
                     "columns": ["code", "name"], "rows": [[m.code, m.name] for m in plan.city.covers]}]
    """
