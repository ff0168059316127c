"""The command line: help, plugins, cities, plan, schema and error reporting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_plugins import SamplePlugin

from zaitaku_core.cli import COMMANDS, cli, main
from zaitaku_core.cli.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_USAGE
from zaitaku_core.errors import docs_reference
from zaitaku_core.plugins import Registry, create_registry


def invoke(registry: Registry | None, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), obj=registry)
    return result.exit_code, result.output


def test_help_lists_every_command_without_importing_them() -> None:
    code = "import sys; from zaitaku_core.cli import main; main(['--help']);print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for name in COMMANDS:
        assert name in out
    assert out.strip().endswith("False")  # --help imports no pydantic: fast start-up


def test_throwaway_plugin_shows_up_in_zaitaku_plugins() -> None:
    registry = create_registry(entry_points=False, plugins=[("throwaway", SamplePlugin("throwaway"))])
    status, out = invoke(registry, "plugins", "--json")
    assert status == 0
    infos = {i["name"]: i for i in json.loads(out)}
    assert set(infos) == {"throwaway", "zaitaku_core.validation"}  # the core's checks are a default plugin
    info = infos["throwaway"]
    assert info["name"] == "throwaway" and info["cities"] == ["throwaway"]
    assert "zaitaku_programs" in info["hooks"]
    status, out = invoke(registry, "plugins")
    assert "throwaway" in out and "zaitaku_tools" in out


def test_cities_lists_the_bundled_cities() -> None:
    status, out = invoke(None, "cities")
    assert status == 0
    assert "asahikawa\t012041\t北海道 旭川市" in out
    assert "tokushima\t362018\t徳島県 徳島市" in out
    status, out = invoke(None, "cities", "--json")
    assert {c["id"] for c in json.loads(out)} >= {"asahikawa", "tokushima"}


def test_plan_groups_programs_by_phase(sample_registry: Registry) -> None:
    status, out = invoke(sample_registry, "plan", "sample", "--fy", "令和6年度")
    assert status == 0, out
    assert "旭川市 令和6年度" in out
    assert "ア(ア) 地域の医療・介護の資源の把握" in out and "資源リストの更新 [旧ア]" in out
    status, out = invoke(sample_registry, "plan", "sample", "--fy", "2024", "--lang", "en")
    assert "FY2024" in out and "analysis and planning" in out
    ids = [p.id for p in sample_registry.plan("sample", 2024).programs]
    assert not any(f"({i})" in out for i in ids)  # ids only when asked: what the activity log's 取組ID names
    status, out = invoke(sample_registry, "plan", "sample", "--fy", "2024", "--show-ids")
    assert status == 0 and all(f"({i})" in out for i in ids)


def test_schema_export(tmp_path: Path) -> None:
    status, out = invoke(None, "schema", "Program")
    assert status == 0 and json.loads(out)["title"] == "Program"
    status, out = invoke(None, "schema", "-o", str(tmp_path))
    assert (tmp_path / "City.schema.json").exists()
    status, out = invoke(None, "schema", "Nope")
    assert status != 0 and "モデル 'Nope' はありません" in out
    status, out = invoke(None, "--lang", "en", "schema", "Nope")
    assert status != 0 and "unknown model 'Nope'" in out


def test_library_errors_are_one_clear_line(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["plan", "nowhere", "--fy", "2024"])
    err = capsys.readouterr().err
    assert status == EXIT_INVALID
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("エラー [unknown-city] 市町村が見つかりません: 市町村 'nowhere' を提供するプラグイン")
    reference = docs_reference()
    assert f"{reference.address}#unknown-city" in err  # the full address, never "...errors.html#…"
    assert main(["plan", "asahikawa", "--fy", "平成32年度"]) == EXIT_INVALID
    assert "平成32" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "env", "first_words"),
    [
        (["--lang", "en", "plan", "nowhere", "--fy", "2024"], {}, "error [unknown-city] no plugin serves"),
        (["plan", "nowhere", "--fy", "2024", "--lang", "en"], {}, "error [unknown-city] no plugin serves"),
        (["plan", "nowhere", "--fy", "2024"], {"ZAITAKU_LANG": "en"}, "error [unknown-city] no plugin serves"),
        (["--lang", "ja", "plan", "nowhere", "--fy", "2024"], {"ZAITAKU_LANG": "en"}, "エラー [unknown-city]"),
    ],
)
def test_errors_speak_english_when_asked(
    args: list[str],
    env: dict[str, str],
    first_words: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(args) == EXIT_INVALID
    assert capsys.readouterr().err.startswith(first_words)


def test_the_reference_says_whether_it_is_local_or_published(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZAITAKU_DOCS_URL", "https://intranet.example/zaitaku/errors.html")
    main(["--lang", "en", "plan", "nowhere", "--fy", "2024"])
    err = capsys.readouterr().err
    assert "see: https://intranet.example/zaitaku/errors.html#unknown-city (configured documentation)" in err
    monkeypatch.delenv("ZAITAKU_DOCS_URL")
    main(["plan", "nowhere", "--fy", "2024"])
    kind = {"local": "ローカルのドキュメント", "published": "公開サイト"}[docs_reference().kind]
    assert capsys.readouterr().err.rstrip().endswith(f"#unknown-city ({kind})")


def test_usage_errors_exit_2_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--bogus"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[usage]" in err and "zaitaku report -h" in err
    assert main(["no-such-command"]) == EXIT_USAGE
    assert main(["--help"]) == 0


def test_internal_errors_exit_3_asking_for_a_report(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import zaitaku_core.cli.catalog as catalog

    def crash(*_args: object) -> None:
        raise ZeroDivisionError("boom\x1b[2J")

    monkeypatch.setattr(catalog, "FiscalYear", crash)
    assert main(["plan", "asahikawa", "--fy", "2024"]) == EXIT_INTERNAL
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "内部エラー [internal]: ZeroDivisionError: boom\\x1b[2J"  # escaped: one line, no terminal codes
    assert "報告してください" in lines[1] and len(lines) == 2
    assert main(["--debug", "--lang", "en", "plan", "asahikawa", "--fy", "2024"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and "please run again with --debug and report it" in err


def test_ctrl_c_is_one_line_and_130(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import zaitaku_core.cli.catalog as catalog

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(catalog, "json_schemas", interrupted)
    assert main(["--lang", "en", "schema"]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "interrupted\n"


def test_a_pydantic_error_of_a_command_is_one_line_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["handoff", "asahikawa", "--event", "bogus", "--at", "2025-01-03T19:10"]) == EXIT_INVALID
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[framework-code]" in err and "[項目 'kind']" in err


def test_several_field_errors_read_in_the_runs_language(capsys: pytest.CaptureFixture[str]) -> None:
    """A command whose input fails several fields at once (a pydantic error with two errors, reaching the
    CLI's one error path) names each field in the run's language, through the catalogue."""
    args = ["handoff", "asahikawa", "--event", "bogus", "--at", "2024-07-01T10:00", "--stay-in", "nowhere"]
    assert main(["--lang", "ja", *args]) == EXIT_INVALID
    japanese = capsys.readouterr().err
    assert japanese.startswith("エラー [input] 入力値が正しくありません: kind: EventKind に 'bogus' はありません。")
    assert "; stay_in: ActorKind に 'nowhere' はありません。" in japanese
    assert "unknown" not in japanese and "expected one of" not in japanese
    assert main(["--lang", "en", *args]) == EXIT_INVALID
    english = capsys.readouterr().err
    assert english.startswith("error [input] kind: unknown EventKind 'bogus'; expected one of: ")
    assert "; stay_in: unknown ActorKind 'nowhere'" in english


def test_str_of_an_error_points_where_the_error_line_does(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``str(err)`` in Python and the CLI's line name the same address and say which kind it is: a configured
    page, a local build, or the published site (never a dead link)."""
    from zaitaku_core import create_registry
    from zaitaku_core.errors import UnknownCityError

    def raised() -> UnknownCityError:
        with pytest.raises(UnknownCityError) as caught:
            create_registry().city("nowhere")
        return caught.value

    monkeypatch.setenv("ZAITAKU_DOCS_URL", "https://intranet.example/zaitaku/errors.html")
    err = raised()
    see = "see: https://intranet.example/zaitaku/errors.html#unknown-city (configured documentation)"
    assert str(err).endswith(f" ({see})") and err.doc_url == "https://intranet.example/zaitaku/errors.html#unknown-city"
    main(["--lang", "en", "plan", "nowhere", "--fy", "2024"])
    assert capsys.readouterr().err.rstrip().endswith(f"— {see}")
    monkeypatch.delenv("ZAITAKU_DOCS_URL")
    reference = docs_reference()
    kind = {"local": "local documentation build", "published": "published site"}[reference.kind]
    err = raised()
    assert str(err).endswith(f"(see: {reference.address}#unknown-city ({kind}))")
    assert err.doc_url == f"{reference.address}#unknown-city"
    main(["--lang", "en", "plan", "nowhere", "--fy", "2024"])
    assert capsys.readouterr().err.rstrip().endswith(f"— {err.reference('en')}")
    main(["--lang", "ja", "plan", "nowhere", "--fy", "2024"])
    assert capsys.readouterr().err.rstrip().endswith(f"— {err.reference('ja')}")
    assert err.reference("ja").startswith("詳細: ")


@pytest.mark.parametrize(
    "command",
    [
        ["cities"],
        ["plan", "kushiro", "--fy", "2024"],
        ["handoff", "kushiro", "--event", "admission", "--at", "2025-01-03T19:10"],
    ],
    ids=["cities", "plan", "handoff"],
)
def test_listings_never_pass_a_citys_control_characters_to_the_terminal(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A city name or a program title holding an escape sequence (clear the screen, set the window title)
    or a right-to-left override is printed without them, as validate and reports on a terminal are."""
    from zaitaku_core.cli.scaffold import scaffold_city_folder

    folder = scaffold_city_folder("kushiro", code="012068", name="釧路市", directory=tmp_path)
    hostile = "\\u001b[2J\\u001b]0;title\\u0007\\u202e"
    city = (folder / "city.toml").read_text(encoding="utf-8")
    (folder / "city.toml").write_text(city.replace('name = "釧路市"', f'name = "釧路{hostile}市"', 1), encoding="utf-8")
    programs = (folder / "programs.toml").read_text(encoding="utf-8")
    programs = programs.replace('title = "', f'title = "取組{hostile}', 1)
    (folder / "programs.toml").write_text(programs, encoding="utf-8")
    assert main(["--data-dir", str(folder), *command]) == 0
    out = capsys.readouterr().out
    assert "釧路[2J]0;title市" in out or "取組[2J]0;title" in out
    assert not any(ch in out for ch in "\x1b\x07\u202e")


@pytest.mark.parametrize(
    ("raised", "ja", "en"),
    [
        (
            OSError(),
            "ファイルの読み書きに失敗しました（OSError）：OS から理由は示されませんでした",
            "reading or writing a file failed (OSError): the system gave no reason",
        ),
        (
            OSError("Parquet magic bytes not found"),
            "ファイルの読み書きに失敗しました（OSError）：Parquet magic bytes not found",
            "reading or writing a file failed (OSError): Parquet magic bytes not found",
        ),
        (
            OSError(None, None, "/tmp/a.xlsx", None, "/tmp/b.xlsx"),
            "/tmp/b.xlsx へのファイルの移動またはコピーに失敗しました（OSError）：OS から理由は示されませんでした "
            "[ファイル '/tmp/a.xlsx']",
            "moving or copying the file to /tmp/b.xlsx failed (OSError): the system gave no reason "
            "[file '/tmp/a.xlsx']",
        ),
        (
            OSError("row of 090-1234-5678"),
            "（メッセージは表示しません",
            "(its message is not shown",
        ),
    ],
)
def test_a_stray_oserror_without_a_system_reason_says_what_failed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], raised: OSError, ja: str, en: str
) -> None:
    """An OSError that a library raised itself has no strerror: the line said only 'OSError'. It names the
    operation, the file where known and the exception's own words (unless they look personal), Japanese first."""
    import zaitaku_core.report

    def fail(*args: object, **kwargs: object) -> bytes:
        raise raised

    monkeypatch.setattr(zaitaku_core.report, "render", fail)
    for lang, said in (("ja", ja), ("en", en)):
        assert main(["--lang", lang, "report", "asahikawa", "--fy", "2024", "-o", "-"]) == EXIT_INVALID
        err = capsys.readouterr().err
        assert said in err and "[file-access]" in err and "090" not in err, err
