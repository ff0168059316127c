"""``zaitaku handoff`` and ``zaitaku handoff-batch``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_cli_help import JAPANESE

from zaitaku_core.cli import cli, main

EXAMPLE = [
    "handoff",
    "asahikawa",
    "--event",
    "admission",
    "--at",
    "2025-01-03T19:10",
    "--office-closed",
    "sat,sun",
    "--contact",
    "2025-01-04T10:00:hospital",
]


def test_the_issue_example_in_japanese() -> None:
    result = CliRunner().invoke(cli, EXAMPLE)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "営業時間外または休業日: はい" in out
    assert "①入院時：ケアマネジャーと病院等で，早く把握した方が連絡" in out and "①入院時情報提供シート" in out
    assert "期限: 2025-01-04 (事前を含む, 時間外のため延長)" in out
    assert "期限: 2025-01-06 (2025-01-04〜, 時間外のため延長)" in out
    assert "入院時情報連携加算(Ⅰ): 算定可 250 単位" in out
    assert "入院時情報連携加算(Ⅱ): 算定不可 (併算定不可（上位の加算を算定）)" in out


def test_the_issue_example_in_english_and_json() -> None:
    result = CliRunner().invoke(cli, [*EXAMPLE, "--lang", "en"])
    assert "admission information add-on (I) / 入院時情報連携加算(Ⅰ): claimable 250 units" in result.output
    assert "total: 250 units" in result.output
    data = json.loads(CliRunner().invoke(cli, [*EXAMPLE, "--json"]).output)
    assert data["units"] == 250 and data["after_hours"] is True and data["national_default"] is False
    assert [a["reason"] for a in data["addons"]] == [None, "exclusive"]


def test_a_city_without_rules_gets_national_defaults() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "handoff",
            "tokushima",
            "--event",
            "discharge",
            "--at",
            "2024-06-20T11:00",
            "--contact",
            "2024-06-10T09:00:hospital:conference",
            "--lang",
            "en",
        ],
    )
    assert "national defaults apply" in result.output
    assert "discharge add-on / 退院・退所加算 (Ⅰ)ロ: claimable 600 units" in result.output


def test_bad_contact_is_a_clear_error() -> None:
    result = CliRunner().invoke(
        cli,
        ["handoff", "asahikawa", "--event", "admission", "--at", "2025-01-03T19:10", "--contact", "tomorrow:hospital"],
    )
    assert result.exit_code == 2 and "連絡は 2025-01-04T10:00:hospital[:conference] のように" in result.output


def test_batch_csv(tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        "subject,kind,at,name\nA-1,admission,2025-01-03T19:10,山田太郎\nB-2,入院,2024-04-01T10:00,=cmd\n"
        "C-3,discharge,2024-06-20T11:00,\n",
        encoding="utf-8",
    )
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(
        "event,at,to_party,means,conference\n0,2025-01-04T10:00,hospital,phone,\n1,2024-04-02T09:00,病院,fax,\n"
        "2,2024-06-10T09:00,hospital,in_person,yes\n2,2024-06-12T09:00,hospital,面談・同席,\n",
        encoding="utf-8",
    )
    out = tmp_path / "verdicts.csv"
    result = CliRunner().invoke(cli, ["handoff-batch", str(events), "--contacts", str(contacts), "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["units"] for r in rows] == ["250", "200", "750"]
    assert "name" not in rows[0] and "山田" not in out.read_text(encoding="utf-8-sig")  # other columns dropped
    assert "読み込まない列（出力にも写しません）: name" in result.output
    assert rows[2]["discharge.tier"] == "(Ⅱ)ロ"
    assert rows[0]["admission_2.reason"] == "exclusive"


def test_batch_refuses_a_subject_that_is_not_an_opaque_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.csv"
    events.write_text("subject,kind,at\nA-1,admission,2025-01-03T19:10\n山田 太郎,admission,2025-01-03T19:10\n")
    out = tmp_path / "verdicts.csv"
    status = main(["--lang", "en", "handoff-batch", str(events), "-o", str(out)])  # as the console script runs it
    assert status == 1 and not out.exists()
    error = capsys.readouterr().err
    assert "opaque id" in error and "'3'" in error and "'subject'" in error and "山田" not in error
    assert main(["--lang", "ja", "handoff-batch", str(events), "-o", str(out)]) == 1
    error = capsys.readouterr().err  # one language: the run's
    assert "記号化したID" in error and "[行 '3']" in error and "opaque id" not in error and "山田" not in error


# --- readings, --explain, event inputs (rules) ----------------------------------------------------------------


def test_explain_prints_the_deciding_clauses_with_their_sources_in_both_languages() -> None:
    ja = CliRunner().invoke(cli, [*EXAMPLE, "--explain"])
    assert ja.exit_code == 0, ja.output
    assert "判断の根拠（国の基準の条項と出典）" in ja.output
    assert "[二次資料] 営業時間終了後又は営業日以外の日に入院した場合は、入院日の翌日を含む" in ja.output
    assert "厚生労働大臣が定める基準（平成27年厚生労働省告示第95号, 2015-03-23）第85号イ（令和6年改正）" in ja.output
    en = CliRunner().invoke(cli, [*EXAMPLE, "--explain", "--lang", "en"])
    assert "[secondary source] after office hours or on a non-business day: the next day counts too" in en.output
    assert "seen at: https://" in en.output
    data = json.loads(CliRunner().invoke(cli, [*EXAMPLE, "--explain", "--json"]).output)
    first = data["explain"][0]
    assert (
        first["addon_id"] == "admission_1" and first["clauses"][0]["source"]["number"] == "平成27年厚生労働省告示第95号"
    )
    assert data["readings"]["extension_unit"] == "calendar_day"


def test_a_reading_changes_the_verdict_and_is_listed_by_help() -> None:
    help_text = CliRunner().invoke(cli, ["handoff", "--help"]).output
    assert "--reading NAME=VALUE" in help_text and "day_count_start=event_day|next_day" in help_text
    args = ["handoff", "asahikawa", "--event", "admission", "--at", "2025-05-02T20:00", "--json"]
    default = json.loads(CliRunner().invoke(cli, args).output)
    business = json.loads(CliRunner().invoke(cli, [*args, "--reading", "extension_unit=business_day"]).output)
    assert default["addons"][1]["window"]["end"] == "2025-05-05"
    assert business["addons"][1]["window"]["end"] == "2025-05-07"


@pytest.mark.parametrize(
    ("extra", "code", "where"),
    [
        (["--event", "admision"], 1, "'kind'"),
        (["--event", "discharge", "--contact", "2024-06-10T09:00:hopsital"], 1, "'to_party'"),
        (["--event", "discharge", "--contact", "2024-06-10T09:00:hospital:telepathy"], 1, "'means'"),
        (["--event", "discharge", "--stay-in", "pharmacy"], 1, "stay_in は"),
        (["--event", "discharge", "--service-start", "someday"], 2, "--service-start"),
        (["--event", "admission", "--reading", "no_such=1"], 2, "--reading"),
        (["--event", "admission", "--reading", "extension_unit=weekday"], 2, "--reading"),
    ],
)
def test_unknown_event_party_means_or_reading_is_one_line(
    extra: list[str], code: int, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Unknown codes are validation errors of the models (exit 1, the field named); a bad reading or date on
    # the command line is a usage error (exit 2, the option named). Never a traceback.
    status = main(["handoff", "asahikawa", "--at", "2024-06-20T11:00", *extra])
    error = capsys.readouterr().err
    assert status == code and where in error and "Traceback" not in error
    assert len(error.strip().splitlines()) == 1


def test_a_facility_leaver_with_the_claim_month_and_the_initial_addon() -> None:
    args = [
        "handoff",
        "tokushima",
        "--event",
        "discharge",
        "--at",
        "2024-06-20T11:00",
        "--stay-in",
        "介護保険施設",
        "--service-start",
        "令和6年7月1日",
        "--contact",
        "2024-06-24T10:00:ltc_facility:video",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "退院・退所加算 (Ⅰ)イ: 算定可 450 単位 (算定月 2024-07)" in result.output
    excluded = CliRunner().invoke(cli, [*args, "--initial-addon"])
    assert "退院・退所加算: 算定不可 (初回加算を算定する月は算定できない)" in excluded.output


def test_before_fy2018_the_cli_says_not_modelled() -> None:
    result = CliRunner().invoke(cli, ["handoff", "tokushima", "--event", "admission", "--at", "2016-05-10T10:00"])
    assert "算定不可 (事象の日の算定要件は未収録（当該加算は存在した）; 収録は 2018-04-01)" in result.output


def test_the_tutorials_explain_output_is_what_the_command_prints() -> None:
    # docs/tutorial/index.md shows the end of `zaitaku handoff … --explain` in Japanese and English.
    text = (Path(__file__).resolve().parents[1] / "docs" / "tutorial" / "index.md").read_text(encoding="utf-8")
    args = [
        "handoff",
        "asahikawa",
        "--event",
        "discharge",
        "--at",
        "2024-06-20T11:00",
        "--admitted-at",
        "2024-06-01T10:00",
        "--contact",
        "2024-06-12T09:00:hospital:fax",
        "--contact",
        "2024-06-24T14:00:hospital:video",
        "--explain",
    ]
    for marker, lang, head, total, why_head in (
        ("explain-ja", "ja", "算定（加算）", "合計:", "判断の根拠"),
        ("explain-en", "en", "Billing (add-ons)", "total:", "Why ("),
    ):
        shown = text.split(f"<!-- {marker}", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
        printed = CliRunner().invoke(cli, [*args, "--lang", lang]).output
        billing = printed[printed.index(head) : printed.index("\n", printed.index(total)) + 1]
        assert billing in shown and printed[printed.index(why_head) :] in shown, marker


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_bad_reading_is_told_in_the_runs_language(lang: str, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "--lang",
            lang,
            "handoff",
            "asahikawa",
            "--event",
            "admission",
            "--at",
            "2024-06-20T11:00",
            "--reading",
            "extension_unit=weekday",
        ]
    )
    line = capsys.readouterr().err.strip()
    assert status == 2 and "--reading" in line and len(line.splitlines()) == 1
    message = line.split("--reading", 1)[1]
    has_japanese = JAPANESE.search(message) is not None
    assert has_japanese == (lang == "ja"), line


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("ja", "サービス開始日（service_start）は出来事の日より前にできません"),
        ("en", "service_start cannot be before the event's day"),
    ],
)
def test_a_service_start_before_the_event_is_told_in_the_runs_language(
    lang: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--lang", lang, "handoff", "tokushima", "--event", "discharge", "--at", "2024-06-20T11:00"]
    assert main([*args, "--service-start", "2024-06-01"]) == 1
    line = capsys.readouterr().err.strip()
    assert said in line and len(line.splitlines()) == 1


@pytest.mark.parametrize("at", ["R6.4.1 10:00", "令和6年4月1日 10:00", "令和６年４月１日　１０：００"])
def test_at_takes_the_reiwa_dates_handoff_batch_takes(at: str) -> None:
    """--at is read by handoff-batch's own date-time parser: a 令和 date it accepts is not refused here."""
    result = CliRunner().invoke(cli, ["handoff", "asahikawa", "--event", "admission", "--at", at, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["at"] == "2024-04-01T10:00:00"


@pytest.mark.parametrize(
    ("lang", "said"), [("ja", "--at: 'R6.4.1': 時刻がありません"), ("en", "--at: 'R6.4.1': no time of day")]
)
def test_at_refuses_a_reiwa_date_without_a_time_as_the_batch_does(lang: str, said: str) -> None:
    result = CliRunner().invoke(cli, ["handoff", "asahikawa", "--event", "admission", "--at", "R6.4.1", "--lang", lang])
    assert result.exit_code == 2 and said in result.output, result.output


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("ja", "読み込まない列（出力にも写しません）: 列3, note, 列5"),
        ("en", "ignored and not copied: column 3, note, column 5"),
    ],
)
def test_batch_names_an_unnamed_ignored_column_by_its_position(tmp_path: Path, lang: str, said: str) -> None:
    """A blank header cell (a trailing comma in the header line) is named 列3 / column 3, never an empty ", "."""
    events = tmp_path / "events.csv"
    events.write_text("kind,at,,note,\nadmission,2025-01-03T19:10,,,\n", encoding="utf-8")
    out = tmp_path / "verdicts.csv"
    result = CliRunner().invoke(cli, ["--lang", lang, "handoff-batch", str(events), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert said in result.output, result.output


def test_a_missing_column_error_names_an_unnamed_column_by_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.csv"
    events.write_text("kin,,at\nadmission,,2025-01-03T19:10\n", encoding="utf-8")
    assert main(["--lang", "ja", "handoff-batch", str(events), "-o", str(tmp_path / "v.csv")]) == 1
    assert "未知の列: kin, 列2" in capsys.readouterr().err
    assert main(["--lang", "en", "handoff-batch", str(events), "-o", str(tmp_path / "v.csv")]) == 1
    assert "unknown column(s): kin, column 2;" in capsys.readouterr().err
