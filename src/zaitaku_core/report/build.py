"""Build reports from a registry: one city's plan for a fiscal year, or several cities side by side."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from functools import cache, lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Literal

from pydantic import TypeAdapter

from zaitaku_core import __version__
from zaitaku_core.errors import UndeclaredFiscalYearError
from zaitaku_core.framework import LabeledEnum, NewItem, OldItem, Phase
from zaitaku_core.i18n import N_, NP_, translate
from zaitaku_core.model import (
    WHOLE_RECORD,
    ActionRole,
    Basis,
    City,
    Finding,
    Indicator,
    IndicatorValue,
    MemberRole,
    PeriodPlan,
    Plan,
    Program,
    Provenance,
    ProvenancedModel,
    SceneTag,
    Severity,
    Source,
    ValueKind,
    ValueStatus,
)
from zaitaku_core.report.charts import (
    _informative,
    _trend_chart,
    bar,
    fy_label,
    no_shared_note,
    not_charted_note,
    number,
    plan_period_label,
    scene_chart,
    shared_indicator_charts,
    target_number,
)
from zaitaku_core.report.model import Bar, Cell, Chart, IndicatorStatus, Mark, Report, Section, Table
from zaitaku_core.validation import _SCENES, city_findings, program_findings, run_checks

if TYPE_CHECKING:
    from zaitaku_core.activity.derive import LogActuals
    from zaitaku_core.plugins import Registry

__all__ = ["build_report", "build_reports", "compare_cities", "indicator_status", "shared_fiscal_year"]

Lang = Literal["ja", "en"]

#: The fixed texts of the reports, as key -> English text (in the message catalogue, ``zaitaku_core.i18n``).
TEXT: dict[str, str] = {
    "plan_title": N_("{city}: home-care collaboration program, {fy}"),
    "compare_title": N_("Home-care collaboration program: cities compared"),
    "overview": N_("Overview by national item"),
    "coverage": N_("National items × care scenes"),
    "coverage_text": N_("Numbers are counts of programs."),
    "programs": N_("Programs and their owners"),
    "tools": N_("Tools and where they are used"),
    "handoff": N_("Handoff rules"),
    "handoff_none": N_("The city declares no handoff rules of its own; the national rules apply as defaults."),
    "indicators": N_("Indicators: plan and actual"),
    "indicators_none": N_("No indicators are declared."),
    "from_log": N_("Actuals noted 'activity log' are counted from the activity log ({source}) up to {date}."),
    "log_note": N_("activity log"),
    "findings": N_("Validation findings"),
    "findings_none": N_("Validation found nothing to report."),
    "counts": N_("Counts"),
    "shared_indicators": N_("Shared indicators"),
    "scenes": N_("Care scenes"),
    "items": N_("National items"),
    "phase": N_("Phase"),
    "new_code": N_("New item"),
    "old_code": N_("Old item"),
    "item": N_("Item"),
    "n_programs": NP_("count", "Programs"),
    "program_titles": N_("Program titles"),
    "id": N_("ID"),
    "number": N_("No."),
    "title": N_("Title"),
    "scenes_col": N_("Scenes"),
    "frequency": N_("Frequency"),
    "new_passages": N_("New this year (highlighted in the source)"),
    "overview_col": N_("Overview"),
    "actions.city": N_("The municipality's action"),
    "actions.operator": N_("The contractor's action"),
    "actions.partner": N_("Partners' action"),
    "tools_col": N_("Tools, meetings and services"),
    "description": N_("Description"),
    "status_col": N_("Standing"),
    "conditions": N_("May be used"),
    "renewal": N_("Renewal"),
    "rule": N_("Rule"),
    "about": N_("About the plan"),
    "content": N_("Content"),
    "about_field": NP_("about the plan", "Item"),
    "document": N_("Document"),
    "aim": N_("Aim"),
    "covers": N_("Municipalities sharing the rules"),
    "operator": N_("Runs the program"),
    "organization": N_("Organisation"),
    "sources": N_("Source"),
    "owners": N_("Owners"),
    "actions": N_("Actions"),
    "target": N_("Target"),
    "kind": N_("Kind"),
    "operated_by": NP_("tool", "Run by"),
    "filled_by": N_("Filled in by"),
    "evidence_for": N_("Evidence for"),
    "used_by": N_("Used by"),
    "event": N_("Event"),
    "from": N_("From"),
    "to": N_("To"),
    "deadline": N_("Deadline"),
    "forms": N_("Forms"),
    "basis": N_("Basis"),
    "binding": N_("Binding"),
    "unit": N_("Unit"),
    "type": N_("Type"),
    "fy": NP_("column", "Fiscal year"),
    "period": N_("Plan period"),
    "plan": N_("Plan"),
    "actual": N_("Actual"),
    "ratio": N_("Achievement"),
    "status": N_("Status"),
    "note": N_("Note"),
    "severity": N_("Severity"),
    "code": N_("Code"),
    "message": N_("Message"),
    "program": N_("Program"),
    "field": N_("Field"),
    "city": N_("City"),
    "none": N_("(no national item)"),
    "ku": N_("old ク (no new item)"),
    "yes": N_("yes"),
    "no": "",
    "guidance": N_("guidance (not binding)"),
    "binding_yes": N_("binding"),
    "as_of": N_("as of {date}"),
    "n_tools": N_("Tools"),
    "n_rules": NP_("count", "Handoff rules"),
    "n_indicators": N_("Indicators"),
    "n_orgs": N_("Organisations"),
    "n_errors": N_("Errors"),
    "n_warnings": N_("Warnings"),
    "fiscal_year": N_("Fiscal year"),
    "first_to_learn": N_("whichever learns first"),
    "first_to_learn_to": N_("whichever side learns first, to the other"),
    "inferred_mark": N_(" (inferred)"),
    "no_scene": N_("not specific to a scene"),
    "reading": N_(" [read by the engine as: {reading}]"),
    "codes": N_("New / old item"),
    "variants": N_("Other spellings in the source"),
    "direction": N_("Direction"),
    "notes": N_("The source says"),
    "bodies": N_("Bodies that run the program"),
    "tool_statements": N_("What the sources say of the tools"),
    "parent": N_("Part of"),
    "founders": N_("Set up by"),
    "commissioner": N_("Commissioned by (委託元)"),
    "contractor": N_("Run under contract by (委託先)"),
    "members": N_("Members"),
    "staff": N_("Staff"),
    "programs_col": N_("Programs"),
    "events": N_("Events held"),
    "established": N_("Set up in"),
    "period_title": NP_("period", "Plan"),
    "scene_aim": N_("Aim for {scene}"),
    "plan_note": N_("The plan says"),
    "provenance": N_("Inferred facts (readings the sources do not state)"),
    "provenance_text": N_(
        'In the tables, "(inferred)" marks a fact the sources do not state; the data author\'s reasons follow.'
    ),
    "provenance_none": N_("No fact is inferred."),
    "provenance_omitted": N_("Inferred facts are left out (--no-inferred)."),
    "record": N_("Record"),
    "applies_to": N_("Applies to"),
    "reason": N_("Reason"),
    "whole_record": N_("the whole record"),
}


@cache
def _text(key: str, lang: Lang) -> str:
    """The fixed text ``key`` in ``lang`` (use :func:`_t` for texts with placeholders)."""
    return translate(TEXT[key], lang)


def _t(key: str, lang: Lang, **values: object) -> str:
    return _text(key, lang).format(**values)


@cache
def _columns(keys: tuple[str, ...], lang: Lang) -> tuple[str, ...]:
    return tuple(_text(key, lang) for key in keys)


def _join(items: Iterable[str]) -> str:
    return "、".join(items)


def _item_key(program: Program) -> str:
    if program.new_item is not None:
        return program.new_item.code
    return "ク" if program.old_item is _KU else ""


_KU = OldItem.KU  # read once: an Enum member costs ~0.1 us to read from its class on Python 3.11


@cache
def _item_rows(lang: Lang) -> tuple[tuple[str, str, str, str], ...]:
    """(key, phase label, new code, item label) for every new item, then old ク, then unmapped."""
    rows = [(i.code, f"{i.phase.code} {i.phase.label(lang)}", i.code, i.label(lang)) for i in NewItem]
    rows.append(("ク", f"{Phase.B.code} {Phase.B.label(lang)}", "", _text("ku", lang)))
    rows.append(("", "", "", _text("none", lang)))
    return tuple(rows)


def _section(
    key: str,
    lang: Lang,
    keys: tuple[str, ...],
    rows: Iterable[tuple[Cell, ...]],
    *,
    columns: tuple[str, ...] | None = None,
    text: str | None = None,
    charts: tuple[Chart, ...] = (),
    marks: tuple[Mark, ...] = (),
) -> Section:
    """A section holding one table, both named by ``key``; the columns are ``keys`` in ``lang`` unless given."""
    title = _text(key, lang)
    # Made here from validated data, so not validated again (the tests read every format back).
    table = Table.model_construct(
        id=key, title=title, columns=columns or _columns(keys, lang), rows=tuple(rows), marks=marks, keys=keys
    )
    return Section.model_construct(id=key, title=title, text=text, tables=(table,), charts=charts)


def _empty_section(key: str, lang: Lang, text_key: str) -> Section:
    """A section with only a sentence (no rules, no indicators, no findings …)."""
    return Section(id=key, title=_text(key, lang), text=_text(text_key, lang))


# --- indicators ----------------------------------------------------------------------------------------------


def indicator_status(plan_value: IndicatorValue | None, actual: IndicatorValue | None) -> IndicatorStatus:
    """The status of an indicator in one fiscal year from its target and its actual.

    A provisional or partial actual is never judged as final; a cancelled one is reported as such.
    """
    if actual is None:
        return _status(plan_value, None, None, None)
    return _status(plan_value, actual, target_number(plan_value), number(actual.value))


def _status(
    plan_value: IndicatorValue | None, actual: IndicatorValue | None, target: float | None, done: float | None
) -> IndicatorStatus:
    """:func:`indicator_status`, with the numbers of the target and the actual (made once by a caller that
    shows them too)."""
    if actual is None:
        return _NO_ACTUAL if plan_value is not None else _NO_TARGET
    judged = _UNJUDGED.get(actual.status)
    if judged is not None:
        return judged
    if target is None or done is None or target < 0 or done < 0:
        # Values are never negative once validated; a model built without validation is not judged.
        return _NO_TARGET
    return _ON_TRACK if done >= target else _BEHIND


# Read once: an Enum member costs ~0.1 us to read from its class on Python 3.11, and these are read per row.
_NO_ACTUAL, _NO_TARGET = IndicatorStatus.NO_ACTUAL, IndicatorStatus.NO_TARGET
_ON_TRACK, _BEHIND, _PARTIAL = IndicatorStatus.ON_TRACK, IndicatorStatus.BEHIND, IndicatorStatus.PARTIAL
_PLAN_KIND = ValueKind.PLAN


@cache
def _status_labels(lang: Lang) -> dict[IndicatorStatus, str]:
    return {status: status.label(lang) for status in IndicatorStatus}


#: Actual statuses reported as they are, never judged against the target.
_UNJUDGED = {
    ValueStatus.CANCELLED: IndicatorStatus.CANCELLED,
    ValueStatus.PROVISIONAL: IndicatorStatus.PROVISIONAL,
    ValueStatus.PARTIAL: IndicatorStatus.PARTIAL,
}


def _indicator_rows(
    indicator: Indicator,
    lang: Lang,
    unit: str,
    years: _YearLabels,
    from_log: LogActuals | None = None,
    programs: Mapping[str, str] | None = None,
) -> tuple[list[tuple[Cell, ...]], tuple[Bar, ...], bool]:
    """The table rows of one indicator, a row per fiscal year, its chart's bars (one a row), and whether a
    chart of them shows anything the table does not (what :func:`~zaitaku_core.report.charts.trend_chart`
    checks). ``unit`` is the indicator's unit in ``lang``; ``years`` the section's year labels.

    An actual counted from the activity log (``from_log``) is noted as such. Each row ends with what the
    indicator says of itself: its description, its programs (titles from ``programs``) and its sources.
    A row's numbers, status and bar are those of :func:`~zaitaku_core.report.charts.target_number`,
    :func:`~zaitaku_core.report.charts.number`, :func:`indicator_status` and
    :func:`~zaitaku_core.report.charts.bar`: the rules are written once, there.
    """
    # What the indicator says of itself, at the end of each of its rows.
    about = indicator.description
    named = programs or {}
    titles = _join([named.get(p, p) for p in indicator.programs]) or None
    sources = _sources(indicator.sources) if indicator.sources else None
    targets: dict[int, IndicatorValue] = {}
    actuals: dict[int, IndicatorValue] = {}
    for value in indicator.values:  # the first value of a kind and year counts (duplicates are a finding)
        (targets if value.kind is _PLAN_KIND else actuals).setdefault(value.fiscal_year, value)
    name, kind = indicator.name, indicator.type.label(lang)
    labels = _status_labels(lang)
    rows: list[tuple[Cell, ...]] = []
    bars: list[Bar] = []
    for year in sorted(targets.keys() | actuals.keys()):
        target, actual = targets.get(year), actuals.get(year)
        target_n = target_number(target)
        actual_n = None if actual is None else number(actual.value)
        status = _status(target, actual, target_n, actual_n)
        ratio = None
        if (status is _ON_TRACK or status is _BEHIND) and actual_n is not None and target_n:
            ratio = round(actual_n / target_n * 100, 1)
        label = labels[status]
        plan_cell: Cell = target_n
        notes: str | None = None
        if target is not None:
            if target.value is None and target.frequency is not None:
                plan_cell = target.frequency.label(lang)
            notes = target.note
        if actual is not None:
            if status is _PARTIAL and actual.as_of is not None:
                label = _partial_label(actual.as_of, lang)
            if actual.note:
                notes = f"{notes} {actual.note}" if notes else actual.note
            if from_log is not None and from_log.get(indicator.id, year) is not None:
                notes = f"{notes} {_text('log_note', lang)}" if notes else _text("log_note", lang)
        fy, period = years[year]
        rows.append(
            (name, unit, kind, fy, period, plan_cell, actual_n, ratio, label, notes or None, about, titles, sources)
        )
        bars.append(bar(fy, year, target, target_n, actual, actual_n, lang, period))
    return rows, tuple(bars), _informative(bars)


@lru_cache(maxsize=256)
def _partial_label(as_of: date, lang: Lang) -> str:
    """The status of a partial actual with its as-of date: a city's partial counts share a few dates."""
    return f"{_status_labels(lang)[_PARTIAL]}（{_t('as_of', lang, date=as_of.isoformat())}）"


class _YearLabels(dict[int, tuple[str, str | None]]):
    """A fiscal year's label and its plan period's, by year, in one language, made as they are first asked
    for: the indicators section looks one up for each of its rows (a lookup here is cheaper than a cached
    call)."""

    def __init__(self, lang: Lang) -> None:
        super().__init__()
        self.lang: Lang = lang

    def __missing__(self, year: int) -> tuple[str, str | None]:
        labels = self[year] = (fy_label(year, self.lang), plan_period_label(year, self.lang))
        return labels


# --- sections ------------------------------------------------------------------------------------------------


#: The action roles in order, the column order of the programs table.
_ROLES: tuple[ActionRole, ...] = tuple(ActionRole)


def _by_item(plan: Plan) -> dict[str, list[Program]]:
    groups: dict[str, list[Program]] = {}
    for program in plan.programs:
        groups.setdefault(_item_key(program), []).append(program)
    return groups


def _item_groups(groups: dict[str, list[Program]], lang: Lang) -> Iterator[tuple[str, str, str, list[Program]]]:
    """(phase label, new code, item label, programs) for every item, and for ク and unmapped when used."""
    for key, phase, code, label in _item_rows(lang):
        members = groups.get(key, [])
        if members or key not in {"ク", ""}:
            yield phase, code, label, members


def _overview(groups: dict[str, list[Program]], lang: Lang) -> Section:
    rows: list[tuple[Cell, ...]] = []
    for phase, code, label, members in _item_groups(groups, lang):
        olds = sorted({p.old_item.code for p in members if p.old_item}) or (
            [o.code for o in NewItem.parse(code).old_items] if code else []
        )
        titles = _join([f"{p.number or ''}{p.title}" for p in members])
        rows.append((phase, code, label, _join(olds), len(members), titles))
    keys = ("phase", "new_code", "item", "old_code", "n_programs", "program_titles")
    return _section("overview", lang, keys, rows)


def _coverage(groups: dict[str, list[Program]], lang: Lang, inferred: bool = True) -> Section:
    rows: list[tuple[Cell, ...]] = []
    for _phase, code, label, members in _item_groups(groups, lang):
        counts = dict.fromkeys(_SCENES, 0)
        for program in members:
            tags = program.scenes if inferred else [t for t in program.scenes if t.basis is not _INFERRED]
            for scene in {tag.scene for tag in tags}:  # a scene tagged twice counts once
                counts[scene] += 1
        rows.append((code, label, *counts.values()))
    columns = _coverage_columns(lang)
    return _section("coverage", lang, _COVERAGE_KEYS, rows, columns=columns, text=_text("coverage_text", lang))


_COVERAGE_KEYS = ("new_code", "item", *(f"scene:{s.value}" for s in _SCENES))


@cache
def _coverage_columns(lang: Lang) -> tuple[str, ...]:
    return (_text("new_code", lang), _text("item", lang), *(s.label(lang) for s in _SCENES))


class _Marked:
    """The text of one cell built from parts, some of them marked (new this year, inferred)."""

    __slots__ = ("marks", "parts", "size")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.marks: list[tuple[int, int, Literal["new", "inferred"], str | None]] = []
        self.size = 0

    def add(self, text: str, kind: Literal["new", "inferred"] | None = None, note: str | None = None) -> None:
        if kind is not None and text:
            self.marks.append((self.size, self.size + len(text), kind, note))
        self.parts.append(text)
        self.size += len(text)

    def text(self) -> str | None:
        return "".join(self.parts) or None


class _Rows:
    """Rows of a table under construction, with the marks of their cells."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.rows: list[tuple[Cell, ...]] = []
        #: (row, column, start, end, kind, note): made into :class:`Mark` records once the columns are final.
        self.marks: list[tuple[int, int, int, int, str, str | None]] = []

    def add(self, cells: Sequence[Cell | _Marked]) -> None:
        kinds = list(map(type, cells))
        if _Marked not in kinds:  # the common case, found in C
            self.rows.append(tuple(cells))  # type: ignore[arg-type]  # no _Marked among them
            return
        row = list(cells)
        at, column = len(self.rows), -1
        while _Marked in kinds[column + 1 :]:
            column = kinds.index(_Marked, column + 1)
            cell = row[column]
            assert isinstance(cell, _Marked)
            self.marks += [(at, column, start, end, kind, note) for start, end, kind, note in cell.marks]
            row[column] = cell.text()
        self.rows.append(tuple(row))  # type: ignore[arg-type]  # every _Marked replaced by its text

    def section(self, key: str, lang: Lang, headings: Mapping[str, str], *, text: str | None = None) -> Section:
        """The section, without the columns no row fills (a column that says nothing is left out)."""
        rows: list[tuple[Cell, ...]] = self.rows
        used = [i for i, cells in enumerate(zip(*rows, strict=True)) if not _BLANK.issuperset(cells)]
        if len(used) > 1 and len(used) < len(self.keys):  # itemgetter of two or more gives a tuple, in C
            rows = list(map(itemgetter(*used), rows))
        elif len(used) < len(self.keys):
            rows = [tuple(row[i] for i in used) for row in rows]
        index = {old: new for new, old in enumerate(used)}
        columns = tuple(_heading(self.keys[i], lang, headings) for i in used)
        # One call into pydantic-core for all the marks (cheaper than a model_construct per mark).
        marks = _MARKS.validate_python(
            [
                {"row": row, "column": index[column], "start": start, "end": end, "kind": kind, "note": note}
                for row, column, start, end, kind, note in self.marks
                if column in index
            ]
        )
        keys = tuple(self.keys[i] for i in used)
        return _section(key, lang, keys, rows, columns=columns, text=text, marks=marks)


_MARKS: TypeAdapter[tuple[Mark, ...]] = TypeAdapter(tuple[Mark, ...])
#: The cells that leave a column empty.
_BLANK: frozenset[Cell] = frozenset({None, ""})


def _heading(key: str, lang: Lang, headings: Mapping[str, str]) -> str:
    """A column's heading: the city document's own word for it where the city gives one (in Japanese)."""
    return headings.get(key, _text(key, lang)) if lang == "ja" else _text(key, lang)


def _with_new(text: str | None, passages: Sequence[str]) -> _Marked | str | None:
    """``text`` with every passage of ``passages`` it holds marked new."""
    if not text or not passages:
        return text
    spans = sorted((at, at + len(p)) for p in passages if (at := text.find(p)) >= 0)
    cell, at = _Marked(), 0
    for start, end in spans:
        if start < at:
            continue
        cell.add(text[at:start])
        cell.add(text[start:end], "new")
        at = end
    cell.add(text[at:])
    return cell


# --- inferred facts ---------------------------------------------------------------------------------------------

_INFERRED = Basis.INFERRED
_MEMBER = MemberRole.MEMBER


def _inferred(record: ProvenancedModel, field: str) -> Provenance | None:
    """The provenance of ``field`` of ``record`` where the data author inferred it (``None`` when stated)."""
    found = record.provenance.get(field) or record.provenance.get(WHOLE_RECORD)
    return found if found is not None and found.basis is _INFERRED else None


def _fact(text: str | None, why: Provenance | None, lang: Lang, inferred: bool) -> _Marked | str | None:
    """``text`` as a cell; an inferred fact says so in words and carries its reason (or is left out)."""
    if not text or why is None:
        return text
    if not inferred:
        return None
    cell = _Marked()
    cell.add(f"{text}{_text('inferred_mark', lang)}", "inferred", why.reason)
    return cell


def _scenes(tags: Sequence[SceneTag], why_none: Provenance | None, lang: Lang, inferred: bool) -> _Marked | None:
    """The scene tags as a cell, inferred ones marked; no tag at all reads 特定の場面に限らない where said why."""
    cell = _Marked()
    for tag in tags:
        if tag.basis is _INFERRED and not inferred:
            continue
        if cell.size:
            cell.add("、")
        label = tag.scene.label(lang)
        if tag.basis is _INFERRED:
            cell.add(f"{label}{_text('inferred_mark', lang)}", "inferred", tag.reason)
        else:
            cell.add(label)
    if not tags and why_none is not None and inferred:
        kind: Literal["inferred"] | None = "inferred" if why_none.basis is _INFERRED else None
        mark = _text("inferred_mark", lang) if kind else ""
        cell.add(f"{_text('no_scene', lang)}{mark}", kind, why_none.reason)
    return cell if cell.size else None


def _labels(values: Iterable[object], lang: Lang) -> str:
    return _join(v.label(lang) if isinstance(v, LabeledEnum) else str(v) for v in values)


def _programs(plan: Plan, lang: Lang, inferred: bool = True) -> Section:
    tools = {t.id: f"{t.number or ''}{t.name}" for t in plan.tools}
    frequencies: dict[tuple[str, int | None], str] = {}  # label by (kind, count): a plan repeats a few
    present = {action.role for p in plan.programs for action in p.actions}
    roles = [role for role in _ROLES if role in present]
    keys = (
        "id",
        "phase",
        "codes",
        "item",
        "title",
        "variants",
        "overview_col",
        "direction",
        "target",
        "frequency",
        "scenes_col",
        *(f"actions.{role.value}" for role in roles),
        "new_passages",
        "tools_col",
        "sources",
    )
    table = _Rows(keys)
    # Labels by what they are made of: a plan repeats a few items, phases and frequencies many times.
    items: dict[tuple[object, object, str | None], tuple[str | None, str | None]] = {}
    phases: dict[tuple[object, str | None], str | None] = {}
    for p in plan.programs:
        phase, new_item, old_item, frequency = p.phase, p.new_item, p.old_item, p.frequency
        how_often = None
        if frequency is not None:
            how_often = frequencies.get((frequency.kind, frequency.count))
            if how_often is None:
                how_often = frequencies[frequency.kind, frequency.count] = frequency.label(lang)
        item_key = (new_item, old_item, p.item_label)
        found = items.get(item_key)
        if found is None:
            item = new_item.label(lang) if new_item else (old_item.label(lang) if old_item else None)
            codes = "・".join(
                c for c in (new_item.code if new_item else "", f"旧{old_item.code}" if old_item else "") if c
            )
            found = items[item_key] = (codes or None, p.item_label if p.item_label and lang == "ja" else item)
        phase_key = (phase, p.phase_label)
        if phase_key in phases:
            phase_text = phases[phase_key]
        else:
            phase_text = p.phase_label or (f"{phase.code} {phase.label(lang)}" if phase else None)
            if lang != "ja" and phase:
                phase_text = f"{phase.code} {phase.label(lang)}"
            phases[phase_key] = phase_text
        said: dict[ActionRole, list[str]] = {}  # each action's text once, under its role
        for action in p.actions:
            said.setdefault(action.role, []).append(f"【{'・'.join(action.owners)}】{action.text}")
        by_role = ["\n".join(said.get(role, ())) for role in roles]
        provenance = p.provenance
        title = f"{p.number or ''}{p.title}"
        table.add(
            (
                p.id,
                phase_text,
                *found,
                _fact(title, _inferred(p, "title"), lang, True) if provenance else title,
                "\n".join(f"{v.text}（{v.where}）" if v.where else v.text for v in p.variants) or None
                if p.variants
                else None,
                p.overview,
                p.direction,
                _with_new(p.target, p.new_passages),
                how_often,
                _scenes(p.scenes, provenance.get("scenes"), lang, inferred),
                *by_role,
                "\n".join(p.new_passages),
                _join(tools.get(t, t) for t in p.tools),
                _sources(p.sources) if p.sources else None,
            )
        )
    return table.section("programs", lang, plan.city.headings)


def _sources(sources: Sequence[Source]) -> str | None:
    return "\n".join(" ".join(x for x in (s.title, s.section, s.page, s.note) if x) for s in sources) or None


def _tools(plan: Plan, lang: Lang, inferred: bool = True) -> Section:
    # Who uses each tool, in one pass: programs, then handoff rules, then tools it is a part of.
    users: dict[str, list[str]] = {}
    for user, tool_ids in (
        *((p.title, p.tools) for p in plan.programs),
        *((r.title, r.tools) for r in plan.handoff_rules),
        *((t.name, t.parts) for t in plan.tools),
        *((b.name, b.tools) for b in plan.bodies),
    ):
        for tool_id in tool_ids if len(tool_ids) < 2 else dict.fromkeys(tool_ids):  # each user once per tool
            users.setdefault(tool_id, []).append(user)
    keys = (
        "id",
        "title",
        "kind",
        "variants",
        "description",
        "operated_by",
        "filled_by",
        "evidence_for",
        "conditions",
        "scenes_col",
        "binding",
        "renewal",
        "used_by",
        "sources",
    )
    table = _Rows(keys)
    for tool in plan.tools:
        binding = None
        if tool.binding is not None:
            binding = _text("binding_yes", lang) if tool.binding else _text("guidance", lang)
        table.add(
            (
                tool.id,
                _fact(f"{tool.number or ''}{tool.name}", _inferred(tool, "name"), lang, True),
                tool.kind.label(lang),
                "\n".join(f"{v.text}（{v.where}）" if v.where else v.text for v in tool.variants) or None,
                _fact(tool.description, _inferred(tool, "description"), lang, inferred),
                _fact(_join(tool.operated_by), _inferred(tool, "operated_by"), lang, inferred),
                _fact(_labels(tool.filled_by, lang), _inferred(tool, "filled_by"), lang, inferred),
                _join(tool.evidence_for),
                "\n".join(tool.uses) or None,
                _scenes(tool.scenes, None, lang, inferred),
                binding,
                tool.renewal.text or tool.renewal.label(lang) if tool.renewal else None,
                _join(users.get(tool.id, ())),
                _sources(tool.sources),
            )
        )
    return table.section("tools", lang, {})


def _tool_statements(plan: Plan, lang: Lang) -> Section | None:
    """What the sources say of each tool's standing and about it, one statement a row (short rows print whole)."""
    table = _Rows(("title", "kind", "content"))
    for tool in plan.tools:
        name = f"{tool.number or ''}{tool.name}"
        for key, lines in (("status_col", tool.status), ("notes", tool.notes)):
            for line in lines:
                table.add((name, _text(key, lang), line))
    return table.section("tool_statements", lang, {}) if table.rows else None


def _bodies(plan: Plan, lang: Lang, inferred: bool = True) -> Section:
    """The bodies that run the program: councils, working groups, centres, desks, with who holds what."""
    # A body may hold a whole plan: its programs are named by item and number (ア(ア)①), or by title.
    programs = {
        p.id: f"{p.new_item.code if p.new_item else ''}{p.number}" if p.number else p.title for p in plan.programs
    }
    tools = {t.id: f"{t.number or ''}{t.name}" for t in plan.tools}
    names = {b.id: b.name for b in plan.bodies}
    keys = (
        "title",
        "kind",
        "description",
        "parent",
        "founders",
        "commissioner",
        "contractor",
        "members",
        "staff",
        "programs_col",
        "events",
        "tools_col",
        "scenes_col",
        "established",
        "sources",
    )
    table = _Rows(keys)
    for body in plan.bodies:
        members = "\n".join(
            " ".join(
                x
                for x in (m.organization, m.title or (m.role.label(lang) if m.role is not _MEMBER else None), m.note)
                if x
            )
            for m in body.members
        )
        staff = "\n".join(
            " ".join(x for x in (s.title or s.role.label(lang), s.employer, str(s.count or "") or None) if x)
            for s in body.staff
        )
        events = "\n".join(
            " ".join(x for x in (e.name, e.frequency.label(lang) if e.frequency else None, e.note) if x)
            for e in body.events
        )
        table.add(
            (
                _fact(body.name, _inferred(body, "name"), lang, True),
                body.kind.label(lang),
                _fact(body.description, _inferred(body, "description"), lang, inferred),
                names.get(body.parent, body.parent) if body.parent else None,
                _fact(_join(body.founders), _inferred(body, "founders"), lang, inferred),
                _fact(body.commissioner, _inferred(body, "commissioner"), lang, inferred),
                _fact(body.contractor, _inferred(body, "contractor"), lang, inferred),
                _fact(members, _inferred(body, "members"), lang, inferred),
                _fact(staff, _inferred(body, "staff"), lang, inferred),
                _join(programs.get(i, i) for i in body.programs),
                events or None,
                _join(tools.get(i, i) for i in body.tools),
                _scenes(body.scenes, None, lang, inferred),
                fy_label(body.established, lang) if body.established else None,
                _sources(body.sources),
            )
        )
    return table.section("bodies", lang, {})


def _handoff(plan: Plan, lang: Lang, inferred: bool = True) -> Section:
    if not plan.handoff_rules:
        return _empty_section("handoff", lang, "handoff_none")
    tools = {t.id: f"{t.number or ''}{t.name}" for t in plan.tools}
    keys = (
        "title",
        "rule",
        "event",
        "from",
        "to",
        "deadline",
        "forms",
        "basis",
        "binding",
        "applies_to",
        "note",
        "sources",
    )
    towns = {m.code: m.name for m in (plan.city.municipality, *plan.city.covers)}
    table = _Rows(keys)
    for rule in plan.handoff_rules:
        first = rule.who.value == "first_to_learn"
        senders = _labels(rule.contact_from, lang)
        receivers = _labels(rule.contact_to, lang)
        if first and set(rule.contact_from) != set(rule.contact_to):
            senders, receivers = f"{senders} ⇄ {receivers}", _text("first_to_learn_to", lang)
            why_from = _inferred(rule, "contact_from") or _inferred(rule, "contact_to")
            why_to = None
        else:
            if first:
                senders = f"{_text('first_to_learn', lang)}（{senders}）"
            why_from, why_to = _inferred(rule, "contact_from"), _inferred(rule, "contact_to")
        kind = rule.deadline.kind.label(lang).replace("N", str(rule.deadline.days or ""))
        deadline = _Marked()
        deadline.add(rule.deadline.text or kind)
        if rule.deadline.anchor and rule.deadline.anchor not in (rule.deadline.text or kind):
            deadline.add(f"（{rule.deadline.anchor}）")
        why_deadline = _inferred(rule, "deadline")
        if why_deadline is not None and inferred and rule.deadline.text:
            deadline.add(
                _t("reading", lang, reading=kind) + _text("inferred_mark", lang), "inferred", why_deadline.reason
            )
        table.add(
            (
                f"{rule.number or ''}{rule.title}",
                rule.text,
                f"{rule.scene.label(lang)} / {rule.event.label(lang)}",
                _fact(senders, why_from, lang, inferred),
                _fact(receivers, why_to, lang, inferred),
                deadline,
                _fact(_join(tools.get(t, t) for t in rule.tools), _inferred(rule, "tools"), lang, inferred),
                rule.basis.label(lang),
                _text("binding_yes", lang) if rule.binding else _text("guidance", lang),
                _join(towns.get(code, code) for code in rule.applies_to) or None,
                rule.note,
                _sources((rule.source,) if rule.source else ()),
            )
        )
    return table.section("handoff", lang, {})


def _about(plan: Plan, lang: Lang, inferred: bool = True) -> Section:
    """What the plan says of itself: the city, its documents, its aims, who runs the program, with whom.

    Made of the city and the plan period (``plan.period``), not of the fiscal year: the years of one period
    share it."""
    city = plan.city
    headings = city.headings
    m = city.municipality
    rows = _Rows(("about_field", "content"))
    where = f"{m.name}（{m.prefecture}、{m.code}）" if lang == "ja" else f"{m.name_en or m.name} ({m.code})"
    rows.add((_text("city", lang), where))
    period = plan.period
    for source in (*city.sources, *(period.sources if period else ())):
        rows.add((_text("document", lang), _sources((source,))))
    if period is not None and period.title:
        rows.add((_text("period_title", lang), period.title))
    aim = plan.aim()
    if aim:
        rows.add((_heading("aim", lang, headings), _fact(aim, _inferred(city, "aim"), lang, inferred)))
    for scene in _SCENES:
        scene_aim = plan.scene_aim(scene)
        if scene_aim is not None:
            label = scene_aim.label or _t("scene_aim", lang, scene=scene.label(lang))
            rows.add((label, scene_aim.text))
    for note in city.notes:
        rows.add((_text("plan_note", lang), note))
    if city.covers:
        covers = _join(c.name for c in city.covers)
        rows.add((_text("covers", lang), _fact(covers, _inferred(city, "covers"), lang, inferred)))
    for operator in city.operators:
        rows.add((_text("operator", lang), " ".join(x for x in (operator.name, operator.note) if x)))
    if city.organizations:
        names = _join(f"{o.name}（{o.note}）" if o.note else o.name for o in city.organizations)
        rows.add((_text("organization", lang), names))
    return rows.section("about", lang, {})


_FIELD_KEYS = {
    "scenes": "scenes_col",
    "operated_by": "operated_by",
    "filled_by": "filled_by",
    "contact_from": "from",
    "contact_to": "to",
    "deadline": "deadline",
    "tools": "forms",
    "covers": "covers",
    "name": "title",
    "title": "title",
    "founders": "founders",
    "commissioner": "commissioner",
    "contractor": "contractor",
    "members": "members",
    "description": "description",
    "aim": "aim",
    WHOLE_RECORD: "whole_record",
}


def _value(record: object, field: str, lang: Lang, names: Mapping[str, str]) -> str:
    if field == WHOLE_RECORD:
        return ""
    value = getattr(record, field, None)
    if field in {"tools", "parts", "programs"} and isinstance(value, tuple):
        return _join(names.get(v, v) for v in value)
    if isinstance(value, tuple):
        return _join(
            v.label(lang)
            if isinstance(v, LabeledEnum)
            else getattr(v, "name", None) or getattr(v, "organization", None) or str(v)
            for v in value
        )
    if isinstance(value, LabeledEnum):
        return value.label(lang)
    text = getattr(value, "text", None) or getattr(getattr(value, "kind", None), "ja", None)
    return str(text if text is not None else value if value is not None else "")


def _provenance(plan: Plan, lang: Lang, inferred: bool) -> Section:
    """Every fact the data author inferred rather than read in a source, with the reason and the source."""
    if not inferred:
        return _empty_section("provenance", lang, "provenance_omitted")
    table = _Rows(("record", "field", "content", "reason", "sources"))
    records: list[tuple[str, ProvenancedModel]] = [(plan.city.name, plan.city)]
    records += [(f"{p.number or ''}{p.title}", p) for p in plan.programs]
    records += [(b.name, b) for b in plan.bodies]
    records += [(f"{t.number or ''}{t.name}", t) for t in plan.tools]
    records += [(f"{r.number or ''}{r.title}", r) for r in plan.handoff_rules]
    records += [(i.name, i) for i in plan.indicators]
    field_label = _text("scenes_col", lang)
    names = {t.id: f"{t.number or ''}{t.name}" for t in plan.tools} | {p.id: p.title for p in plan.programs}
    for name, record in records:
        for field, why in record.provenance.items():
            if why.basis is _INFERRED:
                key = _FIELD_KEYS.get(field)
                label = _heading(key, lang, {}) if key else field
                table.add(
                    (
                        name,
                        label,
                        _value(record, field, lang, names),
                        why.reason,
                        _sources((why.source,) if why.source else ()),
                    )
                )
        for tag in getattr(record, "scenes", ()):
            if tag.basis is _INFERRED:
                source = _sources((tag.source,)) if tag.source else None
                table.add((name, field_label, tag.scene.label(lang), tag.reason, source))
    if not table.rows:
        return _empty_section("provenance", lang, "provenance_none")
    return table.section("provenance", lang, {}, text=_text("provenance_text", lang))


def _indicators(
    plan: Plan, lang: Lang, from_log: LogActuals | None = None, programs: Mapping[str, str] | None = None
) -> Section:
    """The indicators section: the city's indicators, a row per fiscal year, each naming its programs by their
    titles in ``plan``'s year (``programs``, :func:`_indicator_programs` of ``plan``, when made already)."""
    if not plan.indicators:
        return _empty_section("indicators", lang, "indicators_none")
    rows: list[tuple[Cell, ...]] = []
    charts: list[Chart] = []
    left_out: list[tuple[str, tuple[Bar, ...]]] = []  # indicators with only frequency targets and no actual
    if programs is None:
        programs = _indicator_programs(plan, _indicator_refs(plan.indicators))
    years = _YearLabels(lang)
    for indicator in plan.indicators:
        unit = indicator.unit.label(lang)
        indicator_rows, bars, charted = _indicator_rows(indicator, lang, unit, years, from_log, programs)
        rows += indicator_rows
        if charted:
            charts.append(_trend_chart(indicator.id, indicator.name, unit, bars, lang))
        else:
            left_out.append((indicator.name, bars))
    keys: tuple[str, ...] = ("title", "unit", "type", "fy", "period", "plan", "actual", "ratio", "status", "note")
    keys += ("description", "programs_col", "sources")
    text = not_charted_note(left_out, lang)
    if from_log is not None and from_log.computed and from_log.as_of is not None:
        counted = _t("from_log", lang, source=from_log.source, date=from_log.as_of.isoformat())
        text = f"{counted}\n{text}" if text else counted
    return _section("indicators", lang, keys, rows, text=text, charts=tuple(charts))


def _indicator_refs(indicators: Sequence[Indicator]) -> frozenset[str]:
    """The ids of the programs ``indicators`` name (the city's indicators: the same for each of its years)."""
    return frozenset(ref for indicator in indicators for ref in indicator.programs)


def _indicator_programs(plan: Plan, refs: frozenset[str]) -> dict[str, str]:
    """The titles of ``plan``'s programs among ``refs``, by id: all the indicators section takes from the
    year (a program not in the year's plan is named by its id)."""
    return {p.id: f"{p.number or ''}{p.title}" for p in plan.programs if p.id in refs}


def _findings(findings: Sequence[Finding], lang: Lang) -> Section:
    if not findings:
        return _empty_section("findings", lang, "findings_none")
    rows = [(f.severity.label(lang), f.code, f.message(lang), f.program, f.field) for f in findings]
    return _section("findings", lang, ("severity", "code", "message", "program", "field"), rows)


def build_report(
    registry: Registry,
    city_id: str,
    fiscal_year: int | str,
    *,
    lang: Lang = "ja",
    allow_undeclared: bool = False,
    issued: date | None = None,
    actuals: LogActuals | None = None,
    inferred: bool = True,
) -> Report:
    """The report of ``city_id``'s plan for ``fiscal_year``.

    Sections: what the plan says of itself (city, documents, aims, who runs it), overview by item (old and
    new codes side by side), items × scenes coverage, programs with their owners' actions, the bodies that
    run the program, tools and where they are used, handoff rules, indicators with plan, actual,
    achievement and status (and a chart), the facts the data author inferred (with reasons), validation
    findings, then the plugins' own sections. Inferred facts are marked "（推定）" in the tables; with
    ``inferred=False`` they are left out (the coverage counts stated scene tags only), except an inferred
    name, which a row cannot do without: it stays, still marked.
    ``issued`` is the report's 作成日; without it, the latest date in the city's data (a source's
    publication, a partial count's as-of date), so the same data always gives the same report.
    ``actuals`` (:func:`zaitaku_core.activity.derive.compute_actuals`) puts the actuals counted from an
    activity log in place of the typed ones, says so, and adds its findings.

    Raises:
        UndeclaredFiscalYearError: the city does not declare ``fiscal_year``, unless ``allow_undeclared``.
    """
    (report,) = build_reports(
        registry,
        city_id,
        (fiscal_year,),
        lang=lang,
        allow_undeclared=allow_undeclared,
        issued=issued,
        actuals=actuals,
        inferred=inferred,
    )
    return report


def build_reports(
    registry: Registry,
    city_id: str,
    fiscal_years: Iterable[int | str] | None = None,
    *,
    lang: Lang = "ja",
    allow_undeclared: bool = False,
    issued: date | None = None,
    actuals: LogActuals | None = None,
    inferred: bool = True,
) -> Iterator[Report]:
    """The reports of ``city_id`` for each of ``fiscal_years`` (every fiscal year it declares when ``None``).

    Each report is what :func:`build_report` gives for that year, whatever other years are built with it.
    They are made one at a time as you iterate, and what depends on the city alone (the handoff rules section
    and the findings of checks of scope ``"city"``) is made once and shared, so a run over many years or many
    cities does that work once per city. The indicators section (its table covers every fiscal year) names
    each indicator's programs by their titles in the report's year: it is made once and shared by the years
    whose programs it names have the same titles (a year without one of them names it by its id, as
    :func:`build_report` does). A year whose programs are those of the
    year before (equal in every field but the fiscal year, as a plan period's programs are) shares that year's
    sections made of them (overview, coverage, programs, bodies, tools, inferred facts) and the findings of
    its checks of scope ``"programs"`` as well, and a shared section is written to JSON once. A year the city
    does not declare is an :class:`~zaitaku_core.errors.UndeclaredFiscalYearError` unless ``allow_undeclared``.
    """
    years = registry.city(city_id).fiscal_years if fiscal_years is None else fiscal_years
    checks = registry.checks()
    handoff: Section | None = None
    refs: frozenset[str] = frozenset()  # the programs the city's indicators name
    # The indicators section by the titles of the year's programs it names (the rest of it is the city's).
    indicator_sections: dict[tuple[tuple[str, str], ...], Section] = {}
    city_date: date | None = None
    shared_findings: tuple[Finding, ...] = ()
    counted: tuple[Indicator, ...] | None = None
    # The last year's key (_year_key), its sections and the findings of its checks of scope "programs".
    before: tuple[tuple[object, ...], _YearSections, tuple[Finding, ...]] | None = None
    about: tuple[City, PeriodPlan | None, Section] | None = None  # 実施計画の概要 and what it is made of
    for year in years:
        plan = registry.plan(city_id, year, allow_undeclared=allow_undeclared)
        if actuals is not None:  # the actuals counted from an activity log, applied once per city
            counted = actuals.apply(plan.indicators) if counted is None else counted
            plan = plan.model_copy(update={"indicators": counted})
        if handoff is None:
            handoff = _handoff(plan, lang, inferred)
            refs = _indicator_refs(plan.indicators)
            city_date = _city_date(plan)
            shared_findings = city_findings(plan, checks)
        named = _indicator_programs(plan, refs)
        named_key = tuple(sorted(named.items()))
        indicators = indicator_sections.get(named_key)
        if indicators is None:
            indicators = indicator_sections[named_key] = _indicators(plan, lang, actuals, named)
        key = _year_key(plan)
        if before is None or key != before[0]:
            before = (key, _year_sections(plan, lang, inferred), program_findings(plan, checks))
        findings = run_checks(plan, checks, city_findings=shared_findings, program_findings=before[2])
        if actuals is not None:  # about any year of the indicators' table, which every report shows whole
            findings = (*findings, *actuals.findings)
        data_date = None if issued else _data_date(plan, city_date)
        period = plan.period  # the years of a plan period (or of a city that declares none) share it
        if about is None or about[0] is not plan.city or about[1] is not period:
            about = (plan.city, period, _about(plan, lang, inferred))
        sections = (about[2], before[1])
        city_sections = (handoff, indicators)
        yield _plan_report(registry, plan, findings, city_sections, sections, lang, issued, data_date, inferred)


def _plan_report(
    registry: Registry,
    plan: Plan,
    findings: Sequence[Finding],
    city_sections: tuple[Section, Section],
    year_sections: tuple[Section, _YearSections],
    lang: Lang,
    issued: date | None,
    data_date: date | None,
    inferred: bool = True,
) -> Report:
    about, (programs, provenance) = year_sections
    sections = [
        about,
        *programs,
        *city_sections,
        provenance,
        _findings(findings, lang),
    ]
    for extra in registry.report_sections(plan, lang):
        title = extra.title_en if lang == "en" else extra.title_ja
        table = Table(id=extra.id, title=title, columns=extra.columns, rows=extra.rows) if extra.columns else None
        text = extra.text_en if lang == "en" else extra.text_ja
        sections.append(Section(id=extra.id, title=title, text=text, tables=(table,) if table else ()))
    city = plan.city
    name = city.municipality.name_en if lang == "en" and city.municipality.name_en else city.name
    return Report(
        kind="plan",
        lang=lang,
        title=_t("plan_title", lang, city=name, fy=fy_label(plan.fiscal_year, lang)),
        cities=(city.id,),
        fiscal_year=plan.fiscal_year,
        generator=f"zaitaku-core {__version__}",
        sections=tuple(sections),
        city_name=name,
        municipality_code=city.municipality.code,
        operators=tuple(o.name_en if lang == "en" and o.name_en else o.name for o in city.operators),
        issued=issued or data_date,
        issued_from="given" if issued else "data",
    )


#: The sections made of a year's programs (with the city's records): overview, coverage, programs, bodies,
#: tools and tool statements; and the inferred facts.
_YearSections = tuple[tuple[Section, ...], Section]


def _year_sections(plan: Plan, lang: Lang, inferred: bool) -> _YearSections:
    """The sections of ``plan`` that depend on its programs and the city's records, not on the year itself."""
    groups = _by_item(plan)
    programs = (
        _overview(groups, lang),
        _coverage(groups, lang, inferred),
        _programs(plan, lang, inferred),
        *((_bodies(plan, lang, inferred),) if plan.bodies else ()),
        _tools(plan, lang, inferred),
        *filter(None, (_tool_statements(plan, lang),)),
    )
    return programs, _provenance(plan, lang, inferred)


def _year_key(plan: Plan) -> tuple[object, ...]:
    """What :func:`_year_sections` of ``plan`` is made of: two years of a city with equal keys have the same
    sections, and the report of the second reuses those of the first.

    A program that goes on unchanged is equal in every field but its fiscal year (a program declared once for
    a plan period is one such program in each of its years). The city's records are the registry's cached
    tuples, the same objects every year (a tuple compares its items by identity first).
    """
    records = (plan.city, plan.tools, plan.bodies, plan.handoff_rules, plan.indicators, plan.calendars)
    return (*records, list(map(_content, plan.programs)))


def _content(program: Program) -> dict[str, object]:
    """A program's fields but its fiscal year, with its scene tags, actions and frequency as their fields:
    equal for equal programs of two years, and compared in C (pydantic's ``__eq__`` of a model is Python)."""
    frequency = program.frequency
    return {
        **program.__dict__,
        "fiscal_year": None,
        "scenes": [tag.__dict__ for tag in program.scenes],
        "actions": [action.__dict__ for action in program.actions],
        "frequency": None if frequency is None else frequency.__dict__,
        "": type(program),
    }


def _data_date(plan: Plan, city_date: date | None) -> date | None:
    """The latest date the plan's data states: its programs' sources' publication, or ``city_date``
    (:func:`_city_date`, the same for every fiscal year of the city, so made once per city)."""
    dates = [s.published for p in plan.programs for s in p.sources if s.published is not None]
    if city_date is not None:
        dates.append(city_date)
    return max(dates, default=None)


def _city_date(plan: Plan) -> date | None:
    """The latest date of what a city states for all its years: the publication of the city's, tools',
    indicators' and rules' sources, and partial counts' as-of dates."""
    sources = [
        *plan.city.sources,
        *(s for t in plan.tools for s in t.sources),
        *(s for i in plan.indicators for s in i.sources),
        *(r.source for r in plan.handoff_rules if r.source is not None),
    ]
    dates = [s.published for s in sources if s.published is not None]
    dates += [v.as_of for i in plan.indicators for v in i.values if v.as_of is not None]
    return max(dates, default=None)


def shared_fiscal_year(registry: Registry, city_ids: Sequence[str]) -> int:
    """The latest fiscal year every one of ``city_ids`` declares.

    Raises:
        UndeclaredFiscalYearError: the cities share no fiscal year; the message lists each city's years.
    """
    declared = [set(registry.city(city_id).fiscal_years) for city_id in city_ids]
    shared = set.intersection(*declared) if declared else set()
    if shared:
        return max(shared)
    listing = "; ".join(
        f"{city_id}: {', '.join(f'FY{y}' for y in sorted(years))}"
        for city_id, years in zip(city_ids, declared, strict=True)
    )
    raise UndeclaredFiscalYearError(
        N_("the cities share no fiscal year ({listing}); give one with --fy"),
        values={"listing": listing},
        location={"field": "fiscal_year"},
    )


def _shared_indicators(plans: Sequence[Plan], names: Sequence[str], lang: Lang) -> Section:
    """The comparison's charts of the indicators the cities share, or a sentence saying there are none."""
    charts = shared_indicator_charts(plans, names, lang)
    text = None if charts else no_shared_note(lang)
    return Section.model_construct(
        id="shared_indicators", title=_text("shared_indicators", lang), text=text, tables=(), charts=charts
    )


def compare_cities(
    registry: Registry,
    city_ids: Sequence[str],
    fiscal_year: int | str | None = None,
    *,
    lang: Lang = "ja",
    allow_undeclared: bool = False,
) -> Report:
    """The national framework side by side for ``city_ids``: items and scenes covered and counts.

    Every city is read for the same fiscal year: ``fiscal_year``, or when ``None`` the latest year all of
    them declare (:func:`shared_fiscal_year`); the report's ``fiscal_year`` says which.

    Raises:
        UndeclaredFiscalYearError: a city does not declare ``fiscal_year`` (unless ``allow_undeclared``), or
            with ``None``, the cities share no year.
    """
    year = shared_fiscal_year(registry, city_ids) if fiscal_year is None else fiscal_year
    plans = [registry.plan(city_id, year, allow_undeclared=allow_undeclared) for city_id in city_ids]
    fiscal_year = plans[0].fiscal_year if plans else None
    names = [p.city.name if lang == "ja" else (p.city.municipality.name_en or p.city.name) for p in plans]
    item_rows: list[tuple[Cell, ...]] = []
    groups = [_by_item(plan) for plan in plans]
    for key, _phase, code, label in _item_rows(lang):
        counts = [len(group.get(key, ())) for group in groups]
        if key in {"ク", ""} and not any(counts):
            continue
        item_rows.append((code, label, *counts))
    scene_rows: list[tuple[Cell, ...]] = [
        (scene.label(lang), *(sum(scene in p.scene_set for p in plan.programs) for plan in plans)) for scene in _SCENES
    ]
    count_rows: list[tuple[Cell, ...]] = []
    findings = [run_checks(plan, registry.checks()) for plan in plans]
    columns_per_city: list[tuple[str, list[Cell]]] = [
        ("fiscal_year", [fy_label(p.fiscal_year, lang) for p in plans]),
        ("n_programs", [len(p.programs) for p in plans]),
        ("n_tools", [len(p.tools) for p in plans]),
        ("n_rules", [len(p.handoff_rules) for p in plans]),
        ("n_indicators", [len(p.indicators) for p in plans]),
        ("n_orgs", [len(p.city.organizations) for p in plans]),
        ("n_errors", [sum(f.severity is Severity.ERROR for f in found) for found in findings]),
        ("n_warnings", [sum(f.severity is Severity.WARNING for f in found) for found in findings]),
    ]
    for key, values in columns_per_city:
        count_rows.append((_text(key, lang), *values))
    city_keys = tuple(f"city:{city_id}" for city_id in city_ids)
    sections = (
        _section(
            "items",
            lang,
            ("new_code", "item", *city_keys),
            item_rows,
            columns=(_text("new_code", lang), _text("item", lang), *names),
            text=_text("coverage_text", lang),
        ),
        _section(
            "scenes",
            lang,
            ("scenes_col", *city_keys),
            scene_rows,
            columns=(_text("scenes_col", lang), *names),
            charts=(scene_chart(plans, names, lang),),
        ),
        _shared_indicators(plans, names, lang),
        _section("counts", lang, ("count", *city_keys), count_rows, columns=("", *names)),
    )
    return Report(
        kind="comparison",
        lang=lang,
        title=_text("compare_title", lang),
        cities=tuple(city_ids),
        fiscal_year=fiscal_year,
        generator=f"zaitaku-core {__version__}",
        sections=sections,
    )
