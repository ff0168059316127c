"""``zaitaku handoff-batch``'s options, end to end: ``--reading``, ``--holidays``, ``--city``/``--calendar`` and
``--summary``, on CSV and Parquet. Every batch result is compared with the scalar engine under the same
reading and the same office calendar (the holidays file's dates closed too)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from test_batch_paths import (
    CALENDAR,
    EVENTS,
    LOGS,
    _java,
    assert_same,
    evaluate_arrow_contacts,
    event_table,
    nested_table,
    sorted_verdicts,
    spark_verdicts,
    write_csv,
)

from zaitaku_core.calendar import BusinessCalendar
from zaitaku_core.cli import cli, main
from zaitaku_core.errors import InputError
from zaitaku_core.handoff import Contact, Event, HandoffOptions, Verdict, apply_monthly_caps, evaluate
from zaitaku_core.handoff.engine import READINGS
from zaitaku_core.handoff.summary import OfficeCounter, office_summary
from zaitaku_core.io.holidays import read_closed_dates

# The office's own closed days: the 13th to the 16th of every month of the sample's span, so that many
# events and windows of the sample meet one.
CLOSED = tuple(date(year, month, day) for year in range(2017, 2028) for month in range(1, 13) for day in range(13, 17))
WITH_HOLIDAYS = CALENDAR.with_closed(CLOSED)

#: Every documented reading with each value it takes (the default first).
EVERY_READING = [f"{name}={value}" for name, (values, _, _) in READINGS.items() for value in values]


def write_holidays(path: Path) -> Path:
    """``CLOSED`` as an office would write it: cp932 CSV with a header, a comment, the forms people type."""
    forms = [
        lambda d: d.isoformat(),
        lambda d: f"{d.year}/{d.month}/{d.day}",
        lambda d: f"令和{d.year - 2018}年{d.month}月{d.day}日" if d >= date(2019, 5, 1) else d.isoformat(),
        lambda d: f"R{d.year - 2018}.{d.month}.{d.day}" if d >= date(2019, 5, 1) else f"{d.year}年{d.month}月{d.day}日",
    ]
    lines = ["# 事業所の休業日", "名称,日付"]
    lines += [f"休業{i},{forms[i % 4](day)}" for i, day in enumerate(CLOSED)]
    path.write_text("\n".join(lines) + "\n", encoding="cp932")
    return path


def scalar(options: HandoffOptions, calendar: BusinessCalendar = WITH_HOLIDAYS) -> list[Verdict]:
    uncapped = [evaluate(e, log, calendar=calendar, options=options) for e, log in zip(EVENTS, LOGS, strict=True)]
    return apply_monthly_caps([(e.subject, v) for e, v in zip(EVENTS, uncapped, strict=True)])


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, ["handoff-batch", *args, "--quiet"])
    assert result.exit_code == 0, result.output
    return result.stdout


def read_csv(path: Path) -> pa.Table:
    return pa_csv.read_csv(path, convert_options=pa_csv.ConvertOptions(strings_can_be_null=True))


@pytest.mark.parametrize("reading", EVERY_READING)
def test_every_reading_with_a_holidays_file_equals_the_scalar_engine_on_csv_and_parquet(
    tmp_path: Path, reading: str
) -> None:
    holidays = write_holidays(tmp_path / "休業日.csv")
    expected = scalar(HandoffOptions.from_readings([reading]))
    events, contacts = write_csv(tmp_path)
    invoke(str(events), "--contacts", str(contacts), "--reading", reading, "--holidays", str(holidays),
           "-o", str(tmp_path / "out.csv"), "--batch-size", "64")  # fmt: skip
    assert_same(read_csv(tmp_path / "out.csv"), expected)
    pq.write_table(event_table(), tmp_path / "events.parquet", row_group_size=50)
    pq.write_table(evaluate_arrow_contacts(), tmp_path / "contacts.parquet")
    invoke(str(tmp_path / "events.parquet"), "--contacts", str(tmp_path / "contacts.parquet"), "--reading", reading,
           "--holidays", str(holidays), "-o", str(tmp_path / "out.parquet"))  # fmt: skip
    assert_same(pq.read_table(tmp_path / "out.parquet"), expected)


def test_readings_combine_and_the_holidays_change_verdicts(tmp_path: Path) -> None:
    readings = ["extension_unit=business_day", "day_count_start=next_day", "after_hours_includes_closed_day=false"]
    options = HandoffOptions.from_readings(readings)
    expected = scalar(options)
    assert expected != scalar(options, CALENDAR)  # the holidays file matters to this sample
    assert expected != scalar(HandoffOptions(), WITH_HOLIDAYS)  # and so do the readings
    events, contacts = write_csv(tmp_path)
    flags = [arg for reading in readings for arg in ("--reading", reading)]
    holidays = write_holidays(tmp_path / "h.csv")
    invoke(str(events), "--contacts", str(contacts), *flags, "--holidays", str(holidays), "-o", str(tmp_path / "o.csv"))
    assert_same(read_csv(tmp_path / "o.csv"), expected)


def test_a_bad_reading_is_one_usage_line_with_a_suggestion_and_listed_by_help(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events, _ = write_csv(tmp_path)
    for lang, reading, hint in (
        ("en", "extension_units=business_day", "did you mean 'extension_unit'?"),
        ("en", "extension_unit=business_days", "did you mean 'business_day'?"),
        ("ja", "extension_units=business_day", "'extension_unit' のことですか"),
    ):
        args = ["--lang", lang, "handoff-batch", str(events), "--reading", reading, "-o", str(tmp_path / "o.csv")]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert hint in err and "--reading" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()
    help_text = CliRunner().invoke(cli, ["handoff-batch", "--help"]).output
    for name in READINGS:
        assert name in help_text.replace("\n", "").replace(" ", "")


def test_the_holidays_file_forms_and_encodings(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("2024-08-13\n\n# comment\n2024/8/14\n", encoding="utf-8")
    bom = tmp_path / "bom.csv"
    bom.write_text("日付,名称\n令和6年8月15日,お盆\nR6.8.16,お盆\n２０２４年８月１３日,重複\n", encoding="utf-8-sig")
    assert read_closed_dates(plain) == (date(2024, 8, 13), date(2024, 8, 14))
    assert read_closed_dates(bom) == (date(2024, 8, 13), date(2024, 8, 15), date(2024, 8, 16))
    headless = tmp_path / "headless.csv"
    headless.write_text("2024-12-27,仕事納め\n2025/1/6,\n", encoding="cp932")
    assert read_closed_dates(headless) == (date(2024, 12, 27), date(2025, 1, 6))


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("日付\n2024-08-13\n令和6年2月30日\n", "3"),
        ("2024-08-13\nお盆\n", "2"),
        ("2024-08-13\n1999-12-31\n", "2"),
        # a row of dates saved from a spreadsheet: only the first was read, the others dropped without a word
        ("2024-08-13,お盆\n2024-08-14,2024-08-15,2024-08-16\n", "2"),
    ],
)
def test_a_bad_holidays_line_is_one_error_naming_the_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: str
) -> None:
    path = tmp_path / "休業日.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_closed_dates(path)
    assert error.value.location == {"file": str(path), "line": line}
    events, _ = write_csv(tmp_path)
    assert main(["handoff-batch", str(events), "--holidays", str(path), "-o", str(tmp_path / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "休業日.csv" in err and f"'{line}'" in err
    assert "お盆" not in err and "30日" not in err  # the value is never echoed
    assert not (tmp_path / "out.csv").exists()


def test_a_bad_holidays_line_reads_in_the_language_of_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "休業日.csv"
    path.write_text("日付\n2024-08-13\nお盆の翌日\n", encoding="utf-8")
    events, _ = write_csv(tmp_path)
    args = ["handoff-batch", str(events), "--holidays", str(path), "-o", str(tmp_path / "out.csv")]
    assert main(["--lang", "ja", *args]) == 1
    ja = capsys.readouterr().err
    assert main(["--lang", "en", *args]) == 1
    en = capsys.readouterr().err
    assert "日付として読めません（例：2024-08-13" in ja and "[行 '3']" in ja and "not a date" not in ja
    assert "not a date (write e.g. 2024-08-13" in en and "[line '3']" in en and "読めません" not in en
    assert "お盆" not in ja + en  # the value is never echoed


def test_a_bad_events_row_reads_in_the_language_of_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "e.csv"
    events.write_text("kind,at\nadmission,2024-06-14 10:00\nadmission,2024-06-14 11:00,extra\n", encoding="utf-8")
    args = ["handoff-batch", str(events), "-o", str(tmp_path / "out.csv")]
    assert main(["--lang", "ja", *args]) == 1
    ja = capsys.readouterr().err
    assert main(["--lang", "en", *args]) == 1
    en = capsys.readouterr().err
    assert "列の数が見出しと合いません [ファイル" in ja and "[行 '3']" in ja and "wrong number" not in ja
    assert "wrong number of cells [file" in en and "[line '3']" in en and "列の数" not in en
    assert not (tmp_path / "out.csv").exists()


def _city_with_calendars(tmp_path: Path, calendars: str) -> Path:
    args = ["new-city", "kushiro", "--code", "012068", "--name", "釧路市", "--folder", "--dir", str(tmp_path)]
    assert main(args) == 0
    if calendars:
        (tmp_path / "kushiro" / "calendars.toml").write_text(calendars, encoding="utf-8")
    return tmp_path / "kushiro"


KUSHIRO = """
[[calendars]]
id = "kyotaku-a"
name = "居宅介護支援事業所A"
closed_weekdays = [6]
closes = "18:00"
closed_dates = [2019-08-14, 2023-08-14]
"""


def test_a_citys_calendar_by_name_or_code_with_a_holidays_file(tmp_path: Path) -> None:
    """``--city`` resolves the city as every command does (id, Japanese name, code) and takes the calendar it
    declares; ``--holidays`` closes more days on top of it."""
    folder = _city_with_calendars(tmp_path, KUSHIRO)
    calendar = BusinessCalendar.build(closed_weekdays=[6], closes=datetime(2000, 1, 1, 18).time(),
                                      closed_dates=[date(2019, 8, 14), date(2023, 8, 14)])  # fmt: skip
    events, contacts = write_csv(tmp_path)
    holidays = write_holidays(tmp_path / "h.csv")
    options = HandoffOptions.from_readings(["day_count_start=next_day"])
    expected = scalar(options, calendar.with_closed(CLOSED))
    assert expected != scalar(options, WITH_HOLIDAYS)  # the city's calendar matters
    for name in ("釧路市", "01206"):
        result = CliRunner().invoke(cli, ["--data-dir", str(folder), "handoff-batch", str(events), "--contacts",
            str(contacts), "--city", name, "--holidays", str(holidays), "--reading", "day_count_start=next_day",
            "-o", str(tmp_path / "o.csv"), "-q"])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert_same(read_csv(tmp_path / "o.csv"), expected)
    without = scalar(options, calendar)  # the city's calendar alone, on Parquet
    pq.write_table(nested_table().drop_columns(["contacts"]), tmp_path / "e.parquet")
    pq.write_table(evaluate_arrow_contacts(), tmp_path / "c.parquet")
    result = CliRunner().invoke(cli, ["--data-dir", str(folder), "handoff-batch", str(tmp_path / "e.parquet"),
        "--contacts", str(tmp_path / "c.parquet"), "--city", "kushiro", "--calendar", "kyotaku-a", "--reading",
        "day_count_start=next_day", "-o", str(tmp_path / "o.parquet"), "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_same(pq.read_table(tmp_path / "o.parquet"), without)


@pytest.mark.parametrize(
    ("calendars", "args", "message"),
    [
        ("", ["--city", "kushiro"], "declares no office calendar"),
        (KUSHIRO + KUSHIRO.replace("kyotaku-a", "kyotaku-b"), ["--city", "kushiro"], "give --calendar ID"),
        (KUSHIRO, ["--city", "kushiro", "--calendar", "nope"], "no calendar 'nope'"),
        (KUSHIRO, ["--calendar", "kyotaku-a"], "--calendar names a calendar of the city"),
        (KUSHIRO, ["--city", "kushiro", "--office-closed", "sun"], "--city uses the city's calendar"),
        (KUSHIRO, ["--city", "kushro"], "kushro"),
    ],
)
def test_calendar_choices_that_do_not_fit_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], calendars: str, args: list[str], message: str
) -> None:
    folder = _city_with_calendars(tmp_path, calendars)
    events, _ = write_csv(tmp_path)
    command = ["--lang", "en", "--data-dir", str(folder), "handoff-batch", str(events), *args]
    status = main([*command, "-o", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert status in (1, 2) and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.csv").exists()


# --- the office summary ---------------------------------------------------------------------------------------


def hospital(at: str, means: str = "in_person", conference: bool = False) -> Contact:
    return Contact(at=datetime.fromisoformat(at), to_party="hospital", means=means, conference=conference)


def home_visit(at: str) -> Contact:
    return Contact(at=datetime.fromisoformat(at), to_party="user", means="home_visit")


def discharge(subject: str, at: str, admitted: str, service_start: date | None = None) -> Event:
    return Event(subject=subject, kind="discharge", at=datetime.fromisoformat(at),
                 admitted_at=datetime.fromisoformat(admitted), service_start=service_start)  # fmt: skip


#: The hand-worked office: (event, contacts, the claim expected: (add-on, tier) or None).
OFFICE: list[tuple[Event, list[Contact], tuple[str, str | None] | None]] = [
    # d1: one 面談 → 退院・退所加算(Ⅰ)イ, 1 contact, claimed 2023-03: FY2024's period (2023-03 … 2024-02).
    (discharge("d1", "2023-03-15T11:00", "2023-03-01T10:00"), [hospital("2023-03-10T10:00")], ("discharge", "(Ⅰ)イ")),
    # d2: two days, one a video conference → (Ⅱ)ロ, 2 contacts, claimed 2024-02: FY2024.
    (
        discharge("d2", "2024-02-20T11:00", "2024-02-01T10:00"),
        [hospital("2024-02-15T10:00"), hospital("2024-02-16T10:00", "video", conference=True)],
        ("discharge", "(Ⅱ)ロ"),
    ),
    # d3: three days with a conference → (Ⅲ), 3 contacts; service starts in March: claimed 2024-03, FY2025.
    (
        discharge("d3", "2024-02-26T11:00", "2024-02-01T10:00", service_start=date(2024, 3, 1)),
        [hospital("2024-02-20T10:00"), hospital("2024-02-21T10:00"), hospital("2024-02-22T10:00", conference=True)],
        ("discharge", "(Ⅲ)"),
    ),
    # d4: a FAX is no 面談: nothing claimed, nothing counted.
    (discharge("d4", "2024-05-10T11:00", "2024-05-01T10:00"), [hospital("2024-05-08T10:00", "fax")], None),
    # t1: home visits on two days within the 14 before death → ターミナルケアマネジメント加算, 2024-01: FY2024.
    (
        Event(subject="t1", kind="death", at=datetime(2024, 1, 10, 3, 0)),
        [home_visit("2024-01-05T10:00"), home_visit("2024-01-08T10:00")],
        ("terminal_care", None),
    ),
    # t2: the same in March 2024: FY2025.
    (
        Event(subject="t2", kind="death", at=datetime(2024, 3, 5, 3, 0)),
        [home_visit("2024-03-01T10:00"), home_visit("2024-03-04T10:00")],
        ("terminal_care", None),
    ),
    # t3: one visit only: not claimable.
    (Event(subject="t3", kind="death", at=datetime(2024, 6, 10, 3, 0)), [home_visit("2024-06-07T10:00")], None),
]
#: The hand count. FY2024 (2023-03 … 2024-02): discharge contacts 1 (d1) + 2 (d2) = 3, terminal claims 1 (t1);
#: the events fall in 2023-03 … 2024-02, so the period is covered from end to end. FY2025 (2024-03 … 2025-02):
#: contacts 3 (d3), terminal claims 1 (t2); events only 2024-03 … 2024-06: incomplete. Both years' thresholds
#: are FY2024's (35 contacts, 15 claims): not reached.
HAND_COUNT = {
    2024: {"discharge": 3, "terminal_care": 1, "covered": ["2023-03", "2024-02"], "complete": True},
    2025: {"discharge": 3, "terminal_care": 1, "covered": ["2024-03", "2024-06"], "complete": False},
}


def write_office(folder: Path) -> tuple[Path, Path, Path]:
    events = [e for e, _, _ in OFFICE]
    rows = ["subject,kind,at,admitted_at,service_start"]
    for e in events:
        admitted = e.admitted_at.isoformat() if e.admitted_at else ""
        rows.append(f"{e.subject},{e.kind.value},{e.at.isoformat()},{admitted},{e.service_start or ''}")
    (folder / "office.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    contacts = ["event,at,to_party,means,conference"]
    for index, (_, log, _) in enumerate(OFFICE):
        contacts += [f"{index},{c.at.isoformat()},{c.to_party.value},{c.means.value},{c.conference}" for c in log]
    (folder / "office-contacts.csv").write_text("\n".join(contacts) + "\n", encoding="utf-8")
    pq.write_table(office_table(), folder / "office.parquet")
    return folder / "office.csv", folder / "office-contacts.csv", folder / "office.parquet"


def test_the_hand_worked_office_claims_what_the_comments_say() -> None:
    for event, log, claim in OFFICE:
        verdict = evaluate(event, log, calendar=CALENDAR)
        claimed = [(a.addon_id, a.tier) for a in verdict.addons if a.claimable]
        assert claimed == ([claim] if claim else []), event.subject


def check_summary(data: dict[str, object]) -> None:
    years = {y["fiscal_year"]: y for y in data["office_addons"]}  # type: ignore[attr-defined]
    assert sorted(years) == sorted(HAND_COUNT)
    for fiscal_year, hand in HAND_COUNT.items():
        year = years[fiscal_year]
        counts = {c["addon_id"]: (c["count"], c["at_least"]) for c in year["counts"]}
        assert counts == {"discharge": (hand["discharge"], 35), "terminal_care": (hand["terminal_care"], 15)}
        assert (year["covered"], year["complete"], year["thresholds_met"]) == (hand["covered"], hand["complete"], False)
        assert year["units"] == 125


def test_the_summary_on_csv_and_parquet_matches_the_hand_count(tmp_path: Path) -> None:
    events, contacts, parquet = write_office(tmp_path)
    contacts_parquet = tmp_path / "c.parquet"
    pq.write_table(read_csv(contacts), contacts_parquet)
    for source, log in ((events, contacts), (parquet, contacts_parquet)):
        out = tmp_path / f"{source.stem}.json"
        invoke(str(source), "--contacts", str(log), "-o", str(tmp_path / "v.parquet"), "--summary-output", str(out),
               "--batch-size", "2")  # fmt: skip  # counted across batches while they are written
        check_summary(json.loads(out.read_text(encoding="utf-8")))
        printed = invoke(str(source), "--contacts", str(log), "-o", str(tmp_path / "v.csv"), "--summary",
                         "--summary-format", "json")  # fmt: skip
        check_summary(json.loads(printed))


def test_the_summary_table_in_japanese_and_english(tmp_path: Path) -> None:
    events, contacts, _ = write_office(tmp_path)
    ja = invoke(str(events), "--contacts", str(contacts), "-o", str(tmp_path / "v.csv"), "--summary")
    assert ja.splitlines()[0] == "特定事業所医療介護連携加算（125 単位/月）: 年度ごとの回数（前々年度3月〜前年度2月）"
    assert "| 年度 | 期間 | 退院・退所加算 連携の回数 | ターミナルケアマネジメント加算 算定回数 | 判定 |" in ja
    assert "| 令和6年度 | 2023-03〜2024-02 | 3 / 35以上 | 1 / 15以上 | 要件の回数に届かない |" in ja
    assert "| 令和7年度 | 2024-03〜2025-02 | 3 / 35以上 | 1 / 15以上 | 要件の回数に届かない * |" in ja
    assert "* 令和7年度: データが期間の一部のみ (2024-03〜2024-06)" in ja
    assert "判定しない要件: 特定事業所加算(Ⅰ)〜(Ⅲ)" in ja
    en = invoke(str(events), "--contacts", str(contacts), "-o", str(tmp_path / "v.csv"), "--summary", "--lang", "en")
    assert "| FY2024 | 2023-03 – 2024-02 | 3 (at least 35) | 1 (at least 15) | thresholds not reached |" in en
    assert "| fiscal year | period | discharge add-on contacts | terminal care management add-on claims |" in en
    # The verdicts on standard output: the summary goes to standard error.
    result = CliRunner().invoke(cli, ["handoff-batch", str(events), "--contacts", str(contacts), "--summary", "-q"])
    assert result.exit_code == 0 and result.stdout.startswith("\ufeff") and "年度ごとの回数" in result.stderr
    assert "年度ごとの回数" not in result.stdout


def test_the_streaming_counter_equals_the_whole_results_summary() -> None:
    """The counts made batch by batch equal :func:`office_summary` over the whole result (the numpy API)."""
    from zaitaku_core.handoff import evaluate_batch
    from zaitaku_core.handoff.engines.arrow import evaluate_arrow
    from zaitaku_core.testing.handoff import batch_columns

    events = [e for e, _, _ in OFFICE]
    columns, contacts = batch_columns(events, [log for _, log, _ in OFFICE])
    whole = office_summary(evaluate_batch(columns, contacts, calendar=CALENDAR), columns["at"])
    counter = OfficeCounter()
    for lo in range(0, len(OFFICE), 3):
        part = OFFICE[lo : lo + 3]
        cols, cons = batch_columns([e for e, _, _ in part], [log for _, log, _ in part])
        counter.add(evaluate_batch(cols, cons, calendar=CALENDAR), cols["at"])
    assert counter.years() == whole
    arrow = OfficeCounter()
    arrow.add_arrow(
        evaluate_arrow(office_table(), evaluate_arrow_contacts([log for _, log, _ in OFFICE]), calendar=CALENDAR)
    )
    assert arrow.years() == whole
    assert [y.to_dict()["counts"][0]["count"] for y in whole] == [HAND_COUNT[y.fiscal_year]["discharge"] for y in whole]


def office_table() -> pa.Table:
    return pa.table(
        {
            "subject": [e.subject for e, _, _ in OFFICE],
            "kind": [e.kind.value for e, _, _ in OFFICE],
            "at": pa.array([e.at for e, _, _ in OFFICE], pa.timestamp("s")),
            "admitted_at": pa.array([e.admitted_at for e, _, _ in OFFICE], pa.timestamp("s")),
            "service_start": pa.array([e.service_start for e, _, _ in OFFICE], pa.date32()),
        }
    )


# --- the other engines take the reading and the calendar too -----------------------------------------------


def test_dask_takes_the_reading_the_holidays_and_gives_the_summary(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe", reason="the dask extra is not installed")
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    reading = "day_count_start=next_day"
    expected = scalar(HandoffOptions.from_readings([reading]))
    order = sorted(range(len(EVENTS)), key=lambda i: (EVENTS[i].subject, EVENTS[i].at))
    folder = tmp_path / "events"
    folder.mkdir()
    pq.write_table(nested_table(), folder / "part-0.parquet")
    holidays = write_holidays(tmp_path / "h.csv")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as c:
        printed = invoke(str(folder), "-o", str(tmp_path / "out"), "--engine", "dask", "--scheduler",
                         c.scheduler_address, "--reading", reading, "--holidays", str(holidays), "--summary",
                         "--summary-format", "json")  # fmt: skip
    result = pq.read_table(tmp_path / "out").sort_by([("subject", "ascending"), ("at", "ascending")])
    assert_same(result, [expected[i] for i in order])
    pq.write_table(event_table(), tmp_path / "flat.parquet")
    pq.write_table(evaluate_arrow_contacts(), tmp_path / "contacts.parquet")
    local = invoke(str(tmp_path / "flat.parquet"), "--contacts", str(tmp_path / "contacts.parquet"), "-o",
                   str(tmp_path / "v.csv"), "--reading", reading, "--holidays", str(holidays), "--summary",
                   "--summary-format", "json")  # fmt: skip
    assert json.loads(printed) == json.loads(local)


@pytest.mark.skipif(_java() is None, reason="Spark needs Java (17 or later), which is not installed")
def test_spark_takes_the_reading_and_the_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    options = HandoffOptions.from_readings(["extension_unit=business_day", "day_count_start=next_day"])
    uncapped = [evaluate(e, log, calendar=WITH_HOLIDAYS, options=options) for e, log in zip(EVENTS, LOGS, strict=True)]
    result = spark_verdicts(monkeypatch, 60, calendar=WITH_HOLIDAYS, options=options)
    assert_same(result, sorted_verdicts(60, uncapped))


def test_a_closed_day_from_the_file_extends_the_admission_window(tmp_path: Path) -> None:
    """Hand-worked: admitted Tue 2024-08-13 10:00, the office closed that day by its own calendar (お盆).
    An admission on a day the office is closed extends 入院時情報連携加算(Ⅰ) to the next day (令和6年度 (Ⅰ):
    「入院した日のうちに（営業時間終了後又は営業日以外の日に入院した場合は入院日の翌日を含む）」), so a contact
    on 8/14 earns (Ⅰ) 250 units with the holidays file and (Ⅱ) 200 without."""
    (tmp_path / "e.csv").write_text("subject,kind,at\nA1,admission,2024-08-13T10:00\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("event,at,to_party\n0,2024-08-14T10:00,hospital\n", encoding="utf-8")
    (tmp_path / "h.txt").write_text("2024-08-13\n", encoding="utf-8")
    base = [str(tmp_path / "e.csv"), "--contacts", str(tmp_path / "c.csv"), "-o", str(tmp_path / "o.csv")]
    invoke(*base)
    row = read_csv(tmp_path / "o.csv").to_pylist()[0]
    assert (row["after_hours"], row["units"], row["admission_2.units"]) == (False, 200, 200)
    invoke(*base, "--holidays", str(tmp_path / "h.txt"))
    row = read_csv(tmp_path / "o.csv").to_pylist()[0]
    assert (row["after_hours"], row["units"], row["admission_1.units"], row["admission_1.window_end"]) == (
        True,
        250,
        250,
        date(2024, 8, 14),
    )


def test_no_summary_year_is_said_plainly(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("kind,at\nadmission,2019-06-03T10:00\n", encoding="utf-8")
    printed = invoke(str(tmp_path / "e.csv"), "-o", str(tmp_path / "o.csv"), "--summary", "--lang", "en")
    assert "no fiscal year to count" in printed
    assert json.loads(invoke(str(tmp_path / "e.csv"), "-o", str(tmp_path / "o.csv"), "--summary-format", "json",
                             "--summary"))["office_addons"] == []  # fmt: skip


def test_the_scalar_command_reads_the_same_holidays_file(tmp_path: Path) -> None:
    """``zaitaku handoff --holidays-file`` (its ``--holidays`` is the national-holidays switch) gives the verdict
    ``handoff-batch --holidays`` gives for the same event: the closed-day case above."""
    (tmp_path / "h.csv").write_text("日付,名称\n令和6年8月13日,お盆\n", encoding="cp932")
    args = ["handoff", "tokushima", "--event", "admission", "--at", "2024-08-13T10:00", "--contact",
            "2024-08-14T10:00:hospital", "--json"]  # fmt: skip
    plain = json.loads(invoke_root(*args))
    closed = json.loads(invoke_root(*args, "--holidays-file", str(tmp_path / "h.csv")))
    assert (plain["after_hours"], plain["units"]) == (False, 200)
    assert (closed["after_hours"], closed["units"]) == (True, 250)
    (tmp_path / "e.csv").write_text("kind,at\nadmission,2024-08-13T10:00\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("event,at,to_party\n0,2024-08-14T10:00,hospital\n", encoding="utf-8")
    for name in ("--holidays", "--holidays-file"):
        invoke(str(tmp_path / "e.csv"), "--contacts", str(tmp_path / "c.csv"), name, str(tmp_path / "h.csv"),
               "-o", str(tmp_path / "o.csv"))  # fmt: skip
        row = read_csv(tmp_path / "o.csv").to_pylist()[0]
        assert (row["after_hours"], row["units"]) == (closed["after_hours"], closed["units"])


def invoke_root(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_summary_never_replaces_the_verdicts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events, _, _ = write_office(tmp_path)
    out = tmp_path / "v.csv"
    assert main(["handoff-batch", str(events), "-o", str(out), "--summary-output", str(out), "-q"]) == 2
    assert "--summary-output" in capsys.readouterr().err and not out.exists()


@pytest.mark.parametrize(
    "content",
    [b"2024-08-13," + b"x" * 200_000 + b"\n", b"2024-08-13\n\x00\x01\n", bytes(range(128, 256)) * 20],
    ids=["a cell past the csv limit", "a NUL", "neither UTF-8 nor cp932"],
)
def test_a_hostile_holidays_file_is_one_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    (tmp_path / "h.csv").write_bytes(content)
    (tmp_path / "e.csv").write_text("kind,at\nadmission,2024-08-13T10:00\n", encoding="utf-8")
    assert main(["handoff-batch", str(tmp_path / "e.csv"), "--holidays", str(tmp_path / "h.csv"), "-q"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "h.csv" in err and "xxxx" not in err


def test_the_summary_of_coded_results_equals_the_one_of_texts() -> None:
    """A 退院・退所加算 claim counts the contacts its tier names whether the tier is a text or a code."""
    from zaitaku_core.handoff import evaluate_batch
    from zaitaku_core.testing.handoff import batch_columns

    columns, contacts = batch_columns([e for e, _, _ in OFFICE], [log for _, log, _ in OFFICE])
    texts = evaluate_batch(columns, contacts, calendar=CALENDAR)
    codes = evaluate_batch(columns, contacts, calendar=CALENDAR, codes=True)
    assert {"(Ⅱ)ロ", "(Ⅲ)"} <= set(texts["discharge.tier"].tolist())  # tiers that count more than one contact
    text, coded = office_summary(texts, columns["at"]), office_summary(codes, columns["at"])
    assert [y.to_dict() for y in coded] == [y.to_dict() for y in text]


def test_the_summary_of_the_sample_equals_the_one_of_the_scalar_verdicts(tmp_path: Path) -> None:
    """Over ten years of random events, counted batch by batch (64 rows) while the verdicts are written, the
    summary equals :func:`office_summary` of the scalar engine's capped verdicts under the same calendar."""
    import numpy as np

    verdicts = scalar(HandoffOptions())
    result: dict[str, object] = {}
    for addon_id in ("discharge", "terminal_care"):
        addons = [next((a for a in v.addons if a.addon_id == addon_id), None) for v in verdicts]
        result[f"{addon_id}.claimable"] = np.array([a is not None and a.claimable for a in addons])
        result[f"{addon_id}.tier"] = np.array([(a and a.tier) or "" for a in addons], dtype=object)
        result[f"{addon_id}.claim_month"] = np.array([(a and a.claim_month) or "" for a in addons], dtype=object)
    at = np.array([e.at.isoformat() for e in EVENTS], dtype="datetime64[m]")
    expected = [y.to_dict() for y in office_summary(result, at)]  # type: ignore[arg-type]
    assert sum(c["count"] for y in expected for c in y["counts"]) > 0
    events, contacts = write_csv(tmp_path)
    holidays = write_holidays(tmp_path / "h.csv")
    printed = invoke(str(events), "--contacts", str(contacts), "--holidays", str(holidays), "--batch-size", "64",
                     "-o", str(tmp_path / "o.parquet"), "--summary", "--summary-format", "json")  # fmt: skip
    assert json.loads(printed)["office_addons"] == expected
