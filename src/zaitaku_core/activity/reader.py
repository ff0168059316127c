"""Read a centre's activity file (CSV in UTF-8 or cp932, or an XLSX log sheet) into validated activities.

Columns are matched by their header, in Japanese or English (:data:`COLUMNS`; order does not matter), so
a sheet kept by hand, a CSV saved by Japanese Excel (cp932, full-width digits, dates as 令和6年4月1日 or
2024/4/1) and the template written by ``zaitaku log template`` all read the same. A column the log does
not know is an error, never silently dropped; a column that would hold personal data (氏名, 電話番号,
住所 …) is refused by its header before any row is read.

:func:`read_file` yields each row as ``(where, line, Activity)`` or as a
:class:`~zaitaku_core.activity.record.RowProblem` naming file, line (or sheet and cell) and field, so the
store can write a valid file in one transaction and refuse an invalid one whole, listing every problem.

A simple CSV (one row per line, every row as wide as its header) is read with pyarrow's CSV reader and
validated column by column: each distinct cell of a column is parsed once by the same parser, and rows
whose cells do not all parse go through the row-by-row reader, so every problem reads as it would there
(a test compares both readers on files of good and bad rows). Any other CSV is read row by row with
Python's ``csv``, the reference.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from zaitaku_core.activity.record import (
    MAX_COUNT,
    Activity,
    ActivityBatch,
    ActivityRows,
    RowProblem,
    by_profession_order,
    check_free_text,
    check_opaque_id,
    looks_personal,
)
from zaitaku_core.activity.vocabulary import ActivityKind, Asker, Profession
from zaitaku_core.calendar import fiscal_year_of
from zaitaku_core.calendar.era import parse_date
from zaitaku_core.errors import ActivityImportError, InputError, _filled
from zaitaku_core.framework import CareScene, normalize_label
from zaitaku_core.i18n import N_, ByLanguage, ja_en, resolve_lang, tr
from zaitaku_core.io.xlsx_cells import ERROR_VALUE, as_1900_serial, is_error, load_values, serial_offset, unescape

__all__ = [
    "COLUMNS",
    "LOG_SHEET_NAMES",
    "TEMPLATE_PROFESSIONS",
    "Column",
    "ProgramLookup",
    "column_help",
    "decode_csv",
    "profession_header",
    "read_fields",
    "read_file",
]

#: ``(city, fiscal year) -> program ids of that year's plan``, or ``None`` when the city is not known.
ProgramLookup = Callable[[str, int], Collection[str] | None]

#: Names of the log sheet in a workbook, in the order they are looked for.
LOG_SHEET_NAMES = ("活動記録", "activities", "activity_log", "log")


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the log: its field, its Japanese and English headers, other accepted headers, a help text."""

    field: str
    ja: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    help_ja: str = ""


#: Every column of an activity file, in the order the template writes them.
COLUMNS: tuple[Column, ...] = (
    Column("row_id", "行ID", "row_id", ("id", "記録ID"), help_ja="任意。行を一意に示す匿名のID（再取り込みの照合用）"),
    Column("date", "日付", "date", ("実施日", "開催日", "相談日"), True, "2024-04-01、2024/4/1、令和6年4月1日"),
    Column("city", "市町村", "city", ("市町村ID",), help_ja="市町村のID（--city で一括指定も可）"),
    Column("program", "取組ID", "program", ("取組", "program_id"), True, "計画の取組ID"),
    Column(
        "kind",
        "種別",
        "kind",
        ("活動の種類", "種類"),
        True,
        "会議・研修・講座・講演・イベント・相談・発行・広報・調査・その他",
    ),
    Column("count", "件数", "count", ("回数",), help_ja="この行が表す活動の数（既定 1。月の集計なら 12 など）"),
    Column("title", "名称", "title", ("テーマ", "内容"), help_ja="会議名・講座名など（個人名は書かない）"),
    Column("participants", "参加者数", "participants", ("参加人数",), help_ja="参加者の総数"),
    Column(
        "scenes",
        "場面",
        "scenes",
        ("4つの場面",),
        help_ja="日常の療養支援・入退院支援・急変時の対応・看取り（、区切り）",
    ),
    Column("body", "実施主体", "body", ("主催", "開催主体"), help_ja="会議体・組織の名称"),
    Column(
        "asker", "相談者", "asker", ("相談者の区分",), help_ja="相談のみ：専門職・関係機関／本人・住民／家族／その他"
    ),
    Column("asker_profession", "相談者の職種", "asker_profession", (), help_ja="相談者が専門職のとき、その職種"),
    Column("topic", "相談内容", "topic", ("相談の内容",), help_ja="相談のみ：内容の区分（個人が分かることは書かない）"),
    Column("case_id", "ケースID", "case_id", ("事例ID",), help_ja="相談のみ：匿名のケースID（氏名・電話番号は不可）"),
)

#: Professions that get a participants column of their own in the templates (others can be added by hand).
TEMPLATE_PROFESSIONS: tuple[Profession, ...] = (
    Profession.DOCTOR,
    Profession.DENTIST,
    Profession.PHARMACIST,
    Profession.NURSE,
    Profession.REHABILITATION,
    Profession.CARE_MANAGER,
    Profession.CARE_WORKER,
    Profession.SOCIAL_WORKER,
)

_BY_FIELD = {column.field: column for column in COLUMNS}


def column_help(field: str) -> str:
    """The help text of a column (a field of :data:`COLUMNS`, or ``profession:CODE``) as the plan workbook's
    log sheet writes it in its help row, below the header; a row of these texts is skipped when read.

    >>> column_help("date")
    '必須。2024-04-01、2024/4/1、令和6年4月1日'
    """
    if field.startswith("profession:"):
        return "この職種の参加者数（分かるとき）"
    column = _BY_FIELD[field]
    return ("必須。" if column.required else "") + column.help_ja


_PERSONAL_HEADERS = frozenset(
    normalize_label(text)
    for text in (
        "氏名",
        "名前",
        "お名前",
        "患者名",
        "利用者名",
        "相談者名",
        "相談者氏名",
        "フリガナ",
        "ふりがな",
        "電話",
        "電話番号",
        "携帯",
        "携帯番号",
        "連絡先",
        "住所",
        "メール",
        "メールアドレス",
        "生年月日",
        "被保険者番号",
        "name",
        "full_name",
        "phone",
        "tel",
        "telephone",
        "address",
        "email",
        "e-mail",
        "birthday",
        "date_of_birth",
    )
)


def profession_header(profession: Profession, lang: str = "ja") -> str:
    """The header of the column counting participants of ``profession``: 参加者数（医師）, participants_doctor."""
    return f"participants_{profession.code}" if lang == "en" else f"参加者数（{profession.ja}）"


def _header_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for column in COLUMNS:
        for text in (column.field, column.ja, column.en, *column.aliases):
            table[normalize_label(text)] = column.field
    for profession in Profession:
        for text in (profession.code, profession.ja, profession.en, *Profession._aliases().get(profession.code, [])):
            table[normalize_label(f"参加者数（{text}）")] = f"profession:{profession.code}"
            table[normalize_label(f"参加者数:{text}")] = f"profession:{profession.code}"
        table[normalize_label(profession_header(profession, "en"))] = f"profession:{profession.code}"
    return table


_HEADERS = _header_table()
_SCENE_SPLIT = re.compile(r"[、,，;；/／\n]+")
_COUNT_UNIT = re.compile(r"^(\d[\d,]*)(人|名|件|回)?$")
_EXCEL_EPOCH = date(1899, 12, 30)

#: Japan's time zone: "today" for refusing future dates is Japan's date.
JAPAN = timezone(timedelta(hours=9), "JST")


def decode_csv(data: bytes, encoding: str | None = None) -> str:
    """The text of a CSV file: UTF-8 (with or without a BOM), else cp932 (Japanese Excel), unless given.

    Raises:
        InputError: the bytes are neither (the message gives the line of the first bad byte).
    """
    candidates = (encoding,) if encoding else ("utf-8-sig", "cp932")
    first: UnicodeDecodeError | None = None
    for name in candidates:
        try:
            return data.decode(name)
        except UnicodeDecodeError as exc:
            first = first or exc
        except LookupError:
            raise InputError(N_("unknown encoding {name!r}"), values={"name": name}) from None
    assert first is not None
    line = data.count(b"\n", 0, first.start) + 1
    raise InputError(
        N_("the text is not in {tried}"), values={"tried": " / ".join(candidates)}, location={"line": str(line)}
    )


def _shown(value: object) -> str | ByLanguage:
    """A cell value fit to repeat in an error: never anything that looks personal (then "(value not shown)"
    in each language), never long."""
    text = str(value)
    if looks_personal(text):
        return _not_shown()
    return repr(text if len(text) <= 30 else text[:30] + "…")


@functools.cache
def _not_shown() -> ByLanguage:
    """What :func:`_shown` gives for a value that looks personal, made once (the catalogues load lazily)."""
    return ByLanguage(*ja_en(N_("(value not shown)")))


class _RowError(Exception):
    """A cell or a row that is not valid: a catalogue message (:func:`~zaitaku_core.i18n.N_`) and its values,
    said in the language of the read (:meth:`text`)."""

    def __init__(self, field: str, template: str, **values: object) -> None:
        self.field, self.template, self.values = field, template, values

    def text(self, lang: str) -> str:
        return _filled(self.template, self.values, lang)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _count(field: str, value: object, *, minimum: int = 0) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _RowError(field, N_("not a number: {value}"), value=_shown(value))
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            raise _RowError(field, N_("not a whole number: {value}"), value=_shown(value))
        number = int(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        match = _COUNT_UNIT.match(text) if len(text) <= 12 else None
        if match is None:
            raise _RowError(field, N_("not a whole number of 0 or more: {value}"), value=_shown(value))
        number = int(match.group(1).replace(",", ""))
    if number < minimum or number > MAX_COUNT:
        raise _RowError(
            field,
            N_("must be from {minimum} to {maximum}: {number}"),
            minimum=minimum,
            maximum=MAX_COUNT,
            number=number,
        )
    return number


def _date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20000 <= value <= 80000:
        return _EXCEL_EPOCH + timedelta(days=int(value))  # an Excel serial date in a cell with no date format
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    try:
        return parse_date(text)
    except InputError:
        raise _RowError("date", N_("not a date: {value}"), value=_shown(value)) from None


def _member(enum: type[Any], field: str, value: str) -> Any:
    try:
        return enum.parse(value)
    except InputError:
        choices = "、".join(member.ja for member in enum)
        raise _RowError(field, N_("{value} is not one of: {choices}"), value=_shown(value), choices=choices) from None


class _Rows:
    """Turns the cells of one file's rows into activities, with the file's columns and options."""

    def __init__(
        self,
        headers: Sequence[object],
        header_row: int,
        *,
        name: str,
        where: Callable[[int, int], str],
        city: str | None,
        programs: ProgramLookup | None,
        today: date,
        lang: str,
        serial_offset: int = 0,
    ) -> None:
        self.name, self.where, self.city, self.programs, self.today = name, where, city, programs, today
        self.lang = lang
        #: Days added to a bare serial number in the date column (a 1904-system workbook: 1,462).
        self.serial_offset = serial_offset
        self.index: dict[str, int] = {}
        self.headers: dict[str, str] = {}
        self.helps: dict[int, str] = {}
        self.professions: list[tuple[int, Profession]] = []
        self.width = len(headers)
        problems: list[tuple[str, str]] = []
        for position, header in enumerate(headers):
            text = _text(header)
            if text is None:
                continue
            folded = normalize_label(text)
            field = _HEADERS.get(folded)
            if field is None:
                if folded in _PERSONAL_HEADERS:
                    problems.append(
                        (
                            self.where(position, header_row),
                            tr(N_("a column of personal data is refused"), lang),
                        )
                    )
                else:
                    known = ("、" if lang == "ja" else ", ").join(
                        column.ja if lang == "ja" else column.en for column in COLUMNS
                    )
                    problems.append(
                        (
                            self.where(position, header_row),
                            _filled(
                                N_("unknown column {name} (columns: {known})"),
                                {"name": _shown(text), "known": known},
                                lang,
                            ),
                        )
                    )
                continue
            if field in self.index:
                problems.append(
                    (
                        self.where(position, header_row),
                        _filled(N_("the column {name} is repeated"), {"name": _shown(text)}, lang),
                    )
                )
                continue
            self.index[field] = position
            self.headers[field] = text
            self.helps[position] = column_help(field)
            if field.startswith("profession:"):
                self.professions.append((position, Profession.parse(field.split(":", 1)[1])))
        for column in COLUMNS:
            if column.required and column.field not in self.index:
                label = column.ja if lang == "ja" else column.en
                problems.append((name, tr(N_("the required column {column!r} is missing"), lang, column=label)))
        if city is None and "city" not in self.index:
            problems.append((name, tr(N_("there is no city column (give --city)"), lang)))
        if problems:
            raise ActivityImportError(
                tr(N_("the file's header row is not valid"), lang), location={"file": name}, errors=problems, lang=lang
            )
        self.known_programs: dict[tuple[str, int], Collection[str] | None] = {}
        # Per column of the file: its field's slot (-1 for a profession's participants), its parser and a
        # cache of parsed cells (a log repeats the same kinds, programs, dates and counts on most rows, so
        # most cells are one dict look-up).
        self.plan: list[tuple[int, int, Callable[[object], Any], dict[object, Any]]] = [
            (self.index[field], slot, parse, {}) for slot, (field, parse) in enumerate(_PARSERS) if field in self.index
        ]
        self.plan += [(position, -1, _profession_count(profession), {}) for position, profession in self.professions]

    def parse(self, cells: Sequence[object], row: int) -> tuple[str, int, Activity] | list[tuple[str, str]] | None:
        """``(where, row, activity)`` for a valid row, its problems as ``(where, message)``, or ``None`` for a
        blank row."""
        problems: list[tuple[str, str]] = []
        values: list[Any] = [None] * len(_PARSERS)
        counts: list[tuple[Profession, int]] = []
        size = len(cells)
        if size < self.width:  # a short row (trailing cells left off): pad it
            cells = [*cells, *([None] * (self.width - size))]
        if self.serial_offset and "date" in self.index:
            at = self.index["date"]  # a 1904-system serial, read as _date's 1900 one
            cells = [*cells[:at], as_1900_serial(cells[at], self.serial_offset), *cells[at + 1 :]]
        for position, slot, parse, cache in self.plan:
            raw = cells[position]
            if raw == "" or raw is None:
                continue
            if type(raw) is ExcelErrorValue:
                field = _PARSERS[slot][0] if slot >= 0 else ""
                problems.append((self._at(field, position, row), raw.message(self.lang)))
                continue
            hit = _cached(cache, parse, raw)
            if type(hit) is _Problem:
                field = hit.field or (_PARSERS[slot][0] if slot >= 0 else "")
                problems.append((self._at(field, position, row), hit.text(self.lang)))
            elif slot >= 0:
                values[slot] = hit
            elif hit is not None:  # a profession's participants
                counts.append(hit)
        if size > self.width:
            for position in range(self.width, size):
                if _text(cells[position]) is not None:
                    problems.append((self.where(position, row), tr(N_("a value under no header"), self.lang)))
        if problems:
            return problems
        required = (values[_DATE], values[_PROGRAM], values[_KIND])
        if required == (None, None, None) and all(_text(cell) is None for cell in cells):
            return None  # a row of blanks (spaces): skipped
        entry = self.entry(values, counts, row)
        return [(entry.where, entry.message)] if isinstance(entry, RowProblem) else entry

    def entry(
        self, values: Sequence[Any], counts: Sequence[tuple[Profession, int]], row: int
    ) -> tuple[str, int, Activity] | RowProblem:
        """The entry of a row whose cells all parsed (``values`` by slot, ``counts`` its participants by
        profession): ``(where, row, activity)``, or the rule across fields it breaks."""
        try:
            item = self._activity(values, by_profession_order(counts))
        except _RowError as exc:
            return RowProblem(self._at(exc.field, self.index.get(exc.field, -1), row), exc.text(self.lang))
        return self.where(-1, row), row, item

    def is_help_row(self, cells: Sequence[object]) -> bool:
        """Whether ``cells`` are the help texts of their columns (the plan workbook's row below the header)."""
        texts = [(position, text) for position, cell in enumerate(cells) if (text := _text(cell)) is not None]
        return bool(texts) and all(self.helps.get(position) == text for position, text in texts)

    def _at(self, field: str, position: int, row: int) -> str:
        header = self.headers.get(field, "") if field else ""
        return f"{self.where(position, row)} {header}".rstrip()

    def _activity(self, values: Sequence[Any], by_profession: tuple[tuple[Profession, int], ...]) -> Activity:
        for slot in (_DATE, _PROGRAM, _KIND):
            if values[slot] is None:
                raise _RowError(_PARSERS[slot][0], N_("required"))
        city = values[_CITY] or self.city
        if city is None:
            raise _RowError("city", N_("no city"))
        if self.city is not None and city != self.city:
            raise _RowError("city", N_("differs from --city {city}: {value}"), city=self.city, value=_shown(city))
        day: date = values[_DATE]
        if day > self.today:
            raise _RowError("date", N_("a date in the future: {date}"), date=day.isoformat())
        kind: ActivityKind = values[_KIND]
        if self.programs is not None:
            self._check_program_year(city, values[_PROGRAM], fiscal_year_of(day))
        if kind is not _CONSULTATION:
            for slot in _CONSULTATION_ONLY:
                if values[slot] is not None:
                    raise _RowError(_PARSERS[slot][0], N_("only for consultations"))
        elif values[_ASKER_PROFESSION] is not None and values[_ASKER] is not _PROFESSIONAL:
            raise _RowError("asker_profession", N_("only when the asker is a professional"))
        count = values[_COUNT] or 1
        if values[_CASE_ID] is not None and count != 1:
            raise _RowError("count", N_("an entry with a case id counts 1"))
        participants = values[_PARTICIPANTS]
        if by_profession:
            known = sum(number for _, number in by_profession)
            if participants is None:
                participants = known
            elif known > participants:
                raise _RowError(
                    "participants",
                    N_("the participants by profession ({known}) exceed the participants ({total})"),
                    known=known,
                    total=participants,
                )
        # tuple.__new__: the fields are in Activity's order and checked above; half the cost of Activity(...)
        return _new_tuple(
            Activity,
            (
                city,
                values[_PROGRAM],
                day,
                kind,
                count,
                values[_TITLE],
                participants,
                by_profession,
                values[_SCENES] or _NO_SCENES,
                values[_BODY],
                values[_ASKER],
                values[_ASKER_PROFESSION],
                values[_TOPIC],
                values[_CASE_ID],
                values[_ROW_ID],
            ),
        )

    def _check_program_year(self, city: str, program: str, year: int) -> None:
        assert self.programs is not None
        key = (city, year)
        if key not in self.known_programs:
            self.known_programs[key] = self.programs(city, year)
        known = self.known_programs[key]
        if known is None:
            raise _RowError(
                "city",
                N_(
                    "the city {city} is unknown or has no plan for FY{year} (a city kept in a folder or a plan "
                    "workbook is named with zaitaku --data-dir)"
                ),
                city=_shown(city),
                year=year,
            )
        if program not in known:
            raise _RowError("program", N_("{program} is not a program of FY{year}"), program=_shown(program), year=year)


class _Problem:
    """A cell that does not parse (cached like a parsed value: the same cell fails the same way); ``text``
    says why in a language."""

    __slots__ = ("field", "text")

    def __init__(self, field: str, text: Callable[[str], str]) -> None:
        self.field, self.text = field, text


#: Distinct cells cached per column (case ids and titles are mostly unique: past this, parse each time).
_CACHE_LIMIT = 20_000


#: A cell not yet in a column's cache.
_MISSING = object()


def _cached(cache: dict[object, Any], parse: Callable[[object], Any], raw: object) -> Any:
    """The parsed value (or :class:`_Problem`) of a cell, from its column's ``cache`` when it was seen."""
    hit = cache.get(raw, _MISSING)
    if hit is _MISSING:
        hit = _parse_cell(parse, raw)
        if len(cache) < _CACHE_LIMIT:
            cache[raw] = hit
    return hit


def _parse_cell(parse: Callable[[object], Any], raw: object) -> Any:
    """The parsed value of a cell, or the :class:`_Problem` it has."""
    try:
        return parse(raw)
    except _RowError as exc:
        return _Problem(exc.field, exc.text)
    except InputError as exc:  # PersonalDataError and the like: their message never holds the value
        return _Problem("", exc.message_in)
    except ValueError as exc:
        message = str(exc)
        return _Problem("", lambda _lang: message)


def _identifier(field: str) -> Callable[[object], str | None]:
    plan_id = field in {"city", "program"}

    def parse(value: object) -> str | None:
        text = _text(value)
        if text is None:
            return None
        if plan_id:
            folded = unicodedata.normalize("NFKC", text).lower()
            if not _PLAN_ID.fullmatch(folded):
                # Never repeated, as the plan workbook's id cells: what is typed there may be a person's name.
                raise _RowError(field, N_("not an id (a-z, 0-9, _ . -; the value is not shown)"))
            return folded
        return check_opaque_id(text, field)

    return parse


def _enum(enum: type[Any], field: str) -> Callable[[object], Any]:
    def parse(value: object) -> Any:
        text = _text(value)
        return None if text is None else _member(enum, field, text)

    return parse


def _free_text(field: str, limit: int) -> Callable[[object], str | None]:
    def parse(value: object) -> str | None:
        text = _text(value)
        return None if text is None else check_free_text(text, field, limit)

    return parse


def _scenes(value: object) -> frozenset[CareScene]:
    text = _text(value)
    if text is None:
        return _NO_SCENES
    return frozenset(_member(CareScene, "scenes", part.strip()) for part in _SCENE_SPLIT.split(text) if part.strip())


def _profession_count(profession: Profession) -> Callable[[object], tuple[Profession, int] | None]:
    field = f"profession:{profession.code}"

    def parse(value: object) -> tuple[Profession, int] | None:
        number = _count(field, value)
        return (profession, number) if number else None

    return parse


_new_tuple = tuple.__new__
_PLAN_ID = re.compile(r"[a-z0-9][a-z0-9_.\-]{0,119}")
_NO_SCENES: frozenset[CareScene] = frozenset()
_CONSULTATION = ActivityKind.CONSULTATION
_PROFESSIONAL = Asker.PROFESSIONAL

#: Every field's parser, in the order of the fields of :class:`Activity`'s row (the slots below).
_PARSERS: tuple[tuple[str, Callable[[object], Any]], ...] = (
    ("row_id", _identifier("row_id")),
    ("date", _date),
    ("city", _identifier("city")),
    ("program", _identifier("program")),
    ("kind", _enum(ActivityKind, "kind")),
    ("count", lambda value: _count("count", value, minimum=1)),
    ("title", _free_text("title", 200)),
    ("participants", lambda value: _count("participants", value)),
    ("scenes", _scenes),
    ("body", _free_text("body", 200)),
    ("asker", _enum(Asker, "asker")),
    ("asker_profession", _enum(Profession, "asker_profession")),
    ("topic", _free_text("topic", 80)),
    ("case_id", _identifier("case_id")),
)
(_ROW_ID, _DATE, _CITY, _PROGRAM, _KIND, _COUNT, _TITLE, _PARTICIPANTS, _SCENES, _BODY, _ASKER, _ASKER_PROFESSION,
 _TOPIC, _CASE_ID) = range(len(_PARSERS))  # fmt: skip
_CONSULTATION_ONLY = (_ASKER, _ASKER_PROFESSION, _TOPIC, _CASE_ID)


def _column_letter(position: int) -> str:
    letters = ""
    number = position + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_file(
    path: Path,
    *,
    city: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    programs: ProgramLookup | None = None,
    today: date | None = None,
    lang: str | None = None,
) -> ActivityRows:
    """The rows of the activity file at ``path``, each ``(where, line, Activity)`` or a ``RowProblem``.

    ``.xlsx``/``.xlsm`` files are read with openpyxl (cached values, never formulas) from the log sheet
    (``sheet``, else the first of :data:`LOG_SHEET_NAMES`, else the only sheet), so the plan workbook
    (``zaitaku template``) reads too: its help row below the header is skipped. Anything else is CSV.
    ``city`` fills (and must match) the city column; ``programs`` checks each program against the plan of
    the row's fiscal year; dates after ``today`` (Japan's date by default) are refused. Problems are said in
    ``lang`` (``ja`` or ``en``; by default :func:`~zaitaku_core.i18n.resolve_lang`'s).

    The rows are read as they are asked for; :meth:`~zaitaku_core.activity.record.ActivityRows.batches`
    gives the rows of a simple CSV that are all valid in batches, which the store writes column by column.

    Raises:
        ActivityImportError: the file cannot be read, or its header row is not valid.
    """
    return ActivityRows(_read(path, city, encoding, sheet, programs, today, lang))


def _read(
    path: Path,
    city: str | None,
    encoding: str | None,
    sheet: str | None,
    programs: ProgramLookup | None,
    today: date | None,
    lang: str | None,
) -> Iterator[tuple[str, int, Activity] | RowProblem | ActivityBatch]:
    name = path.name
    if today is None:
        today = datetime.now(JAPAN).date()
    lang = resolve_lang(lang)
    suffix = path.suffix.lower()
    options: dict[str, Any] = {"name": name, "city": city, "programs": programs, "today": today, "lang": lang}
    if suffix in {".xlsx", ".xlsm"}:
        rows_iter, where, options["serial_offset"] = _xlsx_rows(path, sheet, lang)
    else:
        text = _decode_file(path, encoding, lang)
        header = _simple_header(text)
        if header is not None:  # a header on line 1: try the columnar reader first
            rows = _Rows(header, 1, where=lambda position, line: f"{name}:{line}", **options)
            table = _arrow_table(text, len(header))
            if table is not None:
                del text  # the table holds the rows
                yield from _columnar(rows, table)
                return
        rows_iter, where = _csv_rows(name, text, lang)
    try:
        header_row, headers = next(rows_iter)
    except StopIteration:
        raise ActivityImportError(tr(N_("the file is empty"), lang), location={"file": name}) from None
    rows = _Rows(headers, header_row, where=where, **options)
    for number, cells in rows_iter:
        yield from _row_entries(rows, cells, number, header_row)


def _simple_header(text: str) -> list[str] | None:
    """The cells of the first line of ``text`` if it is a header with values and no quoted line break."""
    end = text.find("\n")
    first = text if end < 0 else text[:end]
    if first.endswith("\r"):
        first = first[:-1]
    if first.count('"') % 2 or "\r" in first:
        return None
    try:
        header = next(csv.reader([first]), [])
    except csv.Error:
        return None
    return header if any(_text(cell) is not None for cell in header) else None


def _row_entries(
    rows: _Rows, cells: Sequence[Any], number: int, header_row: int
) -> Iterator[tuple[str, int, Activity] | RowProblem]:
    """The entry of one row read cell by cell: nothing (a blank or help row), the activity, or its problems."""
    if not any(cells):
        return
    if number == header_row + 1 and rows.is_help_row(cells):
        return
    parsed = rows.parse(cells, number)
    if parsed is None:
        return
    if isinstance(parsed, list):
        for problem_where, message in parsed:
            yield RowProblem(problem_where, message)
    else:
        yield parsed


#: Rows of a CSV validated together by the columnar reader (bounds the Python objects held at once).
COLUMNAR_SLICE = 65_536


def _arrow_table(text: str, width: int) -> Any:
    """The data rows of a simple CSV ``text`` as a pyarrow table of ``width`` string columns, or ``None``.

    Simple: the header on line 1, one row per line (no blank line, no line break inside a quoted value, no
    lone carriage return), every row as wide as the header, no NUL and no field over the size limit of
    Python's ``csv``. Such a file reads the same with pyarrow as with ``csv`` (the reference, kept for every
    other file), and each row's line number is its index plus 2.
    """
    if not _COLUMNAR or "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        from pyarrow import csv as pa_csv
    except ImportError:  # pragma: no cover - pyarrow is a dependency of the core
        return None
    names = [f"c{position}" for position in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(skip_rows=1, column_names=names, use_threads=False),
            parse_options=pa_csv.ParseOptions(newlines_in_values=False),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a row of another width, or not CSV pyarrow reads
        return None
    if table.num_rows != lines - 1:
        return None
    limit = csv.field_size_limit()
    for column in table.columns:
        if table.num_rows and (pc.max(pc.utf8_length(column)).as_py() or 0) > limit:
            return None
    return table


def _columnar(rows: _Rows, table: Any) -> Iterator[tuple[str, int, Activity] | RowProblem | ActivityBatch]:
    """The entries of a simple CSV's rows (:func:`_arrow_table`), validated column by column.

    Every distinct cell of a column is parsed once, by the same parser as the row-by-row reader, and the
    parsed values are gathered to the rows with numpy. A row with a cell that does not parse, a blank row
    and the first row (a help row, perhaps) go through the row-by-row reader, so their problems read the
    same. The rules across fields (:meth:`_Rows._activity`) are checked column by column, and a row that
    may break one (or has participants by profession) is checked one by one, as there. A slice whose
    rows are all valid is yielded as one :class:`~zaitaku_core.activity.record.ActivityBatch`; a slice
    with a problem row by row, every problem in its place.
    """
    import numpy as np

    for start in range(0, table.num_rows, COLUMNAR_SLICE):
        part = table.slice(start, COLUMNAR_SLICE)
        size = part.num_rows
        cells: list[tuple[list[Any], Any]] = []
        slow = np.zeros(size, dtype=bool)
        blank = np.ones(size, dtype=bool)
        for column in part.columns:
            encoded = column.combine_chunks().dictionary_encode()
            distinct = encoded.dictionary.to_pylist()
            indices = encoded.indices.to_numpy(zero_copy_only=False)
            cells.append((distinct, indices))
            blank &= _where_distinct(distinct, indices, lambda value: not value.strip())
        slots: list[list[Any]] = [[None] * size] * len(_PARSERS)  # one list of blanks for every absent field
        parsed_by_slot: dict[int, tuple[Any, Any]] = {}  # slot -> (parsed distinct values, their rows' indices)
        professions: list[list[Any]] = []
        any_profession = np.zeros(size, dtype=bool)
        for position, slot, parse, cache in rows.plan:
            distinct, indices = cells[position]
            parsed = np.empty(len(distinct), dtype=object)
            failed = np.zeros(len(distinct), dtype=bool)
            for number, raw in enumerate(distinct):
                if raw == "":
                    continue
                hit = _cached(cache, parse, raw)
                if type(hit) is _Problem:
                    failed[number] = True
                else:
                    parsed[number] = hit
            slow |= failed[indices]
            gathered = parsed[indices].tolist()
            if slot >= 0:
                slots[slot] = gathered
                parsed_by_slot[slot] = (parsed, indices)
            else:
                professions.append(gathered)
                any_profession |= _where_distinct(parsed, indices, lambda value: value is not None)
        slow |= blank
        if start == 0:
            slow[0] = True  # the row below the header may be a help row
        check = slow | _may_break_a_rule(rows, parsed_by_slot, size)
        derived: dict[int, tuple[tuple[tuple[Profession, int], ...], int]] = {}
        if professions:
            derived, exceeding = _by_profession(professions, any_profession & ~check, slots[_PARTICIPANTS])
            check[exceeding] = True  # more participants by profession than in all: said row by row
        by_profession: Iterator[tuple[Any, ...]] = (
            zip(*professions, strict=True) if professions else itertools.repeat(())
        )
        checked: dict[int, list[tuple[str, int, Activity] | RowProblem]] = {}
        valid = True
        for index, counts in zip(np.flatnonzero(check).tolist(), _rows_of(by_profession, check), strict=True):
            line = start + index + 2
            if slow[index]:
                raw_cells = [distinct[indices[index]] for distinct, indices in cells]
                got = list(_row_entries(rows, raw_cells, line, 1))
            else:
                got = [_fast_row(rows, [slot[index] for slot in slots], counts, line)]
            checked[index] = got
            valid = valid and not any(type(entry) is RowProblem for entry in got)
        if valid:
            yield _batch(rows, start, size, slots, checked, derived)
            continue
        for index, values in enumerate(zip(*slots, strict=True)):
            entries = checked.get(index)
            if entries is None:
                yield _fast_row(rows, values, _profession_cells(professions, index), start + index + 2)
            else:
                yield from entries


def _where_distinct(parsed: Any, indices: Any, test: Callable[[Any], bool]) -> Any:
    """Per row (``indices`` into the distinct ``parsed`` values): whether its value passes ``test``."""
    import numpy as np

    return np.fromiter((test(value) for value in parsed), dtype=bool, count=len(parsed))[indices]


def _may_break_a_rule(rows: _Rows, parsed: dict[int, tuple[Any, Any]], size: int) -> Any:
    """Per row: whether it may break a rule across fields of :meth:`_Rows._activity` (checked one by one
    then). Every row that breaks one is flagged; a flagged row may still be valid."""
    import numpy as np

    flagged = np.zeros(size, dtype=bool)

    def rows_where(slot: int, test: Callable[[Any], bool]) -> Any:
        if slot not in parsed:
            return np.zeros(size, dtype=bool)
        return _where_distinct(*parsed[slot], test)

    def present(slot: int) -> Any:
        return rows_where(slot, lambda value: value is not None)

    for slot in (_DATE, _PROGRAM, _KIND):
        flagged |= ~present(slot)
    if _CITY in parsed:
        city = rows.city
        flagged |= rows_where(_CITY, lambda value: (value is None) if city is None else value not in (None, city))
    elif rows.city is None:  # pragma: no cover - the header check requires a city column or --city
        flagged[:] = True
    today = rows.today
    flagged |= rows_where(_DATE, lambda value: value is not None and value > today)
    consultation = rows_where(_KIND, lambda value: value is _CONSULTATION)
    for slot in _CONSULTATION_ONLY:
        flagged |= ~consultation & present(slot)
    flagged |= consultation & present(_ASKER_PROFESSION) & ~rows_where(_ASKER, lambda value: value is _PROFESSIONAL)
    flagged |= present(_CASE_ID) & rows_where(_COUNT, lambda value: value is not None and value != 1)
    if rows.programs is not None:
        flagged |= _not_in_plan(rows, parsed, size)
    return flagged


def _not_in_plan(rows: _Rows, parsed: dict[int, tuple[Any, Any]], size: int) -> Any:
    """Per row: whether its program is not one of its city's plan for its fiscal year (each distinct city,
    program and year looked up once)."""
    import numpy as np

    dates, date_rows = parsed[_DATE]
    years = np.fromiter((fiscal_year_of(day) if day is not None else 0 for day in dates), dtype=np.int64)[date_rows]
    programs, program_rows = parsed[_PROGRAM]
    cities, city_rows = parsed.get(_CITY, (np.array([None], dtype=object), np.zeros(size, dtype=np.int64)))
    combined = (city_rows.astype(np.int64) * (len(programs) + 1) + program_rows) * 10_000 + years
    distinct, inverse = np.unique(combined, return_inverse=True)
    bad = np.zeros(len(distinct), dtype=bool)
    for number, value in enumerate(distinct.tolist()):
        rest, year = divmod(value, 10_000)
        city_index, program_index = divmod(rest, len(programs) + 1)
        city, program = cities[city_index] or rows.city, programs[program_index]
        if city is None or program is None or not year:
            continue  # flagged by another rule
        try:
            rows._check_program_year(city, program, year)
        except _RowError:
            bad[number] = True
    return bad[inverse.reshape(-1)]


def _profession_cells(professions: list[list[Any]], index: int) -> tuple[Any, ...]:
    return tuple(column[index] for column in professions)


def _by_profession(
    professions: list[list[Any]], rows_with: Any, participants: list[int | None]
) -> tuple[dict[int, tuple[tuple[tuple[Profession, int], ...], int]], list[int]]:
    """Per row of ``rows_with``: its participants by profession, as :meth:`_Rows._activity` orders them, and
    their sum (one shared pair per distinct combination of cells); and the rows whose sum exceeds the
    participants they give (left out of the first)."""
    wanted = rows_with.tolist()
    orders: dict[tuple[Any, ...], tuple[tuple[tuple[Profession, int], ...], int]] = {}
    derived: dict[int, tuple[tuple[tuple[Profession, int], ...], int]] = {}
    exceeding: list[int] = []
    for index, cells in zip(
        itertools.compress(itertools.count(), wanted),
        itertools.compress(zip(*professions, strict=True), wanted),
        strict=True,  # both stop where ``wanted`` does
    ):
        found = orders.get(cells)
        if found is None:
            known = [count for count in cells if count is not None]
            ordered = by_profession_order(known)
            found = orders[cells] = (ordered, sum(number for _, number in ordered))
        people = participants[index]
        if people is not None and found[1] > people:
            exceeding.append(index)
        else:
            derived[index] = found
    return derived, exceeding


def _rows_of(values: Iterator[tuple[Any, ...]], wanted: Any) -> Iterator[tuple[Any, ...]]:
    """The items of ``values`` at the rows where ``wanted`` is true."""
    return itertools.compress(values, wanted.tolist())


def _fast_row(
    rows: _Rows, values: Sequence[Any], counts: Sequence[Any], line: int
) -> tuple[str, int, Activity] | RowProblem:
    """The entry of a row whose cells all parsed (:meth:`_Rows.entry`; ``counts`` holds ``None`` for a
    profession's blank cell)."""
    return rows.entry(values, [count for count in counts if count is not None], line)


# Columns of a batch (Activity's fields) that rows with participants by profession fill in.
_BATCH_PARTICIPANTS, _BATCH_BY_PROFESSION = (
    Activity._fields.index("participants"),
    Activity._fields.index("by_profession"),
)


def _batch(
    rows: _Rows,
    start: int,
    size: int,
    slots: list[list[Any]],
    checked: dict[int, list[tuple[str, int, Activity] | RowProblem]],
    derived: dict[int, tuple[tuple[tuple[Profession, int], ...], int]],
) -> ActivityBatch:
    """The valid rows of a slice as a batch: the gathered values, derived as :meth:`_Rows._activity` derives
    them, with the rows checked one by one put in (or left out: blank and help rows)."""
    city = slots[_CITY]
    if rows.city is not None:
        city = [rows.city if value is None else value for value in city]
    columns: list[list[Any]] = [
        city,
        slots[_PROGRAM],
        slots[_DATE],
        slots[_KIND],
        [1 if value is None else value for value in slots[_COUNT]],
        slots[_TITLE],
        slots[_PARTICIPANTS],
        [()] * size,
        [_NO_SCENES if value is None else value for value in slots[_SCENES]],
        slots[_BODY],
        slots[_ASKER],
        slots[_ASKER_PROFESSION],
        slots[_TOPIC],
        slots[_CASE_ID],
        slots[_ROW_ID],
    ]
    lines = list(range(start + 2, start + 2 + size))
    if derived:  # rows with participants by profession
        columns[_BATCH_PARTICIPANTS] = list(columns[_BATCH_PARTICIPANTS])
        people, by_profession = columns[_BATCH_PARTICIPANTS], columns[_BATCH_BY_PROFESSION]
        for index, (ordered, total) in derived.items():
            by_profession[index] = ordered
            if people[index] is None:
                people[index] = total
    if checked:
        columns = [list(column) for column in columns]  # absent fields share one list: copy before writing
        dropped: set[int] = set()
        for index, got in checked.items():
            if not got:
                dropped.add(index)
                continue
            ((_, _, item),) = got  # type: ignore[misc]
            for column, value in zip(columns, item, strict=True):
                column[index] = value
        if dropped:
            keep = [index for index in range(size) if index not in dropped]
            columns = [[column[index] for index in keep] for column in columns]
            lines = [lines[index] for index in keep]
    return ActivityBatch(rows.name, lines, columns)


#: Whether simple CSV files are read column by column (the tests compare both ways).
_COLUMNAR = True


def _decode_file(path: Path, encoding: str | None, lang: str) -> str:
    name = path.name
    try:
        return decode_csv(path.read_bytes(), encoding)
    except OSError as exc:
        raise ActivityImportError(
            tr(N_("cannot read the file: {reason}"), lang, reason=exc.strerror), location={"file": name}
        ) from None
    except InputError as exc:
        raise ActivityImportError(exc.message_in(lang), location={"file": name, **exc.location}) from None


def _csv_rows(name: str, text: str, lang: str) -> tuple[Iterator[tuple[int, Sequence[Any]]], Callable[[int, int], str]]:
    reader = csv.reader(io.StringIO(text, newline=""))

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):  # the csv module's words: said in the run's language
                said = tr(N_("a cell longer than {limit:,} characters"), lang, limit=csv.field_size_limit())
            else:
                said = tr(N_("not valid CSV: {reason}"), lang, reason=exc)
            raise ActivityImportError(said, location={"file": name, "line": str(reader.line_num)}) from None

    return _skip_blank_header(rows()), lambda position, line: f"{name}:{line}"


def _xlsx_rows(
    path: Path, sheet: str | None, lang: str
) -> tuple[Iterator[tuple[int, Sequence[Any]]], Callable[[int, int], str], int]:
    """The rows of the log's sheet, how to name a cell, and the workbook's
    :func:`~zaitaku_core.io.xlsx_cells.serial_offset`."""
    name = path.name
    if importlib.util.find_spec("openpyxl") is None:  # pragma: no cover - the log extra installs it
        raise ActivityImportError(
            tr(N_("reading XLSX needs openpyxl (pip install 'zaitaku-core[log]')"), lang)
        ) from None
    try:
        workbook = load_values(path)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not a workbook
        raise ActivityImportError(
            tr(N_("not a readable workbook: {reason}"), lang, reason=type(exc).__name__), location={"file": name}
        ) from None
    names = workbook.sheetnames
    chosen = sheet
    if chosen is None:
        chosen = next((n for n in LOG_SHEET_NAMES if n in names), names[0] if len(names) == 1 else None)
    if chosen is None or chosen not in names:
        wanted = sheet or "・".join(LOG_SHEET_NAMES)
        raise ActivityImportError(
            tr(
                N_("no sheet {wanted!r} (the sheets: {sheets}); give --sheet"),
                lang,
                wanted=wanted,
                sheets="、".join(names),
            ),
            location={"file": name},
        )
    worksheet = workbook[chosen]

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        try:
            for number, cells in enumerate(worksheet.iter_rows(), 1):
                yield number, [ExcelErrorValue(c.value) if is_error(c) else unescape(c.value) for c in cells]
        finally:
            workbook.close()

    def where(position: int, row: int) -> str:
        if position < 0:
            return f"{name} {chosen}!{row}"
        return f"{name} {chosen}!{_column_letter(position)}{row}"

    # The header row is the first row with any value: blank rows above it are skipped.
    return _skip_blank_header(rows()), where, serial_offset(workbook)


@dataclass(frozen=True, slots=True)
class ExcelErrorValue:
    """A cell holding an Excel error value (``#N/A``, ``#REF!``): a problem of its row, never a value."""

    value: str

    def message(self, lang: str) -> str:
        """What the row's problem says of the cell, in ``lang`` (the plan workbook's reader says the same)."""
        return tr(ERROR_VALUE, lang, value=self.value)


def _skip_blank_header(rows: Iterator[tuple[int, Sequence[Any]]]) -> Iterator[tuple[int, Sequence[Any]]]:
    for number, cells in rows:
        if any(_text(cell) is not None for cell in cells):
            yield number, cells
            break
    yield from rows


def read_fields(
    values: dict[str, object],
    *,
    source: str,
    city: str | None = None,
    programs: ProgramLookup | None = None,
    today: date | None = None,
    lang: str | None = None,
) -> Activity:
    """One activity from ``values`` keyed by column (field name or header), validated as a file's row is;
    problems are said in ``lang`` (as :func:`read_file`'s).

    Raises:
        ActivityImportError: a field is not valid (every problem is listed, by field).
    """
    headers = list(values)
    lang = resolve_lang(lang)
    rows = _Rows(
        headers,
        0,
        name=source,
        where=lambda position, row: source,
        city=city,
        programs=programs,
        today=today or datetime.now(JAPAN).date(),
        lang=lang,
    )
    parsed = rows.parse([values[header] for header in headers], 0)
    if parsed is None:
        raise ActivityImportError(tr(N_("the activity is empty"), lang), location={"file": source})
    if isinstance(parsed, list):
        raise ActivityImportError(
            tr(N_("the activity is not valid"), lang), location={"file": source}, errors=parsed, lang=lang
        )
    return parsed[2]
