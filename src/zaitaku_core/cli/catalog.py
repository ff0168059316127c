"""Commands that show what is installed: ``plugins``, ``cities``, ``plan`` and ``schema``."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import click

from zaitaku_core.calendar import FiscalYear
from zaitaku_core.cli.common import (
    allow_undeclared_option,
    echo_json,
    fail_on_plugin_failures,
    get_registry,
    lang_option,
    write_atomically,
)
from zaitaku_core.cli.params import CITY, FISCAL_YEAR
from zaitaku_core.framework import NewItem, Phase
from zaitaku_core.model import json_schemas

__all__ = ["cities", "plan", "plugins", "schema"]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List installed plugins: name, version, cities and the hooks each implements.

    A plugin that failed to load is listed with its error, and the exit status is 1.
    """
    registry = get_registry(ctx)
    infos = registry.plugins()
    if as_json:
        echo_json([attrs.asdict(info) for info in infos])
        return
    for info in infos:
        version = f" {info.version}" if info.version else ""
        click.echo(f"{info.name}{version}")
        if info.error:
            click.echo(f"  error: {info.error}")
            continue
        click.echo(f"  cities: {', '.join(info.cities) or '-'}")
        click.echo(f"  hooks:  {', '.join(info.hooks) or '-'}")
    fail_on_plugin_failures(ctx, registry)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@lang_option
@click.pass_context
def cities(ctx: click.Context, as_json: bool, lang: str) -> None:
    """List the cities served by the installed plugins, with the towns that share their rules.

    A plugin that failed to load is named on standard error, and the exit status is 1.
    """
    registry = get_registry(ctx)
    found = registry.cities()
    if as_json:
        echo_json([city.model_dump(mode="json") for city in found])
    for city in [] if as_json else found:
        name = city.municipality.name_en if lang == "en" and city.municipality.name_en else city.name
        years = ", ".join(str(fy) for fy in city.fiscal_years)
        click.echo(f"{city.id}\t{city.municipality.code}\t{city.municipality.prefecture} {name}\tFY {years}")
        if city.covers:
            label = "covers" if lang == "en" else "同じルールの市町村"
            click.echo(f"\t{label}: {'、'.join(m.name for m in city.covers)}")
    fail_on_plugin_failures(ctx, registry)


@click.command()
@click.argument("city", type=CITY)
@click.option("--fy", "fiscal_year", type=FISCAL_YEAR, required=True, help="Fiscal year: 2024, 令和6年度, R6 …")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@allow_undeclared_option
@lang_option
@click.pass_context
def plan(ctx: click.Context, city: str, fiscal_year: int, as_json: bool, allow_undeclared: bool, lang: str) -> None:
    """Show CITY's plan for a fiscal year: its programs grouped by PDCA phase and item.

    A fiscal year the city does not declare is an error (exit 1) unless --allow-undeclared is given.
    """
    fy = FiscalYear(fiscal_year)
    the_plan = get_registry(ctx).plan(city, fy.year, allow_undeclared=allow_undeclared)
    if as_json:
        echo_json(the_plan.model_dump(mode="json"))
        return
    click.echo(f"{the_plan.city.name} {fy.label(lang)}")
    for phase in Phase:
        click.echo(f"\n{phase.value} {phase.label(lang)}")
        for item in (*NewItem, None):
            members = [p for p in the_plan.programs if p.phase is phase and (p.new_item is item)]
            if not members:
                continue
            heading = f"{item.value} {item.label(lang)}" if item else "-"
            click.echo(f"  {heading}")
            for program in members:
                old = f" [旧{program.old_item.value}]" if program.old_item else ""
                click.echo(f"    - {program.number or ''}{program.title}{old}")
    unphased = [p for p in the_plan.programs if p.phase is None]
    if unphased:
        click.echo("\n" + ("(no national item)" if lang == "en" else "（国の取組項目なし）"))
        for program in unphased:
            click.echo(f"    - {program.number or ''}{program.title}")


@click.command()
@click.argument("model", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one <Model>.schema.json per model into this directory.",
)
def schema(model: str | None, output: Path | None) -> None:
    """Export the JSON Schema of the public models (all, or MODEL) for systems in other languages."""
    schemas = json_schemas()
    if model is not None:
        if model not in schemas:
            raise click.BadParameter(f"unknown model {model!r}; choose from {', '.join(sorted(schemas))}")
        schemas = {model: schemas[model]}
    if output is None:
        echo_json(schemas if model is None else schemas[model])
        return
    for name, document in sorted(schemas.items()):
        path = output / f"{name}.schema.json"
        text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        write_atomically(path, text.encode("utf-8"))
        click.echo(str(path))
