"""The plan workbook: template, import, round trip, Japanese Excel habits, and every kind of bad input."""

from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from xlsx_helpers import NEW_CITY, Formula, write_workbook

from zaitaku_core.cli import main
from zaitaku_core.errors import WorkbookError
from zaitaku_core.folder_cities import FolderPlugin
from zaitaku_core.framework import CareScene, NewItem, Phase
from zaitaku_core.io import xlsx_import
from zaitaku_core.io.city_folder import write_city_folder
from zaitaku_core.io.xlsx_import import read_workbook
from zaitaku_core.io.xlsx_schema import LIST_SHEET, LOG_SHEET, SHEETS, columns
from zaitaku_core.io.xlsx_template import CityRecords, template_bytes
from zaitaku_core.plugins import Registry, create_registry

CITIES = ("asahikawa", "tokushima", "takamatsu")


@pytest.fixture(scope="module")
def installed() -> Registry:
    """Both bundled cities, and the third city of the model's tests (bodies, programs over a period)."""
    import third_city

    return create_registry(entry_points=["asahikawa", "tokushima"], plugins=[("takamatsu", third_city.plugin)])


def _dump(registry: Registry, city_id: str) -> dict[str, Any]:
    city = registry.city(city_id)
    return {
        "city": city.model_dump(),
        "bodies": [b.model_dump() for b in registry.bodies(city_id)],
        "programs": [p.model_dump() for year in city.fiscal_years for p in registry.programs(city_id, year)],
        "tools": [t.model_dump() for t in registry.tools(city_id)],
        "indicators": [i.model_dump() for i in registry.indicators(city_id)],
        "rules": [r.model_dump() for r in registry.handoff_rules(city_id)],
    }


def _folder_registry(folder: Path) -> Registry:
    return create_registry(entry_points=False, plugins=[("folder", FolderPlugin(folder))])


def _import_to_folder(workbook: Path, folder: Path) -> Registry:
    write_city_folder(read_workbook(workbook).files, folder)
    return _folder_registry(folder)


def _template(tmp_path: Path, registry: Registry, city_id: str) -> Path:
    path = tmp_path / f"{city_id}.xlsx"
    path.write_bytes(template_bytes(CityRecords.from_registry(registry, city_id)))
    return path


def _problems(path: Path, **kwargs: Any) -> list[str]:
    with pytest.raises(WorkbookError) as caught:
        read_workbook(path, **kwargs)
    return [str(problem) for problem in caught.value.problems]


# --- the layout follows the models ---------------------------------------------------------------------------


def test_every_field_of_every_sheet_has_a_japanese_header_and_headers_are_unique() -> None:
    for spec in SHEETS:
        headers = [column.header for column in columns(spec)]
        assert len(headers) == len(set(headers)), spec.name
        for column in columns(spec):
            assert not column.header.isascii() or column.header in {"ID", "URL"}, (spec.name, column.path)
    for spec in SHEETS:
        untitled = sorted(name for name, info in spec.model.model_fields.items() if info.title is None)
        assert not untitled, f"{spec.model.__name__}: give {untitled} a Japanese title in zaitaku_core.model"
        for column in columns(spec):
            for field in column.fields:
                assert not field.header.isascii() or field.header == "URL", (spec.name, column.path, field.path)


def test_template_has_the_sheets_headers_help_and_dropdowns(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    path.write_bytes(template_bytes(None, fiscal_year=2025))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["使い方", LIST_SHEET, *(spec.name for spec in SHEETS), LOG_SHEET]
    assert book[LIST_SHEET].sheet_state == "hidden"
    programs = book["取組"]
    headers = [cell.value for cell in programs[1]]
    assert headers[:5] == ["ID", "取組名", "年度", "旧項目", "新項目"]
    assert "ア(ア)〜ウ" in str(programs.cell(2, 5).value)
    validations = {str(v.sqref).split(":")[0]: v.formula1 for v in programs.data_validations.dataValidation}
    lists = book[LIST_SHEET]
    new_items = validations["E3"]
    assert new_items is not None and new_items.startswith(f"'{LIST_SHEET}'!")
    column = new_items.split("!")[1].split(":")[0].replace("$", "")[0]
    listed = [cell.value for cell in lists[column][1:] if cell.value]
    assert listed == [f"{item.code} {item.ja}" for item in NewItem]
    city_sheet = book["市町村・目指すべき姿"]
    year_column = [cell.value for cell in city_sheet[1]].index("計画の年度") + 1
    assert city_sheet.cell(3, year_column).value == 2025  # 計画の年度 pre-set
    rules = book["入退院等のルール"]
    rule_headers = [cell.value for cell in rules[1]]
    scene_col = rule_headers.index("場面") + 1
    scene_rule = next(
        v for v in rules.data_validations.dataValidation if str(v.sqref).startswith(rules.cell(3, scene_col).coordinate)
    )
    scene_list_col = scene_rule.formula1.split("!")[1][1]
    assert [c.value for c in lists[scene_list_col][1:] if c.value] == [s.ja for s in CareScene]
    assert "使い方" in str(book["使い方"]["A5"].value)
    assert template_bytes(None, fiscal_year=2025) == path.read_bytes()  # deterministic


@pytest.mark.parametrize("city_id", CITIES)
def test_round_trip_toml_workbook_toml_gives_the_same_data(tmp_path: Path, installed: Registry, city_id: str) -> None:
    workbook = _template(tmp_path, installed, city_id)
    back = _import_to_folder(workbook, tmp_path / city_id)
    assert _dump(back, city_id) == _dump(installed, city_id)
    # and once more: the folder's workbook is the same workbook
    again = tmp_path / "again.xlsx"
    again.write_bytes(template_bytes(CityRecords.from_registry(back, city_id)))
    assert again.read_bytes() == workbook.read_bytes()


def test_editing_one_cell_changes_exactly_that_value(tmp_path: Path, installed: Registry) -> None:
    workbook = _template(tmp_path, installed, "asahikawa")
    book = openpyxl.load_workbook(workbook)
    sheet = book["取組"]
    headers = [cell.value for cell in sheet[1]]
    row = next(r for r in range(3, sheet.max_row + 1) if sheet.cell(r, 1).value == "asahikawa-u")
    sheet.cell(row, headers.index("取組の概要") + 1).value = "新しい概要"
    book.save(workbook)
    before, after = _dump(installed, "asahikawa"), _dump(_import_to_folder(workbook, tmp_path / "out"), "asahikawa")
    changed = [
        (a["id"], k) for a, b in zip(after["programs"], before["programs"], strict=True) for k in a if a[k] != b[k]
    ]
    assert changed == [("asahikawa-u", "overview")]
    assert next(p for p in after["programs"] if p["id"] == "asahikawa-u")["overview"] == "新しい概要"
    assert {k: v for k, v in after.items() if k != "programs"} == {k: v for k, v in before.items() if k != "programs"}


# --- a workbook as Japanese Excel saves it -----------------------------------------------------------------


def test_a_new_city_in_japanese_excel_habits_imports_without_fuss(tmp_path: Path) -> None:
    """Full-width digits, era years and dates typed as text, a merged title row above the headers,
    hidden sheets, trailing empty rows, dropdown labels and reordered columns."""
    spec = next(s for s in SHEETS if s.name == "指標・計画値・実績値")
    reordered = {spec.name: [c.header for c in reversed(columns(spec))]}
    path = write_workbook(tmp_path / "plan.xlsx", NEW_CITY, title_row=True, hidden=["取組"], headers=reordered)
    book = openpyxl.load_workbook(path)
    book["連携ツール"]["A200"].number_format = "@"  # a formatted, empty cell far below: trailing empty rows
    book["連携ツール"]["B300"].value = "   "
    book["取組"].merge_cells("B2:B3")  # a header merged with its help cell below
    book["取組"].merge_cells("C2:C3")
    book.save(path)
    registry = _import_to_folder(path, tmp_path / "kushiro")
    plan = registry.plan("kushiro", 2024)
    first, second = plan.programs
    assert first.new_item is NewItem.A_A and [s.scene for s in first.scenes] == [
        CareScene.DAILY_SUPPORT,
        CareScene.ADMISSION_DISCHARGE,
    ]
    assert first.frequency is not None and first.frequency.count == 1
    assert [a.owners for a in first.actions] == [("介護高齢課",), ("釧路市医師会", "介護高齢課")]
    assert second.new_item is NewItem.B_C and second.phase is Phase.B and second.new_this_year
    (indicator,) = plan.indicators
    assert [(v.kind.value, v.value, v.status.value, str(v.as_of)) for v in indicator.values] == [
        ("plan", 120, "final", "None"),
        ("actual", 48, "partial", "2024-09-30"),
    ]
    assert [o.name for o in plan.city.operators] == ["釧路市医師会"]


def test_problems_are_all_reported_with_sheet_cell_and_field_and_nothing_is_written(tmp_path: Path) -> None:
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["取組"][0]["新項目"] = "イ(エ)"
    sheets["取組"][2]["年度"] = "令和99年度度"
    sheets["連携ツール"][0]["種別"] = "ふせん"
    sheets["指標・計画値・実績値"][1]["値：時点"] = "令和6年2月30日"
    sheets["指標・計画値・実績値"][0]["ID"] = "多職種"
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    problems = _problems(path)
    assert problems[0].startswith("取組!E3 新項目: 'イ(エ)' は国の取組項目にありません（ア(ア)、")
    assert "取組!C5 年度: 年度として読めません: '令和99年度度'" in problems[1]
    assert any(p.startswith("連携ツール!C3 種別: 'ふせん' は一覧にありません") for p in problems)
    assert any("4 値：時点: 日付として読めません: '令和6年2月30日'" in p for p in problems)
    assert any(p.startswith("指標・計画値・実績値!A3 ID: IDの形ではありません。IDは半角の英小文字") for p in problems)
    assert not any("多職種" in p for p in problems)  # an id cell's refused value is never repeated
    assert len(problems) == 5, problems
    english = _problems(path, lang="en")
    assert english[0].startswith("取組!E3 新項目: 'イ(エ)' is not a national item")
    out = tmp_path / "out"
    assert main(["import", str(path), "-o", str(out)]) == 1
    assert not out.exists() and not list(tmp_path.glob(".out-*"))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_name_typed_in_an_id_cell_is_never_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    """Personal data is never echoed in errors: a person's name typed in an ID cell (a record's own id, or an
    id that points at another sheet) is refused by its cell and header, without the value."""
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["組織・会議体"][0]["ID"] = "山田 太郎"
    sheets["取組"][0]["連携ツール"] = "Taro Yamada"
    path = write_workbook(tmp_path / "plan.xlsx", sheets)
    assert main(["--lang", lang, "--data-dir", str(path), "validate", "kushiro"]) == 1
    err = capsys.readouterr().err
    assert "山田" not in err and "Taro" not in err, err
    for args in (["import", str(path)], ["import", str(path), "-o", str(tmp_path / "out")]):
        assert main(["--lang", lang, *args]) == 1
        err = capsys.readouterr().err
        assert "山田" not in err and "Taro" not in err, err
        assert "組織・会議体!A3 ID" in err and "取組!O3 連携ツール" in err, err  # the cell and its header
        assert ("IDの形ではありません" if lang == "ja" else "not an id") in err, err


def test_a_models_own_check_is_told_in_the_workbooks_language(tmp_path: Path) -> None:
    """A value the model's own validator refuses (the prefecture against the municipal code) reads wholly in
    Japanese for a Japanese run, as pydantic's English wording stays for an English one."""
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["市町村・目指すべき姿"][0]["市町村：都道府県"] = "青森県"
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    (japanese,) = _problems(path, lang="ja")
    assert japanese.startswith("市町村・目指すべき姿!A3 ") and "青森県" in japanese
    assert "does not match" not in japanese and "一致しません" in japanese
    (english,) = _problems(path, lang="en")
    assert "invalid value: prefecture '青森県' does not match code 012068" in english


def test_the_cli_lists_every_problem_then_one_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["取組"][0]["新項目"] = "イ(エ)"
    sheets["連携ツール"][0]["種別"] = "ふせん"
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    assert main(["import", str(path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "取組!E3 新項目: 'イ(エ)'" in err and "連携ツール!C3 種別" in err
    assert "2 件の問題" in err and "Traceback" not in err
    assert main(["--lang", "en", "import", str(path), "-o", str(tmp_path / "out")]) == 1
    assert "2 problems in the workbook; nothing was written" in capsys.readouterr().err


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("command", [["validate"], ["report", "kushiro", "--fy", "2024"], ["plan", "kushiro"]])
def test_a_workbook_as_data_dir_lists_its_problems_as_import_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, command: list[str]
) -> None:
    """``zaitaku --data-dir plan.xlsx validate`` (or report, plan) says every problem of the workbook, one a
    line by sheet and cell, in the run's language, exactly as ``zaitaku import`` does, and exits 1."""
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["取組"][0]["新項目"] = "イ(エ)"
    sheets["連携ツール"][0]["種別"] = "ふせん"
    path = write_workbook(tmp_path / "plan.xlsx", sheets)
    capsys.readouterr()
    assert main(["--lang", lang, "--data-dir", str(path), *command]) == 1
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 3, err  # two problems, then the one error line
    assert lines[0].startswith("取組!E3 新項目: 'イ(エ)'") and lines[1].startswith("連携ツール!C3 種別: 'ふせん'")
    if lang == "en":
        assert "is not a national item" in lines[0] and "ワークブック" not in err and "ありません" not in err
        assert lines[2].startswith("error [workbook] 2 problems in the workbook")
    else:
        assert "国の取組項目にありません" in lines[0] and "is not" not in err
        assert lines[2].startswith("エラー [workbook] ワークブックを読み込めません: ワークブックに 2 件の問題")
    assert main(["--lang", lang, "import", str(path)]) == 1
    assert capsys.readouterr().err == err  # the import's very report
    assert main(["--data-dir", str(path), *command, "--lang", lang]) == 1  # the command's own --lang too
    assert capsys.readouterr().err == err


def test_one_problem_is_said_in_the_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["連携ツール"][0]["種別"] = "ふせん"
    path = write_workbook(tmp_path / "bad.xlsx", sheets)
    assert main(["--lang", "en", "import", str(path), "-o", str(tmp_path / "out")]) == 1
    assert "1 problem in the workbook; nothing was written: 連携ツール!C3" in capsys.readouterr().err
    assert main(["--lang", "ja", "import", str(path), "-o", str(tmp_path / "out")]) == 1
    assert "ワークブックに 1 件の問題があります。何も書き込んでいません: 連携ツール!C3" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_second_city_row_is_named_at_its_own_row_and_the_first_is_not_blamed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second fiscal year typed in the next row (not in the same cell) is one problem, at that row; the
    city in row 3 is not reported as missing its id, code and years."""
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["市町村・目指すべき姿"].append({"計画の年度": "令和7年度"})
    path = write_workbook(tmp_path / "plan.xlsx", sheets)
    assert main(["import", str(path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "市町村・目指すべき姿!A4: 市町村は1行だけ書いてください（2行あります）" in err
    assert "市町村・目指すべき姿!A3" not in err and "1 件の問題" in err


def test_import_cli_writes_the_folder_and_report_runs_on_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_workbook(tmp_path / "plan.xlsx", NEW_CITY)
    out = tmp_path / "kushiro"
    assert main(["import", str(path), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "bodies.toml",
        "city.toml",
        "indicators.toml",
        "programs.toml",
        "tools.toml",
    ]
    city = tomllib.loads((out / "city.toml").read_text(encoding="utf-8"))["city"]
    assert city["municipality"]["code"] == "012068"
    assert main(["import", str(path), "-o", str(out)]) == 1  # never over an existing folder without --force
    assert main(["import", str(path), "-o", str(out), "--force"]) == 0
    report = tmp_path / "report.md"
    assert main(["--data-dir", str(out), "report", "kushiro", "--fy", "2024", "-o", str(report)]) == 0
    assert "釧路市" in report.read_text(encoding="utf-8")
    # the workbook itself is a city too, with the same registry
    assert main(["--data-dir", str(path), "report", "kushiro", "--fy", "2024", "-o", str(tmp_path / "r2.md")]) == 0
    assert (tmp_path / "r2.md").read_text(encoding="utf-8") == report.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["import", str(path)]) == 0  # check only
    assert "問題はありません" in capsys.readouterr().out


def test_force_never_deletes_files_it_did_not_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``import --force`` replaces a city folder whole. Staff keep the workbook (and notes, a .git folder) beside
    the data files: these were deleted with the old folder without a word. Such a folder is now refused, named,
    and left as it was; a folder of data files (and a file manager's Thumbs.db) is still replaced."""
    path = write_workbook(tmp_path / "plan.xlsx", NEW_CITY)
    out = tmp_path / "kushiro"
    assert main(["import", str(path), "-o", str(out)]) == 0
    (out / "Thumbs.db").write_bytes(b"\0")
    assert main(["import", str(path), "-o", str(out), "--force"]) == 0
    (out / "計画.xlsx").write_bytes(path.read_bytes())
    (out / ".git").mkdir()
    (out / "calendars.toml").write_text("[[calendars]]\n", encoding="utf-8")  # data, but not the workbook's
    before = sorted(p.name for p in out.iterdir())
    capsys.readouterr()
    assert main(["import", str(path), "-o", str(out), "--force"]) == 1
    err = capsys.readouterr().err
    assert "読み込みで書き出さないファイル（.git、calendars.toml、計画.xlsx）" in err and "置き換えていません" in err
    assert sorted(p.name for p in out.iterdir()) == before and "Traceback" not in err
    assert main(["--lang", "en", "import", str(path), "-o", str(out), "--force"]) == 1
    assert "(.git, calendars.toml, 計画.xlsx)" in capsys.readouterr().err  # not joined by 、 in English


# --- bad input: each a clear error or a documented acceptance, never a traceback, never a partial write ------


def test_formulas_take_the_saved_result_and_say_so(tmp_path: Path) -> None:
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["指標・計画値・実績値"][0]["値：値"] = Formula("=100+20", 120)
    path = write_workbook(tmp_path / "f.xlsx", sheets)
    result = read_workbook(path)
    assert result.files["indicators.toml"]["indicators"][0]["values"][0]["value"] == 120
    (notice,) = result.notices
    column = [c.header for c in columns(SHEETS[5])].index("値：値")
    cell = f"{chr(65 + column)}3"
    assert str(notice).startswith(
        f"指標・計画値・実績値!{cell} 値：値: 数式のセルです。保存されていた計算結果 120 を使います"
    )
    sheets["指標・計画値・実績値"][0]["値：値"] = Formula("=100+20")  # never calculated by Excel
    book = write_workbook(tmp_path / "g.xlsx", sheets)
    raw = openpyxl.load_workbook(book)
    raw["指標・計画値・実績値"][cell] = "=100+20"  # openpyxl saves formulas without results
    raw.save(book)
    assert _problems(book) == [
        f"指標・計画値・実績値!{cell} 値：値: 数式の計算結果が保存されていません（数式は計算しません。"
        "Excelで開いて保存し直すか、値を入力してください）: =100+20"
    ]


def test_a_line_break_excel_saved_as_x000d_is_read_as_the_line_break_it_is(tmp_path: Path) -> None:
    """Excel saves a carriage return in a cell (text pasted from Windows, CR LF) as ``_x000D_``, and a typed
    ``_x000D_`` as ``_x005F_x000D_``; both come back as typed, not as ``_x000D_`` glued to a dropdown label or
    written into the city's text."""
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["市町村・目指すべき姿"][0]["関係機関等"] = "介護高齢課｜市町村の担当課\r\n釧路市医師会｜医師会"
    sheets["取組"][0]["取組の概要"] = "一行目\r\n二行目"
    sheets["連携ツール"][0]["名称"] = "資源マップ_x000D_版"  # typed as such: Excel keeps it as typed
    path = write_workbook(tmp_path / "crlf.xlsx", sheets)
    with zipfile.ZipFile(path) as archive:  # the file is what Excel writes
        shared = archive.read("xl/sharedStrings.xml").decode()
    assert "市町村の担当課_x000D_\n" in shared and "_x005F_x000D_" in shared
    out = tmp_path / "kushiro"
    assert main(["import", str(path), "-o", str(out)]) == 0
    registry = _folder_registry(out)
    city = registry.city("kushiro")
    organizations = [(o.name, o.kind.ja) for o in city.organizations]
    assert organizations == [("介護高齢課", "市町村の担当課"), ("釧路市医師会", "医師会")]
    assert registry.programs("kushiro", 2024)[0].overview == "一行目\n二行目"
    assert registry.tools("kushiro")[0].name == "資源マップ_x000D_版"


def test_an_excel_error_value_is_a_problem_not_the_text_of_a_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A formula that failed (its saved result ``#N/A``) and an error value pasted as a value (``#REF!``, no
    formula) are refused at their cells; neither becomes a program's title in the city folder."""
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["取組"][2]["取組名"] = Formula("=VLOOKUP(A1,名簿!A:B,2,0)", "#N/A")
    path = write_workbook(tmp_path / "err.xlsx", sheets)
    pasted = tmp_path / "pasted.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(pasted, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet3.xml":  # 取組: the formula's result pasted as a value
                data = data.replace(b"<f>VLOOKUP(A1,\xe5\x90\x8d\xe7\xb0\xbf!A:B,2,0)</f><v>#N/A</v>", b"<v>#REF!</v>")
            target.writestr(info, data)
    assert b"<v>#REF!</v>" in zipfile.ZipFile(pasted).read("xl/worksheets/sheet3.xml")
    for book, shown in ((path, "#N/A"), (pasted, "#REF!")):
        out = tmp_path / f"{book.stem}-city"
        assert main(["import", str(book), "-o", str(out)]) == 1
        err = capsys.readouterr().err
        assert f"取組!B5 取組名: Excel のエラー値 {shown} です" in err and "Traceback" not in err
        assert not out.exists()


def test_a_required_cell_left_blank_is_named_by_its_cell_and_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A required field left blank (here under a 年度 cell merged down over the next program's row, a Japanese
    Excel habit: only the top cell of a merge holds the value) was said at the record's first cell with the
    model's path, '取組!A5 fiscal_year'; it is said at its own cell and header, '取組!C5 年度'."""
    path = write_workbook(tmp_path / "plan.xlsx", NEW_CITY)
    book = openpyxl.load_workbook(path)
    programs = book["取組"]
    assert programs["A5"].value == "kushiro-2024-b" and programs["C1"].value == "年度"
    programs["C5"] = None
    programs.merge_cells("C3:C5")
    book.save(path)
    assert main(["import", str(path), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "取組!C5 年度: 入力してください（必須）" in err and "fiscal_year" not in err
    assert not (tmp_path / "out").exists()


def test_formula_like_text_stays_text_both_ways(tmp_path: Path) -> None:
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["取組"][0]["取組の概要"] = '=HYPERLINK("http://example.invalid","x")'
    path = write_workbook(tmp_path / "inj.xlsx", sheets)
    folder = tmp_path / "city"
    registry = _import_to_folder(path, folder)
    assert registry.programs("kushiro", 2024)[0].overview == '=HYPERLINK("http://example.invalid","x")'
    again = tmp_path / "again.xlsx"
    again.write_bytes(template_bytes(CityRecords.from_registry(registry, "kushiro")))
    cell = next(c for c in openpyxl.load_workbook(again)["取組"][3] if c.value and str(c.value).startswith("=HYP"))
    assert cell.data_type == "s"  # written as text, never as a formula


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_macro_password_corrupt_and_csv_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    good = write_workbook(tmp_path / "good.xlsx", NEW_CITY).read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    macro = _zip(tmp_path / "macro.xlsm", {**members, "xl/vbaProject.bin": b"\0" * 64})
    assert "マクロ有効ブック" in _problems(macro)[0]
    encrypted = tmp_path / "locked.xlsx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    assert "パスワードで保護" in _problems(encrypted)[0]
    csv = tmp_path / "plan.xlsx"
    csv.write_text("ID,取組名\nkushiro-a,資源の把握\n", encoding="cp932")
    assert "CSVなどのテキストファイル" in _problems(csv)[0]
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(good[: len(good) // 2])
    assert "壊れている" in _problems(truncated)[0]
    damaged = _zip(tmp_path / "damaged.xlsx", {**members, "xl/workbook.xml": b"<not-xml"})
    assert "壊れている" in _problems(damaged)[0]
    assert "見つかりません" in _problems(tmp_path / "absent.xlsx")[0]


def test_a_50_mb_workbook_and_a_zip_bomb_are_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = write_workbook(tmp_path / "good.xlsx", NEW_CITY).read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    big = tmp_path / "big.xlsx"
    with zipfile.ZipFile(big, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("xl/media/image1.png", b"\x89PNG" + bytes(50 * 2**20))
    assert big.stat().st_size > 50 * 2**20
    assert _problems(big)[0].startswith("ファイルが大きすぎます（50.0 MB、上限 20 MB）")
    monkeypatch.setattr(xlsx_import, "MAX_UNCOMPRESSED", 10_000)
    assert "展開すると大きすぎます" in _problems(tmp_path / "good.xlsx")[0]


def test_rows_beyond_the_limit_are_an_error_not_a_silent_cut(tmp_path: Path) -> None:
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["連携ツール"] = [{"ID": f"tool-{i}", "名称": f"ツール{i}", "種別": "その他"} for i in range(30)]
    path = write_workbook(tmp_path / "many.xlsx", sheets)
    assert read_workbook(path, max_rows=40).files["tools.toml"]["tools"][-1]["id"] == "tool-29"
    assert _problems(path, max_rows=20) == ["連携ツール!A21: 行が多すぎます（上限 20 行）"]


def test_a_renamed_or_missing_sheet_is_named(tmp_path: Path) -> None:
    sheets = {name: rows for name, rows in NEW_CITY.items() if name != "連携ツール"}
    path = write_workbook(tmp_path / "renamed.xlsx", sheets, extra_sheets={"ツール": [["ID", "名称"], ["x", "y"]]})
    problems = _problems(path)
    assert problems[0].startswith("連携ツール: シート「連携ツール」がありません（見つかったシート: ")
    assert (
        problems[1]
        == "ツール: シート「ツール」は使いません。シート名を変えた場合は元の名前（連携ツール）に戻してください"
    )


def test_reordered_columns_match_by_header(tmp_path: Path, installed: Registry) -> None:
    workbook = _template(tmp_path, installed, "tokushima")
    book = openpyxl.load_workbook(workbook)
    for sheet in book.worksheets[2:]:
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        sheet.delete_rows(1, sheet.max_row)
        for values in rows:
            sheet.append(list(reversed(values)))
    book.save(workbook)
    assert _dump(_import_to_folder(workbook, tmp_path / "t"), "tokushima") == _dump(installed, "tokushima")


def test_duplicate_ids_and_stray_rows_are_errors(tmp_path: Path) -> None:
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["連携ツール"].append({"ID": "kushiro-map", "名称": "別の地図", "種別": "その他"})
    sheets["連携ツール"].append({"名称": "IDのないツール", "種別": "その他"})
    sheets["取組"].append({"ID": "kushiro-2024-a", "取組名": "重複", "年度": 2024, "新項目": "ア(イ)"})
    sheets["取組"].insert(1, {"取組名": "違う名前", "担当：区分": "市町村の取組", "担当：担当": "x", "担当：内容": "y"})
    path = write_workbook(tmp_path / "dup.xlsx", sheets)
    problems = _problems(path)
    assert "取組!B4 取組名: 同じIDの行で値が違います（B3 は '地域の医療・介護の資源の把握'）" in problems
    assert "取組!A7 ID: ID 'kushiro-2024-a' は 取組!A3 にもあります" in problems
    assert "連携ツール!A4 ID: ID 'kushiro-map' は 連携ツール!A3 にもあります" in problems
    assert "連携ツール!A5 ID: IDがありません（最初の行にはIDが必要です）" in problems


def test_unknown_and_missing_columns(tmp_path: Path) -> None:
    spec = next(s for s in SHEETS if s.name == "連携ツール")
    headers = {spec.name: ["ID", "種別", "メモ"]}
    sheets = {name: [dict(row) for row in rows] for name, rows in NEW_CITY.items()}
    sheets["連携ツール"][0]["メモ"] = "消えてはいけない値"
    problems = _problems(write_workbook(tmp_path / "cols.xlsx", sheets, headers=headers, help_row=False))
    assert problems == [
        "連携ツール 名称: 必須の列「名称」がありません",
        "連携ツール!C1: 見出し「メモ」は不明な列です（値が入っています）",
    ]


def test_junk_files_are_a_workbook_error_never_a_traceback(tmp_path: Path) -> None:
    """python-stdnum's robustness idea: junk of many shapes, each refused with a reason."""
    import random

    good = write_workbook(tmp_path / "good.xlsx", NEW_CITY).read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    generator = random.Random(19)
    blobs: list[bytes] = [b"", b"PK", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", "ＩＤ,名称\n".encode("cp932")]
    blobs += [bytes(generator.getrandbits(8) for _ in range(generator.randint(1, 400))) for _ in range(20)]
    for index in range(12):  # a real workbook with one part replaced by junk
        name = sorted(members)[index % len(members)]
        junk = bytes(generator.getrandbits(8) for _ in range(generator.randint(0, 200)))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for member, data in members.items():
                archive.writestr(member, junk if member == name else data)
        blobs.append(buffer.getvalue())
    refused = 0
    for index, blob in enumerate(blobs):
        path = tmp_path / f"junk-{index}.xlsx"
        path.write_bytes(blob)
        try:
            read_workbook(path)  # a replaced part openpyxl does not need (docProps) may still read: fine
        except WorkbookError as exc:
            refused += bool(exc.problems) and all(str(p) for p in exc.problems)
    assert refused >= len(blobs) - 12  # every junk blob is refused, with its reasons; nothing else escapes
