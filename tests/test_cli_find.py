"""The command line finds what was meant: misspelt commands, cities by name or code, shell completion."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from zaitaku_core.cli import COMPLETE_VARIABLE, main
from zaitaku_core.cli.completion import SHELLS
from zaitaku_core.cli.errors import EXIT_INVALID, EXIT_USAGE
from zaitaku_core.errors import UnknownCityError
from zaitaku_core.plugins import create_registry


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != COMPLETE_VARIABLE}
    environment.update(env or {})
    code = "import sys; from zaitaku_core.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=environment, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["reprot"], "もしかして: report"),
        (["--lang", "en", "reprot"], "Did you mean: report?"),
        (["valdiate"], "もしかして: validate"),
        (["handof"], "handoff"),
    ],
)
def test_a_misspelt_command_suggests_the_right_one(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == EXIT_USAGE
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_an_unknown_command_with_nothing_close_says_so_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "'frobnicate'" in err and "もしかして" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["asahikawa", "旭川市", "012041", "01204", "０１２０４１"])
def test_a_city_is_found_by_id_japanese_name_or_municipal_code(name: str) -> None:
    assert create_registry(lazy=True).resolve_city(name) == "asahikawa"


def test_an_unknown_city_suggests_the_closest() -> None:
    with pytest.raises(UnknownCityError, match="did you mean asahikawa"):
        create_registry(lazy=True).resolve_city("asahikwa")
    with pytest.raises(UnknownCityError, match="installed cities: asahikawa, tokushima"):
        create_registry(lazy=True).resolve_city("012068")  # 釧路市: a valid code no plugin serves


def test_report_takes_a_japanese_name_and_an_era_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "旭川市", "--fy", "R6", "--format", "md"]) == 0
    by_name = capsys.readouterr().out
    assert main(["report", "012041", "--fy", "2024", "--format", "md"]) == 0
    by_code = capsys.readouterr().out
    assert by_name == by_code and by_name.startswith("# 旭川市 在宅医療・介護連携推進事業 令和6年度 報告")


def test_validate_and_compare_take_names_and_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "徳島市", "--fy", "令和6年度"]) in {0, EXIT_INVALID}
    assert "1 市町村" in capsys.readouterr().err
    assert main(["compare", "旭川市", "362018", "--fy", "2024", "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "旭川市" in out and "徳島市" in out


def complete(words: str) -> list[str]:
    """What bash completion offers after ``words`` (click's protocol, through the real entry point)."""
    parts = words.split(" ")
    done = run(env={COMPLETE_VARIABLE: "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)})
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


def test_completion_offers_commands_cities_and_their_fiscal_years() -> None:
    assert complete("zaitaku rep") == ["report"]
    assert {"asahikawa", "tokushima"} <= set(complete("zaitaku report "))
    assert complete("zaitaku report asa") == ["asahikawa"]
    years = complete("zaitaku report asahikawa --fy ")
    assert years and all(year.isdigit() for year in years) and "2024" in years
    assert complete("zaitaku report 旭川市 --fy 202") == [y for y in years if y.startswith("202")]


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_completion_prints_a_script_for_each_shell(shell: str) -> None:
    done = run("completion", shell)
    assert done.returncode == 0, done.stderr
    assert COMPLETE_VARIABLE in done.stdout and "zaitaku" in done.stdout
