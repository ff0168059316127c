"""The report structure every renderer reads: sections of titled tables and charts (pydantic, frozen).

The JSON format is this structure dumped as is; :data:`SCHEMA_VERSION` changes only when a field is
removed or changes meaning, and :func:`report_json_schema` gives its JSON Schema.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, cast

from pydantic import Field, GetCoreSchemaHandler, GetPydanticSchema
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
SCHEMA_VERSION = 1


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

    row: int = Field(ge=0)
    column: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    kind: Literal["new", "inferred"]
    note: str | None = None


class Table(FrozenModel):
    """A titled table with a header row, and the marked spans of its cells (:class:`Mark`)."""

    id: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...] = ()
    marks: tuple[Mark, ...] = ()
    #: A stable, language-independent key per column (``id``, ``title``, ``ratio`` …; empty for tables a
    #: plugin gives): renderers read it to hide identifiers, format percentages and size columns.
    keys: tuple[str, ...] = ()


#: How a value stands: ``final``, or one a reader must not take as final (中止, 予定, 途中集計).
BarStatus = Literal["final", "cancelled", "provisional", "partial"]


class Bar(FrozenModel):
    """One labelled pair of bars: plan and actual of one indicator in one fiscal year (or of one city)."""

    label: str
    plan: float | None = None
    actual: float | None = None
    #: Bars of one group (one indicator, in one unit) share a scale; bars of different groups are not compared.
    group: str | None = None
    fiscal_year: int | None = None
    #: The plan period (第9期 …) of ``fiscal_year``.
    period: str | None = None
    #: The words of a target given as a frequency, such as 年1回 or 通年; drawn as a mark, never as a bar.
    plan_text: str | None = None
    plan_status: BarStatus | None = None
    actual_status: BarStatus | None = None
    #: The date a partial actual was counted up to.
    as_of: date | None = None


class Chart(FrozenModel):
    """A bar chart on one scale (``unit``): plan against actual, or one ``series`` of counts; with a note."""

    id: str
    title: str
    bars: tuple[Bar, ...] = ()
    unit: str | None = None
    note: str | None = None
    #: The one quantity a chart of counts draws, such as 取組数; its bars are that, not plan and actual.
    series: str | None = None


class Section(FrozenModel):
    """A report section: a title, an optional paragraph, tables and charts."""

    id: str
    title: str
    text: str | None = None
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()


class Report(FrozenModel):
    """A whole report (kind ``plan`` for one city and year, ``comparison`` for several cities)."""

    schema_version: Literal[1] = 1
    kind: Literal["plan", "comparison"]
    lang: Literal["ja", "en"]
    title: str
    cities: tuple[str, ...] = Field(min_length=1)
    fiscal_year: int | None = None
    generator: str
    sections: tuple[Section, ...] = ()
    #: The title block: the city (name and 全国地方公共団体コード), who runs the program (担当課 / operator),
    #: and the date the report is issued (作成日): given by the caller, or else the latest date in the data.
    city_name: str | None = None
    municipality_code: str | None = None
    operators: tuple[str, ...] = ()
    issued: date | None = None
    issued_from: Literal["given", "data"] | None = None


def report_json_schema() -> dict[str, Any]:
    """JSON Schema of the JSON report format."""
    return Report.model_json_schema()
