"""Write an empty activity file to fill in: an XLSX log sheet (with dropdowns and help) or a CSV header.

The workbook has the sheet 活動記録 that ``zaitaku log import`` reads (headers in row 1, one activity per
row below, help on each header as a cell comment, dropdowns for the kinds, scenes, askers and
professions) and a sheet 使い方 explaining it. Written with XlsxWriter, so the bytes are the same for the
same arguments.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from zaitaku_core.activity.reader import COLUMNS, LOG_SHEET_NAMES, profession_header
from zaitaku_core.activity.vocabulary import ActivityKind, Asker, Profession
from zaitaku_core.framework import CareScene

__all__ = ["template_csv", "template_xlsx"]

#: Professions that get a participants column of their own in the template (others can be added by hand).
TEMPLATE_PROFESSIONS: tuple[Profession, ...] = (
    Profession.DOCTOR,
    Profession.DENTIST,
    Profession.PHARMACIST,
    Profession.NURSE,
    Profession.REHABILITATION,
    Profession.CARE_MANAGER,
    Profession.CARE_WORKER,
    Profession.SOCIAL_WORKER,
)

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
    names = [column.en if lang == "en" else column.ja for column in COLUMNS]
    return names + [profession_header(p, lang) for p in TEMPLATE_PROFESSIONS]


def template_csv(lang: str = "ja") -> bytes:
    """The header row of an activity CSV, UTF-8 with a BOM (which Japanese Excel opens correctly)."""
    return ("\ufeff" + ",".join(_headers(lang)) + "\r\n").encode("utf-8")


def _choices(members: Sequence[ActivityKind | Asker | Profession | CareScene], lang: str) -> list[str]:
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
    headers = _headers(lang)
    lists = {
        "kind": _choices(tuple(ActivityKind), lang),
        "scenes": _choices(tuple(CareScene), lang),
        "asker": _choices(tuple(Asker), lang),
        "asker_profession": _choices(tuple(Profession), lang),
    }
    for position, header in enumerate(headers):
        sheet.write_string(0, position, header, bold)
        sheet.set_column(position, position, max(10, len(header) * 2))
    for position, column in enumerate(COLUMNS):
        help_text = column.help_ja + ("（必須）" if column.required else "")
        if help_text:
            sheet.write_comment(0, position, help_text, {"x_scale": 2})
        if column.field == "date":
            sheet.set_column(position, position, 12, day)
        if column.field in lists:
            # 'information': a value off the list (two scenes, an alias) is allowed after a notice.
            sheet.data_validation(
                1,
                position,
                5000,
                position,
                {"validate": "list", "source": lists[column.field], "error_type": "information"},
            )
    sheet.freeze_panes(1, 0)
    usage = workbook.add_worksheet("使い方" if lang == "ja" else "how_to")
    for row, text in enumerate(_USAGE):
        usage.write_string(row, 0, text)
    usage.set_column(0, 0, 120)
    workbook.close()
    return buffer.getvalue()
