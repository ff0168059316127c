"""The local engine: a CSV or Parquet file of events streamed batch by batch through the kernel.

Contacts are read first (they are referred to by the row number of their event), kept as compact typed
columns sorted by event, and sliced per batch of events; the output is written batch by batch, to a
temporary file that replaces the target only once every batch is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import pyarrow as pa

from zaitaku_core.calendar.business import BusinessCalendar
from zaitaku_core.errors import InputError
from zaitaku_core.handoff.engine import DEFAULT_OPTIONS, HandoffOptions
from zaitaku_core.handoff.engines.arrow import evaluate_typed
from zaitaku_core.io.events import TableSource

__all__ = ["BatchSink", "SortedContacts", "run_local"]


class BatchSink(Protocol):
    """Where verdict batches go (a CSV or Parquet writer)."""

    def write(self, batch: pa.RecordBatch) -> None: ...


class SortedContacts:
    """Every contact of a file, typed, sorted by the row number of its event; sliced per batch of events."""

    def __init__(self, source: TableSource, advance: Callable[[int], None]) -> None:
        batches = []
        for _, batch in source:
            batches.append(batch)
            advance(source.bytes_read)
        self.source = source
        table = pa.Table.from_batches(batches) if batches else None
        if table is None or table.num_rows == 0:
            self.table: pa.Table | None = None
            return
        table = table.combine_chunks()
        event = table.column("event").to_numpy()
        if np.all(event[1:] >= event[:-1]):
            self.order = None
            self.event = event
        else:
            self.order = np.argsort(event, kind="stable")
            self.event = event[self.order]
            table = table.take(self.order)
        self.table = table

    def slice(self, lo: int, hi: int) -> pa.RecordBatch | None:
        """The contacts of events ``lo`` … ``hi - 1``, their ``event`` renumbered from 0."""
        if self.table is None:
            return None
        start, stop = np.searchsorted(self.event, [lo, hi])
        part = self.table.slice(int(start), int(stop - start)).combine_chunks()
        batch = part.to_batches()[0] if part.num_rows else pa.RecordBatch.from_pylist([], self.table.schema)
        shifted = pa.array(self.event[start:stop] - lo)
        return batch.set_column(batch.schema.get_field_index("event"), "event", shifted)

    def check_events(self, total: int) -> None:
        """Refuse a contact whose event row is not in the events file (``total`` rows)."""
        if self.table is None or self.event[-1] < total:
            return
        position = int(np.searchsorted(self.event, total))
        row = int(self.order[position]) if self.order is not None else position
        raise InputError(
            "その行番号の事象がありません / no event has that row number",
            location=self.source.where(row, "event"),
        )


def run_local(
    events: TableSource,
    contacts: TableSource | None,
    open_sink: Callable[[pa.Schema], BatchSink],
    *,
    calendar: BusinessCalendar,
    options: HandoffOptions = DEFAULT_OPTIONS,
    advance: Callable[[int], None] = lambda done: None,
) -> int:
    """Evaluate every batch of ``events`` into the sink ``open_sink`` makes for the verdicts' schema.

    ``advance`` is told the bytes read so far (contacts, then events). Returns the number of events.

    Raises:
        InputError: a bad cell (named by file, line and column), or a contact naming no event.
    """
    done_before = 0
    sorted_contacts = None
    if contacts is not None:
        sorted_contacts = SortedContacts(contacts, advance)
        done_before = contacts.size
    sink: BatchSink | None = None
    total = 0
    for first, batch in events:
        part = sorted_contacts.slice(first, first + batch.num_rows) if sorted_contacts is not None else None
        verdicts = evaluate_typed(batch, part, calendar, options)
        if sink is None:
            sink = open_sink(verdicts.schema)
        sink.write(verdicts)
        total = first + batch.num_rows
        advance(done_before + events.bytes_read)
    if sorted_contacts is not None:
        sorted_contacts.check_events(total)
    if sink is None:
        from zaitaku_core.handoff.engines.arrow import verdict_schema

        open_sink(verdict_schema(pa.schema([(name, pa.string()) for name in events.reader.mapping.values()])))
    return total
