"""The activity log on PostgreSQL: a throwaway server (temporary data folder, loopback port) per module.

Skipped, with the reason, where Debian's ``postgresql`` package (``initdb``, ``pg_ctl``) is not installed
or psycopg is missing. As root, the server runs as the ``postgres`` user (PostgreSQL refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy", reason="the log extra is not installed")
pytest.importorskip("psycopg", reason="psycopg (the log extra) is not installed")

from test_activity_log import HEADER, ROWS, write

from zaitaku_core.activity import ActivityKind, Asker
from zaitaku_core.activity.reader import read_file
from zaitaku_core.activity.store import ActivityLog
from zaitaku_core.errors import ActivityImportError


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server of its own, started for this module and stopped (and deleted) after it."""
    binaries = _binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("running as root without runuser: PostgreSQL cannot run as root")
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        as_user = [runuser, "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="zaitaku-pg-"))
    data = folder / "data"
    if as_user:
        shutil.chown(folder, "postgres")
    port = _free_port()
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    try:
        subprocess.run([*as_user, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "zaitaku"], **run)
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log_file = folder / "server.log"
        subprocess.run(
            [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log_file), "-o", options, "-w", "start"],
            **run,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL server: {getattr(exc, 'stderr', exc)}")
    try:
        yield f"postgresql+psycopg://zaitaku@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fresh(postgres_url: str) -> str:
    """The server's database, emptied of the log's tables before each test."""
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    with engine.begin() as connection:
        existing = sa.MetaData()
        existing.reflect(connection)
        existing.drop_all(connection)
    engine.dispose()
    return postgres_url


def test_migrations_and_idempotent_import_on_postgresql(fresh: str, tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from zaitaku_core.activity.tables import metadata

    csv_file = write(tmp_path / "log.csv", HEADER + ROWS, "cp932")
    with ActivityLog.open(fresh) as log:
        with log.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert log.import_entries(read_file(csv_file), source="log.csv").inserted == 5
        assert log.import_entries(read_file(csv_file), source="log.csv").inserted == 0
        until = date(2025, 3, 31)
        assert log.total("sample", measure="activities", until=until, kinds=[ActivityKind.CONSULTATION]) == {
            2024: (15, 0)
        }
        assert log.total("sample", measure="activities", until=until, askers=[Asker.FAMILY]) == {2024: (1, 0)}
        assert log.total("sample", measure="cases", until=until, kinds=[ActivityKind.CONSULTATION]) == {2024: (1, 3)}
        assert [row.activities for row in log.summary()] == [1, 15]
    # Opening again finds the schema current and migrates nothing.
    ActivityLog.open(fresh).close()


def test_postgresql_gives_the_same_entries_as_sqlite(fresh: str, tmp_path: Path) -> None:
    csv_file = write(tmp_path / "log.csv", HEADER + ROWS)
    entries = {}
    for name, target in (("postgresql", fresh), ("sqlite", str(tmp_path / "log.sqlite"))):
        with ActivityLog.open(target) as log:
            log.import_entries(read_file(csv_file), source="log.csv")
            entries[name] = [logged.activity for logged in log.activities()]
    assert entries["postgresql"] == entries["sqlite"] and len(entries["sqlite"]) == 5


def test_a_failed_import_writes_nothing_on_postgresql(fresh: str, tmp_path: Path) -> None:
    header = "行ID,日付,市町村,取組ID,種別,参加者数\n"
    first = write(tmp_path / "a.csv", header + "r-1,2024-05-01,sample,p1,会議,10\n")
    clash = write(tmp_path / "b.csv", header + "r-2,2024-05-02,sample,p1,会議,3\nr-1,2024-05-01,sample,p1,会議,11\n")
    with ActivityLog.open(fresh) as log:
        log.import_entries(read_file(first), source="a.csv")
        with pytest.raises(ActivityImportError):
            log.import_entries(read_file(clash), source="b.csv")
        assert [logged.activity.row_id for logged in log.activities()] == ["r-1"]


def test_a_nul_byte_in_free_text_is_a_row_problem_not_an_internal_error(
    fresh: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PostgreSQL refuses a NUL byte in text: an import of a damaged file (a NUL in a title) stopped with an
    internal error (exit 3) whose line echoed the whole row's values. The reader refuses the cell first,
    naming file, line and column, on every database (the log stays empty); line breaks and tabs stay text."""
    from zaitaku_core.cli import main

    header = "行ID,日付,市町村,取組ID,種別,名称\n"
    damaged = write(tmp_path / "damaged.csv", header + "r-1,2024-05-01,sample,p1,会議,第1回\x00研修\n")
    for target in (fresh, str(tmp_path / "log.sqlite")):
        assert main(["log", "--db", target, "import", "--no-plan-check", str(damaged)]) == 1
        err = capsys.readouterr().err
        assert "damaged.csv:2 名称: 制御文字（NUL など）を含みます" in err and "[internal]" not in err
        assert "第1回" not in err and "r-1" not in err
        with ActivityLog.open(target) as log:
            assert list(log.activities()) == []
    assert main(["log", "--db", fresh, "add", "--no-plan-check", "--city", "sample", "--program", "p1",
                 "--date", "2024-05-01", "--kind", "会議", "--title", "第1回\x1b[2J"]) == 1  # fmt: skip
    assert "title: 制御文字" in capsys.readouterr().err
    kept = write(tmp_path / "kept.csv", header + 'r-2,2024-05-01,sample,p1,会議,"第1回\n\t研修"\n')
    assert main(["log", "--db", fresh, "import", "--no-plan-check", str(kept)]) == 0
    with ActivityLog.open(fresh) as log:
        assert [logged.activity.title for logged in log.activities()] == ["第1回\n\t研修"]


def test_a_connection_lost_mid_import_is_one_error_line_without_the_rows_values(
    fresh: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server going away during an import (here: a trigger ends the session at the first insert) was an
    internal error (exit 3) printing SQLAlchemy's message, the INSERT and every value of a row (titles,
    topics, case ids), and psycopg's own warning as a second line. It is now the activity-log error with the
    driver's reason, exit 1, one line; the transaction is rolled back and the log stays as it was."""
    import sqlalchemy as sa

    from zaitaku_core.cli import main

    with ActivityLog.open(fresh):
        pass  # the tables, migrated
    engine = sa.create_engine(fresh)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE FUNCTION end_session() RETURNS trigger AS $$ BEGIN PERFORM pg_terminate_backend("
                "pg_backend_pid()); RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        connection.execute(
            sa.text("CREATE TRIGGER lost BEFORE INSERT ON activity FOR EACH ROW EXECUTE FUNCTION end_session()")
        )
    engine.dispose()
    header = "行ID,日付,市町村,取組ID,種別,相談内容,ケースID\n"
    rows = write(tmp_path / "log.csv", header + "r-1,2024-05-01,sample,p1,相談,退院後の生活,C-0099\n")
    assert main(["log", "--db", fresh, "import", "--no-plan-check", str(rows)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("エラー [activity-log] ") and len(err.strip().splitlines()) == 1, err
    assert "何も書き込んでいません" in err and "[internal]" not in err
    assert "退院後の生活" not in err and "C-0099" not in err and "INSERT" not in err
    engine = sa.create_engine(fresh)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TRIGGER lost ON activity"))
        assert connection.execute(sa.text("SELECT count(*) FROM activity")).scalar() == 0
    engine.dispose()


def test_corrections_and_deletions_on_postgresql(fresh: str, tmp_path: Path) -> None:
    header = "行ID,日付,市町村,取組ID,種別,参加者数,参加者数（医師）\n"
    first = write(tmp_path / "a.csv", header + "r-1,2024-05-01,sample,p1,会議,10,4\nr-2,2024-05-02,sample,p1,会議,3,\n")
    fixed = write(tmp_path / "b.csv", header + "r-1,2024-05-01,sample,p1,会議,11,2\nr-2,2024-05-02,sample,p1,会議,3,\n")
    with ActivityLog.open(fresh) as log:
        log.import_entries(read_file(first), source="a.csv")
        result = log.import_entries(read_file(fixed), source="b.csv", correct=True)
        assert (result.corrected, result.already_present) == (1, 1)
        (r2,) = [logged for logged in log.activities() if logged.activity.row_id == "r-2"]
        log.delete("sample", entries=[r2.entry], reason="重複")
        assert log.import_entries(read_file(fixed), source="b.csv").kept_deleted == 1
        entries = {logged.activity.row_id: logged.activity for logged in log.activities()}
        assert list(entries) == ["r-1"] and entries["r-1"].participants == 11
        assert [change.action for change in log.changes()] == ["correct", "delete"]
