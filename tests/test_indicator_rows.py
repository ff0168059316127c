"""The indicators table's rows and chart bars (``build._indicator_rows``, one loop over an indicator's years)
are what the public pieces give row by row: :func:`~zaitaku_core.report.charts.target_number`,
:func:`~zaitaku_core.report.charts.number`, :func:`~zaitaku_core.report.build.indicator_status`,
:func:`~zaitaku_core.report.charts.bar` and :func:`~zaitaku_core.report.charts.trend_chart`, for indicators
whose values come in any order, with duplicates, frequencies, every status, as-of dates, notes and
actuals counted from an activity log."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zaitaku_core.model import Indicator, IndicatorValue, ValueKind
from zaitaku_core.report.build import (
    _indicator_rows,
    _partial_label,
    _status_labels,
    _text,
    _YearLabels,
    indicator_status,
)
from zaitaku_core.report.charts import bar, fy_label, number, plan_period_label, target_number, trend_chart
from zaitaku_core.report.model import Bar, IndicatorStatus

Lang = Literal["ja", "en"]

_VALUE = st.fixed_dictionaries(
    {
        "fiscal_year": st.integers(1999, 2027),
        "kind": st.sampled_from(["plan", "actual"]),
    },
    optional={
        "value": st.one_of(st.integers(0, 500), st.decimals(0, 500, places=2, allow_nan=False, allow_infinity=False)),
        "frequency": st.sampled_from(["年1回", "年2回", "月1回", "通年", "随時"]),
        "status": st.sampled_from(["final", "cancelled", "provisional", "partial"]),
        "as_of": st.dates(date(1999, 1, 1), date(2028, 12, 31)),
        "note": st.sampled_from(["", "見込み", "9月末現在"]),
    },
)


class _Log:
    """Stands for :class:`~zaitaku_core.activity.derive.LogActuals`: the years it counted an actual for."""

    def __init__(self, indicator: str, years: set[int]) -> None:
        self.indicator, self.years = indicator, years

    def get(self, indicator: str, fiscal_year: int) -> object | None:
        return object() if indicator == self.indicator and fiscal_year in self.years else None


def _expected(
    indicator: Indicator, lang: Lang, from_log: _Log | None, programs: dict[str, str]
) -> tuple[list[tuple[Any, ...]], tuple[Bar, ...], bool]:
    """The rows, bars and whether it is charted, made from the public pieces one row at a time."""
    about = (
        indicator.description,
        "、".join(programs.get(p, p) for p in indicator.programs) or None,
        None,
    )
    targets: dict[int, IndicatorValue] = {}
    actuals: dict[int, IndicatorValue] = {}
    for value in indicator.values:
        (targets if value.kind is ValueKind.PLAN else actuals).setdefault(value.fiscal_year, value)
    rows = []
    bars = []
    for year in sorted(targets.keys() | actuals.keys()):
        target, actual = targets.get(year), actuals.get(year)
        target_n = target_number(target)
        actual_n = None if actual is None else number(actual.value)
        status = indicator_status(target, actual)
        ratio = None
        if status in {IndicatorStatus.ON_TRACK, IndicatorStatus.BEHIND} and actual_n is not None and target_n:
            ratio = round(actual_n / target_n * 100, 1)
        label = _status_labels(lang)[status]
        plan_cell: Any = target_n
        notes = None
        if target is not None:
            if target.value is None and target.frequency is not None:
                plan_cell = target.frequency.label(lang)
            notes = target.note
        if actual is not None:
            if status is IndicatorStatus.PARTIAL and actual.as_of is not None:
                label = _partial_label(actual.as_of, lang)
            if actual.note:
                notes = f"{notes} {actual.note}" if notes else actual.note
            if from_log is not None and from_log.get(indicator.id, year) is not None:
                notes = f"{notes} {_text('log_note', lang)}" if notes else _text("log_note", lang)
        fy, period = fy_label(year, lang), plan_period_label(year, lang)
        unit, kind = indicator.unit.label(lang), indicator.type.label(lang)
        rows.append((indicator.name, unit, kind, fy, period, plan_cell, actual_n, ratio, label, notes or None, *about))
        bars.append(bar(fy, year, target, target_n, actual, actual_n, lang, period))
    chart = trend_chart(indicator.id, indicator.name, indicator.unit.label(lang), tuple(bars), lang)
    return rows, tuple(bars), chart is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(_VALUE, max_size=14),
    lang=st.sampled_from(["ja", "en"]),
    logged=st.none() | st.sets(st.integers(1999, 2027), max_size=4),
    named=st.booleans(),
)
def test_rows_are_what_the_public_pieces_give(
    values: list[dict[str, Any]], lang: Lang, logged: set[int] | None, named: bool
) -> None:
    indicator = Indicator.model_validate(
        {"id": "ind", "name": "開催回数", "unit": "回", "type": "process", "programs": ["p1", "p2"], "values": values}
    )
    programs = {"p1": "1相談支援"} if named else {}
    log = None if logged is None else _Log("ind", logged)
    expected = _expected(indicator, lang, log, programs)
    unit = indicator.unit.label(lang)
    got = _indicator_rows(indicator, lang, unit, _YearLabels(lang), log, programs)  # type: ignore[arg-type]
    assert got == expected
    for row, want in zip(got[0], expected[0], strict=True):  # 1 == 1.0, so the types are compared too
        assert [type(cell) for cell in row] == [type(cell) for cell in want]
    for made, wanted in zip(got[1], expected[1], strict=True):
        assert type(made) is Bar and [type(v) for v in made] == [type(v) for v in wanted]


def test_a_decimal_target_and_actual_keep_their_numbers() -> None:
    indicator = Indicator.model_validate(
        {
            "id": "ind",
            "name": "割合",
            "unit": "%",
            "type": "outcome",
            "values": [
                {"fiscal_year": 2024, "kind": "plan", "value": "12.5"},
                {"fiscal_year": 2024, "kind": "actual", "value": "25"},
            ],
        }
    )
    (row,), (made,), charted = _indicator_rows(indicator, "ja", "%", _YearLabels("ja"))
    assert row[5:8] == (12.5, 25, 200.0) and type(row[6]) is int
    assert (made.plan, made.actual) == (12.5, 25.0) and charted
    assert Decimal("12.5") == Decimal(str(row[5]))
