"""``zaitaku log``: keep the activity log (add, import, correct, delete, list, summary, changes, template).

Needs the ``log`` extra (``pip install 'zaitaku-core[log]'``: SQLAlchemy, Alembic, openpyxl, psycopg);
the commands import it only when they run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from zaitaku_core.cli.common import echo_json, emit, follow_symlinks_option, get_registry

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
        raise ActivityLogError(
            "活動記録には追加の部品が必要です: pip install 'zaitaku-core[log]' / "
            f"the log extra is not installed ({exc.name})"
        ) from None
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


def _log(ctx: click.Context) -> ActivityLog:
    log_ = open_log(str(ctx.meta[_DB_KEY]))
    ctx.call_on_close(log_.close)
    return log_


def _fiscal_year(value: str | None) -> int | None:
    if value is None:
        return None
    from zaitaku_core.calendar import parse_fiscal_year

    return parse_fiscal_year(value).year


@click.group()
@click.option(
    "--db",
    default=lambda: os.environ.get(LOG_ENV, "activities.sqlite"),
    show_default=f"${LOG_ENV} or activities.sqlite",
    help="活動記録：SQLite のファイル、またはデータベースのURL / the log: an SQLite file or a database URL.",
)
@click.pass_context
def log(ctx: click.Context, db: str) -> None:
    """活動記録（会議・研修・講座・相談など）を記録し、集計する / keep and count the activity log.

    The log is an SQLite file by default (created, and migrated to the current schema, when opened), or a
    PostgreSQL URL (postgresql+psycopg://user@host/db) for a centre with several staff.
    """
    ctx.meta[_DB_KEY] = db


def _lookup(ctx: click.Context, check_plan: bool) -> ProgramLookup | None:
    return program_lookup(get_registry(ctx)) if check_plan else None


_CORRECT = click.option(
    "--correct",
    is_flag=True,
    help="行IDが同じで内容の違う記録を訂正し、削除した記録を戻す（変更履歴に残る）/ correct entries whose row id "
    "is in the log with other content, and bring back deleted ones (kept in the audit trail).",
)

_PLAN_CHECK = click.option(
    "--plan-check/--no-plan-check",
    default=True,
    show_default=True,
    help="取組IDを計画と照合する / check every program id against the city's plan for the row's fiscal year.",
)


@log.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--city", help="市町村ID（列がないとき、すべての行に）/ the city of every row (when there is no column).")
@click.option(
    "--encoding", help="CSVの文字コード（既定：UTF-8、だめなら cp932）/ CSV encoding (default: UTF-8, else cp932)."
)
@click.option("--sheet", help="XLSXのシート名（既定：活動記録）/ the workbook's log sheet (default: 活動記録).")
@_PLAN_CHECK
@_CORRECT
@click.option("--json", "as_json", is_flag=True, help="結果をJSONで / print the result as JSON.")
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
    """ファイル（CSV・XLSX）の活動を取り込む / import the activities of FILE (CSV or XLSX), all or nothing.

    Every row is checked; any error (listed with file, line or cell, and field) writes nothing. Rows already
    in the log are not counted twice, so importing the same file again changes nothing. A row whose row id
    is in the log with other content is refused, unless --correct is given: then the entry is corrected,
    and the change kept in the audit trail (zaitaku log changes).
    """
    from zaitaku_core.activity.reader import read_file
    from zaitaku_core.activity.store import file_sha256

    log_ = _log(ctx)
    entries = read_file(file, city=city, encoding=encoding, sheet=sheet, programs=_lookup(ctx, plan_check))
    result = log_.import_entries(entries, source=file.name, sha256=file_sha256(file), correct=correct)
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
    text = (
        f"{result.source}: {result.rows}行、新規 {result.inserted}件、記録済み {result.already_present}件",
        f"{result.rows} rows, {result.inserted} new, {result.already_present} already in the log",
    )
    extra = [
        (f"訂正 {result.corrected}件", f"{result.corrected} corrected", result.corrected),
        (f"復元 {result.restored}件", f"{result.restored} restored", result.restored),
        (
            f"削除済みのため除外 {result.kept_deleted}件",
            f"{result.kept_deleted} left out as deleted",
            result.kept_deleted,
        ),
    ]
    ja = "、".join([text[0], *(j for j, _, n in extra if n)])
    en = ", ".join([text[1], *(e for _, e, n in extra if n)])
    click.echo(f"{ja} / {en}")


@log.command()
@click.option("--city", required=True, help="市町村ID / city id.")
@click.option("--program", required=True, help="取組ID / program id.")
@click.option("--date", "day", required=True, help="日付（2024-04-01、令和6年4月1日）/ date.")
@click.option("--kind", required=True, help="種別（会議・研修・講座・イベント・相談・発行…）/ kind of activity.")
@click.option("--count", type=int, help="件数（既定 1）/ how many activities the entry stands for.")
@click.option("--title", help="名称 / title (no personal names).")
@click.option("--participants", type=int, help="参加者数 / participants.")
@click.option(
    "--by-profession",
    multiple=True,
    metavar="職種=人数",
    help="職種別の参加者数（医師=3）、繰り返し可 / participants of a profession, repeatable.",
)
@click.option("--scene", "scenes", multiple=True, help="場面、繰り返し可 / care scene served, repeatable.")
@click.option("--body", help="実施主体 / the body that held it.")
@click.option("--asker", help="相談者の区分（専門職・本人・家族・その他）/ who asked (consultations).")
@click.option("--asker-profession", help="相談者の職種 / the asking professional's profession.")
@click.option("--topic", help="相談内容 / topic of the consultation.")
@click.option("--case-id", help="匿名のケースID / an opaque case id.")
@click.option("--id", "row_id", help="行ID（再登録の照合用）/ a row id making the entry idempotent.")
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
    """活動を1件記録する / record one activity (with --id and --correct: correct the entry of that row id)."""
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
            raise click.BadParameter(
                f"職種=人数 の形で書いてください / write PROFESSION=N: {item!r}", param_hint="--by-profession"
            )
        try:
            profession = Profession.parse(name.strip())
        except InputError as exc:
            raise click.BadParameter(exc.message, param_hint="--by-profession") from None
        values[profession_header(profession, "en")] = number.strip()
    item_ = read_fields(values, source="zaitaku log add", programs=_lookup(ctx, plan_check))
    result = _log(ctx).import_entries([("zaitaku log add", 1, item_)], source="zaitaku log add", correct=correct)
    if result.corrected:
        state = "訂正しました / corrected"
    elif result.restored:
        state = "削除した記録を戻しました / restored"
    elif result.kept_deleted:
        state = "削除済みの記録です（戻すには --correct）/ deleted earlier (to bring it back, --correct)"
    else:
        state = "記録しました / recorded" if result.inserted else "記録済みです / already in the log"
    click.echo(f"{state}: {item_.city} {item_.program} {item_.date.isoformat()} {item_.kind.ja}")


def _filters(fn: Any) -> Any:
    fn = click.option("--city", help="市町村ID / city id.")(fn)
    fn = click.option("--fy", "fiscal_year", help="年度（2024、令和6年度）/ fiscal year.")(fn)
    return click.option("--json", "as_json", is_flag=True, help="JSONで出力 / print JSON.")(fn)


@log.command("list")
@_filters
@click.option("--program", help="取組ID / program id.")
@click.option("--kind", help="種別 / kind of activity.")
@click.option("--limit", type=click.IntRange(min=1), help="最大件数 / at most this many entries.")
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
    """記録された活動を日付順に表示する / list logged activities by date (tab-separated, or JSON)."""
    from zaitaku_core.activity.store import activity_record
    from zaitaku_core.activity.vocabulary import ActivityKind

    wanted = ActivityKind.parse(kind) if kind else None
    found = _log(ctx).activities(
        city=city, fiscal_year=_fiscal_year(fiscal_year), program=program, kind=wanted, limit=limit
    )
    columns = ("entry", "date", "fiscal_year", "city", "program", "kind", "count", "participants", "scenes",
               "body", "asker", "topic", "case_id", "title", "source", "line")  # fmt: skip
    records = [
        {"entry": logged.entry, **activity_record(logged.activity), "source": logged.source, "line": logged.line}
        for logged in found
    ]
    if as_json:
        echo_json(records)
        return
    click.echo("\t".join(columns))
    for record in records:
        _echo_cells([record[c] for c in columns])


def _echo_cells(values: list[Any]) -> None:
    """One tab-separated line of ``values`` (lists joined with 、), safe to open in a spreadsheet."""
    from zaitaku_core.report import neutralize

    cells = ["、".join(v) if isinstance(v, list) else ("" if v is None else str(v)) for v in values]
    click.echo("\t".join(str(neutralize(cell.replace("\t", " ").replace("\n", " "))) for cell in cells))


@log.command()
@click.option("--city", required=True, help="市町村ID / city id.")
@click.option("--id", "row_ids", multiple=True, help="削除する記録の行ID、繰り返し可 / row id of an entry, repeatable.")
@click.option(
    "--entry",
    "entries",
    type=int,
    multiple=True,
    help="削除する記録の番号（log list の entry）、繰り返し可 / entry number (from log list), repeatable.",
)
@click.option("--reason", required=True, help="削除の理由（変更履歴に残る）/ why (kept in the audit trail).")
@click.option("--json", "as_json", is_flag=True, help="削除した記録をJSONで / print the deleted entries as JSON.")
@click.pass_context
def delete(
    ctx: click.Context, city: str, row_ids: tuple[str, ...], entries: tuple[int, ...], reason: str, as_json: bool
) -> None:
    """記録を削除する（すべてか、何もしないか）/ delete entries of the log, all named or none.

    Each deletion is kept in the audit trail (zaitaku log changes) with the entry as it was. Importing a
    file that still holds a deleted row leaves it out; import it with --correct to bring it back.
    """
    from zaitaku_core.activity.store import activity_record

    if not row_ids and not entries:
        raise click.UsageError("--id か --entry で記録を指定してください / name the entries with --id or --entry")
    deleted = _log(ctx).delete(city, row_ids=row_ids, entries=entries, reason=reason)
    if as_json:
        echo_json([activity_record(item) for item in deleted])
        return
    click.echo(f"{len(deleted)}件を削除しました / deleted {len(deleted)} entries")


@log.command()
@click.option("--city", help="市町村ID / city id.")
@click.option("--json", "as_json", is_flag=True, help="JSONで出力 / print JSON.")
@click.pass_context
def changes(ctx: click.Context, city: str | None, as_json: bool) -> None:
    """訂正・削除・復元の履歴 / the audit trail: entries corrected, deleted and restored, oldest first."""
    records = [
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
        for change in _log(ctx).changes(city=city)
    ]
    if as_json:
        echo_json(records)
        return
    columns = ("number", "changed_at", "action", "city", "entry", "row_id", "source", "reason")
    click.echo("\t".join(columns))
    for record in records:
        _echo_cells([record[c] for c in columns])


@log.command()
@_filters
@click.pass_context
def summary(ctx: click.Context, city: str | None, fiscal_year: str | None, as_json: bool) -> None:
    """市町村・年度・取組・種別ごとの件数と参加者数 / totals per city, fiscal year, program and kind."""
    rows = _log(ctx).summary(city=city, fiscal_year=_fiscal_year(fiscal_year))
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
    click.echo("市町村\t年度\t取組ID\t種別\t記録数\t件数\t参加者数\t最初\t最後")
    for row in rows:
        click.echo(
            f"{row.city}\t{row.fiscal_year}\t{row.program}\t{row.kind.ja}\t{row.entries}\t{row.activities}\t"
            f"{row.participants}\t{row.first.isoformat()}\t{row.last.isoformat()}"
        )


@log.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="書き出すファイル（.xlsx / .csv）.",
)
@follow_symlinks_option
@click.option(
    "--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True, help="見出しの言語 / headers."
)
def template(output: Path, follow_symlinks: bool, lang: str) -> None:
    """記入用の活動記録ファイル（XLSX・CSV）を書き出す / write an empty activity file to fill in."""
    from zaitaku_core.activity.template import template_csv, template_xlsx

    suffix = output.suffix.lower()
    if suffix not in {".xlsx", ".csv"}:
        raise click.BadParameter("拡張子は .xlsx か .csv / the suffix must be .xlsx or .csv", param_hint="-o")
    emit(template_xlsx(lang) if suffix == ".xlsx" else template_csv(lang), output, follow_symlinks=follow_symlinks)
