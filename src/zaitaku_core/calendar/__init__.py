"""Time in the Japanese public sector: eras (元号), fiscal years (年度) and plan periods (第n期).

Business-day calendars for offices, national holidays and the government's closing days are in
:mod:`zaitaku_core.calendar.business`.
"""

from zaitaku_core.calendar.business import FIRST_DAY, LAST_DAY, BusinessCalendar, national_holidays, parse_weekdays
from zaitaku_core.calendar.era import EARLIEST, Era, format_date, from_era, parse_date, to_era
from zaitaku_core.calendar.fiscal import (
    FiscalYear,
    PlanPeriod,
    check_in_period,
    fiscal_year_of,
    fiscal_years_named,
    parse_fiscal_year,
    parse_plan_period,
)

__all__ = [
    "EARLIEST",
    "FIRST_DAY",
    "LAST_DAY",
    "BusinessCalendar",
    "Era",
    "FiscalYear",
    "PlanPeriod",
    "check_in_period",
    "fiscal_year_of",
    "fiscal_years_named",
    "format_date",
    "from_era",
    "national_holidays",
    "parse_date",
    "parse_fiscal_year",
    "parse_plan_period",
    "parse_weekdays",
    "to_era",
]
