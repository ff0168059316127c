"""The workbook layout of a city's plan, derived from the models: sheets, columns, cell forms.

This module owns the one mapping from model fields to what city staff see in Excel: the header of every
column (the field's Japanese label, its ``title`` in :mod:`zaitaku_core.model`, the one place Japanese
labels are written, which the JSON Schema and the API reference show too) and its short help text
(:data:`HELP`), the sheets and the data file each one fills (:data:`SHEETS`), and how a value is written
into a cell and read back (:func:`encode` and :func:`decode`). Nothing here is hand-listed per column: the
columns of a sheet are the fields of its model (:func:`columns`), so a field added to a model appears in
the template and is read by the import as soon as it exists (headed by its English field name, with its
description as help, until it has a Japanese ``title``).

How a field becomes cells:

* a scalar (text, number, 年度, date, yes/no, a framework code) is one column; framework codes get a
  dropdown of their labels;
* a nested record (``municipality``, a rule's ``deadline``) is flattened into one column per field,
  headed ``親：子`` (``期限：日数``);
* a list of scalars is one cell, one item per line (codes and ids may also be separated by commas);
* a list of small records (scene tags, sources, towns) is one cell, one record per line with its
  fields separated by ``｜`` (or JSON where a value holds ``｜`` or a line break);
* free metadata is JSON in one cell;
* the list a sheet is about (a program's actions, an indicator's values) is expanded into rows: the
  record's first row holds its fields, and the rows below it with an empty id (or the same id) add
  one item each.

>>> [c.header for c in columns(SHEETS[2])][:4]
['ID', '取組名', '年度', '旧項目']
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import attrs
from pydantic import BaseModel, BeforeValidator
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from zaitaku_core.activity.reader import LOG_SHEET_NAMES
from zaitaku_core.calendar import parse_date, parse_fiscal_year
from zaitaku_core.errors import ZaitakuError
from zaitaku_core.framework import LabeledEnum
from zaitaku_core.model import (
    Body,
    City,
    FiscalYearInt,
    Frequency,
    HandoffRule,
    Indicator,
    MunicipalCode,
    Program,
    Tool,
)

__all__ = [
    "HELP",
    "LIST_SHEET",
    "LOG_SHEET",
    "LOG_SHEET_DESCRIPTION",
    "SHEETS",
    "CellError",
    "Column",
    "Kind",
    "SheetSpec",
    "choice_label",
    "columns",
    "decode",
    "encode",
    "normalize_header",
]

#: The hidden sheet that holds the dropdown lists (ignored by the import).
LIST_SHEET = "_選択肢"

#: The activity-log sheet of the plan workbook: read by ``zaitaku log import``, not by the plan import (its
#: columns are those of :mod:`zaitaku_core.activity.reader`, not of a model).
LOG_SHEET = LOG_SHEET_NAMES[0]
LOG_SHEET_DESCRIPTION = "会議・研修・講座・相談などの活動の記録（zaitaku log import で活動記録に取り込む）"

#: The help text under a column's header (the header itself is the field's Japanese label, its ``title`` in
#: :mod:`zaitaku_core.model`), by model name then field name; a field of a base model is listed once, on the base.
HELP: dict[str, dict[str, str]] = {
    "City": {
        "id": "半角英小文字で（例：asahikawa）。コマンドで使う短い名前",
        "fiscal_years": "1行に1年度（2024 または 令和6年度）",
        "operators": "事業を受託する組織",
        "organizations": "取組の担当となる組織",
        "aim": "市町村が目指す姿（全体）",
        "scene_aims": "4つの場面それぞれの目指すべき姿",
        "headings": "計画書の見出しの言葉（JSON形式、通常は空欄）",
        "notes": "資料のとおり（1行に1つ）",
        "periods": "第9期 など",
        "metadata": "JSON形式の補足情報（通常は空欄）",
    },
    "ProvenancedModel": {
        "provenance": "推定した事実の根拠・出典（JSON形式、通常は空欄）",
    },
    "Provenance": {
        "basis": "資料に明記／データ作成者の解釈",
    },
    "PeriodPlan": {
        "period": "第9期 など",
    },
    "Body": {
        "id": "半角英小文字・数字・-_.（例：kyogikai）",
        "name": "協議会・部会・センターなどの名称（資料のとおり）",
        "kind": "一覧から選択",
        "parent": "親の会議体のID（部会のときの協議会など）",
        "founders": "1行に1組織（市と医師会の共同設置なら2行）",
        "programs": "取組のID（1行に1つ）",
        "tools": "ツールのID（1行に1つ）",
        "established": "2024 または 令和6年度",
        "metadata": "JSON形式の補足情報（通常は空欄）",
    },
    "Municipality": {
        "code": "全国地方公共団体コード6桁（例：012041）",
        "name": "例：旭川市",
        "prefecture": "例：北海道",
        "name_en": "例：Asahikawa",
    },
    "Organization": {
        "name": "組織・会議体の名称（資料のとおり）",
        "kind": "一覧から選択",
    },
    "Action": {
        "role": "一覧から選択",
        "owners": "1行に1組織（【…・…】の共同の担当は複数行）",
        "text": "この担当の取組",
    },
    "Program": {
        "id": "半角英小文字・数字・-_.（例：kushiro-2024-a）。2行目以降の担当は空欄で続ける",
        "title": "資料のとおりの項目名",
        "fiscal_year": "2024 または 令和6年度",
        "old_item": "旧(ア)〜(ク)。新項目だけでも可",
        "new_item": "ア(ア)〜ウ。旧項目だけでも可",
        "phase": "新項目から自動。旧クのときだけ選択",
        "number": "資料の番号（①など）",
        "scenes": "例：入退院支援｜相談窓口一覧を作成",
        "frequency": "年1回・月2回・通年・随時・単発など",
        "new_this_year": "はい／いいえ",
        "new_passages": "今年度新しく加わった文（1行に1つ）",
        "tools": "連携ツールのID（1行に1つ、またはカンマ区切り）",
        "span": "期間で定めた取組の年度（1行に1つ）",
        "item_label": "取組項目を資料がどう書いているか",
        "phase_label": "PDCA区分を資料がどう書いているか",
        "variants": "同じものの別の書き方",
        "metadata": "JSON形式の補足情報（通常は空欄）",
    },
    "Tool": {
        "id": "半角英小文字・数字・-_.（例：nyuin-sheet）",
        "name": "資料のとおりの名称",
        "kind": "一覧から選択",
        "number": "資料の番号（①など）",
        "filled_by": "1行に1つ（一覧の名称）",
        "operated_by": "1行に1組織",
        "evidence_for": "1行に1つ",
        "variants": "同じものの別の書き方",
        "uses": "1行に1つ",
        "renewal": "3年ごと・年1回など",
        "parts": "ツールのID（1行に1つ）",
        "binding": "はい／いいえ／空欄（不明）",
        "status": "資料のとおり（標準様式 など、1行に1つ）",
        "notes": "資料のとおり（1行に1つ）",
        "metadata": "JSON形式の補足情報（通常は空欄）",
    },
    "Deadline": {
        "kind": "一覧から選択",
        "days": "N日以内・N営業日以内のときのN",
        "anchor": "例：退院の目途が立ち次第",
        "text": "資料のとおりの表現",
    },
    "HandoffRule": {
        "id": "半角英小文字・数字・-_.",
        "number": "資料の番号",
        "text": "資料のとおりのルールの文",
        "scene": "一覧から選択",
        "event": "一覧から選択",
        "who": "一覧から選択",
        "contact_from": "1行に1つ（一覧の名称）",
        "contact_to": "1行に1つ（一覧の名称）",
        "tools": "ツールのID（1行に1つ）",
        "basis": "一覧から選択",
        "binding": "はい（決まり）／いいえ（目安）",
        "applies_to": "市町村コード（1行に1つ。空欄は市全体）",
    },
    "Indicator": {
        "id": "半角英小文字・数字・-_.。2行目以降の値は空欄で続ける",
        "unit": "一覧から選択",
        "type": "一覧から選択",
        "programs": "取組のID（1行に1つ）",
    },
    "Derivation": {
        "measure": "活動記録から実績値を数えるとき：一覧から選択",
        "programs": "取組のID（空欄は指標の取組）",
        "kinds": "1行に1つ",
        "scenes": "1行に1つ",
        "askers": "1行に1つ",
        "asker_professions": "1行に1つ",
        "professions": "1行に1つ",
        "bodies": "1行に1つ",
    },
    "IndicatorValue": {
        "fiscal_year": "2024 または 令和6年度",
        "kind": "一覧から選択",
        "value": "数値（中止のときは空欄）",
        "frequency": "年1回・通年など（数値の代わり・併記）",
        "status": "確定・中止・予定・途中集計",
        "as_of": "途中集計の日付（令和6年9月30日 など）",
    },
}


#: The fields that lead a line of a one-record-per-line cell, where required-first is not the natural order.
LINE_ORDER: dict[str, tuple[str, ...]] = {"SceneTag": ("scene", "reason", "basis")}


class Kind(Enum):
    """How a field is written in a cell."""

    TEXT = "text"
    CODE = "code"  # an identifier: NFKC-folded, trimmed
    MUNICIPAL_CODE = "municipal_code"
    INT = "int"
    DECIMAL = "decimal"
    FISCAL_YEAR = "fiscal_year"
    BOOL = "bool"
    DATE = "date"
    TIME = "time"
    ENUM = "enum"
    FREQUENCY = "frequency"
    JSON = "json"
    RAW = "raw"  # a value with a validator of its own (第9期): passed to the model as written
    LIST = "list"  # a list of scalars, one per line
    LINES = "lines"  # a list of small records, one per line, fields separated by ｜


@attrs.frozen
class Column:
    """One column of a sheet: the field path it fills, its header and help, and its cell form."""

    path: tuple[str, ...]
    header: str
    help: str
    kind: Kind
    required: bool = False
    enum: type[LabeledEnum] | None = None
    #: For LIST: the kind of each item. For LINES: the item record's fields, each a Column (path = field).
    item: Kind | None = None
    fields: tuple[Column, ...] = ()
    item_model: type[BaseModel] | None = None
    #: True for the columns of the list a sheet expands into rows (a program's actions).
    child: bool = False


@attrs.frozen
class SheetSpec:
    """A sheet of the workbook: its name, its model, and the data file and key it fills."""

    name: str
    model: type[BaseModel]
    file: str
    key: str
    #: The list field expanded into rows (one item per row), if any.
    rows: str | None = None
    #: The sheet holds one record (the city), not a list.
    single: bool = False
    description: str = ""


#: The sheets, in workbook order.
SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "市町村・目指すべき姿",
        City,
        "city.toml",
        "city",
        single=True,
        description="市町村の基本情報、目指すべき姿、受託者・関係機関等（1行だけ記入）",
    ),
    SheetSpec(
        "組織・会議体",
        Body,
        "bodies.toml",
        "bodies",
        description="協議会・部会・センター・相談窓口など、事業を進める会議体と組織（構成員・設置者・配置職員）",
    ),
    SheetSpec(
        "取組",
        Program,
        "programs.toml",
        "programs",
        rows="actions",
        description="年度ごとの取組（実施項目）。担当が複数あるときは次の行のIDを空欄にして続ける",
    ),
    SheetSpec("連携ツール", Tool, "tools.toml", "tools", description="様式・手帳・ICT・手引き・会議などの連携ツール"),
    SheetSpec(
        "入退院等のルール",
        HandoffRule,
        "handoff.toml",
        "rules",
        description="入退院・急変時などに、誰が誰にいつ連絡するかのルール",
    ),
    SheetSpec(
        "指標・計画値・実績値",
        Indicator,
        "indicators.toml",
        "indicators",
        rows="values",
        description="指標と年度ごとの計画値・実績値（1行に1つの値。同じ指標の2行目以降はIDを空欄に）",
    ),
)


def _before_validator(alias: Any) -> Any:
    """The function of the BeforeValidator in a constrained alias of the models (``FiscalYearInt``)."""
    return next(item.func for item in get_args(alias)[1:] if isinstance(item, BeforeValidator))


_FY_VALIDATOR = _before_validator(FiscalYearInt)
_CODE_VALIDATOR = _before_validator(MunicipalCode)


def normalize_header(text: str) -> str:
    """Fold a header for matching: NFKC, no spaces or line breaks, no required marks, lower case.

    >>> normalize_header(" 期限： 日数＊")
    '期限:日数'
    """
    folded = "".join(unicodedata.normalize("NFKC", text).split()).lower()
    return folded.strip("*※")


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """The annotation without ``None`` and ``Annotated``, and the metadata found on the way."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata += extra
        elif origin in (Union, UnionType):
            args = [arg for arg in get_args(annotation) if arg is not NoneType]
            if len(args) != 1:
                return annotation, metadata
            annotation = args[0]
        else:
            return annotation, metadata


def _validator_funcs(metadata: Sequence[Any]) -> set[Any]:
    return {getattr(item, "func", None) for item in metadata}


def _scalar_kind(annotation: Any, metadata: Sequence[Any]) -> Kind | None:
    funcs = _validator_funcs(metadata) - {None}
    if _FY_VALIDATOR in funcs:
        return Kind.FISCAL_YEAR
    if _CODE_VALIDATOR in funcs:
        return Kind.MUNICIPAL_CODE
    if funcs and annotation in (int, str):
        return Kind.RAW
    if isinstance(annotation, type):
        if issubclass(annotation, LabeledEnum):
            return Kind.ENUM
        if issubclass(annotation, bool):
            return Kind.BOOL
        if issubclass(annotation, int):
            return Kind.INT
        if issubclass(annotation, Decimal | float):
            return Kind.DECIMAL
        if issubclass(annotation, datetime):
            return None
        if issubclass(annotation, date):
            return Kind.DATE
        if issubclass(annotation, time):
            return Kind.TIME
        if issubclass(annotation, Frequency):
            return Kind.FREQUENCY
        if issubclass(annotation, str):
            patterned = any(getattr(item, "pattern", None) for item in metadata)
            return Kind.CODE if patterned else Kind.TEXT
    return None


def _label(model: type[BaseModel], name: str, info: FieldInfo) -> tuple[str, str]:
    """The header and help of a field's column: its Japanese title and :data:`HELP`'s text."""
    if info.title is None:
        return name, info.description or ""
    # A field inherited from a base has its help once, on the base.
    helps = (HELP[cls.__name__][name] for cls in model.__mro__ if name in HELP.get(cls.__name__, {}))
    return info.title, next(helps, "")


def _field_columns(
    model: type[BaseModel], prefix: tuple[str, ...], heading: str, child: bool, parent_required: bool = True
) -> Iterator[Column]:
    for name, info in model.model_fields.items():
        header, help_text = _label(model, name, info)
        header = f"{heading}：{header}" if heading else header
        path = (*prefix, name)
        required = parent_required and info.is_required()
        annotation, metadata = _unwrap(info.annotation)
        metadata = [*info.metadata, *metadata]
        kind = _scalar_kind(annotation, metadata)
        enum = annotation if kind is Kind.ENUM else None
        if kind is not None:
            yield Column(path, header, help_text, kind, required, enum, child=child)
            continue
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _field_columns(annotation, path, header, child, required)
            continue
        if get_origin(annotation) is tuple:
            element, element_meta = _unwrap(get_args(annotation)[0])
            item_kind = _scalar_kind(element, element_meta)
            if item_kind is not None and item_kind not in {Kind.JSON, Kind.FREQUENCY}:
                item_enum = element if item_kind is Kind.ENUM else None
                yield Column(path, header, help_text, Kind.LIST, required, item_enum, item_kind, child=child)
                continue
            if isinstance(element, type) and issubclass(element, BaseModel):
                # One line per item, its plain fields in order (required first); an item with a nested
                # record or list filled in is written as JSON instead (see _encode_lines).
                fields = tuple(
                    f for f in _field_columns(element, (), "", False) if len(f.path) == 1 and f.kind not in _NESTED
                )
                if fields:
                    first = LINE_ORDER.get(element.__name__, ())
                    fields = tuple(
                        sorted(
                            fields,
                            key=lambda f: (
                                f.path[0] not in first,
                                first.index(f.path[0]) if f.path[0] in first else 0,
                                not f.required,
                            ),
                        )
                    )
                    lead = f"{help_text}。" if help_text else ""
                    layout = f"{lead}1行に1件：" + "｜".join(f.header for f in fields)
                    yield Column(
                        path, header, layout, Kind.LINES, required, fields=fields, item_model=element, child=child
                    )
                    continue
        yield Column(path, f"{header}（JSON）", help_text or "JSON形式", Kind.JSON, required, child=child)


_NESTED = {Kind.LINES, Kind.JSON}


def _order(column: Column) -> tuple[bool, bool]:
    return (column.kind is Kind.JSON, not column.required)


def columns(sheet: SheetSpec) -> tuple[Column, ...]:
    """The columns of ``sheet``, in order: the model's required fields, its other fields, the JSON ones,
    then the fields of the list expanded into rows (each group in the model's order)."""
    own = sorted(
        (column for column in _field_columns(sheet.model, (), "", False) if column.path[0] != sheet.rows),
        key=_order,
    )
    if sheet.rows is not None:
        info = sheet.model.model_fields[sheet.rows]
        element, _ = _unwrap(get_args(_unwrap(info.annotation)[0])[0])
        heading = _label(sheet.model, sheet.rows, info)[0]
        own += _field_columns(element, (sheet.rows,), heading, True)
    return tuple(own)


# --- cell values ---------------------------------------------------------------------------------------------


class CellError(ZaitakuError, ValueError):
    """A cell's value cannot be read as its column's kind; ``key`` and ``args`` select the message."""

    code = "workbook-cell"

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(key)


def choice_label(member: LabeledEnum) -> str:
    """The text a dropdown shows for ``member``: the code and the label for Japanese codes (``ア(ア) 地域の…``),
    the label alone otherwise (``入退院支援``)."""
    if member.code.isascii():
        return member.ja
    return member.code if member.code == member.ja else f"{member.code} {member.ja}"


_LINE_SEPARATOR = "｜"
_LIST_SPLIT = re.compile(r"[\n,、，]")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def encode(column: Column | None, value: Any, kind: Kind | None = None) -> Any:
    """The cell value for a model value (text, a number, a date); ``None`` for nothing."""
    kind = kind or (column.kind if column else Kind.TEXT)
    if value is None:
        return None
    if kind is Kind.BOOL:
        return "はい" if value else "いいえ"
    if kind is Kind.ENUM:
        return choice_label(value)
    if kind in {Kind.INT, Kind.FISCAL_YEAR}:
        return int(value)
    if kind is Kind.DECIMAL:
        return _number(Decimal(value))
    if kind is Kind.TIME:
        return value.strftime("%H:%M")
    if kind is Kind.FREQUENCY:
        return value.text or value.label("ja")
    if kind is Kind.JSON:
        if not value:
            return None
        return json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=True)
    if kind is Kind.LIST and column is not None:
        if not value:
            return None
        return "\n".join(str(_plain(encode(None, item, column.item))) for item in value)
    if kind is Kind.LINES and column is not None:
        return _encode_lines(column, value)
    return value


def _jsonable(value: Any) -> Any:
    """``value`` as JSON data, records without their default values (as a data file would write them)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return to_jsonable_python(value)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _encode_lines(column: Column, items: Sequence[BaseModel]) -> str | None:
    if not items:
        return None
    plain = {field.path[0] for field in column.fields}
    if any(set(item.model_dump(exclude_defaults=True)) - plain for item in items):
        return _lines_json(items)
    lines: list[str] = []
    for item in items:
        parts = []
        for field in column.fields:
            raw = getattr(item, field.path[0])
            cell = encode(field, raw)
            text = "" if cell is None else str(_plain(cell))
            if field.kind is Kind.LIST:
                if any("、" in str(x) or "\n" in str(x) for x in raw):
                    return _lines_json(items)
                text = "、".join(str(_plain(encode(None, x, field.item))) for x in raw)
            if _LINE_SEPARATOR in text or "\n" in text:
                return _lines_json(items)
            parts.append(text)
        while parts and not parts[-1]:
            parts.pop()
        lines.append(_LINE_SEPARATOR.join(parts))
    return "\n".join(lines)


def _lines_json(items: Sequence[BaseModel]) -> str:
    return json.dumps(_jsonable(items), ensure_ascii=False)


def is_blank(value: Any) -> bool:
    """Whether a cell holds nothing (``None`` or only white space)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _fold(value: Any) -> str:
    return unicodedata.normalize("NFKC", _text(value)).strip()


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise CellError("number", value=value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = _fold(value).replace(",", "")
    if len(text) > 40:
        raise CellError("number", value=value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError("number", value=value) from None
    if not number.is_finite() or abs(number.adjusted()) > 30:
        raise CellError("number", value=value)
    return number


_TRUE = {"はい", "true", "yes", "1", "○", "〇", "有", "あり", "y"}
_FALSE = {"いいえ", "false", "no", "0", "×", "無", "なし", "n"}
# The first and last day Excel's serial numbers are read as dates (1955 … 2119).
_SERIAL_RANGE = (20000, 80000)


def decode(column: Column, value: Any, kind: Kind | None = None) -> Any:
    """Read a cell's value (as openpyxl gives it) as ``column``'s kind, in the form the data files use.

    Raises:
        CellError: the value is not of the column's kind; its ``key`` selects the message.
    """
    kind = kind or column.kind
    if kind is Kind.TEXT:
        return _text(value)
    if kind is Kind.CODE:
        return _fold(value)
    if kind is Kind.MUNICIPAL_CODE:
        text = _fold(value)
        return text.zfill(6) if isinstance(value, int | float) and text.isdigit() else text
    if kind is Kind.INT:
        number = _decimal(value)
        if number != number.to_integral_value():
            raise CellError("integer", value=value)
        return int(number)
    if kind is Kind.DECIMAL:
        return _number(_decimal(value))
    if kind is Kind.FISCAL_YEAR:
        source = int(_decimal(value)) if isinstance(value, int | float) else _fold(value)
        try:
            return parse_fiscal_year(source).year
        except ValueError:
            raise CellError("fiscal_year", value=value) from None
    if kind is Kind.BOOL:
        if isinstance(value, bool):
            return value
        folded = _fold(value).lower()
        if folded in _TRUE or folded in _FALSE:
            return folded in _TRUE
        raise CellError("bool", value=value)
    if kind is Kind.DATE:
        return _date(value)
    if kind is Kind.TIME:
        return _time(value)
    if kind is Kind.ENUM:
        return _enum(column, value)
    if kind is Kind.FREQUENCY:
        return _text(value).strip()
    if kind is Kind.RAW:
        return _fold(value) if isinstance(value, str) else value
    if kind is Kind.JSON:
        try:
            data = json.loads(_text(value))
        except json.JSONDecodeError as exc:
            raise CellError("json", error=exc.msg) from None
        return data
    if kind is Kind.LIST:
        return _decode_list(column, value)
    return _decode_lines(column, value)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            return date(1899, 12, 30) + timedelta(days=int(value))
        raise CellError("date", value=value)
    try:
        return parse_date(_text(value))
    except ValueError:
        raise CellError("date", value=value) from None


def _time(value: Any) -> time:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, float) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return time(minutes // 60, minutes % 60)
    match = re.fullmatch(r"(\d{1,2})[:時](\d{2})分?", _fold(value))
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return time(int(match.group(1)), int(match.group(2)))
    raise CellError("time", value=value)


def _enum(column: Column, value: Any, enum: type[LabeledEnum] | None = None) -> str:
    cls = enum or column.enum
    assert cls is not None
    text = _text(value).strip()
    for candidate in (text, text.split(maxsplit=1)[0] if text.split() else text):
        try:
            return cls.parse(candidate).code
        except ValueError:
            continue
    raise CellError("choice", value=value, choices="、".join(choice_label(m) for m in cls))


def _decode_list(column: Column, value: Any) -> list[Any]:
    item = column.item or Kind.TEXT
    if isinstance(value, str):
        splitter = re.compile(r"\n") if item is Kind.TEXT else _LIST_SPLIT
        parts = [part for part in splitter.split(value.replace("\r\n", "\n")) if part.strip()]
    else:
        parts = [value]
    if item is Kind.ENUM:
        return [_enum(column, part.strip() if isinstance(part, str) else part) for part in parts]
    if item is Kind.TEXT:
        return [part.strip() for part in parts]
    return [decode(column, part, item) for part in parts]


def _decode_lines(column: Column, value: Any) -> list[dict[str, Any]]:
    text = _text(value).replace("\r\n", "\n").strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CellError("json", error=exc.msg) from None
        if not isinstance(data, list) or not all(isinstance(item, Mapping) for item in data):
            raise CellError("json_list")
        return [dict(item) for item in data]
    items: list[dict[str, Any]] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        parts = line.split(_LINE_SEPARATOR)
        if len(parts) > len(column.fields):
            raise CellError("line_fields", line=line, count=len(column.fields))
        item: dict[str, Any] = {}
        for field, part in zip(column.fields, parts, strict=False):
            if not part.strip():
                continue
            if field.kind is Kind.LIST:
                item[field.path[0]] = [decode(field, x, field.item) for x in part.split("、") if x.strip()]
            else:
                item[field.path[0]] = decode(field, part.strip() if field.kind is not Kind.TEXT else part)
        items.append(item)
    return items


def model_value(record: BaseModel, path: Sequence[str]) -> Any:
    """The value at ``path`` in a model instance (``None`` where a nested record is absent)."""
    value: Any = record
    for name in path:
        if value is None:
            return None
        value = getattr(value, name)
    return value
