"""The Spark engine: events in a Spark DataFrame evaluated with ``DataFrame.mapInArrow``.

Needs the ``spark`` extra (``pip install 'zaitaku-core[spark]'``, which brings ``pyspark``; Spark needs
Java 17 or later). Every Arrow batch Spark hands over goes through the same kernel as the local engine
(:func:`~zaitaku_core.handoff.engines.arrow.evaluate_arrow`); contacts travel nested in each event's
``contacts`` column (an array of structs), so every partition is self-contained; with a ``subject``
column the events are repartitioned by subject first, so the monthly and per-stay caps see all of a
subject's events (a partition is judged whole, not per Arrow batch). Each event carries its place in the
DataFrame given (``monotonically_increasing_id``) through that shuffle: a partition is judged in that
order (a tie between two claims of one subject at the same minute goes to the earlier row, as in the
local path), and the verdicts are sorted back into it. ``ordered=False`` skips that sort (a second
shuffle): the rows then come grouped by subject, each with its ``zaitaku_row`` (a number that sorts in
the DataFrame's order).

Spark has no Arrow dictionaries: kinds, tiers and reasons come back as strings, and times as
``TIMESTAMP_NTZ`` (Japan wall time). A Spark ``TIMESTAMP`` (an instant) given as ``at`` is read in Japan
time, as the other engines read a time with an offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from zaitaku_core.calendar.business import BusinessCalendar
from zaitaku_core.errors import InputError
from zaitaku_core.handoff.engine import DEFAULT_OPTIONS, HandoffOptions
from zaitaku_core.handoff.engines.arrow import evaluate_arrow, verdict_schema
from zaitaku_core.i18n import N_

__all__ = ["ROW", "evaluate_spark", "spark_schema"]

#: The column that carries an event's place in the DataFrame through the shuffle by subject.
ROW = "zaitaku_row"


def spark_schema(columns: list[str]) -> Any:
    """The Spark schema of the verdicts of events with ``columns``."""
    from pyspark.sql import types as T  # noqa: N812 - pyspark's own convention

    kinds = {
        "bool": T.BooleanType(),
        "int32": T.IntegerType(),
        "date32[day]": T.DateType(),
        "timestamp[s]": T.TimestampNTZType(),
    }
    fields = []
    for field in verdict_schema(pa.schema([(name, pa.string()) for name in columns])):
        kind = (
            T.StringType()
            if pa.types.is_dictionary(field.type) or field.type == pa.string()
            else kinds[str(field.type)]
        )
        fields.append(T.StructField(field.name, kind, nullable=True))
    return T.StructType(fields)


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    columns = []
    for column in batch.columns:
        if pa.types.is_dictionary(column.type):
            column = column.dictionary_decode()
        elif pa.types.is_timestamp(column.type):
            column = column.cast(pa.timestamp("us"))
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def evaluate_spark(
    events: Any,
    *,
    calendar: BusinessCalendar | None = None,
    options: HandoffOptions = DEFAULT_OPTIONS,
    ordered: bool = True,
) -> Any:
    """The verdicts (a Spark DataFrame, :func:`spark_schema`) of the Spark DataFrame ``events``, in its
    order (``ordered=False``: grouped by subject, with a ``zaitaku_row`` column)."""
    from pyspark.sql import functions as F  # noqa: N812 - pyspark's own convention
    from pyspark.sql import types as T  # noqa: N812

    calendar = calendar or BusinessCalendar.government()
    columns = list(events.columns)
    if ROW in columns:
        raise InputError(
            N_("the events may not have a column named {column!r} (the engine adds it)"), values={"column": ROW}
        )
    schema = spark_schema(columns)
    if "subject" not in columns:  # no caps across rows: each Arrow batch on its own, in place

        def each(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                if batch.num_rows:
                    yield _plain(evaluate_arrow(batch, calendar=calendar, options=options))

        return events.mapInArrow(each, schema)

    def whole(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        parts = [batch for batch in batches if batch.num_rows]
        if not parts:
            return
        table = pa.Table.from_batches(parts)  # the caps need all of a subject's rows: the partition at once
        places = table.column(ROW)
        verdicts = _plain(evaluate_arrow(table.drop_columns([ROW]), calendar=calendar, options=options))
        yield verdicts.append_column(ROW, places.combine_chunks())

    numbered = events.withColumn(ROW, F.monotonically_increasing_id())
    grouped = numbered.repartition("subject").sortWithinPartitions(ROW)
    result = grouped.mapInArrow(whole, schema.add(T.StructField(ROW, T.LongType(), nullable=False)))
    return result.orderBy(ROW).drop(ROW) if ordered else result
