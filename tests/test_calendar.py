"""Eras, fiscal years and plan periods: hand-worked cases and properties over 1868–2100."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zaitaku_core.calendar import (
    Era,
    FiscalYear,
    PlanPeriod,
    check_in_period,
    fiscal_year_of,
    format_date,
    from_era,
    parse_date,
    parse_fiscal_year,
    parse_plan_period,
    to_era,
)
from zaitaku_core.errors import EraDateError, FiscalYearError

all_dates = st.dates(min_value=date(1868, 1, 1), max_value=date(2100, 12, 31))


@given(all_dates)
def test_era_round_trip(day: date) -> None:
    era, year = to_era(day)
    assert from_era(era, year, day.month, day.day) == day
    for style in ("ja", "short"):
        assert parse_date(format_date(day, style)) == day


@given(st.dates(min_value=date(2000, 4, 1), max_value=date(2100, 12, 31)))
def test_every_date_in_exactly_one_fiscal_year_and_plan_period(day: date) -> None:
    fy = FiscalYear.of(day)
    assert fy.contains(day) and fiscal_year_of(day) == fy.year
    assert not FiscalYear(fy.year - 1).contains(day) and not FiscalYear(fy.year + 1).contains(day)
    period = PlanPeriod.of(day)
    assert period.contains(fy)
    assert [
        p
        for p in (PlanPeriod(period.number - 1) if period.number > 1 else None, PlanPeriod(period.number + 1))
        if p is not None and p.contains(fy)
    ] == []
    assert fy in period.fiscal_years


@pytest.mark.parametrize(
    "text",
    ["令和6年度", "R6", "R6年度", "r6", "Ｒ６年度", "2024", "2024年度", "FY2024", "ＦＹ２０２４", "令和 6 年度"],
)
def test_fiscal_year_spellings(text: str) -> None:
    fy = parse_fiscal_year(text)
    assert (fy.year, fy.start, fy.end) == (2024, date(2024, 4, 1), date(2025, 3, 31))
    assert (fy.label(), fy.label("en"), str(fy)) == ("令和6年度", "FY2024", "令和6年度")


def test_fiscal_year_2019_has_two_names() -> None:
    assert parse_fiscal_year("令和元年度") == parse_fiscal_year("平成31年度") == FiscalYear(2019)
    assert FiscalYear(2019).label() == "令和元年度"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("平成32年度", EraDateError, "平成 ended in 平成31年"),
        ("令和0年度", EraDateError, "era years start at 1"),
        ("来年度", FiscalYearError, "write it as 2024, FY2024, 令和6年度 or R6"),
        ("令和200年度", FiscalYearError, "2218 is out of range"),  # the same range as digits
        ("FY2201", FiscalYearError, "2201 is out of range"),
    ],
)
def test_impossible_fiscal_years(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        parse_fiscal_year(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("平成32年1月1日", "平成 ended on 平成31年4月30日"),
        ("令和元年4月1日", "令和 began on 令和元年5月1日"),
        ("平成31年5月1日", "平成 ended on 平成31年4月30日"),
        ("昭和64年1月8日", "昭和 ended on 昭和64年1月7日"),
        ("令和6年2月30日", "is not a date"),
        ("明日", "write it as 令和6年4月1日"),
        ("1867-12-31", "before 1868-01-01"),
    ],
)
def test_impossible_dates(text: str, message: str) -> None:
    with pytest.raises(EraDateError, match=message):
        parse_date(text)


def test_date_spellings() -> None:
    assert parse_date("令和元年5月1日") == date(2019, 5, 1)
    assert parse_date("R6/4/1") == parse_date("２０２４年４月１日") == parse_date("2024-04-01") == date(2024, 4, 1)
    assert parse_date("H31.4.30") == date(2019, 4, 30)
    assert format_date(date(2019, 5, 1)) == "令和元年5月1日"
    assert format_date(date(1989, 1, 7), "short") == "S64.1.7"
    assert Era.parse("R") is Era.REIWA and Era.REIWA.start == date(2019, 5, 1)
    assert Era.HEISEI.end == date(2019, 4, 30) and Era.REIWA.end is None


@pytest.mark.parametrize(
    ("number", "first", "last"), [(1, 2000, 2002), (8, 2021, 2023), (9, 2024, 2026), (10, 2027, 2029)]
)
def test_plan_periods(number: int, first: int, last: int) -> None:
    period = parse_plan_period(f"第{number}期")
    assert (period.first.year, period.last.year) == (first, last)
    assert [fy.year for fy in period.fiscal_years] == [first, first + 1, last]
    assert PlanPeriod.of(first) == PlanPeriod.of(last) == period


def test_plan_period_errors() -> None:
    with pytest.raises(FiscalYearError, match="numbered from 1"):
        PlanPeriod(0)
    with pytest.raises(FiscalYearError, match="before the first plan period"):
        PlanPeriod.of(1999)
    with pytest.raises(FiscalYearError, match=r"FY2027 lies outside 第9期 \(FY2024–FY2026\)"):
        check_in_period(2027, PlanPeriod(9))
    assert PlanPeriod(9).label("en") == "Plan period 9 (FY2024–FY2026)"
