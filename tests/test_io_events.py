"""Reading handoff CSV and Parquet files: encodings, headers, the date forms Japanese users type, and errors
that name file, line and column without echoing the cell."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from zaitaku_core.errors import InputError
from zaitaku_core.io.csv import detect_encoding
from zaitaku_core.io.events import CONTACT_COLUMNS, CONTACT_REQUIRED, EVENT_COLUMNS, EVENT_REQUIRED, open_table


def read_events(path: Path, **options: object) -> pa.Table:
    source = open_table(path, EVENT_COLUMNS, EVENT_REQUIRED, **options)  # type: ignore[arg-type]
    return pa.Table.from_batches([batch for _, batch in source])


def events_file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "events.csv"
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-06-14T10:00", datetime(2024, 6, 14, 10, 0)),
        ("2024-06-14 10:00:30", datetime(2024, 6, 14, 10, 0, 30)),
        ("2024/6/14 9:05", datetime(2024, 6, 14, 9, 5)),
        ("令和6年6月14日 10:00", datetime(2024, 6, 14, 10, 0)),
        ("令和元年5月1日 10時00分", datetime(2019, 5, 1, 10, 0)),
        ("平成31年4月30日 17:45", datetime(2019, 4, 30, 17, 45)),
        ("R6.6.14 10:00", datetime(2024, 6, 14, 10, 0)),
        ("２０２４／０６／１４　１０：００", datetime(2024, 6, 14, 10, 0)),  # full-width, as IMEs type it
        ("2024-06-14T19:00+09:00", datetime(2024, 6, 14, 19, 0)),
        ("2024-06-14T10:00Z", datetime(2024, 6, 14, 19, 0)),  # converted to Japan time, as the scalar API does
        ("2024-06-14T10:00:00.000+0000", datetime(2024, 6, 14, 19, 0)),
    ],
)
def test_date_forms(tmp_path: Path, written: str, expected: datetime) -> None:
    table = read_events(events_file(tmp_path, f"kind,at\nadmission,{written}\n"))
    assert table.column("at").to_pylist() == [expected]


def test_cp932_with_japanese_headers_and_labels(tmp_path: Path) -> None:
    path = events_file(tmp_path, "対象者,種別,日時,備考\nA-1,入院,令和6年6月14日 10:00,山田様\n", "cp932")
    assert detect_encoding(path) == "cp932"
    source = open_table(path, EVENT_COLUMNS, EVENT_REQUIRED)
    assert source.unknown == ["備考"]
    table = pa.Table.from_batches([batch for _, batch in source])
    assert table.column_names == ["subject", "kind", "at"]
    assert table.column("kind").to_pylist() == ["admission"]


def test_utf8_with_a_bom(tmp_path: Path) -> None:
    path = events_file(tmp_path, "\ufeffkind,at\nadmission,2024-06-14 10:00\n")
    assert detect_encoding(path) == "utf-8-sig"
    assert read_events(path).num_rows == 1


def test_given_encoding_wins(tmp_path: Path) -> None:
    path = events_file(tmp_path, "kind,at\n入院,2024-06-14 10:00\n", "euc_jp")
    assert read_events(path, encoding="euc_jp").column("kind").to_pylist() == ["admission"]


SECRET = "山田太郎"


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        (f"kind,at\nadmission,2024-06-14 10:00\nadmission,{SECRET}\n", 3, "at", "not a date"),
        ("kind,at\nadmission,=NOW()\n", 2, "at", "not a date"),
        ("kind,at\nadmission,2024-06-14 24:00\n", 2, "at", "time of day"),
        ("kind,at\nadmission,2024-02-30 10:00\n", 2, "at", "no such day"),
        ("kind,at\nadmission,2024-06-14\n", 2, "at", "no time of day"),
        ("kind,at\nadmission,24-06-14 10:00\n", 2, "at", "four digits"),
        ("kind,at\nadmission,1999-06-14 10:00\n", 2, "at", "must lie between"),
        ("kind,at\nadmission,99999-06-14 10:00\n", 2, "at", "not a date"),
        ("kind,at\nadmission,平成32年1月1日 10:00\n", 2, "at", "outside that era"),
        ("kind,at\nadmission,2024-06-14T10:00+25:00\n", 2, "at", "offset"),
        (f"kind,at\n{SECRET},2024-06-14 10:00\n", 2, "kind", "unknown EventKind"),
        ("kind,at\n,2024-06-14 10:00\n", 2, "kind", "empty"),
        ("kind,at\nadmission,\n", 2, "at", "empty"),
        ("subject,kind,at\n090-1234-5678,admission,2024-06-14 10:00\n", 2, "subject", "phone number"),
        ("subject,kind,at\n09012345678,admission,2024-06-14 10:00\n", 2, "subject", "phone number"),
        (f"subject,kind,at\n{SECRET},admission,2024-06-14 10:00\n", 2, "subject", "opaque id"),
        ('subject,kind,at\n"A-1\n",admission,2024-06-14 10:00\n', 2, "subject", "control character"),
        ("subject,kind,at\nA\tB,admission,2024-06-14 10:00\n", 2, "subject", "control character"),
        ("subject,kind,at\n" + "A" * 65 + ",admission,2024-06-14 10:00\n", 2, "subject", "opaque id"),
        ("kind,at\nadmission,2024-06-14 10:00,extra\n", 2, None, "wrong number of cells"),
        ("kind,at,admitted_at\ndischarge,2024-06-14 10:00,someday\n", 2, "admitted_at", "not a date"),
    ],
)
def test_bad_cells_are_named_by_line_and_column_never_by_value(
    tmp_path: Path, text: str, line: int, column: str | None, words: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_events(events_file(tmp_path, text))
    error = caught.value
    assert error.location["line"] == str(line) and error.location["file"].endswith("events.csv")
    assert error.location.get("column") == column
    assert words in error.message
    assert SECRET not in str(error) and "=NOW" not in str(error) and "090" not in str(error)


def test_missing_columns_are_listed_with_the_unknown_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_events(events_file(tmp_path, "日付,種類\nadmission,2024-06-14 10:00\n"))
    message = caught.value.message
    assert "missing column(s): kind, at" in message and "日付, 種類" in message and "種別" in message


def test_a_column_named_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="twice"):
        read_events(events_file(tmp_path, "kind,種別,at\nadmission,admission,2024-06-14 10:00\n"))


def test_a_file_in_no_japanese_encoding_is_refused(tmp_path: Path) -> None:
    path = events_file(tmp_path, "kind,at\n")
    path.write_bytes(b"kind,at\n\x80\x81\xfd\xfe,2024-06-14 10:00\n")
    with pytest.raises(InputError, match="encoding"):
        read_events(path)


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        ("x,2024-06-14,hospital,,", "event", "row number"),
        ("-1,2024-06-14,hospital,,", "event", "row number"),
        ("0,2024-06-14,病院,FAXかも,", "means", "unknown ContactMeans"),
        ("0,2024-06-14,hospital,,maybe", "conference", "yes/no"),
        ("0,2024-06-14,nobody,,", "to_party", "unknown ActorKind"),
    ],
)
def test_bad_contact_cells(tmp_path: Path, cells: str, column: str, words: str) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(f"event,at,to_party,means,conference\n{cells}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        list(open_table(path, CONTACT_COLUMNS, CONTACT_REQUIRED))
    assert caught.value.location == {"file": str(path), "line": "2", "column": column}
    assert words in caught.value.message


def test_contact_defaults_blank_means_and_conference_texts(tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "事象番号,連絡日時,連絡先,方法,カンファレンス\n0,2024-06-14,病院,,はい\n0,2024/6/15 9:00,hospital,電話,false\n",
        encoding="utf-8",
    )
    table = pa.Table.from_batches([b for _, b in open_table(path, CONTACT_COLUMNS, CONTACT_REQUIRED)])
    assert table.column("means").to_pylist() == ["unspecified", "phone"]
    assert table.column("conference").to_pylist() == [True, False]
    assert table.column("from_party").to_pylist() == ["care_manager"] * 2


def test_typed_parquet_columns(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    utc = pa.array([datetime(2024, 6, 14, 10, 0)], pa.timestamp("ms", tz="UTC"))
    pq.write_table(pa.table({"kind": pa.array(["入院"]).dictionary_encode(), "at": utc}), path)
    table = read_events(path)
    assert table.column("at").to_pylist() == [datetime(2024, 6, 14, 19, 0)]  # the instant in Japan time
    assert table.column("kind").to_pylist() == ["admission"]


def test_parquet_errors_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"kind": ["admission", "admission"], "at": ["2024-06-14 10:00", SECRET]}), path)
    with pytest.raises(InputError) as caught:
        read_events(path)
    assert caught.value.location == {"file": str(path), "row": "2", "column": "at"}
    assert SECRET not in str(caught.value)


def test_an_unknown_kind_lists_the_labels_a_user_may_type(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """退院 is not a label (退院・退所 is): the error line says each code with its Japanese label."""
    from zaitaku_core.cli import main

    events = events_file(tmp_path, "対象者ID,種別,日時\ncase-1,退院,R6.6.20 11:00\n", "cp932")
    assert main(["handoff-batch", str(events), "-o", str(tmp_path / "out.csv")]) == 1
    said = capsys.readouterr().err
    assert "[列 '種別']" in said and "discharge（退院・退所）" in said and "admission（入院）" in said
    assert not (tmp_path / "out.csv").exists()
