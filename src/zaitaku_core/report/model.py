"""The report structure every renderer reads: sections of titled tables and charts (pydantic, frozen).

The JSON format is this structure dumped as is; :data:`SCHEMA_VERSION` changes only when a field is
removed or changes meaning, and :func:`report_json_schema` gives its JSON Schema.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, NamedTuple, cast

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler, GetPydanticSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from zaitaku_core.framework import LabeledEnum
from zaitaku_core.model import FrozenModel

__all__ = [
    "SCHEMA_VERSION",
    "Bar",
    "BarStatus",
    "Cell",
    "Chart",
    "IndicatorStatus",
    "Mark",
    "Report",
    "Section",
    "Table",
]

#: Version of the report's JSON schema.
SCHEMA_VERSION = 2


def _serialize_as_found(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    # Validated as the union, written by the type each value has: the same JSON, and 3x faster than
    # pydantic's union serializer, which matters in a run of thousands of reports. Schema unchanged.
    schema = handler(source)
    cast("dict[str, Any]", schema)["serialization"] = core_schema.simple_ser_schema("any")
    return schema


#: A table cell, which holds text, a number, or nothing.
Cell = Annotated[str | int | float | None, GetPydanticSchema(_serialize_as_found)]


class IndicatorStatus(LabeledEnum):
    """How an indicator stands against its target in a fiscal year."""

    ON_TRACK = ("on_track", "達成", "on track")
    BEHIND = ("behind", "未達", "behind")
    CANCELLED = ("cancelled", "中止", "cancelled")
    PROVISIONAL = ("provisional", "予定値（未確定）", "provisional")
    PARTIAL = ("partial", "途中集計", "partial")
    NO_ACTUAL = ("no_actual", "実績未報告", "no actual yet")
    NO_TARGET = ("no_target", "目標なし", "no target")


class Mark(FrozenModel):
    """A span of one text cell that readers must see apart from the rest of the cell.

    ``kind`` is ``"new"`` for text the source marks as new for the year (Tokushima's 赤字) and ``"inferred"``
    for a fact the data author inferred rather than read in a source (``note`` gives the reason). The span
    is ``cell[start:end]`` of the cell at ``rows[row][column]``; the cell's text itself is unchanged, so a
    renderer that ignores marks still shows every word (text formats say "inferred" in the cell's words).
    """

    row: int = Field(ge=0, title="行", description="The row of the marked cell (0-based).")
    column: int = Field(ge=0, title="列", description="The column of the marked cell (0-based).")
    start: int = Field(ge=0, title="開始", description="Where the span starts in the cell's text.")
    end: int = Field(ge=0, title="終了", description="Where the span ends in the cell's text.")
    kind: Literal["new", "inferred"] = Field(
        title="種類",
        description="``new`` (marked as new for the year by the source) or ``inferred`` (inferred by the data author).",
    )
    note: str | None = Field(None, title="注記", description="Why, for an inferred fact.")


class Table(FrozenModel):
    """A titled table with a header row, and the marked spans of its cells (:class:`Mark`)."""

    id: str = Field(title="ID", description="The table's stable id.")
    title: str = Field(title="表題", description="The table's title.")
    columns: tuple[str, ...] = Field(title="列見出し", description="The header row.")
    rows: tuple[tuple[Cell, ...], ...] = Field(
        (), title="行", description="The rows: text, numbers or empty cells, each row as wide as ``columns``."
    )
    marks: tuple[Mark, ...] = Field((), title="強調箇所", description="The spans of cells that readers must see apart.")
    keys: tuple[str, ...] = Field(
        (),
        title="列のキー",
        description=(
            "A stable, language-independent key per column (``id``, ``title``, ``ratio`` …; empty for tables "
            "a plugin gives): renderers read it to hide identifiers, format percentages and size columns."
        ),
    )


#: How a value stands: ``final``, or one a reader must not take as final (中止, 予定, 途中集計).
BarStatus = Literal["final", "cancelled", "provisional", "partial"]


#: The Japanese label and the English description of each field of :class:`Bar`, in its order: the JSON
#: Schema's ``title`` and ``description`` of each item of a bar's array, and the reference's.
_BAR_FIELDS: dict[str, tuple[str, str]] = {
    "label": ("ラベル", "The bar's label: the fiscal year, or the city and year."),
    "plan": ("計画値", "The plan target, if a number."),
    "actual": ("実績値", "The actual, if any."),
    "group": (
        "グループ",
        "Bars of one group (one indicator, in one unit) share a scale; bars of different groups are not compared.",
    ),
    "fiscal_year": ("年度", "The fiscal year of the bar."),
    "period": ("計画期間", "The plan period (第9期 …) of ``fiscal_year``."),
    "plan_text": (
        "計画値の表記",
        "The words of a target given as a frequency, such as 年1回 or 通年; drawn as a mark, never as a bar.",
    ),
    "plan_status": ("計画値の状態", "How the plan value stands: final, cancelled, provisional or partial."),
    "actual_status": ("実績値の状態", "How the actual stands: final, cancelled, provisional or partial."),
    "as_of": ("基準日", "The date a partial actual was counted up to."),
}


class Bar(NamedTuple):
    """One labelled pair of bars: plan and actual of one indicator in one fiscal year (or of one city).

    A named tuple (read its fields by name: ``bar.plan``), written in JSON as an array of its fields in this
    order (schema version 2; version 1 wrote an object): a report at 400 indicators holds 2,400 of them, and
    a tuple is made, kept and written for a fraction of what a model costs. Made as ``Bar(label, plan=…)``, it
    is not validated; a report read from JSON is (an array, or an object with the fields' names).
    """

    label: str
    plan: float | None = None
    actual: float | None = None
    group: str | None = None
    fiscal_year: int | None = None
    period: str | None = None
    plan_text: str | None = None
    plan_status: BarStatus | None = None
    actual_status: BarStatus | None = None
    as_of: date | None = None

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The array's JSON Schema, each item with its label and description (``_BAR_FIELDS``)."""
        json_schema = handler.resolve_ref_schema(handler(schema))
        for name, item in zip(cls._fields, json_schema["prefixItems"], strict=True):
            item["title"], item["description"] = _BAR_FIELDS[name]
        return json_schema


for _name, (_title, _description) in _BAR_FIELDS.items():  # what the reference shows for each field
    getattr(Bar, _name).__doc__ = f"**{_title}**\n\n{_description}"
del _name, _title, _description


class Chart(FrozenModel):
    """A bar chart on one scale (``unit``): plan against actual, or one ``series`` of counts; with a note."""

    id: str = Field(title="ID", description="The chart's stable id (``trend-<indicator id>`` for an indicator).")
    title: str = Field(title="表題", description="The chart's title.")
    bars: tuple[Bar, ...] = Field((), title="棒", description="The bars, drawn on one scale.")
    unit: str | None = Field(None, title="単位", description="The unit of the scale.")
    note: str | None = Field(None, title="注記", description="A note under the chart.")
    series: str | None = Field(
        None,
        title="系列",
        description="The one quantity a chart of counts draws, such as 取組数; its bars are that, not plan and actual.",
    )


class Section(FrozenModel):
    """A report section: a title, an optional paragraph, tables and charts."""

    id: str = Field(title="ID", description="The section's stable id (``overview``, ``programs`` …).")
    title: str = Field(title="見出し", description="The section's title.")
    text: str | None = Field(None, title="本文", description="Its paragraph, if any.")
    tables: tuple[Table, ...] = Field((), title="表", description="Its tables.")
    charts: tuple[Chart, ...] = Field((), title="グラフ", description="Its charts.")


class Report(FrozenModel):
    """A whole report (kind ``plan`` for one city and year, ``comparison`` for several cities)."""

    schema_version: Literal[2] = Field(
        2, title="スキーマの版", description="The version of this format; raised only by a change that breaks readers."
    )
    kind: Literal["plan", "comparison"] = Field(
        title="種類", description="``plan`` (one city and fiscal year) or ``comparison`` (several cities)."
    )
    lang: Literal["ja", "en"] = Field(title="言語", description="The report's language.")
    title: str = Field(title="表題", description="The report's title.")
    cities: tuple[str, ...] = Field(min_length=1, title="市町村", description="The ids of the cities reported on.")
    fiscal_year: int | None = Field(None, title="年度", description="The fiscal year of a plan report.")
    generator: str = Field(
        title="作成ツール", description="The name and version of the software that wrote the report."
    )
    sections: tuple[Section, ...] = Field((), title="節", description="The sections, in a fixed order.")
    city_name: str | None = Field(None, title="市町村名", description="The title block: the city's name.")
    municipality_code: str | None = Field(
        None, title="市町村コード", description="The title block: the city's 全国地方公共団体コード."
    )
    operators: tuple[str, ...] = Field(
        (), title="担当課・実施者", description="The title block: who runs the program (担当課 / operator)."
    )
    issued: date | None = Field(
        None, title="作成日", description="The title block: the date the report is issued (作成日)."
    )
    issued_from: Literal["given", "data"] | None = Field(
        None,
        title="作成日の根拠",
        description="Where the date comes from: ``given`` by the caller, or the latest date in the city's ``data``.",
    )


def report_json_schema() -> dict[str, Any]:
    """JSON Schema of the JSON report format."""
    return Report.model_json_schema()
