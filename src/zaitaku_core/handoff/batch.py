"""Columnar evaluation: the same answers as :func:`~zaitaku_core.handoff.evaluate`, for millions of rows.

Events and contacts come as columns: a mapping of NumPy arrays (the only hard need), or an Arrow
table, a pandas or a polars data frame (read through ``to_numpy``; none of them is a dependency).
Windows are gathers from the calendar's day table by date ordinal; contacts are aggregated per event
with ``bincount``. Nothing is looped over per row, and the results equal the per-event API's (a property
test checks this on random events and calendars).

Event columns: ``kind`` (event kind codes), ``at`` (datetime64, ISO strings or datetimes), optionally
``admitted_at``. Contact columns: ``event`` (row number of the event), ``at``, ``from_party``,
``to_party``, optionally ``means`` and ``conference``.

Result columns, for every national add-on ``A``: ``A.claimable`` (bool), ``A.units`` (int), ``A.tier``
and ``A.reason`` (codes, ``""`` for none), ``A.window_start`` / ``A.window_end`` (datetime64[D], NaT for
none); and ``after_hours`` (bool) and ``units`` (the sum of claimable units) per event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from zaitaku_core.calendar.business import FIRST_DAY, BusinessCalendar
from zaitaku_core.errors import CalendarRangeError, InputError
from zaitaku_core.framework import ActorKind, EventKind, LabeledEnum
from zaitaku_core.handoff.engine import DEFAULT_OPTIONS, HandoffOptions
from zaitaku_core.handoff.model import ContactMeans, Reason
from zaitaku_core.handoff.rules import Addon, Revision, national_addons

__all__ = ["batch_windows", "columns_of", "evaluate_batch"]

_EPOCH = date(1970, 1, 1).toordinal()
_BASE = FIRST_DAY.toordinal()
# Days are counted from 1970-01-01 (NumPy's datetime64[D]), so "no bound" is NaT's own integer and a result
# array becomes datetime64[D] by a free view. Table index = epoch day + _SHIFT.
_NONE = np.iinfo(np.int64).min
_SHIFT = _EPOCH - _BASE
_MARGIN = 21  # the furthest a window reaches past its event day, in days (checked by a test)
_EVENT_INDEX = {kind: index for index, kind in enumerate(EventKind)}

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def columns_of(table: Any) -> dict[str, npt.NDArray[Any]]:
    """The columns of ``table`` as NumPy arrays: a mapping, an Arrow table, a pandas or polars frame."""
    if isinstance(table, Mapping):
        names = list(table.keys())
    elif hasattr(table, "column_names"):
        names = list(table.column_names)
    elif hasattr(table, "columns"):
        names = [str(name) for name in table.columns]
    else:
        raise InputError(f"expected columns (a mapping of arrays or a data frame), got {type(table).__name__}")
    out = {}
    for name in names:
        column = table[name]
        out[str(name)] = np.asarray(column.to_numpy() if hasattr(column, "to_numpy") else column)
    return out


def _minutes(values: npt.NDArray[Any]) -> IntArray:
    if values.dtype.kind == "M":
        return values.astype("datetime64[m]").astype(np.int64)
    return np.asarray(values.astype(str), dtype="datetime64[m]").astype(np.int64)


def _codes(values: npt.NDArray[Any], enum: type[LabeledEnum]) -> npt.NDArray[np.int16]:
    """Labels or codes as small integers (the member's position in ``enum``).

    One vectorised comparison per distinct value (there are a handful), so ten million rows cost a few
    passes in C instead of a sort or a Python loop.
    """
    members = list(enum)
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


def _window_arrays(
    revision: Revision,
    day: IntArray,
    minute_of_day: IntArray,
    closed_day: BoolArray,
    calendar: BusinessCalendar,
    options: HandoffOptions,
) -> tuple[IntArray, IntArray]:
    """Window bounds (epoch days; ``_NONE`` for none) of ``revision`` for events on ``day``."""
    tables = calendar.arrays()
    closed, next_open = tables["closed"], tables["next_open"]
    spec = revision.window
    end = day + (spec.last_day - 1)
    start = np.full(day.shape, _NONE, dtype=np.int64) if spec.before_event else day + (spec.first_day - 1)
    if spec.extend is not None:
        after_closing = ~closed_day & (minute_of_day >= calendar.closes_minute)
        if spec.extend.when == "after_hours":
            extended = after_closing | closed_day
        else:  # "after_hours_last_day_closed"
            late = after_closing | (closed_day & options.after_hours_includes_closed_day)
            extended = late & closed[end + _SHIFT]
        moved = end
        for _ in range(spec.extend.days):
            moved = moved + 1
            if options.extension_unit == "business_day":
                moved = next_open[moved + _SHIFT].astype(np.int64) - _SHIFT
        end = np.where(extended, moved, end)
    return start, end


def _revision_windows(
    addon: Addon,
    rows: BoolArray,
    day: IntArray,
    minute_of_day: IntArray,
    closed_day: BoolArray,
    calendar: BusinessCalendar,
    options: HandoffOptions,
) -> tuple[IntArray, IntArray, npt.NDArray[np.int64]]:
    """(start, end, revision index or -1) of ``addon`` for every row; rows of other kinds get ``_NONE``."""
    masks = [rows & _in_force(revision, day) for revision in addon.revisions]
    for r_index, mask in enumerate(masks):
        if mask.all():  # the common case: one revision for every row, no copying
            s, e = _window_arrays(addon.revisions[r_index], day, minute_of_day, closed_day, calendar, options)
            return s, e, np.full(day.shape, r_index, dtype=np.int64)
    start = np.full(day.shape, _NONE, dtype=np.int64)
    end = np.full(day.shape, _NONE, dtype=np.int64)
    revision_of_row = np.full(day.shape, -1, dtype=np.int64)
    for r_index, (revision, mask) in enumerate(zip(addon.revisions, masks, strict=True)):
        if mask.any():
            s, e = _window_arrays(revision, day[mask], minute_of_day[mask], closed_day[mask], calendar, options)
            start[mask], end[mask], revision_of_row[mask] = s, e, r_index
    return start, end, revision_of_row


def batch_windows(
    kinds: npt.NDArray[Any],
    at: npt.NDArray[Any],
    calendar: BusinessCalendar | None = None,
    options: HandoffOptions = DEFAULT_OPTIONS,
) -> dict[str, npt.NDArray[Any]]:
    """The window of the national add-ons for columns of events (``A.window_start``/``A.window_end``).

    Only the add-ons of event kinds present in ``kinds`` get columns (memory stays proportional to need).
    """
    calendar = calendar or BusinessCalendar.government()
    kind_codes = _codes(np.asarray(kinds), EventKind)
    present = np.bincount(kind_codes, minlength=len(_EVENT_INDEX)) > 0
    day, minute_of_day, closed_day = _days(np.asarray(at), calendar)
    out: dict[str, npt.NDArray[Any]] = {}
    for addon in national_addons():
        if not present[_EVENT_INDEX[addon.event]]:
            continue
        rows = kind_codes == _EVENT_INDEX[addon.event]
        start, end, _ = _revision_windows(addon, rows, day, minute_of_day, closed_day, calendar, options)
        out[f"{addon.id}.window_start"], out[f"{addon.id}.window_end"] = _as_dates(start), _as_dates(end)
    return out


def _days(at: npt.NDArray[Any], calendar: BusinessCalendar) -> tuple[IntArray, IntArray, BoolArray]:
    """(epoch day, minute of the day, office closed that day) for every event time.

    Raises:
        CalendarRangeError: an event so near the ends of the day table that its windows would leave it.
    """
    minutes = _minutes(at)
    day = minutes // 1440
    if day.size:
        low, high = int(day.min()) + _SHIFT, int(day.max()) + _SHIFT
        if low < _MARGIN or high >= len(calendar.arrays()["closed"]) - _MARGIN:
            raise CalendarRangeError(
                f"events must lie between {date.fromordinal(_BASE + _MARGIN)} and "
                f"{date.fromordinal(_BASE + len(calendar.arrays()['closed']) - _MARGIN - 1)}"
            )
    closed_day = calendar.arrays()["closed"][day + _SHIFT]
    return day, minutes % 1440, closed_day


def _in_force(revision: Revision, day: IntArray) -> BoolArray:
    mask = day >= revision.effective_from.toordinal() - _EPOCH
    if revision.effective_to is not None:
        mask &= day <= revision.effective_to.toordinal() - _EPOCH
    return mask


def _as_dates(days: IntArray) -> npt.NDArray[np.datetime64]:
    return days.view("datetime64[D]")  # _NONE is NaT's integer


def _judge_columns(
    addon: Addon,
    rows: BoolArray,
    revision_of_row: npt.NDArray[np.int64],
    start: IntArray,
    end: IntArray,
    contacts: dict[str, npt.NDArray[Any]],
    n: int,
    options: HandoffOptions,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[Any]]:
    units = np.zeros(n, dtype=np.int64)
    tier = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    event, c_day = contacts["event"], contacts["day"]
    for r_index, revision in enumerate(addon.revisions):
        mine = rows & (revision_of_row == r_index)
        if not mine.any():
            continue
        c_mine = mine[event]
        qualifying = c_mine & np.isin(contacts["from_party"], _index_of(addon.contact_from, ActorKind))
        qualifying &= np.isin(contacts["to_party"], _index_of(addon.parties_to(revision), ActorKind))
        any_q = np.bincount(event[qualifying], minlength=n) > 0
        if addon.means:
            qualifying &= np.isin(contacts["means"], _index_of(addon.means, ContactMeans))
        any_means = np.bincount(event[qualifying], minlength=n) > 0
        c_start, c_end = start[event], end[event]
        inside = qualifying & ((c_start == _NONE) | (c_day >= c_start)) & (c_day <= c_end)
        pairs = np.unique(event[inside] * 200_000 + (c_day[inside] + 100_000))  # one count per event and day
        days = np.bincount(pairs // 200_000, minlength=n)
        conference = np.bincount(event[inside & contacts["conference"]], minlength=n) > 0
        r_units = np.zeros(n, dtype=np.int64)
        r_tier = np.full(n, "", dtype=object)
        r_reason = np.full(n, "", dtype=object)
        if revision.tiers:
            for t in sorted(revision.tiers, key=lambda t: t.units):  # ascending: the best tier wins last
                ok = (days >= t.min_contacts) & (conference | (not t.conference))
                better = ok & (t.units > r_units)
                r_units = np.where(better, t.units, r_units)
                r_tier = np.where(better, t.code, r_tier)
        else:
            claim = days >= 1
            if addon.conference_required:
                r_reason = np.where(claim & ~conference, Reason.NEEDS_CONFERENCE.value, r_reason)
                claim &= conference
            too_few = claim & (days < addon.min_contact_days)
            r_reason = np.where(too_few, Reason.TOO_FEW_CONTACTS.value, r_reason)
            claim &= ~too_few
            if addon.requires_24h_contact_system and not options.office_has_24h_contact_system:
                r_reason = np.where(claim, Reason.NEEDS_24H_SYSTEM.value, r_reason)
                claim &= False
            r_units = np.where(claim, revision.units, 0)
        r_reason = np.where(days == 0, Reason.OUTSIDE_WINDOW.value, r_reason)
        if addon.means:
            r_reason = np.where(~any_means, Reason.WRONG_MEANS.value, r_reason)
        r_reason = np.where(~any_q, Reason.NO_CONTACT.value, r_reason)
        r_units = np.where(r_reason == "", r_units, 0)
        r_tier = np.where(r_reason == "", r_tier, "")
        units[mine], tier[mine], reason[mine] = r_units[mine], r_tier[mine], r_reason[mine]
    return units, tier, reason


def evaluate_batch(
    events: Any,
    contacts: Any = None,
    *,
    calendar: BusinessCalendar | None = None,
    options: HandoffOptions = DEFAULT_OPTIONS,
) -> dict[str, npt.NDArray[Any]]:
    """Evaluate columns of events with their contacts; see the module documentation for the columns.

    Monthly caps are not applied here (they depend on a subject's other events): use
    :func:`~zaitaku_core.handoff.apply_monthly_caps` on the per-event results where needed.

    Raises:
        InputError: a missing column, an unknown event kind or party, or a contact naming no event.
    """
    calendar = calendar or BusinessCalendar.government()
    columns = columns_of(events)
    for needed in ("kind", "at"):
        if needed not in columns:
            raise InputError(f"the events need a column {needed!r}; got {sorted(columns)}")
    n = len(columns["at"])
    kind_codes = _codes(columns["kind"], EventKind)
    day, minute_of_day, closed_day = _days(columns["at"], calendar)
    admitted = columns.get("admitted_at")
    admitted_day = _minutes(admitted) // 1440 if admitted is not None else None
    c = _contact_columns(contacts, n)
    out: dict[str, npt.NDArray[Any]] = {"after_hours": closed_day | (minute_of_day >= calendar.closes_minute)}
    total = np.zeros(n, dtype=np.int64)
    group_best: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
    results: list[tuple[Addon, npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[Any]]] = []
    for addon in national_addons():
        rows = kind_codes == _EVENT_INDEX[addon.event]
        start, end, revision_of_row = _revision_windows(addon, rows, day, minute_of_day, closed_day, calendar, options)
        if addon.per_stay and options.discharge_window_starts_at_admission and admitted_day is not None:
            known = (revision_of_row >= 0) & (
                columns["admitted_at"].astype("datetime64[m]") == columns["admitted_at"].astype("datetime64[m]")
            )
            start = np.where(known, admitted_day, start)
        units, tier, reason = _judge_columns(addon, rows, revision_of_row, start, end, c, n, options)
        reason = np.where(rows & (revision_of_row < 0), Reason.NOT_IN_FORCE.value, reason)
        out[f"{addon.id}.window_start"], out[f"{addon.id}.window_end"] = _as_dates(start), _as_dates(end)
        results.append((addon, units, tier, reason))
        if addon.exclusive_group:
            best_units, best_index = group_best.get(
                addon.exclusive_group, (np.zeros(n, dtype=np.int64), np.full(n, -1, dtype=np.int64))
            )
            better = units > best_units
            group_best[addon.exclusive_group] = (
                np.where(better, units, best_units),
                np.where(better, len(results) - 1, best_index),
            )
    for index, (addon, units, tier, reason) in enumerate(results):
        if addon.exclusive_group:
            _, best_index = group_best[addon.exclusive_group]
            lost = (units > 0) & (best_index != index)
            units = np.where(lost, 0, units)
            tier = np.where(lost, "", tier)
            reason = np.where(lost, Reason.EXCLUSIVE.value, reason)
        out[f"{addon.id}.claimable"] = units > 0
        out[f"{addon.id}.units"] = units
        out[f"{addon.id}.tier"] = tier
        out[f"{addon.id}.reason"] = reason
        total += units
    out["units"] = total
    return out


def _contact_columns(contacts: Any, n: int) -> dict[str, npt.NDArray[Any]]:
    if contacts is None:
        empty = np.zeros(0, dtype=np.int64)
        no_codes = np.zeros(0, dtype=np.int16)
        return {
            "event": empty,
            "day": empty,
            "from_party": no_codes,
            "to_party": no_codes,
            "means": no_codes,
            "conference": np.zeros(0, dtype=bool),
        }
    columns = columns_of(contacts)
    for needed in ("event", "at", "to_party"):
        if needed not in columns:
            raise InputError(f"the contacts need a column {needed!r}; got {sorted(columns)}")
    event = columns["event"].astype(np.int64)
    if event.size and (event.min() < 0 or event.max() >= n):
        raise InputError("a contact's 'event' must be the row number of an event")
    size = event.size
    unspecified = list(ContactMeans).index(ContactMeans.UNSPECIFIED)
    means = _codes(columns["means"], ContactMeans) if "means" in columns else np.full(size, unspecified, np.int16)
    care_manager = list(ActorKind).index(ActorKind.CARE_MANAGER)
    from_party = (
        _codes(columns["from_party"], ActorKind)
        if "from_party" in columns
        else np.full(size, care_manager, dtype=np.int16)
    )
    conference = columns["conference"].astype(bool) if "conference" in columns else np.zeros(size, dtype=bool)
    return {
        "event": event,
        "day": _minutes(columns["at"]) // 1440,
        "from_party": from_party,
        "to_party": _codes(columns["to_party"], ActorKind),
        "means": means,
        "conference": conference | (means == list(ContactMeans).index(ContactMeans.CONFERENCE)),
    }
