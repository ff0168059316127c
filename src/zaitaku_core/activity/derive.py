"""Indicator actuals counted from the activity log: per fiscal year, partial as of a date, with conflicts.

An indicator may declare how its actual is derived (:attr:`Indicator.derive
<zaitaku_core.model.Indicator>`, a :class:`~zaitaku_core.model.Derivation`): a *measure* (activities
counted, participants summed, distinct consultation cases, participants of some professions) over the log
entries that pass its *filters* (programs, kinds, scenes, who asked, the asking professional's
profession, the body that held it), per fiscal year. That is the shape of a DHIS2 program indicator (an
aggregation type and an expression over the events that pass a filter, within the period's boundaries)
and of a FHIR Measure (a population criterion scored as a cohort or a continuous variable), kept to what a
centre's log can answer.

:func:`compute_actuals` reads the log once per indicator and gives a :class:`LogActuals`: the actual of each
fiscal year the log covers (from the year of its first entry of the city to the as-of date), the last of
them partial as of that date unless the date closes the year (31 March), and the findings:

``ZL001`` (warning)
    A typed actual (in the plugin's data) differs from the one counted from the log; the report shows the
    log's, and says so.
``ZL002`` (information)
    Entries that the derivation matches record no number for its measure (no participants, no case id):
    they are not in the count.
``ZL003`` (information)
    The log holds no entries of the city, so no actual is counted from it.

:meth:`LogActuals.apply` returns the indicators with those actuals in place of the typed ones (a typed
中止 stays when the log counts nothing for that year).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from zaitaku_core.calendar import FiscalYear, fiscal_year_of
from zaitaku_core.model import Finding, Indicator, IndicatorValue, Severity, ValueKind, ValueStatus

if TYPE_CHECKING:
    from zaitaku_core.activity.store import ActivityLog

__all__ = ["LOG_FINDINGS", "ComputedActual", "LogActuals", "compute_actuals"]

#: The findings of actuals counted from the log: code -> (severity, Japanese title, English title).
LOG_FINDINGS: dict[str, tuple[Severity, str, str]] = {
    "ZL001": (
        Severity.WARNING,
        "入力された実績値と活動記録の集計が異なる",
        "A typed actual differs from the log's count",
    ),
    "ZL002": (Severity.INFO, "集計の対象外となった活動記録", "Log entries without the number the indicator counts"),
    "ZL003": (Severity.INFO, "活動記録にこの市町村の記録がない", "The log holds no entries of the city"),
}


@dataclass(frozen=True, slots=True)
class ComputedActual:
    """An actual counted from the log: its value, and the date it is counted up to if the year is not over."""

    indicator: str
    fiscal_year: int
    value: int
    #: The last day counted when it falls before the end of the fiscal year (a partial count), else ``None``.
    as_of: date | None
    #: Matched entries that record no number for the measure (not in ``value``).
    unmeasured: int = 0


@dataclass(frozen=True, slots=True)
class LogActuals:
    """The actuals of one city's indicators counted from an activity log, and what was found on the way."""

    #: The log, as shown in a report (a file name, or a URL without its password).
    source: str
    city: str
    #: The first and last dates of the city's entries in the log, if it has any.
    coverage: tuple[date, date] | None
    #: The day the counts run to: the given as-of date, else the last date the log covers.
    as_of: date | None
    computed: Mapping[tuple[str, int], ComputedActual] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()

    def get(self, indicator: str, fiscal_year: int) -> ComputedActual | None:
        """The actual counted for ``indicator`` in ``fiscal_year``, if the log gave one."""
        return self.computed.get((indicator, fiscal_year))

    def apply(self, indicators: Iterable[Indicator]) -> tuple[Indicator, ...]:
        """``indicators`` with every actual the log counted in place of the typed one (added where none was).

        A typed 中止 (cancelled) actual stays where the log counts nothing for that year.
        """
        result: list[Indicator] = []
        for indicator in indicators:
            mine = {year: item for (ident, year), item in self.computed.items() if ident == indicator.id}
            if not mine:
                result.append(indicator)
                continue
            values: list[IndicatorValue] = []
            kept: set[int] = set()  # years whose typed 中止 stands
            for value in indicator.values:
                counted = mine.get(value.fiscal_year) if value.kind is ValueKind.ACTUAL else None
                if counted is None:
                    values.append(value)
                elif value.status is ValueStatus.CANCELLED and counted.value == 0:
                    values.append(value)
                    kept.add(value.fiscal_year)
            values.extend(_value(counted) for year, counted in sorted(mine.items()) if year not in kept)
            values.sort(key=lambda v: (v.fiscal_year, v.kind is ValueKind.ACTUAL))
            result.append(indicator.model_copy(update={"values": tuple(values)}))
        return tuple(result)


def _value(counted: ComputedActual) -> IndicatorValue:
    return IndicatorValue(
        fiscal_year=counted.fiscal_year,
        kind=ValueKind.ACTUAL,
        value=Decimal(counted.value),
        status=ValueStatus.PARTIAL if counted.as_of is not None else ValueStatus.FINAL,
        as_of=counted.as_of,
    )


def _finding(code: str, city: str, fiscal_year: int | None, field_: str | None, ja: str, en: str) -> Finding:
    severity = LOG_FINDINGS[code][0]
    return Finding(
        code=code,
        severity=severity,
        message_ja=ja,
        message_en=en,
        city=city,
        fiscal_year=fiscal_year,
        field=field_,
    )


def _number(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)


def compute_actuals(
    log: ActivityLog, city: str, indicators: Iterable[Indicator], *, as_of: date | None = None
) -> LogActuals:
    """Count the actuals of ``indicators`` that declare a derivation from ``log``'s entries of ``city``.

    The years counted run from the fiscal year of the city's first entry to the one holding the as-of date
    (``as_of``, else the last date the log covers for the city); entries after that date are not counted.
    A year the as-of date does not close (before 31 March) is partial as of that date.
    """
    coverage = log.coverage(city)
    source = log.display_name
    if coverage is None:
        finding = _finding(
            "ZL003",
            city,
            None,
            None,
            f"活動記録（{source}）に {city} の記録がないため、実績値を集計していません。",
            f"The activity log ({source}) holds no entries of {city}; no actual is counted from it.",
        )
        return LogActuals(source=source, city=city, coverage=None, as_of=as_of, findings=(finding,))
    first, last = coverage
    cut = as_of or last
    computed: dict[tuple[str, int], ComputedActual] = {}
    findings: list[Finding] = []
    if cut < first:
        return LogActuals(source=source, city=city, coverage=coverage, as_of=cut)
    years = range(fiscal_year_of(first), fiscal_year_of(cut) + 1)
    for index, indicator in enumerate(indicators):
        derive = indicator.derive
        if derive is None:
            continue
        totals = log.total(
            city,
            measure=derive.measure.code,
            until=cut,
            programs=derive.programs or indicator.programs,
            kinds=derive.kinds,
            scenes=derive.scenes,
            askers=derive.askers,
            asker_professions=derive.asker_professions,
            professions=derive.professions,
            bodies=derive.bodies,
        )
        where = f"indicators[{index}].values"
        for year in years:
            total, unmeasured = totals.get(year, (0, 0))
            partial = cut if cut < FiscalYear(year).end else None
            counted = ComputedActual(indicator.id, year, total, partial, unmeasured)
            computed[indicator.id, year] = counted
            findings.extend(_compare(indicator, counted, city, where, source))
            if unmeasured:
                findings.append(
                    _finding(
                        "ZL002",
                        city,
                        year,
                        where,
                        f"指標「{indicator.name}」：該当する活動記録のうち{unmeasured}件は"
                        f"{derive.measure.ja}の記録がないため、実績値に含まれていません。",
                        f"Indicator {indicator.name!r}: {unmeasured} matching log entries record no "
                        f"{derive.measure.en} and are not counted.",
                    )
                )
    return LogActuals(
        source=source, city=city, coverage=coverage, as_of=cut, computed=computed, findings=tuple(findings)
    )


def _compare(indicator: Indicator, counted: ComputedActual, city: str, where: str, source: str) -> list[Finding]:
    typed = indicator.value(counted.fiscal_year, ValueKind.ACTUAL)
    if typed is None:
        return []
    if typed.status is ValueStatus.CANCELLED:
        if counted.value == 0:
            return []
        typed_text_ja, typed_text_en = "中止", "cancelled"
    elif typed.value is None or typed.value == counted.value:
        return []
    else:
        typed_text_ja = typed_text_en = _number(typed.value)
    until = f"（{counted.as_of.isoformat()}現在）" if counted.as_of else ""
    until_en = f" (as of {counted.as_of.isoformat()})" if counted.as_of else ""
    return [
        _finding(
            "ZL001",
            city,
            counted.fiscal_year,
            where,
            f"指標「{indicator.name}」{FiscalYear(counted.fiscal_year).label('ja')}："
            f"入力された実績値 {typed_text_ja} と活動記録（{source}）の集計 {counted.value}{until} が異なります。"
            "報告には活動記録の値を載せます。",
            f"Indicator {indicator.name!r}, {FiscalYear(counted.fiscal_year).label('en')}: the typed actual "
            f"{typed_text_en} differs from the log's count {counted.value}{until_en} ({source}); the report "
            "shows the log's.",
        )
    ]
