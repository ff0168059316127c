"""``zaitaku template`` and ``zaitaku import``: a city's plan as an Excel workbook, and back to data files."""

from __future__ import annotations

from pathlib import Path

import click

from zaitaku_core.cli.common import emit, get_registry, lang_option, refuse_a_filled_file, template_force_option
from zaitaku_core.cli.helptext import TranslatedCommand
from zaitaku_core.i18n import N_, tr

__all__ = ["import_workbook", "template"]


@click.command(
    cls=TranslatedCommand,
    help=N_(
        """Write the plan workbook (.xlsx) for city staff: blank for a new city, or filled from CITY (an
        installed plugin or a folder city).

        One sheet per kind of record with Japanese headers, a help row and dropdowns, and a 使い方 sheet.
        Fill it in, then ``zaitaku import``. Its last sheet, 活動記録, keeps the year's activities:
        ``zaitaku log import`` reads it from the same workbook."""
    ),
)
@click.argument("city", required=False)
@click.option(
    "--fy",
    "fiscal_year",
    help=N_("Fiscal year: of the programs to include (default: every year of CITY), or of a new plan."),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=N_("The workbook to write (.xlsx, atomically)."),
)
@template_force_option
@lang_option
@click.pass_context
def template(
    ctx: click.Context, city: str | None, fiscal_year: str | None, output: Path, force: bool, lang: str
) -> None:
    from zaitaku_core.calendar import parse_fiscal_year
    from zaitaku_core.io.xlsx_template import CityRecords, template_bytes

    refuse_a_filled_file(output, force)

    year = parse_fiscal_year(fiscal_year).year if fiscal_year else None
    if city is None:
        records = None
    else:
        records = CityRecords.from_registry(get_registry(ctx), city, None if year is None else [year])
    emit(template_bytes(records, fiscal_year=year), output)


@click.command(
    "import",
    cls=TranslatedCommand,
    help=N_(
        """Read a plan workbook, validate every cell and record through the models, and write the city
        folder of TOML files (use it with ``zaitaku --data-dir DIR``).

        Every problem is listed at once as ``シート!セル 見出し: 内容``; nothing is written unless the whole
        workbook is valid. Without ``-o`` the workbook is only checked."""
    ),
)
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help=N_("The city folder to write (default: only check the workbook)."),
)
@click.option("--force", is_flag=True, help=N_("Replace an existing city folder."))
@lang_option
def import_workbook(workbook: Path, output: Path | None, force: bool, lang: str) -> None:
    from zaitaku_core.io.city_folder import write_city_folder
    from zaitaku_core.io.xlsx_import import read_workbook

    result = read_workbook(workbook, lang=lang)  # a WorkbookError's problems are listed by the CLI's error path
    for notice in result.notices:
        click.echo(str(notice), err=True)
    if output is None:
        click.echo(tr(N_("{workbook}: OK ({city})"), lang, workbook=workbook, city=result.city_id))
        return
    header = (
        f"Written by zaitaku import from {workbook.name}. Edit the workbook and import it again, or edit this file."
    )
    written = write_city_folder(result.files, output, replace=force, header=header)
    for path in written:
        click.echo(str(path), err=True)
    years = [y for y in result.files.get("city.toml", {}).get("city", {}).get("fiscal_years", ()) if isinstance(y, int)]
    year = max(years) if years else "…"  # the latest year the plan declares: a line to run as it is
    next_step = f"zaitaku --data-dir {output} report {result.city_id} --fy {year} -o report.html"
    click.echo(tr(N_("next: {step}"), lang, step=next_step))
