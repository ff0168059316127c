"""Counts in what the command line says: English singular and plural ("1 city", "2 cities"; "1 digit"),
Japanese one form, through the catalogue's counted texts (zaitaku_core.i18n.NN_)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zaitaku_core.cli import main
from zaitaku_core.cli.errors import EXIT_INVALID
from zaitaku_core.cli.scaffold import scaffold_city_folder
from zaitaku_core.model import Frequency


@pytest.mark.parametrize(
    ("cities", "lang", "summary"),
    [
        (["asahikawa"], "en", "1 city: "),
        (["asahikawa", "tokushima"], "en", "2 cities: "),
        (["asahikawa"], "ja", "1 市町村: "),
        (["asahikawa", "tokushima"], "ja", "2 市町村: "),
    ],
)
def test_validate_counts_its_cities(
    cities: list[str], lang: str, summary: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["--lang", lang, "validate", *cities])
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(summary), last


@pytest.mark.parametrize(
    ("code", "lang", "said"),
    [
        ("1", "en", "municipal code '1' has 1 digit; expected six digits"),
        ("1234", "en", "municipal code '1234' has 4 digits; expected six digits"),
        ("1", "ja", "団体コード '1' は1桁です。6桁（5桁と検査数字）で指定してください"),
    ],
)
def test_a_short_municipal_code_is_counted_right(
    code: str, lang: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--lang", lang, "new-city", "kushiro", "--code", code, "--name", "釧路市"]) == EXIT_INVALID
    assert said in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_frequencies_and_left_out_indicators_are_counted_right(capsys: pytest.CaptureFixture[str]) -> None:
    """A report's frequencies (1 time a year) and the note on indicators left out of the charts."""
    once = Frequency.parse("年1回")
    assert [once.label("en"), once.label("ja")] == ["1 time a year", "年1回"]
    assert [Frequency.parse("月2回").label("en"), Frequency.parse("2年ごと").label("en")] == [
        "2 times a month",
        "every 2 years",
    ]
    assert main(["--lang", "en", "report", "tokushima", "--fy", "2024"]) == 0
    out = capsys.readouterr().out
    assert "15 indicators have only a frequency target (1 time a year) and no actual yet, so they are not" in out
    assert "times a year" not in out


def test_one_indicator_left_out_of_the_charts_is_said_in_the_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new city whose one indicator has only a frequency target: the report names it in the singular."""
    folder = scaffold_city_folder("kushiro", code="012068", name="釧路市", directory=tmp_path)
    indicators = folder / "indicators.toml"
    text = indicators.read_text(encoding="utf-8")
    planned = 'values = [{ fiscal_year = 2024, kind = "plan", value = 2 }]'
    assert planned in text
    once = 'values = [{ fiscal_year = 2024, kind = "plan", value = 1, frequency = "年1回" }]'
    indicators.write_text(text.replace(planned, once), encoding="utf-8")
    said = {}
    for lang in ("en", "ja"):
        assert main(["--lang", lang, "--data-dir", str(folder), "report", "kushiro", "--fy", "2024"]) == 0
        said[lang] = capsys.readouterr().out
    assert (
        "1 indicator has only a frequency target (1 time a year) and no actual yet, so it is not charted "
        "(see the table): 多職種連携会議の開催回数." in said["en"]
    )
    assert "次の1指標は、目標が実施回数（年1回）のみで実績値がないため、グラフにしていません" in said["ja"]
