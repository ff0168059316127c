"""Write the plan workbook city staff fill in: blank for a new city, or filled from a city's data.

The sheets and columns come from :mod:`zaitaku_core.io.xlsx_schema` (derived from the models); this
module only lays them out with XlsxWriter: a 使い方 sheet first, then one sheet per kind of record with
a header row, a help row and the data, dropdowns (Excel data validation) for every framework code and
yes/no column, text format on text columns (so Excel does not turn ``1-2`` into a date or drop the
leading zero of ``012041``), and the dropdown lists on a hidden sheet. Text is always written as text,
never as a formula, so a value such as ``=1+1`` stays the words it is. The bytes are deterministic.

The last sheet, 活動記録, is the activity log's (:func:`zaitaku_core.activity.template.sheet_columns`), laid
out the same way (header, help row, dropdowns) and empty: staff keep the year's activities in the same
workbook as the plan, and ``zaitaku log import`` reads them from it.

>>> data = template_bytes(None, fiscal_year=2024)
>>> data[:2]
b'PK'
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import attrs
from pydantic import BaseModel

from zaitaku_core.framework import LabeledEnum
from zaitaku_core.io.xlsx_schema import (
    LIST_SHEET,
    LOG_SHEET,
    LOG_SHEET_DESCRIPTION,
    SHEETS,
    Column,
    Kind,
    SheetSpec,
    choice_label,
    columns,
    encode,
)
from zaitaku_core.model import Body, City, HandoffRule, Indicator, Program, Tool

__all__ = ["HEADER_ROW", "HELP_ROW", "CityRecords", "template_bytes"]

#: The row of the headers and of the help texts (1-based, as Excel numbers them); data starts below.
HEADER_ROW = 1
HELP_ROW = 2
#: How many empty rows below the data get the dropdowns and formats.
SPARE_ROWS = 500

_WIDTHS = {
    Kind.TEXT: 36,
    Kind.LINES: 40,
    Kind.JSON: 30,
    Kind.LIST: 24,
    Kind.ENUM: 22,
    Kind.CODE: 22,
}


@attrs.frozen
class CityRecords:
    """What a workbook holds: a city (``None`` for a blank template) and its records."""

    city: City | None
    bodies: tuple[Body, ...] = ()
    programs: tuple[Program, ...] = ()
    tools: tuple[Tool, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    rules: tuple[HandoffRule, ...] = ()

    @classmethod
    def from_registry(cls, registry: Any, city_id: str, fiscal_years: Iterable[int] | None = None) -> CityRecords:
        """The records of ``city_id`` from a :class:`~zaitaku_core.plugins.Registry`: the programs of
        ``fiscal_years`` (default: every year the city declares), its tools, indicators and rules."""
        city: City = registry.city(city_id)
        years = tuple(fiscal_years) if fiscal_years is not None else city.fiscal_years
        # A program of a year the city does not declare comes with every year asked (ZK021): written once.
        programs: list[Program] = []
        other_years: set[tuple[str, int]] = set()
        for year in years:
            for program in registry.programs(city_id, year):
                if program.fiscal_year != year:
                    if (program.id, program.fiscal_year) in other_years:
                        continue
                    other_years.add((program.id, program.fiscal_year))
                programs.append(program)
        return cls(
            city=city,
            bodies=tuple(registry.bodies(city_id)),
            programs=tuple(programs),
            tools=tuple(registry.tools(city_id)),
            indicators=tuple(registry.indicators(city_id)),
            rules=tuple(registry.handoff_rules(city_id)),
        )

    def rows_of(self, sheet: SheetSpec) -> list[BaseModel]:
        """The records of ``sheet``."""
        if sheet.single:
            return [self.city] if self.city is not None else []
        by_key: dict[str, tuple[BaseModel, ...]] = {
            "bodies": self.bodies,
            "programs": self.programs,
            "tools": self.tools,
            "indicators": self.indicators,
            "rules": self.rules,
        }
        return list(by_key[sheet.key])


def _cell(column: Column, record: BaseModel | None) -> Any:
    if record is None:
        return None
    value: Any = record
    for name in column.path[1:] if column.child else column.path:
        value = getattr(value, name, None)
        if value is None:
            return None
    return encode(column, value)


def _usage(sheets: Sequence[SheetSpec], city: City | None) -> list[str]:
    lines = [
        "在宅医療・介護連携推進事業 計画ワークブック（zaitaku）",
        "",
        f"市町村：{city.name}（{city.id}）" if city else "新しい市町村の計画（空欄のテンプレート）",
        "",
        "■ 使い方",
        "1. 各シートの1行目が見出し、2行目が説明です。3行目から1行に1件ずつ記入してください。",
        "2. 「一覧から選択」の欄は、セルを選ぶと出る▼から選びます（取組項目・場面・種別・単位など）。",
        "3. 1つのセルに複数書くときは、セル内で改行（Alt+Enter）して1行に1つずつ書きます。",
        "   場面・出典などは「入退院支援｜理由」のように ｜（全角の縦線）で区切ります。",
        "4. 取組の担当や指標の値が複数あるときは、次の行のIDを空欄にして続けます（同じIDを書いても構いません）。",
        "5. IDは半角の英小文字・数字・ - _ . で書きます（例：kushiro-2024-a）。他のシートから参照します。",
        "6. 年度は 2024 でも 令和6年度 でも、日付は 2024/9/30 でも 令和6年9月30日 でも構いません。全角数字も読めます。",
        "7. 数式は計算しません。保存されている計算結果を使い、その旨を表示します。",
        "8. 見出しの名前で列を探します。列の順番を変えても、説明行を消しても読み込めます。",
        "   シート名は変えないでください。",
        "",
        "■ 読み込み（担当者のパソコンで）",
        "  zaitaku import このファイル.xlsx -o 市町村のフォルダ",
        "  誤りがあれば、すべての誤りを「シート!セル 見出し: 内容」で表示し、何も書き込みません。",
        "  zaitaku --data-dir 市町村のフォルダ report 市町村ID --fy 2024 -o 報告書.html",
        f"  「{LOG_SHEET}」シートの活動は計画の読み込みでは読まず、活動記録に取り込みます：",
        "  zaitaku --data-dir 市町村のフォルダ log --db activities.sqlite import このファイル.xlsx",
        "  同じファイルを取り込み直しても二重には数えません。訂正は --correct で（変更履歴に残ります）。",
        "  氏名・電話番号など、個人が分かることは書かないでください。",
        "",
        "■ シート",
    ]
    lines += [f"・{sheet.name}：{sheet.description}" for sheet in sheets]
    lines.append(f"・{LOG_SHEET}：{LOG_SHEET_DESCRIPTION}")
    return lines


def template_bytes(records: CityRecords | None, fiscal_year: int | None = None) -> bytes:
    """The workbook as bytes: ``records`` filled in, or a blank template whose city row starts with
    ``fiscal_year`` as its plan year.

    The output is the same bytes for the same input (fixed document dates).
    """
    import xlsxwriter  # type: ignore[import-untyped]

    records = records or CityRecords(city=None)
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    workbook = xlsxwriter.Workbook(buffer, options)
    workbook.set_properties({"title": "在宅医療・介護連携推進事業 計画ワークブック", "created": datetime(2000, 1, 1)})
    styles = {
        "header": workbook.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        "required": workbook.add_format(
            {"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        "help": workbook.add_format(
            {"italic": True, "font_color": "#595959", "font_size": 9, "text_wrap": True, "valign": "top"}
        ),
        "text": workbook.add_format({"num_format": "@", "text_wrap": True, "valign": "top"}),
        "date": workbook.add_format({"num_format": "yyyy/m/d", "valign": "top"}),
        "plain": workbook.add_format({"valign": "top"}),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
    }
    usage = workbook.add_worksheet("使い方")
    usage.set_column(0, 0, 110)
    for index, line in enumerate(_usage(SHEETS, records.city)):
        usage.write_string(index, 0, line, styles["title"] if index == 0 else None)

    lists = workbook.add_worksheet(LIST_SHEET)
    list_columns: dict[str, str] = {}

    def choices(enum: type[LabeledEnum] | None, items: Sequence[str] | None = None) -> str:
        name = enum.__name__ if enum is not None else "yes_no"
        if name not in list_columns:
            col = len(list_columns)
            values = items if items is not None else [choice_label(m) for m in enum or ()]
            lists.write_string(0, col, name)
            for row, value in enumerate(values, start=1):
                lists.write_string(row, col, value)
            letter = xlsxwriter.utility.xl_col_to_name(col)
            list_columns[name] = f"='{LIST_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        return list_columns[name]

    for sheet in SHEETS:
        _write_sheet(workbook, sheet, records, fiscal_year, styles, choices)
    _write_log_sheet(workbook, styles, choices)
    lists.hide()
    workbook.close()
    return buffer.getvalue()


def _write_sheet(
    workbook: Any, sheet: SheetSpec, records: CityRecords, fiscal_year: int | None, styles: dict[str, Any], choices: Any
) -> None:
    worksheet = workbook.add_worksheet(sheet.name)
    cols = columns(sheet)
    row = HELP_ROW  # 0-based index of the first data row
    for record in records.rows_of(sheet):
        items: Sequence[BaseModel] = tuple(getattr(record, sheet.rows)) if sheet.rows else ()
        for index in range(max(1, len(items))):
            for col, column in enumerate(cols):
                if column.child:
                    value = _cell(column, items[index] if index < len(items) else None)
                elif index == 0:
                    value = _cell(column, record)
                else:
                    value = None
                _write_value(worksheet, row, col, column, value, styles)
            row += 1
    if sheet.single and records.city is None and fiscal_year is not None:
        col = next(i for i, c in enumerate(cols) if c.path == ("fiscal_years",))
        worksheet.write_number(HELP_ROW, col, fiscal_year)
    last = row + SPARE_ROWS
    for col, column in enumerate(cols):
        header_style = styles["required"] if column.required else styles["header"]
        worksheet.write_string(HEADER_ROW - 1, col, column.header, header_style)
        help_text = ("必須。" if column.required else "") + (column.help or "")
        if column.kind is Kind.ENUM and "一覧" not in help_text:
            help_text = (help_text + " 一覧から選択").strip()
        worksheet.write_string(HELP_ROW - 1, col, help_text, styles["help"])
        fmt = styles["date"] if column.kind is Kind.DATE else styles["plain"]
        if column.kind in {Kind.TEXT, Kind.CODE, Kind.MUNICIPAL_CODE, Kind.LIST, Kind.LINES, Kind.JSON}:
            fmt = styles["text"]
        worksheet.set_column(col, col, _WIDTHS.get(column.kind, 14), fmt)
        source = None
        if column.kind is Kind.ENUM:
            source = choices(column.enum)
        elif column.kind is Kind.BOOL:
            source = choices(None, ["はい", "いいえ"])
        if source is not None:
            worksheet.data_validation(
                HELP_ROW,
                col,
                last,
                col,
                {
                    "validate": "list",
                    "source": source,
                    "error_title": column.header,
                    "error_message": "一覧から選んでください",
                },
            )
    worksheet.set_row(HELP_ROW - 1, 48)
    worksheet.freeze_panes(HELP_ROW, 1)
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4
    worksheet.repeat_rows(0, HELP_ROW - 1)


def _write_log_sheet(workbook: Any, styles: dict[str, Any], choices: Any) -> None:
    """The empty activity-log sheet, laid out as the other sheets (header, help row, dropdowns)."""
    from zaitaku_core.activity.template import sheet_columns

    worksheet = workbook.add_worksheet(LOG_SHEET)
    last = HELP_ROW + SPARE_ROWS
    for col, column in enumerate(sheet_columns()):
        worksheet.write_string(HEADER_ROW - 1, col, column.header, styles["required" if column.required else "header"])
        worksheet.write_string(HELP_ROW - 1, col, column.help, styles["help"])
        if column.field == "date":
            worksheet.set_column(col, col, 14, styles["date"])
        elif column.field.startswith("profession:") or column.field in {"count", "participants"}:
            worksheet.set_column(col, col, 12, styles["plain"])
        else:
            worksheet.set_column(col, col, 24, styles["text"])
        if column.choices is not None:
            # 'information': two scenes in one cell, or a centre's own word for a kind, pass after a notice.
            options = {"validate": "list", "source": choices(column.choices), "error_type": "information"}
            worksheet.data_validation(HELP_ROW, col, last, col, options)
    worksheet.set_row(HELP_ROW - 1, 48)
    worksheet.freeze_panes(HELP_ROW, 2)
    worksheet.set_landscape()
    worksheet.set_paper(9)  # A4
    worksheet.repeat_rows(0, HELP_ROW - 1)


def _write_value(worksheet: Any, row: int, col: int, column: Column, value: Any, styles: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_string(row, col, "はい" if value else "いいえ")
    elif isinstance(value, int | float):
        worksheet.write_number(row, col, value)
    elif isinstance(value, datetime | date):
        worksheet.write_datetime(row, col, datetime.combine(value, datetime.min.time()), styles["date"])
    else:
        worksheet.write_string(row, col, str(value), styles["text"])
