"""Columnar evaluation: the same answers as :func:`~zaitaku_core.handoff.evaluate`, for millions of rows.

Events and contacts come as columns: a mapping of NumPy arrays (the only hard need), or an Arrow
table, a pandas or a polars data frame (read through ``to_numpy``; none of them is a dependency).
Every add-on's windows for every day of the calendar's table, on both sides of its closing time, are
computed once per calendar and reading (``window_table``); an event's windows are then gathers by
its key (``2 × day index + after closing``). Each add-on is judged on the rows of its event kind as a
small *state number* per event (its revision, how far its best contact got through the checks, its
count of contact days, 初回加算), and its units, tier and reason are gathers from tables of the verdict
of every state, built once per add-on and reading by the per-event checks in their order (see the
judging section). Rows are worked through 131,072 at a time, each chunk's results written straight into
the result columns, so the temporaries stay in the CPU's cache (contacts are put in the order of their
events first, when they are not). Nothing is looped over per row, and the results equal the per-event
API's (property tests check this on random events, calendars and readings, in chunks of a few rows too).

Event columns: ``kind`` (event kind codes), ``at`` (datetime64, ISO strings or datetimes), optionally
``subject`` (monthly caps are applied per subject when it is present), ``admitted_at``, and for a
discharge ``stay_in``, ``service_start`` and ``initial_addon`` (see :class:`~zaitaku_core.handoff.Event`).
Contact columns: ``event`` (row number of the event), ``at``, ``from_party``, ``to_party``, optionally
``means`` and ``conference``.

Times are read as in the per-event API: without an offset as Japanese wall time; with one
(``+09:00``, ``Z``) converted to Japanese wall time (:func:`~zaitaku_core.handoff.model.japan_wall_time`).
``datetime64`` values carry no offset and are wall time. Yes/no columns (``conference``,
``initial_addon``) are read strictly (:func:`~zaitaku_core.handoff.model.parse_flag`): ``"false"`` is no.
Days outside the calendar's table raise the same :class:`~zaitaku_core.errors.CalendarRangeError` as
the per-event API.

Result columns, for every national add-on ``A``: ``A.claimable`` (bool), ``A.units`` (int64), ``A.tier``
and ``A.reason`` (codes, ``""`` for none), ``A.window_start`` / ``A.window_end`` (datetime64[D], NaT for
none), and for a per-stay add-on ``A.claim_month`` (``YYYY-MM`` or ``""``); and ``after_hours`` (bool)
and ``units`` (int64, the sum of claimable units) per event.

With ``codes=True`` (the form the Arrow path asks for) every column has Arrow's own storage type, so that
Arrow, Parquet and CSV writers take it as it is: ``A.tier`` and ``A.reason`` are int8 codes (a position in
``TIERS`` or in :class:`~zaitaku_core.handoff.Reason`, -1 for none); ``A.units`` and ``units`` int32;
``A.window_start`` / ``A.window_end`` int32 days since 1970-01-01 (the storage of Arrow's ``date32``) and
``A.claim_month`` int32 months since 1970-01, both with ``NO_VALUE`` (the lowest int32) for none. The
columns are views into one allocation (which the system backs with huge pages where it can: faulting in
the result's memory was a quarter of the call's time in 4 KiB pages).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from zaitaku_core.calendar.business import FIRST_DAY, LAST_DAY, BusinessCalendar
from zaitaku_core.errors import CalendarRangeError, InputError
from zaitaku_core.framework import ActorKind, EventKind, LabeledEnum
from zaitaku_core.handoff.engine import (
    DEFAULT_OPTIONS,
    EVENT_RANGE,
    WINDOW_REACH,
    HandoffOptions,
    check_contact_day,
    check_event_day,
    window_days,
)
from zaitaku_core.handoff.model import (
    FALSE_TEXTS,
    STAY_PLACES,
    TRUE_TEXTS,
    ContactMeans,
    Reason,
    japan_wall_time,
    parse_flag,
)
from zaitaku_core.handoff.rules import Addon, Revision, national_addons
from zaitaku_core.i18n import N_

__all__ = ["NO_VALUE", "TIERS", "apply_caps_columns", "batch_windows", "columns_of", "evaluate_batch"]

_EPOCH = date(1970, 1, 1).toordinal()
_BASE = FIRST_DAY.toordinal()
# Days are counted from 1970-01-01 (NumPy's datetime64[D]), so "no bound" is NaT's own integer and a result
# array becomes datetime64[D] by a free view. Table index = epoch day + _SHIFT.
_NONE = np.iinfo(np.int64).min
_SHIFT = _EPOCH - _BASE
_MARGIN = WINDOW_REACH  # the furthest a window reaches past its event day, in days (checked by a test)
_EVENT_INDEX = {kind: index for index, kind in enumerate(EventKind)}

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
CodeArray = npt.NDArray[np.int8]


def columns_of(table: Any) -> dict[str, npt.NDArray[Any]]:
    """The columns of ``table`` as NumPy arrays: a mapping, an Arrow table, a pandas or polars frame."""
    if isinstance(table, Mapping):
        names = list(table.keys())
    elif hasattr(table, "column_names"):
        names = list(table.column_names)
    elif hasattr(table, "columns"):
        names = [str(name) for name in table.columns]
    else:
        raise InputError(
            N_("expected columns (a mapping of arrays or a data frame), got {kind}"),
            values={"kind": type(table).__name__},
        )
    out = {}
    for name in names:
        column = table[name]
        out[str(name)] = np.asarray(column.to_numpy() if hasattr(column, "to_numpy") else column)
    return out


def _minutes(values: npt.NDArray[Any]) -> IntArray:
    """Minutes since 1970-01-01 of Japanese wall time (NaT's integer for a missing value).

    Text with an offset (``…+09:00``, ``…Z``) is converted to Japanese wall time, as the per-event API
    does; only those cells are parsed one by one. ``datetime64[m]`` values are read in place (the result
    may share their memory: read it, do not write it).
    """
    if values.dtype.kind == "M":
        minutes: IntArray = values.astype("datetime64[m]", copy=False).view(np.int64)
        return minutes
    text = np.char.strip(values.astype(str))
    if text.size:
        # An offset is a "Z", a "+", or a "-" after the date's own (YYYY-MM-DD puts its last at index 7).
        offset = np.char.endswith(text, "Z") | (np.char.find(text, "+") >= 0) | (np.char.rfind(text, "-") > 9)
        if offset.any():
            text = text.copy()
            for index in np.flatnonzero(offset):
                try:
                    moment = datetime.fromisoformat(str(text[index]))
                except ValueError:
                    raise InputError(
                        N_("row {row}: not a date and time such as 2024-06-14T10:00"), values={"row": index}
                    ) from None
                text[index] = japan_wall_time(moment).isoformat(timespec="minutes")
    return np.asarray(text, dtype="datetime64[m]").astype(np.int64)


def _flags(values: npt.NDArray[Any], name: str) -> BoolArray:
    """A yes/no column read strictly (:func:`~zaitaku_core.handoff.model.parse_flag`), one parse per value."""
    if values.dtype.kind == "b":
        return values.astype(bool)
    distinct, inverse = np.unique(values.astype(str), return_inverse=True)
    try:
        table = np.array([parse_flag(str(v)) for v in distinct], dtype=bool)
    except ValueError:
        raise InputError(
            N_("column {column!r}: expected a yes/no value ({choices})"),
            values={"column": name, "choices": ", ".join(sorted(TRUE_TEXTS | FALSE_TEXTS - {""}))},
        ) from None
    return table[inverse.reshape(values.shape)]


def _codes(values: npt.NDArray[Any], enum: type[LabeledEnum]) -> npt.NDArray[np.int16]:
    """Labels or codes as small integers (the member's position in ``enum``).

    One vectorised comparison per distinct value (there are a handful), so ten million rows cost a few
    passes in C instead of a sort or a Python loop.
    """
    members = list(enum)
    if values.dtype.kind in "iu":  # positions already (the Arrow path hands them over so)
        if values.size and (values.min() < 0 or values.max() >= len(members)):
            raise InputError(
                N_("{kind} positions must lie in 0..{last}"), values={"kind": enum.__name__, "last": len(members) - 1}
            )
        return values.astype(np.int16, copy=False)  # read only
    text = values if values.dtype.kind == "U" else values.astype(str)
    out = np.full(text.shape, -1, dtype=np.int16)
    unresolved = np.ones(text.shape, dtype=bool)
    while unresolved.any():
        value = text[int(unresolved.argmax())]
        same = text == value
        out[same] = members.index(enum.parse(str(value)))
        unresolved &= ~same
    return out


def _index_of(members: tuple[Any, ...], enum: type[LabeledEnum]) -> npt.NDArray[np.int16]:
    every = list(enum)
    return np.array([every.index(enum.parse(m)) for m in members], dtype=np.int16)


# -- the window tables: every add-on's windows for every day of a calendar, built once --------------------------

#: A window end that no business day within the table can give (an extension in business days over a run of
#: closed days reaching the table's end): gathering it raises the per-event API's CalendarRangeError.
_MISSING = _NONE + 1
_NAT_DAY = _NONE // 1440  # NaT minutes floor-divided into days
#: "None" in the int32 columns of ``evaluate_batch(..., codes=True)`` (window days, claim months): the
#: lowest int32, as NaT is the lowest int64.
NO_VALUE = np.int32(np.iinfo(np.int32).min)
_MISSING32 = np.int32(NO_VALUE + 1)


class WindowTable(NamedTuple):
    """An add-on's windows for an event on every day of a calendar's table, on each side of its closing
    time: every array is indexed by ``2 * table index + after closing`` (the event's *key*).

    Built once per calendar, add-on and reading by :func:`window_table`; a batch of events gathers from it
    by key. (The per-event API answers from the calendar's day lists instead, in ``engine._KindWindows``;
    both are checked against ``engine._rule_window``.)
    """

    start: IntArray  #: epoch day; ``_NONE`` for an open start (before the event) or none in force
    end: IntArray  #: epoch day; ``_NONE`` when none is in force, ``_MISSING`` (see above)
    revision: npt.NDArray[np.int8]  #: position in ``addon.revisions``; -1: none in force
    missing: bool  #: some ``end`` is ``_MISSING``
    start32: Int32Array  #: ``start`` as int32 (``NO_VALUE`` for ``_NONE``): what evaluate_batch gathers
    end32: Int32Array  #: ``end`` as int32 (``NO_VALUE`` for ``_NONE``, ``_MISSING32`` for ``_MISSING``)
    #: the slot's part of the state number (see the judging section): the revision in force, or why none is
    #: (``not_modelled`` or ``not_in_force``)
    state: npt.NDArray[np.intp]


def window_table(addon: Addon, calendar: BusinessCalendar, options: HandoffOptions) -> WindowTable:
    """The window table of ``addon`` on ``calendar`` under ``options`` (built on first use, then kept
    with the calendar)."""
    # Keyed by the add-on's identity (hashing its rules and clauses on every call costs more than the
    # gathers of a small batch); the add-on is kept beside the table so that the identity stays its own.
    found: tuple[Addon, WindowTable] = calendar.derived(
        ("handoff.window_table", id(addon), options.key), _addon_and_table, addon, calendar, options
    )
    if found[0] is not addon:  # pragma: no cover - only if an add-on died and another took its id
        return _build_window_table(addon, calendar, options)
    return found[1]


def _addon_and_table(addon: Addon, calendar: BusinessCalendar, options: HandoffOptions) -> tuple[Addon, WindowTable]:
    return addon, _build_window_table(addon, calendar, options)


def _build_window_table(addon: Addon, calendar: BusinessCalendar, options: HandoffOptions) -> WindowTable:
    closed = calendar.arrays()["closed"]
    size = closed.size
    day = np.arange(size, dtype=np.int64) - _SHIFT
    start = np.full(2 * size, _NONE, dtype=np.int64)
    end = np.full(2 * size, _NONE, dtype=np.int64)
    revision = np.full(2 * size, -1, dtype=np.int8)
    # Only days an event may fall on (the checks refuse the others before any gather).
    free = (day >= EVENT_RANGE[0].toordinal() - _EPOCH) & (day <= EVENT_RANGE[1].toordinal() - _EPOCH)
    for r_index, rev in enumerate(addon.revisions):
        taken = free & _in_force(rev, day)
        free &= ~taken  # the first revision in force decides, as Addon.revision says
        rows = np.flatnonzero(taken)
        for late in (0, 1):
            s, e = _window_arrays(rev, day[rows], bool(late), closed[rows], calendar, options)
            at = 2 * rows + late
            start[at], end[at], revision[at] = s, e, r_index
    not_in_force = np.repeat(_not_in_force_reason(addon, day), 2)
    start32, end32 = _narrow_days(start), _narrow_days(end)
    r = len(addon.revisions)
    # The slot: the revision in force, or past the revisions why none is (not modelled, not in force).
    slot = np.where(revision >= 0, revision, r + (not_in_force == _reason(Reason.NOT_IN_FORCE)))
    state = slot.astype(np.intp) * _shape(addon).slot
    for array in (start, end, revision, start32, end32, state):
        array.flags.writeable = False
    return WindowTable(start, end, revision, bool((end == _MISSING).any()), start32, end32, state)


def _narrow_days(days: IntArray) -> Int32Array:
    """Epoch days as int32: ``_NONE`` becomes ``NO_VALUE`` and ``_MISSING`` ``_MISSING32`` (every other day
    of a table lies within a few centuries of 1970)."""
    out = days.astype(np.int32)
    out[days == _NONE] = NO_VALUE
    out[days == _MISSING] = _MISSING32
    return out


def _window_arrays(
    revision: Revision,
    day: IntArray,
    late: bool,
    closed_day: BoolArray,
    calendar: BusinessCalendar,
    options: HandoffOptions,
) -> tuple[IntArray, IntArray]:
    """(start, end) of ``revision`` for events on ``day`` (epoch days; ``_NONE`` for an open start), after
    closing time or not, as the per-event ``_rule_window`` computes them."""
    tables = calendar.arrays()
    closed, next_open = tables["closed"], tables["next_open"]
    size = closed.size
    spec = revision.window
    first_day, last_day = window_days(spec, options)
    end = day + (last_day - 1)
    start = np.full(day.shape, _NONE, dtype=np.int64) if spec.before_event else day + (first_day - 1)
    if spec.extend is not None:
        after_closing = ~closed_day & late
        if spec.extend.when == "after_hours":
            extended = after_closing | closed_day
        else:  # "after_hours_last_day_closed"
            late_or_closed = after_closing | (closed_day & options.after_hours_includes_closed_day)
            extended = late_or_closed & closed[np.minimum(end + _SHIFT, size - 1)]
        moved = end
        missing = np.zeros(day.shape, dtype=bool)
        for _ in range(spec.extend.days):
            moved = moved + 1
            if options.extension_unit == "business_day":
                index = moved + _SHIFT
                found = np.where(index < size, next_open[np.minimum(index, size - 1)], size).astype(np.int64)
                missing |= found >= size  # BusinessCalendar.next_business_day raises here
                moved = np.minimum(found, size - 1) - _SHIFT
        end = np.where(extended, np.where(missing, _MISSING, moved), end)
    return start, end


def _raise_missing(
    addon: Addon,
    table: WindowTable,
    key: IntArray,
    minutes: IntArray,
    calendar: BusinessCalendar,
    options: HandoffOptions,
) -> None:
    """Raise the per-event API's CalendarRangeError for the first row whose window end is ``_MISSING``."""
    from zaitaku_core.handoff.engine import _rule_window

    row = int(np.argmax(table.end[key] == _MISSING))
    revision = addon.revisions[int(table.revision[key[row]])]
    _rule_window(revision.window, datetime(1970, 1, 1) + timedelta(minutes=int(minutes[row])), calendar, options)
    message = N_("no business day within the calendar's range")
    raise CalendarRangeError(message, values={})  # pragma: no cover - raised above


def _check_event_minutes(minutes: IntArray, first_row: int) -> None:
    """Refuse events without a time, or so near the ends of the day table that their windows would leave it.

    ``first_row`` is the row number of ``minutes[0]`` (for the message of an event without a time).

    Raises:
        InputError: an event without a time.
        CalendarRangeError: an event outside :data:`~zaitaku_core.handoff.engine.EVENT_RANGE`.
    """
    if minutes.size:
        lowest = int(minutes.min())
        if lowest == _NONE:
            row = first_row + int(np.argmax(minutes == _NONE))
            raise InputError(N_("row {row}: an event needs its date and time ('at')"), values={"row": row})
        check_event_day(_clipped_date(lowest // 1440))
        check_event_day(_clipped_date(int(minutes.max()) // 1440))


def _keys_into(minutes: IntArray, closes: int, key: IntArray, scratch: Int32Array) -> IntArray:
    """The keys (``2 * table index + after closing``, indexing a window table) of events at ``minutes``
    (checked by :func:`_check_event_minutes`), written into ``key``.

    The key is the sum of two floor divisions: ``minutes // 1440`` is the day, and ``(minutes - closing)
    // 1440`` is the same day after closing time and the day before until then, so their sum is twice
    the day, less one before closing (no remainder, no mask). The divisions are done in int32 in
    ``scratch`` (twice as long as ``minutes``): the checked minutes (and the sum below) fit, and NumPy
    divides int32 by a constant ~3x faster than int64. ``key`` is as long as ``minutes``, so a caller
    working through a chunk at a time keeps the buffers in the CPU's cache.
    """
    size = minutes.size
    wall, shifted = scratch[:size], scratch[size : 2 * size]
    np.copyto(wall, minutes, casting="unsafe")
    # The constant 2 * _SHIFT + 1 rides in the first division's numerator (as that many whole days).
    np.add(wall, (2 * _SHIFT + 1) * 1440 - closes, out=shifted)
    np.floor_divide(shifted, 1440, out=shifted)
    np.floor_divide(wall, 1440, out=wall)
    np.add(shifted, wall, out=key)
    return key


def _chunk_keys(minutes: IntArray, closes: int, *, check: bool) -> Iterator[tuple[int, int, IntArray]]:
    """Each chunk of ``_CHUNK`` rows of events at ``minutes`` as ``(low, high, key)``: its rows and their
    keys (:func:`_keys_into`), written into buffers every chunk reuses (a chunk's keys last until the next).

    With ``check``, each chunk's minutes are checked (:func:`_check_event_minutes`) before their keys are
    made; without it the caller has checked them all.
    """
    n = minutes.size
    size = min(_CHUNK, n)
    key_buffer, scratch = np.empty(size, dtype=np.int64), np.empty(2 * size, dtype=np.int32)
    for low in range(0, n, _CHUNK):
        high = min(low + _CHUNK, n)
        chunk = minutes[low:high]
        if check:
            _check_event_minutes(chunk, low)
        yield low, high, _keys_into(chunk, closes, key_buffer[: high - low], scratch)


#: Rows per chunk where a batch works through its events a chunk at a time: a chunk's temporaries stay in
#: the CPU's caches, so no full-length temporary is made and each result column is written once, straight
#: into its place (whole-length temporaries cost a trip to memory and, for large calls, fresh pages from the
#: kernel). Measured at 1M events: batch_windows 1.7-1.8x the gather in chunks against 3.2x whole;
#: evaluate_batch 34x, 29x, 27x, 26x, 25x in chunks of 16k, 32k, 64k, 128k, 256k rows, 34x whole. 128k is
#: also the batch handoff-batch streams, so there a batch is one chunk.
_CHUNK = 1 << 17
_ROW_NUMBERS = np.arange(_CHUNK)  # 0, 1, ... (read only): a chunk's positions within a kind
_ROW_NUMBERS.flags.writeable = False
_NO_ROWS = _ROW_NUMBERS[:0]  # a kind absent from a chunk


def _after_hours(calendar: BusinessCalendar) -> BoolArray:
    """By event key: the office is closed that day, or it is after closing time."""
    closed = calendar.arrays()["closed"]
    table: BoolArray = np.repeat(closed, 2) | np.tile(np.array([False, True]), closed.size)
    table.flags.writeable = False
    return table


def batch_windows(
    kinds: npt.NDArray[Any],
    at: npt.NDArray[Any],
    calendar: BusinessCalendar | None = None,
    options: HandoffOptions = DEFAULT_OPTIONS,
) -> dict[str, npt.NDArray[Any]]:
    """The window of the national add-ons for columns of events (``A.window_start``/``A.window_end``).

    ``kinds`` are event kinds (codes, labels, or positions in :class:`~zaitaku_core.framework.EventKind`).
    Only the add-ons of event kinds present in ``kinds`` get columns (memory stays proportional to need);
    rows of other kinds get NaT. The events are worked through a chunk of rows at a time: the chunk's keys,
    then each column's part as one gather from the add-on's window table straight into the column.
    """
    calendar = calendar or BusinessCalendar.government()
    kind_codes = _codes(np.asarray(kinds), EventKind)
    minutes = _minutes(np.asarray(at))
    n = minutes.size
    present = _kinds_present(kind_codes)
    one_kind = len(present) == 1
    tables = [(a, window_table(a, calendar, options)) for a in national_addons() if _EVENT_INDEX[a.event] in present]
    columns = [(np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)) for _ in tables]
    for low, high, key in _chunk_keys(minutes, calendar.closes_minute, check=True):
        chunk = minutes[low:high]
        groups = None if one_kind else _kind_rows(kind_codes[low:high])
        keys: dict[int, IntArray] = {}  # a kind's keys, for each of its add-ons
        for (addon, table), (start, end) in zip(tables, columns, strict=True):
            part_start, part_end = start[low:high], end[low:high]
            rows: npt.NDArray[np.intp] | None = None
            if groups is None:  # the keys are in range (checked): "clip" writes into out= without a buffer
                table.start.take(key, out=part_start, mode="clip")
                table.end.take(key, out=part_end, mode="clip")
                k = key
            else:
                kind = _EVENT_INDEX[addon.event]
                rows = groups.get(kind, _NO_ROWS)
                k = keys[kind] if kind in keys else keys.setdefault(kind, key.take(rows))
                part_start.fill(_NONE)
                part_end.fill(_NONE)
                part_start[rows], part_end[rows] = table.start.take(k), table.end.take(k)
            if table.missing and (part_end == _MISSING).any():
                _raise_missing(addon, table, k, chunk if rows is None else chunk.take(rows), calendar, options)
    out: dict[str, npt.NDArray[Any]] = {}
    for (addon, _), (start, end) in zip(tables, columns, strict=True):
        out[f"{addon.id}.window_start"], out[f"{addon.id}.window_end"] = start.view("M8[D]"), end.view("M8[D]")
    return out


def _kinds_present(kind_codes: npt.NDArray[np.int16]) -> set[int]:
    """The event kinds (positions in EventKind) among ``kind_codes``."""
    if not kind_codes.size:
        return set()
    lowest = int(kind_codes.min())
    if lowest == int(kind_codes.max()):  # one kind: two cheap passes, no counting
        return {lowest}
    return {int(k) for k in np.flatnonzero(np.bincount(kind_codes))}


def _clipped_date(epoch_day: int) -> date:
    """A date for an epoch day; days beyond what a date can hold are clipped to its ends (outside any
    table all the same)."""
    return date.fromordinal(min(max(epoch_day + _EPOCH, 1), date.max.toordinal()))


def _check_days(values: IntArray, check: Any, nat: int = _NAT_DAY, per_day: int = 1) -> None:
    """Run the per-event API's range ``check`` on the lowest and highest day (NaT ignored) of ``values``:
    days (NaT is ``nat``), or minutes with ``nat=_NONE, per_day=1440``."""
    if not values.size:
        return
    highest = int(values.max())
    # The lowest value that is not NaT: none lies below NaT's, so shifted by one past it NaT becomes -1, the
    # largest number as unsigned (a plain minimum: a masked one cost ~14x as much), a chunk at a time into one
    # buffer (no full-length temporary).
    buffer = np.empty(min(values.size, _CHUNK), dtype=np.int64)
    lowest = np.iinfo(np.uint64).max
    for low in range(0, values.size, _CHUNK):
        part = buffer[: min(_CHUNK, values.size - low)]
        np.subtract(values[low : low + _CHUNK], nat + 1, out=part)
        lowest = min(lowest, int(part.view(np.uint64).min()))
    if lowest == np.iinfo(np.uint64).max:  # every value is NaT
        return
    for value in (lowest + nat + 1, highest):
        check(_clipped_date(value // per_day))


def _in_force(revision: Revision, day: IntArray) -> BoolArray:
    mask = day >= revision.effective_from.toordinal() - _EPOCH
    if revision.effective_to is not None:
        mask &= day <= revision.effective_to.toordinal() - _EPOCH
    return mask


_ACTORS = list(ActorKind)
_MEANS = list(ContactMeans)
_REASONS = list(Reason)
#: Every tier code of the national add-ons, sorted: ``A.tier`` with ``codes=True`` is a position in it.
TIERS: tuple[str, ...] = tuple(sorted({t.code for a in national_addons() for r in a.revisions for t in r.tiers}))
_TIER_TEXT = np.array(["", *TIERS], dtype=object)  # code + 1 -> text ("" for none)
_REASON_TEXT = np.array(["", *(r.value for r in _REASONS)], dtype=object)
_NO_CODE = np.int8(-1)


def _reason(member: Reason) -> int:
    return _REASONS.index(member)


# -- judging: the per-event ``_judge`` as a state number per event and tables of verdicts by state -----------------
#
# An add-on's verdict on an event depends on: its *slot* (the revision in force, or why none is: not modelled,
# not in force); its *level*, how far its best contact got through the checks (0: none with a party that
# counts; 1: one, but none by a means that counts; 2: one by such a means, but none inside the window; 3: one
# inside; 4: one inside that was a conference); its count of contact days inside the window, where a check
# compares it with more than 1; and 初回加算, where the add-on reads it. Together they make a small state number
# per event, and the units, tier and reason of every state are tables built once per add-on and reading by
# the per-event ``_judge``'s checks in its order (``_verdict``). Judging a batch is then: the contacts that
# count (one gather each from a table of parties, one of means), each event's level (written by the contacts
# that reach it), its state (a sum), and one gather per result column.

_LEVELS = 5


class _Shape(NamedTuple):
    """How an add-on's state number is made: ``slot * slot + level * level + days * days + initial * initial``.

    The slot's step is the size of a slot's block in the table of parties (``stays`` places of stay times
    every pair of parties), so that a contact's row in that table is its event's state plus its own code.
    """

    slot: int
    stays: int  #: rows of places of stay in the table of parties (1: the parties do not depend on it)
    level: int
    days: int  #: 0: only whether there is a contact inside the window counts (the level says so)
    initial: int  #: 0: the add-on does not read 初回加算
    most_days: int  #: the largest count of contact days any check compares with


@cache
def _shape(addon: Addon) -> _Shape:
    thresholds = [addon.min_contact_days] + [t.min_contacts for r in addon.revisions for t in r.tiers]
    most_days = max(thresholds)
    initial = 1 if addon.not_with_initial_addon else 0
    days = (2 if initial else 1) if most_days > 1 else 0
    level = (most_days + 1) * days if days else (2 if initial else 1)
    by_stay = any(
        set(addon.allowed_parties(r, place)) != set(addon.allowed_parties(r, None))
        for r in addon.revisions
        for place in STAY_PLACES
    )
    stays = len(STAY_PLACES) + 2 if by_stay else 1  # unknown, each place, a party that is no place
    slot = stays * _PARTIES * _PARTIES
    assert _LEVELS * level <= slot, "a slot's states fit in its block of parties"
    return _Shape(slot=slot, stays=stays, level=level, days=days, initial=initial, most_days=most_days)


class _JudgePlan(NamedTuple):
    """An add-on's rules under a reading, as tables: which contacts count, and the verdict of every state."""

    party: BoolArray  #: [(slot * stays + stay row) * parties² + from * parties + to]: the parties count
    stay_row: npt.NDArray[np.intp]  #: [place of stay + 1] -> its row in ``party``, times parties²
    means: BoolArray | None  #: [slot * shape.slot + means * 2 + conference]: the means counts (None: any)
    needs_conference: bool  #: some check asks whether a conference was among the contacts
    tiered: bool  #: some revision has tiers
    shape: _Shape
    units: Int32Array  #: [state]
    tier: CodeArray  #: [state]
    reason: CodeArray  #: [state]


def _judge_plan(addon: Addon, options: HandoffOptions) -> _JudgePlan:
    key = (id(addon), options.key)
    found = _PLANS.get(key)
    if found is None or found[0] is not addon:
        found = _PLANS[key] = (addon, _build_judge_plan(addon, options))
    return found[1]


_PLANS: dict[tuple[int, tuple[Any, ...]], tuple[Addon, _JudgePlan]] = {}
_PARTIES = len(ActorKind)
_PLACES = [_ACTORS.index(place) for place in STAY_PLACES]


def _build_judge_plan(addon: Addon, options: HandoffOptions) -> _JudgePlan:
    revisions = addon.revisions
    slots = len(revisions) + 2  # the revisions, then "not modelled" and "not in force"
    senders = np.isin(np.arange(_PARTIES), _index_of(addon.contact_from, ActorKind))
    # Rows by place of stay: unknown, each place, then one for a party that is no place (nothing counts there).
    stays: list[ActorKind | None] = [None, *STAY_PLACES]
    party = np.zeros((slots, len(stays) + 1, _PARTIES, _PARTIES), dtype=bool)
    means = np.zeros((slots, len(_MEANS), 2), dtype=bool)
    for r_index, revision in enumerate(revisions):
        for row, stay in enumerate(stays):
            allowed = np.isin(np.arange(_PARTIES), _index_of(addon.allowed_parties(revision, stay), ActorKind))
            ok = senders[:, None] & allowed[None, :]
            if addon.either_direction:
                ok |= allowed[:, None] & senders[None, :]
            party[r_index, row] = ok
        named = addon.means_of(revision)
        if not named:
            means[r_index] = True
            continue
        means_ok = np.isin(np.arange(len(_MEANS)), _index_of(named, ContactMeans))
        if options.unrecorded_means_counts:
            means_ok[_MEANS.index(ContactMeans.UNSPECIFIED)] = True
        means[r_index, :, 0] = means_ok
        means[r_index, :, 1] = means_ok | ("conference" in named)
    shape = _shape(addon)
    stay_row = np.zeros(_PARTIES + 1, dtype=np.intp)
    if shape.stays > 1:
        stay_row[1:] = len(stays)  # a party that is no place of stay
        for row, place in enumerate(_PLACES, start=1):
            stay_row[place + 1] = row
        stay_row *= _PARTIES * _PARTIES
    else:
        party = party[:, :1]
    # The means by slot in blocks of the slot's step, as the states (only a block's first codes are used).
    means_table = np.zeros((slots, shape.slot), dtype=bool)
    means_table[:, : 2 * len(_MEANS)] = means.reshape(slots, -1)
    units, tier, reason = _verdicts(addon, options)
    return _JudgePlan(
        party=party.reshape(-1),
        stay_row=stay_row,
        means=None if bool(means[: len(revisions)].all()) else means_table.reshape(-1),
        needs_conference=addon.conference_required or any(t.conference for r in revisions for t in r.tiers),
        tiered=any(r.tiers for r in revisions),
        shape=shape,
        units=units,
        tier=tier,
        reason=reason,
    )


def _verdicts(addon: Addon, options: HandoffOptions) -> tuple[Int32Array, CodeArray, CodeArray]:
    """The units, tier and reason of every state of ``addon`` (see the section's comment; the rest of each
    slot's block is never reached)."""
    shape = _shape(addon)
    size = shape.slot * (len(addon.revisions) + 2)
    units = np.zeros(size, dtype=np.int32)
    tier = np.full(size, _NO_CODE, dtype=np.int8)
    reason = np.full(size, _NO_CODE, dtype=np.int8)
    for slot in range(len(addon.revisions) + 2):
        for rest in range(_LEVELS * shape.level):
            level, more = divmod(rest, shape.level)
            days, initial = divmod(more, shape.days) if shape.days else (int(level >= 3), more)
            state = slot * shape.slot + rest
            units[state], tier[state], reason[state] = _verdict(addon, options, slot, level, days, bool(initial))
    return units, tier, reason


def _verdict(
    addon: Addon, options: HandoffOptions, slot: int, level: int, days: int, initial: bool
) -> tuple[int, int, int]:
    """(units, tier code, reason code) of one state, with the checks of the per-event ``_judge`` in its order."""
    revisions = addon.revisions
    if slot >= len(revisions):
        return 0, -1, _reason(Reason.NOT_MODELLED if slot == len(revisions) else Reason.NOT_IN_FORCE)
    revision = revisions[slot]
    some, conference = level >= 3, level == 4
    if level == 0:
        return 0, -1, _reason(Reason.NO_CONTACT)
    if level == 1:
        return 0, -1, _reason(Reason.WRONG_MEANS)
    if not some:
        return 0, -1, _reason(Reason.OUTSIDE_WINDOW)
    if revision.tiers:
        best: tuple[int, int] = (0, -1)
        for t in sorted(revision.tiers, key=lambda t: t.units):  # ascending: the best tier wins last
            if days >= t.min_contacts and (conference or not t.conference) and t.units > best[0]:
                best = (t.units, TIERS.index(t.code))
        if addon.not_with_initial_addon and initial:
            return 0, -1, _reason(Reason.INITIAL_ADDON)
        return best[0], best[1], -1
    why: Reason | None = None
    if addon.conference_required and not conference:
        why = Reason.NEEDS_CONFERENCE
    elif addon.min_contact_days > 1 and days < addon.min_contact_days:
        why = Reason.TOO_FEW_CONTACTS
    elif addon.requires_24h_contact_system and not options.office_has_24h_contact_system:
        why = Reason.NEEDS_24H_SYSTEM
    elif addon.not_with_initial_addon and initial:
        why = Reason.INITIAL_ADDON
    if why is not None:
        return 0, -1, _reason(why)
    return revision.units, -1, -1


def _event_columns(columns: dict[str, npt.NDArray[Any]], n: int) -> dict[str, npt.NDArray[Any]]:
    """The optional event columns that were given, as arrays: stay place codes (-1 unknown), service start
    day, 初回加算. A column not given is left out."""
    out: dict[str, npt.NDArray[Any]] = {}
    if "stay_in" in columns and columns["stay_in"].dtype.kind in "iu":  # positions, -1 unknown (Arrow path)
        out["stay_in"] = columns["stay_in"].astype(np.int16)
    elif "stay_in" in columns:
        text = np.char.strip(columns["stay_in"].astype(str))
        given = (text != "") & (text != "None")
        stay = np.full(n, -1, dtype=np.int16)
        if given.any():
            codes = _codes(text[given], ActorKind)
            places = _index_of(tuple(p.value for p in STAY_PLACES), ActorKind)
            if not np.isin(codes, places).all():
                raise InputError(
                    N_("stay_in must be one of {places}"), values={"places": ", ".join(p.value for p in STAY_PLACES)}
                )
            stay[given] = codes
        out["stay_in"] = stay
    if "service_start" in columns:
        service_start = _minutes(columns["service_start"]) // 1440
        _check_days(service_start, check_contact_day)
        out["service_start"] = service_start
    if "initial_addon" in columns:
        out["initial_addon"] = _flags(columns["initial_addon"], "initial_addon")
    return out


def _not_in_force_reason(addon: Addon, day: IntArray) -> CodeArray:
    """``not_modelled`` where the add-on existed before its earliest modelled revision, else ``not_in_force``."""
    modelled: BoolArray = day < addon.modelled_from.toordinal() - _EPOCH
    if addon.introduced is not None:
        modelled &= day >= addon.introduced.toordinal() - _EPOCH
    reasons: CodeArray = np.where(modelled, _reason(Reason.NOT_MODELLED), _reason(Reason.NOT_IN_FORCE)).astype(np.int8)
    return reasons


class _AddonResult(NamedTuple):
    """An add-on's result columns (for a chunk's rows of its kind, or, as targets, for every row)."""

    units: Int32Array
    tier: CodeArray | None  #: None: no tier (a chunk's result of an add-on without tiers)
    reason: CodeArray
    start: Int32Array  #: epoch day, ``NO_VALUE`` for none
    end: Int32Array
    month: Int32Array | None  #: per-stay add-ons: the claim month (months since 1970-01, ``NO_VALUE`` for none)


def evaluate_batch(
    events: Any,
    contacts: Any = None,
    *,
    calendar: BusinessCalendar | None = None,
    options: HandoffOptions = DEFAULT_OPTIONS,
    monthly_caps: bool = True,
    codes: bool = False,
) -> dict[str, npt.NDArray[Any]]:
    """Evaluate columns of events with their contacts; see the module documentation for the columns.

    Each add-on is judged only on the rows of its event kind, in small-integer codes; its windows are
    gathers from its window table (every day of the calendar, built once per calendar and reading).
    With ``codes``, the columns have Arrow's storage types, as the Arrow path writes them: ``A.tier`` and
    ``A.reason`` stay codes (``int8``: a position in ``zaitaku_core.handoff.batch.TIERS`` or in
    :class:`~zaitaku_core.handoff.Reason`, ``-1`` for none), units are ``int32``, window days ``int32``
    days since 1970-01-01 and ``A.claim_month`` ``int32`` months since 1970-01 (both
    ``zaitaku_core.handoff.batch.NO_VALUE``, the lowest int32, for none). Otherwise tiers, reasons and
    claim months are texts, units ``int64`` and windows ``datetime64[D]`` (NaT for none).

    With a ``subject`` column and ``monthly_caps`` (the default), the monthly and per-stay caps are
    applied across the rows as :func:`~zaitaku_core.handoff.apply_monthly_caps` applies them to
    per-event verdicts (:func:`~zaitaku_core.handoff.apply_caps_columns`); a caller that evaluates a subject's events in
    several calls passes ``monthly_caps=False`` and applies the caps to the joined results.

    Raises:
        InputError: a missing column, an unknown event kind or party, a bad yes/no value, or a contact
            naming no event.
        CalendarRangeError: an event, contact or stay outside the calendar's table.
    """
    calendar = calendar or BusinessCalendar.government()
    columns = columns_of(events)
    for needed in ("kind", "at"):
        if needed not in columns:
            raise InputError(
                N_("the events need a column {column!r}; got {columns}"),
                values={"column": needed, "columns": sorted(columns)},
            )
    n = len(columns["at"])
    kind_codes = _codes(columns["kind"], EventKind)
    minutes = _minutes(columns["at"])
    _check_event_minutes(minutes, 0)
    admitted = columns.get("admitted_at")
    admitted_minutes = _minutes(admitted) if admitted is not None else None  # days taken a chunk at a time
    if admitted_minutes is not None:
        _check_days(admitted_minutes, check_contact_day, nat=_NONE, per_day=1440)
    extra = _event_columns(columns, n)
    c = _sorted_by_event(_contact_columns(contacts, n))
    after_hours_table: BoolArray = calendar.derived("handoff.after_hours", _after_hours, calendar)
    out = _result_columns(n)
    after_hours, total = out["after_hours"], out["units"]
    results = {
        a.id: _AddonResult(
            out[f"{a.id}.units"],
            out[f"{a.id}.tier"],
            out[f"{a.id}.reason"],
            out[f"{a.id}.window_start"],
            out[f"{a.id}.window_end"],
            out.get(f"{a.id}.claim_month"),
        )
        for a in national_addons()
    }
    bounds = np.searchsorted(c["event"], [*range(0, n, _CHUNK), n]) if n else np.zeros(1, dtype=np.intp)
    for chunk, (low, high, key) in enumerate(_chunk_keys(minutes, calendar.closes_minute, check=False)):
        after_hours_table.take(key, out=after_hours[low:high], mode="clip")  # keys checked: in range
        first, last = int(bounds[chunk]), int(bounds[chunk + 1])
        part = {name: values[first:last] for name, values in c.items()}
        part["event"] = part["event"] - low
        _evaluate_chunk(
            low,
            high,
            kind_codes[low:high],
            key,
            minutes[low:high],
            None if admitted_minutes is None else admitted_minutes[low:high],
            {name: values[low:high] for name, values in extra.items()},
            part,
            calendar,
            options,
            results,
            total,
        )
        for a in national_addons():
            np.greater(results[a.id].units[low:high], 0, out=out[f"{a.id}.claimable"][low:high])
    if monthly_caps and "subject" in columns:
        apply_caps_columns(out, columns["subject"], minutes.view("datetime64[m]"))
    if not codes:
        for addon in national_addons():
            for name in ("window_start", "window_end"):
                out[f"{addon.id}.{name}"] = _as_dates(out[f"{addon.id}.{name}"], "D")
            if addon.per_stay:
                out[f"{addon.id}.claim_month"] = _month_text(_as_dates(out[f"{addon.id}.claim_month"], "M"))
            out[f"{addon.id}.units"] = out[f"{addon.id}.units"].astype(np.int64)
            out[f"{addon.id}.tier"] = _TIER_TEXT[out[f"{addon.id}.tier"].astype(np.intp) + 1]
            out[f"{addon.id}.reason"] = _REASON_TEXT[out[f"{addon.id}.reason"].astype(np.intp) + 1]
        out["units"] = out["units"].astype(np.int64)
    return out


def _result_names() -> list[str]:
    """The result columns of :func:`evaluate_batch`, in the order it returns them."""
    names = ["after_hours"]
    for a in national_addons():
        names += [f"{a.id}.window_start", f"{a.id}.window_end", *([f"{a.id}.claim_month"] if a.per_stay else [])]
    for a in national_addons():
        names += [f"{a.id}.{name}" for name in ("claimable", "units", "tier", "reason")]
    return [*names, "units"]


#: Result columns by item size: the wide ones first, so that every column starts aligned.
_RESULT_TYPES: dict[str, np.dtype[Any]] = {
    "window_start": np.dtype(np.int32),
    "window_end": np.dtype(np.int32),
    "claim_month": np.dtype(np.int32),
    "units": np.dtype(np.int32),
    "tier": np.dtype(np.int8),
    "reason": np.dtype(np.int8),
    "claimable": np.dtype(bool),
    "after_hours": np.dtype(bool),
}


#: The size of a huge page on x86-64 and most arm64 systems (elsewhere the alignment only costs 4 MiB of address
#: space that is never touched).
_HUGE_PAGE = 1 << 21


def _result_columns(n: int) -> dict[str, npt.NDArray[Any]]:
    """Empty result columns for ``n`` rows, every one a view into a single allocation.

    One large allocation is backed by huge pages where the system gives them (NumPy asks for them for
    allocations of 4 MiB or more), so its pages are faulted in ~4x faster than those of forty columns of
    a few MiB each, one 4 KiB page at a time: measured 17 ms against 62 ms for 160 MB of int32 columns. The
    columns keep the allocation alive together (as views of one base), in the documented order.

    The system can back only whole aligned 2 MiB blocks of an allocation with a huge page, and ``malloc``
    hands out a block that starts and ends anywhere: its first and last partial blocks (up to 4 MiB) were
    faulted in 4 KiB at a time, ~600 faults a call at 1M rows (the first and the last column), ~1.2 ms of a
    ~52 ms call. A large result is carved from the first 2 MiB boundary of an allocation 4 MiB longer, so
    every page it touches lies in a whole block (the 4 MiB of slack are never touched, so never resident).
    """
    names = _result_names()
    offsets, size = [], 0
    for name in names:
        size = -(-size // 64) * 64  # each column on a cache line of its own
        offsets.append(size)
        size += n * _RESULT_TYPES[name.rpartition(".")[2]].itemsize
    # Not zeros: a block that malloc serves again from its heap (the CLI's batches of 131,072 rows, ~13 MB,
    # after the first) is not known to be zero, and calloc would write it whole (+12% a batch).
    if size >= _HUGE_PAGE:
        whole = np.empty(size + 2 * _HUGE_PAGE, dtype=np.uint8)
        start = -whole.ctypes.data % _HUGE_PAGE
        buffer = whole[start : start + size]
    else:
        buffer = np.empty(max(size, 1), dtype=np.uint8)
    out: dict[str, npt.NDArray[Any]] = {}
    for name, offset in zip(names, offsets, strict=True):
        dtype = _RESULT_TYPES[name.rpartition(".")[2]]
        out[name] = buffer[offset : offset + n * dtype.itemsize].view(dtype)
    return out


def _sorted_by_event(c: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """The contact columns in the order of their events (stable; the order of contacts changes no
    verdict), so that each chunk of events finds its contacts in one slice."""
    event = c["event"]
    if event.size < 2 or bool((event[1:] >= event[:-1]).all()):
        return c
    order = np.argsort(event, kind="stable")
    return {name: values[order] for name, values in c.items()}


class _Group(NamedTuple):
    """The events of one kind and their contacts, numbered within the group."""

    m: int
    event: npt.NDArray[np.intp]  #: each contact's event (position in the group)
    c_rows: npt.NDArray[np.intp] | None  #: the group's contacts among the chunk's (None: all of them)
    c: dict[str, npt.NDArray[Any]]  #: the chunk's contact columns (``_contact_columns``)
    picked: dict[str, npt.NDArray[Any]]  #: the contact columns the group's add-ons have read so far
    rows: npt.NDArray[np.intp] | None  #: the group's rows among the chunk's events (None: all of them)
    extra: dict[str, npt.NDArray[Any]]  #: the optional event columns given, of the chunk's events

    def of_events(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """A column of the chunk's events for the group's events."""
        return values if self.rows is None else values.take(self.rows)

    def contacts(self, name: str) -> npt.NDArray[Any]:
        """A contact column for the group's contacts (taken once, when an add-on first reads it)."""
        found = self.picked.get(name)
        if found is None:
            values = self.c[name]
            found = self.picked[name] = values if self.c_rows is None else values.take(self.c_rows)
        return found


def _place(
    target: _AddonResult, low: int, high: int, result: _AddonResult | None, rows: npt.NDArray[np.intp] | None
) -> None:
    """Write a chunk's ``result`` for its ``rows`` (``None``: all of them) into rows ``low:high`` of
    ``target``; the chunk's other rows get no claim and no window."""
    parts = [None if column is None else column[low:high] for column in target]
    values: list[npt.NDArray[Any] | None] = [None] * len(parts) if result is None else list(result)
    for part, value, empty in zip(parts, values, (0, _NO_CODE, _NO_CODE, NO_VALUE, NO_VALUE, NO_VALUE), strict=True):
        if part is None:
            continue
        if value is None or rows is not None:
            part.fill(empty)
        if value is not None:
            if rows is None:
                part[...] = value
            else:
                part[rows] = value


def _evaluate_chunk(
    low: int,
    high: int,
    kind_codes: npt.NDArray[np.int16],
    key: IntArray,
    minutes: IntArray,
    admitted: IntArray | None,
    extra: dict[str, npt.NDArray[Any]],
    c: dict[str, npt.NDArray[Any]],
    calendar: BusinessCalendar,
    options: HandoffOptions,
    results: dict[str, _AddonResult],
    total: Int32Array,
) -> None:
    """Judge the events of rows ``low:high`` (their columns, and their contacts numbered within the
    chunk, are given) and write their results into ``results`` and ``total``."""
    n = high - low
    done: set[str] = set()
    groups = _kind_rows(kind_codes)
    # The groups are disjoint and not empty: one covers every row only when it is the only one.
    single = len(groups) == 1 and next(iter(groups.values())).size == n
    c_kinds = None if single or not c["event"].size else kind_codes.take(c["event"])
    local = None if single else np.empty(n, dtype=np.intp)  # row -> position within its kind
    for kind_index, rows in groups.items():
        addons = _ADDONS_OF_KIND[kind_index]
        if local is not None:
            local[rows] = _ROW_NUMBERS[: rows.size] if rows.size <= _ROW_NUMBERS.size else np.arange(rows.size)
        if c_kinds is None:
            c_event, c_rows = c["event"], None
        else:
            assert local is not None  # contacts are split by kind only when the rows are
            c_rows = np.flatnonzero(c_kinds == kind_index)
            c_event = local.take(c["event"].take(c_rows))

        group = _Group(
            m=rows.size, event=c_event, c_rows=c_rows, c=c, picked={}, rows=None if single else rows, extra=extra
        )
        k = key if single else key.take(rows)
        kind_results = [_judge_addon(addon, group, k, minutes, admitted, calendar, options) for addon in addons]
        _exclusive(addons, kind_results)
        for addon, result in zip(addons, kind_results, strict=True):
            _place(results[addon.id], low, high, result, None if single else rows)
            done.add(addon.id)
    units = [results[a.id].units[low:high] for a in national_addons()]
    for addon in national_addons():
        if addon.id not in done:
            _place(results[addon.id], low, high, None, None)
    total[low:high] = units[0]
    for more in units[1:]:
        total[low:high] += more


def _kind_rows(kind_codes: npt.NDArray[np.int16]) -> dict[int, npt.NDArray[np.intp]]:
    """The rows of each event kind with an add-on present among ``kind_codes`` (ascending), by its position
    in EventKind: one comparison and one ``flatnonzero`` per kind (a stable sort by kind cost 3x as much)."""
    if not kind_codes.size:
        return {}
    lowest = int(kind_codes.min())
    if lowest == int(kind_codes.max()):  # one kind: two cheap passes
        return {lowest: np.arange(kind_codes.size)} if _ADDONS_OF_KIND.get(lowest) else {}
    out = {}
    for kind in _ADDONS_OF_KIND:
        rows = np.flatnonzero(kind_codes == kind)
        if rows.size:
            out[kind] = rows
    return out


_ADDONS_OF_KIND: dict[int, list[Addon]] = {}
for _addon in national_addons():
    _ADDONS_OF_KIND.setdefault(_EVENT_INDEX[_addon.event], []).append(_addon)


def _judge_addon(
    addon: Addon,
    g: _Group,
    key: IntArray,
    minutes: IntArray,
    admitted: IntArray | None,
    calendar: BusinessCalendar,
    options: HandoffOptions,
) -> _AddonResult:
    """``addon``'s result for the group's events (its windows gathered from its table by ``key``)."""
    table = window_table(addon, calendar, options)
    plan = _judge_plan(addon, options)
    shape = plan.shape
    revisions = len(addon.revisions)
    start, end, state = table.start32.take(key), table.end32.take(key), table.state.take(key)
    if table.missing and (end == _MISSING32).any():
        _raise_missing(addon, table, key, g.of_events(minutes), calendar, options)
    in_force = revisions * shape.slot  # states below it have a revision in force
    if addon.per_stay and options.discharge_window_starts_at_admission and admitted is not None:
        # The admission's day where one is given and a revision is in force: masks and the division on the
        # minutes (NaT is their lowest value), the days written into ``start`` (a fresh gather) in one pass.
        admitted_minutes = g.of_events(admitted)
        use = admitted_minutes != _NONE
        use &= state < in_force
        np.copyto(start, np.floor_divide(admitted_minutes, 1440), casting="unsafe", where=use)
    if g.event.size:
        level = np.zeros(g.m, dtype=np.intp)
        index = state.take(g.event)  # the contact's row in the table of parties: its event's slot ...
        if shape.stays > 1 and "stay_in" in g.extra:  # not given: every event's is unknown (row 0)
            index += plan.stay_row.take(g.of_events(g.extra["stay_in"]).take(g.event) + 1)  # ... place ...
        index += g.contacts("pair")  # ... and parties
        counted = np.flatnonzero(plan.party.take(index))
        event = g.event.take(counted)
        if plan.means is not None:
            level[event] = shape.level
            index = state.take(event)
            index += g.contacts("means").take(counted)
            ok = plan.means.take(index)
            counted, event = counted[ok], event[ok]
        level[event] = 2 * shape.level
        day = g.contacts("day").take(counted)
        inside = (day >= start.take(event)) & (day <= end.take(event))
        in_event = event[inside]
        level[in_event] = 3 * shape.level
        if plan.needs_conference:
            level[in_event[g.contacts("conference").take(counted)[inside]]] = 4 * shape.level
        state += level
        if shape.days and in_event.size:  # one count per event and day
            state += _distinct_days(in_event, day[inside], g.m, shape.most_days) * shape.days
    if shape.initial and "initial_addon" in g.extra:
        state += g.of_events(g.extra["initial_addon"])
    units, reason = plan.units.take(state), plan.reason.take(state)
    tier = plan.tier.take(state) if plan.tiered else None
    month = None
    if addon.per_stay and "service_start" in g.extra:  # not given: no claim month (None: filled so)
        service = g.of_events(g.extra["service_start"])
        known = (state < in_force) & (service != _NAT_DAY)
        month = np.where(known, _month_of_day().take(service + _SHIFT, mode="clip"), NO_VALUE)
    return _AddonResult(units, tier, reason, start, end, month)


def _distinct_days(event: npt.NDArray[np.intp], day: Int32Array, m: int, most: int) -> npt.NDArray[np.intp]:
    """Each of ``m`` events' count of distinct contact ``day``s, counted up to ``most``.

    ``event`` is ascending (contacts are kept in the order of their events), so each event's contacts are
    one run: up to 3 the count is found from each run's first and last day and whether a day lies strictly
    between them, with no sort (a sort of (event, day) pairs cost 3x as much).
    """
    if most > 3:
        first = int(day.min())
        span = int(day.max()) - first + 1
        pairs = np.unique(event * span + (day.astype(np.int64) - first))
        return np.minimum(np.bincount(pairs // span, minlength=m), most)
    new = np.empty(event.size, dtype=bool)
    new[0] = True
    np.not_equal(event[1:], event[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    low, high = np.minimum.reduceat(day, starts), np.maximum.reduceat(day, starts)
    count = (high > low).astype(np.intp)
    count += 1
    if most == 3:
        run = np.cumsum(new) - 1
        between = (day > low.take(run)) & (day < high.take(run))
        count += np.logical_or.reduceat(between, starts)
    out = np.zeros(m, dtype=np.intp)
    out[event.take(starts)] = np.minimum(count, most)
    return out


@cache
def _month_of_day() -> Int32Array:
    """Months since 1970-01 by day-table index (the days the calendar's tables cover)."""
    days = np.arange((LAST_DAY - FIRST_DAY).days + 1) - _SHIFT
    months: Int32Array = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int32)
    return months


def _exclusive(addons: list[Addon], results: list[_AddonResult]) -> None:
    """Within an exclusive group keep the claim with most units (the first in data order on a tie); the
    others become ``exclusive`` (in place). A claim loses to an earlier one with as many units or more,
    and to a later one with more."""
    losers: list[tuple[_AddonResult, BoolArray]] = []  # all found before any is changed
    for index, (addon, result) in enumerate(zip(addons, results, strict=True)):
        if not addon.exclusive_group:
            continue
        lost: BoolArray | None = None
        for other, (rival, rival_result) in enumerate(zip(addons, results, strict=True)):
            if other == index or rival.exclusive_group != addon.exclusive_group:
                continue
            beaten = rival_result.units >= result.units if other < index else rival_result.units > result.units
            lost = beaten if lost is None else lost | beaten
        if lost is not None:
            losers.append((result, lost & (result.units > 0)))
    for result, lost in losers:
        if lost.any():
            result.units[lost] = 0
            if result.tier is not None:
                result.tier[lost] = _NO_CODE
            result.reason[lost] = _reason(Reason.EXCLUSIVE)


def _days32(days: IntArray) -> Int32Array:
    """Epoch days as int32, ``NO_VALUE`` for NaT (the other values are checked to lie within the calendar's
    table)."""
    return np.maximum(days, NO_VALUE).astype(np.int32)


def _as_dates(values: Int32Array, unit: str) -> npt.NDArray[np.datetime64]:
    """int32 days or months (``NO_VALUE`` for none) as ``datetime64`` of ``unit`` (NaT for none)."""
    wide = values.astype(np.int64)
    wide[values == NO_VALUE] = _NONE
    return wide.view(f"datetime64[{unit}]")


def _month_text(month: npt.NDArray[np.datetime64]) -> npt.NDArray[Any]:
    """``YYYY-MM`` texts of months (``""`` for NaT), as objects."""
    text = np.full(month.shape, "", dtype=object)
    known = ~np.isnat(month)
    if known.any():
        text[known] = month[known].astype(str).astype(object)
    return text


def apply_caps_columns(out: dict[str, npt.NDArray[Any]], subject: npt.NDArray[Any], at: npt.NDArray[Any]) -> None:
    """Apply the monthly and per-stay caps to batch results ``out`` in place, as
    :func:`~zaitaku_core.handoff.apply_monthly_caps` does to verdicts: per subject and calendar month
    across an exclusive group (per subject and discharge day for a per-stay add-on), the claims with the
    most units are kept, the earlier on a tie, then the earlier row. ``at`` are the events' times (in any
    form the events' ``at`` column takes); ``out["units"]`` is recomputed if present.
    """
    minutes = _minutes(np.asarray(at))
    given = np.asarray(subject)
    if given.dtype.kind in "iu":  # subjects already numbered (the streaming engine numbers them in Arrow)
        subjects = given.astype(np.int64)
    else:
        subjects = np.unique(given.astype(str), return_inverse=True)[1].reshape(-1)
    month = minutes.view("datetime64[m]").astype("datetime64[M]").astype(np.int64)
    day = minutes // 1440
    groups: dict[str, list[Addon]] = {}
    for addon in national_addons():
        if addon.monthly_cap:
            groups.setdefault(addon.exclusive_group or addon.id, []).append(addon)
        elif addon.per_stay:
            groups.setdefault("stay:" + addon.id, []).append(addon)
    for key, members in groups.items():
        present = [a for a in members if f"{a.id}.units" in out]
        if not present:
            continue
        units = sum((out[f"{a.id}.units"] for a in present), np.zeros(len(minutes), dtype=np.int64))
        rows = np.flatnonzero(units > 0)
        if not rows.size:
            continue
        per_stay = key.startswith("stay:")
        period = (day if per_stay else month)[rows]
        order = np.lexsort((rows, minutes[rows], -units[rows], period, subjects[rows]))
        ranked, ranked_subject, ranked_period = rows[order], subjects[rows][order], period[order]
        first = np.ones(ranked.size, dtype=bool)
        first[1:] = (ranked_subject[1:] != ranked_subject[:-1]) | (ranked_period[1:] != ranked_period[:-1])
        group_start = np.maximum.accumulate(np.where(first, np.arange(ranked.size), 0))
        cap = 1 if per_stay else int(present[0].monthly_cap or 1)
        dropped = ranked[np.arange(ranked.size) - group_start >= cap]
        if not dropped.size:
            continue
        why = Reason.STAY_CAP.value if per_stay else Reason.MONTHLY_CAP.value
        for addon in present:
            hit = dropped[out[f"{addon.id}.units"][dropped] > 0]
            out[f"{addon.id}.units"][hit] = 0
            out[f"{addon.id}.claimable"][hit] = False
            coded = out[f"{addon.id}.reason"].dtype.kind == "i"
            out[f"{addon.id}.tier"][hit] = _NO_CODE if coded else ""
            out[f"{addon.id}.reason"][hit] = _REASONS.index(Reason.parse(why)) if coded else why
    if "units" in out:
        out["units"] = sum(
            (out[f"{a.id}.units"] for a in national_addons() if f"{a.id}.units" in out),
            np.zeros(len(minutes), dtype=np.int64),
        ).astype(out["units"].dtype, copy=False)


def _contact_columns(contacts: Any, n: int) -> dict[str, npt.NDArray[Any]]:
    if contacts is None:
        empty = np.zeros(0, dtype=np.int64)
        return {
            "event": empty,
            "day": np.zeros(0, dtype=np.int32),
            "pair": np.zeros(0, dtype=np.int16),
            "means": np.zeros(0, dtype=np.int16),
            "conference": np.zeros(0, dtype=bool),
        }
    columns = columns_of(contacts)
    for needed in ("event", "at", "to_party"):
        if needed not in columns:
            raise InputError(
                N_("the contacts need a column {column!r}; got {columns}"),
                values={"column": needed, "columns": sorted(columns)},
            )
    event = columns["event"].astype(np.int64, copy=False)  # read only
    if event.size and (event.min() < 0 or event.max() >= n):
        raise InputError(N_("a contact's 'event' must be the row number of an event"), values={})
    size = event.size
    unspecified = _MEANS.index(ContactMeans.UNSPECIFIED)
    means = _codes(columns["means"], ContactMeans) if "means" in columns else np.full(size, unspecified, np.int16)
    care_manager = _ACTORS.index(ActorKind.CARE_MANAGER)
    from_party = (
        _codes(columns["from_party"], ActorKind)
        if "from_party" in columns
        else np.full(size, care_manager, dtype=np.int16)
    )
    conference = _flags(columns["conference"], "conference") if "conference" in columns else np.zeros(size, bool)
    day = _minutes(columns["at"]) // 1440
    _check_days(day, check_contact_day)
    conference = conference | (means == _MEANS.index(ContactMeans.CONFERENCE))
    pair = from_party * np.int16(_PARTIES)  # int16 (parties² fits): less to gather and to fault in
    pair += _codes(columns["to_party"], ActorKind)
    means_and_conference = means * np.int16(2)
    means_and_conference += conference
    return {
        "event": event,
        "day": _days32(day),
        "pair": pair,
        "means": means_and_conference,
        "conference": conference,
    }
