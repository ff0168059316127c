"""Which charts a report holds, and what each bar says: built from the same data as the report's tables.

Every chart is drawn on one scale: one indicator in its unit (a trend across fiscal years, grouped by plan
period: 第8期 actuals beside 第9期 targets), or one count compared across cities. A bar carries the status of
its value (中止, 予定, 途中集計 with its as-of date) and a target given as a frequency (年1回, 通年) is carried as
text, drawn as a mark, never as a bar: the renderers (``render.py``) draw each distinctly.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from typing import Literal

from zaitaku_core._prevalidated import assembler
from zaitaku_core.calendar import FiscalYear, PlanPeriod
from zaitaku_core.errors import FiscalYearError
from zaitaku_core.i18n import N_, NN_, tr, translate
from zaitaku_core.model import IndicatorValue, Plan, ValueStatus
from zaitaku_core.report.model import Bar, BarStatus, Chart

__all__ = [
    "bar",
    "fy_label",
    "no_shared_note",
    "not_charted_note",
    "number",
    "plan_period_label",
    "scene_chart",
    "shared_indicator_charts",
    "target_number",
    "trend_chart",
]

Lang = Literal["ja", "en"]

_TEXT: dict[str, str] = {
    "trend": N_("{name} ({unit}): plan and actual by fiscal year"),
    "not_charted": NN_(
        "{count} indicator has only a frequency target ({frequencies}) and no actual yet, so it is not charted "
        "(see the table): {names}.",
        "{count} indicators have only a frequency target ({frequencies}) and no actual yet, so they are not charted "
        "(see the table): {names}.",
    ),
    "scenes_chart": N_("Programs per care scene"),
    "scenes_group": N_("{scene}"),
    "shared": N_("{name} ({unit}) by city"),
    "no_shared": N_("The cities share no indicator (same name and unit)."),
    "city_year": N_("{city} ({fy})"),
    "n_programs": N_("programs"),
}


def _t(key: str, lang: Lang, **values: object) -> str:
    return tr(_TEXT[key], lang, **values)


def number(value: Decimal | None) -> int | float | None:
    """A value as the report writes it: an integer where it is whole."""
    if value is None:
        return None
    try:  # ~0.15 us less than comparing with to_integral_value(), for each of a report's thousands of values
        numerator, denominator = value.as_integer_ratio()
    except (ValueError, OverflowError):  # NaN or an infinity, which validation refuses
        return float(value)
    return numerator if denominator == 1 else float(value)


def target_number(value: IndicatorValue | None) -> int | float | None:
    """A target's number: its value, or the times a year of its frequency (年2回 is 2; 通年 has none)."""
    if value is None:
        return None
    if value.value is not None:
        return number(value.value)
    if value.frequency is not None:
        return value.frequency.times_per_year
    return None


@cache
def plan_period_label(year: int, lang: Lang) -> str | None:
    """The plan period of a fiscal year (第9期), or ``None`` before the first (FY2000)."""
    try:
        return PlanPeriod.of(year).label(lang)
    except FiscalYearError:
        return None


@cache
def fy_label(year: int, lang: Lang) -> str:
    """A fiscal year's label (令和6年度, FY2024), made once per year and language."""
    return FiscalYear(year).label(lang)


_STATUS: dict[ValueStatus, BarStatus] = {
    ValueStatus.FINAL: "final",
    ValueStatus.CANCELLED: "cancelled",
    ValueStatus.PROVISIONAL: "provisional",
    ValueStatus.PARTIAL: "partial",
}


_new_bar = tuple.__new__  # Bar's fields in order, without the keyword handling of Bar(...)
_make_chart = assembler(Chart)


def bar(
    label: str,
    year: int,
    target: IndicatorValue | None,
    target_n: float | None,
    actual: IndicatorValue | None,
    actual_n: float | None,
    lang: Lang,
    group: str | None,
) -> Bar:
    """The bar of one indicator in one fiscal year: its table row's numbers (``target_n``, ``actual_n``:
    :func:`target_number` and :func:`number`), with their statuses, in ``group`` (the plan period of a trend
    chart). Made from validated values without validating them again: a report may hold thousands."""
    frequency = target.frequency if target is not None else None
    return _new_bar(
        Bar,
        (
            label,
            None if target_n is None else float(target_n),
            None if actual_n is None else float(actual_n),
            group,
            year,
            None,
            None if frequency is None else frequency.label(lang),
            None if target is None else _STATUS[target.status],
            None if actual is None else _STATUS[actual.status],
            actual.as_of if actual is not None and actual.status is _PARTIAL else None,
        ),
    )


_PARTIAL = ValueStatus.PARTIAL  # read once: an Enum member costs ~0.1 us to read from its class on Python 3.11


def _informative(bars: Sequence[Bar]) -> bool:
    """Whether a chart of ``bars`` shows anything a table does not: an actual, or a numeric target."""
    return any(
        b.actual is not None or b.actual_status == "cancelled" or (b.plan is not None and b.plan_text is None)
        for b in bars
    )


@cache
def _template(key: str, lang: Lang) -> str:
    """The text ``key`` in ``lang`` with its placeholders (not a counted text), translated once."""
    return translate(_TEXT[key], lang)


def trend_chart(indicator_id: str, name: str, unit: str, bars: tuple[Bar, ...], lang: Lang) -> Chart | None:
    """The trend chart of one indicator across its fiscal years (a report may hold hundreds), or ``None``
    when it would show only frequency targets (年1回 …) and no actual: fifteen equal marks tell a reader
    nothing the table does not."""
    if not bars or not _informative(bars):
        return None
    return _trend_chart(indicator_id, name, unit, bars, lang)


def _trend_chart(indicator_id: str, name: str, unit: str, bars: tuple[Bar, ...], lang: Lang) -> Chart:
    """:func:`trend_chart` of bars known to show something (the indicators table's builder knows it from its
    rows, without reading the bars again)."""
    return _make_chart(
        {
            "id": f"trend-{indicator_id}",
            "title": _template("trend", lang).format(name=name, unit=unit),
            "bars": bars,
            "unit": unit,
            "note": None,
            "series": None,
        }
    )


def not_charted_note(left_out: Sequence[tuple[str, Sequence[Bar]]], lang: Lang) -> str | None:
    """The sentence naming the indicators left out of the charts, with the frequencies of their targets."""
    if not left_out:
        return None
    frequencies = dict.fromkeys(b.plan_text for _, bars in left_out for b in bars if b.plan_text)
    sep = "、" if lang == "ja" else ", "
    return _t(
        "not_charted",
        lang,
        count=len(left_out),
        frequencies=sep.join(f for f in frequencies if f) or "-",
        names=sep.join(name for name, _ in left_out),
    )


def scene_chart(plans: Sequence[Plan], names: Sequence[str], lang: Lang) -> Chart:
    """Programs per care scene, each city's beside the others' on one scale (a chart of counts)."""
    from zaitaku_core.framework import CareScene

    bars = [
        Bar(
            label=_t("city_year", lang, city=name, fy=fy_label(plan.fiscal_year, lang)),
            plan=None,
            actual=float(sum(scene in p.scene_set for p in plan.programs)),
            group=scene.label(lang),
            fiscal_year=plan.fiscal_year,
            plan_text=None,
            plan_status=None,
            actual_status="final",
            as_of=None,
        )
        for scene in CareScene
        for plan, name in zip(plans, names, strict=True)
    ]
    return Chart.model_construct(
        id="scenes",
        title=_t("scenes_chart", lang),
        bars=tuple(bars),
        unit="件" if lang == "ja" else "programs",
        note=None,
        series=_t("n_programs", lang),
    )


def shared_indicator_charts(plans: Sequence[Plan], names: Sequence[str], lang: Lang) -> tuple[Chart, ...]:
    """A chart for each indicator two or more cities share (the same name and unit): each city's plan and
    actual for its fiscal year, side by side on one scale."""
    shared: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for index, plan in enumerate(plans):
        for indicator in plan.indicators:
            shared.setdefault((indicator.name, indicator.unit.value), []).append((index, indicator.id))
    charts: list[Chart] = []
    for (name, _unit), members in shared.items():
        if len({index for index, _ in members}) < 2:
            continue
        bars: list[Bar] = []
        unit_label = ""
        for index, indicator_id in members:
            plan = plans[index]
            indicator = next(i for i in plan.indicators if i.id == indicator_id)
            unit_label = indicator.unit.label(lang)
            target = indicator.value(plan.fiscal_year, "plan")
            actual = indicator.value(plan.fiscal_year, "actual")
            label = _t("city_year", lang, city=names[index], fy=fy_label(plan.fiscal_year, lang))
            actual_n = number(actual.value) if actual is not None else None
            bars.append(bar(label, plan.fiscal_year, target, target_number(target), actual, actual_n, lang, None))
        charts.append(
            Chart.model_construct(
                id=f"shared-{len(charts) + 1}",
                title=_t("shared", lang, name=name, unit=unit_label),
                bars=tuple(bars),
                unit=unit_label,
                note=None,
                series=None,
            )
        )
    return tuple(charts)


def no_shared_note(lang: Lang) -> str:
    """The sentence of a comparison whose cities share no indicator."""
    return _t("no_shared", lang)
