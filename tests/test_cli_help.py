"""Every command's help in both languages, as a user asks for it: ``LANG=ja_JP.UTF-8 zaitaku CMD --help`` is
Japanese, ``zaitaku --lang en CMD --help`` and ``zaitaku CMD --help --lang en`` English; and the one flag for
JSON output (``--format json``; ``--json`` a deprecated alias)."""

from __future__ import annotations

import json
import re

import click
import pytest

from zaitaku_core.cli import command_paths, main

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


PATHS = command_paths()


def _help(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    assert main(args) == 0
    return capsys.readouterr().out


def _sections(text: str) -> dict[str, list[str]]:
    """The rows of each section (``オプション:`` …): a row starts at its term and runs to the next term."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            current = sections.setdefault(line[:-1], [])
        elif current is not None and re.match(r"^  \S", line):
            current.append(line.strip())
        elif current is not None and line.startswith("   ") and current:
            current[-1] += " " + line.strip()
    return sections


def test_every_command_is_covered() -> None:
    names = {" ".join(path) for path in PATHS}
    assert {"", "report", "validate", "handoff-batch", "log", "log import"} <= names
    assert len(PATHS) >= 20


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "zaitaku")
def test_help_is_japanese_in_a_japanese_locale(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    text = _help(capsys, [*path, "--help"])
    assert text.startswith("使い方: zaitaku")
    description = text.split("\n\n")[1]
    assert JAPANESE.search(description), description
    sections = _sections(text)
    assert sections["オプション"], text
    for row in sections["オプション"] + sections.get("コマンド", []):
        assert JAPANESE.search(row), f"zaitaku {' '.join(path)}: not in Japanese: {row}"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "zaitaku")
def test_help_is_english_with_lang_en(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    text = _help(capsys, ["--lang", "en", *path, "--help"])
    assert text.startswith("Usage: zaitaku")
    sections = _sections(text)
    assert sections["Options"], text
    for row in sections["Options"] + sections.get("Commands", []):
        assert ENGLISH_WORD.search(row.split("  ", 1)[-1]), f"zaitaku {' '.join(path)}: {row}"
    if path and re.search(r"^  --lang ", text, re.M):  # a command's own --lang counts too, even after --help
        assert _help(capsys, [*path, "--help", "--lang", "en"]) == text


def test_environment_language_and_locale_choose_the_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert _help(capsys, ["report", "--help"]).startswith("Usage:")
    monkeypatch.setenv("ZAITAKU_LANG", "ja")
    assert _help(capsys, ["report", "--help"]).startswith("使い方:")
    monkeypatch.delenv("ZAITAKU_LANG")
    monkeypatch.setenv("LANG", "C.UTF-8")  # no language named: Japanese first
    assert _help(capsys, ["report", "--help"]).startswith("使い方:")


def test_japanese_help_fits_an_80_column_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    import unicodedata

    text = _help(capsys, ["--lang", "ja", "report", "--help"])
    widths = [sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in text.splitlines()]
    assert max(widths) <= 80


@pytest.mark.parametrize("path", [("plugins",), ("cities",), ("plan", "asahikawa", "--fy", "2024")])
def test_format_json_is_the_flag_and_json_its_deprecated_alias(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--format", "json"]) == 0
    captured = capsys.readouterr()
    expected = json.loads(captured.out)
    assert captured.err == ""
    assert main([*path, "--json"]) == 0  # the deprecated alias: the same JSON, nothing on standard error
    captured = capsys.readouterr()
    assert json.loads(captured.out) == expected and captured.err == ""
    assert main([*path, "--help"]) == 0
    assert "非推奨: --format json と同じです。" in capsys.readouterr().out
    assert main([*path, "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert out and not out.lstrip().startswith(("[", "{"))


@pytest.mark.parametrize(
    ("args", "japanese", "english"),
    [
        (
            ["report", "asahikawa", "--fy", "2024", "--formt", "md"],
            "オプション '--formt' はありません。もしかして: --format",
            "No such option '--formt'. Did you mean '--format'?",
        ),
        (["report", "asahikawa"], "'--fy' を指定してください。", "Missing option '--fy'."),
        (
            ["report", "asahikawa", "--fy", "2024", "--format", "docx"],
            "'--format' の値が正しくありません: 'docx'",
            "Invalid value for '--format': 'docx'",
        ),
        (
            ["log", "lst"],
            "コマンド 'lst' はありません。もしかして: list",
            "No such command 'lst'. Did you mean 'list'?",
        ),
        (
            ["reprot"],
            "コマンド 'reprot' はありません。もしかして: report",
            "no such command 'reprot'. Did you mean: report?",
        ),
    ],
)
def test_a_wrong_command_line_is_told_in_the_users_language(
    args: list[str], japanese: str, english: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー [usage] コマンドの指定が正しくありません: ") and japanese in err
    assert len(err.strip().splitlines()) == 1
    assert main(["--lang", "en", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error [usage] usage: ") and english in err


def _refusal(kind: click.ParamType, value: str) -> str:
    with pytest.raises(click.BadParameter) as refused:
        kind.convert(value, None, None)
    return refused.value.message


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (click.Choice(["md", "html"]), "docx"),
        (click.Choice(["md"]), "docx"),
        (click.INT, "abc"),
        (click.IntRange(1, None), "abc"),
        (click.IntRange(1, 5), "9"),
        (click.FLOAT, "x"),
        (click.FloatRange(0, 1), "2"),
        (click.BOOL, "maybe"),
        (click.DateTime(["%Y-%m-%d"]), "2024/06/01"),
        (click.DateTime(["%Y-%m-%d", "%Y%m%d"]), "June"),
        (click.Path(exists=True), "/no/such/zaitaku/file"),
        (click.Path(dir_okay=False), "/"),
        (click.Path(file_okay=False), __file__),
    ],
)
def test_clicks_own_words_for_a_refused_value_are_said_in_japanese(kind: click.ParamType, value: str) -> None:
    """Every message click's types give for a refused value (as the installed click words it) has a catalogue
    text: a rewording in a new click fails here instead of showing English under a Japanese line."""
    from zaitaku_core.cli.errors import click_value_message

    english = _refusal(kind, value)
    japanese = click_value_message(english, "ja")
    assert japanese != english and JAPANESE.search(japanese), english


def test_a_bad_choice_on_the_command_line_reads_in_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "ja", "report", "asahikawa", "--fy", "2024", "--format", "docx"]) == 2
    line = capsys.readouterr().err.strip()
    assert "'docx' は使えません" in line and "is not one of" not in line and len(line.splitlines()) == 1


def test_the_default_language_and_the_switch_are_stated_where_users_look(capsys: pytest.CaptureFixture[str]) -> None:
    """Under a locale that names no language (C, POSIX, none) zaitaku speaks Japanese; ``zaitaku --help``, the
    CLI reference page and the staff guide each say so, and name the one-variable switch, in both languages."""
    import subprocess
    import sys
    from pathlib import Path

    japanese = re.sub(r"\s+", "", _help(capsys, ["--lang", "ja", "--help"]))  # wrapped by width: unwrap
    assert "言語を示さないロケール（C、POSIX、未設定）も日本語です" in japanese
    assert "--langenを付けるか、ZAITAKU_LANG=enを一度設定してください" in japanese
    assert "LANG=CやPOSIXでもja。ZAITAKU_LANG=enですべて英語" in japanese
    english = " ".join(_help(capsys, ["--lang", "en", "--help"]).split())
    assert "a locale that names no language (C, POSIX, or none) gives Japanese" in english
    assert "give --lang en, or set ZAITAKU_LANG=en once" in english
    assert "also under LANG=C or POSIX; ZAITAKU_LANG=en gives English everywhere" in english
    # what a user gets under the C locale, with no language variable at all
    environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    run = [sys.executable, "-m", "zaitaku_core.cli", "--help"]
    under_c = subprocess.run(run, capture_output=True, text=True, env=environment, check=True).stdout
    assert under_c.startswith("使い方: zaitaku")
    switched = subprocess.run(
        run, capture_output=True, text=True, env={**environment, "ZAITAKU_LANG": "en"}, check=True
    )
    assert switched.stdout.startswith("Usage: zaitaku")
    docs = Path(__file__).resolve().parents[1] / "docs"
    reference = " ".join((docs / "reference" / "cli.md").read_text(encoding="utf-8").split())
    assert "A locale that names no language (`C`, `C.UTF-8`, `POSIX`, or none set" in reference
    assert "ロケールが言語を示さないとき（`C`、`C.UTF-8`、`POSIX`、未設定）は日本語" in reference
    assert reference.count("ZAITAKU_LANG=en") >= 2
    guide = " ".join((docs / "guide" / "index.md").read_text(encoding="utf-8").split())
    assert "ロケールが言語を示さないとき（`C`、`POSIX`、未設定）は日本語です" in guide
    assert "a locale that names no language (`C`, `POSIX`, unset) gives Japanese" in guide
    assert guide.count("ZAITAKU_LANG=en") >= 2
