"""The command line: help, plugins, cities, plan, schema and error reporting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from sample_plugins import SamplePlugin

from zaitaku_core.cli import COMMANDS, cli, main
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


def test_schema_export(tmp_path: Path) -> None:
    status, out = invoke(None, "schema", "Program")
    assert status == 0 and json.loads(out)["title"] == "Program"
    status, out = invoke(None, "schema", "-o", str(tmp_path))
    assert (tmp_path / "City.schema.json").exists()
    status, out = invoke(None, "schema", "Nope")
    assert status != 0 and "unknown model 'Nope'" in out


def test_library_errors_are_one_clear_line(capsys: object) -> None:
    status = main(["plan", "nowhere", "--fy", "2024"])
    captured = capsys.readouterr()  # type: ignore[attr-defined]
    assert status == 1
    assert "error [unknown-city]: no plugin serves city 'nowhere'" in captured.err
    assert main(["plan", "asahikawa", "--fy", "平成32年度"]) == 1
    assert "平成32" in capsys.readouterr().err  # type: ignore[attr-defined]
