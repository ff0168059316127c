"""The activity log's database: open (and migrate), write entries in one transaction, query and aggregate.

SQLite by default (one file), any database SQLAlchemy reaches by URL otherwise (PostgreSQL through
psycopg 3 is tested). The schema is kept by Alembic: :meth:`ActivityLog.open` brings a log up to the
library's schema before anything else, under the write lock, so two processes opening a new file at
once do not both create it.

Safety, on SQLite: the file is in WAL mode with a busy timeout, so readers never block and a second
writer waits for the first instead of failing; every write (an import, one ``add``) is a single
``BEGIN IMMEDIATE`` transaction, so an import that fails or is interrupted (an error in row 900,000, a
killed process) leaves the log exactly as it was.

Corrections and deletions are audited: an entry corrected by a re-import (``correct=True``) or deleted
(:meth:`ActivityLog.delete`) leaves a row in ``activity_change`` with the entry as it was and as it
became, and a deleted entry's key is remembered, so that importing a file that still holds the row does
not bring it back (unless the import corrects: then the file's rows are what the log should hold).

Bulk inserts compile their statement once with SQLAlchemy for the database's dialect and hand the rows
to the driver's ``executemany`` as plain tuples: SQLAlchemy's own per-row parameter processing cost
about 5× the insert itself on a million rows, and the values are already validated here. On SQLite the
values are only of the types the driver binds without adapting them (NULL as ``''`` through ``NULLIF``),
a reader's batches (:class:`~zaitaku_core.activity.record.ActivityBatch`) are keyed and written column
by column, and an import into an empty log writes its entries without the row-key index and makes the
index once at the end, in the same transaction (``benchmarks/README.md``, activity log).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from zaitaku_core.activity.record import (
    SCENE_COLUMNS,
    Activity,
    ActivityBatch,
    ActivityRows,
    RowProblem,
    by_profession_order,
    check_free_text,
    mapped,
)
from zaitaku_core.activity.tables import (
    activity,
    activity_change,
    activity_deleted,
    activity_participant,
    import_batch,
)
from zaitaku_core.activity.vocabulary import ActivityKind, Asker, Profession
from zaitaku_core.calendar import fiscal_year_of
from zaitaku_core.errors import ActivityImportError, ActivityLogError, InputError, PersonalDataError
from zaitaku_core.framework import CareScene
from zaitaku_core.i18n import N_, NN_, ByLanguage, resolve_lang, tr

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "CHUNK",
    "MAX_PROBLEMS",
    "ActivityLog",
    "Change",
    "ImportResult",
    "LoggedActivity",
    "RowProblem",
    "SummaryRow",
    "activity_record",
    "database_url",
    "migrations_config",
]

#: How long a writer waits for another writer's lock on an SQLite log before giving up.
BUSY_TIMEOUT_SECONDS = 60

#: Rows handed to the driver per ``executemany`` (bounds memory on a file of millions of rows).
CHUNK = 5_000

#: Row errors collected before an import stops reading (the file is refused either way).
MAX_PROBLEMS = 1_000

_ACTIVITY_COLUMNS = (
    "row_key",
    "content_hash",
    "city",
    "program",
    "date",
    "fiscal_year",
    "kind",
    "count",
    "title",
    "participants",
    *SCENE_COLUMNS.values(),
    "body",
    "asker",
    "asker_profession",
    "topic",
    "case_id",
    "row_id",
    "import_id",
    "line",
)
_SCENES = tuple(SCENE_COLUMNS)
(_ROW_KEY_INDEX,) = (index for index in activity.indexes if index.name == "uq_activity_row_key")
# How a bulk insert binds NULL on SQLite: '' (no column of the log holds an empty text; see _BulkWriter).
_SQLITE_NULL = ""
_SQLITE_NULL_SQL = "''"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What one import did: rows read, entries newly written, corrected, restored, and left deleted.

    ``corrected`` and ``restored`` are only ever non-zero for an import that corrects; ``kept_deleted``
    counts rows of entries deleted earlier, which an import that does not correct leaves out.
    """

    source: str
    rows: int
    inserted: int
    corrected: int = 0
    restored: int = 0
    kept_deleted: int = 0

    @property
    def already_present(self) -> int:
        """Entries of the source that the log held already, unchanged (a re-import)."""
        return self.rows - self.inserted - self.corrected - self.restored - self.kept_deleted


@dataclass(frozen=True, slots=True)
class LoggedActivity:
    """An activity as read back from the log, with its entry number and where it came from."""

    activity: Activity
    source: str
    line: int | None
    entry: int = 0


@dataclass(frozen=True, slots=True)
class Change:
    """One change of the audit trail: an entry corrected, deleted or restored, when, by what, and why.

    ``before`` and ``after`` are the entry's fields (:func:`activity_record`) before and after the change
    (``None`` for a deleted entry's after and a restored entry's before).
    """

    number: int
    changed_at: datetime
    action: str
    city: str
    row_id: str | None
    entry: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    source: str
    reason: str | None


def activity_record(item: Activity) -> dict[str, Any]:
    """The fields of ``item`` as plain JSON values (codes, ISO dates), as ``zaitaku log list --json`` prints them.

    >>> activity_record(Activity("sample", "p1", date(2024, 5, 1), ActivityKind.MEETING, participants=12))["kind"]
    'meeting'
    """
    return {
        "date": item.date.isoformat(),
        "fiscal_year": item.fiscal_year,
        "city": item.city,
        "program": item.program,
        "kind": item.kind.code,
        "count": item.count,
        "participants": item.participants,
        "by_profession": {p.code: n for p, n in item.by_profession},
        "scenes": sorted(scene.code for scene in item.scenes),
        "body": item.body,
        "asker": item.asker.code if item.asker else None,
        "asker_profession": item.asker_profession.code if item.asker_profession else None,
        "topic": item.topic,
        "case_id": item.case_id,
        "row_id": item.row_id,
        "title": item.title,
    }


def _record_json(item: Activity | None) -> str | None:
    return None if item is None else json.dumps(activity_record(item), ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """Totals of one city, fiscal year, program and kind: entries, activities counted, participants."""

    city: str
    fiscal_year: int
    program: str
    kind: ActivityKind
    entries: int
    activities: int
    participants: int
    first: date
    last: date


def database_url(target: str | Path) -> str:
    """The SQLAlchemy URL of ``target``: a URL as given (``postgresql+psycopg://…``), a path as SQLite.

    >>> database_url("postgresql+psycopg://centre@localhost/log")
    'postgresql+psycopg://centre@localhost/log'
    >>> database_url("/data/activities.sqlite")
    'sqlite:////data/activities.sqlite'
    """
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().absolute()}"


def migrations_config() -> Any:
    """The Alembic configuration of the log's migrations (shipped in the package), for programmatic use.

    Pass a connection as ``config.attributes["connection"]`` to run a command on it.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("zaitaku_core.activity") / "migrations"))
    return config


# SQLite page caches in KiB (negative: a size, not a number of pages), for writing and for reading.
_WRITE_CACHE = -65536
_READ_CACHE = -2000


def _sqlite_engine(url: str) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe in WAL: a crash never corrupts, at most loses
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the lock at BEGIN and waits for it (busy timeout); a deferred transaction that
        # upgrades to a write later would fail at once when another writer got there first.
        write = connection.get_execution_options().get("zaitaku_write", False)
        # A writer gets 64 MiB of pages (the row-key index of a big import); a reader SQLite's default 2 MiB:
        # the cache also bounds the sorter's runs in memory, and GROUP BY over a million entries sorts ~1.5x
        # faster in small runs merged than in one big run (benchmarks/README.md, activity log).
        connection.exec_driver_sql(f"PRAGMA cache_size = {_WRITE_CACHE if write else _READ_CACHE}")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class ActivityLog:
    """An open activity log. Use :meth:`open`; close it with :meth:`close` or a ``with`` block.

    >>> import tempfile, os
    >>> from datetime import date
    >>> folder = tempfile.mkdtemp()
    >>> with ActivityLog.open(os.path.join(folder, "log.sqlite")) as log:
    ...     result = log.add([Activity("sample", "p1", date(2024, 5, 1), ActivityKind.MEETING, participants=12)])
    ...     result.inserted, [row.participants for row in log.summary()]
    (1, [12])
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)

    @property
    def display_name(self) -> str:
        """The log as a report names it: an SQLite file's name, or the URL without its password."""
        if self.engine.dialect.name == "sqlite" and self.engine.url.database:
            return Path(self.engine.url.database).name
        return self.url

    @classmethod
    def open(cls, target: str | Path, *, create: bool = True) -> ActivityLog:
        """Open the log at ``target`` (a path to an SQLite file or a database URL), migrating its schema.

        Raises:
            ActivityLogError: the file does not exist and ``create`` is false, the driver is missing, the
                database cannot be reached, or its schema is newer than this version of the library knows.
        """
        url = database_url(target)
        try:
            parsed = sa.engine.make_url(url)
        except sa.exc.ArgumentError as exc:
            raise ActivityLogError(N_("not a database URL: {reason}"), values={"reason": str(exc)}) from None
        if parsed.get_backend_name() == "sqlite":
            path = parsed.database
            if not create and (not path or not Path(path).exists()):
                raise ActivityLogError(N_("the activity log does not exist"), values={}, location={"file": path})
            engine = _sqlite_engine(url)
        else:
            try:
                engine = sa.create_engine(url, pool_pre_ping=True)
            except (ImportError, sa.exc.NoSuchModuleError) as exc:
                raise ActivityLogError(
                    N_("no database driver (pip install 'zaitaku-core[log]'): {reason}"), values={"reason": str(exc)}
                ) from None
        log = cls(engine)
        try:
            log._migrate()
        except BaseException:
            engine.dispose()
            raise
        return log

    def _migrate(self) -> None:
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = migrations_config()
        head = ScriptDirectory.from_config(config).get_current_head()
        with self._writing(N_("cannot open the activity log: {reason}")) as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            if current == head:
                return
            known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
            if current is not None and current not in known:
                raise ActivityLogError(
                    N_(
                        "the log's schema revision {current} is newer than this zaitaku-core knows (head {head}); "
                        "upgrade zaitaku-core"
                    ),
                    values={"current": current, "head": head},
                    location={"file": self.url},
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def _writing(self, failure: str = N_("the database failed, nothing was written: {reason}")) -> Iterator[Connection]:
        """A connection in a write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success.

        Raises:
            ActivityLogError: the database could not be reached or failed on the way (the server went away,
                the disk is full, the file is not a database): the transaction is rolled back, and the error
                (``failure``) says the driver's reason, never the statement or the row's values that
                SQLAlchemy's own message carries.
        """
        try:
            with self.engine.connect().execution_options(zaitaku_write=True) as connection, connection.begin():
                yield connection
        except sa.exc.DatabaseError as exc:  # OperationalError, and SQLite's 'file is not a database'
            if isinstance(exc, sa.exc.ProgrammingError):
                raise  # a mistake of this library's SQL: an internal error, to be reported
            said = str(exc.orig).strip()
            raise ActivityLogError(
                failure,
                values={"reason": said.splitlines()[0] if said else type(exc.orig).__name__},
                location={"file": self.url},
            ) from None

    def close(self) -> None:
        """Close every connection to the database."""
        self.engine.dispose()

    def __enter__(self) -> ActivityLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------------------

    def add(self, activities: Iterable[Activity], *, source: str = "zaitaku log add") -> ImportResult:
        """Write ``activities`` in one transaction (entries already in the log are left as they are).

        Raises:
            ActivityImportError: an entry has the row id of a different entry already in the log, or two
                entries share a row id; nothing is written then.
        """
        return self.import_entries(((f"{source} #{n}", n, item) for n, item in enumerate(activities, 1)), source=source)

    def import_entries(
        self,
        entries: Iterable[tuple[str, int, Activity] | RowProblem | ActivityBatch],
        *,
        source: str,
        sha256: str | None = None,
        correct: bool = False,
        lang: str | None = None,
    ) -> ImportResult:
        """Write the activities of ``entries`` in one transaction, or nothing if any entry is a problem.

        ``entries`` is read once, as a stream: valid entries ``(where, line, activity)`` (or batches of them,
        :class:`~zaitaku_core.activity.record.ActivityBatch`, which the reader of a simple CSV gives
        through :meth:`~zaitaku_core.activity.record.ActivityRows.batches` and which are keyed and written
        column by column) are inserted in chunks while problems are collected; at the end, any problem (or a
        row id clash) rolls everything back and raises :class:`~zaitaku_core.errors.ActivityImportError`
        listing them all (up to :data:`~zaitaku_core.activity.store.MAX_PROBLEMS`). The line (or sheet row)
        is stored with the entry.

        A row whose row id is in the log with other content is a clash, unless ``correct`` is true: then
        the entry is corrected to the row (in place, keeping its entry number). A row of an entry deleted
        earlier is left out, unless ``correct`` is true: then the entry is restored. Both are written to
        the audit trail. The error is said in ``lang`` (``ja`` or ``en``; by default
        :func:`~zaitaku_core.i18n.resolve_lang`'s): read ``entries`` in the same language
        (:func:`~zaitaku_core.activity.reader.read_file`'s ``lang``).

        Raises:
            ActivityImportError: some rows are not valid, or clash by row id; nothing was written.
        """
        lang = resolve_lang(lang)
        problems: list[tuple[str, str]] = []
        seen_ids: dict[tuple[str, str], str] = {}
        occurrences: dict[bytes, int] = {}
        rows = kept_deleted = 0
        with self._writing() as connection:
            batch_id = connection.execute(
                import_batch.insert()
                .values(source=source[:255], sha256=sha256, imported_at=datetime.now(UTC), rows=0, inserted=0)
                .returning(import_batch.c.id)
            ).scalar_one()
            deleted = set(connection.execute(sa.select(activity_deleted.c.row_key)).scalars())
            last_id = connection.execute(sa.select(sa.func.coalesce(sa.func.max(activity.c.id), 0))).scalar_one()
            restored: list[tuple[bytes, Activity]] = []
            # An empty log (a first import, the big one): without the row-key index the entries are written
            # plainly and the index is made once from the sorted keys (~20% less than keeping it up to date
            # entry by entry, benchmarks/README.md); the keys of one import are distinct by construction.
            empty = self.engine.dialect.name == "sqlite" and last_id == 0
            if empty:
                connection.execute(sa.schema.DropIndex(_ROW_KEY_INDEX))
            writer = _BulkWriter(connection, batch_id, indexed=not empty)
            with_ids: list[_Keyed] = []
            full = False
            stream = entries.batches() if isinstance(entries, ActivityRows) else entries
            for entry in stream:
                if type(entry) is ActivityBatch:
                    if not entry.has_row_ids():  # keyed and written column by column
                        rows += len(entry)
                        if not problems:
                            kept_deleted += writer.add_batch(entry, occurrences, deleted, correct, restored)
                        continue
                    singles: Iterable[tuple[str, int, Activity] | RowProblem] = entry.entries()
                else:
                    singles = (entry,)  # type: ignore[assignment]
                for single in singles:
                    if isinstance(single, RowProblem):
                        problems.append((single.where, single.message))
                        full = len(problems) >= MAX_PROBLEMS
                        if full:
                            break
                        continue
                    where, line, item = single
                    rows += 1
                    if item.row_id is not None:
                        first = seen_ids.setdefault((item.city, item.row_id), where)
                        if first != where:
                            problems.append((where, tr(N_("the row id repeats {first}"), lang, first=first)))
                            continue
                    if problems:
                        continue  # the file is refused anyway: only look for more problems
                    key, digest = item.keys(occurrences)
                    if deleted and key in deleted:
                        if not correct:
                            kept_deleted += 1
                            continue
                        restored.append((key, item))
                    if item.row_id is not None:
                        with_ids.append(_Keyed(where, line, item, key, digest))
                    writer.add(item, key, digest, line)
                if full:
                    break
            writer.flush()
            changed: list[_Keyed] = []
            if not problems and writer.inserted_estimate < rows - kept_deleted and with_ids:
                changed = _changed(connection, batch_id, with_ids)
                if not correct:
                    clash = tr(_CLASH, lang)
                    problems.extend((keyed.where, clash) for keyed in changed)
            if problems:  # raising rolls the transaction back: the import batch row goes too
                raise ActivityImportError(
                    tr(
                        NN_(
                            "{count} row is not valid; nothing was written",
                            "{count} rows are not valid; nothing was written",
                        ),
                        lang,
                        count=len(problems),
                    ),
                    location={"file": source},
                    errors=problems,
                    lang=lang,
                )
            writer.indexed_again()
            if changed:
                _correct(connection, batch_id, changed, source)
            if restored:
                _restore(connection, restored, source)
            # New entries get ids above the largest before the import (corrected ones keep theirs): counting
            # them is a range of the primary key, not a scan of the whole log.
            written = connection.execute(
                sa.select(sa.func.count())
                .select_from(activity)
                .where(activity.c.id > last_id, activity.c.import_id == batch_id)
            ).scalar_one()
            inserted = int(written) - len(restored)
            connection.execute(
                import_batch.update().where(import_batch.c.id == batch_id).values(rows=rows, inserted=inserted)
            )
        return ImportResult(source, rows, inserted, len(changed), len(restored), kept_deleted)

    def delete(
        self,
        city: str,
        *,
        row_ids: Sequence[str] = (),
        entries: Sequence[int] = (),
        reason: str,
        source: str = "zaitaku log delete",
    ) -> list[Activity]:
        """Delete ``city``'s entries of ``row_ids`` and entry numbers ``entries``, all or none; the deleted.

        Each deletion is written to the audit trail with ``reason`` (required: a log of official
        counts says why a count went down), and the entry's key is remembered, so that importing a file
        that still holds the row leaves it out (an import that corrects brings it back).

        Raises:
            ActivityLogError: nothing is asked for, or an id or entry number is not an entry of ``city``
                in the log (every such one is named); nothing was deleted.
            PersonalDataError: the reason holds a phone number or an e-mail address.
        """
        try:
            reason = check_free_text(reason, "reason", 200)
        except PersonalDataError:
            raise
        except InputError as exc:  # too long: said in the log's error, in the run's language
            raise ActivityLogError(
                exc.template or exc.message, values=exc.values, location={"field": "reason"}
            ) from None
        if not reason:
            raise ActivityLogError(N_("give the reason for the deletion"), values={})
        if not row_ids and not entries:
            raise ActivityLogError(N_("name the entries to delete (row ids or entries)"), values={})
        wanted = sa.or_(activity.c.row_id.in_(list(row_ids)), activity.c.id.in_(list(entries)))
        with self._writing() as connection:
            rows = connection.execute(sa.select(activity).where(activity.c.city == city, wanted)).mappings().all()
            ids = [i for i in row_ids if i not in {row["row_id"] for row in rows}]
            numbers = [n for n in entries if n not in {row["id"] for row in rows}]
            if ids or numbers:
                ja = "、".join([*(f"行ID {i}" for i in ids), *(f"記録番号 {n}" for n in numbers)])
                en = ", ".join([*(f"row id {i}" for i in ids), *(f"entry {n}" for n in numbers)])
                raise ActivityLogError(
                    N_("not entries of the log, nothing was deleted: {missing}"),
                    values={"missing": ByLanguage(ja, en)},
                    location={"city": city},
                )
            items = _read_back(connection, rows)
            now = datetime.now(UTC)
            for row, item in zip(rows, items, strict=True):
                change_id = _audit(connection, "delete", row, item, None, source, reason, now)
                connection.execute(
                    activity_deleted.insert().values(row_key=row["row_key"], city=city, change_id=change_id)
                )
            keys = [row["row_key"] for row in rows]
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                connection.execute(activity_participant.delete().where(activity_participant.c.row_key.in_(chunk)))
                connection.execute(activity.delete().where(activity.c.row_key.in_(chunk)))
        return items

    def changes(self, *, city: str | None = None) -> list[Change]:
        """The audit trail (corrections, deletions, restorations), oldest first."""
        query = sa.select(activity_change).order_by(activity_change.c.id)
        if city is not None:
            query = query.where(activity_change.c.city == city)
        with self.engine.connect() as connection:
            return [
                Change(
                    row.id,
                    row.changed_at if row.changed_at.tzinfo else row.changed_at.replace(tzinfo=UTC),
                    row.action,
                    row.city,
                    row.row_id,
                    row.entry,
                    json.loads(row.before) if row.before else None,
                    json.loads(row.after) if row.after else None,
                    row.source,
                    row.reason,
                )
                for row in connection.execute(query)
            ]

    # --- reading ----------------------------------------------------------------------------------------

    def _where(
        self,
        city: str | None,
        fiscal_year: int | None,
        program: str | None = None,
        kind: ActivityKind | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        clauses: list[sa.ColumnElement[bool]] = []
        if city is not None:
            clauses.append(activity.c.city == city)
        if fiscal_year is not None:
            clauses.append(activity.c.fiscal_year == fiscal_year)
        if program is not None:
            clauses.append(activity.c.program == program)
        if kind is not None:
            clauses.append(activity.c.kind == kind.code)
        return clauses

    def activities(
        self,
        *,
        city: str | None = None,
        fiscal_year: int | None = None,
        program: str | None = None,
        kind: ActivityKind | None = None,
        limit: int | None = None,
    ) -> Iterator[LoggedActivity]:
        """The logged activities matching the filters, by date (then by entry order)."""
        query = (
            sa.select(activity, import_batch.c.source)
            .join(import_batch, import_batch.c.id == activity.c.import_id)
            .where(*self._where(city, fiscal_year, program, kind))
            .order_by(activity.c.date, activity.c.id)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
            keys = [row["row_key"] for row in rows]
            professions: dict[bytes, list[tuple[Profession, int]]] = {}
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                found = connection.execute(
                    sa.select(activity_participant).where(activity_participant.c.row_key.in_(chunk))
                )
                for key, profession, count in found:
                    professions.setdefault(key, []).append((Profession.parse(profession), count))
        for row in rows:
            yield LoggedActivity(
                activity=_activity_of(row, by_profession_order(professions.get(row["row_key"], ()))),
                source=row["source"],
                line=row["line"],
                entry=row["id"],
            )

    def summary(self, *, city: str | None = None, fiscal_year: int | None = None) -> list[SummaryRow]:
        """Totals per city, fiscal year, program and kind (entries, activities, participants, dates)."""
        keys = (activity.c.fiscal_year, activity.c.program, activity.c.kind)
        # One city's: the city is not a key to sort by (GROUP BY sorts every entry; ~15% faster without it).
        groups = keys if city is not None else (activity.c.city, *keys)
        query = (
            sa.select(
                *groups,
                sa.func.count(),
                sa.func.sum(activity.c.count),
                sa.func.coalesce(sa.func.sum(activity.c.participants), 0),
                sa.func.min(activity.c.date),
                sa.func.max(activity.c.date),
            )
            .where(*self._where(city, fiscal_year))
            .group_by(*groups)
            .order_by(*groups)
        )
        with self.engine.connect() as connection:
            rows = [tuple(row) for row in connection.execute(query)]
        if city is not None:
            rows = [(city, *row) for row in rows]
        return [
            SummaryRow(place, fy, program, ActivityKind.parse(kind), entries, int(total), int(people), first, last)
            for place, fy, program, kind, entries, total, people, first, last in rows
        ]

    def coverage(self, city: str) -> tuple[date, date] | None:
        """The first and the last date of ``city``'s activities in the log, or ``None`` when it has none."""
        query = sa.select(sa.func.min(activity.c.date), sa.func.max(activity.c.date)).where(activity.c.city == city)
        with self.engine.connect() as connection:
            first, last = connection.execute(query).one()
        return None if first is None else (first, last)

    def total(
        self,
        city: str,
        *,
        measure: str,
        until: date,
        programs: Sequence[str] = (),
        kinds: Sequence[ActivityKind] = (),
        scenes: Sequence[CareScene] = (),
        askers: Sequence[Asker] = (),
        asker_professions: Sequence[Profession] = (),
        professions: Sequence[Profession] = (),
        bodies: Sequence[str] = (),
    ) -> dict[int, tuple[int, int]]:
        """Per fiscal year up to ``until``: ``(total, entries without the measured number)``.

        ``measure`` is ``activities`` (the sum of the entries' counts), ``participants`` (the sum of
        participants; entries that record none are counted apart), ``cases`` (distinct case ids) or
        ``profession_participants`` (participants of ``professions``). Every filter given narrows the
        entries (values within one filter are alternatives; an entry serves a filter's scenes if it
        serves any of them).
        """
        clauses: list[sa.ColumnElement[bool]] = [activity.c.city == city, activity.c.date <= until]
        if programs:
            clauses.append(activity.c.program.in_(programs))
        if kinds:
            clauses.append(activity.c.kind.in_([k.code for k in kinds]))
        if scenes:
            clauses.append(sa.or_(*(activity.c[SCENE_COLUMNS[scene]].is_(True) for scene in scenes)))
        if askers:
            clauses.append(activity.c.asker.in_([a.code for a in askers]))
        if asker_professions:
            clauses.append(activity.c.asker_profession.in_([p.code for p in asker_professions]))
        if bodies:
            clauses.append(activity.c.body.in_(bodies))
        missing: sa.ColumnElement[Any] = sa.literal(0)
        source: sa.FromClause = activity
        if measure == "activities":
            value: sa.ColumnElement[Any] = sa.func.sum(activity.c.count)
        elif measure == "participants":
            value = sa.func.sum(activity.c.participants)
            missing = sa.func.sum(sa.case((activity.c.participants.is_(None), 1), else_=0))
        elif measure == "cases":
            value = sa.func.count(sa.distinct(activity.c.case_id))
            missing = sa.func.sum(sa.case((activity.c.case_id.is_(None), 1), else_=0))
        elif measure == "profession_participants":
            source = activity.join(
                activity_participant,
                sa.and_(
                    activity_participant.c.row_key == activity.c.row_key,
                    activity_participant.c.profession.in_([p.code for p in professions]),
                ),
            )
            value = sa.func.sum(activity_participant.c.participants)
        else:
            raise ValueError(f"unknown measure {measure!r}")
        query = (
            sa.select(activity.c.fiscal_year, sa.func.coalesce(value, 0), sa.func.coalesce(missing, 0))
            .select_from(source)
            .where(*clauses)
            .group_by(activity.c.fiscal_year)
        )
        with self.engine.connect() as connection:
            return {int(fy): (int(total), int(gap)) for fy, total, gap in connection.execute(query)}


def _activity_of(row: Any, by_profession: tuple[tuple[Profession, int], ...]) -> Activity:
    return Activity(
        city=row["city"],
        program=row["program"],
        date=row["date"],
        kind=ActivityKind.parse(row["kind"]),
        count=row["count"],
        title=row["title"],
        participants=row["participants"],
        by_profession=by_profession,
        scenes=frozenset(scene for scene, column in SCENE_COLUMNS.items() if row[column]),
        body=row["body"],
        asker=Asker.parse(row["asker"]) if row["asker"] else None,
        asker_profession=Profession.parse(row["asker_profession"]) if row["asker_profession"] else None,
        topic=row["topic"],
        case_id=row["case_id"],
        row_id=row["row_id"],
    )


_CLASH = N_("the log already holds an entry with this row id and other content (to correct it, import with --correct)")


@dataclass(frozen=True, slots=True)
class _Keyed:
    """A row of an import that carries a row id, with its key and content hash."""

    where: str
    line: int | None
    item: Activity
    key: bytes
    digest: bytes


def _changed(connection: Connection, batch_id: int, with_ids: list[_Keyed]) -> list[_Keyed]:
    """Rows whose row id is already in the log with other content (not written by this import)."""
    found: list[_Keyed] = []
    for start in range(0, len(with_ids), 500):
        chunk = with_ids[start : start + 500]
        existing = dict(
            connection.execute(
                sa.select(activity.c.row_key, activity.c.content_hash).where(
                    activity.c.row_key.in_([keyed.key for keyed in chunk]), activity.c.import_id != batch_id
                )
            ).all()
        )
        found += [keyed for keyed in chunk if keyed.key in existing and existing[keyed.key] != keyed.digest]
    return found


def _read_back(connection: Connection, rows: Sequence[Any]) -> list[Activity]:
    """The activities of ``rows`` of the ``activity`` table, with their participants by profession."""
    professions: dict[bytes, list[tuple[Profession, int]]] = {}
    keys = [row["row_key"] for row in rows]
    for start in range(0, len(keys), 500):
        found = connection.execute(
            sa.select(activity_participant).where(activity_participant.c.row_key.in_(keys[start : start + 500]))
        )
        for key, profession, count in found:
            professions.setdefault(key, []).append((Profession.parse(profession), count))
    return [_activity_of(row, by_profession_order(professions.get(row["row_key"], ()))) for row in rows]


def _audit(
    connection: Connection,
    action: str,
    row: Any,
    before: Activity | None,
    after: Activity | None,
    source: str,
    reason: str | None,
    when: datetime,
) -> int:
    """Write one change to the audit trail; its number."""
    return int(
        connection.execute(
            activity_change.insert()
            .values(
                changed_at=when,
                action=action,
                city=row["city"],
                row_key=row["row_key"],
                row_id=row["row_id"],
                entry=row["id"],
                before=_record_json(before),
                after=_record_json(after),
                source=source[:255],
                reason=reason,
            )
            .returning(activity_change.c.id)
        ).scalar_one()
    )


def _old_rows(connection: Connection, keys: list[bytes]) -> dict[bytes, Any]:
    found: dict[bytes, Any] = {}
    for start in range(0, len(keys), 500):
        query = sa.select(activity).where(activity.c.row_key.in_(keys[start : start + 500]))
        found.update((row["row_key"], row) for row in connection.execute(query).mappings())
    return found


def _correct(connection: Connection, batch_id: int, changed: list[_Keyed], source: str) -> None:
    """Correct the entries of ``changed`` to their rows in place, each with its audit record."""
    old = _old_rows(connection, [keyed.key for keyed in changed])
    rows = [old[keyed.key] for keyed in changed]
    now = datetime.now(UTC)
    for row, before, keyed in zip(rows, _read_back(connection, rows), changed, strict=True):
        _audit(connection, "correct", row, before, keyed.item, source, None, now)
    keys = [keyed.key for keyed in changed]
    for start in range(0, len(keys), 500):
        connection.execute(
            activity_participant.delete().where(activity_participant.c.row_key.in_(keys[start : start + 500]))
        )
    writer = _BulkWriter(connection, batch_id, upsert=True)
    for keyed in changed:
        writer.add(keyed.item, keyed.key, keyed.digest, keyed.line)
    writer.flush()


def _restore(connection: Connection, restored: list[tuple[bytes, Activity]], source: str) -> None:
    """Forget the deletion of the entries of ``restored`` (written back by the import), with audit records."""
    old = _old_rows(connection, [key for key, _ in restored])
    now = datetime.now(UTC)
    for key, item in restored:
        _audit(connection, "restore", old[key], None, item, source, None, now)
        connection.execute(activity_deleted.delete().where(activity_deleted.c.row_key == key))


class _BulkWriter:
    """Inserts activities (and their participants by profession) in chunks through the driver."""

    def __init__(self, connection: Connection, batch_id: int, *, upsert: bool = False, indexed: bool = True) -> None:
        self.connection = connection
        self.batch_id = batch_id
        dialect = connection.dialect
        self.positional = bool(dialect.positional)
        # Without the row-key index (dropped for an empty log's import), rows are inserted plainly and the
        # participants, whose foreign key needs the index, are held until it is made again (indexed()).
        self.indexed = indexed
        conflict = ("row_key",) if indexed else ()
        self.activity_sql = _insert_sql(connection, activity, _ACTIVITY_COLUMNS, conflict, upsert=upsert)
        self.participant_sql = _insert_sql(
            connection, activity_participant, ("row_key", "profession", "participants"), ("row_key", "profession")
        )
        processor = sa.Date().dialect_impl(dialect).bind_processor(dialect)
        self.date_value: Callable[[date], Any] = processor if processor is not None else (lambda day: day)
        # On SQLite, only the types Python's driver binds without its adaptation step (about 0.4 µs a value,
        # most of the insert's cost on a row of 22 values): int, str and bytearray; NULL is bound as ''.
        self.sqlite = dialect.name == "sqlite"
        if self.sqlite and self.date_value(date(2024, 5, 1)) != "2024-05-01":  # pragma: no cover
            raise AssertionError("SQLite dates are expected to bind as ISO text (add_batch binds the content's)")
        self.null: Any = _SQLITE_NULL if self.sqlite else None
        self.rows: list[tuple[Any, ...]] = []
        self.participants: list[tuple[Any, ...]] = []
        self.scene_flags: dict[frozenset[CareScene], tuple[Any, ...]] = {}
        self.days: dict[date, tuple[Any, int]] = {}
        self.inserted_estimate = 0

    def scene_values(self, scenes: frozenset[CareScene]) -> tuple[Any, ...]:
        """The values of the scene columns for a row with ``scenes`` (1 or 0 on SQLite, booleans elsewhere),
        made once per set of scenes."""
        flags = self.scene_flags.get(scenes)
        if flags is None:
            flags = self.scene_flags[scenes] = tuple(
                int(scene in scenes) if self.sqlite else scene in scenes for scene in _SCENES
            )
        return flags

    def scene_value(self, index: int, scenes: frozenset[CareScene]) -> Any:
        """The value of the ``index``-th scene column for a row with ``scenes`` (see :meth:`scene_values`)."""
        return self.scene_values(scenes)[index]

    def add(self, item: Activity, key: bytes, digest: bytes, line: int | None) -> None:
        (city, program, day, kind, count, title, participants, by_profession, scenes, body, asker,
         asker_profession, topic, case_id, row_id) = item  # fmt: skip
        flags = self.scene_values(scenes)
        stored_day = self.days.get(day)
        if stored_day is None:
            stored_day = self.days[day] = (self.date_value(day), fiscal_year_of(day))
        null = self.null
        stored_key = bytearray(key) if self.sqlite else key
        self.rows.append(
            (
                stored_key,
                bytearray(digest) if self.sqlite else digest,
                city,
                program,
                *stored_day,
                kind.code,
                count,
                null if title is None else title,
                null if participants is None else participants,
                *flags,
                null if body is None else body,
                asker.code if asker else null,
                asker_profession.code if asker_profession else null,
                null if topic is None else topic,
                null if case_id is None else case_id,
                null if row_id is None else row_id,
                self.batch_id,
                null if line is None else line,
            )
        )
        for profession, number in by_profession:
            self.participants.append((stored_key, profession.code, number))
        if len(self.rows) >= CHUNK:
            self.flush()

    def add_batch(
        self,
        batch: ActivityBatch,
        occurrences: dict[bytes, int],
        deleted: set[bytes],
        correct: bool,
        restored: list[tuple[bytes, Activity]],
    ) -> int:
        """Key and write the rows of ``batch`` (without row ids) column by column, after the rows added before.

        A row whose key was deleted earlier is left out (its number is returned), or, if ``correct``,
        written and listed in ``restored``, as :meth:`ActivityLog.import_entries` does row by row.
        """
        self.flush()
        fragments = batch.fragments()
        keys, digests = batch.keys(occurrences, fragments)
        columns = list(batch.columns)
        lines: list[Any] = batch.lines
        kept_deleted = 0
        if deleted and not deleted.isdisjoint(keys):
            keep: list[int] = []
            for index, key in enumerate(keys):
                if key not in deleted:
                    keep.append(index)
                elif correct:
                    keep.append(index)
                    restored.append((key, batch.activity(index)))
                else:
                    kept_deleted += 1
            columns, fragments = (
                [[column[index] for index in keep] for column in kept] for kept in (columns, fragments)
            )
            keys, digests, lines = ([values[index] for index in keep] for values in (keys, digests, lines))
        if not lines:
            return kept_deleted
        (city, program, day, kind, count, title, participants, by_profession, scenes, body, asker,
         asker_profession, topic, case_id, _) = columns  # fmt: skip
        null = self.null
        size = len(lines)

        nulls = [null] * size

        def nullable(column: list[Any]) -> list[Any]:
            if null is None:
                return column
            return nulls if column.count(None) == size else [null if value is None else value for value in column]

        def codes(column: list[Any]) -> list[Any]:
            return nulls if column.count(None) == size else mapped(column, code)

        def code(value: Any) -> Any:
            return null if value is None else value.code

        stored_keys = list(map(bytearray, keys)) if self.sqlite else keys
        if self.sqlite:  # the content's texts are the values bound: ISO dates, codes, '' for NULL
            texts = dict(zip(Activity._fields, fragments, strict=False))
            stored_days = texts["date"]
            kinds, titles, bodies = texts["kind"], texts["title"], texts["body"]
            askers, asker_professions, topics, case_ids = (
                texts["asker"],
                texts["asker_profession"],
                texts["topic"],
                texts["case_id"],
            )
        else:
            stored_days = mapped(day, self.date_value)
            kinds, titles, bodies = codes(kind), title, body
            askers, asker_professions, topics, case_ids = codes(asker), codes(asker_profession), topic, case_id
        values = (
            stored_keys,
            (stored_keys if digests is keys else list(map(bytearray, digests))) if self.sqlite else digests,
            city,
            program,
            stored_days,
            mapped(day, fiscal_year_of),
            kinds,
            count,
            titles,
            nullable(participants),
            # A column per scene, each a map over the distinct sets of scenes (transposing the rows' tuples
            # with zip(*...) cost ~5% of a 1M-row import).
            *(mapped(scenes, partial(self.scene_value, index)) for index in range(len(_SCENES))),
            bodies,
            askers,
            asker_professions,
            topics,
            case_ids,
            nulls,  # row ids: a batch with row ids is written row by row
            [self.batch_id] * size,
            lines,
        )
        if self.sqlite:  # the driver takes the rows as they are made: no list of them for the collector to scan
            cursor = self.connection.connection.cursor()
            try:
                cursor.executemany(self.activity_sql, zip(*values, strict=True))  # type: ignore[arg-type]
                self.inserted_estimate += max(cursor.rowcount, 0)
            finally:
                cursor.close()
        else:
            cursor = self._execute(self.activity_sql, _ACTIVITY_COLUMNS, list(zip(*values, strict=True)))
            self.inserted_estimate += max(cursor.rowcount, 0)
        with_counts = [bool(counts) for counts in by_profession]
        self.participants += [  # after those held (without the row-key index, until it is made again)
            (key, profession.code, number)
            for key, counts in zip(
                itertools.compress(stored_keys, with_counts),
                itertools.compress(by_profession, with_counts),
                strict=True,
            )
            for profession, number in counts
        ]
        self.flush()
        return kept_deleted

    def indexed_again(self) -> None:
        """Make the row-key index again after an import without it, and write the participants held."""
        if not self.indexed:
            self.flush()
            self.connection.execute(sa.schema.CreateIndex(_ROW_KEY_INDEX))
            self.indexed = True
            self.flush()

    def flush(self) -> None:
        if self.rows:
            cursor = self._execute(self.activity_sql, _ACTIVITY_COLUMNS, self.rows)
            self.inserted_estimate += max(cursor.rowcount, 0)
            self.rows = []
        if self.participants and self.indexed:
            self._execute(self.participant_sql, ("row_key", "profession", "participants"), self.participants)
            self.participants = []

    def _execute(self, sql: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Any:
        parameters: Sequence[Any] = rows if self.positional else [dict(zip(columns, row, strict=True)) for row in rows]
        return self.connection.exec_driver_sql(sql, parameters)


def _insert_sql(
    connection: Connection,
    table: sa.Table,
    columns: tuple[str, ...],
    conflict: tuple[str, ...],
    *,
    upsert: bool = False,
) -> str:
    """``INSERT … ON CONFLICT DO NOTHING`` for ``table`` (``DO UPDATE`` of ``columns`` if ``upsert``; a plain
    ``INSERT`` without ``conflict`` columns), compiled for the connection's dialect."""
    name = connection.dialect.name
    values: dict[str, Any] = {column: sa.bindparam(column) for column in columns}
    if name == "sqlite":  # NULL comes as '' (see _BulkWriter): nullable columns take NULLIF(?, '')
        values = {
            column: sa.func.nullif(value, sa.literal_column(_SQLITE_NULL_SQL)) if table.c[column].nullable else value
            for column, value in values.items()
        }
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert  # type: ignore[assignment]
    else:
        raise ActivityLogError(N_("unsupported database {name!r} (SQLite and PostgreSQL are)"), values={"name": name})
    insert = dialect_insert(table).values(values)
    statement: Any
    if not conflict:  # no unique index to check against (an empty log's import, see _BulkWriter)
        statement = insert
    elif upsert:
        updated = {column: insert.excluded[column] for column in columns if column not in conflict}
        statement = insert.on_conflict_do_update(index_elements=list(conflict), set_=updated)
    else:
        statement = insert.on_conflict_do_nothing(index_elements=list(conflict))
    compiled = statement.compile(dialect=connection.dialect)
    if compiled.positiontup is not None and tuple(compiled.positiontup) != columns:
        raise AssertionError(f"parameter order {compiled.positiontup} != {columns}")  # pragma: no cover
    return str(compiled)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes (recorded with its import)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
