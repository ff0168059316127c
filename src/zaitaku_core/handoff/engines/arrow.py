"""Evaluate Arrow record batches of events: the one kernel every engine (local, Dask, Spark) runs.

:func:`evaluate_arrow` takes events as an Arrow table or record batch — text columns as read from a CSV
file, or typed ones from Parquet — and their contacts either as a second table whose ``event`` column is
the row number of the event, or nested in the events as a ``contacts`` column (a list of structs with the
contact columns), which keeps every partition of a distributed dataset self-contained. It returns the
verdicts as Arrow: :func:`verdict_schema` lists the columns. Tiers, reasons and kinds are
dictionary-encoded; the subject (the only text a user supplied that is copied out) is protected against
spreadsheet formula injection; nothing else the input held is copied.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from zaitaku_core.calendar.business import LAST_DAY, BusinessCalendar
from zaitaku_core.errors import InputError
from zaitaku_core.handoff.engine import DEFAULT_OPTIONS, HandoffOptions
from zaitaku_core.handoff.model import Reason
from zaitaku_core.handoff.rules import national_addons
from zaitaku_core.i18n import N_
from zaitaku_core.io.events import NESTED_CONTACTS, BadCell, contact_columns, event_columns, typed_nested_contacts

__all__ = ["evaluate_arrow", "evaluate_typed", "verdict_schema"]

_FORMULA = r"^[=+\-@\t\r]"


@cache
def _tier_dictionary() -> pa.Array:
    from zaitaku_core.handoff.batch import TIERS

    return pa.array(TIERS, pa.string())


def _dictionary() -> pa.DataType:
    return pa.dictionary(pa.int8(), pa.string())


def verdict_schema(events: pa.Schema | None = None) -> pa.Schema:
    """The columns of a verdict table (with ``subject`` and ``admitted_at`` where the events have them)."""
    names = events.names if events is not None else ["subject", "kind", "at", "admitted_at"]
    fields = []
    if "subject" in names:
        fields.append(pa.field("subject", pa.string()))
    fields += [pa.field("kind", _dictionary()), pa.field("at", pa.timestamp("s"))]
    if "admitted_at" in names:
        fields.append(pa.field("admitted_at", pa.timestamp("s")))
    fields += [pa.field("after_hours", pa.bool_()), pa.field("units", pa.int32())]
    for addon in national_addons():
        fields += [
            pa.field(f"{addon.id}.claimable", pa.bool_()),
            pa.field(f"{addon.id}.units", pa.int32()),
            pa.field(f"{addon.id}.tier", _dictionary()),
            pa.field(f"{addon.id}.reason", _dictionary()),
            pa.field(f"{addon.id}.window_start", pa.date32()),
            pa.field(f"{addon.id}.window_end", pa.date32()),
        ]
        if addon.per_stay:
            fields.append(pa.field(f"{addon.id}.claim_month", pa.string()))
    return pa.schema(fields)


def _neutralized(text: pa.Array) -> pa.Array:
    """``text`` with a leading ``'`` where a spreadsheet would read the cell as a formula."""
    risky = pc.match_substring_regex(text, _FORMULA)
    if not pc.any(risky).as_py():
        return text
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)


def _batch(table: Any) -> pa.RecordBatch:
    if isinstance(table, pa.RecordBatch):
        return table
    if isinstance(table, pa.Table):
        return (
            table.combine_chunks().to_batches()[0] if table.num_rows else pa.RecordBatch.from_pylist([], table.schema)
        )
    raise InputError(N_("expected an Arrow table or record batch, got {kind}"), values={"kind": type(table).__name__})


def _positions(column: pa.Array) -> npt.NDArray[np.int16]:
    """The member positions of a column typed by :mod:`zaitaku_core.io.events` (-1 for null)."""
    positions: npt.NDArray[np.int16] = column.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int16)
    return positions


def evaluate_arrow(
    events: pa.Table | pa.RecordBatch,
    contacts: pa.Table | pa.RecordBatch | None = None,
    *,
    calendar: BusinessCalendar | None = None,
    options: HandoffOptions = DEFAULT_OPTIONS,
    monthly_caps: bool = True,
) -> pa.RecordBatch:
    """Verdicts (:func:`verdict_schema`) for Arrow ``events`` and their ``contacts``.

    With a ``subject`` column the monthly and per-stay caps apply across the rows given (``monthly_caps``);
    a caller that hands a subject's events over in several calls applies them to the joined results.

    Raises:
        InputError: a column is missing or a cell cannot be read (its row and column are named, never its
            value), or a contact names no event.
    """
    batch = _batch(events)
    missing = [name for name in ("kind", "at") if name not in batch.schema.names]
    if missing:
        raise InputError(
            N_("the events need the column(s) {missing}; got {columns}"),
            values={"missing": ", ".join(missing), "columns": ", ".join(batch.schema.names)},
        )
    try:
        typed = event_columns(batch)
        if contacts is not None:
            typed_contacts: pa.RecordBatch | None = contact_columns(_batch(contacts))
        elif NESTED_CONTACTS in batch.schema.names:  # a bad one named by its event's row, as on every path
            typed_contacts = typed_nested_contacts(batch.column(NESTED_CONTACTS))
        else:
            typed_contacts = None
    except BadCell as bad:
        raise InputError(
            bad.what, values=bad.values, location={"row": str(bad.row + 1), "column": bad.column}
        ) from None
    return evaluate_typed(typed, typed_contacts, calendar or BusinessCalendar.government(), options, monthly_caps)


def evaluate_typed(
    events: pa.RecordBatch,
    contacts: pa.RecordBatch | None,
    calendar: BusinessCalendar,
    options: HandoffOptions,
    monthly_caps: bool = False,
) -> pa.RecordBatch:
    """Verdicts for events and contacts already typed by :func:`~zaitaku_core.io.events.event_columns` and
    :func:`~zaitaku_core.io.events.contact_columns` (contacts numbered by their event's row in ``events``)."""
    from zaitaku_core.handoff.batch import evaluate_batch

    n = events.num_rows
    names = events.schema.names
    columns: dict[str, npt.NDArray[Any]] = {
        "kind": _positions(events.column("kind")),
        "at": events.column("at").to_numpy(zero_copy_only=False),
    }
    for name in ("admitted_at", "service_start", "initial_addon"):
        if name in names:
            columns[name] = events.column(name).to_numpy(zero_copy_only=False)
    if "stay_in" in names:
        columns["stay_in"] = _positions(events.column("stay_in"))
    if monthly_caps and "subject" in names:
        columns["subject"] = events.column("subject").to_numpy(zero_copy_only=False)
    contact_arrays = None
    if contacts is not None:
        event = contacts.column("event").to_numpy(zero_copy_only=False)
        if event.size and (event.min() < 0 or event.max() >= n):
            row = int(np.argmax((event < 0) | (event >= n)))
            raise InputError(
                N_("no event has that row number"),
                values={},
                location={"row": str(row + 1), "column": "event"},
            )
        contact_arrays = {
            "event": event,
            "at": contacts.column("at").to_numpy(zero_copy_only=False),
            "from_party": _positions(contacts.column("from_party")),
            "to_party": _positions(contacts.column("to_party")),
            "means": _positions(contacts.column("means")),
            "conference": contacts.column("conference").to_numpy(zero_copy_only=False),
        }
    result = evaluate_batch(
        columns, contact_arrays, calendar=calendar, options=options, monthly_caps=monthly_caps, codes=True
    )
    return _verdicts(events, result)


_REASONS = pa.array([r.value for r in Reason], pa.string())


def _coded(codes: npt.NDArray[np.int8], dictionary: pa.Array) -> pa.Array:
    """Small-integer codes (-1 for none) as a dictionary column, without touching a string."""
    missing = codes < 0
    indices = pa.array(codes, pa.int8(), mask=missing if missing.any() else None)
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def _valid(values: npt.NDArray[np.int32]) -> pa.Buffer | None:
    """The validity bitmap of int32 days or months whose none is ``NO_VALUE`` (None when all are valid)."""
    from zaitaku_core.handoff.batch import NO_VALUE

    known = values != NO_VALUE
    if known.all():
        return None
    return pa.py_buffer(np.packbits(known, bitorder="little"))


def _dates(days: npt.NDArray[np.int32]) -> pa.Array:
    """int32 epoch days (``NO_VALUE`` for none): Arrow's own ``date32`` storage, taken without a copy."""
    return pa.Array.from_buffers(pa.date32(), days.size, [_valid(days), pa.py_buffer(days)])


@cache
def _month_days() -> npt.NDArray[np.int32]:
    """The epoch day of the first of every month from 1970-01 to the calendar's last, by months since 1970-01
    (a claim month is a day of the calendar's table)."""
    months = (LAST_DAY.year - 1970) * 12 + LAST_DAY.month
    return np.arange(months).astype("datetime64[M]").astype("datetime64[D]").astype(np.int32)


def _months(months: npt.NDArray[np.int32]) -> pa.Array:
    """int32 months since 1970-01 (``NO_VALUE`` for none) as ``YYYY-MM`` texts, formatted by Arrow, not
    cell by cell."""
    valid = _valid(months)
    first_days = _month_days().take(months, mode="clip")  # none: any day, masked below
    return pc.strftime(pa.Array.from_buffers(pa.date32(), months.size, [valid, pa.py_buffer(first_days)]), "%Y-%m")


def _verdicts(events: pa.RecordBatch, result: dict[str, npt.NDArray[Any]]) -> pa.RecordBatch:
    schema = verdict_schema(events.schema)
    arrays: list[pa.Array] = []
    for field in schema:
        name = field.name
        if name == "subject":
            arrays.append(_neutralized(events.column("subject")))
        elif name == "kind":
            arrays.append(events.column("kind"))
        elif name in ("at", "admitted_at"):
            arrays.append(events.column(name))
        elif name.endswith(".tier"):
            arrays.append(_coded(result[name], _tier_dictionary()))
        elif name.endswith(".reason"):
            arrays.append(_coded(result[name], _REASONS))
        elif name.endswith(".claim_month"):
            arrays.append(_months(result[name]))
        elif pa.types.is_date32(field.type):
            arrays.append(_dates(result[name]))
        elif pa.types.is_int32(field.type):  # evaluate_batch's codes form has Arrow's storage types
            arrays.append(pa.Array.from_buffers(pa.int32(), len(result[name]), [None, pa.py_buffer(result[name])]))
        else:
            arrays.append(pa.array(result[name]).cast(field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
