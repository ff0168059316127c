"""Parameter types shared by the commands: cities and fiscal years, as people type them, with completion.

A city may be given by its plugin id (``asahikawa``), its Japanese name (``旭川市``) or its
全国地方公共団体コード with or without the check digit (``012041``, ``01204``); the value a command receives is
always the id. A fiscal year may be ``2024``, ``令和6年度``, ``R6`` or ``FY2024``; the command receives the
Gregorian year it starts in.

Both complete in the shell (``zaitaku completion``): cities to the installed ids, fiscal years to the years
the city named earlier on the line declares.
"""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

from zaitaku_core.cli.common import get_registry

__all__ = ["CITY", "FISCAL_YEAR", "CityType", "FiscalYearType"]


class CityType(click.ParamType[str]):
    """A city, by id, Japanese name or municipal code; converted to its id."""

    name = "city"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        if ctx is None:
            return str(value)
        return get_registry(ctx).resolve_city(str(value))

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        cities = _quietly(lambda: get_registry(ctx).cities(), ())
        return [
            CompletionItem(city.id, help=f"{city.name} ({city.municipality.code})")
            for city in cities
            if city.id.startswith(incomplete) or city.name.startswith(incomplete)
        ]


class FiscalYearType(click.ParamType[int]):
    """A fiscal year (2024, 令和6年度, R6, FY2024); converted to the year it starts in."""

    name = "fiscal_year"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        from zaitaku_core.calendar import parse_fiscal_year

        return parse_fiscal_year(str(value)).year

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        # While the line is incomplete click leaves the positional arguments unparsed, in ``ctx.args``.
        named = ctx.params.get("city") or next(iter(ctx.params.get("cities") or ctx.args or ()), None)
        if not named:
            return []
        city = _quietly(lambda: get_registry(ctx).city(get_registry(ctx).resolve_city(str(named))), None)
        years = city.fiscal_years if city is not None else ()
        return [CompletionItem(str(year)) for year in years if str(year).startswith(incomplete)]


def _quietly(get: Any, default: Any) -> Any:
    # Completion runs on every <Tab>: a broken plugin must not print a traceback into the prompt.
    from zaitaku_core.errors import ZaitakuError

    try:
        return get()
    except ZaitakuError:
        return default


#: The parameter type of every city argument.
CITY = CityType()
#: The parameter type of every ``--fy`` option.
FISCAL_YEAR = FiscalYearType()
