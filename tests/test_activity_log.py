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
from zaitaku_core.activity.reader import read_fields, read_file
from zaitaku_core.activity.record import RowProblem
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
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0004"


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
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0004",)
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
    problems = [entry for entry in read_file(csv_file, lang="ja") if not isinstance(entry, tuple)]
    assert len(problems) == 1 and problems[0].where == f"p.csv:2 {field}"
    assert value not in problems[0].message and "受け付けません" in problems[0].message
    (english,) = [entry for entry in read_file(csv_file, lang="en") if not isinstance(entry, tuple)]
    assert value not in english.message and english.message.endswith("refused and not shown")


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


def test_cli_reading_a_missing_log_is_an_error_and_creates_no_file(tmp_path: Path) -> None:
    missing = tmp_path / "activites.sqlite"  # a mistyped --db
    reads = [
        ["list"],
        ["summary", "--json"],
        ["changes"],
        ["delete", "--entry", "1", "--city", "sample", "--reason", "x"],
    ]
    for args in reads:
        done = _cli("--lang", "en", "log", "--db", str(missing), *args)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stdout == "" and done.stderr.count("\n") == 1, args
        assert f"[activity-log] the activity log does not exist [file '{missing}']" in done.stderr, args
        assert list(tmp_path.iterdir()) == [], args  # no database, nor its -wal or -journal
    ja = _cli("log", "--db", str(missing), "list")
    assert (
        ja.returncode == 1
        and f"活動記録を使えません: 活動記録のファイルがありません [ファイル '{missing}']" in ja.stderr
    )
    assert list(tmp_path.iterdir()) == []
    added = _cli("log", "--db", str(missing), "add", "--city", "sample", "--program", "p1", "--date", "2024-05-01",
                 "--kind", "会議", "--no-plan-check")  # fmt: skip
    assert added.returncode == 0, added.stderr  # a write still creates the log
    assert _cli("log", "--db", str(missing), "list").returncode == 0


def test_cli_row_errors_are_in_the_language_of_the_run(log_path: Path, tmp_path: Path) -> None:
    csv_file = write(tmp_path / "bad.csv", HEADER + "2024-05-01,sample,p1,会議,,abc,,,,,,\n")
    command = ["log", "--db", str(log_path), "import", str(csv_file), "--no-plan-check"]
    ja = _cli("--lang", "ja", *command).stderr
    en = _cli("--lang", "en", *command).stderr
    assert "活動記録に取り込めません" in ja and "1件の行に誤りがあるため" in ja
    assert "bad.csv:2 参加者数: 0以上の整数で書いてください: 'abc'" in ja and "not a whole number" not in ja
    assert "1 row is not valid; nothing was written" in en
    assert "bad.csv:2 参加者数: not a whole number of 0 or more: 'abc'" in en and "整数" not in en
    assert " / " not in ja and " / " not in en  # one language, not both on one line


def test_a_cell_past_the_csv_limit_is_said_in_the_language_of_the_run(log_path: Path, tmp_path: Path) -> None:
    """A cell of some MB (a broken export, a pasted document; the file not simple, so read row by row) stopped
    the import with the csv module's English words inside the Japanese line: 'CSVとして読めません: field
    larger than field limit (131072)'."""
    csv_file = write(tmp_path / "long.csv", HEADER + '2024-05-01,sample,p1,会議,,1,,,,,"' + "長" * 200_000 + '\n",\n')
    command = ["log", "--db", str(log_path), "import", str(csv_file), "--no-plan-check"]
    ja = _cli("--lang", "ja", *command)
    assert ja.returncode == 1 and "131,072 文字を超えるセルがあります" in ja.stderr and "field limit" not in ja.stderr
    assert "a cell longer than 131,072 characters" in _cli("--lang", "en", *command).stderr


def test_a_folder_city_without_data_dir_is_told_to_give_it(log_path: Path) -> None:
    """The staff guide's log add, typed without ``--data-dir kushiro``: the error says how to name the folder."""
    add = ["log", "--db", str(log_path), "add", "--city", "kushiro", "--program", "kushiro-2024-b"]
    done = _cli(*add, "--date", "2024-07-10", "--kind", "研修")
    assert done.returncode == 1 and "[activity-import]" in done.stderr
    assert "市町村 'kushiro' は登録されていないか" in done.stderr and "zaitaku --data-dir で指定します" in done.stderr


def test_row_errors_follow_lang_and_never_show_a_personal_value(tmp_path: Path) -> None:
    header = "日付,市町村,取組ID,種別,件数,参加者数\n"
    csv_file = write(tmp_path / "a.csv", header + "2024-05-01,sample,p1,会議,090-1234-5678,3\n")
    (ja,) = read_file(csv_file, lang="ja")
    (en,) = read_file(csv_file, lang="en")
    assert isinstance(ja, RowProblem) and isinstance(en, RowProblem)
    assert ja.message == "0以上の整数で書いてください: （値は表示しません）"
    assert en.message == "not a whole number of 0 or more: (value not shown)"
    with pytest.raises(ActivityImportError) as empty:
        read_fields({}, source="x", lang="en")
    assert str(empty.value).startswith("the file's header row is not valid: x: the required column 'date' is missing")


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


def _upgrade_to(log_path: Path, revision: str) -> None:
    import sqlalchemy as sa
    from alembic import command

    from zaitaku_core.activity.store import migrations_config

    engine = sa.create_engine(f"sqlite:///{log_path}")
    with engine.begin() as connection:
        config = migrations_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    engine.dispose()


def test_a_log_of_the_previous_head_gets_the_audit_tables_and_keeps_its_entries(log_path: Path, tmp_path: Path) -> None:
    _upgrade_to(log_path, "0002")  # a log written before corrections existed
    with sqlite3.connect(log_path) as connection:
        connection.execute(
            "INSERT INTO import_batch (id, source, imported_at, rows, inserted) "
            "VALUES (1, 'old.csv', '2024-06-01', 1, 1)"
        )
        connection.execute(
            "INSERT INTO activity (row_key, content_hash, city, program, date, fiscal_year, kind, count, "
            "participants, scene_daily_support, scene_admission_discharge, scene_emergency, scene_end_of_life, "
            "row_id, import_id, line) VALUES (?, ?, 'sample', 'p1', '2024-05-01', 2024, 'meeting', 1, 10, 0, 0, 0, "
            "0, 'r-1', 1, 2)",
            (b"k" * 16, b"h" * 16),
        )
    with ActivityLog.open(log_path) as log:
        (old,) = log.activities()
        assert (old.activity.participants, old.source, old.entry) == (10, "old.csv", 1)
        deleted = log.delete("sample", row_ids=["r-1"], reason="二重に記録した")
        assert [item.participants for item in deleted] == [10]
        (change,) = log.changes()
    assert change.action == "delete" and change.before is not None and change.before["participants"] == 10
    with sqlite3.connect(log_path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("0004",)


CORRECTABLE = "行ID,日付,市町村,取組ID,種別,参加者数,参加者数（医師）\n"


def test_a_reimport_that_corrects_updates_the_entry_in_place_with_an_audit_record(
    log_path: Path, tmp_path: Path
) -> None:
    first = write(
        tmp_path / "a.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,会議,10,4\nr-2,2024-05-02,sample,p1,会議,8,\n"
    )
    fixed = write(
        tmp_path / "b.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,研修,11,2\nr-2,2024-05-02,sample,p1,会議,8,\n"
    )
    with ActivityLog.open(log_path) as log:
        log.import_entries(read_file(first), source="a.csv")
        entries = {logged.activity.row_id: logged.entry for logged in log.activities()}
        with pytest.raises(ActivityImportError, match="--correct"):  # the safe default: a clash is refused
            log.import_entries(read_file(fixed), source="b.csv")
        result = log.import_entries(read_file(fixed), source="b.csv", correct=True)
        assert (result.rows, result.inserted, result.corrected, result.already_present) == (2, 0, 1, 1)
        logged = {item.activity.row_id: item for item in log.activities()}
        again = log.import_entries(read_file(fixed), source="b.csv", correct=True)  # idempotent
        (change,) = log.changes()
    assert (again.inserted, again.corrected, again.already_present) == (0, 0, 2)
    corrected = logged["r-1"]
    assert corrected.entry == entries["r-1"] and (corrected.source, corrected.line) == ("b.csv", 2)
    assert corrected.activity.kind is ActivityKind.TRAINING and corrected.activity.participants == 11
    assert corrected.activity.by_profession == ((Profession.DOCTOR, 2),)
    assert logged["r-2"].source == "a.csv"  # unchanged rows keep where they came from
    assert (change.action, change.row_id, change.entry, change.source) == ("correct", "r-1", entries["r-1"], "b.csv")
    assert change.before is not None and change.after is not None
    assert (change.before["kind"], change.before["by_profession"]) == ("meeting", {"doctor": 4})
    assert (change.after["kind"], change.after["by_profession"]) == ("training", {"doctor": 2})
    assert count_rows(log_path) == (2, 1, 3)


def test_a_correcting_import_with_a_bad_row_changes_nothing(log_path: Path, tmp_path: Path) -> None:
    first = write(tmp_path / "a.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,会議,10,4\n")
    bad = write(
        tmp_path / "b.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,会議,12,4\nr-2,2024-05-02,sample,p1,懇親会,8,\n"
    )
    with ActivityLog.open(log_path) as log:
        log.import_entries(read_file(first), source="a.csv")
        with pytest.raises(ActivityImportError) as caught:
            log.import_entries(read_file(bad), source="b.csv", correct=True)
        assert [where for where, _ in caught.value.errors] == ["b.csv:3 種別"]
        assert [logged.activity.participants for logged in log.activities()] == [10]
        assert log.changes() == []


def test_deletion_is_all_or_nothing_audited_and_survives_a_reimport(log_path: Path, tmp_path: Path) -> None:
    csv_file = write(tmp_path / "log.csv", HEADER + ROWS)
    with ActivityLog.open(log_path) as log:
        log.import_entries(read_file(csv_file), source="log.csv")
        listed = list(log.activities())
        second_of_two = [x for x in listed if x.activity.date == date(2024, 6, 2)][1]
        meeting = listed[0]
        with pytest.raises(ActivityLogError, match="entry 999") as missing:
            log.delete("sample", entries=[meeting.entry, 999], reason="誤入力")
        assert str(meeting.entry) not in missing.value.message.split("entry 999")[1]
        assert missing.value.describe("ja").endswith("何も削除していません: 記録番号 999 [市町村 'sample']")
        with pytest.raises(ActivityLogError):  # an entry of another city is not this city's
            log.delete("elsewhere", entries=[meeting.entry], reason="誤入力")
        with pytest.raises(PersonalDataError) as personal:
            log.delete("sample", entries=[meeting.entry], reason="山田さん 090-1234-5678 から連絡")
        assert "1234" not in str(personal.value)
        assert count_rows(log_path) == (5, 2, 1)  # none of the above deleted anything
        deleted = log.delete("sample", entries=[meeting.entry, second_of_two.entry], reason="誤入力")
        assert [item.kind for item in deleted] == [ActivityKind.MEETING, ActivityKind.CONSULTATION]
        assert count_rows(log_path) == (3, 0, 1)
        kept = log.import_entries(read_file(csv_file), source="log.csv")  # the file still holds the rows
        assert (kept.inserted, kept.kept_deleted, kept.already_present) == (0, 2, 3)
        assert len(list(log.activities())) == 3
        back = log.import_entries(read_file(csv_file), source="log.csv", correct=True)
        assert (back.inserted, back.restored, back.already_present) == (0, 2, 3)
        assert [x.activity for x in log.activities()] == [x.activity for x in listed]
        actions = [(c.action, c.reason) for c in log.changes(city="sample")]
    assert actions == [("delete", "誤入力"), ("delete", "誤入力"), ("restore", None), ("restore", None)]
    assert count_rows(log_path)[:2] == (5, 2)


def test_cli_correct_delete_and_changes(log_path: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from zaitaku_core.cli import cli

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, ["log", "--db", str(log_path), *args], obj=registry)

    first = write(
        tmp_path / "a.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,会議,10,4\nr-2,2024-05-02,sample,p1,会議,8,\n"
    )
    fixed = write(
        tmp_path / "b.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,会議,12,4\nr-2,2024-05-02,sample,p1,会議,8,\n"
    )
    assert run("import", str(first)).exit_code == 0
    refused = run("import", str(fixed))
    assert isinstance(refused.exception, ActivityImportError) and "--correct" in str(refused.exception)
    done = run("import", str(fixed), "--correct", "--json")
    assert json.loads(done.output) == {
        "source": "b.csv", "rows": 2, "inserted": 0, "corrected": 1, "restored": 0, "kept_deleted": 0
    }  # fmt: skip
    add = ["add", "--city", "sample", "--program", "p1", "--date", "2024-05-02", "--kind", "会議", "--id", "r-2"]
    assert "訂正しました" in run(*add, "--participants", "9", "--correct").output
    listed = run("list")
    assert listed.output.splitlines()[0].startswith("記録番号\t日付")
    entries = {record["row_id"]: record["entry"] for record in json.loads(run("list", "--json").output)}
    deleted = run("delete", "--city", "sample", "--entry", str(entries["r-1"]), "--reason", "重複", "--json")
    assert deleted.exit_code == 0 and json.loads(deleted.output)[0]["participants"] == 12
    assert run("delete", "--city", "sample", "--id", "r-404", "--reason", "x").exit_code == 1
    assert run("delete", "--city", "sample", "--reason", "x").exit_code == 2
    only_deleted = write(tmp_path / "c.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,会議,12,4\n")
    assert "削除済みのため除外 1件" in run("import", str(only_deleted)).output
    history = json.loads(run("changes", "--json").output)
    assert [(c["action"], c["row_id"]) for c in history] == [("correct", "r-1"), ("correct", "r-2"), ("delete", "r-1")]
    assert history[1]["before"]["participants"] == 8 and history[1]["after"]["participants"] == 9
    assert history[2]["reason"] == "重複" and "削除\tsample" in run("changes").output


def test_cli_list_and_changes_speak_the_language_of_the_run(log_path: Path, tmp_path: Path) -> None:
    """``log list`` and ``log changes`` head their tables, and name kinds, scenes, askers and actions, in
    Japanese (the activity file's headers, the vocabulary's labels) or with --lang en in English; their
    JSON, for programs, keeps the field names and codes in either language."""
    from click.testing import CliRunner

    from zaitaku_core.cli import cli

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])

    def output(lang: str, *args: str) -> str:
        done = CliRunner().invoke(cli, ["--lang", lang, "log", "--db", str(log_path), *args], obj=registry)
        assert done.exit_code == 0, done.output
        return done.output

    def run(lang: str, *args: str) -> list[list[str]]:
        return [line.split("\t") for line in output(lang, *args).splitlines()]

    run("ja", "import", str(write(tmp_path / "a.csv", HEADER + ROWS)))
    run("ja", "import", str(write(tmp_path / "b.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,会議,10,4\n")))
    fixed = write(tmp_path / "c.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,会議,11,4\n")
    run("ja", "import", str(fixed), "--correct")

    ja = run("ja", "list")
    assert ja[0] == ["記録番号", "日付", "年度", "市町村", "取組ID", "種別", "件数", "参加者数", "場面", "実施主体",
                     "相談者", "相談内容", "ケースID", "名称", "取込元", "行"]  # fmt: skip
    meeting = next(row for row in ja[1:] if row[8])
    consultation = next(row for row in ja[1:] if row[5] == "相談")
    assert (meeting[5], meeting[8]) == ("会議", "入退院支援、看取り")  # the scenes in the framework's order
    assert (consultation[8], consultation[10]) == ("入退院支援", "家族")
    en = run("en", "list")
    assert en[0][:6] == ["entry", "date", "fiscal_year", "city", "program", "kind"]
    meeting = next(row for row in en[1:] if row[8])
    assert (meeting[5], meeting[8]) == ("meeting", "admission and discharge support, end-of-life care")
    assert next(row for row in en[1:] if row[5] == "consultation")[10] == "family"

    assert run("ja", "changes")[0] == ["変更番号", "変更日時", "変更", "市町村", "記録番号", "行ID", "取込元", "理由"]
    assert [row[2] for row in run("ja", "changes")[1:]] == ["訂正"]
    assert run("en", "changes")[0][:3] == ["number", "changed_at", "action"]
    assert [row[2] for row in run("en", "changes")[1:]] == ["correct"]

    for lang in ("ja", "en"):
        listed = json.loads(output(lang, "list", "--format", "json"))
        assert {(r["kind"], r["asker"]) for r in listed} == {
            ("meeting", None),
            ("consultation", "family"),
            ("consultation", "resident"),
            ("consultation", "professional"),
        }
        assert sorted(scene for r in listed for scene in r["scenes"]) == [
            "admission_discharge", "admission_discharge", "daily_support", "end_of_life"
        ]  # fmt: skip
        (change,) = json.loads(output(lang, "changes", "--format", "json"))
        assert change["action"] == "correct"


def test_cli_counts_read_in_the_singular_and_the_plural(log_path: Path, tmp_path: Path) -> None:
    """What the log commands count ("1 row", "2 rows"; "deleted 1 entry") reads right in English, and in
    Japanese with its one form."""
    from click.testing import CliRunner

    from zaitaku_core.cli import cli

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])

    def run(lang: str, *args: str) -> Result:
        return CliRunner().invoke(cli, ["--lang", lang, "log", "--db", str(log_path), *args], obj=registry)

    one = write(tmp_path / "one.csv", CORRECTABLE + "r-1,2024-05-01,sample,p1,会議,10,4\n")
    two = write(
        tmp_path / "two.csv", CORRECTABLE + "r-2,2024-05-02,sample,p1,会議,8,\nr-3,2024-05-03,sample,p1,会議,7,\n"
    )
    assert run("en", "import", str(one)).output.startswith("one.csv: 1 row, 1 new, 0 already in the log")
    assert run("ja", "import", str(two)).output.startswith("two.csv: 2行、新規 2件、記録済み 0件")
    assert run("en", "import", str(two)).output.startswith("two.csv: 2 rows, 0 new, 2 already in the log")
    entries = {record["row_id"]: record["entry"] for record in json.loads(run("en", "list", "--json").output)}
    deleted = run("en", "delete", "--city", "sample", "--entry", str(entries["r-1"]), "--reason", "重複")
    assert deleted.output == "deleted 1 entry\n"
    both = [str(entries["r-2"]), str(entries["r-3"])]
    assert run(
        "ja", "delete", "--city", "sample", "--entry", both[0], "--entry", both[1], "--reason", "重複"
    ).output == ("2件を削除しました\n")
    bad = write(
        tmp_path / "bad.csv", CORRECTABLE + "r-9,2024-05-01,sample,p1,会議,x,\nr-8,2024-05-01,sample,p1,会議,y,\n"
    )
    refused = run("en", "import", str(bad))
    assert refused.exit_code == 1 and "2 rows are not valid; nothing was written" in str(refused.exception)


# --- the log sheet of the plan workbook -------------------------------------------------------------------


def test_the_plan_template_carries_the_log_sheet_and_log_import_reads_it(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from zaitaku_core.cli import main

    plan = tmp_path / "plan.xlsx"
    assert main(["template", "--fy", "2024", "-o", str(plan)]) == 0
    book = openpyxl.load_workbook(plan)
    sheet = book["活動記録"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:5] == ["行ID", "日付", "市町村", "取組ID", "種別"] and "参加者数（医師）" in headers
    assert sheet.cell(2, headers.index("日付") + 1).value.startswith("必須。")  # the help row, as on every sheet
    kinds = next(v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith("E3"))
    assert kinds.formula1.startswith("'_選択肢'!")  # the dropdown lists live on the hidden sheet
    assert "活動記録" in "".join(str(cell.value) for cell in book["使い方"]["A"])
    for row, values in enumerate(
        [
            {"日付": date(2024, 5, 1), "市町村": "sample", "取組ID": "p1", "種別": "会議", "参加者数": 12},
            {"日付": "2024-05-02", "市町村": "sample", "取組ID": "p2", "種別": "相談", "相談者": "家族"},
        ],
        start=3,
    ):
        for header, value in values.items():
            sheet.cell(row, headers.index(header) + 1, value)
    book.save(plan)
    log_path = tmp_path / "log.sqlite"
    with ActivityLog.open(log_path) as log:
        result = log.import_entries(read_file(plan), source=plan.name)
        assert (result.rows, result.inserted) == (2, 2)
        assert [logged.line for logged in log.activities()] == [3, 4]  # sheet rows, below the help row


def test_one_workbook_in_japanese_excel_habits_holds_the_plan_and_the_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A plan workbook as Japanese Excel saves it (see tests/xlsx_helpers.py) with the 活動記録 sheet
    filled in: full-width digits, an era date typed as text, a date cell that lost its format (a serial
    number), a formula with its saved result, a count with its unit, dropdown labels. The plan import
    leaves the log sheet alone (with a notice); the log import reads it, checking each program against
    the plan of that same workbook."""
    pytest.importorskip("openpyxl")
    from datetime import datetime

    from xlsx_helpers import NEW_CITY, Formula, write_workbook

    from zaitaku_core.activity.template import sheet_columns
    from zaitaku_core.cli import main

    columns = sheet_columns()
    headers = [column.header for column in columns]

    def row(**values: object) -> list[object]:
        return [values.get(header) for header in headers]

    log_rows = [
        headers,
        [column.help for column in columns],
        row(
            日付="令和６年５月１日",
            市町村="kushiro",
            取組ID="kushiro-2024-b",
            種別="研修",
            参加者数="３０人",
            場面="入退院支援、看取り",
            **{"参加者数（医師）": 4},
        ),
        row(
            日付=datetime(2024, 6, 3),
            市町村="kushiro",
            取組ID="kushiro-2024-a",
            種別="会議",
            参加者数=Formula("=12+13", 25),
        ),
        row(
            日付="2024/6/10",
            市町村="kushiro",
            取組ID="kushiro-2024-a",
            種別="相談",
            相談者="専門職・関係機関",
            相談者の職種="介護支援専門員",
            相談内容="退院調整",
            ケースID="C-2024-001",
        ),
    ]
    path = write_workbook(tmp_path / "plan.xlsx", NEW_CITY, extra_sheets={"活動記録": log_rows})
    assert main(["import", str(path), "-o", str(tmp_path / "kushiro")]) == 0
    assert "zaitaku log import" in capsys.readouterr().err  # the notice: the log sheet is not the plan's
    db = str(tmp_path / "log.sqlite")
    assert main(["--data-dir", str(path), "log", "--db", db, "import", str(path)]) == 0
    assert "3行、新規 3件" in capsys.readouterr().out
    assert main(["--data-dir", str(path), "log", "--db", db, "import", str(path)]) == 0
    assert "新規 0件、記録済み 3件" in capsys.readouterr().out
    assert main(["log", "--db", db, "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(e["date"], e["kind"], e["participants"], e["line"]) for e in listed] == [
        ("2024-05-01", "training", 30, 3),
        ("2024-06-03", "meeting", 25, 4),
        ("2024-06-10", "consultation", None, 5),
    ]
    assert listed[0]["by_profession"] == {"doctor": 4} and listed[2]["asker_profession"] == "care_manager"
    log_rows.append(row(日付="2024-07-01", 市町村="kushiro", 取組ID="kushiro-2024-z", 種別="会議"))
    bad = write_workbook(tmp_path / "bad.xlsx", NEW_CITY, extra_sheets={"活動記録": log_rows})
    assert main(["--data-dir", str(bad), "log", "--db", db, "import", str(bad)]) == 1
    program = chr(ord("A") + headers.index("取組ID"))
    assert f"bad.xlsx 活動記録!{program}6 取組ID" in capsys.readouterr().err


def test_a_log_sheet_as_excel_saves_it_line_breaks_and_error_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A title pasted with CR LF (Excel saves the CR as ``_x000D_``) is logged with its line break, not with
    ``_x000D_`` in it; a title whose formula failed (``#N/A``) is refused at its cell, and nothing is written."""
    pytest.importorskip("openpyxl")
    from xlsx_helpers import NEW_CITY, Formula, write_workbook

    from zaitaku_core.activity.template import sheet_columns
    from zaitaku_core.cli import main

    headers = [column.header for column in sheet_columns()]

    def row(**values: object) -> list[object]:
        return [values.get(header) for header in headers]

    first = row(日付="2024-06-03", 市町村="kushiro", 取組ID="kushiro-2024-a", 種別="会議", 名称="第1回\r\n多職種会議")
    path = write_workbook(tmp_path / "plan.xlsx", NEW_CITY, extra_sheets={"活動記録": [headers, first]})
    db = str(tmp_path / "log.sqlite")
    assert main(["--data-dir", str(path), "log", "--db", db, "import", str(path)]) == 0
    capsys.readouterr()
    assert main(["log", "--db", db, "list", "--format", "json"]) == 0
    assert [entry["title"] for entry in json.loads(capsys.readouterr().out)] == ["第1回\n多職種会議"]
    failed = row(日付="2024-06-04", 市町村="kushiro", 取組ID="kushiro-2024-a", 種別="会議", 名称=Formula("=X1", "#N/A"))
    bad = write_workbook(tmp_path / "bad.xlsx", NEW_CITY, extra_sheets={"活動記録": [headers, first, failed]})
    assert main(["--data-dir", str(bad), "log", "--db", db, "import", str(bad)]) == 1
    title = chr(ord("A") + headers.index("名称"))
    err = capsys.readouterr().err
    assert f"bad.xlsx 活動記録!{title}3 名称: Excel のエラー値 #N/A です" in err and "Traceback" not in err
    assert count_rows(Path(db))[0] == 1


def test_a_workbook_in_the_1904_date_system_reads_its_bare_serials_as_excel_shows_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A workbook of old Excel for Mac counts serial numbers from 1904-01-01. A date cell that lost its format
    is a bare serial, which both imports read from 1900: 令和6年9月30日 (serial 44103 there) became
    2020-09-29, four years and a day early, without a word. The plan import and the log import now read it
    as Excel shows it."""
    pytest.importorskip("openpyxl")
    import zipfile

    from xlsx_helpers import NEW_CITY, write_workbook

    from zaitaku_core.activity.template import sheet_columns
    from zaitaku_core.cli import main

    headers = [column.header for column in sheet_columns()]
    log_row = {"日付": 44103, "市町村": "kushiro", "取組ID": "kushiro-2024-a", "種別": "会議"}
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["指標・計画値・実績値"][1]["値：時点"] = 44103
    written = write_workbook(
        tmp_path / "written.xlsx", sheets, extra_sheets={"活動記録": [headers, [log_row.get(h) for h in headers]]}
    )
    path = tmp_path / "mac.xlsx"
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"<workbookPr ", b'<workbookPr date1904="1" ')
            target.writestr(info, data)
    assert b'date1904="1"' in zipfile.ZipFile(path).read("xl/workbook.xml")
    assert main(["import", str(path), "-o", str(tmp_path / "kushiro")]) == 0
    assert "as_of = 2024-09-30" in (tmp_path / "kushiro" / "indicators.toml").read_text(encoding="utf-8")
    db = str(tmp_path / "log.sqlite")
    assert main(["--data-dir", str(path), "log", "--db", db, "import", str(path)]) == 0
    capsys.readouterr()
    assert main(["log", "--db", db, "list", "--format", "json"]) == 0
    assert [entry["date"] for entry in json.loads(capsys.readouterr().out)] == ["2024-09-30"]


# --- the columnar CSV reader reads exactly what the row-by-row reader reads ----------------------------------


def _mixed_csv(rows: int, seed: int) -> str:
    """A log of valid rows and, in some cells, every kind of bad value and bad combination, quoted and not."""
    import random

    rng = random.Random(seed)
    header = (
        "行ID,日付,市町村,取組ID,種別,件数,参加者数,参加者数（医師）,参加者数（ケアマネ）,場面,実施主体,"
        "相談者,相談者の職種,相談内容,ケースID\n"
    )
    fields: list[tuple[list[str], list[str]]] = [  # (good values, bad values) per column
        (["", "", "r-{i}"], ["r-{i7}", "山田", "090-1234-5678"]),
        (["2024-05-01", "令和6年6月１日", "2024/6/2", "R6.7.1", "2023-04-01"], ["2024-13-01", "", "2030-01-01", "  "]),
        (["sample"], ["other", "", "Sample!"]),
        (["p1", "p2", "P1"], ["p9", "", "bad id"]),
        (["会議", "相談", "研修", "出前講座", "相談"], ["懇親会", ""]),
        (["", "", "1", "12", "３件"], ["0", "abc", "2000000"]),
        (["", "12", "30人", "5"], ["-1", "x"]),
        (["", "", "3", "0"], ["9", "x"]),
        (["", "", "2"], ["99", "-"]),
        (["", "入退院支援、看取り", '"入退院支援,看取り"', "日常の療養支援"], ["宇宙"]),
        (["", "医師会"], ["a@b.jp"]),
        (["", "家族", "専門職"], ["友人"]),
        (["", "", "医師"], ["宇宙飛行士"]),
        (["", "退院後の生活", '"在宅, 医療"'], ["連絡先 090-1234-5678"]),
        (["", "", "C-0001"], ["090-1234-5678", "山田太郎"]),
    ]
    lines = []
    for index in range(rows):
        cells = [rng.choice(bad if rng.random() < 0.03 else good) for good, bad in fields]
        cells[0] = cells[0].format(i=index, i7=index % 7)
        if cells[4] != "相談" and rng.random() < 0.9:
            cells[11:] = ["", "", "", ""]  # consultation fields mostly on consultations only
        if rng.random() < 0.02:
            cells = [""] * len(cells)  # a row of blanks
        if rng.random() < 0.02:
            cells = [" "] * len(cells)  # a row of spaces
        lines.append(",".join(cells))
    return header + "\n".join(lines) + "\n"


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("city", [None, "sample"])
def test_the_columnar_reader_gives_exactly_what_the_row_reader_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, city: str | None
) -> None:
    from zaitaku_core.activity import reader

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])
    from zaitaku_core.cli.log import program_lookup

    csv_file = write(tmp_path / "mixed.csv", _mixed_csv(1500, seed), "cp932" if seed % 2 else "utf-8")
    options = {"city": city, "programs": program_lookup(registry) if seed < 2 else None, "today": date(2026, 1, 1)}
    monkeypatch.setattr(reader, "COLUMNAR_SLICE", 256)  # several slices, each with its own distinct cells
    columnar = list(read_file(csv_file, **options))
    monkeypatch.setattr(reader, "_COLUMNAR", False)
    by_rows = list(read_file(csv_file, **options))
    assert columnar == by_rows
    valid = sum(isinstance(entry, tuple) for entry in by_rows)
    assert valid > 300 and len(by_rows) - valid > 300  # both kinds are well represented


@pytest.mark.parametrize(
    "text",
    [
        HEADER + ROWS + "\n" + ROWS,  # a blank line: line numbers would shift
        HEADER + '2024-05-01,sample,p1,会議,,12,3,5,"入退院支援\n看取り",,,\n' + ROWS,  # a line break in a value
        HEADER + "2024-05-01,sample,p1,会議\n" + ROWS,  # a short row
        HEADER + "2024-05-01,sample,p1,会議,,12,3,5,,,,,x\n" + ROWS,  # a value under no header
        "\n" + HEADER + ROWS,  # the header below a blank line
        HEADER.replace("\n", "\r") + ROWS.replace("\n", "\r"),  # old Mac line ends
    ],
)
def test_files_the_columnar_reader_does_not_take_read_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    from zaitaku_core.activity import reader

    rows_read = _count_rows_read(monkeypatch)
    csv_file = write(tmp_path / "odd.csv", text)
    first = list(read_file(csv_file))
    assert len(rows_read) >= 5  # every row went row by row
    monkeypatch.setattr(reader, "_COLUMNAR", False)
    assert first == list(read_file(csv_file))


def _count_rows_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The line numbers of the rows read row by row from now on."""
    from zaitaku_core.activity import reader

    rows_read: list[int] = []
    original = reader._row_entries

    def counting(rows: object, cells: object, number: int, header_row: int) -> object:
        rows_read.append(number)
        return original(rows, cells, number, header_row)  # type: ignore[arg-type]

    monkeypatch.setattr(reader, "_row_entries", counting)
    return rows_read


def test_a_simple_file_is_read_column_by_column(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows_read = _count_rows_read(monkeypatch)
    csv_file = write(tmp_path / "log.csv", HEADER + ROWS * 20)
    assert sum(isinstance(entry, tuple) for entry in read_file(csv_file)) == 100
    assert rows_read == [2]  # only the first row (a help row, perhaps) went row by row


@pytest.mark.parametrize(
    ("lang", "rest"), [("ja", "; … ほか5件"), ("en", "; … 5 more"), (None, "; … 5 more / ほか5件")]
)
def test_rows_not_listed_are_counted_in_the_messages_language(lang: str | None, rest: str) -> None:
    from zaitaku_core.errors import ActivityImportError

    rows = [(f"log.csv:{line} date", "bad") for line in range(2, 2 + ActivityImportError.SHOWN + 5)]
    error = ActivityImportError("the activity is not valid", errors=rows, lang=lang)
    assert error.message.endswith(rest) and error.message.count("log.csv:") == ActivityImportError.SHOWN
    assert len(error.errors) == ActivityImportError.SHOWN + 5


# --- a batch of valid rows is keyed and written exactly as the rows one by one --------------------------------


def _valid_csv(rows: int, seed: int, *, row_ids: bool) -> str:
    """A log of valid rows only: repeated identical rows, participants by profession, case ids, blank rows."""
    import random

    rng = random.Random(seed)
    header = (
        "行ID,日付,市町村,取組ID,種別,件数,名称,参加者数,参加者数（医師）,参加者数（ケアマネ）,場面,実施主体,"
        "相談者,相談者の職種,相談内容,ケースID\n"
    )
    lines = []
    for index in range(rows):
        row_id = f"r-{index}" if row_ids and rng.random() < 0.3 else ""
        day = rng.choice(["2024-05-01", "令和6年6月１日", "2024/6/2", "2025-03-31"])
        city = rng.choice(["sample", ""])
        program = rng.choice(["p1", "p2", "P1"])
        scenes = rng.choice(["", "入退院支援、看取り", '"入退院支援,看取り"', "日常の療養支援"])
        if rng.random() < 0.6:
            asker = rng.choice(["", "家族", "専門職"])
            profession = "医師" if asker == "専門職" and rng.random() < 0.5 else ""
            case = f"C-{index:05d}" if rng.random() < 0.2 else ""
            count = "" if case else rng.choice(["", "", "1", "3"])
            topic = rng.choice(["", "退院後の生活", '"在宅, 医療"'])
            cells = [
                row_id,
                day,
                city,
                program,
                "相談",
                count,
                "",
                "",
                "",
                "",
                scenes,
                "",
                asker,
                profession,
                topic,
                case,
            ]
        else:
            doctors = rng.choice(["", "", "2", "0"])
            managers = rng.choice(["", "3"]) if doctors else ""
            people = rng.choice(["", "12", "30人"]) if doctors or managers else rng.choice(["", "12"])
            kind = rng.choice(["会議", "研修", "出前講座"])
            title = rng.choice(["", "多職種研修", "在宅医療講座"])
            cells = [row_id, day, city, program, kind, "", title, people, doctors, managers, scenes, "医師会", "", "",
                     "", ""]  # fmt: skip
        if rng.random() < 0.01:
            cells = [""] * len(cells)
        lines.append(",".join(cells))
    return header + "\n".join(lines) + "\n"


def _log_content(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    columns = "row_key, content_hash, city, program, date, fiscal_year, kind, count, title, participants, " \
        "scene_daily_support, scene_admission_discharge, scene_emergency, scene_end_of_life, body, asker, " \
        "asker_profession, topic, case_id, row_id, line"  # fmt: skip
    with sqlite3.connect(db) as connection:
        entries = connection.execute(f"SELECT id, {columns} FROM activity ORDER BY id").fetchall()
        participants = connection.execute("SELECT * FROM activity_participant ORDER BY 1, 2").fetchall()
    return entries, participants


@pytest.mark.parametrize("row_ids", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_a_batch_is_written_exactly_as_its_rows_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, row_ids: bool
) -> None:
    from zaitaku_core.activity import reader, store
    from zaitaku_core.activity.record import ActivityBatch

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])
    from zaitaku_core.cli.log import program_lookup

    csv_file = write(tmp_path / "valid.csv", _valid_csv(1200, seed, row_ids=row_ids))
    first_part = write(tmp_path / "part.csv", "".join(csv_file.read_text().splitlines(keepends=True)[:301]))
    options = {"city": "sample", "programs": program_lookup(registry) if seed else None, "today": date(2026, 1, 1)}
    monkeypatch.setattr(reader, "COLUMNAR_SLICE", 200)  # several batches; repeated rows across them
    batches = [item for item in read_file(csv_file, **options).batches() if isinstance(item, ActivityBatch)]
    assert len(batches) == 6 and sum(map(len, batches)) > 1150
    written: list[int] = []
    original = store._BulkWriter.add_batch

    def counting(self: store._BulkWriter, batch: ActivityBatch, *args: object) -> int:
        written.append(len(batch))
        return original(self, batch, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(store._BulkWriter, "add_batch", counting)
    results = {}
    parts: dict[str, tuple[list[tuple[object, ...]], list[tuple[object, ...]]]] = {}
    for name, columnar in (("batches", True), ("rows", False)):
        monkeypatch.setattr(reader, "_COLUMNAR", columnar)
        with ActivityLog.open(tmp_path / f"{name}.sqlite") as log:
            # A part first (into the empty log, without the row-key index), then the whole file into the log
            # that holds that part (with it).
            assert log.import_entries(read_file(first_part, **options), source="part.csv").inserted > 200
            parts[name] = _log_content(tmp_path / f"{name}.sqlite")
            results[name] = log.import_entries(read_file(csv_file, **options), source="valid.csv")
            assert log.import_entries(read_file(csv_file, **options), source="valid.csv").inserted == 0
            doomed = [entry.entry for entry in log.activities(limit=3)]
            log.delete("sample", entries=doomed, reason="二重登録")
            again = log.import_entries(read_file(csv_file, **options), source="valid.csv")
            assert (again.inserted, again.kept_deleted) == (0, 3)
            back = log.import_entries(read_file(csv_file, **options), source="valid.csv", correct=True)
            assert back.restored == 3
    assert parts["batches"] == parts["rows"] and len(parts["rows"][1]) > 20  # participants of every batch
    assert results["batches"] == results["rows"]
    assert (sum(written) > 0) == (not row_ids)  # batches with row ids are keyed row by row
    assert _log_content(tmp_path / "batches.sqlite") == _log_content(tmp_path / "rows.sqlite")


def test_a_batch_gives_each_row_as_an_activity(tmp_path: Path) -> None:
    from zaitaku_core.activity.record import ActivityBatch

    csv_file = write(tmp_path / "log.csv", HEADER + ROWS * 20)
    stream = list(read_file(csv_file).batches())
    assert [type(item) for item in stream] == [ActivityBatch]
    (batch,) = stream
    occurrences: dict[bytes, int] = {}
    by_rows = list(read_file(csv_file))
    assert list(batch.entries()) == by_rows
    assert batch.contents() == [item.content() for _, _, item in by_rows]
    assert batch.keys({}) == tuple(map(list, zip(*(item.keys(occurrences) for _, _, item in by_rows), strict=True)))


def test_a_log_of_revision_0003_gets_the_row_key_index_and_keeps_entries_and_participants(
    log_path: Path, tmp_path: Path
) -> None:
    import sqlalchemy as sa
    from alembic import command

    from zaitaku_core.activity.store import migrations_config

    csv_file = write(tmp_path / "log.csv", HEADER + ROWS)
    _upgrade_to(log_path, "0003")  # the schema with the UNIQUE constraint on row_key
    occurrences: dict[bytes, int] = {}
    with sqlite3.connect(log_path) as connection:  # entries and participants as the importer of 0003 wrote them
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("INSERT INTO import_batch VALUES (1, 'log.csv', NULL, '2024-06-01', 5, 5)")
        for _, line, item in read_file(csv_file):
            key, digest = item.keys(occurrences)
            values = (key, digest, item.city, item.program, item.date.isoformat(), item.fiscal_year)
            connection.execute(
                "INSERT INTO activity (row_key, content_hash, city, program, date, fiscal_year, kind, count, "
                "participants, scene_daily_support, scene_admission_discharge, scene_emergency, "
                "scene_end_of_life, import_id, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 1, ?)",
                (*values, item.kind.code, item.count, item.participants, line),
            )
            for profession, number in item.by_profession:
                connection.execute("INSERT INTO activity_participant VALUES (?, ?, ?)", (key, profession.code, number))

    def rows() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], set[str]]:
        with sqlite3.connect(log_path) as connection:
            names = "SELECT name FROM sqlite_master WHERE tbl_name = 'activity' AND type = 'index'"
            return (
                connection.execute("SELECT * FROM activity ORDER BY id").fetchall(),
                connection.execute("SELECT * FROM activity_participant ORDER BY 1, 2").fetchall(),
                {name for (name,) in connection.execute(names)},
            )

    entries, participants, indexes = rows()
    assert (len(entries), len(participants), indexes) == (5, 2, {"sqlite_autoindex_activity_1"})
    with ActivityLog.open(log_path) as log:  # migrates (the table is rebuilt) with foreign keys on
        assert log.import_entries(read_file(csv_file), source="log.csv").inserted == 0  # the same keys
        doctors = log.total("sample", measure="profession_participants", until=date(2025, 3, 31), professions=[
            Profession.DOCTOR
        ])  # fmt: skip
        assert doctors == {2024: (3, 0)}
    assert rows() == (entries, participants, {"uq_activity_row_key"})
    engine = sa.create_engine(f"sqlite:///{log_path}")
    with engine.begin() as connection:  # and back: the constraint again, nothing lost
        config = migrations_config()
        config.attributes["connection"] = connection
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        command.downgrade(config, "0003")
    engine.dispose()
    assert rows() == (entries, participants, {"sqlite_autoindex_activity_1"})


def test_an_import_into_an_empty_log_makes_the_row_key_index_again(log_path: Path, tmp_path: Path) -> None:
    csv_file = write(tmp_path / "log.csv", HEADER + ROWS * 3)
    with ActivityLog.open(log_path) as log:
        first = log.import_entries(read_file(csv_file), source="log.csv")
        again = log.import_entries(read_file(csv_file), source="log.csv")
    assert (first.inserted, again.inserted) == (15, 0)
    with sqlite3.connect(log_path) as connection:
        (sql,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'uq_activity_row_key'").fetchone()
        assert "UNIQUE INDEX" in sql
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("SELECT count(*) FROM activity_participant").fetchone() == (6,)


def test_an_interrupted_import_into_an_empty_log_leaves_it_empty_with_its_index(
    log_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zaitaku_core.activity import store

    csv_file = write(tmp_path / "log.csv", HEADER + ROWS * 3)
    real = store._BulkWriter.indexed_again

    def interrupted(self: store._BulkWriter) -> None:
        raise KeyboardInterrupt  # after every entry was written, before the index is made again

    with ActivityLog.open(log_path) as log:
        monkeypatch.setattr(store._BulkWriter, "indexed_again", interrupted)
        with pytest.raises(KeyboardInterrupt):
            log.import_entries(read_file(csv_file), source="log.csv")
        assert count_rows(log_path) == (0, 0, 0)
        with sqlite3.connect(log_path) as connection:
            assert connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'uq_activity_row_key'").fetchone()
        monkeypatch.setattr(store._BulkWriter, "indexed_again", real)
        assert log.import_entries(read_file(csv_file), source="log.csv").inserted == 15
        assert log.import_entries(read_file(csv_file), source="log.csv").inserted == 0
    assert count_rows(log_path) == (15, 6, 2)


def test_cli_a_name_typed_as_the_program_id_is_never_echoed(log_path: Path, tmp_path: Path) -> None:
    """An id cell's refused value is not repeated (it may be a person's name): the row and column are."""
    csv_file = write(tmp_path / "bad.csv", HEADER + "2024-05-01,sample,山田 太郎,会議,,12,,,,,,\n")
    command = ["log", "--db", str(log_path), "import", str(csv_file), "--no-plan-check"]
    ja = _cli("--lang", "ja", *command)
    assert ja.returncode == 1 and "bad.csv:2 取組ID: IDは英小文字・数字・_ . - で書いてください" in ja.stderr, ja.stderr
    en = _cli("--lang", "en", *command).stderr
    assert "bad.csv:2 取組ID: not an id (a-z, 0-9, _ . -; the value is not shown)" in en, en
    assert "山田" not in ja.stderr and "山田" not in en
