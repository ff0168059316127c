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
    json_format_option,
    lang_option,
    write_atomically,
)
from zaitaku_core.cli.errors import one_line
from zaitaku_core.cli.helptext import TranslatedCommand
from zaitaku_core.cli.params import CITY, FISCAL_YEAR
from zaitaku_core.cli.terminal import echo_safe
from zaitaku_core.framework import NewItem, Phase
from zaitaku_core.i18n import N_, tr, translate
from zaitaku_core.model import json_schemas

__all__ = ["cities", "plan", "plugins", "schema"]


@click.command(
    cls=TranslatedCommand,
    help=N_(
        """List installed plugins: name, version, cities and the hooks each implements.

        A plugin that failed to load is listed with its error, and the exit status is 1."""
    ),
)
@json_format_option
@lang_option
@click.pass_context
def plugins(ctx: click.Context, as_json: bool, lang: str) -> None:
    registry = get_registry(ctx)
    infos = registry.plugins()
    if as_json:
        echo_json([attrs.asdict(info) for info in infos])
        return
    # A failure in the run's language (``info.error`` is the English text the JSON carries).
    failures = {failure.location.get("plugin", "?"): failure for failure in registry.errors}
    for info in infos:
        version = f" {info.version}" if info.version else ""
        click.echo(f"{info.name}{version}")
        if info.error:
            failure = failures.get(info.name)
            said = info.error if failure is None else f"{failure.describe(lang)} — {failure.reference(lang)}"
            click.echo("  " + tr(N_("error: {error}"), lang, error=one_line(said)))
            continue
        click.echo("  " + tr(N_("cities: {cities}"), lang, cities=", ".join(info.cities) or "-"))
        click.echo("  " + tr(N_("hooks: {hooks}"), lang, hooks=", ".join(info.hooks) or "-"))
    fail_on_plugin_failures(ctx, registry)


@click.command(
    cls=TranslatedCommand,
    help=N_(
        """List the cities served by the installed plugins, with the towns that share their rules.

        A plugin that failed to load is named on standard error, and the exit status is 1."""
    ),
)
@json_format_option
@lang_option
@click.pass_context
def cities(ctx: click.Context, as_json: bool, lang: str) -> None:
    registry = get_registry(ctx)
    found = registry.cities()
    if as_json:
        echo_json([city.model_dump(mode="json") for city in found])
    for city in [] if as_json else found:
        name = city.municipality.name_en if lang == "en" and city.municipality.name_en else city.name
        years = ", ".join(str(fy) for fy in city.fiscal_years)
        echo_safe(f"{city.id}\t{city.municipality.code}\t{city.municipality.prefecture} {name}\tFY {years}")
        if city.covers:
            echo_safe("\t" + tr(N_("covers: {towns}"), lang, towns="、".join(m.name for m in city.covers)))
    fail_on_plugin_failures(ctx, registry)


@click.command(
    cls=TranslatedCommand,
    help=N_(
        """Show CITY's plan for a fiscal year: its programs grouped by PDCA phase and item.

        A fiscal year the city does not declare is an error (exit 1) unless --allow-undeclared is given."""
    ),
)
@click.argument("city", type=CITY)
@click.option("--fy", "fiscal_year", type=FISCAL_YEAR, required=True, help=N_("Fiscal year: 2024, 令和6年度, R6 …"))
@click.option(
    "--show-ids",
    is_flag=True,
    help=N_("Also show each program's id, which the activity log's 取組ID names."),
)
@json_format_option
@allow_undeclared_option
@lang_option
@click.pass_context
def plan(
    ctx: click.Context, city: str, fiscal_year: int, show_ids: bool, as_json: bool, allow_undeclared: bool, lang: str
) -> None:
    fy = FiscalYear(fiscal_year)
    the_plan = get_registry(ctx).plan(city, fy.year, allow_undeclared=allow_undeclared)
    if as_json:
        echo_json(the_plan.model_dump(mode="json"))
        return
    echo_safe(f"{the_plan.city.name} {fy.label(lang)}")
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
                shown = f"  ({program.id})" if show_ids else ""
                echo_safe(f"    - {program.number or ''}{program.title}{old}{shown}")
    unphased = [p for p in the_plan.programs if p.phase is None]
    if unphased:
        click.echo("\n" + translate(N_("(no national item)"), lang))
        for program in unphased:
            shown = f"  ({program.id})" if show_ids else ""
            echo_safe(f"    - {program.number or ''}{program.title}{shown}")


@click.command(
    cls=TranslatedCommand,
    help=N_("Export the JSON Schema of the public models (all, or MODEL) for systems in other languages."),
)
@click.argument("model", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help=N_("Write one <Model>.schema.json per model into this directory."),
)
@lang_option
def schema(model: str | None, output: Path | None, lang: str) -> None:
    schemas = json_schemas()
    if model is not None:
        if model not in schemas:
            choices = ", ".join(sorted(schemas))
            raise click.BadParameter(
                tr(N_("unknown model {model!r}; choose from {choices}"), lang, model=model, choices=choices)
            )
        schemas = {model: schemas[model]}
    if output is None:
        echo_json(schemas if model is None else schemas[model])
        return
    for name, document in sorted(schemas.items()):
        path = output / f"{name}.schema.json"
        text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        write_atomically(path, text.encode("utf-8"))
        click.echo(str(path))
