"""The plugin registry: finds city plugins, calls their hooks, and validates what they return.

:func:`create_registry` builds a :class:`Registry` (there is no global plugin manager made at import
time). It loads the plugins of the entry-point group ``zaitaku`` (all of them, or lazily one city at a
time), registers the core's default plugins and any plugin an embedding application passes in code,
calls pluggy's ``check_pending()`` so that a misspelled hook fails loudly, and validates every hook
result through :mod:`zaitaku_core.model`.

A broken plugin never hides the others, and is never hidden itself: a plugin that cannot be imported
or registered is left out and its error is kept in :attr:`Registry.errors` (or raised with
``strict=True``); asking for a city whose plugin failed raises that error again as "plugin X failed: …"
rather than "no plugin serves city X". Two distributions that declare the same entry-point name are
both refused with an error naming them, never one silently chosen by ``sys.path`` order. A plugin whose
data is invalid raises :class:`~zaitaku_core.errors.PluginDataError` naming the plugin, the hook, the
data file and the field, only when that plugin's data is asked for. Data nested too deeply to read
(thousands of levels) is such an error too, naming its file, never a bare ``RecursionError``.

Set the environment variable ``ZAITAKU_TRACE_HOOKS=1`` to log every hook call (plugin, hook, arguments,
item count, time) to the ``zaitaku.hooks`` logger on standard error.

>>> from zaitaku_core.model import City
>>> class Demo:
...     @hookimpl
...     def zaitaku_cities(self):
...         return [{"id": "demo", "municipality": {"code": "012041", "name": "旭川市",
...                  "prefecture": "北海道"}, "fiscal_years": [2024]}]
>>> registry = create_registry(entry_points=False, plugins=[("demo", Demo())])
>>> [city.id for city in registry.cities()]
['demo']
>>> registry.resolve_city("旭川市"), registry.resolve_city("01204"), registry.resolve_city("012041")
('demo', 'demo', 'demo')
"""

from __future__ import annotations

import copy
import difflib
import importlib
import io
import json
import logging
import os
import pickle
import re
import sys
import time
import tomllib
import unicodedata
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import cache, cached_property
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from itertools import chain
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast, get_args, get_origin

import attrs
import pluggy
from pydantic import BaseModel, TypeAdapter, ValidationError

from zaitaku_core import hookspecs
from zaitaku_core._prevalidated import fields_set_shareable
from zaitaku_core.calendar import fiscal_years_named, parse_fiscal_year
from zaitaku_core.checks import Check
from zaitaku_core.errors import (
    HookResultError,
    PluginDataError,
    PluginError,
    PluginLoadError,
    UndeclaredFiscalYearError,
    UnknownCityError,
    ZaitakuError,
    exception_text,
    field_error_text,
)
from zaitaku_core.hookspecs import PROJECT_NAME, hookimpl
from zaitaku_core.i18n import N_, ByLanguage, ja_en
from zaitaku_core.model import (
    Body,
    City,
    FiscalYearInt,
    HandoffRule,
    Indicator,
    IndicatorValue,
    OfficeCalendarSpec,
    PeriodProgram,
    Plan,
    Program,
    ReportSection,
    Tool,
)

__all__ = [
    "CITY_CACHE_ENTRIES",
    "CITY_MODELS_KEPT",
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "HANDOFF_CACHE_RECORDS",
    "PLAN_CACHE_RECORDS",
    "PROGRAM_ID_YEARS",
    "DataFile",
    "DataPlugin",
    "PluginInfo",
    "Registry",
    "SourcedRecord",
    "create_registry",
    "hookimpl",
    "load_data",
    "read_data",
]

#: The entry-point group in which city plugins register.
ENTRY_POINT_GROUP = PROJECT_NAME

#: Modules of the core registered as plugins in every registry (core behaviour written as plugins).
DEFAULT_PLUGINS: tuple[str, ...] = ("zaitaku_core.validation",)

#: How many validated records a registry keeps of plan data: a city's programs of a fiscal year and its
#: bodies, read once for each plan or report. About one plan's worth, least recently used first: a run over
#: a city's years reads each year once, and each record kept alive is work for the garbage collector in a
#: run over every municipality (keeping a city's five last years of programs cost the nation benchmark
#: ~0.2x its baseline in collections). The ids of the programs of the last
#: :data:`PROGRAM_ID_YEARS` years read are kept apart, so a plan that names a program of another year does
#: not validate that year again.
#:
#: A year's programs are kept with a snapshot of each one's input (the plain mapping a plugin returned,
#: without its ``fiscal_year``, pickled: bytes), as long as that year stays in this budget and no longer.
#: The next year read of the same city reuses a program whose input is the same but for its year (a
#: program continuing through a plan period) instead of validating it again: the year's value is
#: validated alone and the program copied with it, equal to what validation would give.
PLAN_CACHE_RECORDS = 50

#: How many (city, fiscal year) sets of program ids a registry keeps for references across years.
PROGRAM_ID_YEARS = 64

#: How many validated records a registry keeps of handoff data: handoff rules, tools and office calendars,
#: which the handoff engine reads on every event. Dozens of cities' worth, least recently used first. In
#: both caches a single result larger than the budget is still kept, alone.
HANDOFF_CACHE_RECORDS = 1000

#: How many cities' indicators a registry keeps, whatever their number of records. A city's indicators
#: are read once for each of its fiscal years; counted against the plan budget, a city with more of them
#: than that budget had them evicted by its own years' programs and validated again every year. The last
#: city's only: a run over cities reads one at a time, and each city kept alive costs the garbage collector
#: (four cities of 400 indicators doubled its full collections in the nation benchmark). A service that
#: alternates between a few cities can raise it. The oldest is let go before a new city's are validated, not
#: after: the collector's full collections in that burst of allocations then scan one city's indicators, not
#: two (at 400 indicators a city, 18.6–22 ms each instead of 22–29 ms over the nation benchmark).
CITY_CACHE_ENTRIES = 1

#: How many cities a registry keeps as models, the last asked for. Every city is validated when its plugin
#: is registered, and the others are kept as their validated model pickled (bytes, which the garbage
#: collector never scans) and made again when asked: 1,741 cities held as models are ~45,000 objects
#: that every full collection scans, more than all the imported modules hold (~0.2x of the nation
#: benchmark's baseline in collections).
CITY_MODELS_KEPT = 16

#: The hooks whose results are handoff data (every other hook's are plan data).
_HANDOFF_HOOKS = frozenset({"zaitaku_handoff_rules", "zaitaku_tools", "zaitaku_office_calendars"})
_CITY_HOOKS = frozenset({"zaitaku_indicators"})

_log = logging.getLogger("zaitaku.hooks")

M = TypeVar("M", bound=BaseModel)


# --- plugin data files ----------------------------------------------------------------------------------------


class SourcedRecord(dict[str, Any]):
    """A mapping read from a data file that remembers where it came from (for error messages)."""

    source: str = ""


@attrs.frozen
class DataFile:
    """A plugin's data file, parsed (TOML or JSON; never executed)."""

    path: str
    content: Mapping[str, Any]

    def records(self, key: str) -> list[SourcedRecord]:
        """The list under ``key`` (an array of tables), each record knowing its file and index.

        Raises:
            PluginDataError: ``key`` is missing or is not a list of tables.
        """
        value = self.content.get(key)
        if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            raise PluginDataError(
                N_("expected a list of tables under {key!r}"),
                values={"key": key},
                location={"file": self.path, "field": key},
            )
        out: list[SourcedRecord] = []
        for index, item in enumerate(value):
            record = SourcedRecord(item)
            record.source = f"{self.path}: {key}[{index}]"
            out.append(record)
        return out

    def record(self, key: str) -> SourcedRecord:
        """The single table under ``key``, knowing its file."""
        value = self.content.get(key)
        if not isinstance(value, Mapping):
            raise PluginDataError(
                N_("expected a table under {key!r}"), values={"key": key}, location={"file": self.path, "field": key}
            )
        record = SourcedRecord(value)
        record.source = f"{self.path}: {key}"
        return record


def load_data(package: str, name: str) -> DataFile:
    """Read the data file ``name`` shipped inside ``package`` (``.toml`` or ``.json``).

    Plugin data is parsed, never executed. A syntax error raises
    :class:`~zaitaku_core.errors.PluginDataError` naming the file and the line.
    """
    return read_data(resources.files(package).joinpath(name), f"{package}/{name}")


#: tomllib's reasons for a key or table given twice (its messages, before " (at line …)").
_TOML_TWICE = ("Cannot overwrite a value", "Cannot declare ", "Duplicate inline table key", "Cannot redefine namespace")
_TOML_AT = re.compile(r"(?P<reason>.*) \(at line (?P<line>\d+), column \d+\)$", re.DOTALL)


def _syntax_error(exc: tomllib.TOMLDecodeError | json.JSONDecodeError, path: str) -> PluginDataError:
    """A TOML or JSON syntax error as the file's problem at its line, in the language of the run."""
    line: str | None
    if isinstance(exc, json.JSONDecodeError):
        reason, line = exc.msg, str(exc.lineno)
    else:
        match = _TOML_AT.match(str(exc))
        reason, line = (match["reason"], match["line"]) if match else (str(exc), None)
    location = {"file": path, "line": line} if line else {"file": path}
    if reason.startswith(_TOML_TWICE):
        message = N_("cannot parse data file: the same key is written twice (or a table is given twice): keep one")
        return PluginDataError(message, values={}, location=location)
    return PluginDataError(N_("cannot parse data file: {reason}"), values={"reason": reason}, location=location)


def read_data(resource: Traversable, path: str) -> DataFile:
    """Read the data file at ``resource`` (a package resource or a :class:`~pathlib.Path`), named ``path``
    in errors; as :func:`load_data` does."""
    try:
        raw = resource.read_bytes()
    except (FileNotFoundError, OSError) as exc:
        raise PluginDataError(
            N_("cannot read data file: {reason}"), values={"reason": exc}, location={"file": path}
        ) from exc
    try:  # UTF-8 with a BOM too: Windows' Notepad saves "UTF-8 (BOM付き)", and TOML has no place for one
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # saved as Shift_JIS by a Japanese editor, most often
        line = str(raw.count(b"\n", 0, exc.start) + 1)
        raise PluginDataError(
            N_("the data file is not UTF-8 text (save it as UTF-8; Shift_JIS is not read)"),
            values={},
            location={"file": path, "line": line},
        ) from None
    try:
        if path.endswith(".toml"):
            content: Any = tomllib.loads(text)
        elif path.endswith(".json"):
            content = json.loads(text)
        else:
            raise PluginDataError(N_("data files must be .toml or .json"), values={}, location={"file": path})
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise _syntax_error(exc, path) from exc
    except RecursionError:
        raise PluginDataError(
            N_("cannot parse data file: its tables or arrays are nested too deeply"),
            values={},
            location={"file": path},
        ) from None
    if not isinstance(content, Mapping):
        message = N_("a data file must hold a table at its top level")
        raise PluginDataError(message, values={}, location={"file": path})
    return DataFile(path=path, content=content)


class DataPlugin:
    """A plugin whose hooks read everything from data files in a package (the city plugins' base).

    Files are looked up in ``<package>/<data_dir>/``; each is optional except ``city.toml``:

    ========================  ============================================================
    file                      content
    ========================  ============================================================
    ``city.toml``             ``[city]``: one :class:`~zaitaku_core.model.City`
    ``programs.toml``         ``[[programs]]``: a :class:`~zaitaku_core.model.Program` with its
                              ``fiscal_year``, or a :class:`~zaitaku_core.model.PeriodProgram` stated
                              once with ``period`` (第9期) or ``fiscal_years`` and per-year ``years``
    ``bodies.toml``           ``[[bodies]]``: :class:`~zaitaku_core.model.Body`
    ``tools.toml``            ``[[tools]]``: :class:`~zaitaku_core.model.Tool`
    ``indicators.toml``       ``[[indicators]]``: :class:`~zaitaku_core.model.Indicator`
    ``handoff.toml``          ``[[rules]]``: :class:`~zaitaku_core.model.HandoffRule`
    ``calendars.toml``        ``[[calendars]]``: :class:`~zaitaku_core.model.OfficeCalendarSpec`
    ========================  ============================================================

    A city plugin's module then needs one line, ``plugin = DataPlugin(__name__)``, and its entry point
    names that object (``asahikawa = "zaitaku_asahikawa:plugin"``). Add hook functions of your own
    beside it for anything data cannot say.
    """

    #: The files of the table above: the only ones read.
    FILES: ClassVar[tuple[str, ...]] = (
        "city.toml",
        "programs.toml",
        "bodies.toml",
        "tools.toml",
        "indicators.toml",
        "handoff.toml",
        "calendars.toml",
    )

    def __init__(self, package: str, data_dir: str = "data") -> None:
        self.package = package
        self.data_dir = data_dir
        self._files: dict[str, DataFile | None] = {}

    def __repr__(self) -> str:
        return f"DataPlugin({self.package!r})"

    def _file(self, name: str) -> DataFile | None:
        if name not in self._files:
            resource = resources.files(self.package).joinpath(self.data_dir, name)
            self._files[name] = load_data(self.package, f"{self.data_dir}/{name}") if resource.is_file() else None
        return self._files[name]

    def _records(self, name: str, key: str) -> list[SourcedRecord]:
        data = self._file(name)
        return data.records(key) if data is not None else []

    @property
    def city_id(self) -> str:
        """The id of the city this plugin serves, as written in ``city.toml``."""
        data = self._file("city.toml")
        if data is None:
            raise PluginDataError(
                N_("a DataPlugin needs city.toml"), values={}, location={"file": f"{self.package}/{self.data_dir}"}
            )
        return str(data.record("city").get("id", ""))

    @hookimpl
    def zaitaku_cities(self) -> list[SourcedRecord]:
        """The city of ``city.toml``."""
        data = self._file("city.toml")
        if data is None:
            raise PluginDataError(
                N_("a DataPlugin needs city.toml"), values={}, location={"file": f"{self.package}/{self.data_dir}"}
            )
        return [data.record("city")]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[SourcedRecord] | None:
        """The programs of ``programs.toml`` whose ``fiscal_year`` is ``fiscal_year``, and those stated for a
        span (the registry keeps them for the years of their span). Those of a year ``city.toml`` does not
        declare come with every year asked: the registry keeps them out of the plan, for ZK021 to report
        (otherwise no year would ever read them, and a typo 令和5 for 令和6 would drop a program unsaid)."""
        if city != self.city_id:
            return None
        declared = self._declared_years()
        records = self._records("programs.toml", "programs")
        return [record for record in records if _of_year(record, fiscal_year, declared)]

    def _declared_years(self) -> frozenset[int]:
        """The fiscal years ``city.toml`` declares, those that read (the registry validates the city itself)."""
        data = self._file("city.toml")
        city = data.content.get("city") if data is not None else None
        years = city.get("fiscal_years") if isinstance(city, Mapping) else None
        declared: set[int] = set()
        for year in years if isinstance(years, list) else ():
            try:
                declared.add(parse_fiscal_year(year).year)
            except ZaitakuError:
                continue
        return frozenset(declared)

    @hookimpl
    def zaitaku_bodies(self, city: str) -> list[SourcedRecord] | None:
        """The bodies of ``bodies.toml``."""
        return self._records("bodies.toml", "bodies") if city == self.city_id else None

    @hookimpl
    def zaitaku_tools(self, city: str) -> list[SourcedRecord] | None:
        """The tools of ``tools.toml``."""
        return self._records("tools.toml", "tools") if city == self.city_id else None

    @hookimpl
    def zaitaku_indicators(self, city: str) -> list[SourcedRecord] | None:
        """The indicators of ``indicators.toml``."""
        return self._records("indicators.toml", "indicators") if city == self.city_id else None

    @hookimpl
    def zaitaku_handoff_rules(self, city: str) -> list[SourcedRecord] | None:
        """The handoff rules of ``handoff.toml``."""
        return self._records("handoff.toml", "rules") if city == self.city_id else None

    @hookimpl
    def zaitaku_office_calendars(self, city: str) -> list[SourcedRecord] | None:
        """The office calendars of ``calendars.toml``."""
        return self._records("calendars.toml", "calendars") if city == self.city_id else None


def _of_year(record: Mapping[str, Any], fiscal_year: int, declared: frozenset[int] = frozenset()) -> bool:
    """Whether a program record is given for ``fiscal_year``: its ``fiscal_year`` says so, or is not among
    ``declared`` (when known: the registry reports it), or it has none (a program stated for a span, or a
    record whose year validation will report with its file and field)."""
    if "fiscal_year" not in record:
        return True
    try:
        year = parse_fiscal_year(record["fiscal_year"]).year
    except ZaitakuError:
        return True
    return year == fiscal_year or (bool(declared) and year not in declared)


def _undeclared_apart(
    programs: tuple[Program, ...], fiscal_year: int, declared: tuple[int, ...]
) -> tuple[tuple[Program, ...], tuple[Program, ...]]:
    """``programs`` (given for ``fiscal_year``) parted: those of ``fiscal_year`` or of another year the city
    declares (``declared``), as they were kept, and those of a year it does not declare (ZK021)."""
    kept: list[Program] = []
    apart: list[Program] = []
    for program in programs:
        (kept if program.fiscal_year == fiscal_year or program.fiscal_year in declared else apart).append(program)
    return (tuple(kept), tuple(apart)) if apart else (programs, ())


def _states_a_span(item: object) -> bool:
    """Whether a ``zaitaku_programs`` result item is a :class:`~zaitaku_core.model.PeriodProgram`."""
    if type(item) is dict:  # the common case, without the ABC checks below (it runs for every program)
        return "fiscal_year" not in item and ("period" in item or "fiscal_years" in item or "years" in item)
    if isinstance(item, PeriodProgram):
        return True
    if not isinstance(item, Mapping) or "fiscal_year" in item:
        return False
    return "period" in item or "fiscal_years" in item or "years" in item


# --- registry -----------------------------------------------------------------------------------------------


@attrs.frozen
class PluginInfo:
    """What ``zaitaku plugins`` shows of one plugin."""

    name: str
    version: str | None
    distribution: str | None
    cities: tuple[str, ...]
    hooks: tuple[str, ...]
    error: str | None = None


def _unpickled(data: bytes) -> City:
    """A city the registry validated and pickled itself (never data from outside the process)."""
    city: City = pickle.loads(data)
    return city


#: Hook results taken as they are: lists and tuples, and what is refused or validated whole (a mapping, a
#: text, a model, a set). Any other iterable, a generator most often, is read into a list when the hook returns.
_KEPT_AS_GIVEN = (list, tuple, Mapping, str, bytes, BaseModel, set, frozenset)


@cache
def _list_adapter(model: type[M]) -> TypeAdapter[tuple[M, ...]]:
    return TypeAdapter(tuple[model, ...])  # type: ignore[valid-type]


class _PlainPickler(pickle.Pickler):
    """Pickles plain data only, by content: exact ``dict``, ``list``, ``tuple``, ``set``, ``frozenset``,
    ``str``, ``bytes``, ``int``, ``float``, ``bool`` and ``None``, which the C pickler writes without asking
    :meth:`reducer_override`; anything else (a subclass, an enum member, a ``bytearray`` or other buffer,
    any other object) reaches it and is refused. In fast mode nothing is memoised, so two inputs pickle to
    the same bytes exactly when they hold equal values of the same types in the same order, however they
    share objects; a cycle raises ``ValueError``."""

    def reducer_override(self, obj: Any) -> Any:
        raise TypeError(f"not plain data: {type(obj).__name__}")


def _plain_pickler(buffer: io.BytesIO) -> _PlainPickler:
    pickler = _PlainPickler(buffer, protocol=4)  # 5 would write a PickleBuffer as the bytes it holds
    pickler.fast = True
    return pickler


def _snapshots(items: Sequence[Any]) -> list[bytes | None]:
    """For each ``zaitaku_programs`` result item, an immutable snapshot of its input but its ``fiscal_year``
    (bytes), or ``None`` when it does not qualify for reuse: only a plain ``dict`` stating its year, holding
    plain data (:class:`_PlainPickler`). A :class:`SourcedRecord`, a model or anything odd is validated as
    it is every year. The bytes are taken now: a plugin that mutates the same dict for its next year makes
    a different snapshot, never a stale match."""
    buffer = io.BytesIO()
    pickler = _plain_pickler(buffer)
    out: list[bytes | None] = []
    for item in items:
        snapshot = None
        if type(item) is dict and "fiscal_year" in item:
            content = item.copy()
            del content["fiscal_year"]
            buffer.seek(0)
            buffer.truncate()
            try:
                pickler.dump(content)
                snapshot = buffer.getvalue()
            except (TypeError, ValueError, RecursionError, pickle.PicklingError):
                pickler = _plain_pickler(buffer)  # a fresh one: the failed dump may have left state behind
        out.append(snapshot)
    return out


#: The fiscal year as :class:`~zaitaku_core.model.Program` validates its ``fiscal_year`` field.
_PROGRAM_YEAR: TypeAdapter[int] = TypeAdapter(FiscalYearInt)


def _may_hold_mutable(annotation: Any, seen: set[type] | None = None) -> bool:
    """Whether a value of type ``annotation`` may hold a mutable container at any depth: a ``dict``, ``list``,
    ``set`` or ``bytearray``, or a model that is not frozen (through optionals, unions, tuples and nested
    models)."""
    seen = set() if seen is None else seen
    if annotation in {dict, list, set, bytearray} or get_origin(annotation) in {dict, list, set}:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        fields = annotation.model_fields.values()
        return not annotation.model_config.get("frozen") or any(_may_hold_mutable(f.annotation, seen) for f in fields)
    return any(_may_hold_mutable(arg, seen) for arg in get_args(annotation))


#: Program fields that may hold mutable containers (``metadata``, ``provenance``): copied for each year's
#: program, never shared between years.
_PROGRAM_MUTABLE_FIELDS = tuple(
    name for name, field in Program.model_fields.items() if _may_hold_mutable(field.annotation)
)
#: Program's cached properties (its own and its bases'): computed again on a copy, as on a freshly validated
#: program.
_PROGRAM_CACHED = tuple(
    sorted({name for cls in Program.__mro__ for name, value in vars(cls).items() if isinstance(value, cached_property)})
)


def _in_year(program: Program, value: Any) -> Program | None:
    """``program`` (validated from an input equal to this one but for ``fiscal_year``) as validating the
    input with ``fiscal_year`` = ``value`` would make it, or ``None`` when that needs a full validation: the
    value is not a valid fiscal year (the error is validation's own), or the program has a ``span``, whose
    check reads the year (a period's programs are made by :meth:`PeriodProgram.for_year` anyway). Every
    other field and validator of a program is independent of its year (a note in ``model.py`` says so)."""
    if program.span:
        return None
    try:
        year = _PROGRAM_YEAR.validate_python(value)
    except Exception:  # whatever it is, the program's own validation says it (and the same way as ever)
        return None
    moved = copy.copy(program)  # BaseModel.__copy__: a new __dict__, fields-set and private state
    fields = moved.__dict__
    fields["fiscal_year"] = year
    for name in _PROGRAM_CACHED:
        fields.pop(name, None)
    for name in _PROGRAM_MUTABLE_FIELDS:  # never shared between years, as two validations share nothing
        held = fields[name]
        fields[name] = copy.deepcopy(held) if held else type(held)()
    return moved


#: Indicators validated in one call: about what the collector's youngest generation holds (700 objects; an
#: indicator of 12 values is ~41), so the fields-sets :func:`_share_fields_sets` makes redundant are freed
#: before the collector has scanned (and promoted) them.
_INDICATOR_CHUNK = 16

#: The slot of a model's fields-set (its ``__set__`` is a C call, unlike ``object.__setattr__``).
_FIELDS_SET: Any = BaseModel.__dict__["__pydantic_fields_set__"]


_SHARED_FIELDS_SETS = fields_set_shareable(Indicator) and fields_set_shareable(IndicatorValue)


#: How many distinct fields-sets of one model :func:`_share_fields_sets` shares (an indicator value given in
#: four ways has four; a model with more, more unusual, keeps its own sets past these).
_SHARED_SETS_MAX = 8


def _share_fields_sets(models: Iterable[BaseModel], model: type[BaseModel], shared: list[set[str]]) -> None:
    """Give the instances of exactly ``model`` (a plugin's subclass may be built otherwise) among ``models``
    that were given the same fields one fields-set per set of names, kept in ``shared``.

    Each validated instance has its own ``set``, one more object for the collector to scan: for an
    :class:`~zaitaku_core.model.IndicatorValue` the only one its content does not need (its ``__dict__``
    holds enum members, so it is scanned anyway), and a city of 400 indicators kept for its six plans is
    then ~28 tracked objects an indicator instead of ~41. The sets are equal, so ``model_fields_set``,
    ``==``, dumps (``exclude_unset`` too) and pickles are what they were. Found by comparing with the few
    held (a ``frozenset`` key for each instance cost twice as much)."""
    put = _FIELDS_SET.__set__
    for instance in models:
        if type(instance) is model:
            own = instance.__pydantic_fields_set__
            for one in shared:
                if one == own:
                    if one is not own:
                        put(instance, one)
                    break
            else:
                if len(shared) < _SHARED_SETS_MAX:
                    shared.append(own)


def _validated_indicators(items: list[Any]) -> tuple[Indicator, ...]:
    """``items`` validated as indicators, :data:`_INDICATOR_CHUNK` at a time, their fields-sets shared after
    each (:func:`_share_fields_sets`). An error anywhere validates the whole list again, so pydantic's own
    errors are raised, each at its index in the list (and a list that validates only sometimes is used as
    that validation gives it)."""
    adapter = _list_adapter(Indicator)
    if not _SHARED_FIELDS_SETS:
        return adapter.validate_python(items)
    indicator_sets: list[set[str]] = []
    value_sets: list[set[str]] = []
    validated: list[Indicator] = []
    for start in range(0, len(items), _INDICATOR_CHUNK):
        try:
            part = adapter.validate_python(items[start : start + _INDICATOR_CHUNK])
        except ValidationError:
            return adapter.validate_python(items)
        _share_fields_sets(part, Indicator, indicator_sets)
        _share_fields_sets(chain.from_iterable(indicator.values for indicator in part), IndicatorValue, value_sets)
        validated.extend(part)
    return tuple(validated)


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _distribution_label(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    if dist is None:
        return "an unknown distribution"
    return f"{dist.name} {dist.version} at {dist.locate_file('')}"


def _trace_enabled() -> bool:
    return os.environ.get("ZAITAKU_TRACE_HOOKS", "") not in {"", "0", "false", "no"}


class _RecordCache:
    """Hook results, least recently used first, bounded by the number of records they hold (an empty
    result counts as one). An entry may carry a note (what the next read needs of it), dropped with it."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
        self.notes: dict[tuple[Any, ...], Any] = {}
        self.records = 0

    def get(self, key: tuple[Any, ...]) -> Any:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: tuple[Any, ...], value: tuple[Any, ...], budget: int, keep: int = 1, note: Any = None) -> None:
        """Add ``value`` (with its ``note``, if any), then evict the least recently used while over ``budget``
        records and more than ``keep`` entries are held."""
        self.entries[key] = value
        self.notes.pop(key, None)
        if note is not None:
            self.notes[key] = note
        self.records += len(value) or 1
        while self.records > budget and len(self.entries) > keep:
            self._evict_oldest()

    def make_room(self, keep: int) -> None:
        """Evict the least recently used until fewer than ``keep`` entries are held (one can be added)."""
        while self.entries and len(self.entries) >= keep:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        """Drop the least recently used entry, its note and its records from the count."""
        evicted_key, evicted = self.entries.popitem(last=False)
        self.notes.pop(evicted_key, None)
        self.records -= len(evicted) or 1

    def clear(self) -> None:
        self.entries.clear()
        self.notes.clear()
        self.records = 0


class Registry:
    """The plugins of one application, and typed access to what they declare.

    Build one with :func:`create_registry`. Results are validated once and cached.
    """

    def __init__(self, *, strict: bool = False) -> None:
        self._pm = pluggy.PluginManager(PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._strict = strict
        self._pending: dict[str, metadata.EntryPoint] = {}
        self._dists: dict[str, tuple[str | None, str | None]] = {}
        self._cities: dict[str, tuple[str, bytes]] = {}  # plugin name and the validated City, pickled
        self._city_models: OrderedDict[str, City] = OrderedDict()  # the last CITY_MODELS_KEPT asked for
        # Validated hook results: plan data, handoff data, and the indicators of the last few cities.
        self._plan_cache = _RecordCache()
        self._handoff_cache = _RecordCache()
        self._city_cache = _RecordCache()
        self._program_ids: OrderedDict[tuple[str, int], frozenset[str]] = OrderedDict()  # by city and year
        self._checks: tuple[Check, ...] | None = None  # the catalogue, kept apart from the bounded cache
        #: Errors of plugins that could not be loaded (kept, not raised, unless ``strict``).
        self.errors: list[PluginError] = []
        self._failed: dict[str, PluginError] = {}  # the same, by plugin name
        if _trace_enabled() and not _log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("zaitaku: %(message)s"))
            _log.addHandler(handler)
            _log.setLevel(logging.DEBUG)

    # -- registration --

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register ``plugin`` (a module or object with hook implementations) under ``name``.

        The plugin's cities are validated at once; if anything is wrong nothing of it stays registered.

        Raises:
            PluginLoadError: the plugin implements an unknown hook or has a wrong signature.
            PluginDataError: its cities are invalid, or a city id is already taken.
        """
        try:
            registered = self._pm.register(plugin, name=name)
            if registered is None:
                raise PluginLoadError(
                    N_("a plugin of this name is already registered"), values={}, location={"plugin": name}
                )
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            if self._pm.is_registered(plugin):
                self._pm.unregister(plugin)
            raise PluginLoadError(
                N_("invalid plugin: {reason}"), values={"reason": exc}, location={"plugin": name}
            ) from exc
        except PluginLoadError:
            raise
        plugin_name = self._pm.get_name(plugin) or str(name)
        try:
            new_cities = self._validated(plugin_name, "zaitaku_cities", City, self._call_one(plugin, "zaitaku_cities"))
            for city in new_cities:
                owner = self._cities.get(city.id)
                if owner is not None or sum(c.id == city.id for c in new_cities) > 1:
                    taken_by = owner[0] if owner else plugin_name
                    raise PluginDataError(
                        N_("city id {city!r} is already served by plugin {plugin!r}"),
                        values={"city": city.id, "plugin": taken_by},
                        location={"plugin": plugin_name, "hook": "zaitaku_cities", "field": "id"},
                    )
        except ZaitakuError:
            self._pm.unregister(plugin)
            raise
        for city in new_cities:
            self._cities[city.id] = (plugin_name, pickle.dumps(city, protocol=pickle.HIGHEST_PROTOCOL))
        self._plan_cache.clear()
        self._handoff_cache.clear()
        self._city_cache.clear()
        self._program_ids.clear()
        self._checks = None
        return plugin_name

    def _record_failure(self, name: str, error: PluginError) -> None:
        if self._strict:
            raise error
        self.errors.append(error)
        self._failed[name] = error

    def _failure(self, name: str) -> PluginError:
        """The error of the failed plugin ``name``, as raised to whoever needed it: "plugin X failed: …"."""
        cause = self._failed[name]
        # the same class and code (plugin-load, plugin-data …), and location
        return cause.restated(
            N_("plugin {plugin!r} failed: {cause}"),
            {"plugin": name, "cause": ByLanguage(cause.message_in("ja"), cause.message_in("en"))},
        )

    def _add_entry_points(self, name: str, candidates: list[metadata.EntryPoint]) -> None:
        """Make ``name`` pending, unless several distributions declare it: then refuse them all, naming each
        (which one would win depends only on ``sys.path`` order, so none may)."""
        distinct = {(_distribution_label(ep), ep.value): ep for ep in candidates}
        if len(distinct) == 1:
            self._pending[name] = candidates[0]
            return
        declared = "; ".join(f"{label} ({value})" for label, value in sorted(distinct))
        self._record_failure(
            name,
            PluginLoadError(
                f"entry point {name!r} of group {ENTRY_POINT_GROUP!r} is declared by {len(distinct)} "
                f"distributions: {declared}; none is loaded: uninstall all but one",
                location={"plugin": name},
            ),
        )

    def _load_entry_point(self, name: str) -> None:
        entry_point = self._pending.pop(name)
        dist = entry_point.dist
        self._dists[name] = (dist.version if dist else None, dist.name if dist else None)
        try:
            try:
                plugin = entry_point.load()
            except (Exception, SystemExit) as exc:  # any import-time failure of third-party code
                raise PluginLoadError(
                    N_("cannot import {target}: {kind}: {reason}"),
                    values={"target": entry_point.value, "kind": type(exc).__name__, "reason": exception_text(exc)},
                    location={"plugin": name},
                ) from exc
            self.register(plugin, name=name)
        except PluginError as exc:
            self._record_failure(name, exc)

    def load_entry_points(self, names: Collection[str] | None = None) -> None:
        """Load the pending entry-point plugins (all, or only those in ``names``)."""
        for name in sorted(self._pending):
            if names is None or name in names:
                self._load_entry_point(name)

    # -- hook calls --

    def _call_one(self, plugin: object, hook: str, **kwargs: Any) -> Any:
        for impl in getattr(self._pm.hook, hook).get_hookimpls():
            if impl.plugin is plugin:
                return self._invoke(impl, hook, kwargs)
        return None

    def _invoke(self, impl: pluggy.HookImpl, hook: str, kwargs: Mapping[str, Any]) -> Any:
        args = {arg: kwargs[arg] for arg in impl.argnames}
        started = time.perf_counter()
        try:
            result = impl.function(**args)
            if isinstance(result, Iterable) and not isinstance(result, _KEPT_AS_GIVEN):
                result = list(result)  # a generator runs here, where what it raises names the plugin and hook
        except ZaitakuError as exc:
            exc.location = {"plugin": impl.plugin_name, "hook": hook, **exc.location}
            raise
        except Exception as exc:
            raise HookResultError(
                N_("the hook raised {kind}: {reason}"),
                values={"kind": type(exc).__name__, "reason": exception_text(exc)},
                location={"plugin": impl.plugin_name, "hook": hook},
            ) from exc
        if _trace_enabled():
            count = len(result) if isinstance(result, list | tuple) else ("-" if result is None else "?")
            elapsed = (time.perf_counter() - started) * 1000
            _log.debug("%s.%s(%s) -> %s items in %.2f ms", impl.plugin_name, hook, args, count, elapsed)
        return result

    def _call(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        # Any plugin may contribute to any city (checks, report sections, rules, calendars), so a lazy
        # registry loads every pending entry point before the first hook call that is not a city lookup.
        self.load_entry_points()
        # Registration order (pluggy lists implementations last-registered first).
        impls = reversed(getattr(self._pm.hook, hook).get_hookimpls())
        return [(impl.plugin_name, self._invoke(impl, hook, kwargs)) for impl in impls]

    @staticmethod
    def _items(plugin: str, hook: str, model: type[BaseModel], result: Any) -> list[Any]:
        """A hook's result as a list, each mapping a dict (a :class:`SourcedRecord` stays one)."""
        if result is None:
            return []
        if type(result) is list and all(type(item) is dict for item in result):
            return result  # the common case (raw mappings), found in C; a new list is made below otherwise
        if isinstance(result, BaseModel | Mapping | str | bytes) or not isinstance(result, Iterable):
            raise HookResultError(
                N_("expected a list of {model}, got {kind}"),
                values={"model": model.__name__, "kind": type(result).__name__},
                location={"plugin": plugin, "hook": hook},
            )
        return [
            item if isinstance(item, dict | BaseModel) or not isinstance(item, Mapping) else dict(item)
            for item in result
        ]

    def _validated(
        self, plugin: str, hook: str, model: type[M], result: Any, positions: Sequence[int] | None = None
    ) -> tuple[M, ...]:
        """``result`` validated as ``model`` records; an error names each bad record by its ``source``, else by
        its index in the hook's list: its position in ``result``, or ``positions[i]`` when ``result`` is a
        part of that list (a plugin's single-year programs, validated apart from its period programs)."""
        where = {"plugin": plugin, "hook": hook}
        items = self._items(plugin, hook, model, result)
        if not items:
            return ()
        try:
            # One call into pydantic-core for the whole list: model instances pass through, mappings are
            # validated; errors are mapped back to the record (and its file) they came from.
            if model is Indicator:  # a city's indicators are kept for all its plans: made lean
                return cast("tuple[M, ...]", _validated_indicators(items))
            return _list_adapter(model).validate_python(items)
        except RecursionError:
            sources = sorted({item.source.split(": ", 1)[0] for item in items if isinstance(item, SourcedRecord)})
            location = {**where, "file": ", ".join(sources) or None}
            raise PluginDataError(
                N_("{model} data is nested too deeply to validate"), values={"model": model.__name__}, location=location
            ) from None
        except ValidationError as exc:
            errors: list[tuple[str, str | ByLanguage]] = []
            files: set[str] = set()
            for error in exc.errors():
                index, *path = error["loc"]
                item = items[int(index)]
                source = getattr(item, "source", "") or f"[{index if positions is None else positions[int(index)]}]"
                if isinstance(item, SourcedRecord):
                    files.add(item.source.split(": ", 1)[0])
                message: str | ByLanguage = field_error_text(error)
                if not path and not isinstance(item, Mapping | BaseModel):
                    shape = {"model": model.__name__, "kind": type(item).__name__}
                    expected = N_("expected {model} or a mapping, got {kind}")
                    message = ByLanguage(*ja_en(expected, **shape))
                errors.append((f"{source}.{_field_path(tuple(path))}" if path else source, message))
            location = dict(where)
            if files:
                location["file"] = ", ".join(sorted(files))
            raise PluginDataError(
                N_("invalid {model} data"), values={"model": model.__name__}, location=location, errors=errors
            ) from None

    def _collect(self, hook: str, model: type[M], **kwargs: Any) -> tuple[M, ...]:
        key = (hook, *kwargs.values())
        if hook in _HANDOFF_HOOKS:
            cache, budget, keep = self._handoff_cache, HANDOFF_CACHE_RECORDS, 1
        elif hook in _CITY_HOOKS:
            cache, budget, keep = self._city_cache, 0, CITY_CACHE_ENTRIES
        else:
            cache, budget, keep = self._plan_cache, PLAN_CACHE_RECORDS, 1
        cached: tuple[M, ...] | None = cache.get(key)
        if cached is None:
            if budget == 0:  # only the last `keep` entries are held: let the oldest go before validating anew
                cache.make_room(keep)
            items: list[M] = []
            for plugin, result in self._call(hook, **kwargs):
                items.extend(self._validated(plugin, hook, model, result))
            cached = tuple(items)
            cache.put(key, cached, budget, keep)
        return cached

    def _programs(self, city_id: str, fiscal_year: int) -> tuple[Program, ...]:
        """The programs of one city and fiscal year: those declared for the year, and the year's
        :class:`~zaitaku_core.model.Program` of each :class:`~zaitaku_core.model.PeriodProgram` whose span
        holds it, in the order the plugins gave them."""
        hook = "zaitaku_programs"
        key = (hook, city_id, fiscal_year)
        cached: tuple[Program, ...] | None = self._plan_cache.get(key)
        if cached is not None:
            return cached
        # The snapshots of the city's last year read, while that year is still cached (PLAN_CACHE_RECORDS);
        # this year's replace them.
        notes = self._plan_cache.notes
        earlier: dict[bytes, Program] = {}
        for stale in [other for other in notes if other[1] == city_id]:
            earlier = notes.pop(stale)
        snapshots: dict[bytes, Program] = {}
        found: list[Program] = []
        for plugin, result in self._call(hook, city=city_id, fiscal_year=fiscal_year):
            items = self._items(plugin, hook, Program, result)
            kinds = [_states_a_span(item) for item in items]
            if not any(kinds):  # every program is declared for its year
                found.extend(self._year_programs(plugin, items, earlier, snapshots))
                continue
            # Validated apart, each part's errors located by the items' indices in the hook's whole list.
            at_span = [index for index, span in enumerate(kinds) if span]
            at_single = [index for index, span in enumerate(kinds) if not span]
            spans = [items[index] for index in at_span]
            singles = iter(
                self._year_programs(plugin, [items[index] for index in at_single], earlier, snapshots, at_single)
            )
            declared = iter(zip(spans, self._validated(plugin, hook, PeriodProgram, spans, at_span), strict=True))
            for span_kind in kinds:
                if not span_kind:
                    found.append(next(singles))
                    continue
                raw, span = next(declared)
                try:
                    program = span.for_year(fiscal_year)
                except ValidationError as exc:
                    source = getattr(raw, "source", "") or f"program {span.id!r}"
                    raise PluginDataError(
                        N_("the FY{year} program made from the span is invalid"),
                        values={"year": fiscal_year},
                        location={"plugin": plugin, "hook": hook, "file": source.split(": ", 1)[0]},
                        errors=[(f"{source}.{_field_path(e['loc'])}", field_error_text(e)) for e in exc.errors()],
                    ) from None
                if program is not None:
                    found.append(program)
        cached = tuple(found)
        self._plan_cache.put(key, cached, PLAN_CACHE_RECORDS, note=snapshots or None)
        self._keep_ids(city_id, fiscal_year, cached)
        return cached

    def _year_programs(
        self,
        plugin: str,
        items: list[Any],
        earlier: Mapping[bytes, Program],
        snapshots: dict[bytes, Program],
        positions: Sequence[int] | None = None,
    ) -> tuple[Program, ...]:
        """Validate one plugin's programs of a year declared for their year, reusing ``earlier`` (the city's
        last year read, by snapshot) for each whose input is that of an earlier program but for its
        ``fiscal_year`` (:func:`_in_year`); add each program's snapshot to ``snapshots``, for the next year.

        Raises:
            PluginDataError: as :meth:`_validated` of all of ``items`` (the same error, located by the same
                indices, or ``positions``), however many were reused.
        """
        hook = "zaitaku_programs"
        taken = _snapshots(items)
        reused: list[Program | None] = [None] * len(items)
        if earlier:
            for index, (item, snapshot) in enumerate(zip(items, taken, strict=True)):
                source = earlier.get(snapshot) if snapshot is not None else None
                if source is not None:
                    reused[index] = _in_year(source, item["fiscal_year"])
        rest = [item for item, program in zip(items, reused, strict=True) if program is None]
        if len(rest) == len(items):
            programs = self._validated(plugin, hook, Program, items, positions)
        else:
            try:
                validated = iter(_list_adapter(Program).validate_python(rest) if rest else ())
            except (ValidationError, RecursionError):
                # Raised located by the indices of all the items, as without reuse (a plugin's items
                # that validate only sometimes are validated all again, and used as they are).
                programs = self._validated(plugin, hook, Program, items, positions)
            else:
                programs = tuple(program if program is not None else next(validated) for program in reused)
        for snapshot, program in zip(taken, programs, strict=True):
            if snapshot is not None:
                snapshots[snapshot] = program
        return programs

    def _keep_ids(self, city_id: str, fiscal_year: int, programs: tuple[Program, ...]) -> frozenset[str]:
        ids = self._program_ids[city_id, fiscal_year] = frozenset(program.id for program in programs)
        self._program_ids.move_to_end((city_id, fiscal_year))
        while len(self._program_ids) > PROGRAM_ID_YEARS:
            self._program_ids.popitem(last=False)
        return ids

    def _ids_of_year(self, city_id: str, fiscal_year: int) -> frozenset[str]:
        """The ids of the programs of ``city_id`` in ``fiscal_year``, validating that year only if its ids
        are not kept (:data:`PROGRAM_ID_YEARS`)."""
        ids = self._program_ids.get((city_id, fiscal_year))
        return self._keep_ids(city_id, fiscal_year, self._programs(city_id, fiscal_year)) if ids is None else ids

    # -- typed access --

    def fiscal_year(self, city_id: str, fiscal_year: int | str, *, allow_undeclared: bool = False) -> int:
        """Read ``fiscal_year`` (``2024``, ``"令和6年度"``, ``"R6"`` …) for ``city_id``, which must declare it.

        Raises:
            UndeclaredFiscalYearError: the city does not declare the year (unless ``allow_undeclared``); the
                message names the years it declares.
            FiscalYearError: ``fiscal_year`` is not a fiscal year.
        """
        city = self.city(city_id)
        year = parse_fiscal_year(fiscal_year).year
        if allow_undeclared or year in city.fiscal_years:
            return year
        raise UndeclaredFiscalYearError(
            N_(
                "{city} declares no plan for {fy}; it declares {declared} (--allow-undeclared, or "
                "allow_undeclared=True, asks anyway)"
            ),
            values={
                "city": ByLanguage(f"{city.name}（{city.id}）", city.id),
                "fy": fiscal_years_named([year]),
                "declared": fiscal_years_named(city.fiscal_years),
            },
            location={"city": city.id, "field": "fiscal_year"},
        )

    def cities(self) -> tuple[City, ...]:
        """Every city served by a loaded plugin (loading all pending entry points), sorted by id."""
        self.load_entry_points()
        return tuple(
            self._city_models.get(city_id) or _unpickled(data) for city_id, (_, data) in sorted(self._cities.items())
        )

    def city_ids(self) -> tuple[str, ...]:
        """The ids of :meth:`cities` (loading all pending entry points), sorted, without reading any city."""
        self.load_entry_points()
        return tuple(sorted(self._cities))

    def city(self, city_id: str) -> City:
        """The city ``city_id``, loading only the entry point of that name when it is pending.

        Raises:
            UnknownCityError: no plugin serves it; the message lists the cities that are served.
            PluginError: the plugin of that name failed to load ("plugin X failed: …").
        """
        self._loaded(city_id)
        model = self._city_models.get(city_id)
        if model is None:
            model = self._city_models[city_id] = _unpickled(self._cities[city_id][1])
            if len(self._city_models) > CITY_MODELS_KEPT:
                self._city_models.popitem(last=False)
        else:
            self._city_models.move_to_end(city_id)
        return model

    def _loaded(self, city_id: str) -> None:
        """Make sure the plugin serving ``city_id`` is loaded (only the entry point of that name when it is
        pending, else every pending one), without unpickling the city; raise as :meth:`city` does."""
        if city_id not in self._cities and city_id in self._pending:
            self._load_entry_point(city_id)
        if city_id not in self._cities:
            self.load_entry_points()
        if city_id not in self._cities:
            raise self._unknown(city_id)

    def _unknown(self, name: str, close: Sequence[str] = ()) -> PluginError | UnknownCityError:
        """The error for a city nobody serves: the failure of the plugin of that name if it failed ("plugin
        X failed: …"), else an UnknownCityError listing the cities served and the plugins that failed."""
        if name in self._failed:
            return self._failure(name)
        values: dict[str, object] = {"name": name, "known": ", ".join(sorted(self._cities)) or "-"}
        if close:
            values["close"] = ", ".join(close)
        if self._failed:
            values["failed"] = ", ".join(sorted(self._failed))
        message = {
            (False, False): N_("no plugin serves city {name!r}; installed cities: {known}"),
            (True, False): N_("no plugin serves city {name!r}; did you mean {close}?; installed cities: {known}"),
            (False, True): N_(
                "no plugin serves city {name!r}; installed cities: {known}; plugins that failed to load (one may "
                "serve it): {failed}"
            ),
            (True, True): N_(
                "no plugin serves city {name!r}; did you mean {close}?; installed cities: {known}; plugins that "
                "failed to load (one may serve it): {failed}"
            ),
        }[bool(close), bool(self._failed)]
        return UnknownCityError(message, values=values)

    def plugin_of(self, city_id: str) -> str:
        """The name of the plugin that declared ``city_id``."""
        self._loaded(city_id)
        return self._cities[city_id][0]

    def resolve_city(self, name: str) -> str:
        """The id of the city that ``name`` means: its id (``asahikawa``), its Japanese name (``旭川市``,
        full-width or not) or its 全国地方公共団体コード with or without the check digit (``012041``,
        ``01204``).

        An id loads only that city's entry point; a name or a code loads every pending one.

        Raises:
            UnknownCityError: nothing matches; the message suggests the closest ids and names.
            PluginError: ``name`` is the plugin that failed to load ("plugin X failed: …").
        """
        if name in self._cities or name in self._pending or name in self._failed:
            self._loaded(name)  # raises as city() would; the city itself is not needed
            return name
        from zaitaku_core import codes
        from zaitaku_core.errors import MunicipalCodeError

        wanted = unicodedata.normalize("NFKC", name).strip()
        cities = self.cities()
        try:
            code: str | None = codes.validate(wanted, allow_five=True)
        except MunicipalCodeError:
            code = None
        for city in cities:
            if wanted in (city.id, unicodedata.normalize("NFKC", city.name)) or city.municipality.code == code:
                return city.id
        known = [city.id for city in cities] + [city.name for city in cities]
        close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
        raise self._unknown(name, close)

    def programs(self, city_id: str, fiscal_year: int | str, *, allow_undeclared: bool = False) -> tuple[Program, ...]:
        """The programs of ``city_id``'s plan for ``fiscal_year`` (``2024``, ``"令和6年度"``, ``"R6"`` …), a
        year the city declares (see :meth:`fiscal_year`). A program stated once for a span appears in each
        year of its span, with that year's overrides and the same id. They are as the plugins give them: a
        program of a year the city does not declare may be among them (:meth:`plan` keeps it apart, in
        ``undeclared_programs``, for ZK021)."""
        return self._programs(city_id, self.fiscal_year(city_id, fiscal_year, allow_undeclared=allow_undeclared))

    def bodies(self, city_id: str) -> tuple[Body, ...]:
        """The bodies of ``city_id``: councils, working groups, centres, desks, networks, event series."""
        self._loaded(city_id)
        return self._collect("zaitaku_bodies", Body, city=city_id)

    def tools(self, city_id: str) -> tuple[Tool, ...]:
        """The tools and linked entities of ``city_id``."""
        self._loaded(city_id)
        return self._collect("zaitaku_tools", Tool, city=city_id)

    def indicators(self, city_id: str) -> tuple[Indicator, ...]:
        """The indicators of ``city_id`` with their values for every fiscal year.

        Indicators, and values, given the same fields share one fields-set (``model_fields_set``): read it,
        never change it in place (``model_copy`` gives a copy its own)."""
        self._loaded(city_id)
        return self._collect("zaitaku_indicators", Indicator, city=city_id)

    def handoff_rules(self, city_id: str) -> tuple[HandoffRule, ...]:
        """The handoff rules ``city_id``'s plugins declare (the national rules are not included)."""
        self._loaded(city_id)
        return self._collect("zaitaku_handoff_rules", HandoffRule, city=city_id)

    def office_calendars(self, city_id: str) -> tuple[OfficeCalendarSpec, ...]:
        """The office calendars contributed for ``city_id``."""
        self._loaded(city_id)
        return self._collect("zaitaku_office_calendars", OfficeCalendarSpec, city=city_id)

    def _indicator_refs(self, city_id: str, indicators: tuple[Indicator, ...]) -> frozenset[str]:
        """The ids of the programs ``indicators`` (the city's, as :meth:`indicators` gives them) name: kept
        with them as their cache entry's note, since each of the city's fiscal years asks (walking 400
        indicators for them was ~0.1 ms a plan)."""
        cache, key = self._city_cache, ("zaitaku_indicators", city_id)
        held = cache.entries.get(key) is indicators
        refs: frozenset[str] | None = cache.notes.get(key) if held else None
        if refs is None:
            refs = frozenset(ref for indicator in indicators for ref in indicator.programs)
            if held:
                cache.notes[key] = refs
        return refs

    def plan(self, city_id: str, fiscal_year: int | str, *, allow_undeclared: bool = False) -> Plan:
        """Everything known about ``city_id`` for ``fiscal_year`` (``2024``, ``"令和6年度"``, ``"R6"`` …), as
        one validated :class:`~zaitaku_core.model.Plan`.

        Raises:
            UndeclaredFiscalYearError: the city does not declare the year, unless ``allow_undeclared``.
        """
        city = self.city(city_id)
        year = self.fiscal_year(city_id, fiscal_year, allow_undeclared=allow_undeclared)
        programs, undeclared = _undeclared_apart(self._programs(city_id, year), year, city.fiscal_years)
        bodies, indicators = self.bodies(city_id), self.indicators(city_id)
        # Programs of other declared years are read only when this year's references need them: a run over
        # every year of every city then validates each year's programs once, not once per year asked.
        missing = set(self._indicator_refs(city_id, indicators))
        missing.update(ref for body in bodies for ref in body.programs)
        missing.update(event.program for body in bodies for event in body.events if event.program is not None)
        missing.difference_update(program.id for program in programs)
        elsewhere: set[str] = set()
        for other in city.fiscal_years:
            if not missing:
                break
            if other != year:
                found = missing.intersection(self._ids_of_year(city_id, other))
                elsewhere |= found
                missing -= found
        # Every part is validated already (the city when registered, the rest by _collect, the year by
        # parse_fiscal_year); validating the Plan again would re-run every program's validators.
        return Plan.model_construct(
            city=city,
            fiscal_year=year,
            programs=programs,
            bodies=bodies,
            other_year_program_ids=tuple(sorted(elsewhere)),
            undeclared_programs=undeclared,
            tools=self.tools(city_id),
            indicators=self.indicators(city_id),
            handoff_rules=self.handoff_rules(city_id),
            calendars=self.office_calendars(city_id),
        )

    def checks(self) -> tuple[Check, ...]:
        """Every validation check contributed by the loaded plugins (the core's own included).

        Raises:
            HookResultError: a hook returned something other than checks, or two checks share a code.
        """
        if self._checks is None:
            found: dict[str, tuple[str, Check]] = {}
            for plugin, result in self._call("zaitaku_validation_checks"):
                for item in result or ():
                    where = {"plugin": plugin, "hook": "zaitaku_validation_checks"}
                    if not isinstance(item, Check):
                        raise HookResultError(
                            N_("expected Check, got {kind}"), values={"kind": type(item).__name__}, location=where
                        )
                    if item.code in found:
                        raise HookResultError(
                            N_("check code {check} is already used by plugin {plugin!r}"),
                            values={"check": item.code, "plugin": found[item.code][0]},
                            location=where,
                        )
                    found[item.code] = (plugin, item)
            self._checks = tuple(check for _, check in sorted(found.values(), key=lambda x: x[1].code))
        return self._checks

    def report_sections(self, plan: Plan, lang: str = "ja") -> tuple[ReportSection, ...]:
        """Extra report sections the plugins contribute for ``plan``."""
        items: list[ReportSection] = []
        for plugin, result in self._call("zaitaku_report_sections", plan=plan, lang=lang):
            items.extend(self._validated(plugin, "zaitaku_report_sections", ReportSection, result))
        return tuple(items)

    def plugins(self) -> tuple[PluginInfo, ...]:
        """What every plugin (loaded or failed) is and implements, sorted by name."""
        self.load_entry_points()
        infos: list[PluginInfo] = []
        for name, plugin in self._pm.list_name_plugin():
            if plugin is None:
                continue
            hooks = tuple(sorted(caller.name for caller in self._pm.get_hookcallers(plugin) or ()))
            version, dist = self._dists.get(name, (None, None))
            cities = tuple(sorted(cid for cid, (owner, _) in self._cities.items() if owner == name))
            infos.append(PluginInfo(name=name, version=version, distribution=dist, cities=cities, hooks=hooks))
        for error in self.errors:
            name = error.location.get("plugin", "?")
            version, dist = self._dists.get(name, (None, None))
            infos.append(PluginInfo(name, version, dist, (), (), error=str(error)))
        return tuple(sorted(infos, key=lambda info: info.name))


def create_registry(
    *,
    entry_points: bool | Collection[str] = True,
    lazy: bool = False,
    plugins: Iterable[object | tuple[str, object]] = (),
    defaults: bool = True,
    strict: bool = False,
    data_path: Iterable[str | Path] = (),
    lang: str = "ja",
) -> Registry:
    """Build a :class:`Registry`.

    Args:
        entry_points: Discover plugins in the ``zaitaku`` entry-point group: all (``True``), none
            (``False``), or only those named.
        lazy: Defer loading the discovered entry points: looking a city up loads only the entry point of
            that name; the first hook call after it loads the others (any plugin may add checks, report
            sections or rules to any city, so none is skipped).
        plugins: Plugins registered in code, as objects or ``(name, object)`` pairs.
        defaults: Register the core's default plugins (:data:`DEFAULT_PLUGINS`).
        strict: Raise on the first plugin that fails to load instead of recording it in ``errors``.
        data_path: City folders and plan workbooks to serve as well, before those of the environment
            variable ``ZAITAKU_DATA_PATH`` (see :mod:`zaitaku_core.folder_cities`).
        lang: The language (``"ja"`` or ``"en"``) of the problems of a plan workbook on the data path (a
            :class:`~zaitaku_core.errors.WorkbookError`); the command line passes the run's language.
    """
    registry = Registry(strict=strict)
    if defaults:
        for module_name in DEFAULT_PLUGINS:
            registry.register(importlib.import_module(module_name), name=module_name)
    for item in plugins:
        if isinstance(item, tuple):
            registry.register(item[1], name=item[0])
        else:
            registry.register(item)
    if entry_points:
        wanted = None if entry_points is True else set(entry_points)
        found: dict[str, list[metadata.EntryPoint]] = {}
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if wanted is None or entry_point.name in wanted:
                found.setdefault(entry_point.name, []).append(entry_point)
        for name, candidates in sorted(found.items()):
            registry._add_entry_points(name, candidates)
        if not lazy:
            registry.load_entry_points()
    from zaitaku_core import folder_cities

    folder_cities.register_data_path(registry, [*data_path, *folder_cities.data_path_from_environment()], lang=lang)
    return registry
