"""Test helpers: plan workbooks written as a user's Excel would save them (formulas with saved results)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from zaitaku_core.io.xlsx_schema import SHEETS, columns


class Formula:
    """A formula cell, with the result Excel saved with it (``None``: no saved result)."""

    def __init__(self, formula: str, result: Any = None) -> None:
        self.formula = formula
        self.result = result


#: A new city's plan, as city staff fill in the sheets (header -> value), Japanese-Excel style.
NEW_CITY: dict[str, list[dict[str, Any]]] = {
    "市町村・目指すべき姿": [
        {
            "市町村ID": "kushiro",
            "市町村：コード": "012068",
            "市町村：名称": "釧路市",
            "市町村：都道府県": "北海道",
            "計画の年度": "令和６年度",
            "目指すべき姿": "住み慣れた地域で最期まで",
            "場面ごとの目指すべき姿": "看取り｜望む場所で最期を迎えられる",
            "受託者": "釧路市医師会｜医師会",
            "関係機関等": "介護高齢課｜市町村の担当課\n釧路市医師会｜医師会",
        }
    ],
    "組織・会議体": [
        {
            "ID": "kyogikai",
            "名称": "釧路市在宅医療・介護連携推進協議会",
            "種別": "協議会",
            "構成員": "釧路市医師会｜医師会｜会長・委員長\n介護高齢課",
            "設置者": "釧路市",
        },
        {"ID": "wg", "名称": "ワーキング部会", "種別": "部会・ワーキンググループ", "上部組織": "kyogikai"},
    ],
    "取組": [
        {
            "ID": "kushiro-2024-a",
            "取組名": "地域の医療・介護の資源の把握",
            "年度": "２０２４",
            "新項目": "ア(ア) 地域の医療・介護の資源の把握",
            "場面": "日常の療養支援｜資源マップは在宅療養の基盤\n入退院支援",
            "実施回数": "年１回",
            "連携ツール": "kushiro-map",
            "担当：区分": "市町村の取組",
            "担当：担当": "介護高齢課",
            "担当：内容": "資源マップを更新する。",
        },
        {"担当：区分": "関係機関等の取組", "担当：担当": "釧路市医師会\n介護高齢課", "担当：内容": "会員に周知する。"},
        {
            "ID": "kushiro-2024-b",
            "取組名": "多職種研修",
            "年度": 2024,
            "旧項目": "カ",
            "今年度の新規": "はい",
            "新規の記述": "オンラインでも開催する。",
        },
    ],
    "連携ツール": [{"ID": "kushiro-map", "名称": "釧路市 医療・介護資源マップ", "種別": "資源リスト・マップ"}],
    "入退院等のルール": [],
    "指標・計画値・実績値": [
        {
            "ID": "kushiro-training",
            "指標名": "多職種研修の参加人数",
            "単位": "人",
            "指標の種類": "プロセス指標",
            "取組": "kushiro-2024-b",
            "値：年度": "令和6年度",
            "値：計画値／実績値": "計画値",
            "値：値": "１２０",
        },
        {
            "値：年度": 2024,
            "値：計画値／実績値": "実績値",
            "値：値": 48,
            "値：状態": "途中集計",
            "値：時点": "令和6年9月30日",
        },
    ],
}


def write_workbook(
    path: Path,
    sheets: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    headers: Mapping[str, Sequence[str]] | None = None,
    hidden: Sequence[str] = (),
    help_row: bool = True,
    title_row: bool = False,
    extra_sheets: Mapping[str, Sequence[Sequence[Any]]] | None = None,
) -> Path:
    """Write ``sheets`` (sheet name -> rows of header -> value) as a workbook with the template's headers
    (or ``headers``' order), optionally with a merged title row above them and without the help row."""
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    for spec in SHEETS:
        if spec.name not in sheets:
            continue
        sheet = workbook.add_worksheet(spec.name)
        cols = columns(spec)
        order = list(headers[spec.name]) if headers and spec.name in headers else [c.header for c in cols]
        helps = {c.header: c.help for c in cols}
        row = 0
        if title_row:
            sheet.merge_range(0, 0, 0, 4, f"{spec.name}（令和6年度）")
            row = 1
        for col, header in enumerate(order):
            sheet.write_string(row, col, header)
            if help_row:
                sheet.write_string(row + 1, col, helps.get(header, ""))
        row += 2 if help_row else 1
        for record in sheets[spec.name]:
            for col, header in enumerate(order):
                value = record.get(header)
                if isinstance(value, Formula):
                    sheet.write_formula(row, col, value.formula, None, value.result if value.result is not None else "")
                elif isinstance(value, str):
                    sheet.write_string(row, col, value)
                elif value is not None:
                    sheet.write(row, col, value)
            row += 1
        if spec.name in hidden:
            sheet.hide()
    for name, rows in (extra_sheets or {}).items():
        sheet = workbook.add_worksheet(name)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if isinstance(value, Formula):
                    sheet.write_formula(r, c, value.formula, None, value.result if value.result is not None else "")
                elif value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    return path
