"""Cities kept as folders or workbooks: found on --data-dir / ZAITAKU_DATA_PATH, validated like plugins."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from xlsx_helpers import NEW_CITY, write_workbook

from zaitaku_core.cli import main
from zaitaku_core.errors import CityConflictError, InputError, PluginDataError, WorkbookError
from zaitaku_core.folder_cities import DATA_PATH_VARIABLE, city_sources
from zaitaku_core.plugins import create_registry

ASAHIKAWA_DATA = Path(__file__).resolve().parent.parent / "plugins/asahikawa/src/zaitaku_asahikawa/data"


def _kushiro_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "kushiro"
    args = ["new-city", "kushiro", "--code", "012068", "--name", "釧路市", "--folder", "--dir", str(tmp_path)]
    assert main(args) == 0
    return folder


def test_a_path_list_of_folders_and_workbooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shelf = tmp_path / "cities"
    shelf.mkdir()
    _kushiro_folder(shelf)
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    city = sheets["市町村・目指すべき姿"][0]
    city.update({"市町村ID": "obihiro", "市町村：コード": "012076", "市町村：名称": "帯広市"})
    write_workbook(shelf / "obihiro.xlsx", sheets)
    (shelf / "~$obihiro.xlsx").write_bytes(b"Excel's lock file")  # skipped, as are hidden files
    assert [p.name for p in city_sources([shelf])] == ["kushiro", "obihiro.xlsx"]
    monkeypatch.setenv(DATA_PATH_VARIABLE, os.pathsep.join([str(shelf), ""]))
    registry = create_registry(entry_points=False)
    assert [city.id for city in registry.cities()] == ["kushiro", "obihiro"]
    assert registry.plugin_of("obihiro") == f"folder:{shelf / 'obihiro.xlsx'}"
    assert registry.plan("obihiro", 2024).programs[0].id == "kushiro-2024-a"


def test_an_installed_plugin_and_a_folder_with_the_same_id_are_a_conflict(tmp_path: Path) -> None:
    folder = tmp_path / "asahikawa"
    shutil.copytree(ASAHIKAWA_DATA, folder)
    with pytest.raises(CityConflictError, match="'asahikawa' is served both by plugin 'asahikawa' and by"):
        create_registry(entry_points=["asahikawa"], lazy=True, data_path=[folder])
    twice = tmp_path / "again"
    shutil.copytree(ASAHIKAWA_DATA, twice)
    with pytest.raises(CityConflictError, match="folder:"):
        create_registry(entry_points=False, data_path=[folder, twice])
    assert main(["--data-dir", str(folder), "cities"]) == 1


def test_folder_errors_name_the_file_and_the_field(tmp_path: Path) -> None:
    folder = _kushiro_folder(tmp_path)
    text = (folder / "programs.toml").read_text(encoding="utf-8").replace('new_item = "ア(イ)"', 'new_item = "イ(エ)"')
    (folder / "programs.toml").write_text(text, encoding="utf-8")
    registry = create_registry(entry_points=False, data_path=[folder])
    with pytest.raises(PluginDataError) as caught:
        registry.programs("kushiro", 2024)
    assert caught.value.location["file"] == str(folder / "programs.toml")
    assert caught.value.errors[0][0] == f"{folder / 'programs.toml'}: programs[1].new_item"


def test_a_data_file_saved_as_shift_jis_is_a_data_error_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A city.toml re-saved by a Japanese editor in Shift_JIS stopped every command with an internal error
    (exit 3, UnicodeDecodeError, 'report a bug'); it is the plugin-data error naming the file and the line of
    the first byte that is not UTF-8, exit 1."""
    folder = _kushiro_folder(tmp_path)
    text = (folder / "city.toml").read_text(encoding="utf-8")
    (folder / "city.toml").write_bytes(text.encode("cp932"))
    line = text.encode("utf-8")[: next(i for i, b in enumerate(text.encode("utf-8")) if b >= 0x80)].count(b"\n") + 1
    capsys.readouterr()
    assert main(["--data-dir", str(folder), "cities"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("エラー [plugin-data] ") and "UTF-8 のテキストではありません" in err
    assert f"[ファイル '{folder / 'city.toml'}'] [行 '{line}']" in err and "[internal]" not in err


def test_a_data_file_saved_as_utf8_with_a_bom_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Notepad's "UTF-8 (BOM付き)": the BOM was handed to the TOML parser, which refused the file with
    'Invalid statement (at line 1, column 1)', a line that looks right."""
    folder = _kushiro_folder(tmp_path)
    for name in ("city.toml", "programs.toml"):
        (folder / name).write_bytes(b"\xef\xbb\xbf" + (folder / name).read_bytes())
    capsys.readouterr()
    assert main(["--data-dir", str(folder), "plan", "kushiro", "--fy", "2024"]) == 0
    assert "釧路市" in capsys.readouterr().out


def test_a_misnamed_data_file_is_an_error_not_a_plan_without_its_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """programs.toml saved as program.toml was never read: ``zaitaku plan`` printed the plan with no program,
    exit 0. A .toml or .json file under a name a city folder does not read is a plugin-data error naming it."""
    folder = _kushiro_folder(tmp_path)
    (folder / "programs.toml").rename(folder / "program.toml")
    capsys.readouterr()
    assert main(["--data-dir", str(folder), "plan", "kushiro", "--fy", "2024"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("エラー [plugin-data] ") and f"[ファイル '{folder / 'program.toml'}']" in err
    assert "programs.toml" in err  # the name it should have
    (folder / "program.toml").rename(folder / "programs.toml")
    (folder / "README.md").write_text("notes", encoding="utf-8")  # not a data file's suffix: left alone
    assert main(["--data-dir", str(folder), "plan", "kushiro", "--fy", "2024"]) == 0


def test_a_workbook_city_with_problems_lists_them_with_cells(tmp_path: Path) -> None:
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["取組"][0]["新項目"] = "イ(エ)"
    path = write_workbook(tmp_path / "plan.xlsx", sheets)
    with pytest.raises(WorkbookError) as caught:
        create_registry(entry_points=False, data_path=[path])
    assert str(caught.value.problems[0]).startswith("取組!E3 新項目: 'イ(エ)'")


def test_entries_that_are_not_cities(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="neither a city folder nor a workbook"):
        city_sources([tmp_path / "nowhere"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no city"):
        city_sources([tmp_path / "empty"])


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ja",
            "は市町村フォルダーでもワークブック（.xlsx）でもありません（--data-dir または ZAITAKU_DATA_PATH で指定）",
        ),
        ("en", "is neither a city folder nor a workbook (.xlsx) (set by --data-dir or ZAITAKU_DATA_PATH)"),
    ],
)
def test_a_path_that_is_not_a_city_reads_in_the_language_of_the_run(
    lang: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--lang", lang, "--data-dir", str(tmp_path / "nowhere"), "cities"]) == 1
    error = capsys.readouterr().err
    assert expected.format(path=tmp_path / "nowhere") in error
    assert len(error.strip().splitlines()) == 1 and "Traceback" not in error


def test_a_workbook_citys_report_keeps_data_paths_for_show_ids(tmp_path: Path) -> None:
    """The staff guide's city: its printed report names no internal id, not even in a finding's data path
    (``programs[kushiro-2024-a].scenes[1]`` of ZK017); ``--show-ids`` brings them back for the data's authors."""
    plan = write_workbook(tmp_path / "計画.xlsx", NEW_CITY)
    for name, extra in (("plain.html", []), ("ids.html", ["--show-ids"])):
        out = tmp_path / name
        assert main(["--data-dir", str(plan), "report", "kushiro", "--fy", "2024", "-o", str(out), *extra]) == 0
    plain, ids = ((tmp_path / n).read_text(encoding="utf-8") for n in ("plain.html", "ids.html"))
    assert "ZK017" in plain and "kushiro-2024-a" not in plain and "scene_aims" not in plain
    assert "programs[kushiro-2024-a].scenes[1]" in ids and "scene_aims" in ids


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ja", "同じキーが2回書かれています"), ("en", "the same key is written twice")],
)
def test_a_key_written_twice_names_the_line_in_the_language_of_the_run(
    lang: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _kushiro_folder(tmp_path)
    programs = folder / "programs.toml"
    lines = programs.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(number for number, line in enumerate(lines, 1) if line.startswith("title = "))
    lines.insert(at, 'title = "二つ目"\n')
    programs.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "r.md"
    status = main(["--lang", lang, "--data-dir", str(folder), "report", "kushiro", "--fy", "2024", "-o", str(out)])
    error = capsys.readouterr().err
    line = "行" if lang == "ja" else "line"
    assert status == 1 and expected in error and f"[{line} '{at + 1}']" in error, error
    assert "Cannot overwrite" not in error and "二つ目" not in error and len(error.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", ["dangling-link", "folder", "pipe"])
def test_a_data_file_that_cannot_be_read_is_an_error_not_a_plan_without_it(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tools.toml as a link whose target moved away (a folder copied off a shared drive), a folder or a pipe:
    the report is refused naming the file, never written without the city's tools."""
    folder = _kushiro_folder(tmp_path)
    tools = folder / "tools.toml"
    tools.unlink(missing_ok=True)
    {"dangling-link": lambda: tools.symlink_to(tmp_path / "moved" / "tools.toml"), "folder": tools.mkdir}.get(
        kind, lambda: os.mkfifo(tools)
    )()
    out = tmp_path / "r.md"
    status = main(["--data-dir", str(folder), "report", "kushiro", "--fy", "2024", "-o", str(out)])
    error = capsys.readouterr().err
    assert status == 1 and not out.exists()
    assert "[plugin-data]" in error and f"[ファイル '{tools}']" in error and len(error.strip().splitlines()) == 1


@pytest.mark.parametrize("source", ["workbook", "folder"])
def test_a_report_over_the_citys_own_data_is_refused(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--data-dir 計画.xlsx report … -o 計画.xlsx`` (the report in Excel, named as the plan) or ``-o`` a data
    file of the city folder: refused before anything is written, the plan kept."""
    if source == "workbook":
        data = target = write_workbook(tmp_path / "計画.xlsx", NEW_CITY)
    else:
        data = _kushiro_folder(tmp_path)
        target = data / "programs.toml"
    before = target.read_bytes()
    for command in (["report", "kushiro", "--fy", "2024"], ["compare", "kushiro"]):
        assert main(["--data-dir", str(data), *command, "--format", "xlsx", "-o", str(target)]) == 2
        error = capsys.readouterr().err
        assert "[usage]" in error and str(target) in error and len(error.strip().splitlines()) == 1
        assert target.read_bytes() == before


_TYPO_PROGRAM = """
[[programs]]
id = "kushiro-typo"
fiscal_year = "令和5年度"
new_item = "イ(イ)"
title = "地域住民への普及啓発"
scenes = [{ scene = "daily_support", reason = "広報の対象" }]
"""


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ja", "警告\tZK021\tkushiro FY2023 kushiro-typo fiscal_year\t取組「kushiro-typo」は令和5年度（FY2023）の取組"),
        ("en", "warning\tZK021\tkushiro FY2023 kushiro-typo fiscal_year\tProgram 'kushiro-typo' is for FY2023, a"),
    ],
)
def test_a_program_of_a_year_the_city_does_not_declare_is_a_warning_not_dropped_unsaid(
    lang: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A typo 令和5 for 令和6 put the program in no plan of a declared year, so in no report: ZK021 says so.
    folder = _kushiro_folder(tmp_path)
    programs = folder / "programs.toml"
    programs.write_text(programs.read_text(encoding="utf-8") + _TYPO_PROGRAM, encoding="utf-8")
    capsys.readouterr()
    assert main(["--lang", lang, "--data-dir", str(folder), "validate", "kushiro"]) == 0  # a warning
    found = [line for line in capsys.readouterr().out.splitlines() if "ZK021" in line]
    assert len(found) == 1
    assert found[0].startswith(expected)
    assert ("FY2024" if lang == "en" else "令和6年度（FY2024）") in found[0]  # the years it declares
    registry = create_registry(data_path=[folder])
    assert "kushiro-typo" not in {program.id for program in registry.plan("kushiro", 2024).programs}
    # Asked for on purpose (--allow-undeclared), the year holds it as one of its programs, without ZK021.
    plan = registry.plan("kushiro", 2023, allow_undeclared=True)
    assert [program.id for program in plan.programs] == ["kushiro-typo"]
    assert plan.undeclared_programs == ()


def test_the_bundled_cities_have_no_program_of_an_undeclared_year(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    captured = capsys.readouterr()
    assert "ZK021" not in captured.out
    assert captured.err.strip().endswith("エラー 0, 警告 2, 情報 8")
