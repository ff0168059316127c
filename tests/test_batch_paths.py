"""Every batch path gives the scalar engine's verdicts on the same events: CSV and Parquet through the CLI,
the Arrow API (contacts as a table or nested), Dask and Spark. Events span FY2017–FY2026, so every
revision of the add-ons is met. Timing is the benchmarks' business, not this file's."""

from __future__ import annotations

import csv
import random
import shutil
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.cli import cli, main
from zaitaku_core.handoff import Contact, ContactMeans, Event, Reason, Verdict, apply_monthly_caps, evaluate
from zaitaku_core.handoff.engines.arrow import evaluate_arrow

CALENDAR = BusinessCalendar.build(closed_weekdays="sat,sun")  # handoff-batch's default office
KINDS = ["admission", "admission", "discharge", "outpatient_visit", "death", "home_conference", "sudden_change"]
PARTIES = ["hospital", "hospital_liaison", "clinic", "home_doctor", "dental_clinic", "visiting_nurse", "user"]


def make_sample(n: int, seed: int) -> tuple[list[Event], list[list[Contact]]]:
    rng = random.Random(seed)
    start = datetime(2017, 4, 1)
    events, logs = [], []
    for i in range(n):
        at = start + timedelta(minutes=rng.randrange(10 * 365 * 1440))
        kind = rng.choice(KINDS)
        admitted = at - timedelta(days=rng.randrange(40), hours=rng.randrange(12)) if kind == "discharge" else None
        events.append(Event(subject=f"S-{i % 97}", kind=kind, at=at, admitted_at=admitted))
        log = []
        for _ in range(rng.randrange(5)):
            when = at + timedelta(days=rng.choice([0, 1, 2, rng.randrange(-16, 8)]), minutes=rng.randrange(-600, 600))
            log.append(
                Contact(
                    at=when.replace(second=0),
                    from_party=rng.choice(["care_manager", "care_manager", "hospital"]),
                    to_party=rng.choice(PARTIES),
                    means=rng.choice(list(ContactMeans)),
                    conference=rng.random() < 0.3,
                )
            )
        logs.append(log)
    return events, logs


EVENTS, LOGS = make_sample(300, seed=17)
UNCAPPED = [evaluate(e, log, calendar=CALENDAR) for e, log in zip(EVENTS, LOGS, strict=True)]
# The batch applies the monthly and per-stay caps across a subject's events, as apply_monthly_caps does.
VERDICTS = apply_monthly_caps([(e.subject, v) for e, v in zip(EVENTS, UNCAPPED, strict=True)])


def assert_same(table: pa.Table, verdicts: list[Verdict] = VERDICTS) -> None:
    rows = table.to_pylist()
    assert len(rows) == len(verdicts)
    for row, verdict in zip(rows, verdicts, strict=True):
        assert (row["after_hours"], row["units"]) == (verdict.after_hours, verdict.units)
        for addon in verdict.addons:
            key = addon.addon_id
            if f"{key}.claim_month" in row:
                assert row[f"{key}.claim_month"] == (addon.claim_month or None)
            got = tuple(row[f"{key}.{part}"] for part in ("claimable", "units", "tier", "reason"))
            assert got == (addon.claimable, addon.units, addon.tier, addon.reason.value if addon.reason else None)
            window = addon.window
            assert row[f"{key}.window_start"] == (window.start if window else None)
            assert row[f"{key}.window_end"] == (window.end if window else None)


def reiwa(moment: datetime) -> str:
    """``moment`` written as a Japanese user types it: 令和6年6月14日 10:00 (平成 before May 2019)."""
    era, year = ("令和", moment.year - 2018) if moment >= datetime(2019, 5, 1) else ("平成", moment.year - 1988)
    return f"{era}{year}年{moment.month}月{moment.day}日 {moment.hour}:{moment.minute:02d}"


def write_csv(folder: Path, *, japanese: bool = False) -> tuple[Path, Path]:
    """The sample as CSV: ISO times in UTF-8, or Japanese headers, dates and labels in cp932 (Excel's CSV)."""
    encoding = "cp932" if japanese else "utf-8"
    moment = reiwa if japanese else (lambda m: m.strftime("%Y/%m/%d %H:%M") if m.day % 2 else m.isoformat())
    events, contacts = folder / "events.csv", folder / "contacts.csv"
    with events.open("w", encoding=encoding, newline="") as stream:
        out = csv.writer(stream)
        out.writerow(
            ["対象者", "種別", "日時", "入院日時", "氏名"] if japanese else ["subject", "kind", "at", "admitted_at"]
        )
        for e in EVENTS:
            kind = e.kind.ja if japanese else e.kind.value
            row = [e.subject, kind, moment(e.at), moment(e.admitted_at) if e.admitted_at else ""]
            out.writerow([*row, "山田太郎"] if japanese else row)
    with contacts.open("w", encoding=encoding, newline="") as stream:
        out = csv.writer(stream)
        out.writerow(
            ["事象番号", "連絡日時", "連絡元", "連絡先", "方法", "カンファレンス"]
            if japanese
            else ["event", "at", "from_party", "to_party", "means", "conference"]
        )
        for index, log in enumerate(LOGS):
            for c in log:
                means = "" if c.means is ContactMeans.UNSPECIFIED else (c.means.ja if japanese else c.means.value)
                flag = ("はい" if c.conference else "いいえ") if japanese else ("true" if c.conference else "")
                out.writerow([index, moment(c.at), c.from_party.value, c.to_party.value, means, flag])
    return events, contacts


def event_table(events: list[Event] = EVENTS) -> pa.Table:
    return pa.table(
        {
            "subject": [e.subject for e in events],
            "kind": pa.array([e.kind.value for e in events]).dictionary_encode(),
            "at": pa.array([e.at for e in events], pa.timestamp("us")),
            "admitted_at": pa.array([e.admitted_at for e in events], pa.timestamp("us")),
        }
    )


def nested_table(events: list[Event] = EVENTS, logs: list[list[Contact]] = LOGS) -> pa.Table:
    contacts = [
        [
            {
                "at": c.at,
                "from_party": c.from_party.value,
                "to_party": c.to_party.value,
                "means": c.means.value,
                "conference": c.conference,
            }
            for c in log
        ]
        for log in logs
    ]
    return event_table(events).append_column("contacts", pa.array(contacts))


def crowded_sample(n: int, seed: int) -> tuple[list[Event], list[list[Contact]]]:
    """Admissions and discharges of three subjects in one month, each with a contact the same day that
    earns its add-on: the monthly and per-stay caps take many claims back."""
    rng = random.Random(seed)
    events, logs = [], []
    for i in range(n):
        at = datetime(2024, 6, 3, 9) + timedelta(days=rng.randrange(25), minutes=rng.randrange(600))
        kind = rng.choice(["admission", "discharge"])
        admitted = at - timedelta(days=rng.randrange(3, 20)) if kind == "discharge" else None
        events.append(Event(subject=f"S-{i % 3}", kind=kind, at=at, admitted_at=admitted))
        logs.append(
            [
                Contact(
                    at=(at + timedelta(hours=1)).replace(second=0),
                    from_party="care_manager",
                    to_party=rng.choice(["hospital", "hospital_liaison"]),
                    means=ContactMeans.IN_PERSON,
                    conference=rng.random() < 0.5,
                )
            ]
        )
    return events, logs


def run(*args: str) -> None:
    result = CliRunner().invoke(cli, ["handoff-batch", *args, "--quiet"])
    assert result.exit_code == 0, result.output


def test_csv_to_csv(tmp_path: Path) -> None:
    events, contacts = write_csv(tmp_path)
    run(str(events), "--contacts", str(contacts), "-o", str(tmp_path / "out.csv"), "--batch-size", "64")
    table = pa_csv.read_csv(tmp_path / "out.csv", convert_options=pa_csv.ConvertOptions(strings_can_be_null=True))
    assert table.column("subject").to_pylist() == [e.subject for e in EVENTS]
    assert_same(table)


def test_excel_csv_with_japanese_headers_dates_and_labels(tmp_path: Path) -> None:
    events, contacts = write_csv(tmp_path, japanese=True)
    result = CliRunner().invoke(
        cli, ["handoff-batch", str(events), "--contacts", str(contacts), "-o", str(tmp_path / "out.parquet")]
    )
    assert result.exit_code == 0, result.output
    assert "氏名" in result.output  # named as ignored, and never copied
    table = pq.read_table(tmp_path / "out.parquet")
    assert "山田" not in str(table.to_pylist())
    assert_same(table)


def test_parquet_to_parquet(tmp_path: Path) -> None:
    pq.write_table(event_table(), tmp_path / "events.parquet", row_group_size=50)
    contacts = evaluate_arrow_contacts()
    pq.write_table(contacts, tmp_path / "contacts.parquet")
    run(
        str(tmp_path / "events.parquet"),
        "--contacts",
        str(tmp_path / "contacts.parquet"),
        "-o",
        str(tmp_path / "out.parquet"),
        "--batch-size",
        "40",
    )
    table = pq.read_table(tmp_path / "out.parquet")
    assert pa.types.is_dictionary(table.schema.field("admission_1.reason").type)
    assert_same(table)


def evaluate_arrow_contacts(logs: list[list[Contact]] = LOGS) -> pa.Table:
    flat = [(i, c) for i, log in enumerate(logs) for c in log]
    return pa.table(
        {
            "event": [i for i, _ in flat],
            "at": pa.array([c.at for _, c in flat], pa.timestamp("s")),
            "from_party": [c.from_party.value for _, c in flat],
            "to_party": [c.to_party.value for _, c in flat],
            "means": [c.means.value for _, c in flat],
            "conference": [c.conference for _, c in flat],
        }
    )


def test_a_parquet_date_column_for_at_is_refused_as_a_date_without_a_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An event's ``at`` needs a time of day (the verdict turns on it: after hours, the windows). A date typed
    alone in a CSV is refused; a Parquet ``at`` of type date was read as midnight. It is refused the same way,
    naming file, row and column; a contact's date alone stays accepted, as in a CSV."""
    moment = pa.array([datetime(2024, 6, 14, 19, 10)], pa.timestamp("s"))
    day = pa.array([datetime(2024, 6, 14).date()], pa.date32())
    pq.write_table(pa.table({"kind": ["admission"], "at": day}), tmp_path / "dates.parquet")
    dates = str(tmp_path / "dates.parquet")
    assert main(["--lang", "ja", "handoff-batch", dates, "-o", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert "時刻がありません" in err and "[列 'at']" in err and "dates.parquet" in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()
    pq.write_table(pa.table({"kind": ["admission"], "at": moment}), tmp_path / "events.parquet")
    pq.write_table(pa.table({"event": [0], "at": day, "to_party": ["hospital"]}), tmp_path / "contacts.parquet")
    events, contacts = str(tmp_path / "events.parquet"), str(tmp_path / "contacts.parquet")
    result = CliRunner().invoke(
        cli, ["handoff-batch", events, "--contacts", contacts, "-o", str(tmp_path / "out.csv"), "-q"]
    )
    assert result.exit_code == 0, result.output


def test_a_bad_parquet_cell_is_named_by_row_in_the_runs_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Parquet file has rows, not lines: the error names the row from 1, as 行 in a Japanese run (it said
    ``[row '2']``, an English word in a Japanese line) and as row in an English one."""
    at = pa.array([datetime(2024, 6, 14, 19, 10), None], pa.timestamp("s"))
    events = tmp_path / "events.parquet"
    pq.write_table(pa.table({"kind": ["admission", "admission"], "at": at}), events)
    out = str(tmp_path / "out.csv")
    assert main(["--lang", "ja", "handoff-batch", str(events), "-o", out]) == 1
    assert "[ファイル " in (err := capsys.readouterr().err) and "[行 '2'] [列 'at']" in err and "[row" not in err
    assert main(["--lang", "en", "handoff-batch", str(events), "-o", out]) == 1
    assert "[row '2'] [column 'at']" in capsys.readouterr().err


def test_arrow_api_with_contacts_as_a_table_or_nested() -> None:
    as_table = evaluate_arrow(event_table(), evaluate_arrow_contacts(), calendar=CALENDAR)
    nested = evaluate_arrow(nested_table(), calendar=CALENDAR)
    assert as_table.equals(nested)
    assert_same(pa.Table.from_batches([as_table]))


def test_local_path_reads_the_contacts_nested_for_dask(tmp_path: Path) -> None:
    """The dataset the Dask engine takes (contacts nested in each event) gives the same verdicts without
    ``--engine dask``: a user trying it on one machine first is not given every contact ignored."""
    folder = tmp_path / "events"
    folder.mkdir()
    table = nested_table()
    for part in range(3):
        pq.write_table(table.slice(part * 100, 100), folder / f"part-{part}.parquet")
    result = CliRunner().invoke(
        cli, ["handoff-batch", str(folder), "-o", str(tmp_path / "out.parquet"), "--batch-size", "64", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "contacts" not in result.output  # not announced as a column left unread
    assert_same(pq.read_table(tmp_path / "out.parquet"))


def test_local_path_names_a_bad_nested_contact_by_its_event(tmp_path: Path) -> None:
    rows = nested_table().to_pylist()
    victim = next(i for i, row in enumerate(rows) if len(row["contacts"]) > 1)
    rows[victim]["contacts"][1]["to_party"] = "nobody"
    pq.write_table(pa.Table.from_pylist(rows, nested_table().schema), tmp_path / "events.parquet")
    result = CliRunner().invoke(cli, ["handoff-batch", str(tmp_path / "events.parquet")])
    said = str(result.exception)
    assert f"[row '{victim + 1}'] [column 'contacts.to_party']" in said  # the event's row, from 1
    assert "nobody" not in said


def _with_a_bad_nested_contact(after: int = 0) -> tuple[pa.Table, int]:
    """The nested table with the second contact of an event past row ``after`` made unreadable; the event's row."""
    rows = nested_table().to_pylist()
    victim = next(i for i, row in enumerate(rows) if len(row["contacts"]) > 1 and i > after)
    rows[victim]["contacts"][1]["to_party"] = "nobody"
    return pa.Table.from_pylist(rows, nested_table().schema), victim


def test_arrow_api_names_a_bad_nested_contact_by_its_event() -> None:
    """evaluate_arrow numbered a bad nested contact by its place among all the contacts (a row no one can
    find); it names its event's row, as the local path does."""
    from zaitaku_core.errors import InputError

    table, victim = _with_a_bad_nested_contact(after=5)
    assert sum(len(log) for log in LOGS[:victim]) != victim  # the two numberings differ for this event
    with pytest.raises(InputError) as caught:
        evaluate_arrow(table, calendar=CALENDAR)
    assert caught.value.location == {"row": str(victim + 1), "column": "contacts.to_party"}
    assert "nobody" not in str(caught.value)


@pytest.mark.parametrize("subject", [True, False], ids=["caps-two-passes", "one-pass"])
def test_dask_names_a_bad_nested_contact_as_the_local_path_does(tmp_path: Path, subject: bool) -> None:
    """On a dataset of three files, --engine dask names a bad nested contact by the dataset and its event's
    row in it (not its place among the flattened contacts, nor its row within a partition), as without it."""
    pytest.importorskip("dask.dataframe", reason="the dask extra is not installed")
    table, victim = _with_a_bad_nested_contact(after=150)  # in the second file
    if not subject:
        table = table.drop_columns(["subject"])
    folder = tmp_path / "events"
    folder.mkdir()
    for part in range(3):
        pq.write_table(table.slice(part * 100, 100), folder / f"part-{part}.parquet")
    said = {}
    for engine in ("local", "dask"):
        out = tmp_path / f"out-{engine}"
        result = CliRunner().invoke(cli, ["handoff-batch", str(folder), "-o", str(out), "--engine", engine, "-q"])
        assert result.exit_code == 1 and not out.exists(), result.output
        said[engine] = str(result.exception)
    expected = f"[file '{folder}'] [row '{victim + 1}'] [column 'contacts.to_party']"
    assert expected in said["local"] and expected in said["dask"], said
    assert "nobody" not in said["dask"]


def test_evaluate_partition_raises_the_librarys_input_error() -> None:
    """evaluate_partition is public (a user's own map_partitions): a bad cell is an InputError named by its
    row in the partition, not the engine's internal signal that carries the partition's number."""
    pytest.importorskip("pandas", reason="the dask extra is not installed")
    from zaitaku_core.errors import InputError
    from zaitaku_core.handoff.engine import DEFAULT_OPTIONS
    from zaitaku_core.handoff.engines.dask import evaluate_partition

    table, victim = _with_a_bad_nested_contact(after=5)
    with pytest.raises(InputError) as caught:
        evaluate_partition(table.to_pandas(), CALENDAR, DEFAULT_OPTIONS)
    assert caught.value.location == {"row": str(victim + 1), "column": "contacts.to_party"}


def test_dask_on_a_local_cluster_gives_the_local_results(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe", reason="the dask extra is not installed")
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    folder = tmp_path / "events"
    folder.mkdir()
    table = nested_table()
    for part in range(12):  # a dataset of twelve files: part-10 must come back after part-9
        pq.write_table(table.slice(part * 25, 25), folder / f"part-{part:02d}.parquet")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c:
        run(str(folder), "-o", str(tmp_path / "out"), "--engine", "dask", "--scheduler", c.scheduler_address)
    result = pq.read_table(tmp_path / "out")  # in the events' order, through the caps' shuffle by subject
    assert_same(result)


def test_dask_in_process_caps_across_partitions_and_leaves_no_scratch(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe", reason="the dask extra is not installed")
    import dask

    from zaitaku_core.handoff.engines.dask import evaluate_dask

    events, logs = crowded_sample(60, seed=5)
    uncapped = [evaluate(e, log, calendar=CALENDAR) for e, log in zip(events, logs, strict=True)]
    expected = apply_monthly_caps([(e.subject, v) for e, v in zip(events, uncapped, strict=True)])
    taken = [a.reason for v in expected for a in v.addons if a.reason in (Reason.MONTHLY_CAP, Reason.STAY_CAP)]
    assert len(taken) > 10  # the sample bites: many claims are taken back, across the files
    folder = tmp_path / "events"
    folder.mkdir()
    table = nested_table(events, logs)
    for part in range(3):  # every subject has events in each file: its caps count across them
        pq.write_table(table.slice(part * 20, 20), folder / f"part-{part}.parquet")
    with dask.config.set(scheduler="synchronous"):
        assert evaluate_dask(folder, tmp_path / "out", calendar=CALENDAR) == len(events)
    assert_same(pq.read_table(tmp_path / "out"), expected)
    pq.write_table(event_table(events), tmp_path / "all.parquet")
    pq.write_table(evaluate_arrow_contacts(logs), tmp_path / "contacts.parquet")
    run(
        str(tmp_path / "all.parquet"),
        "--contacts",
        str(tmp_path / "contacts.parquet"),
        "-o",
        str(tmp_path / "local.parquet"),
    )
    # the local path agrees, value for value (it keeps dictionaries where Dask's pandas partitions cannot)
    assert pq.read_table(tmp_path / "local.parquet").to_pylist() == pq.read_table(tmp_path / "out").to_pylist()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"part-00000{i}.parquet" for i in range(3)]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_dask_scheduler_that_is_not_there_is_an_input_error_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--scheduler naming no running scheduler was the file-access error 'ファイルを読み書きできません: OSError',
    its reason (a connection timeout) lost; a text that is no address, a traceback-free internal error. Both
    are now the input error naming --scheduler with the reason, and nothing is written."""
    pytest.importorskip("distributed")
    import dask

    pq.write_table(nested_table(), tmp_path / "events.parquet")
    out = tmp_path / "out"
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for address, reason in ((f"tcp://127.0.0.1:{port}", "Timed out"), ("not an address", "missing port")):
        with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
            events = str(tmp_path / "events.parquet")
            status = main(["handoff-batch", events, "-o", str(out), "--engine", "dask", "--scheduler", address, "-q"])
        err = capsys.readouterr().err
        assert status == 1 and f"Dask のスケジューラ {address} に接続できません" in err and reason in err, err
        assert "[項目 '--scheduler']" in err and not out.exists()


def test_dask_refuses_to_replace_a_folder_of_other_files(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe", reason="the dask extra is not installed")
    pq.write_table(nested_table(), tmp_path / "events.parquet")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    result = CliRunner().invoke(
        cli, ["handoff-batch", str(tmp_path / "events.parquet"), "-o", str(tmp_path / "out"), "--engine", "dask"]
    )
    assert result.exit_code != 0 and (tmp_path / "out" / "notes.txt").read_text() == "mine"


def _java() -> str | None:
    java = shutil.which("java")
    if java is None:
        return None
    probe = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    return java if probe.returncode == 0 else None


def spark_verdicts(monkeypatch: pytest.MonkeyPatch, n: int, *, as_given: bool = False, **engine: Any) -> pa.Table:
    """The first ``n`` events nested with their contacts, evaluated by Spark ``local[2]`` (``engine``: the
    calendar and options), sorted by subject and time; ``as_given``: in the order the engine returns them
    (the events' order, in as many partitions as ``local[2]`` makes, not reshuffled first)."""
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # the workers import zaitaku_core from this venv
    from pyspark.sql import SparkSession

    from zaitaku_core.handoff.engines.spark import evaluate_spark

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("zaitaku-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "Asia/Tokyo")
        .getOrCreate()
    )
    try:
        frame = spark.createDataFrame(nested_table().slice(0, n))
        frame = frame if as_given else frame.repartition(2)
        result = evaluate_spark(frame, **engine).toArrow()
    finally:
        spark.stop()
    return result if as_given else result.sort_by([("subject", "ascending"), ("at", "ascending")])


@pytest.mark.skipif(_java() is None, reason="Spark needs Java (17 or later), which is not installed")
def test_spark_map_in_arrow_gives_the_local_results(monkeypatch: pytest.MonkeyPatch) -> None:
    in_order = spark_verdicts(monkeypatch, 60, as_given=True, calendar=CALENDAR)
    assert_same(in_order, apply_monthly_caps([(e.subject, v) for e, v in zip(EVENTS[:60], UNCAPPED, strict=False)]))


def sorted_verdicts(n: int, uncapped: list[Verdict] = UNCAPPED) -> list[Verdict]:
    """The verdicts of the first ``n`` events, capped, in the order of subject and time."""
    capped = apply_monthly_caps([(e.subject, v) for e, v in zip(EVENTS[:n], uncapped[:n], strict=True)])
    order = sorted(range(n), key=lambda i: (EVENTS[i].subject, EVENTS[i].at))
    return [capped[i] for i in order]
