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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import NamedTuple

from zaitaku_core.activity.vocabulary import ActivityKind, Asker, Profession
from zaitaku_core.calendar import fiscal_year_of
from zaitaku_core.errors import InputError, PersonalDataError
from zaitaku_core.framework import CareScene
from zaitaku_core.i18n import N_

__all__ = [
    "MAX_COUNT",
    "SCENE_COLUMNS",
    "Activity",
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
    """Participants by profession in the vocabulary's order (the order an :class:`Activity` keeps them in)."""
    return tuple(sorted(counts, key=lambda pair: _PROFESSION_ORDER[pair[0]]))


_OPAQUE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/\-]{0,63}$")
# A Japanese phone number (0X…, 10 or 11 digits, any separators) or +81; an e-mail address.
_PHONE = re.compile(r"(?<!\d)(?:\+81|0)[\d\-\s()（）ー－]{8,15}\d(?!\d)")
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def looks_personal(text: str) -> bool:
    """Whether ``text`` holds what looks like a phone number or an e-mail address.

    >>> looks_personal("在宅療養の相談"), looks_personal("連絡先 ０９０ー１２３４ー５６７８")
    (False, True)
    """
    folded = unicodedata.normalize("NFKC", text)
    if _EMAIL.search(folded):
        return True
    return any(10 <= _digits(match.group()) <= 12 for match in _PHONE.finditer(folded))


def check_opaque_id(value: str, field_name: str) -> str:
    """``value`` if it is an opaque id; a name-like or phone-like value is refused without being echoed.

    An opaque id is 1–64 ASCII letters, digits and ``_ . : / -``, holds at least one digit (a name has
    none) and is not a phone number.

    Raises:
        PersonalDataError: the value could identify a person, or is not an opaque id.
    """
    folded = unicodedata.normalize("NFKC", value).strip()
    if not _OPAQUE_ID.match(folded) or _digits(folded) == 0 or looks_personal(folded):
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
    """``value`` stripped, if it holds no phone number or e-mail address and is at most ``max_length`` long.

    Raises:
        PersonalDataError: a phone number or an e-mail address is in the text (it is not shown).
        InputError: the text is too long (the message says how long it is, not what it says).
    """
    text = value.strip()
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
        professions = ",".join([f"{p.code}={n}" for p, n in by_profession]) if by_profession else ""
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
        number = occurrences.get(digest, 0)
        occurrences[digest] = number + 1
        if number == 0:
            return digest, digest
        return hashlib.blake2b(digest + number.to_bytes(4, "big"), digest_size=16).digest(), digest
