"""The local engine: a CSV or Parquet file of events streamed batch by batch through the kernel.

Contacts are read first (they are referred to by the row number of their event), kept as compact typed
columns sorted by event, and sliced per batch of events. The monthly and per-stay caps depend on a
subject's other events, which may lie in any batch: with a ``subject`` column the verdicts are spooled to
a temporary Arrow IPC file (exact types, no re-encoding) while the few columns the caps need are kept
(only for rows with a capped claim), the caps are decided over the whole file, and a second pass applies
them while writing. The output is
written batch by batch, to a temporary file that replaces the target only once every batch is written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from zaitaku_core.calendar.business import BusinessCalendar
from zaitaku_core.errors import InputError
from zaitaku_core.handoff.batch import apply_caps_columns
from zaitaku_core.handoff.engine import DEFAULT_OPTIONS, HandoffOptions
from zaitaku_core.handoff.engines.arrow import evaluate_typed, verdict_schema
from zaitaku_core.handoff.rules import national_addons
from zaitaku_core.i18n import N_
from zaitaku_core.io.events import NESTED_CONTACTS, TableSource, nested_contacts

__all__ = ["BatchSink", "CapLedger", "SortedContacts", "apply_caps", "run_local"]

#: The add-ons whose claims a cap may take back (monthly caps, and once per stay).
_CAPPED = tuple(a.id for a in national_addons() if a.monthly_cap or a.per_stay)


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
        self.order: npt.NDArray[np.int64] | None = None
        self.table: pa.Table | None = None
        if not batches or not sum(b.num_rows for b in batches):
            return
        table = pa.Table.from_batches(batches).combine_chunks()
        event = table.column("event").to_numpy()
        if not np.all(event[1:] >= event[:-1]):
            self.order = np.argsort(event, kind="stable")
            event = event[self.order]
            table = table.take(self.order)
        self.event = event
        self.table = table

    def slice(self, lo: int, hi: int) -> pa.RecordBatch | None:
        """The contacts of events ``lo`` … ``hi - 1``, their ``event`` renumbered from 0."""
        if self.table is None:
            return None
        start, stop = (int(i) for i in np.searchsorted(self.event, [lo, hi]))
        part = self.table.slice(start, stop - start).combine_chunks()
        batch = part.to_batches()[0] if part.num_rows else pa.RecordBatch.from_pylist([], self.table.schema)
        return batch.set_column(batch.schema.get_field_index("event"), "event", pa.array(self.event[start:stop] - lo))

    def check_events(self, total: int) -> None:
        """Refuse a contact whose event row is not in the events file (``total`` rows)."""
        if self.table is None or self.event[-1] < total:
            return
        position = int(np.searchsorted(self.event, total))
        row = int(self.order[position]) if self.order is not None else position
        raise InputError(N_("no event has that row number"), values={}, location=self.source.where(row, "event"))


class CapLedger:
    """The rows with a capped claim, over the whole run: row, subject, time and the capped units."""

    def __init__(self) -> None:
        self.rows: list[npt.NDArray[np.int64]] = []
        self.subjects: list[pa.Array] = []
        self.minutes: list[npt.NDArray[np.int64]] = []
        self.units: dict[str, list[npt.NDArray[np.int64]]] = {a: [] for a in _CAPPED}

    def add(self, first: int, verdicts: pa.RecordBatch) -> None:
        units = {a: verdicts.column(f"{a}.units").to_numpy() for a in _CAPPED}
        claimed = np.flatnonzero(np.logical_or.reduce([u > 0 for u in units.values()]))
        if not claimed.size:
            return
        self.rows.append(claimed + first)
        self.subjects.append(verdicts.column("subject").take(pa.array(claimed)))
        at = pc.cast(verdicts.column("at").take(pa.array(claimed)), pa.int64()).to_numpy()
        self.minutes.append(at // 60)
        for a, values in units.items():
            self.units[a].append(values[claimed].astype(np.int64))

    def extend(self, other: CapLedger) -> None:
        """Append ``other``'s rows (which must all come after this ledger's)."""
        self.rows += other.rows
        self.subjects += other.subjects
        self.minutes += other.minutes
        for a in _CAPPED:
            self.units[a] += other.units[a]

    def changes(self) -> tuple[npt.NDArray[np.int64], dict[str, npt.NDArray[np.int8]]]:
        """(rows whose claims a cap takes back, sorted; per add-on the reason code there, -1 for none)."""
        if not self.rows:
            return np.zeros(0, dtype=np.int64), {}
        rows = np.concatenate(self.rows)
        subjects = pc.dictionary_encode(pa.chunked_array(self.subjects)).combine_chunks()
        out: dict[str, npt.NDArray[Any]] = {}
        for a in _CAPPED:
            units = np.concatenate(self.units[a])
            out[f"{a}.units"] = units.copy()
            out[f"{a}.claimable"] = units > 0
            out[f"{a}.tier"] = np.full(units.size, -1, dtype=np.int8)
            out[f"{a}.reason"] = np.full(units.size, -1, dtype=np.int8)
        minutes = np.concatenate(self.minutes).view("datetime64[m]")
        apply_caps_columns(out, subjects.indices.to_numpy().astype(np.int64), minutes)
        taken = np.logical_or.reduce([out[f"{a}.reason"] >= 0 for a in _CAPPED])
        return rows[taken], {a: out[f"{a}.reason"][taken] for a in _CAPPED}


def apply_caps(batch: pa.RecordBatch, first: int, rows: npt.NDArray[np.int64], why: dict[str, Any]) -> pa.RecordBatch:
    """``batch`` (rows ``first`` …) with the claims the caps take back set to zero, with their reason
    (``rows`` and ``why`` as :meth:`CapLedger.changes` gives them)."""
    lo, hi = (int(i) for i in np.searchsorted(rows, [first, first + batch.num_rows]))
    if lo == hi:
        return batch
    local = rows[lo:hi] - first
    names = batch.schema.names
    columns = dict(zip(names, batch.columns, strict=True))
    total = columns["units"].to_numpy().copy()
    for a, reasons in why.items():
        code = reasons[lo:hi]
        hit = local[code >= 0]
        if not hit.size:
            continue
        units = columns[f"{a}.units"].to_numpy().copy()
        total[hit] -= units[hit]
        units[hit] = 0
        claimable = columns[f"{a}.claimable"].to_numpy(zero_copy_only=False).copy()
        claimable[hit] = False
        tier = columns[f"{a}.tier"]
        tier_codes = tier.indices.fill_null(-1).to_numpy().astype(np.int8)
        tier_codes[hit] = -1
        reason = columns[f"{a}.reason"]
        reason_codes = reason.indices.fill_null(-1).to_numpy().astype(np.int8)
        reason_codes[hit] = code[code >= 0]
        columns[f"{a}.units"] = pa.array(units, pa.int32())
        columns[f"{a}.claimable"] = pa.array(claimable)
        columns[f"{a}.tier"] = _recoded(tier_codes, tier.dictionary)
        columns[f"{a}.reason"] = _recoded(reason_codes, reason.dictionary)
    columns["units"] = pa.array(total, pa.int32())
    return pa.RecordBatch.from_arrays([columns[n] for n in names], schema=batch.schema)


def _recoded(codes: npt.NDArray[np.int8], dictionary: pa.Array) -> pa.Array:
    missing = codes < 0
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int8(), mask=missing if missing.any() else None), dictionary
    )


def run_local(
    events: TableSource,
    contacts: TableSource | None,
    open_sink: Callable[[pa.Schema], BatchSink],
    *,
    calendar: BusinessCalendar,
    options: HandoffOptions = DEFAULT_OPTIONS,
    advance: Callable[[int], None] = lambda done: None,
    spool: Path | None = None,
) -> int:
    """Evaluate every batch of ``events`` into the sink ``open_sink`` makes for the verdicts' schema.

    ``advance`` is told the bytes read so far (contacts, then events); ``spool`` is the folder of the
    temporary file the caps need (default: the system's). Returns the number of events.

    Raises:
        InputError: a bad cell (named by file, line and column), or a contact naming no event.
    """
    done_before = 0
    sorted_contacts = None
    if contacts is not None:
        sorted_contacts = SortedContacts(contacts, advance)
        done_before = contacts.size
    columns = list(events.reader.mapping.values())
    schema = verdict_schema(pa.schema([(name, pa.string()) for name in columns]))
    verdicts = _verdicts(events, sorted_contacts, calendar, options, lambda: advance(done_before + events.bytes_read))
    if "subject" not in columns:  # no caps across rows to decide: one pass
        sink = open_sink(schema)
        total = 0
        for first, batch in verdicts:
            sink.write(batch)
            total = first + batch.num_rows
        if sorted_contacts is not None:
            sorted_contacts.check_events(total)
        return total
    with tempfile.TemporaryDirectory(prefix=".zaitaku-spool-", dir=spool) as folder:
        path = Path(folder) / "verdicts.arrow"
        ledger = CapLedger()
        total = 0
        compressed = pa.ipc.IpcWriteOptions(compression="lz4")
        with pa.OSFile(str(path), "wb") as stream, pa.ipc.new_file(stream, schema, options=compressed) as writer:
            for first, batch in verdicts:
                writer.write_batch(batch)
                ledger.add(first, batch)
                total = first + batch.num_rows
        if sorted_contacts is not None:
            sorted_contacts.check_events(total)
        rows, why = ledger.changes()
        sink = open_sink(schema)
        first = 0
        with pa.OSFile(str(path), "rb") as stream:  # not mapped: the pages read would count as resident
            spooled = pa.ipc.open_file(stream)
            for index in range(spooled.num_record_batches):
                batch = spooled.get_batch(index)
                sink.write(apply_caps(batch, first, rows, why))
                first += batch.num_rows
    return total


def _verdicts(
    events: TableSource,
    contacts: SortedContacts | None,
    calendar: BusinessCalendar,
    options: HandoffOptions,
    advance: Callable[[], None],
) -> Iterator[tuple[int, pa.RecordBatch]]:
    for first, batch in events:
        part = contacts.slice(first, first + batch.num_rows) if contacts is not None else None
        if NESTED_CONTACTS in batch.schema.names:  # each event's contacts nested in it (open_table(nested=True))
            part = nested_contacts(batch.column(NESTED_CONTACTS))
            batch = batch.drop_columns([NESTED_CONTACTS])
        yield first, evaluate_typed(batch, part, calendar, options)
        advance()
