"""The city-staff path in a fresh virtual environment: template → fill in (openpyxl) → import → report.

The core is installed as a user gets it (built, not editable); the new city is never pip-installed: it
lives in the folder ``zaitaku import`` writes, and ``zaitaku --data-dir`` serves it.
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Run inside the fresh environment: fill the blank template as a staffer would, cell by header.
FILL = r"""
import sys
import openpyxl

path = sys.argv[1]
book = openpyxl.load_workbook(path)

def fill(sheet_name, rows):
    sheet = book[sheet_name]
    headers = {cell.value: cell.column for cell in sheet[1]}
    for offset, row in enumerate(rows):
        for header, value in row.items():
            sheet.cell(3 + offset, headers[header]).value = value

fill("市町村・目指すべき姿", [{"市町村ID": "kushiro", "市町村：コード": "012068", "市町村：名称": "釧路市",
                               "市町村：都道府県": "北海道", "計画の年度": "令和6年度",
                               "関係機関等": "介護高齢課｜市町村の担当課"}])
fill("組織・会議体", [{"ID": "kyogikai", "名称": "釧路市在宅医療・介護連携推進協議会", "種別": "協議会",
                       "構成員": "釧路市医師会｜医師会｜会長・委員長"}])
fill("取組", [
    {"ID": "kushiro-a", "取組名": "地域の医療・介護の資源の把握", "年度": 2024,
     "新項目": "ア(ア) 地域の医療・介護の資源の把握", "場面": "日常の療養支援｜資源マップ",
     "担当：区分": "市町村の取組", "担当：担当": "介護高齢課", "担当：内容": "資源マップを更新する。"},
    {"ID": "kushiro-b", "取組名": "多職種研修", "年度": "２０２４", "旧項目": "カ"},
])
fill("指標・計画値・実績値", [
    {"ID": "kushiro-training", "指標名": "多職種研修の参加人数", "単位": "人", "指標の種類": "プロセス指標",
     "取組": "kushiro-b", "値：年度": 2024, "値：計画値／実績値": "計画値", "値：値": 120},
    {"値：年度": 2024, "値：計画値／実績値": "実績値", "値：値": 48, "値：状態": "途中集計",
     "値：時点": "令和6年9月30日"},
])
book.save(path)
"""


def test_template_fill_import_report_in_a_fresh_venv_without_installing_the_city(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    environment = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "ZAITAKU_DATA_PATH"}}

    def run(*args: str | Path) -> str:
        done = subprocess.run(
            [str(a) for a in args], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"{args}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        return done.stdout + done.stderr

    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", ROOT)
    zaitaku = bin_dir / "zaitaku"
    run(zaitaku, "template", "--fy", "2024", "-o", "plan.xlsx")
    run(bin_dir / "python", "-c", FILL, "plan.xlsx")
    run(zaitaku, "import", "plan.xlsx", "-o", "kushiro")
    assert sorted(p.name for p in (tmp_path / "kushiro").iterdir()) == [
        "bodies.toml",
        "city.toml",
        "indicators.toml",
        "programs.toml",
    ]
    run(zaitaku, "--data-dir", "kushiro", "validate", "kushiro")
    run(zaitaku, "--data-dir", "kushiro", "report", "kushiro", "--fy", "2024", "-o", "kushiro-2024.md")
    report = (tmp_path / "kushiro-2024.md").read_text(encoding="utf-8")
    assert "釧路市" in report and "多職種研修の参加人数" in report and "資源マップを更新する。" in report
    installed = run(bin_dir / "python", "-m", "pip", "list", "--format=freeze")
    assert "zaitaku-core" in installed and "kushiro" not in installed
    assert "kushiro" not in run(zaitaku, "cities")  # served only through --data-dir
