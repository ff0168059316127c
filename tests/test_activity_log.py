"""The activity log: schema and migrations, imports (CSV and XLSX), idempotency, safety, the CLI."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from sample_plugins import SamplePlugin

pytest.importorskip("sqlalchemy", reason="the log extra is not installed")

from zaitaku_core.activity import Activity, ActivityKind, Asker, Profession
from zaitaku_core.activity.reader import read_file
from zaitaku_core.activity.store import ActivityLog
from zaitaku_core.errors import ActivityImportError, ActivityLogError, PersonalDataError
from zaitaku_core.framework import CareScene
from zaitaku_core.plugins import create_registry

HEADER = "日付,市町村,取組ID,種別,件数,参加者数,参加者数（医師）,参加者数（ケアマネ）,場面,相談者,相談内容,ケースID\n"
ROWS = (
    "2024-05-01,sample,p1,会議,,12,3,5,入退院支援、看取り,,,\n"
    "令和6年6月１日,sample,p2,相談,,,,,入退院支援,家族,退院後の生活,C-0001\n"
    "2024/6/2,sample,p2,相談,,,,,,本人,在宅医療の相談,\n"
    "2024/6/2,sample,p2,相談,,,,,,本人,在宅医療の相談,\n"
    "2024-07-01,sample,p2,相談,12,,,,日常の療養支援,専門職,,\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def count_rows(db: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db) as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("activity", "activity_participant", "import_batch")
        )


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "activities.sqlite"


def test_migrations_create_exactly_the_tables_the_queries_use(log_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from zaitaku_core.activity.tables import metadata

    with ActivityLog.open(log_path) as log, log.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
        assert diffs == []
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0002"


def test_an_older_log_is_migrated_when_opened_and_keeps_its_entries(log_path: Path, tmp_path: Path) -> None:
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from zaitaku_core.activity.store import migrations_config

    engine = sa.create_engine(f"sqlite:///{log_path}")
    with engine.begin() as connection:
        config: Config = migrations_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")  # a log written by the first release of the schema
    engine.dispose()
    with sqlite3.connect(log_path) as connection:
        assert connection.execute(
            "SELECT name FROM sqlite_master WHERE name = 'ix_activity_city_fiscal_year'"
        ).fetchone()
    csv_file = write(tmp_path / "log.csv", HEADER + ROWS)
    with ActivityLog.open(log_path) as log:
        log.import_entries(read_file(csv_file), source="log.csv")
    with sqlite3.connect(log_path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0002",)
        assert not connection.execute(
            "SELECT name FROM sqlite_master WHERE name = 'ix_activity_city_fiscal_year'"
        ).fetchone()
    with ActivityLog.open(log_path) as log:  # current: nothing to do, the entries are there
        assert len(list(log.activities())) == 5


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_import_in_each_encoding_and_reimport_changes_nothing(
    log_path: Path, tmp_path: Path, encoding: str
) -> None:
    csv_file = write(tmp_path / "log.csv", HEADER + ROWS, encoding)
    with ActivityLog.open(log_path) as log:
        first = log.import_entries(read_file(csv_file), source=csv_file.name)
        again = log.import_entries(read_file(csv_file), source=csv_file.name)
        assert (first.rows, first.inserted) == (5, 5)
        assert (again.rows, again.inserted, again.already_present) == (5, 0, 5)
        entries = [logged.activity for logged in log.activities()]
    meeting = entries[0]
    assert meeting.by_profession == ((Profession.DOCTOR, 3), (Profession.CARE_MANAGER, 5))
    assert meeting.scenes == {CareScene.ADMISSION_DISCHARGE, CareScene.END_OF_LIFE}
    assert entries[1].date == date(2024, 6, 1) and entries[1].asker is Asker.FAMILY and entries[1].case_id == "C-0001"
    # Two identical consultations on one day are two consultations, on every import.
    assert [e.date for e in entries].count(date(2024, 6, 2)) == 2
    assert entries[4].count == 12
    assert count_rows(log_path) == (5, 2, 2)


def test_summary_and_totals(log_path: Path, tmp_path: Path) -> None:
    csv_file = write(tmp_path / "log.csv", HEADER + ROWS)
    with ActivityLog.open(log_path) as log:
        log.import_entries(read_file(csv_file), source="log.csv")
        rows = {(r.program, r.kind): r for r in log.summary(city="sample")}
        until = date(2025, 3, 31)
        consultations = log.total("sample", measure="activities", until=until, kinds=[ActivityKind.CONSULTATION])
        by_family = log.total("sample", measure="activities", until=until, askers=[Asker.FAMILY])
        discharge = log.total("sample", measure="activities", until=until, scenes=[CareScene.ADMISSION_DISCHARGE])
        people = log.total("sample", measure="participants", until=until, programs=["p1"])
        doctors = log.total("sample", measure="profession_participants", until=until, professions=[Profession.DOCTOR])
        cases = log.total("sample", measure="cases", until=until, kinds=[ActivityKind.CONSULTATION])
        june = log.total("sample", measure="activities", until=date(2024, 6, 30), kinds=[ActivityKind.CONSULTATION])
        assert log.coverage("sample") == (date(2024, 5, 1), date(2024, 7, 1))
        assert log.coverage("nowhere") is None
    assert rows["p2", ActivityKind.CONSULTATION].entries == 4
    assert rows["p2", ActivityKind.CONSULTATION].activities == 15
    assert consultations == {2024: (15, 0)}
    assert by_family == {2024: (1, 0)}
    assert discharge == {2024: (2, 0)}
    assert people == {2024: (12, 0)}
    assert doctors == {2024: (3, 0)}
    assert cases == {2024: (1, 3)}  # one case id; three entries without one are counted apart
    assert june == {2024: (3, 0)}


def test_a_bad_row_writes_nothing_and_every_problem_is_named(log_path: Path, tmp_path: Path) -> None:
    bad = (
        "2024-13-01,sample,p1,会議,,12,,,,,,\n"  # line 7: no such date
        "2024-08-01,sample,p1,懇親会,,12,,,,,,\n"  # line 8: unknown kind
        "2024-08-02,sample,p1,会議,,5,9,,,,,\n"  # line 9: more doctors than participants
        "2024-08-03,sample,p1,会議,,5,,,,家族,,\n"  # line 10: asker on a meeting
    )
    csv_file = write(tmp_path / "bad.csv", HEADER + ROWS + bad)
    with ActivityLog.open(log_path) as log, pytest.raises(ActivityImportError) as caught:
        log.import_entries(read_file(csv_file), source=csv_file.name)
    where = [w for w, _ in caught.value.errors]
    assert where == ["bad.csv:7 日付", "bad.csv:8 種別", "bad.csv:9 参加者数", "bad.csv:10 相談者"]
    assert count_rows(log_path) == (0, 0, 0)


def test_header_problems_are_refused_before_any_row(tmp_path: Path) -> None:
    csv_file = write(tmp_path / "h.csv", "日付,取組ID,種別,氏名,備考\n2024-05-01,p1,会議,山田太郎,x\n")
    with pytest.raises(ActivityImportError) as caught:
        list(read_file(csv_file))
    messages = " ".join(m for _, m in caught.value.errors)
    assert "個人情報の列" in messages and "未知の列" in messages and "市町村" in messages
    assert "山田太郎" not in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ケースID", "090-1234-5678"),
        ("ケースID", "山田太郎"),
        ("ケースID", "yamada-taro"),
        ("ケースID", "taro@example.jp"),
        ("相談内容", "連絡先 ０９０ー１２３４ー５６７８ まで"),
        ("相談内容", "返信は taro@example.jp へ"),
    ],
)
def test_personal_data_is_refused_without_echoing_it(tmp_path: Path, field: str, value: str) -> None:
    header = "日付,市町村,取組ID,種別,相談者,相談内容,ケースID\n"
    cells = {"相談内容": "入退院", "ケースID": "C-1", field: value}
    csv_file = write(
        tmp_path / "p.csv", header + f"2024-05-01,sample,p2,相談,家族,{cells['相談内容']},{cells['ケースID']}\n"
    )
    problems = [entry for entry in read_file(csv_file) if not isinstance(entry, tuple)]
    assert len(problems) == 1 and problems[0].where == f"p.csv:2 {field}"
    assert value not in problems[0].message and "受け付けません" in problems[0].message


def test_opaque_ids_pass(tmp_path: Path) -> None:
    from zaitaku_core.activity import check_opaque_id

    assert check_opaque_id("C-2024-0012", "case_id") == "C-2024-0012"
    assert check_opaque_id("ｃ１２", "case_id") == "c12"  # full-width folded
    with pytest.raises(PersonalDataError) as caught:
        check_opaque_id("03-1234-5678", "case_id")
    assert "1234" not in str(caught.value)


def test_a_row_id_reused_for_other_content_is_refused(log_path: Path, tmp_path: Path) -> None:
    header = "行ID,日付,市町村,取組ID,種別,参加者数\n"
    first = write(tmp_path / "a.csv", header + "r-1,2024-05-01,sample,p1,会議,10\nr-2,2024-05-02,sample,p1,会議,8\n")
    changed = write(tmp_path / "b.csv", header + "r-3,2024-05-03,sample,p1,会議,4\nr-1,2024-05-01,sample,p1,会議,11\n")
    twice = write(tmp_path / "c.csv", header + "r-9,2024-05-03,sample,p1,会議,4\nr-9,2024-05-04,sample,p1,会議,4\n")
    with ActivityLog.open(log_path) as log:
        assert log.import_entries(read_file(first), source="a.csv").inserted == 2
        with pytest.raises(ActivityImportError) as caught:
            log.import_entries(read_file(changed), source="b.csv")
        assert [w for w, _ in caught.value.errors] == ["b.csv:3"]
        with pytest.raises(ActivityImportError) as repeated:
            log.import_entries(read_file(twice), source="c.csv")
        assert "c.csv:2" in repeated.value.errors[0][1]
    assert count_rows(log_path) == (2, 0, 1)


def test_xlsx_from_the_template_with_cell_precise_errors(log_path: Path, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from zaitaku_core.activity.template import template_xlsx

    path = tmp_path / "log.xlsx"
    path.write_bytes(template_xlsx())
    assert template_xlsx() == path.read_bytes()  # deterministic
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["活動記録"]
    headers = [cell.value for cell in sheet[1]]
    assert workbook.sheetnames == ["活動記録", "使い方"]

    def put(row: int, **values: object) -> None:
        for header, value in values.items():
            sheet.cell(row=row, column=headers.index(header) + 1, value=value)

    put(2, 日付=date(2024, 5, 1), 市町村="sample", 取組ID="p1", 種別="研修", 参加者数=30, **{"参加者数（医師）": 4})
    put(3, 日付="令和6年5月2日", 市町村="sample", 取組ID="p2", 種別="相談", 相談者="家族", 相談内容="看取り")
    workbook.save(path)
    with ActivityLog.open(log_path) as log:
        assert log.import_entries(read_file(path), source=path.name).inserted == 2
        assert log.import_entries(read_file(path), source=path.name).inserted == 0
    put(4, 日付="2024-05-03", 市町村="sample", 取組ID="p2", 種別="相談", 件数=-1)
    workbook.save(path)
    with pytest.raises(ActivityImportError) as caught:
        list(read_file(path)) and ActivityLog.open(log_path).import_entries(read_file(path), source=path.name)
    column = openpyxl.utils.get_column_letter(headers.index("件数") + 1)
    assert caught.value.errors[0][0] == f"log.xlsx 活動記録!{column}4 件数"


def test_programs_are_checked_against_the_plan(tmp_path: Path) -> None:
    from zaitaku_core.cli.log import program_lookup

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])
    csv_file = write(
        tmp_path / "x.csv", "日付,市町村,取組ID,種別\n2024-05-01,sample,p9,会議\n2022-05-01,sample,p1,会議\n"
    )
    problems = [e for e in read_file(csv_file, programs=program_lookup(registry)) if not isinstance(e, tuple)]
    assert [p.where for p in problems] == ["x.csv:2 取組ID", "x.csv:3 市町村"]


def test_an_interrupted_import_leaves_the_log_as_it_was(
    log_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zaitaku_core.activity import store

    lines = "".join(f"2024-05-{1 + i % 28:02d},sample,p1,会議,,{i % 40},,,,,,\n" for i in range(3 * store.CHUNK))
    csv_file = write(tmp_path / "big.csv", HEADER + lines)
    with ActivityLog.open(log_path) as log:
        log.import_entries(read_file(write(tmp_path / "small.csv", HEADER + ROWS)), source="small.csv")
        before = count_rows(log_path)
        flushes = 0
        real_flush = store._BulkWriter.flush

        def interrupted(self: store._BulkWriter) -> None:
            nonlocal flushes
            flushes += 1
            if flushes == 2:
                raise KeyboardInterrupt
            real_flush(self)

        monkeypatch.setattr(store._BulkWriter, "flush", interrupted)
        with pytest.raises(KeyboardInterrupt):
            log.import_entries(read_file(csv_file), source="big.csv")
    assert flushes == 2 and count_rows(log_path) == before


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zaitaku_core.cli", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_killed_and_concurrent_imports_do_not_corrupt_the_file(log_path: Path, tmp_path: Path) -> None:
    lines = "".join(f"r{i},2024-{4 + i % 9:02d}-{1 + i % 28:02d},sample,p1,会議,,{i % 40}\n" for i in range(20_000))
    csv_file = write(tmp_path / "big.csv", "行ID,日付,市町村,取組ID,種別,件数,参加者数\n" + lines)
    command = [sys.executable, "-m", "zaitaku_core.cli", "log", "--db", str(log_path), "import", str(csv_file)]
    killed = subprocess.Popen([*command, "--no-plan-check"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wal = log_path.with_name(log_path.name + "-wal")
    deadline = time.monotonic() + 60
    while killed.poll() is None and time.monotonic() < deadline and not wal.exists():
        time.sleep(0.01)
    time.sleep(0.3)  # into the import, as a rule (the in-process test above interrupts it deterministically)
    killed.kill()
    killed.wait()
    with sqlite3.connect(log_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        present = connection.execute("SELECT count(*) FROM activity").fetchone()[0] if "activity" in tables else 0
    assert present in {0, 20_000}  # the whole file or nothing of it, wherever the kill landed
    runs = [subprocess.Popen([*command, "--no-plan-check"], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    with sqlite3.connect(log_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT count(*) FROM activity").fetchone()[0] == 20_000


def test_cli_add_list_summary_and_template(log_path: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from zaitaku_core.cli import cli

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, ["log", "--db", str(log_path), *args], obj=registry)

    args = ["add", "--city", "sample", "--program", "p1", "--date", "R6.7.1", "--kind", "研修", "--participants", "20"]
    more = ["--by-profession", "医師=5", "--by-profession", "ケアマネ=10", "--scene", "看取り", "--id", "t-1"]
    assert run(*args, *more).exit_code == 0
    again = run(*args, *more)  # same row id, same content: nothing new
    assert again.exit_code == 0 and "記録済み" in again.output
    refused = run("add", "--city", "sample", "--program", "p2", "--date", "2024-07-02", "--kind", "相談",
                  "--case-id", "090-1234-5678")  # fmt: skip
    assert isinstance(refused.exception, ActivityImportError) and "1234" not in str(refused.exception)
    listed = run("list", "--json")
    (entry,) = json.loads(listed.output)
    assert entry["by_profession"] == {"doctor": 5, "care_manager": 10} and entry["scenes"] == ["end_of_life"]
    (total,) = json.loads(run("summary", "--json", "--fy", "令和6年度").output)
    assert (total["entries"], total["participants"], total["kind"]) == (1, 20, "training")
    assert "研修" in run("summary").output and "t-1" not in run("list").output
    assert run("template", "-o", str(tmp_path / "t.csv")).exit_code == 0
    assert (tmp_path / "t.csv").read_bytes().startswith("\ufeff行ID,日付".encode())


def test_cli_errors_are_one_line_with_a_code(log_path: Path, tmp_path: Path) -> None:
    csv_file = write(tmp_path / "bad.csv", HEADER + "2024-05-01,sample,p1,会議,,abc,,,,,,\n")
    done = _cli("log", "--db", str(log_path), "import", str(csv_file), "--no-plan-check")
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "[activity-import]" in done.stderr and "bad.csv:2 参加者数" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_log_of_a_newer_schema_is_refused(log_path: Path) -> None:
    ActivityLog.open(log_path).close()
    with sqlite3.connect(log_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(ActivityLogError, match="9999"):
        ActivityLog.open(log_path)
    with pytest.raises(ActivityLogError):
        ActivityLog.open(log_path.with_name("missing.sqlite"), create=False)


def test_activities_round_trip_through_add(log_path: Path) -> None:
    item = Activity(
        "sample",
        "p2",
        date(2024, 9, 30),
        ActivityKind.CONSULTATION,
        asker=Asker.PROFESSIONAL,
        asker_profession=Profession.CARE_MANAGER,
        topic="入退院",
        case_id="C-9",
        scenes=frozenset({CareScene.EMERGENCY}),
    )
    with ActivityLog.open(log_path) as log:
        assert log.add([item]).inserted == 1
        assert [logged.activity for logged in log.activities()] == [item]
