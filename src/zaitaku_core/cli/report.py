"""Commands for city staff: ``validate``, ``report`` and ``compare``."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Literal, cast

import click

from zaitaku_core.cli.common import (
    allow_undeclared_option,
    echo_json,
    emit,
    fail_on_plugin_failures,
    follow_symlinks_option,
    get_registry,
    lang_option,
    never_over_an_input,
)
from zaitaku_core.cli.helptext import TranslatedCommand
from zaitaku_core.cli.params import CITY, FISCAL_YEAR
from zaitaku_core.cli.terminal import terminal_safe
from zaitaku_core.i18n import N_, NN_, resolve_lang, tr

__all__ = ["compare", "report", "validate"]

FORMAT_CHOICE = click.Choice(["md", "html", "pdf", "json", "csv", "xlsx"])
_BINARY = frozenset({"pdf", "xlsx"})


def _emit_report(
    data: bytes, fmt: str, output: Path | None, lang: str | None = None, *, follow_symlinks: bool = False
) -> None:
    """Write a report to ``output``, or to standard output: there, a terminal gets text only, with control
    and bidirectional-override characters taken out (a pipe or a file gets the bytes as they are)."""
    if output is None and sys.stdout.isatty():
        if fmt in _BINARY:
            message = N_("{fmt} cannot be written to a terminal: give -o FILE.")
            raise click.UsageError(tr(message, resolve_lang(lang), fmt=fmt))
        data = terminal_safe(data.decode("utf-8")).encode("utf-8")
    emit(data, output, follow_symlinks=follow_symlinks)


def _issued_option(fn: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--date",
        "issued",
        type=click.DateTime(["%Y-%m-%d"]),
        help=N_(
            "Date of issue (作成日, YYYY-MM-DD) in the title block; default: the latest date in the city's data, "
            "so a rerun gives the same bytes."
        ),
    )(fn)


def _show_ids_option(fn: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--show-ids",
        is_flag=True,
        help=N_("Keep the identifier columns in HTML, PDF and Markdown (always in the others)."),
    )(fn)


def _file_or_stdout(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Path | None:
    """``-o -`` is standard output, as no ``-o`` is (a file named ``-`` is ``-o ./-``)."""
    return None if value is None or value == "-" else Path(value)


def _output_option(fn: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, allow_dash=True),
        callback=_file_or_stdout,
        help=N_("File to write (atomically); - for standard output."),
    )(fn)


def _log_file(target: str) -> Path | None:
    """The file an activity log ``--log`` names: a path, or a ``sqlite:///`` URL's (another database, none)."""
    if "://" not in target:
        return Path(target)
    return Path(target[len("sqlite:///") :]) if target.startswith("sqlite:///") else None


def _never_over_city_data(ctx: click.Context, output: Path | None, lang: str) -> None:
    """Refuse an ``-o`` that is where a city of ``--data-dir`` / ``ZAITAKU_DATA_PATH`` is read from: its plan
    workbook (``-o 計画.xlsx`` for the report in Excel), or a data file of its folder. Written atomically, the
    report would still replace the city's plan."""
    from zaitaku_core.errors import InputError
    from zaitaku_core.folder_cities import city_sources, data_path_from_environment
    from zaitaku_core.plugins import DataPlugin

    if output is None:
        return
    try:
        sources = city_sources([*ctx.find_root().meta.get("zaitaku.data_dirs", ()), *data_path_from_environment()])
    except InputError:  # a path that is no city: the registry says so, once
        return
    data = [
        path
        for source in sources
        for path in ([source] if source.is_file() else [source / n for n in DataPlugin.FILES])
    ]
    never_over_an_input({str(path): path for path in data}, {"-o": output}, lang)


def _format(fmt: str | None, output: Path | None, lang: str) -> str:
    suffix = output.suffix.lstrip(".").lower() if output else ""
    aliases = {"markdown": "md", "htm": "html"}
    suffix = aliases.get(suffix, suffix)
    if fmt and output is not None and suffix in FORMAT_CHOICE.choices and suffix != fmt:
        # HTML bytes in r.csv open as garbage in a spreadsheet: say so rather than pick one of the two.
        message = N_("{name!r} names the {suffix} format but --format is {fmt}: make them agree")
        raise click.BadParameter(tr(message, lang, name=output.name, suffix=suffix, fmt=fmt), param_hint="-o")
    if fmt:
        return fmt
    if suffix in FORMAT_CHOICE.choices:
        return suffix
    if output is not None:
        raise click.BadParameter(
            tr(N_("cannot tell the format from {name!r}; give --format"), lang, name=output.name), param_hint="-o"
        )
    return "md"


@click.command(
    cls=TranslatedCommand,
    help=N_(
        """Validate CITIES (all installed cities when none is named) against the check catalogue.

        A city whose plugin data cannot be read is reported (one line) and the others are validated all the
        same. Exits with status 1 when an error is found (or a warning, with --strict), when a city could not
        be validated, or when a plugin failed to load (its checks would be missing)."""
    ),
)
@click.argument("cities", nargs=-1, type=CITY)
@click.option(
    "--fy",
    "fiscal_year",
    type=FISCAL_YEAR,
    help=N_("Fiscal year (2024, 令和6年度, R6); default: every year of each city."),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help=N_("Print text, or JSON for other programs."),
)
@click.option("--strict", is_flag=True, help=N_("Fail on warnings as well as errors."))
@allow_undeclared_option
@lang_option
@click.pass_context
def validate(
    ctx: click.Context,
    cities: tuple[str, ...],
    fiscal_year: int | None,
    fmt: str,
    strict: bool,
    allow_undeclared: bool,
    lang: str,
) -> int:
    from zaitaku_core.cli.errors import EXIT_INVALID, EXIT_OK, echo_error
    from zaitaku_core.errors import PluginError
    from zaitaku_core.model import Finding, Severity
    from zaitaku_core.validation import validate_city

    registry = get_registry(ctx)
    ids = cities or registry.city_ids()
    findings: list[Finding] = []
    unreadable = 0
    for city_id in ids:
        try:
            findings.extend(validate_city(registry, city_id, fiscal_year, allow_undeclared=allow_undeclared))
        except PluginError as exc:  # this city's data; a wrong argument (--fy) still stops the command
            echo_error(exc, lang)
            unreadable += 1
    if fmt == "json":
        echo_json([finding.model_dump(mode="json") for finding in findings])
    else:
        for finding in findings:
            fy = f"FY{finding.fiscal_year}" if finding.fiscal_year is not None else None
            where = " ".join(part for part in (finding.city, fy, finding.program, finding.field) if part)
            line = f"{finding.severity.label(lang)}\t{finding.code}\t{where}\t{finding.message(lang)}"
            click.echo(terminal_safe(line).replace("\n", " "))
        counts = {s: sum(f.severity is s for f in findings) for s in Severity}
        summary = ", ".join(f"{s.label(lang)} {n}" for s, n in counts.items())
        failed = unreadable + len(registry.errors)
        if failed:
            summary += tr(N_(", not validated {n}"), lang, n=failed)
        counted = NN_("{count} city: {summary}", "{count} cities: {summary}")
        click.echo(tr(counted, lang, count=len(ids), summary=summary), err=True)
    fail_on_plugin_failures(ctx, registry)
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    ctx.exit(EXIT_INVALID if unreadable or any(f.severity in failing for f in findings) else EXIT_OK)


@click.command(
    cls=TranslatedCommand,
    help=N_(
        """Write CITY's report for a fiscal year: overview, coverage, programs, tools, rules, indicators, findings.

        Facts the data author inferred rather than read in a source are marked （推定） with their reasons;
        --no-inferred leaves them out. A fiscal year the city does not declare is an error (exit 1) unless
        --allow-undeclared is given. HTML and PDF print on A4 with a title block and page numbers; PDF needs
        the pdf extra (WeasyPrint). With --log, the actuals of indicators that declare a derivation are counted
        from the activity log (the current year partial as of the log's last day, or --as-of), and the report
        says which and up to when."""
    ),
)
@click.argument("city", type=CITY)
@click.option("--fy", "fiscal_year", type=FISCAL_YEAR, required=True, help=N_("Fiscal year: 2024, 令和6年度, R6 …"))
@click.option("--format", "fmt", type=FORMAT_CHOICE, help=N_("Output format (default: from -o's suffix, else md)."))
@_output_option
@click.option(
    "--no-inferred",
    "no_inferred",
    is_flag=True,
    help=N_("Leave out facts the data author inferred (readings the sources do not state)."),
)
@allow_undeclared_option
@_issued_option
@_show_ids_option
@click.option(
    "--log",
    "log_target",
    metavar="FILE|URL",
    help=N_("Count the actuals of indicators that declare a derivation from this activity log."),
)
@click.option("--as-of", "as_of", help=N_("Count up to this date (default: the last day in the log)."))
@follow_symlinks_option
@lang_option
@click.pass_context
def report(
    ctx: click.Context,
    city: str,
    fiscal_year: int,
    fmt: str | None,
    output: Path | None,
    no_inferred: bool,
    allow_undeclared: bool,
    issued: datetime | None,
    show_ids: bool,
    log_target: str | None,
    as_of: str | None,
    follow_symlinks: bool,
    lang: str,
) -> None:
    from zaitaku_core.report import build_report, render

    _never_over_city_data(ctx, output, lang)
    if log_target is not None:
        never_over_an_input({"--log": _log_file(log_target)}, {"-o": output}, lang)
    registry = get_registry(ctx)
    actuals = None
    if log_target is not None:
        from zaitaku_core.activity.derive import compute_actuals
        from zaitaku_core.calendar.era import parse_date
        from zaitaku_core.cli.log import open_log

        day = parse_date(as_of) if as_of else None
        with open_log(log_target, create=False) as log:
            actuals = compute_actuals(log, city, registry.indicators(city), as_of=day)
    elif as_of is not None:
        raise click.BadParameter(tr(N_("--as-of needs --log"), lang), param_hint="--as-of")
    built = build_report(
        registry,
        city,
        fiscal_year,
        lang=cast(Literal["ja", "en"], lang),
        allow_undeclared=allow_undeclared,
        issued=issued.date() if issued else None,
        actuals=actuals,
        inferred=not no_inferred,
    )
    fmt = _format(fmt, output, lang)
    _emit_report(render(built, fmt, show_ids=show_ids), fmt, output, lang=lang, follow_symlinks=follow_symlinks)


@click.command(
    cls=TranslatedCommand,
    help=N_(
        """Compare CITIES on the national framework: items and scenes covered (with charts), the indicators they
        share, numbers of programs, tools, rules.

        Every city is read for the same fiscal year: --fy, or the latest year all of them declare (said on
        standard error)."""
    ),
)
@click.argument("cities", nargs=-1, required=True, type=CITY)
@click.option(
    "--fy", "fiscal_year", type=FISCAL_YEAR, help=N_("Fiscal year; default: the latest year all CITIES declare.")
)
@click.option("--format", "fmt", type=FORMAT_CHOICE, help=N_("Output format (default: from -o's suffix, else md)."))
@_output_option
@allow_undeclared_option
@_show_ids_option
@follow_symlinks_option
@lang_option
@click.pass_context
def compare(
    ctx: click.Context,
    cities: tuple[str, ...],
    fiscal_year: int | None,
    fmt: str | None,
    output: Path | None,
    allow_undeclared: bool,
    show_ids: bool,
    follow_symlinks: bool,
    lang: str,
) -> None:
    from zaitaku_core.calendar import FiscalYear
    from zaitaku_core.report import compare_cities, render, shared_fiscal_year

    _never_over_city_data(ctx, output, lang)
    registry = get_registry(ctx)
    year = fiscal_year
    if year is None:
        year = shared_fiscal_year(registry, cities)
        fy = FiscalYear(year)
        label = fy.label("en") if lang == "en" else f"{fy.label()}（FY{year}）"
        click.echo(tr(N_("{fy}: the latest fiscal year all cities declare"), lang, fy=label), err=True)
    built = compare_cities(
        registry, cities, year, lang=cast(Literal["ja", "en"], lang), allow_undeclared=allow_undeclared
    )
    fmt = _format(fmt, output, lang)
    _emit_report(render(built, fmt, show_ids=show_ids), fmt, output, lang=lang, follow_symlinks=follow_symlinks)
