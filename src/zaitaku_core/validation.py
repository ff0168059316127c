"""The validation catalogue: checks with stable codes that read a :class:`~zaitaku_core.model.Plan`.

A :class:`~zaitaku_core.checks.Check` is data plus one pure function from a plan to findings (defined in
:mod:`zaitaku_core.checks`, re-exported here). The core's catalogue
(:data:`CATALOGUE`, codes ``ZK001``…) is registered through the ``zaitaku_validation_checks`` hook by
this very module, a default plugin of every registry, so plugins add their checks by the same road.
:func:`run_checks` runs checks over a plan; :func:`validate_city` over every fiscal year of a city.

Codes are stable: a check is never renumbered, and a retired code is never reused.
"""

from __future__ import annotations

import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from string import Formatter
from typing import Any, Protocol

from zaitaku_core._prevalidated import assembler
from zaitaku_core.calendar import PlanPeriod, fiscal_year_of, fiscal_years_named
from zaitaku_core.checks import Check as Check
from zaitaku_core.checks import CheckScope as CheckScope
from zaitaku_core.checks import check as check
from zaitaku_core.framework import CareScene, NewItem
from zaitaku_core.hookspecs import hookimpl
from zaitaku_core.i18n import LANGUAGES, N_, NP_, PLURAL_SEPARATOR, ByLanguage, ja_en, translate
from zaitaku_core.model import (
    WHOLE_RECORD,
    Basis,
    City,
    DeadlineKind,
    Finding,
    Indicator,
    IndicatorValue,
    Plan,
    Provenance,
    SceneTag,
    Severity,
    ValueKind,
    ValueStatus,
    WhoContacts,
)

# Check, CheckScope and check are importable from here too (they live in zaitaku_core.checks).
__all__ = [
    "CATALOGUE",
    "PlanSource",
    "city_findings",
    "program_findings",
    "run_checks",
    "validate_city",
    "zaitaku_validation_checks",
]


# --- the core catalogue -----------------------------------------------------------------------------------------
# Titles and messages are English in the code and translated through the message catalogue (zaitaku_core.i18n):
# ja_en gives the (Japanese, English) pair a Finding holds; a ByLanguage value fills each language with its own.


@cache
def _labels(member: Any) -> ByLanguage:
    """A framework label (an enum member's ``.ja`` and ``.en``) for :func:`~zaitaku_core.i18n.ja_en`, made
    once per member."""
    return ByLanguage(member.ja, member.en)


#: The four care scenes in order (iterating an Enum class is slow on Python 3.11); the reports read it too.
_SCENES: tuple[CareScene, ...] = tuple(CareScene)
#: The national items a plan must cover.
_REQUIRED_ITEMS: tuple[NewItem, ...] = tuple(item for item in NewItem if item.required)

# Checks that loop over every indicator value read the enum member they compare with into a local first:
# reading a member from its Enum class costs about 0.1 us on Python 3.11, and these loops run 60 times a plan.
# They find a value first and only then ask its index (_index): enumerating every value was a quarter of
# their time (a city of 400 indicators has 4,800 values, and five checks read them all).


def _index(values: tuple[IndicatorValue, ...], value: IndicatorValue) -> int:
    """The index of ``value`` itself in ``values`` (an equal value before it is another value)."""
    return next(index for index, item in enumerate(values) if item is value)


@check("ZK001", Severity.WARNING, *ja_en(N_("Program not mapped to a national item")), scope="programs")
def _program_has_item(self: Check, plan: Plan) -> Iterator[Finding]:
    for program in plan.programs:
        if program.old_item is None and program.new_item is None:
            yield self.finding(
                plan,
                *ja_en(
                    N_("Program {title!r} names no national item (old ア–ク or new ア(ア)–ウ)."), title=program.title
                ),
                program=program.id,
                field="new_item",
            )


@check("ZK002", Severity.WARNING, *ja_en(N_("A required national item has no program")), scope="programs")
def _required_items_covered(self: Check, plan: Plan) -> Iterator[Finding]:
    covered = {p.new_item for p in plan.programs}
    for item in _REQUIRED_ITEMS:
        if item not in covered:
            yield self.finding(
                plan,
                *ja_en(N_("The required item {item} ({label}) has no program."), item=item.value, label=_labels(item)),
            )


@check("ZK003", Severity.WARNING, *ja_en(N_("A care scene no program serves")), scope="programs")
def _scenes_served(self: Check, plan: Plan) -> Iterator[Finding]:
    served = {tag.scene for program in plan.programs for tag in program.scenes}
    for scene in _SCENES:
        if scene not in served:
            yield self.finding(
                plan,
                *ja_en(N_("No program serves the care scene {scene!r}."), scene=_labels(scene)),
            )


@check("ZK004", Severity.ERROR, *ja_en(N_("Target beyond the plan period")), scope="city")
def _targets_in_period(self: Check, plan: Plan) -> Iterator[Finding]:
    # Targets of earlier periods are history. A target may reach to the end of the plan period of the latest
    # fiscal year the city declares (a city planning two periods ahead holds targets for both), not beyond.
    period = PlanPeriod.of(max(plan.city.fiscal_years))
    last = period.last.year
    target = ValueKind.PLAN
    for indicator in plan.indicators:
        values = indicator.values
        for value in values:
            if value.kind is target and value.fiscal_year > last:
                index = _index(values, value)
                yield self.finding(
                    plan,
                    *ja_en(
                        N_("Indicator {name!r} has a target for FY{year}, beyond {period}."),
                        name=indicator.name,
                        year=value.fiscal_year,
                        period=ByLanguage(f"{period.label()}（{period.first.year}〜{last}年度）", period.label("en")),
                    ),
                    fiscal_year=value.fiscal_year,
                    field=f"indicators[{indicator.id}].values[{index}]",
                )


@check("ZK005", Severity.ERROR, *ja_en(N_("A cancelled value carries a number")), scope="city")
def _cancelled_has_no_number(self: Check, plan: Plan) -> Iterator[Finding]:
    cancelled = ValueStatus.CANCELLED
    for indicator in plan.indicators:
        values = indicator.values
        for value in values:
            if value.status is cancelled and value.value is not None:
                index = _index(values, value)
                yield self.finding(
                    plan,
                    *ja_en(
                        N_("Indicator {name!r}: FY{year} is cancelled but has the number {value}."),
                        name=indicator.name,
                        year=value.fiscal_year,
                        value=value.value,
                    ),
                    fiscal_year=value.fiscal_year,
                    field=f"indicators[{indicator.id}].values[{index}].value",
                )


@check("ZK006", Severity.ERROR, *ja_en(N_("A partial value's as-of date is missing or outside its year")), scope="city")
def _partial_as_of(self: Check, plan: Plan) -> Iterator[Finding]:
    partial = ValueStatus.PARTIAL
    for indicator in plan.indicators:
        values = indicator.values
        for value in values:
            if value.status is not partial:
                continue
            if value.as_of is None or fiscal_year_of(value.as_of) != value.fiscal_year:
                index = _index(values, value)
                when = value.as_of.isoformat() if value.as_of else None
                message = N_(
                    "Indicator {name!r}: the partial FY{year} value needs an as-of date inside that fiscal year "
                    "(got {as_of})."
                )
                as_of = ByLanguage(when or translate(N_("none"), "ja"), str(when))
                yield self.finding(
                    plan,
                    *ja_en(message, name=indicator.name, year=value.fiscal_year, as_of=as_of),
                    fiscal_year=value.fiscal_year,
                    field=f"indicators[{indicator.id}].values[{index}].as_of",
                )


@check(
    "ZK007",
    Severity.ERROR,
    *ja_en(N_("An as-of date on a value that is neither partial nor provisional")),
    scope="city",
)
def _as_of_only_on_partial(self: Check, plan: Plan) -> Iterator[Finding]:
    # A provisional value (見込み) may be as of a date too: "見込み, 9月末現在".
    dated = (ValueStatus.PARTIAL, ValueStatus.PROVISIONAL)
    for indicator in plan.indicators:
        values = indicator.values
        for value in values:
            if value.as_of is not None and value.status not in dated:
                index = _index(values, value)
                yield self.finding(
                    plan,
                    *ja_en(
                        N_(
                            "Indicator {name!r}: FY{year} is {status} but has an as-of date; mark it partial if it is "
                            "counted up to that date, provisional if it is an estimate."
                        ),
                        name=indicator.name,
                        year=value.fiscal_year,
                        status=_labels(value.status),
                    ),
                    fiscal_year=value.fiscal_year,
                    field=f"indicators[{indicator.id}].values[{index}].status",
                )


@check("ZK008", Severity.ERROR, *ja_en(N_("Duplicate id")), scope="programs")
def _unique_ids(self: Check, plan: Plan) -> Iterator[Finding]:
    groups = {
        "programs": [p.id for p in plan.programs],
        "tools": [t.id for t in plan.tools],
        "indicators": [i.id for i in plan.indicators],
        "handoff_rules": [r.id for r in plan.handoff_rules],
        "calendars": [c.id for c in plan.calendars],
    }
    for field, ids in groups.items():
        if len(set(ids)) == len(ids):
            continue
        for identifier, count in sorted(Counter(ids).items()):
            if count > 1:
                yield self.finding(
                    plan,
                    *ja_en(
                        N_("The id {id!r} is used {count} times in {field}."), id=identifier, count=count, field=field
                    ),
                    field=field,
                )


@check("ZK009", Severity.ERROR, *ja_en(N_("Reference to a tool that does not exist")), scope="programs")
def _tool_references(self: Check, plan: Plan) -> Iterator[Finding]:
    known = {tool.id for tool in plan.tools}
    refs = [("programs", p.id, "tools", p.tools) for p in plan.programs if not known.issuperset(p.tools)]
    refs += [("handoff_rules", r.id, "tools", r.tools) for r in plan.handoff_rules if not known.issuperset(r.tools)]
    refs += [("tools", t.id, "parts", t.parts) for t in plan.tools if not known.issuperset(t.parts)]
    for field, owner, attribute, tool_ids in refs:
        for tool_id in tool_ids:
            if tool_id not in known:
                yield self.finding(
                    plan,
                    *ja_en(N_("{owner} refers to the tool {tool!r}, which does not exist."), owner=owner, tool=tool_id),
                    program=owner if field == "programs" else None,
                    field=f"{field}[{owner}].{attribute}",
                )


@check("ZK010", Severity.ERROR, *ja_en(N_("Indicator linked to a program that does not exist")))
def _indicator_programs(self: Check, plan: Plan) -> Iterator[Finding]:
    # A program of another declared year is not missing: an indicator spans the years, its programs need not.
    known = {program.id for program in plan.programs}.union(plan.other_year_program_ids)
    for indicator in plan.indicators:
        for program_id in indicator.programs:
            if program_id not in known:
                yield self.finding(
                    plan,
                    *ja_en(
                        N_("Indicator {name!r} links to program {program!r}, not in the FY{year} plan."),
                        name=indicator.name,
                        program=program_id,
                        year=plan.fiscal_year,
                    ),
                    field=f"indicators[{indicator.id}].programs",
                )


@check("ZK011", Severity.ERROR, *ja_en(N_("A handoff rule with an empty window")), scope="city")
def _rule_window(self: Check, plan: Plan) -> Iterator[Finding]:
    for rule in plan.handoff_rules:
        empty = rule.deadline.kind is DeadlineKind.BUSINESS_DAYS and rule.deadline.days == 0
        if empty or not rule.contact_from or not rule.contact_to:
            yield self.finding(
                plan,
                *ja_en(N_("Rule {title!r} needs a party at each end and a non-empty window."), title=rule.title),
                field=f"handoff_rules[{rule.id}]",
            )


@check("ZK012", Severity.WARNING, *ja_en(N_("City handoff rules that contradict each other")), scope="city")
def _rule_conflicts(self: Check, plan: Plan) -> Iterator[Finding]:
    rules = sorted(plan.handoff_rules, key=lambda r: r.id)
    for index, first in enumerate(rules):
        for second in rules[index + 1 :]:
            if first.event is not second.event:
                continue
            ends_a = (frozenset(first.contact_from), frozenset(first.contact_to))
            ends_b = (frozenset(second.contact_from), frozenset(second.contact_to))
            reversed_direction = (
                first.who is WhoContacts.FIXED and second.who is WhoContacts.FIXED and ends_a == ends_b[::-1]
            )
            different_deadline = ends_a == ends_b and first.deadline != second.deadline
            if reversed_direction or different_deadline:
                why = N_("opposite directions") if reversed_direction else N_("different deadlines")
                yield self.finding(
                    plan,
                    *ja_en(
                        N_("Rules {first} and {second} give {why} for the same event ({event})."),
                        first=ByLanguage(first.title, repr(first.id)),
                        second=ByLanguage(second.title, repr(second.id)),
                        why=ByLanguage(*ja_en(why)),
                        event=_labels(first.event),
                    ),
                    field=f"handoff_rules[{first.id}]",
                )


@check("ZK013", Severity.ERROR, *ja_en(N_("A rule applied outside the plugin's municipalities")), scope="city")
def _rule_applies_to(self: Check, plan: Plan) -> Iterator[Finding]:
    served = {plan.city.municipality.code, *(m.code for m in plan.city.covers)}
    for rule in plan.handoff_rules:
        for code in rule.applies_to:
            if code not in served:
                yield self.finding(
                    plan,
                    *ja_en(
                        N_("Rule {rule!r} applies to {code}, which this plugin does not serve."),
                        rule=ByLanguage(rule.title, rule.id),
                        code=code,
                    ),
                    field=f"handoff_rules[{rule.id}].applies_to",
                )


def _value_finding(
    self: Check, plan: Plan, message: str, indicator: Indicator, index: int, value: IndicatorValue
) -> Finding:
    """A finding about one indicator value, of the value's fiscal year: ``message`` names the indicator, the
    year and the value's kind. Made without validating it again (every part is a validated record's, or the
    core's own code and text): ZK016 makes one for each provisional value, ~100 a report at 400 indicators."""
    cut = _value_messages(message, value.fiscal_year, value.kind)
    if cut is None:
        message_ja, message_en = ja_en(message, name=indicator.name, year=value.fiscal_year, kind=_labels(value.kind))
    else:  # ja_en's pair, filled but for the name once per message, year and kind
        name = indicator.name
        (ja, ja_repr), (en, en_repr) = cut
        message_ja = (repr(name) if ja_repr else name).join(ja)
        message_en = (repr(name) if en_repr else name).join(en)
    return _assemble_finding(
        {
            "code": self.code,
            "severity": self.severity,
            "message_ja": message_ja,
            "message_en": message_en,
            "city": plan.city.id,
            "fiscal_year": value.fiscal_year,
            "program": None,
            "field": f"indicators[{indicator.id}].values[{index}]",
            "plugin": None,
        }
    )


# Set as Check.finding sets them: every field but the plugin, which it leaves to its default.
_assemble_finding = assembler(Finding, given=Finding.model_fields.keys() - {"plugin"})

#: Where :class:`_Name` is written in a message: by ``{name!r}``, and by ``{name}`` or ``{name!s}``.
_BY_REPR, _BY_STR = "\x01", "\x02"


class _Name:
    """Stands for an indicator's name in :func:`_value_messages`."""

    def __repr__(self) -> str:
        return _BY_REPR

    def __str__(self) -> str:
        return _BY_STR

    def __format__(self, spec: str) -> str:
        return _BY_STR


@lru_cache(maxsize=256)
def _value_messages(message: str, year: int, kind: ValueKind) -> tuple[tuple[list[str], bool], ...] | None:
    """``ja_en(message, name=…, year=year, kind=…)`` of :func:`_value_finding`, each message cut where the
    name goes, with whether it goes as its ``repr`` (``{name!r}``) or as it is (``{name}``): the message is
    then that joined by the name. ``None`` when a template writes the name otherwise (a format spec, ``!a``,
    an attribute) or both ways, or has fields other than ``name``, ``year`` and ``kind``. Filling both
    templates was two thirds of a ZK016 finding's time (~100 findings a report at 400 indicators)."""
    if PLURAL_SEPARATOR in message:
        return None
    for lang in LANGUAGES:
        for _, field, spec, conversion in Formatter().parse(translate(message, lang)):
            if field == "name" and (spec or conversion not in {None, "r", "s"}):
                return None
            if field is not None and field not in {"name", "year", "kind"}:
                return None
    cut = []
    for text in ja_en(message, name=_Name(), year=year, kind=_labels(kind)):
        by_repr = _BY_REPR in text
        if by_repr and _BY_STR in text:
            return None
        cut.append((text.split(_BY_REPR if by_repr else _BY_STR), by_repr))
    return tuple(cut)


@check("ZK014", Severity.WARNING, *ja_en(N_("A final value with neither a number nor a frequency")), scope="city")
def _final_has_value(self: Check, plan: Plan) -> Iterator[Finding]:
    final = ValueStatus.FINAL
    for indicator in plan.indicators:
        values = indicator.values
        for value in values:
            if value.status is final and value.value is None and value.frequency is None:
                index = _index(values, value)
                message = N_("Indicator {name!r}: the FY{year} {kind} has no number or frequency.")
                yield _value_finding(self, plan, message, indicator, index, value)


@check("ZK015", Severity.INFO, *ja_en(N_("An action owner not among the city's organisations")), scope="programs")
def _owners_known(self: Check, plan: Plan) -> Iterator[Finding]:
    known = {o.name for o in (*plan.city.organizations, *plan.city.operators)}
    for program in plan.programs:
        for action in program.actions:
            if known.issuperset(action.owners):
                continue
            for owner in action.owners:
                if owner not in known:
                    yield self.finding(
                        plan,
                        *ja_en(
                            N_("Owner {owner!r} of program {title!r} is not among the city's organisations."),
                            owner=owner,
                            title=program.title,
                        ),
                        program=program.id,
                        field="actions.owners",
                    )


#: ZK016's index of the indicators it read last: the positions ``(indicator, value)`` of their provisional
#: values by fiscal year, with weak references to those indicators. A run over a city's years hands every
#: year's plan the same indicators, and walking all their values for each year cost ~0.1x of the nation
#: benchmark's baseline at 400 indicators. Held weakly, the index never keeps a city's indicators alive once
#: the registry lets them go (the collector scanned them all through the next city's work, ~0.09x).
_provisional_last: tuple[list[weakref.ref[Indicator]], dict[int, list[tuple[int, int]]]] | None = None


def _provisional_by_year(indicators: tuple[Indicator, ...]) -> dict[int, list[tuple[int, int]]]:
    """The positions of the provisional values of ``indicators`` by fiscal year, as ``(index of the
    indicator, index in its values)``, in order; kept for the last indicators asked (the same objects)."""
    global _provisional_last
    last = _provisional_last
    if (
        last is not None
        and len(last[0]) == len(indicators)
        and all(ref() is indicator for ref, indicator in zip(last[0], indicators, strict=True))
    ):
        return last[1]
    provisional = ValueStatus.PROVISIONAL
    by_year: dict[int, list[tuple[int, int]]] = {}
    for position, indicator in enumerate(indicators):
        for index, value in enumerate(indicator.values):
            if value.status is provisional:
                by_year.setdefault(value.fiscal_year, []).append((position, index))
    _provisional_last = ([weakref.ref(indicator) for indicator in indicators], by_year)
    return by_year


@check("ZK016", Severity.INFO, *ja_en(N_("A provisional value, not compared as final")))
def _provisional_values(self: Check, plan: Plan) -> Iterator[Finding]:
    message = N_("Indicator {name!r}: the FY{year} {kind} is provisional and is not judged as final.")
    indicators = plan.indicators
    for position, index in _provisional_by_year(indicators).get(plan.fiscal_year, ()):
        indicator = indicators[position]
        yield _value_finding(self, plan, message, indicator, index, indicator.values[index])


def _unexplained(plan: Plan) -> Iterator[tuple[str, Provenance]]:
    """Every inference without a reason in the plan, with the field path it stands at (scene tags and
    provenance tables). Paths are made only for what is found: this runs over every tag of every plan."""
    groups: tuple[tuple[str, Iterable[Any]], ...] = (
        ("programs", plan.programs),
        ("bodies", plan.bodies),
        ("tools", plan.tools),
        ("indicators", plan.indicators),
        ("handoff_rules", plan.handoff_rules),
    )
    for key, provenance in plan.city.provenance.items():
        if provenance.unexplained:
            yield f"city.provenance.{key}", provenance
    inferred = Basis.INFERRED
    for group, records in groups:
        for record in records:
            for index, tag in enumerate(getattr(record, "scenes", ())):
                if tag.basis is inferred and not (tag.reason and tag.reason.strip()):
                    yield f"{group}[{record.id}].scenes[{index}]", tag
            for key, provenance in record.provenance.items():
                if provenance.unexplained:
                    yield f"{group}[{record.id}].provenance.{key}", provenance


@check("ZK017", Severity.WARNING, *ja_en(N_("An inferred fact without a reason")), scope="programs")
def _inferences_explained(self: Check, plan: Plan) -> Iterator[Finding]:
    for path, provenance in _unexplained(plan):
        key = path.rsplit(".", 1)[-1]
        message = N_(
            '{what} is inferred, not stated by a source, and gives no reason; add a reason, or basis = "stated" '
            "with its source."
        )
        if isinstance(provenance, SceneTag):
            what = ja_en(N_("The scene {scene!r}"), scene=_labels(provenance.scene))
            # Said for the plan workbook too, where most scenes are written: its column and the TOML keys.
            message = N_(
                "{what} is inferred, not stated by a source, and gives no reason; add a reason (in the plan "
                "workbook's 場面 column 場面｜理由, in TOML reason), or, if a source states it, say so (in the "
                '場面 column 場面｜｜資料に明記 with the 出典 column, in TOML basis = "stated" with source).'
            )
        elif key == WHOLE_RECORD:
            what = ja_en(N_("The record"))
        else:
            what = ja_en(N_("The {key}"), key=key)
        yield self.finding(
            plan,
            *ja_en(message, what=ByLanguage(*what)),
            program=path.split("[", 1)[1].split("]", 1)[0] if path.startswith("programs[") else None,
            field=path,
        )


@check("ZK018", Severity.INFO, *ja_en(N_("A care scene with no aim (目指すべき姿)")))
def _scene_aims(self: Check, plan: Plan) -> Iterator[Finding]:
    for scene in _SCENES:
        if plan.scene_aim(scene) is None:
            yield self.finding(
                plan,
                *ja_en(
                    N_("The care scene {scene!r} has no aim (目指すべき姿) in the city's or the plan period's data."),
                    scene=_labels(scene),
                ),
                field="scene_aims",
            )


@check("ZK019", Severity.ERROR, *ja_en(N_("A body's parent is missing or circular")), scope="city")
def _body_parents(self: Check, plan: Plan) -> Iterator[Finding]:
    parents = {body.id: body.parent for body in plan.bodies}
    for body in plan.bodies:
        if body.parent is None:
            continue
        if body.parent not in parents:
            yield self.finding(
                plan,
                *ja_en(
                    N_("Body {body!r} names the parent {parent!r}, which does not exist."),
                    body=ByLanguage(body.name, body.id),
                    parent=body.parent,
                ),
                field=f"bodies[{body.id}].parent",
            )
            continue
        seen: set[str] = {body.id}
        current: str | None = body.parent
        while current is not None and current not in seen and current in parents:
            seen.add(current)
            current = parents[current]
        if current == body.id:
            yield self.finding(
                plan,
                *ja_en(
                    N_("Body {body!r} is its own ancestor (its parents form a cycle)."),
                    body=ByLanguage(body.name, body.id),
                ),
                field=f"bodies[{body.id}].parent",
            )


@check("ZK020", Severity.ERROR, *ja_en(N_("A body refers to a missing program or tool")))
def _body_references(self: Check, plan: Plan) -> Iterator[Finding]:
    programs = {program.id for program in plan.programs}.union(plan.other_year_program_ids)
    tools = {tool.id for tool in plan.tools}
    for body in plan.bodies:
        refs = [("programs", ref, programs) for ref in body.programs]
        refs += [("events", event.program, programs) for event in body.events if event.program is not None]
        refs += [("tools", ref, tools) for ref in body.tools]
        for attribute, ref, known in refs:
            if ref not in known:
                kind = NP_("validation", "tool") if attribute == "tools" else NP_("validation", "program")
                yield self.finding(
                    plan,
                    *ja_en(
                        N_("Body {body!r} refers to the {kind} {ref!r}, which does not exist."),
                        body=ByLanguage(body.name, body.id),
                        kind=ByLanguage(*ja_en(kind)),
                        ref=ref,
                    ),
                    field=f"bodies[{body.id}].{attribute}",
                )


@check("ZK021", Severity.WARNING, *ja_en(N_("A program of a fiscal year the city does not declare")))
def _programs_of_declared_years(self: Check, plan: Plan) -> Iterator[Finding]:
    # A warning, not an error: --allow-undeclared reads such a year on purpose. But no report of a declared
    # year holds the program, so it is said here rather than lost (a typo 令和5 for 令和6, a hook's wrong year).
    years = fiscal_years_named(plan.city.fiscal_years)
    for program in plan.undeclared_programs:
        year = program.fiscal_year
        yield self.finding(
            plan,
            *ja_en(
                N_(
                    "Program {program!r} is for {fy}, a fiscal year the city does not declare (it declares "
                    "{declared}), so no report includes it: correct its fiscal_year, or declare the year."
                ),
                program=program.id,
                fy=fiscal_years_named([year]),
                declared=years,
            ),
            program=program.id,
            fiscal_year=year,
            field="fiscal_year",
        )


#: The core's checks, in code order.
CATALOGUE: tuple[Check, ...] = (
    _program_has_item,
    _required_items_covered,
    _scenes_served,
    _targets_in_period,
    _cancelled_has_no_number,
    _partial_as_of,
    _as_of_only_on_partial,
    _unique_ids,
    _tool_references,
    _indicator_programs,
    _rule_window,
    _rule_conflicts,
    _rule_applies_to,
    _final_has_value,
    _owners_known,
    _provisional_values,
    _inferences_explained,
    _scene_aims,
    _body_parents,
    _body_references,
    _programs_of_declared_years,
)

#: Code of the finding reported when a check itself fails.
CHECK_FAILED = "ZK000"

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@hookimpl
def zaitaku_validation_checks() -> tuple[Check, ...]:
    """The core's catalogue, contributed through the hook like any plugin's checks."""
    return CATALOGUE


def run_checks(
    plan: Plan,
    checks: Iterable[Check],
    *,
    city_findings: Iterable[Finding] | None = None,
    program_findings: Iterable[Finding] | None = None,
) -> tuple[Finding, ...]:
    """Run ``checks`` over ``plan``; findings sorted by severity, code and location.

    A check that raises does not hide the others: it becomes an error finding ``ZK000`` naming it.
    ``city_findings`` are what :func:`city_findings` found on another fiscal year's plan of the same city:
    given, the checks of scope ``"city"`` are not run again and those findings stand for them.
    ``program_findings`` are what :func:`program_findings` found on a plan of the same city whose programs
    and records are those of ``plan`` (its fiscal year aside): given, the checks of scope ``"programs"`` are
    not run again. Every finding returned carries a fiscal year: the one it names, else the plan's.
    """
    given = {"city": city_findings, "programs": program_findings}
    found = _run(plan, checks, {scope: findings for scope, findings in given.items() if findings is not None})
    return _stamped(found, plan.fiscal_year)


def _stamped(findings: tuple[Finding, ...], fiscal_year: int) -> tuple[Finding, ...]:
    """``findings``, each without a fiscal year given ``fiscal_year``."""
    if all(finding.fiscal_year is not None for finding in findings):
        return findings
    return tuple(
        finding if finding.fiscal_year is not None else finding.model_copy(update={"fiscal_year": fiscal_year})
        for finding in findings
    )


def _run(plan: Plan, checks: Iterable[Check], given: dict[str, Iterable[Finding]]) -> tuple[Finding, ...]:
    """The findings of ``checks`` on ``plan`` but those of a scope in ``given``, whose findings stand for them."""
    findings: list[Finding] = [finding for found in given.values() for finding in found]
    for item in checks:
        if item.scope in given:
            continue
        try:
            findings.extend(item.run(plan))
        except Exception as exc:  # a broken plugin check must not hide the other findings
            failed = ja_en(N_("Check {code} failed: {error}"), code=item.code, error=f"{type(exc).__name__}: {exc}")
            findings.append(
                Finding(
                    code=CHECK_FAILED,
                    severity=Severity.ERROR,
                    message_ja=failed[0],
                    message_en=failed[1],
                    city=plan.city.id,
                    fiscal_year=plan.fiscal_year if item.scope == "plan" else None,
                )
            )
    return tuple(
        sorted(
            findings,
            key=lambda f: (_SEVERITY_ORDER[f.severity], f.code, f.program or "", f.field or "", f.message_en),
        )
    )


def city_findings(plan: Plan, checks: Iterable[Check]) -> tuple[Finding, ...]:
    """The findings of the checks of scope ``"city"`` on ``plan``, for :func:`run_checks` on the city's
    plans of other fiscal years. A finding that names no fiscal year of its own has none here: it holds for
    every year, and :func:`run_checks` gives it the year of each plan it reports on."""
    return _scoped_findings(plan, checks, "city")


def program_findings(plan: Plan, checks: Iterable[Check]) -> tuple[Finding, ...]:
    """The findings of the checks of scope ``"programs"`` on ``plan``, for :func:`run_checks` on a plan of
    another fiscal year of the same city whose programs are those of ``plan`` but for their fiscal year (and
    its other records the same). A finding that names no fiscal year of its own has none here."""
    return _scoped_findings(plan, checks, "programs")


def _scoped_findings(plan: Plan, checks: Iterable[Check], scope: CheckScope) -> tuple[Finding, ...]:
    """The findings of the checks of ``scope`` on ``plan`` (:func:`city_findings`, :func:`program_findings`)."""
    return _run(plan, [item for item in checks if item.scope == scope], {})


class PlanSource(Protocol):
    """What :func:`validate_city` reads: a :class:`~zaitaku_core.plugins.Registry` does (named here so that
    the catalogue never imports the registry, which loads it as a default plugin)."""

    def city(self, city_id: str) -> City: ...
    def checks(self) -> tuple[Check, ...]: ...
    def plan(self, city_id: str, fiscal_year: int | str, *, allow_undeclared: bool = False) -> Plan: ...


def validate_city(
    registry: PlanSource, city_id: str, fiscal_year: int | str | None = None, *, allow_undeclared: bool = False
) -> tuple[Finding, ...]:
    """Validate ``city_id``'s plan for ``fiscal_year`` (every fiscal year it declares when ``None``).

    Raises:
        UndeclaredFiscalYearError: the city does not declare ``fiscal_year``, unless ``allow_undeclared``.
    """
    city = registry.city(city_id)
    years = (fiscal_year,) if fiscal_year is not None else city.fiscal_years
    checks = registry.checks()
    findings: list[Finding] = []
    shared: tuple[Finding, ...] | None = None
    for year in years:
        plan = registry.plan(city_id, year, allow_undeclared=allow_undeclared)
        if shared is None:
            shared = city_findings(plan, checks)
        findings.extend(run_checks(plan, checks, city_findings=shared))
    return tuple(findings)
