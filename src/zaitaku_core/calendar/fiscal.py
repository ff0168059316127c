"""Fiscal years (年度, 1 April – 31 March) and the three-year plan periods (第n期) of 介護保険事業計画.

>>> fy = parse_fiscal_year("令和6年度")
>>> fy.start, fy.end, fy.label("en")
(datetime.date(2024, 4, 1), datetime.date(2025, 3, 31), 'FY2024')
>>> PlanPeriod.of(fy).label()
'第9期'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

import attrs

from zaitaku_core.calendar.era import Era, to_era
from zaitaku_core.errors import EraDateError, FiscalYearError
from zaitaku_core.i18n import N_, ByLanguage

__all__ = [
    "FiscalYear",
    "PlanPeriod",
    "check_in_period",
    "fiscal_year_of",
    "fiscal_years_named",
    "parse_fiscal_year",
    "parse_plan_period",
]

#: The first fiscal year of the long-term care insurance plans (第1期 = FY2000–2002).
FIRST_PLAN_YEAR = 2000


@attrs.frozen(order=True)
class FiscalYear:
    """A Japanese fiscal year, named by the Gregorian year in which it starts (1 April).

    The label of FY2019 is 令和元年度 by the convention of the public sector, though it began in 平成31年;
    parsing accepts both.
    """

    year: int = attrs.field(validator=attrs.validators.instance_of(int))

    @property
    def start(self) -> date:
        """1 April of the fiscal year."""
        return date(self.year, 4, 1)

    @property
    def end(self) -> date:
        """31 March of the next calendar year."""
        return date(self.year + 1, 3, 31)

    def contains(self, day: date) -> bool:
        """Whether ``day`` lies in this fiscal year."""
        return self.start <= day <= self.end

    @classmethod
    def of(cls, day: date) -> FiscalYear:
        """The fiscal year ``day`` belongs to."""
        return cls(fiscal_year_of(day))

    @property
    def plan_period(self) -> PlanPeriod:
        """The plan period (第n期) this fiscal year belongs to."""
        return PlanPeriod.of(self)

    def label(self, lang: str = "ja") -> str:
        """令和6年度 in Japanese, FY2024 in English."""
        if lang == "en":
            return f"FY{self.year}"
        era, year = to_era(date(self.year, 12, 31))
        return f"{era.ja}{'元' if year == 1 else year}年度"

    def __int__(self) -> int:
        return self.year

    def __str__(self) -> str:
        return self.label()


def fiscal_years_named(years: Iterable[int]) -> ByLanguage:
    """Fiscal years as a message names them, in order: 令和6年度（FY2024）、令和7年度（FY2025） in Japanese,
    FY2024, FY2025 in English.

    >>> fiscal_years_named([2025, 2024]).ja
    '令和6年度（FY2024）、令和7年度（FY2025）'
    """
    ordered = sorted(years)
    return ByLanguage(
        "、".join(f"{FiscalYear(y).label()}（FY{y}）" for y in ordered), ", ".join(f"FY{y}" for y in ordered)
    )


def fiscal_year_of(day: date) -> int:
    """The fiscal year ``day`` belongs to, as the Gregorian year it starts in (``FiscalYear.of(day).year``
    without making the object, for hot loops).

    >>> fiscal_year_of(date(2025, 3, 31)), fiscal_year_of(date(2025, 4, 1))
    (2024, 2025)
    """
    return day.year if day.month >= 4 else day.year - 1


# Bounded, ASCII digit runs (after NFKC): int() never sees thousands of digits.
_FY_ERA = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHRmtshr])(元|[0-9]{1,3})(?:年度|年)?$")
_FY_GREGORIAN = re.compile(r"^(?:FY|fy)?([0-9]{4})(?:年度)?$")


def parse_fiscal_year(value: int | str | FiscalYear) -> FiscalYear:
    """Read a fiscal year: 2024, "2024", "2024年度", "FY2024", "令和6年度", "R6", "R6年度", "令和元年度",
    "平成31年度" (full-width digits too).

    Raises:
        EraDateError: an era year that does not exist (平成32年度, 令和0年度).
        FiscalYearError: anything else that is not a fiscal year.
    """
    if isinstance(value, FiscalYear):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1868 <= value <= 2200:
            raise FiscalYearError(N_("fiscal year {value} is out of range (1868–2200)"), values={"value": value})
        return FiscalYear(value)
    if not isinstance(value, str):
        raise FiscalYearError(N_("expected a fiscal year, got {kind}"), values={"kind": type(value).__name__})
    folded = "".join(unicodedata.normalize("NFKC", value).split())
    match = _FY_GREGORIAN.match(folded)
    if match:
        return parse_fiscal_year(int(match.group(1)))
    match = _FY_ERA.match(folded)
    if match:
        era_text, year_text = match.groups()
        era = Era.parse(era_text.upper() if len(era_text) == 1 else era_text)
        year = 1 if year_text == "元" else int(year_text)
        if year < 1:
            raise EraDateError(N_("{value!r}: era years start at 1 (元年)"), values={"value": value})
        gregorian = era.start.year + year - 1
        end = era.end
        if end is not None and gregorian > end.year:
            last = f"{era.ja}{end.year - era.start.year + 1}年"
            raise EraDateError(
                N_("{value!r} does not exist: {era} ended in {last}"),
                values={"value": value, "era": era.ja, "last": last},
            )
        return parse_fiscal_year(gregorian)  # the same range as a year given in digits
    raise FiscalYearError(
        N_("cannot read {value!r} as a fiscal year; write it as 2024, FY2024, 令和6年度 or R6"), values={"value": value}
    )


@attrs.frozen(order=True)
class PlanPeriod:
    """A 介護保険事業計画 period (第n期): three fiscal years from FY 2000 + 3(n − 1)."""

    number: int = attrs.field()

    @number.validator
    def _positive(self, _attribute: attrs.Attribute[int], value: int) -> None:
        if not isinstance(value, int) or value < 1:
            raise FiscalYearError(
                N_("plan periods are numbered from 1 (第1期 = FY2000–2002), got {value!r}"), values={"value": value}
            )

    @property
    def first(self) -> FiscalYear:
        """The first fiscal year of the period."""
        return FiscalYear(FIRST_PLAN_YEAR + 3 * (self.number - 1))

    @property
    def last(self) -> FiscalYear:
        """The last fiscal year of the period."""
        return FiscalYear(self.first.year + 2)

    @property
    def fiscal_years(self) -> tuple[FiscalYear, FiscalYear, FiscalYear]:
        """The three fiscal years of the period."""
        first = self.first.year
        return FiscalYear(first), FiscalYear(first + 1), FiscalYear(first + 2)

    def contains(self, fiscal_year: FiscalYear | int) -> bool:
        """Whether ``fiscal_year`` lies in this period."""
        return self.first.year <= int(fiscal_year) <= self.last.year

    @classmethod
    def of(cls, when: FiscalYear | int | date) -> PlanPeriod:
        """The period a fiscal year (or a date) belongs to.

        Raises:
            FiscalYearError: before FY2000, when the plans began.
        """
        year = FiscalYear.of(when).year if isinstance(when, date) else int(when)
        if year < FIRST_PLAN_YEAR:
            raise FiscalYearError(
                N_("FY{year} is before the first plan period (第1期 began in FY2000)"), values={"year": year}
            )
        return cls((year - FIRST_PLAN_YEAR) // 3 + 1)

    def label(self, lang: str = "ja") -> str:
        """第9期 in Japanese; "Plan period 9 (FY2024–FY2026)" in English."""
        if lang == "en":
            return f"Plan period {self.number} (FY{self.first.year}–FY{self.last.year})"
        return f"第{self.number}期"

    def __str__(self) -> str:
        return self.label()


_PERIOD = re.compile(r"^第?([0-9]{1,3})期?$")


def parse_plan_period(value: int | str | PlanPeriod) -> PlanPeriod:
    """Read a plan period: 9, "9", "第9期", "第９期"."""
    if isinstance(value, PlanPeriod):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return PlanPeriod(value)
    match = _PERIOD.match("".join(unicodedata.normalize("NFKC", str(value)).split()))
    if not match:
        raise FiscalYearError(
            N_("cannot read {value!r} as a plan period; write it as 第9期 or 9"), values={"value": value}
        )
    return PlanPeriod(int(match.group(1)))


def check_in_period(fiscal_year: FiscalYear | int, period: PlanPeriod) -> None:
    """Raise unless ``fiscal_year`` lies in ``period``.

    Raises:
        FiscalYearError: "fiscal year FY2027 lies outside 第9期 (FY2024–FY2026)".
    """
    if not period.contains(fiscal_year):
        raise FiscalYearError(
            N_("fiscal year FY{year} lies outside {period} (FY{first}–FY{last})"),
            values={
                "year": int(fiscal_year),
                "period": period.label(),
                "first": period.first.year,
                "last": period.last.year,
            },
        )
