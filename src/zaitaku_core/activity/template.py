"""Write an empty activity file to fill in: an XLSX log sheet (with dropdowns and help) or a CSV header.

The workbook has the sheet 活動記録 that ``zaitaku log import`` reads (headers in row 1, one activity per
row below, help on each header as a cell comment, dropdowns for the kinds, scenes, askers and
professions) and a sheet 使い方 explaining it. Written with XlsxWriter, so the bytes are the same for the
same arguments. The plan workbook (:mod:`zaitaku_core.io.xlsx_template`) carries the same sheet, laid out
as its other sheets are, from :func:`sheet_columns`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from zaitaku_core.activity.reader import COLUMNS, LOG_SHEET_NAMES, TEMPLATE_PROFESSIONS, column_help, profession_header
from zaitaku_core.activity.vocabulary import ActivityKind, Asker, Profession
from zaitaku_core.framework import CareScene, LabeledEnum

__all__ = ["SheetColumn", "sheet_columns", "template_csv", "template_xlsx"]


class SheetColumn(NamedTuple):
    """A column of a log sheet: its field, header, help text, whether required, and its dropdown's vocabulary."""

    field: str
    header: str
    help: str
    required: bool
    choices: type[LabeledEnum] | None


_CHOICES: dict[str, type[LabeledEnum]] = {
    "kind": ActivityKind,
    "scenes": CareScene,
    "asker": Asker,
    "asker_profession": Profession,
}


def sheet_columns(lang: str = "ja") -> list[SheetColumn]:
    """The columns of a log sheet, in order: every column of the log, then participants of the usual professions.

    >>> [column.header for column in sheet_columns()][:3]
    ['行ID', '日付', '市町村']
    """
    found = [
        SheetColumn(
            column.field,
            column.en if lang == "en" else column.ja,
            column_help(column.field),
            column.required,
            _CHOICES.get(column.field),
        )
        for column in COLUMNS
    ]
    found += [
        SheetColumn(
            f"profession:{p.code}", profession_header(p, lang), column_help(f"profession:{p.code}"), False, None
        )
        for p in TEMPLATE_PROFESSIONS
    ]
    return found


_USAGE = (
    "活動記録シートの使い方",
    "",
    "1. 「活動記録」シートの2行目から、1行に1つの活動（会議・研修・講座・イベント・相談・発行など）を書きます。",
    "2. 日付・取組ID・種別は必須です。取組IDは計画の取組のIDです（zaitaku plan 市町村 --fy 年度 で確認できます）。",
    "3. 相談では、相談者の区分（専門職・関係機関／本人・住民／家族／その他）と相談内容を書けます。",
    "   氏名・電話番号・住所など個人が分かることは書かないでください。",
    "   ケースIDは匿名の番号（例 C-2024-001）に限ります。",
    "4. 場面は「日常の療養支援、入退院支援」のように、読点で区切って複数書けます。",
    "5. 件数はこの行が表す活動の数です（既定 1。月ごとの集計を1行で書くなら、その件数）。",
    "6. 取り込み：zaitaku log --db activities.sqlite import このファイル.xlsx",
    "   誤りがあればシート・セル・項目ごとに表示され、何も書き込まれません。",
    "   同じファイルを取り込み直しても二重には数えません。",
)


def _headers(lang: str) -> list[str]:
    return [column.header for column in sheet_columns(lang)]


def template_csv(lang: str = "ja") -> bytes:
    """The header row of an activity CSV, UTF-8 with a BOM (which Japanese Excel opens correctly)."""
    return ("\ufeff" + ",".join(_headers(lang)) + "\r\n").encode("utf-8")


#: The columns whose help goes into a comment on the header (participants by profession need none).
_BY_FIELD_HELP = frozenset(column.field for column in COLUMNS)


def _choices(members: Sequence[LabeledEnum], lang: str) -> list[str]:
    return [member.en if lang == "en" else member.ja for member in members]


def template_xlsx(lang: str = "ja") -> bytes:
    """An empty activity workbook (sheet 活動記録, or ``activities`` in English, and 使い方)."""
    import xlsxwriter  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    workbook.set_properties({"created": datetime(2024, 4, 1)})  # fixed: the same bytes every time
    sheet = workbook.add_worksheet(LOG_SHEET_NAMES[0] if lang == "ja" else LOG_SHEET_NAMES[1])
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for position, column in enumerate(sheet_columns(lang)):
        sheet.write_string(0, position, column.header, bold)
        sheet.set_column(position, position, 12 if column.field == "date" else max(10, len(column.header) * 2))
        if column.field in _BY_FIELD_HELP:
            sheet.write_comment(0, position, column.help, {"x_scale": 2})
        if column.field == "date":
            sheet.set_column(position, position, 12, day)
        if column.choices is not None:
            # 'information': a value off the list (two scenes, an alias) is allowed after a notice.
            sheet.data_validation(
                1,
                position,
                5000,
                position,
                {"validate": "list", "source": _choices(tuple(column.choices), lang), "error_type": "information"},
            )
    sheet.freeze_panes(1, 0)
    usage = workbook.add_worksheet("使い方" if lang == "ja" else "how_to")
    for row, text in enumerate(_USAGE):
        usage.write_string(row, 0, text)
    usage.set_column(0, 0, 120)
    workbook.close()
    return buffer.getvalue()
