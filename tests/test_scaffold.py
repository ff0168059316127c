"""``zaitaku new-city``: the scaffold writes a package that loads, validates, installs and passes its tests."""

from __future__ import annotations

import os
import subprocess
import tomllib
import venv
from pathlib import Path

import pytest
from click.testing import CliRunner

from zaitaku_core.cli import cli, main
from zaitaku_core.cli.common import current_umask
from zaitaku_core.cli.scaffold import scaffold_city, scaffold_city_folder
from zaitaku_core.errors import InputError, MunicipalCodeError
from zaitaku_core.model import Severity
from zaitaku_core.plugins import DataPlugin, create_registry
from zaitaku_core.validation import validate_city

ROOT = Path(__file__).resolve().parent.parent


def test_files_entry_point_and_data(tmp_path: Path) -> None:
    target = scaffold_city("kushiro", code="012068", name="釧路市", fiscal_year="令和7年度", directory=tmp_path)
    assert target == tmp_path / "zaitaku-kushiro"
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == [
        "README.md",
        "pyproject.toml",
        "src/zaitaku_kushiro/__init__.py",
        "src/zaitaku_kushiro/data/bodies.toml",
        "src/zaitaku_kushiro/data/city.toml",
        "src/zaitaku_kushiro/data/handoff.toml",
        "src/zaitaku_kushiro/data/indicators.toml",
        "src/zaitaku_kushiro/data/programs.toml",
        "src/zaitaku_kushiro/data/tools.toml",
        "src/zaitaku_kushiro/py.typed",
        "tests/test_kushiro_conformance.py",
    ]
    project = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "zaitaku-kushiro"
    assert project["project"]["entry-points"]["zaitaku"] == {"kushiro": "zaitaku_kushiro:plugin"}
    city = tomllib.loads((target / "src/zaitaku_kushiro/data/city.toml").read_text(encoding="utf-8"))["city"]
    assert city["municipality"] == {"code": "012068", "name": "釧路市", "prefecture": "北海道"}
    assert city["fiscal_years"] == [2025]
    assert not list(tmp_path.glob(".zaitaku-*")), "the staging folder is left behind"
    assert target.stat().st_mode & 0o777 == 0o777 & ~current_umask()  # not the 0700 of a temporary folder


def test_the_scaffold_loads_and_has_no_validation_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = scaffold_city("obihiro", code="012076", name="帯広市", directory=tmp_path)
    monkeypatch.syspath_prepend(str(target / "src"))
    registry = create_registry(entry_points=False, plugins=[("obihiro", DataPlugin("zaitaku_obihiro"))])
    plan = registry.plan("obihiro", 2024)
    assert len(plan.programs) == 7 and plan.tools and plan.indicators and not plan.handoff_rules
    assert [f for f in validate_city(registry, "obihiro") if f.severity is Severity.ERROR] == []


def test_bad_input_is_refused_and_nothing_is_overwritten(tmp_path: Path) -> None:
    with pytest.raises(MunicipalCodeError, match="check digit"):
        scaffold_city("x", code="012069", name="釧路市", directory=tmp_path)
    with pytest.raises(InputError, match="lower-case"):
        scaffold_city("Kushiro", code="012068", name="釧路市", directory=tmp_path)
    (tmp_path / "zaitaku-kushiro").mkdir()
    (tmp_path / "zaitaku-kushiro" / "mine.txt").write_text("keep me")
    with pytest.raises(InputError, match="already exists"):
        scaffold_city("kushiro", code="012068", name="釧路市", directory=tmp_path)
    assert (tmp_path / "zaitaku-kushiro" / "mine.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zaitaku-kushiro"]


def test_cli(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["new-city", "abashiri", "--code", "012084", "--name", "網走市", "--dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "zaitaku-abashiri" / "pyproject.toml").is_file()
    assert "pip install -e" in result.output


def test_installs_into_a_fresh_venv_and_passes_its_tests(tmp_path: Path) -> None:
    """The issue's acceptance test: scaffold, install into a new virtual environment, run its tests green."""
    target = scaffold_city("wakkanai", code="012149", name="稚内市", directory=tmp_path)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / ("Scripts" if os.name == "nt" else "bin") / "python")
    environment = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}

    def run(*args: str, cwd: Path = target) -> str:
        done = subprocess.run(args, cwd=cwd, env=environment, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        return done.stdout

    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run(*pip, f"{ROOT}[test]")  # the core as a user gets it: built and installed, not editable
    run(*pip, "--no-deps", "-e", ".")
    output = run(python, "-m", "pytest", "-p", "no:cacheprovider")
    # Every check of the suite runs; only the handoff properties skip (a new city has no rules of its own).
    assert "14 passed, 1 skipped" in output, output
    assert "declares no handoff rules" in output
    assert "plugins: wakkanai 0.1.0" in output  # the core's pytest plugin is active in the new environment


def test_a_folder_city_without_a_package(tmp_path: Path) -> None:
    target = scaffold_city_folder("nemuro", code="012238", name="根室市", fiscal_year=2025, directory=tmp_path)
    assert target == tmp_path / "nemuro"
    assert sorted(p.name for p in target.iterdir()) == [
        "bodies.toml",
        "city.toml",
        "handoff.toml",
        "indicators.toml",
        "programs.toml",
        "tools.toml",
    ]
    registry = create_registry(entry_points=False, data_path=[target])
    assert len(registry.plan("nemuro", 2025).programs) == 7
    assert [f for f in validate_city(registry, "nemuro") if f.severity is Severity.ERROR] == []
    result = CliRunner().invoke(
        cli, ["new-city", "nemuro", "--code", "012238", "--name", "根室市", "--folder", "--dir", str(tmp_path)]
    )
    assert result.exit_code != 0 and "already exists" in str(result.exception)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ja", ["入力値が正しくありません: 市町村 ID 'Kushiro' は英小文字で始め", "市町村名が空です [項目 'name']"]),
        (
            "en",
            ["city id 'Kushiro' must be lower-case ASCII letters", "the city's name must not be empty [field 'name']"],
        ),
    ],
)
def test_refusals_read_in_the_language_of_the_run(
    lang: str, expected: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The refusals come from the catalogue: Japanese under --lang ja (no English left under the Japanese title).
    args = ["--code", "012068", "--dir", str(tmp_path)]
    assert main(["--lang", lang, "new-city", "Kushiro", "--name", "釧路市", *args]) == 1
    assert main(["--lang", lang, "new-city", "kushiro", "--name", "", *args]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and all(text in line for text, line in zip(expected, lines, strict=True))
    if lang == "ja":
        assert "must" not in "".join(lines)
    assert list(tmp_path.iterdir()) == []
