"""``zaitaku log``: keep the activity log (add, import, correct, delete, list, summary, changes, template).

Needs the ``log`` extra (``pip install 'zaitaku-core[log]'``: SQLAlchemy, Alembic, openpyxl, psycopg);
the commands import it only when they run.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from zaitaku_core.cli.common import (
    echo_json,
    emit,
    follow_symlinks_option,
    get_registry,
    json_format_option,
    lang_option,
    refuse_a_filled_file,
    template_force_option,
)
from zaitaku_core.cli.helptext import TranslatedGroup, current_language
from zaitaku_core.i18n import N_, NN_, NP_, tr, translate

if TYPE_CHECKING:
    from zaitaku_core.activity.reader import ProgramLookup
    from zaitaku_core.activity.store import ActivityLog
    from zaitaku_core.plugins import Registry

__all__ = ["LOG_ENV", "log", "open_log", "program_lookup"]

#: The environment variable naming the default log (a path or a database URL).
LOG_ENV = "ZAITAKU_LOG"

_DB_KEY = "zaitaku.log.db"


def open_log(target: str, *, create: bool = True) -> ActivityLog:
    """The activity log at ``target``, with a clear error when the ``log`` extra is not installed."""
    from zaitaku_core.errors import ActivityLogError

    try:
        from zaitaku_core.activity.store import ActivityLog
    except ImportError as exc:
        message = N_("the log extra is not installed ({module}): pip install 'zaitaku-core[log]'")
        raise ActivityLogError(tr(message, current_language(), module=exc.name)) from None
    # psycopg logs a warning of its own when a connection is lost mid-statement; with no logging set up,
    # Python would print it as a second line beside the command's one error line.
    driver = logging.getLogger("psycopg")
    if not driver.handlers:
        driver.addHandler(logging.NullHandler())
    return ActivityLog.open(target, create=create)


def program_lookup(registry: Registry) -> ProgramLookup:
    """Program ids of a city's plan per fiscal year, from the registry (``None`` for an unknown city or year)."""
    from zaitaku_core.errors import ZaitakuError

    def lookup(city: str, fiscal_year: int) -> set[str] | None:
        try:
            if fiscal_year not in registry.city(city).fiscal_years:
                return None
            return {program.id for program in registry.programs(city, fiscal_year)}
        except ZaitakuError:
            return None

    return lookup


def _log(ctx: click.Context, *, create: bool = True) -> ActivityLog:
    """The log of ``--db``; a command that only reads (or deletes) passes ``create=False``, so a mistyped path
    is an error naming the file rather than a new, empty SQLite file there that reports nothing."""
    log_ = open_log(str(ctx.meta[_DB_KEY]), create=create)
    ctx.call_on_close(log_.close)
    return log_


def _fiscal_year(value: str | None) -> int | None:
    if value is None:
        return None
    from zaitaku_core.calendar import parse_fiscal_year

    return parse_fiscal_year(value).year


@click.group(
    cls=TranslatedGroup,
    help=N_(
        """Keep and count the activity log: meetings, trainings, courses, consultations and more.

        The log is an SQLite file by default (created by the first import or add, migrated to the current
        schema when opened; list, summary, changes and delete refuse a file that does not exist), or a
        PostgreSQL URL (postgresql+psycopg://user@host/db) for a centre with several staff."""
    ),
)
@click.option(
    "--db",
    default=lambda: os.environ.get(LOG_ENV, "activities.sqlite"),
    show_default=f"${LOG_ENV} or activities.sqlite",
    help=N_("The log: an SQLite file or a database URL."),
)
@click.pass_context
def log(ctx: click.Context, db: str) -> None:
    ctx.meta[_DB_KEY] = db


def _lookup(ctx: click.Context, check_plan: bool) -> ProgramLookup | None:
    return program_lookup(get_registry(ctx)) if check_plan else None


_CORRECT = click.option(
    "--correct",
    is_flag=True,
    help=N_(
        "Correct entries whose row id is in the log with other content, and bring back deleted ones (kept in "
        "the audit trail)."
    ),
)

_PLAN_CHECK = click.option(
    "--plan-check/--no-plan-check",
    default=True,
    show_default=True,
    help=N_("Check every program id against the city's plan for the row's fiscal year."),
)


@log.command(
    "import",
    help=N_(
        """Import the activities of FILE (CSV or XLSX), all or nothing.

        Every row is checked; any error (listed with file, line or cell, and field) writes nothing. Rows already
        in the log are not counted twice, so importing the same file again changes nothing. A row whose row id
        is in the log with other content is refused, unless --correct is given: then the entry is corrected,
        and the change kept in the audit trail (zaitaku log changes)."""
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--city", help=N_("The city of every row (when the file has no city column)."))
@click.option("--encoding", help=N_("CSV encoding (default: UTF-8, else cp932)."))
@click.option("--sheet", help=N_("The workbook's log sheet (default: 活動記録)."))
@_PLAN_CHECK
@_CORRECT
@json_format_option
@click.pass_context
def import_(
    ctx: click.Context,
    file: Path,
    city: str | None,
    encoding: str | None,
    sheet: str | None,
    plan_check: bool,
    correct: bool,
    as_json: bool,
) -> None:
    from zaitaku_core.activity.reader import read_file
    from zaitaku_core.activity.store import file_sha256

    log_ = _log(ctx)
    lang = current_language()
    entries = read_file(file, city=city, encoding=encoding, sheet=sheet, programs=_lookup(ctx, plan_check), lang=lang)
    result = log_.import_entries(entries, source=file.name, sha256=file_sha256(file), correct=correct, lang=lang)
    if as_json:
        echo_json(
            {
                "source": result.source,
                "rows": result.rows,
                "inserted": result.inserted,
                "corrected": result.corrected,
                "restored": result.restored,
                "kept_deleted": result.kept_deleted,
            }
        )
        return
    parts = [
        tr(
            NN_(
                "{source}: {count} row, {inserted} new, {present} already in the log",
                "{source}: {count} rows, {inserted} new, {present} already in the log",
            ),
            lang,
            source=result.source,
            count=result.rows,
            inserted=result.inserted,
            present=result.already_present,
        )
    ]
    for message, n in (
        (N_("{n} corrected"), result.corrected),
        (N_("{n} restored"), result.restored),
        (N_("{n} left out as deleted"), result.kept_deleted),
    ):
        if n:
            parts.append(tr(message, lang, n=n))
    click.echo(("、" if lang == "ja" else ", ").join(parts))


@log.command(
    help=N_("Record one activity (with --id and --correct: correct the entry of that row id)."),
)
@click.option("--city", required=True, help=N_("City id."))
@click.option("--program", required=True, help=N_("Program id."))
@click.option("--date", "day", required=True, help=N_("Date (2024-04-01, 令和6年4月1日)."))
@click.option("--kind", required=True, help=N_("Kind of activity (会議, 研修, 講座, イベント, 相談, 発行 …)."))
@click.option("--count", type=int, help=N_("How many activities the entry stands for (default 1)."))
@click.option("--title", help=N_("Title (no personal names)."))
@click.option("--participants", type=int, help=N_("Number of participants."))
@click.option(
    "--by-profession",
    multiple=True,
    metavar="職種=人数",
    help=N_("Participants of a profession (医師=3); repeatable."),
)
@click.option("--scene", "scenes", multiple=True, help=N_("Care scene served; repeatable."))
@click.option("--body", help=N_("The body that held it."))
@click.option("--asker", help=N_("Who asked, for a consultation (専門職, 本人, 家族, その他)."))
@click.option("--asker-profession", help=N_("The asking professional's profession."))
@click.option("--topic", help=N_("Topic of the consultation."))
@click.option("--case-id", help=N_("An opaque case id."))
@click.option("--id", "row_id", help=N_("A row id, which makes recording the entry again change nothing."))
@_PLAN_CHECK
@_CORRECT
@click.pass_context
def add(
    ctx: click.Context,
    /,
    by_profession: tuple[str, ...],
    scenes: tuple[str, ...],
    plan_check: bool,
    correct: bool,
    **fields: Any,
) -> None:
    from zaitaku_core.activity.reader import profession_header, read_fields
    from zaitaku_core.activity.vocabulary import Profession
    from zaitaku_core.errors import InputError

    values: dict[str, object] = {
        ("date" if key == "day" else key): value for key, value in fields.items() if value is not None
    }
    if scenes:
        values["scenes"] = "、".join(scenes)
    for item in by_profession:
        name, sep, number = item.partition("=")
        if not sep:
            message = tr(N_("write PROFESSION=N (医師=3): {item!r}"), current_language(), item=item)
            raise click.BadParameter(message, param_hint="--by-profession")
        try:
            profession = Profession.parse(name.strip())
        except InputError as exc:
            raise click.BadParameter(exc.message, param_hint="--by-profession") from None
        values[profession_header(profession, "en")] = number.strip()
    lang = current_language()
    item_ = read_fields(values, source="zaitaku log add", programs=_lookup(ctx, plan_check), lang=lang)
    result = _log(ctx).import_entries(
        [("zaitaku log add", 1, item_)], source="zaitaku log add", correct=correct, lang=lang
    )
    if result.corrected:
        state = N_("corrected")
    elif result.restored:
        state = N_("restored")
    elif result.kept_deleted:
        state = N_("deleted earlier (to bring it back, --correct)")
    else:
        state = N_("recorded") if result.inserted else N_("already in the log")
    kind = item_.kind.label(lang)
    click.echo(f"{tr(state, lang)}: {item_.city} {item_.program} {item_.date.isoformat()} {kind}")


def _filters(fn: Any) -> Any:
    fn = click.option("--city", help=N_("City id."))(fn)
    fn = click.option("--fy", "fiscal_year", help=N_("Fiscal year (2024, 令和6年度)."))(fn)
    return json_format_option(fn)


#: Headers of the log's own columns; the others are columns of the activity file, headed as the file is.
_OWN_HEADERS = {
    "entry": NP_("log column", "entry"),
    "fiscal_year": NP_("log column", "fiscal_year"),
    "source": NP_("log column", "source"),
    "line": NP_("log column", "line"),
    "number": NP_("log column", "number"),
    "changed_at": NP_("log column", "changed_at"),
    "action": NP_("log column", "action"),
    "reason": NP_("log column", "reason"),
}


def _echo_table(columns: tuple[str, ...], records: list[dict[str, Any]], lang: str) -> None:
    """``records`` as a tab-separated table for a person: a header line in ``lang`` (the activity file's
    header of a column it has, as ``zaitaku log template`` writes it), then one line per record."""
    from zaitaku_core.activity.reader import COLUMNS

    file_headers = {column.field: column.en if lang == "en" else column.ja for column in COLUMNS}
    headers = [translate(_OWN_HEADERS[c], lang) if c in _OWN_HEADERS else file_headers[c] for c in columns]
    _echo_cells(headers, lang)
    for record in records:
        _echo_cells([record[c] for c in columns], lang)


def _echo_cells(values: list[Any], lang: str) -> None:
    """One tab-separated line of ``values`` (lists joined with 、, or ", " in English), safe to open in a
    spreadsheet."""
    from zaitaku_core.report import neutralize

    join = ", " if lang == "en" else "、"
    cells = [join.join(v) if isinstance(v, list) else ("" if v is None else str(v)) for v in values]
    click.echo("\t".join(str(neutralize(cell.replace("\t", " ").replace("\n", " "))) for cell in cells))


@log.command(
    "list",
    help=N_(
        """List logged activities by date.

        As a table (tab-separated): headers, kinds, scenes and askers in the language of --lang. With
        --format json, for programs: the field names and codes of the log, whatever the language."""
    ),
)
@_filters
@click.option("--program", help=N_("Program id."))
@click.option("--kind", help=N_("Kind of activity."))
@click.option("--limit", type=click.IntRange(min=1), help=N_("At most this many entries."))
@click.pass_context
def list_(
    ctx: click.Context,
    city: str | None,
    fiscal_year: str | None,
    as_json: bool,
    program: str | None,
    kind: str | None,
    limit: int | None,
) -> None:
    from zaitaku_core.activity.store import activity_record
    from zaitaku_core.activity.vocabulary import ActivityKind
    from zaitaku_core.framework import CareScene

    wanted = ActivityKind.parse(kind) if kind else None
    found = list(
        _log(ctx, create=False).activities(
            city=city, fiscal_year=_fiscal_year(fiscal_year), program=program, kind=wanted, limit=limit
        )
    )
    records = [
        {"entry": logged.entry, **activity_record(logged.activity), "source": logged.source, "line": logged.line}
        for logged in found
    ]
    if as_json:
        echo_json(records)
        return
    lang = current_language()
    scene_order = list(CareScene)
    for record, logged in zip(records, found, strict=True):
        item = logged.activity
        record["kind"] = item.kind.label(lang)
        record["scenes"] = [scene.label(lang) for scene in sorted(item.scenes, key=scene_order.index)]
        record["asker"] = item.asker.label(lang) if item.asker else None
    columns = ("entry", "date", "fiscal_year", "city", "program", "kind", "count", "participants", "scenes",
               "body", "asker", "topic", "case_id", "title", "source", "line")  # fmt: skip
    _echo_table(columns, records, lang)


@log.command(
    help=N_(
        """Delete entries of the log, all named or none.

        Each deletion is kept in the audit trail (zaitaku log changes) with the entry as it was. Importing a
        file that still holds a deleted row leaves it out; import it with --correct to bring it back."""
    ),
)
@click.option("--city", required=True, help=N_("City id."))
@click.option("--id", "row_ids", multiple=True, help=N_("Row id of an entry to delete; repeatable."))
@click.option(
    "--entry",
    "entries",
    type=int,
    multiple=True,
    help=N_("Number of an entry to delete (the entry column of log list); repeatable."),
)
@click.option("--reason", required=True, help=N_("Why (kept in the audit trail)."))
@json_format_option
@click.pass_context
def delete(
    ctx: click.Context, city: str, row_ids: tuple[str, ...], entries: tuple[int, ...], reason: str, as_json: bool
) -> None:
    from zaitaku_core.activity.store import activity_record

    if not row_ids and not entries:
        raise click.UsageError(tr(N_("name the entries with --id or --entry"), current_language()))
    deleted = _log(ctx, create=False).delete(city, row_ids=row_ids, entries=entries, reason=reason)
    if as_json:
        echo_json([activity_record(item) for item in deleted])
        return
    click.echo(tr(NN_("deleted {count} entry", "deleted {count} entries"), current_language(), count=len(deleted)))


@log.command(
    help=N_(
        """The audit trail: entries corrected, deleted and restored, oldest first.

        As a table (tab-separated): headers and actions in the language of --lang. With --format json, for
        programs: the action codes (correct, delete, restore) and the entry's fields before and after."""
    ),
)
@click.option("--city", help=N_("City id."))
@json_format_option
@click.pass_context
def changes(ctx: click.Context, city: str | None, as_json: bool) -> None:
    from zaitaku_core.activity.vocabulary import ChangeAction

    found = _log(ctx, create=False).changes(city=city)
    records: list[dict[str, Any]] = [
        {
            "number": change.number,
            "changed_at": change.changed_at.isoformat(timespec="seconds"),
            "action": change.action,
            "city": change.city,
            "row_id": change.row_id,
            "entry": change.entry,
            "source": change.source,
            "reason": change.reason,
            "before": change.before,
            "after": change.after,
        }
        for change in found
    ]
    if as_json:
        echo_json(records)
        return
    lang = current_language()
    for record, change in zip(records, found, strict=True):
        record["action"] = ChangeAction.parse(change.action).label(lang)
    _echo_table(("number", "changed_at", "action", "city", "entry", "row_id", "source", "reason"), records, lang)


#: The columns of ``zaitaku log summary``'s table.
_SUMMARY_HEADERS = (
    NP_("log summary", "City"),
    NP_("log summary", "Fiscal year"),
    NP_("log summary", "Program"),
    NP_("log summary", "Kind"),
    NP_("log summary", "Entries"),
    NP_("log summary", "Activities"),
    NP_("log summary", "Participants"),
    NP_("log summary", "First"),
    NP_("log summary", "Last"),
)


@log.command(help=N_("Totals per city, fiscal year, program and kind: entries, activities, participants."))
@_filters
@click.pass_context
def summary(ctx: click.Context, city: str | None, fiscal_year: str | None, as_json: bool) -> None:
    rows = _log(ctx, create=False).summary(city=city, fiscal_year=_fiscal_year(fiscal_year))
    records = [
        {
            "city": row.city,
            "fiscal_year": row.fiscal_year,
            "program": row.program,
            "kind": row.kind.code,
            "entries": row.entries,
            "activities": row.activities,
            "participants": row.participants,
            "first": row.first.isoformat(),
            "last": row.last.isoformat(),
        }
        for row in rows
    ]
    if as_json:
        echo_json(records)
        return
    lang = current_language()
    click.echo("\t".join(translate(header, lang) for header in _SUMMARY_HEADERS))
    for row in rows:
        click.echo(
            f"{row.city}\t{row.fiscal_year}\t{row.program}\t{row.kind.label(lang)}\t{row.entries}\t{row.activities}\t"
            f"{row.participants}\t{row.first.isoformat()}\t{row.last.isoformat()}"
        )


@log.command(help=N_("Write an empty activity file (XLSX or CSV) to fill in; its headers in the language of --lang."))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=N_("The file to write (.xlsx or .csv)."),
)
@follow_symlinks_option
@template_force_option
@lang_option
def template(output: Path, follow_symlinks: bool, force: bool, lang: str) -> None:
    from zaitaku_core.activity.template import template_csv, template_xlsx

    suffix = output.suffix.lower()
    if suffix not in {".xlsx", ".csv"}:
        raise click.BadParameter(tr(N_("the suffix must be .xlsx or .csv"), lang), param_hint="-o")
    refuse_a_filled_file(output, force)
    emit(template_xlsx(lang) if suffix == ".xlsx" else template_csv(lang), output, follow_symlinks=follow_symlinks)
