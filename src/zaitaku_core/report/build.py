"""Build reports from a registry: one city's plan for a fiscal year, or several cities side by side."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Literal

from zaitaku_core import __version__
from zaitaku_core.calendar import FiscalYear
from zaitaku_core.framework import CareScene, NewItem, OldItem, Phase
from zaitaku_core.model import (
    Finding,
    Indicator,
    IndicatorValue,
    Plan,
    Program,
    Severity,
    ValueKind,
    ValueStatus,
)
from zaitaku_core.report.model import Bar, Cell, Chart, IndicatorStatus, Report, Section, Table
from zaitaku_core.validation import run_checks

if TYPE_CHECKING:
    from zaitaku_core.plugins import Registry

__all__ = ["build_report", "compare_cities", "indicator_status"]

Lang = Literal["ja", "en"]

#: Every fixed text of the reports, as key -> (Japanese, English).
TEXT: dict[str, tuple[str, str]] = {
    "plan_title": ("{city} 在宅医療・介護連携推進事業 {fy} 報告", "{city}: home-care collaboration program, {fy}"),
    "compare_title": ("在宅医療・介護連携推進事業 市町村比較", "Home-care collaboration program: cities compared"),
    "overview": ("取組項目別の概要", "Overview by national item"),
    "coverage": ("取組項目 × 4つの場面", "National items × care scenes"),
    "coverage_text": ("数字は該当する取組の数です。", "Numbers are counts of programs."),
    "programs": ("取組と実施主体", "Programs and their owners"),
    "tools": ("連携ツールと使用箇所", "Tools and where they are used"),
    "handoff": ("入退院等の連携ルール", "Handoff rules"),
    "handoff_none": (
        "市独自の連携ルールは登録されていません。国の基準（既定）が適用されます。",
        "The city declares no handoff rules of its own; the national rules apply as defaults.",
    ),
    "indicators": ("指標（計画値と実績値）", "Indicators: plan and actual"),
    "indicators_none": ("指標は登録されていません。", "No indicators are declared."),
    "chart": (
        "計画値と実績値（棒の長さは指標ごとの最大値に対する比）",
        "Plan and actual (each indicator's bars are scaled to its own largest value)",
    ),
    "findings": ("検証結果", "Validation findings"),
    "findings_none": ("検証で問題は見つかりませんでした。", "Validation found nothing to report."),
    "counts": ("件数", "Counts"),
    "scenes": ("4つの場面", "Care scenes"),
    "items": ("取組項目", "National items"),
    # column names
    "phase": ("区分", "Phase"),
    "new_code": ("新項目", "New item"),
    "old_code": ("旧項目", "Old item"),
    "item": ("取組項目", "Item"),
    "n_programs": ("取組数", "Programs"),
    "program_titles": ("取組", "Program titles"),
    "id": ("ID", "ID"),
    "number": ("番号", "No."),
    "title": ("名称", "Title"),
    "scenes_col": ("場面", "Scenes"),
    "frequency": ("実施回数", "Frequency"),
    "new": ("新規", "New"),
    "owners": ("実施主体", "Owners"),
    "actions": ("取組内容", "Actions"),
    "target": ("実施目標", "Target"),
    "kind": ("種類", "Kind"),
    "operated_by": ("運営・作成", "Run by"),
    "filled_by": ("記入者", "Filled in by"),
    "evidence_for": ("根拠資料として使える加算等", "Evidence for"),
    "used_by": ("使用する取組・ルール", "Used by"),
    "event": ("場面・契機", "Event"),
    "from": ("連絡する側", "From"),
    "to": ("連絡を受ける側", "To"),
    "deadline": ("期限", "Deadline"),
    "forms": ("様式", "Forms"),
    "basis": ("根拠", "Basis"),
    "binding": ("拘束力", "Binding"),
    "unit": ("単位", "Unit"),
    "type": ("指標の種類", "Type"),
    "fy": ("年度", "Fiscal year"),
    "plan": ("計画値", "Plan"),
    "actual": ("実績値", "Actual"),
    "ratio": ("達成率", "Achievement"),
    "status": ("状況", "Status"),
    "note": ("備考", "Note"),
    "severity": ("重要度", "Severity"),
    "code": ("コード", "Code"),
    "message": ("内容", "Message"),
    "program": ("取組ID", "Program"),
    "field": ("項目", "Field"),
    "city": ("市町村", "City"),
    "none": ("（国の取組項目なし）", "(no national item)"),
    "ku": ("旧ク（新区分なし）", "old ク (no new item)"),
    "yes": ("○", "yes"),
    "no": ("", ""),
    "guidance": ("目安（拘束力なし）", "guidance (not binding)"),
    "binding_yes": ("拘束力あり", "binding"),
    "as_of": ("{date}現在", "as of {date}"),
    "n_tools": ("ツール数", "Tools"),
    "n_rules": ("連携ルール数", "Handoff rules"),
    "n_indicators": ("指標数", "Indicators"),
    "n_orgs": ("組織数", "Organisations"),
    "n_errors": ("エラー", "Errors"),
    "n_warnings": ("警告", "Warnings"),
    "fiscal_year": ("対象年度", "Fiscal year"),
    "first_to_learn": ("先に把握した方", "whichever learns first"),
}


def _t(key: str, lang: Lang, **values: object) -> str:
    ja, en = TEXT[key]
    return (en if lang == "en" else ja).format(**values)


def _join(items: Iterable[str]) -> str:
    return "、".join(items)


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _item_key(program: Program) -> str:
    if program.new_item is not None:
        return str(program.new_item.value)
    return "ク" if program.old_item is OldItem.KU else ""


@cache
def _item_rows(lang: Lang) -> tuple[tuple[str, str, str, str], ...]:
    """(key, phase label, new code, item label) for every new item, then old ク, then unmapped."""
    rows = [(i.value, f"{i.phase.value} {i.phase.label(lang)}", i.value, i.label(lang)) for i in NewItem]
    rows.append(("ク", f"{Phase.B.value} {Phase.B.label(lang)}", "", _t("ku", lang)))
    rows.append(("", "", "", _t("none", lang)))
    return tuple(rows)


# --- indicators ----------------------------------------------------------------------------------------------


def _target_number(value: IndicatorValue | None) -> int | float | None:
    if value is None:
        return None
    if value.value is not None:
        return _number(value.value)
    if value.frequency is not None:
        return value.frequency.times_per_year
    return None


def indicator_status(plan_value: IndicatorValue | None, actual: IndicatorValue | None) -> IndicatorStatus:
    """The status of an indicator in one fiscal year from its target and its actual.

    A provisional or partial actual is never judged as final; a cancelled one is reported as such.
    """
    if actual is None:
        return IndicatorStatus.NO_ACTUAL if plan_value is not None else IndicatorStatus.NO_TARGET
    if actual.status is ValueStatus.CANCELLED:
        return IndicatorStatus.CANCELLED
    if actual.status is ValueStatus.PROVISIONAL:
        return IndicatorStatus.PROVISIONAL
    if actual.status is ValueStatus.PARTIAL:
        return IndicatorStatus.PARTIAL
    target, done = _target_number(plan_value), _number(actual.value)
    if target is None or done is None:
        return IndicatorStatus.NO_TARGET
    return IndicatorStatus.ON_TRACK if done >= target else IndicatorStatus.BEHIND


@cache
def _fy_label(year: int, lang: Lang) -> str:
    return FiscalYear(year).label(lang)


def _indicator_rows(indicator: Indicator, lang: Lang, bars: list[Bar]) -> list[tuple[Cell, ...]]:
    """The table rows of one indicator, a row per fiscal year; appends its chart bars to ``bars``."""
    by_year: dict[int, dict[ValueKind, IndicatorValue]] = {}
    for value in indicator.values:
        by_year.setdefault(value.fiscal_year, {}).setdefault(value.kind, value)
    rows: list[tuple[Cell, ...]] = []
    for year in sorted(by_year):
        target, actual = by_year[year].get(ValueKind.PLAN), by_year[year].get(ValueKind.ACTUAL)
        status = indicator_status(target, actual)
        target_n, actual_n = _target_number(target), _number(actual.value) if actual else None
        judged = status in {IndicatorStatus.ON_TRACK, IndicatorStatus.BEHIND}
        ratio = round(actual_n / target_n * 100, 1) if judged and actual_n is not None and target_n else None
        label = status.label(lang)
        if status is IndicatorStatus.PARTIAL and actual is not None and actual.as_of is not None:
            label = f"{label}（{_t('as_of', lang, date=actual.as_of.isoformat())}）"
        plan_cell: Cell = target_n
        if target is not None and target.value is None and target.frequency is not None:
            plan_cell = target.frequency.label(lang)
        notes = [v.note for v in (target, actual) if v is not None and v.note]
        fy = _fy_label(year, lang)
        rows.append(
            (
                indicator.name,
                indicator.unit.label(lang),
                indicator.type.label(lang),
                fy,
                plan_cell,
                actual_n,
                ratio,
                label,
                " ".join(notes) or None,
            )
        )
        if target_n is not None or actual_n is not None:
            bars.append(Bar(label=f"{indicator.name}（{fy}）", plan=target_n, actual=actual_n, group=indicator.id))
    return rows


# --- sections ------------------------------------------------------------------------------------------------


def _by_item(plan: Plan) -> dict[str, list[Program]]:
    groups: dict[str, list[Program]] = {}
    for program in plan.programs:
        groups.setdefault(_item_key(program), []).append(program)
    return groups


def _overview(groups: dict[str, list[Program]], lang: Lang) -> Section:
    rows: list[tuple[Cell, ...]] = []
    for key, phase, code, label in _item_rows(lang):
        members = groups.get(key, [])
        if not members and key in {"ク", ""}:
            continue
        olds = sorted({p.old_item.value for p in members if p.old_item}) or (
            [o.value for o in NewItem.parse(code).old_items] if code else []
        )
        titles = _join(f"{p.number or ''}{p.title}" for p in members)
        rows.append((phase, code, label, _join(olds), len(members), titles))
    columns = tuple(_t(k, lang) for k in ("phase", "new_code", "item", "old_code", "n_programs", "program_titles"))
    return Section(
        id="overview",
        title=_t("overview", lang),
        tables=(Table(id="overview", title=_t("overview", lang), columns=columns, rows=tuple(rows)),),
    )


def _coverage(groups: dict[str, list[Program]], lang: Lang) -> Section:
    rows: list[tuple[Cell, ...]] = []
    for key, _phase, code, label in _item_rows(lang):
        members = groups.get(key, [])
        if not members and key in {"ク", ""}:
            continue
        counts = [sum(scene in p.scene_set for p in members) for scene in CareScene]
        rows.append((code, label, *counts))
    columns = (_t("new_code", lang), _t("item", lang), *(s.label(lang) for s in CareScene))
    table = Table(id="coverage", title=_t("coverage", lang), columns=columns, rows=tuple(rows))
    return Section(id="coverage", title=_t("coverage", lang), text=_t("coverage_text", lang), tables=(table,))


def _programs(plan: Plan, lang: Lang) -> Section:
    rows: list[tuple[Cell, ...]] = []
    for p in plan.programs:
        owners = _join(f"{a.role.label(lang)}: {'・'.join(a.owners)}" for a in p.actions)
        actions = "\n".join(f"【{'・'.join(a.owners)}】{a.text}" for a in p.actions)
        scenes = _join(tag.scene.label(lang) for tag in p.scenes)
        rows.append(
            (
                p.id,
                p.phase.value if p.phase else None,
                p.new_item.value if p.new_item else None,
                p.old_item.value if p.old_item else None,
                p.number,
                p.title,
                scenes,
                p.frequency.label(lang) if p.frequency else None,
                _t("yes", lang) if p.new_this_year else _t("no", lang),
                owners,
                actions,
                p.target,
            )
        )
    keys = (
        "id",
        "phase",
        "new_code",
        "old_code",
        "number",
        "title",
        "scenes_col",
        "frequency",
        "new",
        "owners",
        "actions",
        "target",
    )
    table = Table(id="programs", title=_t("programs", lang), columns=tuple(_t(k, lang) for k in keys), rows=tuple(rows))
    return Section(id="programs", title=_t("programs", lang), tables=(table,))


def _tools(plan: Plan, lang: Lang) -> Section:
    rows: list[tuple[Cell, ...]] = []
    for tool in plan.tools:
        users = [p.title for p in plan.programs if tool.id in p.tools]
        users += [r.title for r in plan.handoff_rules if tool.id in r.tools]
        users += [t.name for t in plan.tools if tool.id in t.parts]
        rows.append(
            (
                tool.id,
                f"{tool.number or ''}{tool.name}",
                tool.kind.label(lang),
                _join(tool.operated_by),
                _join(k.label(lang) for k in tool.filled_by),
                _join(tool.evidence_for),
                _join(users),
            )
        )
    keys = ("id", "title", "kind", "operated_by", "filled_by", "evidence_for", "used_by")
    table = Table(id="tools", title=_t("tools", lang), columns=tuple(_t(k, lang) for k in keys), rows=tuple(rows))
    return Section(id="tools", title=_t("tools", lang), tables=(table,))


def _handoff(plan: Plan, lang: Lang) -> Section:
    if not plan.handoff_rules:
        return Section(id="handoff", title=_t("handoff", lang), text=_t("handoff_none", lang))
    tools = {t.id: f"{t.number or ''}{t.name}" for t in plan.tools}
    rows: list[tuple[Cell, ...]] = []
    for rule in plan.handoff_rules:
        first = rule.who.value == "first_to_learn"
        parties = _join(k.label(lang) for k in rule.contact_from)
        deadline = rule.deadline.kind.label(lang).replace("N", str(rule.deadline.days or ""))
        if rule.deadline.anchor:
            deadline = (
                f"{rule.deadline.anchor}（{deadline}）" if lang == "ja" else f"{deadline} ({rule.deadline.anchor})"
            )
        rows.append(
            (
                rule.title,
                f"{rule.scene.label(lang)} / {rule.event.label(lang)}",
                f"{_t('first_to_learn', lang)}（{parties}）" if first else parties,
                _join(k.label(lang) for k in rule.contact_to),
                deadline,
                _join(tools.get(t, t) for t in rule.tools),
                rule.basis.label(lang),
                _t("binding_yes", lang) if rule.binding else _t("guidance", lang),
            )
        )
    keys = ("title", "event", "from", "to", "deadline", "forms", "basis", "binding")
    table = Table(id="handoff", title=_t("handoff", lang), columns=tuple(_t(k, lang) for k in keys), rows=tuple(rows))
    return Section(id="handoff", title=_t("handoff", lang), tables=(table,))


def _indicators(plan: Plan, lang: Lang) -> Section:
    if not plan.indicators:
        return Section(id="indicators", title=_t("indicators", lang), text=_t("indicators_none", lang))
    bars: list[Bar] = []
    rows = [row for indicator in plan.indicators for row in _indicator_rows(indicator, lang, bars)]
    keys = ("title", "unit", "type", "fy", "plan", "actual", "ratio", "status", "note")
    table = Table(
        id="indicators", title=_t("indicators", lang), columns=tuple(_t(k, lang) for k in keys), rows=tuple(rows)
    )
    chart = Chart(id="plan-vs-actual", title=_t("chart", lang), bars=tuple(bars))
    return Section(id="indicators", title=_t("indicators", lang), tables=(table,), charts=(chart,))


def _findings(findings: Sequence[Finding], lang: Lang) -> Section:
    if not findings:
        return Section(id="findings", title=_t("findings", lang), text=_t("findings_none", lang))
    rows = tuple((f.severity.label(lang), f.code, f.message(lang), f.program, f.field) for f in findings)
    keys = ("severity", "code", "message", "program", "field")
    table = Table(id="findings", title=_t("findings", lang), columns=tuple(_t(k, lang) for k in keys), rows=rows)
    return Section(id="findings", title=_t("findings", lang), tables=(table,))


def build_report(registry: Registry, city_id: str, fiscal_year: int | str, *, lang: Lang = "ja") -> Report:
    """The report of ``city_id``'s plan for ``fiscal_year``.

    Sections: overview by item (old and new codes side by side), items × scenes coverage, programs with
    their owners' actions, tools and where they are used, handoff rules, indicators with plan, actual,
    achievement and status (and a chart), validation findings, then the plugins' own sections.
    """
    plan = registry.plan(city_id, fiscal_year)
    fiscal_year = plan.fiscal_year
    findings = run_checks(plan, registry.checks())
    groups = _by_item(plan)
    sections = [
        _overview(groups, lang),
        _coverage(groups, lang),
        _programs(plan, lang),
        _tools(plan, lang),
        _handoff(plan, lang),
        _indicators(plan, lang),
        _findings(findings, lang),
    ]
    for extra in registry.report_sections(plan, lang):
        title = extra.title_en if lang == "en" else extra.title_ja
        table = Table(id=extra.id, title=title, columns=extra.columns, rows=extra.rows) if extra.columns else None
        text = extra.text_en if lang == "en" else extra.text_ja
        sections.append(Section(id=extra.id, title=title, text=text, tables=(table,) if table else ()))
    name = plan.city.municipality.name_en if lang == "en" and plan.city.municipality.name_en else plan.city.name
    return Report(
        kind="plan",
        lang=lang,
        title=_t("plan_title", lang, city=name, fy=_fy_label(fiscal_year, lang)),
        cities=(city_id,),
        fiscal_year=fiscal_year,
        generator=f"zaitaku-core {__version__}",
        sections=tuple(sections),
    )


def compare_cities(
    registry: Registry, city_ids: Sequence[str], fiscal_year: int | None = None, *, lang: Lang = "ja"
) -> Report:
    """The national framework side by side for ``city_ids``: items and scenes covered and counts.

    Each city is read for ``fiscal_year``, or for its latest fiscal year when ``None``.
    """
    plans = []
    for city_id in city_ids:
        city = registry.city(city_id)
        plans.append(registry.plan(city_id, fiscal_year if fiscal_year is not None else max(city.fiscal_years)))
    names = [p.city.name if lang == "ja" else (p.city.municipality.name_en or p.city.name) for p in plans]
    item_rows: list[tuple[Cell, ...]] = []
    groups = [_by_item(plan) for plan in plans]
    for key, _phase, code, label in _item_rows(lang):
        counts = [len(group.get(key, ())) for group in groups]
        if key in {"ク", ""} and not any(counts):
            continue
        item_rows.append((code, label, *counts))
    scene_rows = tuple(
        (scene.label(lang), *(sum(scene in p.scene_set for p in plan.programs) for plan in plans))
        for scene in CareScene
    )
    count_rows: list[tuple[Cell, ...]] = []
    findings = [run_checks(plan, registry.checks()) for plan in plans]
    columns_per_city: list[tuple[str, list[Cell]]] = [
        ("fiscal_year", [_fy_label(p.fiscal_year, lang) for p in plans]),
        ("n_programs", [len(p.programs) for p in plans]),
        ("n_tools", [len(p.tools) for p in plans]),
        ("n_rules", [len(p.handoff_rules) for p in plans]),
        ("n_indicators", [len(p.indicators) for p in plans]),
        ("n_orgs", [len(p.city.organizations) for p in plans]),
        ("n_errors", [sum(f.severity is Severity.ERROR for f in found) for found in findings]),
        ("n_warnings", [sum(f.severity is Severity.WARNING for f in found) for found in findings]),
    ]
    for key, values in columns_per_city:
        count_rows.append((_t(key, lang), *values))
    sections = (
        Section(
            id="items",
            title=_t("items", lang),
            text=_t("coverage_text", lang),
            tables=(
                Table(
                    id="items",
                    title=_t("items", lang),
                    columns=(_t("new_code", lang), _t("item", lang), *names),
                    rows=tuple(item_rows),
                ),
            ),
        ),
        Section(
            id="scenes",
            title=_t("scenes", lang),
            tables=(
                Table(id="scenes", title=_t("scenes", lang), columns=(_t("scenes_col", lang), *names), rows=scene_rows),
            ),
        ),
        Section(
            id="counts",
            title=_t("counts", lang),
            tables=(Table(id="counts", title=_t("counts", lang), columns=("", *names), rows=tuple(count_rows)),),
        ),
    )
    return Report(
        kind="comparison",
        lang=lang,
        title=_t("compare_title", lang),
        cities=tuple(city_ids),
        fiscal_year=fiscal_year,
        generator=f"zaitaku-core {__version__}",
        sections=sections,
    )
