"""Columnar evaluation: the same answers as :func:`~zaitaku_core.handoff.evaluate`, for millions of rows.

Events and contacts come as columns: a mapping of NumPy arrays (the only hard need), or an Arrow
table, a pandas or a polars data frame (read through ``to_numpy``; none of them is a dependency).
Windows are gathers from the calendar's day table by date ordinal; contacts are aggregated per event
with ``bincount``. Nothing is looped over per row, and the results equal the per-event API's (a property
test checks this on random events and calendars).

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

Result columns, for every national add-on ``A``: ``A.claimable`` (bool), ``A.units`` (int), ``A.tier``
and ``A.reason`` (codes, ``""`` for none), ``A.window_start`` / ``A.window_end`` (datetime64[D], NaT for
none), and for a per-stay add-on ``A.claim_month`` (``YYYY-MM`` or ``""``); and ``after_hours`` (bool)
and ``units`` (the sum of claimable units) per event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from zaitaku_core.calendar.business import FIRST_DAY, BusinessCalendar
from zaitaku_core.errors import CalendarRangeError, InputError
from zaitaku_core.framework import ActorKind, EventKind, LabeledEnum
from zaitaku_core.handoff.engine import (
    DEFAULT_OPTIONS,
    WINDOW_REACH,
    HandoffOptions,
    check_contact_day,
    check_event_day,
    window_days,
)
from zaitaku_core.handoff.model import STAY_PLACES, ContactMeans, Reason, japan_wall_time, parse_flag
from zaitaku_core.handoff.rules import Addon, Revision, national_addons

__all__ = ["TIERS", "apply_caps_columns", "batch_windows", "columns_of", "evaluate_batch"]

_EPOCH = date(1970, 1, 1).toordinal()
_BASE = FIRST_DAY.toordinal()
# Days are counted from 1970-01-01 (NumPy's datetime64[D]), so "no bound" is NaT's own integer and a result
# array becomes datetime64[D] by a free view. Table index = epoch day + _SHIFT.
_NONE = np.iinfo(np.int64).min
_SHIFT = _EPOCH - _BASE
_MARGIN = WINDOW_REACH  # the furthest a window reaches past its event day, in days (checked by a test)
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
    """Minutes since 1970-01-01 of Japanese wall time (NaT's integer for a missing value).

    Text with an offset (``…+09:00``, ``…Z``) is converted to Japanese wall time, as the per-event API
    does; only those cells are parsed one by one.
    """
    if values.dtype.kind == "M":
        return values.astype("datetime64[m]").astype(np.int64)
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
                    raise InputError(f"row {index}: not a date and time such as 2024-06-14T10:00") from None
                text[index] = japan_wall_time(moment).isoformat(timespec="minutes")
    return np.asarray(text, dtype="datetime64[m]").astype(np.int64)


def _flags(values: npt.NDArray[Any], name: str) -> BoolArray:
    """A yes/no column read strictly (:func:`~zaitaku_core.handoff.model.parse_flag`), one parse per value."""
    if values.dtype.kind == "b":
        return values.astype(bool)
    distinct, inverse = np.unique(values.astype(str), return_inverse=True)
    try:
        table = np.array([parse_flag(str(v)) for v in distinct], dtype=bool)
    except ValueError as error:
        raise InputError(f"column {name!r}: {error}") from None
    return table[inverse.reshape(values.shape)]


def _codes(values: npt.NDArray[Any], enum: type[LabeledEnum]) -> npt.NDArray[np.int16]:
    """Labels or codes as small integers (the member's position in ``enum``).

    One vectorised comparison per distinct value (there are a handful), so ten million rows cost a few
    passes in C instead of a sort or a Python loop.
    """
    members = list(enum)
    if values.dtype.kind in "iu":  # positions already (the Arrow path hands them over so)
        if values.size and (values.min() < 0 or values.max() >= len(members)):
            raise InputError(f"{enum.__name__} positions must lie in 0..{len(members) - 1}")
        return values.astype(np.int16)
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
    first_day, last_day = window_days(spec, options)
    end = day + (last_day - 1)
    start = np.full(day.shape, _NONE, dtype=np.int64) if spec.before_event else day + (first_day - 1)
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
                found = next_open[moved + _SHIFT].astype(np.int64)
                missing = extended & (found >= len(closed))
                if missing.any():  # as BusinessCalendar.next_business_day says it
                    first = date.fromordinal(int(moved[int(missing.argmax())]) + _EPOCH)
                    raise CalendarRangeError(f"no business day after {first.isoformat()} within the calendar's range")
                moved = found - _SHIFT
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
        _check_days(day, check_event_day)
    closed_day = calendar.arrays()["closed"][day + _SHIFT]
    return day, minutes % 1440, closed_day


def _check_days(day: IntArray, check: Any) -> None:
    """Run the per-event API's range ``check`` on the lowest and highest day (NaT ignored)."""
    known = day[day != _NONE // 1440]
    if known.size:
        for value in (int(known.min()), int(known.max())):
            # Days beyond what a date can hold are clipped to its ends: outside any table all the same.
            check(date.fromordinal(min(max(value + _EPOCH, 1), date.max.toordinal())))


def _in_force(revision: Revision, day: IntArray) -> BoolArray:
    mask = day >= revision.effective_from.toordinal() - _EPOCH
    if revision.effective_to is not None:
        mask &= day <= revision.effective_to.toordinal() - _EPOCH
    return mask


def _as_dates(days: IntArray) -> npt.NDArray[np.datetime64]:
    return days.view("datetime64[D]")  # _NONE is NaT's integer


_ACTORS = list(ActorKind)
_MEANS = list(ContactMeans)
_REASONS = list(Reason)
#: Every tier code of the national add-ons, sorted: ``A.tier`` with ``codes=True`` is a position in it.
TIERS: tuple[str, ...] = tuple(sorted({t.code for a in national_addons() for r in a.revisions for t in r.tiers}))
_TIER_TEXT = np.array(["", *TIERS], dtype=object)  # code + 1 -> text ("" for none)
_REASON_TEXT = np.array(["", *(r.value for r in _REASONS)], dtype=object)
_NO_CODE = np.int8(-1)
CodeArray = npt.NDArray[np.int8]


def _reason(member: Reason) -> int:
    return _REASONS.index(member)


def _party_table(addon: Addon, revision: Revision) -> BoolArray:
    """``table[stay + 1, party]``: whether ``party`` counts for an event whose place of stay is ``stay``
    (``-1``: unknown), as :meth:`Addon.allowed_parties` says."""
    table = np.zeros((len(_ACTORS) + 1, len(_ACTORS)), dtype=bool)
    for stay in (None, *STAY_PLACES):
        row = 0 if stay is None else _ACTORS.index(stay) + 1
        table[row, _index_of(addon.allowed_parties(revision, stay), ActorKind)] = True
    return table


def _judge_columns(
    addon: Addon,
    rows: BoolArray,
    revision_of_row: npt.NDArray[np.int64],
    start: IntArray,
    end: IntArray,
    contacts: dict[str, npt.NDArray[Any]],
    events: dict[str, npt.NDArray[Any]],
    n: int,
    options: HandoffOptions,
) -> tuple[npt.NDArray[np.int64], CodeArray, CodeArray]:
    """(units, tier code, reason code) of ``addon`` per event (-1: none), with the checks of the per-event
    ``_judge`` in its order (a reason set later here is one checked earlier there, so it wins)."""
    units = np.zeros(n, dtype=np.int64)
    tier = np.full(n, _NO_CODE, dtype=np.int8)
    reason = np.full(n, _NO_CODE, dtype=np.int8)
    event, c_day = contacts["event"], contacts["day"]
    senders = np.isin(np.arange(len(_ACTORS)), _index_of(addon.contact_from, ActorKind))
    stay_row = events["stay_in"][event] + 1
    for r_index, revision in enumerate(addon.revisions):
        mine = rows & (revision_of_row == r_index)
        if not mine.any():
            continue
        allowed = _party_table(addon, revision)
        c_mine = mine[event]
        forward = senders[contacts["from_party"]] & allowed[stay_row, contacts["to_party"]]
        if addon.either_direction:
            forward |= allowed[stay_row, contacts["from_party"]] & senders[contacts["to_party"]]
        qualifying = c_mine & forward
        any_q = np.bincount(event[qualifying], minlength=n) > 0
        means = addon.means_of(revision)
        if means:
            by_means = np.isin(contacts["means"], _index_of(means, ContactMeans))
            if "conference" in means:
                by_means |= contacts["conference"]
            if options.unrecorded_means_counts:
                by_means |= contacts["means"] == _MEANS.index(ContactMeans.UNSPECIFIED)
            qualifying &= by_means
        any_means = np.bincount(event[qualifying], minlength=n) > 0
        c_start, c_end = start[event], end[event]
        inside = qualifying & ((c_start == _NONE) | (c_day >= c_start)) & (c_day <= c_end)
        pairs = np.unique(event[inside] * 200_000 + (c_day[inside] + 100_000))  # one count per event and day
        days = np.bincount(pairs // 200_000, minlength=n)
        conference = np.bincount(event[inside & contacts["conference"]], minlength=n) > 0
        r_units = np.zeros(n, dtype=np.int64)
        r_tier = np.full(n, _NO_CODE, dtype=np.int8)
        r_reason = np.full(n, _NO_CODE, dtype=np.int8)
        if addon.not_with_initial_addon:
            r_reason[(days >= 1) & events["initial_addon"]] = _reason(Reason.INITIAL_ADDON)
        if revision.tiers:
            for t in sorted(revision.tiers, key=lambda t: t.units):  # ascending: the best tier wins last
                ok = (days >= t.min_contacts) & (conference | (not t.conference))
                better = ok & (t.units > r_units)
                r_units[better] = t.units
                r_tier[better] = TIERS.index(t.code)
        else:
            claim = days >= 1
            if addon.requires_24h_contact_system and not options.office_has_24h_contact_system:
                r_reason[claim] = _reason(Reason.NEEDS_24H_SYSTEM)
            r_reason[claim & (days < addon.min_contact_days)] = _reason(Reason.TOO_FEW_CONTACTS)
            if addon.conference_required:
                r_reason[claim & ~conference] = _reason(Reason.NEEDS_CONFERENCE)
            r_units[claim] = revision.units
        r_reason[days == 0] = _reason(Reason.OUTSIDE_WINDOW)
        if means:
            r_reason[~any_means] = _reason(Reason.WRONG_MEANS)
        r_reason[~any_q] = _reason(Reason.NO_CONTACT)
        refused = r_reason >= 0
        r_units[refused] = 0
        r_tier[refused] = _NO_CODE
        units[mine], tier[mine], reason[mine] = r_units[mine], r_tier[mine], r_reason[mine]
    return units, tier, reason


def _event_columns(columns: dict[str, npt.NDArray[Any]], n: int) -> dict[str, npt.NDArray[Any]]:
    """The optional event columns as arrays: stay place codes (-1 unknown), service start day, 初回加算."""
    stay = np.full(n, -1, dtype=np.int16)
    if "stay_in" in columns and columns["stay_in"].dtype.kind in "iu":  # positions, -1 unknown (Arrow path)
        stay = columns["stay_in"].astype(np.int16)
    elif "stay_in" in columns:
        text = np.char.strip(columns["stay_in"].astype(str))
        given = (text != "") & (text != "None")
        if given.any():
            codes = _codes(text[given], ActorKind)
            places = _index_of(tuple(p.value for p in STAY_PLACES), ActorKind)
            if not np.isin(codes, places).all():
                raise InputError(f"stay_in must be one of {', '.join(p.value for p in STAY_PLACES)}")
            stay[given] = codes
    service_start = np.full(n, _NONE // 1440, dtype=np.int64)
    if "service_start" in columns:
        service_start = _minutes(columns["service_start"]) // 1440
        _check_days(service_start, check_contact_day)
    initial = _flags(columns["initial_addon"], "initial_addon") if "initial_addon" in columns else np.zeros(n, bool)
    return {"stay_in": stay, "service_start": service_start, "initial_addon": initial}


def _not_in_force_reason(addon: Addon, day: IntArray) -> CodeArray:
    """``not_modelled`` where the add-on existed before its earliest modelled revision, else ``not_in_force``."""
    modelled: BoolArray = day < addon.modelled_from.toordinal() - _EPOCH
    if addon.introduced is not None:
        modelled &= day >= addon.introduced.toordinal() - _EPOCH
    reasons: CodeArray = np.where(modelled, _reason(Reason.NOT_MODELLED), _reason(Reason.NOT_IN_FORCE)).astype(np.int8)
    return reasons


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

    Each add-on is judged only on the rows of its event kind, in small-integer codes. With ``codes``,
    ``A.tier`` and ``A.reason`` stay codes (``int8``: a position in ``zaitaku_core.handoff.batch.TIERS`` or in
    :class:`~zaitaku_core.handoff.Reason`, ``-1`` for none), as the Arrow path writes them
    (dictionary-encoded); otherwise they are texts.

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
            raise InputError(f"the events need a column {needed!r}; got {sorted(columns)}")
    n = len(columns["at"])
    kind_codes = _codes(columns["kind"], EventKind)
    day, minute_of_day, closed_day = _days(columns["at"], calendar)
    admitted = columns.get("admitted_at")
    admitted_day = _minutes(admitted) // 1440 if admitted is not None else None
    if admitted_day is not None:
        _check_days(admitted_day, check_contact_day)
    extra = _event_columns(columns, n)
    c = _contact_columns(contacts, n)
    out: dict[str, npt.NDArray[Any]] = {"after_hours": closed_day | (minute_of_day >= calendar.closes_minute)}
    group_best: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
    results: list[tuple[Addon, npt.NDArray[np.int64], CodeArray, CodeArray]] = []
    present = np.bincount(kind_codes, minlength=len(_EVENT_INDEX))
    kind_rows = {kind: np.flatnonzero(kind_codes == index) for kind, index in _EVENT_INDEX.items() if present[index]}
    for addon in national_addons():
        idx = kind_rows.get(addon.event, np.zeros(0, dtype=np.int64))
        units, tier, reason, start, end, month = _judge_kind(
            addon, idx, n, day, minute_of_day, closed_day, admitted_day, c, extra, calendar, options
        )
        out[f"{addon.id}.window_start"], out[f"{addon.id}.window_end"] = _as_dates(start), _as_dates(end)
        if month is not None:
            out[f"{addon.id}.claim_month"] = month
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
            tier = np.where(lost, _NO_CODE, tier)
            reason = np.where(lost, np.int8(_reason(Reason.EXCLUSIVE)), reason)
        out[f"{addon.id}.claimable"] = units > 0
        out[f"{addon.id}.units"] = units
        out[f"{addon.id}.tier"] = tier
        out[f"{addon.id}.reason"] = reason
    if monthly_caps and "subject" in columns:
        apply_caps_columns(out, columns["subject"], (day * 1440 + minute_of_day).view("datetime64[m]"))
    out["units"] = sum((out[f"{a.id}.units"] for a in national_addons()), np.zeros(n, dtype=np.int64))
    if not codes:
        for addon in national_addons():
            out[f"{addon.id}.tier"] = _TIER_TEXT[out[f"{addon.id}.tier"].astype(np.int64) + 1]
            out[f"{addon.id}.reason"] = _REASON_TEXT[out[f"{addon.id}.reason"].astype(np.int64) + 1]
    return out


def _judge_kind(
    addon: Addon,
    idx: npt.NDArray[np.int64],
    n: int,
    day: IntArray,
    minute_of_day: IntArray,
    closed_day: BoolArray,
    admitted_day: IntArray | None,
    c: dict[str, npt.NDArray[Any]],
    extra: dict[str, npt.NDArray[Any]],
    calendar: BusinessCalendar,
    options: HandoffOptions,
) -> tuple[npt.NDArray[np.int64], CodeArray, CodeArray, IntArray, IntArray, npt.NDArray[Any] | None]:
    """(units, tier, reason, window start, window end, claim month) of ``addon`` for all ``n`` rows,
    judged only on the rows ``idx`` of its event kind (with their contacts); the others get none."""
    units = np.zeros(n, dtype=np.int64)
    tier = np.full(n, _NO_CODE, dtype=np.int8)
    reason = np.full(n, _NO_CODE, dtype=np.int8)
    start = np.full(n, _NONE, dtype=np.int64)
    end = np.full(n, _NONE, dtype=np.int64)
    month: npt.NDArray[Any] | None = np.full(n, "", dtype=object) if addon.per_stay else None
    m = idx.size
    if m == 0:
        return units, tier, reason, start, end, month
    mine = np.ones(m, dtype=bool)
    sub_day = day[idx]
    s, e, revision_of_row = _revision_windows(
        addon, mine, sub_day, minute_of_day[idx], closed_day[idx], calendar, options
    )
    if addon.per_stay and options.discharge_window_starts_at_admission and admitted_day is not None:
        known = (revision_of_row >= 0) & (admitted_day[idx] != _NONE // 1440)
        s = np.where(known, admitted_day[idx], s)
    position = np.full(n, -1, dtype=np.int64)
    position[idx] = np.arange(m)
    keep = np.flatnonzero(position[c["event"]] >= 0)
    sub_contacts = {name: values[keep] for name, values in c.items()}
    sub_contacts["event"] = position[c["event"][keep]]
    sub_extra = {name: values[idx] for name, values in extra.items()}
    r_units, r_tier, r_reason = _judge_columns(addon, mine, revision_of_row, s, e, sub_contacts, sub_extra, m, options)
    not_in_force = revision_of_row < 0
    if not_in_force.any():
        r_reason = np.where(not_in_force, _not_in_force_reason(addon, sub_day), r_reason)
    units[idx], tier[idx], reason[idx], start[idx], end[idx] = r_units, r_tier, r_reason, s, e
    if month is not None:
        service = sub_extra["service_start"]
        known = (revision_of_row >= 0) & (service != _NONE // 1440)
        if known.any():
            rows = idx[known]
            month[rows] = service[known].view("datetime64[D]").astype("datetime64[M]").astype(str).astype(object)
    return units, tier, reason, start, end, month


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
        )


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
    return {
        "event": event,
        "day": day,
        "from_party": from_party,
        "to_party": _codes(columns["to_party"], ActorKind),
        "means": means,
        "conference": conference | (means == _MEANS.index(ContactMeans.CONFERENCE)),
    }
