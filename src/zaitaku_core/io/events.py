"""The handoff engine's input tables (events, contacts) read from CSV or Parquet into checked, typed Arrow.

Column names may be the codes below or their Japanese aliases (:data:`EVENT_COLUMNS`,
:data:`CONTACT_COLUMNS`). Every cell is parsed column-wise in Arrow's C kernels, and bounded:

* dates and times as Japanese users type them — ``2024-06-14T10:00``, ``2024-06-14 10:00``,
  ``2024/6/14 10:00``, ``令和6年6月14日 10:00`` (also ``R6.6.14``, ``平成31年4月1日``, ``元年``), full-width
  digits too; with an offset (``+09:00``, ``Z``) the time is converted to Japan time, as the per-event API
  does; years 1900–2100, and an event's time within the business-day tables;
* event kinds, parties and means by code or Japanese label; a blank means is "unspecified";
* conference and initial_addon as a strict yes/no (``1``/``0``, ``true``/``false``, ``はい``/``いいえ`` …;
  blank is no), the texts of :func:`~zaitaku_core.handoff.model.parse_flag`;
* stay_in as one of the places of stay (hospital, clinic …; blank: unknown);
* subjects as opaque ids only: no control characters, nothing that looks like a phone number.

A bad cell raises :class:`~zaitaku_core.errors.InputError` naming the file, the line (the row of a Parquet
file) and the column — never the value, which may be personal data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from zaitaku_core.calendar.business import FIRST_DAY, LAST_DAY
from zaitaku_core.errors import FrameworkCodeError, InputError
from zaitaku_core.framework import ActorKind, EventKind, LabeledEnum
from zaitaku_core.handoff.engine import EVENT_RANGE
from zaitaku_core.handoff.model import FALSE_TEXTS, STAY_PLACES, TRUE_TEXTS, Contact, ContactMeans, Event
from zaitaku_core.i18n import N_, ByLanguage

__all__ = [
    "CONTACT_COLUMNS",
    "CONTACT_REQUIRED",
    "EVENT_COLUMNS",
    "EVENT_REQUIRED",
    "NESTED_CONTACTS",
    "BadCell",
    "TableSource",
    "contact_columns",
    "enum_dictionary",
    "event_columns",
    "nested_contacts",
    "open_table",
    "parse_moment",
    "read_contacts",
    "read_events",
    "typed_nested_contacts",
]


def _labelled(model: type[Event] | type[Contact], aliases: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Each column's accepted header names: the field's Japanese label (its ``title`` in the model, the one
    place it is written) and the other names people use for it."""
    return {name: (str(model.model_fields[name].title), *others) for name, others in aliases.items()}


#: Event columns: code -> Japanese (and other) header names accepted for it.
EVENT_COLUMNS: dict[str, tuple[str, ...]] = _labelled(
    Event,
    {
        "subject": ("対象者ID", "利用者", "利用者ID"),
        "kind": ("事象", "イベント"),
        "at": ("発生日時",),
        "admitted_at": ("入院日",),
        "stay_in": ("入所先",),
        "service_start": ("利用開始日",),
        "initial_addon": (),
    },
)
EVENT_REQUIRED = ("kind", "at")
#: Contact columns: code -> header names accepted for it (``event``, the row number of the contact's event in
#: the events table, is a column of the table only).
CONTACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "event": ("事象番号", "イベント番号"),
    **_labelled(
        Contact,
        {
            "at": ("日時",),
            "from_party": (),
            "to_party": ("相手",),
            "means": ("方法",),
            "conference": ("会議",),
        },
    ),
}
CONTACT_REQUIRED = ("event", "at", "to_party")

# One pattern for every accepted form, read after NFKC (full-width digits and signs become ASCII).
_MOMENT = (
    r"^(?P<era>令和|平成|昭和|R|H|S|r|h|s)?(?P<y>\d{1,4}|元)(?:[-/.]|年)(?P<mo>\d{1,2})(?:[-/.]|月)(?P<d>\d{1,2})日?"
    r"(?:(?:T|\s+)(?P<h>\d{1,2})(?::|時)(?P<mi>\d{1,2})分?(?::(?P<s>\d{1,2})(?:\.\d{1,9})?)?)?"
    r"(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2}))?$"
)
# Era name -> (year offset, first day, last day) as epoch days.
_ERAS = {
    "令和": (2018, "2019-05-01", "2100-12-31"),
    "平成": (1988, "1989-01-08", "2019-04-30"),
    "昭和": (1925, "1926-12-25", "1989-01-07"),
}
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和"}
_YEARS = (1900, 2100)
_SUBJECT = r"^[A-Za-z0-9_.:\-]{1,64}$"
# Japanese phone numbers as people write them: 090-1234-5678, 03-1234-5678, 0312345678, +81-90-1234-5678.
_PHONE = r"^(?:\+?81[-.]?|0)\d{1,4}[-.]\d{1,4}[-.]\d{3,4}$|^0\d{9,10}$|^\+81\d{9,10}$"
_CONTROL = r"[\x00-\x1f\x7f\x{0080}-\x{009f}\x{2028}\x{2029}]"
_TRUE = tuple(sorted(TRUE_TEXTS))
_FALSE = tuple(sorted(FALSE_TEXTS))
_MOMENT_FORMS = "2024-06-14 10:00, 2024/06/14 10:00, 令和6年6月14日 10:00"
_DAY = 86_400


class BadCell(Exception):  # noqa: N818 - an internal signal, turned into an InputError with the file's place
    """A cell that cannot be read: ``row`` in its batch, the ``column``, and what is wrong (never the value): a
    catalogue message and its ``values``."""

    def __init__(self, row: int, column: str, what: str, **values: object) -> None:
        self.row, self.column, self.what, self.values = row, column, what, values
        super().__init__(what)


#: A cell left blank where a value is needed.
_EMPTY = N_("empty")


def _first(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.argmax(mask))


def _check(mask: pa.Array | npt.NDArray[np.bool_], column: str, what: str, **values: object) -> None:
    bad = mask if isinstance(mask, np.ndarray) else np.asarray(mask.fill_null(True).to_numpy(zero_copy_only=False))
    if bad.any():
        raise BadCell(_first(bad), column, what, **values)


def _text(values: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if pa.types.is_large_string(values.type):
        values = values.cast(pa.string())
    return values.fill_null("")


def _normalized(values: pa.Array) -> pa.Array:
    return pc.utf8_trim_whitespace(pc.utf8_normalize(_text(values), "NFKC"))


def enum_dictionary(enum: type[LabeledEnum]) -> pa.Array:
    """The dictionary of an enum column: the members' codes, in the enum's order (index = member position)."""
    return pa.array([member.value for member in enum], pa.string())


def _enum_column(
    values: pa.Array,
    enum: type[LabeledEnum],
    column: str,
    default: LabeledEnum | None = None,
    *,
    blank_is_null: bool = False,
    allowed: tuple[LabeledEnum, ...] | None = None,
) -> Any:
    """Codes or labels of ``enum`` as a dictionary array over :func:`enum_dictionary` (int8 indices); a
    blank is ``default``, or null with ``blank_is_null``; ``allowed`` limits the members."""
    if not (
        pa.types.is_string(values.type) or pa.types.is_large_string(values.type) or pa.types.is_dictionary(values.type)
    ):
        raise BadCell(0, column, N_("must be text ({enum} codes or labels)"), enum=enum.__name__)
    encoded = pc.dictionary_encode(_normalized(values))
    members = list(enum)
    position = np.empty(len(encoded.dictionary), dtype=np.int8)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    for index, value in enumerate(encoded.dictionary.to_pylist()):
        try:
            if value == "" and blank_is_null:
                position[index] = -1
            elif value == "":
                if default is None:
                    raise BadCell(_first(indices == index), column, _EMPTY)
                position[index] = members.index(default)
            else:
                member = enum.parse(value)
                if allowed is not None and member not in allowed:
                    raise FrameworkCodeError(value)
                position[index] = members.index(member)
        except FrameworkCodeError:
            known = ", ".join(f"{m.value}（{m.ja}）" for m in (allowed or members))  # what to type, either way
            raise BadCell(
                _first(indices == index),
                column,
                N_("unknown {enum} (expected: {known})"),
                enum=enum.__name__,
                known=known,
            ) from None
    codes = position[indices]
    missing = codes < 0
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int8(), mask=missing if missing.any() else None), enum_dictionary(enum)
    )


def _int(values: pa.Array, name: str) -> npt.NDArray[np.int64]:
    return np.asarray(pc.cast(pc.if_else(pc.equal(values, ""), "0", values), pa.int64()).to_numpy(zero_copy_only=False))


_NO_TIME = N_("no time of day (write e.g. 2024-06-14 10:00)")


def _parse_moments(values: pa.Array, column: str, *, time_required: bool) -> tuple[pa.Array, npt.NDArray[np.bool_]]:
    """Text dates and times as Japan wall time (``timestamp[s]``) and the mask of empty cells."""
    text = _normalized(values)
    empty = np.asarray(pc.equal(text, "").to_numpy(zero_copy_only=False))
    parts = pc.extract_regex(text, _MOMENT)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False))
    _check(~matched & ~empty, column, N_("not a date and time (write e.g. {forms})"), forms=_MOMENT_FORMS)
    field = {name: pc.struct_field(parts, name).fill_null("") for name in ("era", "y", "mo", "d", "h", "mi", "s", "tz")}
    if time_required:
        _check(
            pc.and_(pc.equal(field["h"], ""), pc.invert(pa.array(empty))),
            column,
            _NO_TIME,
        )
    year = _int(pc.if_else(pc.equal(field["y"], "元"), "1", field["y"]), "y")
    month, day = _int(field["mo"], "mo"), _int(field["d"], "d")
    hour, minute, second = _int(field["h"], "h"), _int(field["mi"], "mi"), _int(field["s"], "s")
    era = pc.utf8_upper(field["era"])
    for letter, name in _ERA_LETTERS.items():
        era = pc.if_else(pc.equal(era, letter), name, era)
    era_offset = np.zeros(len(text), dtype=np.int64)
    era_first = np.full(len(text), np.iinfo(np.int64).min)
    era_last = np.full(len(text), np.iinfo(np.int64).max)
    for name, (offset, first, last) in _ERAS.items():
        mine = np.asarray(pc.equal(era, name).to_numpy(zero_copy_only=False))
        era_offset[mine] = offset
        era_first[mine] = np.datetime64(first, "D").astype(np.int64)
        era_last[mine] = np.datetime64(last, "D").astype(np.int64)
    has_era = era_offset > 0
    ok = empty | ~matched
    _check(~ok & has_era & (year < 1), column, N_("invalid era year"))
    _check(~ok & ~has_era & (year < 1000), column, N_("write the year with four digits"))
    year = year + era_offset
    _check(
        ~ok & ((year < _YEARS[0]) | (year > _YEARS[1])),
        column,
        N_("the year must lie in {first}–{last}"),
        first=_YEARS[0],
        last=_YEARS[1],
    )
    _check(~ok & ((month < 1) | (month > 12)), column, N_("no such month"))
    valid = ~ok
    year, month, day = np.where(valid, year, 2000), np.where(valid, month, 1), np.where(valid, day, 1)
    months = (year - 1970) * 12 + (month - 1)
    month_start = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    next_start = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    days = month_start + day - 1
    _check(valid & ((day < 1) | (days >= next_start)), column, N_("no such day"))
    _check(
        valid & ((days < era_first) | (days > era_last)),
        column,
        N_("the date lies outside that era"),
    )
    _check(
        valid & ((hour > 23) | (minute > 59) | (second > 59)),
        column,
        N_("no such time of day (0:00-23:59)"),
    )
    seconds = days * _DAY + hour * 3600 + minute * 60 + second
    zone = field["tz"]
    if pc.any(pc.not_equal(zone, "")).as_py():
        digits = pc.replace_substring(zone, ":", "")
        sign = np.where(np.asarray(pc.starts_with(digits, "-").to_numpy(zero_copy_only=False)), -1, 1)
        offset_text = pc.if_else(pc.equal(digits, "Z"), "+0000", pc.if_else(pc.equal(digits, ""), "+0900", digits))
        hh = _int(pc.utf8_slice_codeunits(offset_text, 1, 3), "tz")
        mm = _int(pc.utf8_slice_codeunits(offset_text, 3, 5), "tz")
        _check(valid & ((hh > 14) | (mm > 59)), column, N_("no such UTC offset"))
        seconds = seconds - sign * (hh * 3600 + mm * 60) + 9 * 3600
    stamps = pa.array(seconds, pa.timestamp("s"), mask=~valid)
    return stamps, empty


def _moments(values: pa.Array, column: str, *, required: bool, time_required: bool = False) -> pa.Array:
    """Any accepted form of a date-time column (text, timestamp, date) as Japan wall time, ``timestamp[s]``."""
    kind = values.type
    if pa.types.is_timestamp(kind):
        stamps = pc.cast(values, pa.timestamp("s", kind.tz), safe=False)
        raw = pc.cast(stamps, pa.int64())
        if kind.tz is not None:  # an instant: shown as Japan time (UTC+9, no daylight saving time)
            raw = pc.add(raw, 9 * 3600)
        stamps = pc.cast(raw, pa.timestamp("s"))
        empty = np.asarray(stamps.is_null().to_numpy(zero_copy_only=False))
    elif pa.types.is_date(kind):
        stamps = pc.cast(pc.cast(values, pa.date32()), pa.timestamp("s"))
        empty = np.asarray(stamps.is_null().to_numpy(zero_copy_only=False))
        if time_required:  # a date column has no time of day, as a date typed alone in a CSV has none
            _check(~empty, column, _NO_TIME)
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind):
        stamps, empty = _parse_moments(values, column, time_required=time_required)
    else:
        raise BadCell(0, column, N_("not a date-time column"))
    if required:
        _check(empty, column, _EMPTY)
    if not pa.types.is_string(kind):
        seconds = np.asarray(pc.cast(stamps, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False))
        low = (
            np.datetime64(f"{_YEARS[0]}-01-01", "s").astype(np.int64),
            np.datetime64(f"{_YEARS[1] + 1}-01-01", "s").astype(np.int64),
        )
        _check(
            ~empty & ((seconds < low[0]) | (seconds >= low[1])),
            column,
            N_("the year must lie in {first}–{last}"),
            first=_YEARS[0],
            last=_YEARS[1],
        )
    return stamps


def parse_moment(text: str, *, time_required: bool = False) -> datetime:
    """One typed date and time read as a handoff-batch cell is (the same parser: ``2024-06-14 10:00``,
    ``令和6年6月14日 10:00``, ``R6.6.14 10:00``, full-width digits, an offset), as Japan wall time.

    >>> parse_moment("R6.4.1 10:00")
    datetime.datetime(2024, 4, 1, 10, 0)

    Raises:
        InputError: not a date and time, or (``time_required``) a date alone: what is wrong, never the text.
    """
    try:
        stamps = _moments(pa.array([text], pa.string()), "", required=True, time_required=time_required)
    except BadCell as exc:
        raise InputError(exc.what, values=exc.values) from None
    moment: datetime = stamps[0].as_py()
    return moment


def _flag(values: pa.Array, column: str) -> pa.Array:
    if pa.types.is_boolean(values.type):
        return values.fill_null(False)
    if pa.types.is_integer(values.type):
        _check(
            pc.and_(pc.not_equal(values, 0), pc.not_equal(values, 1)),
            column,
            N_("must be 0 or 1"),
        )
        return pc.equal(values.fill_null(0), 1)
    text = pc.utf8_lower(_normalized(values))
    yes = pc.is_in(text, value_set=pa.array(_TRUE))
    no = pc.is_in(text, value_set=pa.array(_FALSE))
    _check(
        pc.invert(pc.or_(yes, no)),
        column,
        N_("not a yes/no value (1/0, true/false, はい/いいえ)"),
    )
    return yes


def _subjects(values: pa.Array, column: str) -> pa.Array:
    if not (
        pa.types.is_string(values.type) or pa.types.is_large_string(values.type) or pa.types.is_dictionary(values.type)
    ):
        raise BadCell(0, column, N_("must be text (an opaque id)"))
    text = _text(values)
    _check(
        pc.match_substring_regex(text, _CONTROL),
        column,
        N_("contains a control character"),
    )
    _check(
        pc.invert(pc.match_substring_regex(text, _SUBJECT)),
        column,
        N_("the subject must be an opaque id (1-64 letters, digits or -_.:), never personal data"),
    )
    _check(
        pc.match_substring_regex(text, _PHONE),
        column,
        N_("looks like a phone number: use an opaque id"),
    )
    return text


_TABLE = tuple(np.datetime64(day, "s").astype(np.int64) for day in (FIRST_DAY, LAST_DAY))


def _in_table(stamps: pa.Array, column: str) -> None:
    """Refuse a day outside the business-day tables (2000-01-01 … 2051-12-31)."""
    seconds = np.asarray(pc.cast(stamps, pa.int64()).to_numpy(zero_copy_only=False))
    known = ~np.asarray(stamps.is_null().to_numpy(zero_copy_only=False))
    _check(
        known & ((seconds < _TABLE[0]) | (seconds >= _TABLE[1] + _DAY)),
        column,
        N_("the day must lie between {first} and {last}"),
        first=FIRST_DAY,
        last=LAST_DAY,
    )


def event_columns(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Typed, checked event columns: ``kind`` (dictionary of :class:`~zaitaku_core.framework.EventKind`
    codes), ``at`` and ``admitted_at`` (``timestamp[s]``, Japan wall time), ``subject`` (an opaque id).

    Raises:
        BadCell: the first cell that cannot be read.
    """
    names = batch.schema.names
    arrays: dict[str, pa.Array] = {}
    if "subject" in names:
        arrays["subject"] = _subjects(batch.column("subject"), "subject")
    arrays["kind"] = _enum_column(batch.column("kind"), EventKind, "kind")
    at = _moments(batch.column("at"), "at", required=True, time_required=True)
    seconds = np.asarray(pc.cast(at, pa.int64()).to_numpy(zero_copy_only=False))
    low, high = (np.datetime64(day, "s").astype(np.int64) for day in EVENT_RANGE)
    _check(
        (seconds < low) | (seconds >= high + _DAY),
        "at",
        N_("the event must lie between {first} and {last}"),
        first=EVENT_RANGE[0],
        last=EVENT_RANGE[1],
    )
    arrays["at"] = at
    if "admitted_at" in names:
        arrays["admitted_at"] = _moments(batch.column("admitted_at"), "admitted_at", required=False)
        _in_table(arrays["admitted_at"], "admitted_at")
    if "stay_in" in names:
        arrays["stay_in"] = _enum_column(
            batch.column("stay_in"), ActorKind, "stay_in", blank_is_null=True, allowed=STAY_PLACES
        )
    if "service_start" in names:
        start = _moments(batch.column("service_start"), "service_start", required=False)
        _in_table(start, "service_start")
        start_day = np.asarray(pc.cast(start, pa.int64()).fill_null(np.iinfo(np.int64).max).to_numpy()) // _DAY
        _check(start_day < seconds // _DAY, "service_start", N_("before the event's day"))
        arrays["service_start"] = start
    if "initial_addon" in names:
        arrays["initial_addon"] = _flag(batch.column("initial_addon"), "initial_addon")
    return pa.RecordBatch.from_pydict(arrays)


_EVENT_LIMIT = 10**12


def contact_columns(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Typed, checked contact columns: ``event`` (int64), ``at`` (``timestamp[s]``), ``from_party``,
    ``to_party``, ``means`` (dictionaries of codes; defaults care manager and unspecified), ``conference``.

    Raises:
        BadCell: the first cell that cannot be read.
    """
    names = batch.schema.names
    event = batch.column("event")
    if pa.types.is_integer(event.type):
        _check(event.is_null(), "event", _EMPTY)
        numbers = pc.cast(event, pa.int64())
    else:
        text = _normalized(event)
        _check(
            pc.invert(pc.match_substring_regex(text, r"^\d{1,12}$")),
            "event",
            N_("not a row number (0, 1, 2 …)"),
        )
        numbers = pc.cast(text, pa.int64())
    raw = np.asarray(numbers.to_numpy(zero_copy_only=False))
    _check((raw < 0) | (raw >= _EVENT_LIMIT), "event", N_("row number out of range"))
    n = batch.num_rows
    arrays: dict[str, pa.Array] = {
        "event": numbers,
        "at": _in_table_moments(batch.column("at")),
        "from_party": _enum_column(batch.column("from_party"), ActorKind, "from_party", ActorKind.CARE_MANAGER)
        if "from_party" in names
        else _constant(ActorKind.CARE_MANAGER, n),
        "to_party": _enum_column(batch.column("to_party"), ActorKind, "to_party"),
        "means": _enum_column(batch.column("means"), ContactMeans, "means", ContactMeans.UNSPECIFIED)
        if "means" in names
        else _constant(ContactMeans.UNSPECIFIED, n),
        "conference": _flag(batch.column("conference"), "conference")
        if "conference" in names
        else pa.array(np.zeros(n, dtype=bool)),
    }
    return pa.RecordBatch.from_pydict(arrays)


#: The column of an events table that nests each event's contacts: a list of structs with the contact
#: columns, which keeps every partition of a dataset self-contained (the Dask engine needs it).
NESTED_CONTACTS = "contacts"


def nested_contacts(lists: pa.Array) -> pa.RecordBatch:
    """The contacts nested in a :data:`NESTED_CONTACTS` column, flat, each with ``event`` the row of its
    event in the batch (as a contacts file numbers them) and the struct's fields as columns.

    Raises:
        BadCell: the column is not a list of structs.
    """
    kind = lists.type
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)) or not pa.types.is_struct(kind.value_type):
        raise BadCell(0, NESTED_CONTACTS, N_("must be a list of structs (at, to_party …)"))
    flat = pc.list_flatten(lists)
    columns = {flat.type.field(i).name: flat.field(i) for i in range(flat.type.num_fields)}
    return pa.RecordBatch.from_pydict({"event": pc.cast(pc.list_parent_indices(lists), pa.int64()), **columns})


def typed_nested_contacts(lists: pa.Array) -> pa.RecordBatch:
    """:func:`nested_contacts` typed by :func:`contact_columns`: the one reading of nested contacts that every
    path shares (the local one, :func:`~zaitaku_core.handoff.engines.arrow.evaluate_arrow`, Dask's partitions).

    Raises:
        BadCell: a contact cannot be read: named by its event's row in the batch (not by its place among all
            the contacts, which a person cannot find) and ``contacts.<column>``; or the column is not a list
            of structs.
    """
    flat = nested_contacts(lists)
    try:
        return contact_columns(flat)
    except BadCell as bad:
        events = flat.column("event")
        row = events[bad.row].as_py() if bad.row < len(events) else bad.row
        raise BadCell(row, f"{NESTED_CONTACTS}.{bad.column}", bad.what, **bad.values) from None


def _event_columns_with_contacts(batch: pa.RecordBatch) -> pa.RecordBatch:
    """:func:`event_columns`, and last the nested contacts typed by :func:`typed_nested_contacts`, still
    nested (one list per event)."""
    contacts = typed_nested_contacts(batch.column(NESTED_CONTACTS))
    event = contacts.column("event").to_numpy()
    offsets = np.searchsorted(event, np.arange(batch.num_rows + 1)).astype(np.int32)
    fields = contacts.drop_columns(["event"])
    typed = pa.StructArray.from_arrays(fields.columns, names=fields.schema.names)
    return event_columns(batch).append_column(NESTED_CONTACTS, pa.ListArray.from_arrays(pa.array(offsets), typed))


def _in_table_moments(values: pa.Array) -> pa.Array:
    stamps = _moments(values, "at", required=True)
    _in_table(stamps, "at")
    return stamps


def _constant(member: LabeledEnum, n: int) -> pa.Array:
    position = list(type(member)).index(member)
    return pa.DictionaryArray.from_arrays(pa.array(np.full(n, position, dtype=np.int8)), enum_dictionary(type(member)))


@attrs.define
class TableSource:
    """An events or contacts file (CSV or Parquet), read as typed, checked record batches.

    Iterate for ``(index of the first row, typed batch)``; ``unknown`` lists header names not read;
    ``bytes_read`` / ``size`` drive a progress bar.
    """

    path: Path
    reader: Any
    parse: Any

    @property
    def unknown(self) -> list[str | ByLanguage]:
        return list(self.reader.unknown)

    @property
    def size(self) -> int:
        return int(self.reader.size)

    @property
    def bytes_read(self) -> int:
        return int(self.reader.bytes_read)

    def where(self, row: int, column: str | None = None) -> dict[str, str]:
        """The location of data row ``row`` (and ``column``) for an error."""
        key = "row" if not hasattr(self.reader, "encoding") else "line"
        location = {"file": str(self.path), key: str(self.reader.line_of(row))}
        if column is not None:
            header = {canonical: name for name, canonical in self.reader.mapping.items()}.get(column, column)
            location["column"] = header
        return location

    def __iter__(self) -> Iterator[tuple[int, pa.RecordBatch]]:
        for first, batch in self.reader:
            try:
                yield first, self.parse(batch)
            except BadCell as bad:
                raise InputError(
                    bad.what, values=bad.values, location=self.where(first + bad.row, bad.column)
                ) from None


def open_table(
    path: Path,
    columns: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...],
    *,
    encoding: str | None = None,
    batch_rows: int = 131_072,
    nested: bool = False,
) -> TableSource:
    """Open an events table (``columns`` = :data:`EVENT_COLUMNS`) or a contacts table (:data:`CONTACT_COLUMNS`).

    A Parquet file or a folder (a Parquet dataset) is read with pyarrow.dataset, anything else as CSV. With
    ``nested``, Parquet events' :data:`NESTED_CONTACTS` column is read too, typed, as each batch's last column.

    Raises:
        InputError: the file cannot be read, or lacks a required column.
    """
    from zaitaku_core.io.csv import CsvBatches
    from zaitaku_core.io.parquet import ParquetBatches, is_parquet

    parse = event_columns if columns is EVENT_COLUMNS else contact_columns
    reader: Any
    if is_parquet(path):
        known = {**columns, NESTED_CONTACTS: ()} if nested and columns is EVENT_COLUMNS else columns
        reader = ParquetBatches(path, known, required, batch_size=batch_rows)
        if NESTED_CONTACTS in reader.mapping.values():
            parse = _event_columns_with_contacts
    else:
        reader = CsvBatches(path, columns, required, encoding=encoding, block_size=_block_size(path, batch_rows))
    return TableSource(path, reader, parse)


def _block_size(path: Path, rows: int) -> int:
    """Bytes of CSV holding about ``rows`` rows, judged on the first 64 KiB (1 MiB at least)."""
    with path.open("rb") as stream:
        sample = stream.read(1 << 16)
    per_row = max(len(sample) // max(sample.count(b"\n"), 1), 8)
    return int(min(max(per_row * rows, 1 << 20), 256 << 20))


def read_events(path: Path, *, encoding: str | None = None) -> pa.Table:
    """The whole events file at ``path`` (CSV or Parquet) as one typed, checked Arrow table."""
    source = open_table(path, EVENT_COLUMNS, EVENT_REQUIRED, encoding=encoding)
    return pa.Table.from_batches([batch for _, batch in source])


def read_contacts(path: Path, *, encoding: str | None = None) -> pa.Table:
    """The whole contacts file at ``path`` (CSV or Parquet) as one typed, checked Arrow table."""
    source = open_table(path, CONTACT_COLUMNS, CONTACT_REQUIRED, encoding=encoding)
    return pa.Table.from_batches([batch for _, batch in source])
