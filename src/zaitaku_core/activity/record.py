"""One activity of the log, validated, and the guard that keeps personal data out of it.

:class:`Activity` is what a row of an imported file or a ``zaitaku log add`` becomes once every field is
checked; the store writes nothing else. Its key (:meth:`~Activity.keys`) makes re-imports idempotent: the row id
the file gives (scoped to the city), or else a hash of the normalised content and of the row's occurrence
number among identical rows of the same file, so two identical consultations on one day stay two.

Nothing personal is accepted: ids (a row id, a consultation's case id) must be opaque (ASCII, with a
digit, no separators of a name or a phone number), free text (title, body, topic) must not hold a
phone number or an e-mail address, and a refused value is never repeated in the error.

>>> check_opaque_id("C-2024-0012", "case_id")
'C-2024-0012'
>>> check_opaque_id("090-1234-5678", "case_id")
Traceback (most recent call last):
...
zaitaku_core.errors.PersonalDataError: not an opaque id ... [field 'case_id'] (see: ...errors.html#personal-data (...))
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from zaitaku_core.activity.vocabulary import ActivityKind, Asker, Profession
from zaitaku_core.calendar import fiscal_year_of
from zaitaku_core.errors import InputError, PersonalDataError
from zaitaku_core.framework import CareScene
from zaitaku_core.i18n import N_

__all__ = [
    "MAX_COUNT",
    "SCENE_COLUMNS",
    "Activity",
    "ActivityBatch",
    "ActivityRows",
    "RowProblem",
    "by_profession_order",
    "check_free_text",
    "check_opaque_id",
    "looks_personal",
]

#: The largest count (participants, occurrences) a row may carry; more is a typing slip, not an event.
MAX_COUNT = 1_000_000

#: The column of the ``activity`` table that flags each care scene.
SCENE_COLUMNS: dict[CareScene, str] = {
    CareScene.DAILY_SUPPORT: "scene_daily_support",
    CareScene.ADMISSION_DISCHARGE: "scene_admission_discharge",
    CareScene.EMERGENCY: "scene_emergency",
    CareScene.END_OF_LIFE: "scene_end_of_life",
}

_PROFESSION_ORDER = {profession: index for index, profession in enumerate(Profession)}


def by_profession_order(counts: Iterable[tuple[Profession, int]]) -> tuple[tuple[Profession, int], ...]:
    """Participants by profession in the vocabulary's order (the order an :class:`Activity` keeps them in).

    None or one (most rows) needs no sort and gets none: the readers and the store call this for every row."""
    given = tuple(counts)
    if len(given) <= 1:
        return given
    return tuple(sorted(given, key=lambda pair: _PROFESSION_ORDER[pair[0]]))


_OPAQUE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/\-]{0,63}$")
# A Japanese phone number (0X…, 10 or 11 digits, any separators) or +81; an e-mail address.
_PHONE = re.compile(r"(?<!\d)(?:\+81|0)[\d\-\s()（）ー－]{8,15}\d(?!\d)")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
#: Control characters free text never holds (a line break and a tab it may): a NUL byte or an escape is a
#: damaged or binary file, which PostgreSQL would refuse mid-import and a terminal would act on.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASCII_DIGIT = re.compile(r"[0-9]")  # an opaque id is ASCII: its digits are these


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def looks_personal(text: str) -> bool:
    """Whether ``text`` holds what looks like a phone number or an e-mail address.

    >>> looks_personal("在宅療養の相談"), looks_personal("連絡先 ０９０ー１２３４ー５６７８")
    (False, True)
    """
    folded = unicodedata.normalize("NFKC", text)
    return _EMAIL.search(folded) is not None or _has_phone(folded)


def _has_phone(folded: str) -> bool:
    """Whether ``folded`` (NFKC text) holds what looks like a phone number: 10 to 12 digits in a phone's
    shape."""
    return any(10 <= _digits(match.group()) <= 12 for match in _PHONE.finditer(folded))


def check_opaque_id(value: str, field_name: str) -> str:
    """``value`` if it is an opaque id; a name-like or phone-like value is refused without being echoed.

    An opaque id is 1–64 ASCII letters, digits and ``_ . : / -``, holds at least one digit (a name has
    none) and is not a phone number.

    Raises:
        PersonalDataError: the value could identify a person, or is not an opaque id.
    """
    folded = (value if value.isascii() else unicodedata.normalize("NFKC", value)).strip()  # NFKC keeps ASCII
    if (
        not _OPAQUE_ID.match(folded)
        or not _ASCII_DIGIT.search(folded)
        or _has_phone(folded)  # ASCII without an @ (an id's characters): a phone number is all it could hold
    ):
        raise PersonalDataError(
            N_(
                "not an opaque id (ASCII letters, digits and _ . : / -, with a digit); it may identify a person, "
                "so it is refused and not shown"
            ),
            values={},
            location={"field": field_name},
        )
    return folded


def check_free_text(value: str, field_name: str, max_length: int) -> str:
    """``value`` stripped, if it holds no phone number or e-mail address, no control character but line
    breaks and tabs, and is at most ``max_length`` long.

    Raises:
        PersonalDataError: a phone number or an e-mail address is in the text (it is not shown).
        InputError: the text is too long (the message says how long it is, not what it says), or holds a
            control character such as a NUL byte.
    """
    text = value.strip()
    if _CONTROL.search(text):
        raise InputError(N_("holds a control character (a NUL byte, say)"), values={})
    if looks_personal(text):
        raise PersonalDataError(
            N_("holds what looks like a phone number or an e-mail address; refused and not shown"),
            values={},
            location={"field": field_name},
        )
    if len(text) > max_length:
        raise InputError(
            N_("at most {limit} characters (this has {length})"), values={"limit": max_length, "length": len(text)}
        )
    return text


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that could not be read: where (``file:line field`` or ``file sheet!cell field``) and why."""

    where: str
    message: str


@cache
def _scene_text(scenes: frozenset[CareScene]) -> str:
    return ",".join(sorted(scene.code for scene in scenes))


def _professions_text(by_profession: tuple[tuple[Profession, int], ...]) -> str:
    return ",".join([f"{p.code}={n}" for p, n in by_profession])


def _digest(parts: Iterable[str]) -> bytes:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()


class Activity(NamedTuple):
    """One dated activity of a program of a city's plan, as the log stores it (immutable).

    ``count`` is how many activities the entry stands for (a monthly tally of 12 consultations is one
    entry with count 12; it shadows the tuple method of that name); ``participants`` the people who took
    part, of whom ``by_profession`` gives those whose profession is known. ``asker``,
    ``asker_profession``, ``topic`` and ``case_id`` belong to consultations only. ``row_id`` is the id
    the source gave the row, if any.
    """

    city: str
    program: str
    date: date
    kind: ActivityKind
    count: int = 1  # type: ignore[assignment]
    title: str | None = None
    participants: int | None = None
    by_profession: tuple[tuple[Profession, int], ...] = ()
    scenes: frozenset[CareScene] = frozenset()
    body: str | None = None
    asker: Asker | None = None
    asker_profession: Profession | None = None
    topic: str | None = None
    case_id: str | None = None
    row_id: str | None = None

    @property
    def fiscal_year(self) -> int:
        """The fiscal year (年度) of the activity's date."""
        return fiscal_year_of(self.date)

    def content(self) -> str:
        """The normalised content: every field but the row id, as codes and numbers, in a fixed order.

        >>> Activity("sample", "p1", date(2024, 5, 1), ActivityKind.MEETING, participants=12).content()
        'sample\\x1fp1\\x1f2024-05-01\\x1fmeeting\\x1f1\\x1f\\x1f12\\x1f\\x1f\\x1f\\x1f\\x1f\\x1f\\x1f'
        """
        (city, program, day, kind, count, title, participants, by_profession, scenes, body, asker,
         asker_profession, topic, case_id, _) = self  # fmt: skip
        professions = _professions_text(by_profession) if by_profession else ""
        scene_text = _scene_text(scenes) if scenes else ""
        return (
            f"{city}\x1f{program}\x1f{day.isoformat()}\x1f{kind.code}\x1f{count}\x1f{title or ''}\x1f"
            f"{'' if participants is None else participants}\x1f{professions}\x1f{scene_text}\x1f{body or ''}\x1f"
            f"{asker.code if asker else ''}\x1f{asker_profession.code if asker_profession else ''}\x1f"
            f"{topic or ''}\x1f{case_id or ''}"
        )

    def keys(self, occurrences: dict[bytes, int] | None = None) -> tuple[bytes, bytes]:
        """``(key, content hash)``, 16 bytes each.

        The key is stable across re-imports: from the row id (within its city) where one is given, else
        the content hash itself for the first of identical entries of one source and a hash of it and the
        occurrence number for the next ones, which ``occurrences`` (content hash → entries seen so far)
        counts across the calls for that source. The content hash changes whenever the content does.
        """
        digest = hashlib.blake2b(self.content().encode(), digest_size=16).digest()
        if self.row_id is not None:
            return _digest((self.city, "row-id", self.row_id)), digest
        if occurrences is None:
            return digest, digest
        return _occurrence_key(digest, occurrences), digest


def _occurrence_key(digest: bytes, occurrences: dict[bytes, int]) -> bytes:
    """The key of the next entry of content hash ``digest`` (counted in ``occurrences``); see :meth:`Activity.keys`."""
    number = occurrences.get(digest, 0)
    occurrences[digest] = number + 1
    if number == 0:
        return digest
    return hashlib.blake2b(digest + number.to_bytes(4, "big"), digest_size=16).digest()


def mapped(column: Sequence[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``[convert(value) for value in column]``, calling ``convert`` once per distinct value (all hashable)."""
    table = {value: convert(value) for value in set(column)}
    return list(map(table.__getitem__, column))


def _blank(value: str | None) -> str:
    return value or ""


def _code(value: ActivityKind | Asker | Profession | None) -> str:
    return value.code if value is not None else ""


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


class ActivityBatch:
    """Valid activities of consecutive rows of one CSV, field by field (the columnar reader's output).

    ``columns`` holds one list per field of :class:`Activity`, in its order, each as long as ``lines``
    (the rows' line numbers). The store writes a batch column by column (:meth:`contents` and
    :meth:`keys` give exactly what each activity's :meth:`Activity.content` and :meth:`Activity.keys`
    would); :meth:`entries` gives its rows one by one, as the row-by-row reader yields them.
    """

    __slots__ = ("columns", "lines", "name")

    def __init__(self, name: str, lines: list[int], columns: Sequence[list[Any]]) -> None:
        if len(columns) != len(Activity._fields) or any(len(column) != len(lines) for column in columns):
            raise ValueError("a batch needs one column per field of Activity, each as long as its lines")
        self.name, self.lines, self.columns = name, lines, tuple(columns)

    def __len__(self) -> int:
        return len(self.lines)

    def entries(self) -> Iterator[tuple[str, int, Activity]]:
        """``(where, line, activity)`` of each row, in order."""
        name = self.name
        for line, fields in zip(self.lines, zip(*self.columns, strict=True), strict=True):
            yield f"{name}:{line}", line, tuple.__new__(Activity, fields)

    def activity(self, index: int) -> Activity:
        """The activity of row ``index`` of the batch."""
        return tuple.__new__(Activity, [column[index] for column in self.columns])

    def has_row_ids(self) -> bool:
        """Whether any row gives a row id (such rows are keyed by it, one by one)."""
        return any(value is not None for value in self.columns[-1])

    def fragments(self) -> list[list[str]]:
        """Each field's text in :meth:`Activity.content`, column by column (codes, ISO dates; '' for none)."""
        (city, program, day, kind, count, title, participants, by_profession, scenes, body, asker,
         asker_profession, topic, case_id, _) = self.columns  # fmt: skip
        return [
            city,
            program,
            mapped(day, date.isoformat),
            mapped(kind, _code),
            mapped(count, str),
            mapped(title, _blank),
            mapped(participants, _number),
            mapped(by_profession, _professions_text),
            mapped(scenes, _scene_text),
            mapped(body, _blank),
            mapped(asker, _code),
            mapped(asker_profession, _code),
            mapped(topic, _blank),
            mapped(case_id, _blank),
        ]

    def contents(self, fragments: list[list[str]] | None = None) -> list[str]:
        """Each row's :meth:`Activity.content`, computed column by column (from :meth:`fragments`)."""
        return list(map("\x1f".join, zip(*(fragments or self.fragments()), strict=True)))

    def keys(
        self, occurrences: dict[bytes, int], fragments: list[list[str]] | None = None
    ) -> tuple[list[bytes], list[bytes]]:
        """``(keys, content hashes)`` of the rows, as :meth:`Activity.keys` gives them one by one (a batch with
        row ids is keyed row by row instead, see :meth:`has_row_ids`)."""
        blake2b = hashlib.blake2b
        digests = [blake2b(text.encode(), digest_size=16).digest() for text in self.contents(fragments)]
        if len(set(digests)) == len(digests) and occurrences.keys().isdisjoint(digests):
            occurrences.update(dict.fromkeys(digests, 1))  # each the first of its content: the key is the hash
            return digests, digests
        return [_occurrence_key(digest, occurrences) for digest in digests], digests


class ActivityRows(Iterator[tuple[str, int, Activity] | RowProblem]):
    """The rows of a file as a reader yields them, ``(where, line, Activity)`` or :class:`RowProblem`, one by
    one; :meth:`batches` gives the same rows with runs of valid ones kept as :class:`ActivityBatch`
    (what the store writes column by column)."""

    def __init__(self, stream: Iterator[tuple[str, int, Activity] | RowProblem | ActivityBatch]) -> None:
        self._stream = stream
        self._pending: Iterator[tuple[str, int, Activity] | RowProblem] = iter(())

    def __iter__(self) -> ActivityRows:
        return self

    def __next__(self) -> tuple[str, int, Activity] | RowProblem:
        while True:
            for entry in self._pending:
                return entry
            item = next(self._stream)
            if type(item) is ActivityBatch:
                self._pending = item.entries()
            else:
                return item  # type: ignore[return-value]

    def batches(self) -> Iterator[tuple[str, int, Activity] | RowProblem | ActivityBatch]:
        """The rows not read yet, runs of valid rows as batches."""
        yield from self._pending
        yield from self._stream
