"""The one exception hierarchy of zaitaku-core.

Every error the library raises on purpose derives from :class:`ZaitakuError`. Each class has a stable
``code`` (never renamed once released) and a documentation anchor, in the manner of pydantic's error
codes, so that an application can branch on ``err.code`` and a person can look the code up.

Errors that come from bad input subclass :class:`ValueError` as well, so that pydantic turns them into
ordinary validation errors when they are raised inside a model validator.

Locations are carried as data (``ZaitakuError.location``): the plugin, the hook, the file and the
field path that were at fault. The message a city officer reads is built from them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Literal, NamedTuple, Self

from zaitaku_core.i18n import N_, NN_, NP_, ByLanguage, ja_en, tr, translate

__all__ = [
    "DOCS_ERRORS_URL",
    "DOCS_URL_VARIABLE",
    "LOCAL_ERRORS_PAGE",
    "LOCATION_LABELS",
    "PYDANTIC_COUNTS",
    "PYDANTIC_MESSAGES",
    "PYDANTIC_OTHER",
    "REFERENCE_KINDS",
    "WRITTEN",
    "ActivityImportError",
    "ActivityLogError",
    "CalendarRangeError",
    "CityConflictError",
    "DocsReference",
    "EraDateError",
    "ExportLimitError",
    "FileAccessError",
    "FiscalYearError",
    "FrameworkCodeError",
    "HookResultError",
    "InputError",
    "MissingDependencyError",
    "MunicipalCodeError",
    "PersonalDataError",
    "PluginDataError",
    "PluginError",
    "PluginLoadError",
    "UndeclaredFiscalYearError",
    "UnknownCityError",
    "WorkbookError",
    "WorkbookProblem",
    "ZaitakuError",
    "docs_reference",
    "exception_text",
    "field_error_text",
    "field_errors_text",
]

#: Base address of the published error reference page; each code is an anchor on it.
DOCS_ERRORS_URL = "https://zaitaku-core.readthedocs.io/en/latest/reference/errors.html"

#: Environment variable naming another error reference page (an intranet mirror, say) to point at.
DOCS_URL_VARIABLE = "ZAITAKU_DOCS_URL"

#: How a place in ``ZaitakuError.location`` is named in each language.
LOCATION_LABELS: dict[str, dict[str, str]] = {
    "ja": {
        "plugin": "プラグイン",
        "hook": "フック",
        "file": "ファイル",
        "line": "行",
        "sheet": "シート",
        "row": "行",
        "column": "列",
        "field": "項目",
        "city": "市町村",
        "program": "取組",
    },
    "en": {},
}


class DocsReference(NamedTuple):
    """Where the error reference is read."""

    #: The page's address, without an anchor.
    address: str
    #: ``"local"`` (a documentation build beside the installed source), ``"configured"`` (from
    #: :data:`DOCS_URL_VARIABLE`) or ``"published"`` (the public site).
    kind: str


#: Where a documentation build beside the source (an editable install or a checkout) keeps the error reference.
LOCAL_ERRORS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "_build" / "html" / "reference" / "errors.html"


def _local_build() -> str | None:
    return _complete_reference(LOCAL_ERRORS_PAGE)


@cache
def _complete_reference(page: Path) -> str | None:
    """The address of the error reference ``page``, if it exists and documents every error code of this
    module (the ones the reference lists; an error class kept inside a reader, such as the workbook's
    ``CellError``, never reaches a person): a build older than an error it would be asked about would be a
    dead link, so it is not used at all."""
    try:
        text = page.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    codes = {ZaitakuError.code}
    pending: list[type[ZaitakuError]] = [ZaitakuError]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__ == __name__:  # the reference documents this module's errors; others stay inside
                codes.add(sub.code)
            pending.append(sub)
    return page.as_uri() if all(f'id="{code}"' in text for code in codes) else None


#: How an error names the kind of :class:`DocsReference` it points at (catalogue texts, shared with the CLI's
#: error line), and the word before the address.
REFERENCE_KINDS: dict[str, str] = {
    "local": NP_("error line", "local documentation build"),
    "configured": NP_("error line", "configured documentation"),
    "published": NP_("error line", "published site"),
}
_SEE = NP_("error line", "see")


def docs_reference() -> DocsReference:
    """The error reference to point a person at: ``$ZAITAKU_DOCS_URL`` if set, else a local documentation
    build if one exists beside the installed source (``docs/_build/html``) and documents every error code,
    else the published site.

    >>> docs_reference().kind in {"configured", "local", "published"}
    True
    """
    configured = os.environ.get(DOCS_URL_VARIABLE, "").strip()
    if configured:
        return DocsReference(configured, "configured")
    local = _local_build()
    return DocsReference(local, "local") if local else DocsReference(DOCS_ERRORS_URL, "published")


class ZaitakuError(Exception):
    """Base class of every error raised by zaitaku-core.

    Args:
        message: What went wrong, for a person: English, or (with ``values``) a text of the message catalogue
            (marked ``N_("… {name} …")``, see :mod:`zaitaku_core.i18n`) whose placeholders ``values`` fill;
            :meth:`describe` then gives it in the language asked for.
        location: Where: any of ``plugin``, ``hook``, ``file``, ``line`` (of a text file), ``row`` (of a table
            without lines, such as Parquet, or of a table of a report, from 1), ``sheet`` (of a workbook), ``column``,
            ``field``, ``city``, ``program``.
        values: The placeholders of a catalogue ``message``; a :class:`~zaitaku_core.i18n.ByLanguage` value
            reads differently per language. ``message`` (the attribute) is always the English text.

    ``str(err)`` is the English message with its location and :meth:`reference`: the full address of the
    error's section in the error reference that :func:`docs_reference` finds (a local documentation build, a
    configured page or the published site, never a dead link) and which of them it is, as the CLI's error
    line says it; :meth:`describe` gives the message in either language without the address.

    >>> err = ZaitakuError("something broke", location={"plugin": "asahikawa"})
    >>> err.code, str(err) == f"something broke [plugin 'asahikawa'] ({err.reference()})"
    ('zaitaku', True)
    >>> err.reference().replace(docs_reference().address, "…") in {
    ...     "see: …#zaitaku (published site)", "see: …#zaitaku (local documentation build)",
    ...     "see: …#zaitaku (configured documentation)"}
    True
    >>> err.describe("ja")
    "予期しないエラー: something broke [プラグイン 'asahikawa']"
    """

    #: Stable machine-readable code; the anchor of this error in the documentation.
    code: ClassVar[str] = "zaitaku"
    #: What kind of error this is, in Japanese (the first words of the CLI's error line).
    title_ja: ClassVar[str] = "予期しないエラー"

    def __init__(
        self,
        message: str,
        *,
        location: Mapping[str, str | None] | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        self.template = message if values is not None else None
        self.values: dict[str, object] = dict(values or {})
        self.message = self.message_in("en") if values is not None else message
        self.location: dict[str, str] = {k: str(v) for k, v in (location or {}).items() if v is not None}
        super().__init__(message)

    @property
    def doc_url(self) -> str:
        """Address of this error's section in the error reference :func:`docs_reference` finds (a local
        build, a configured page, else the published site)."""
        return f"{docs_reference().address}#{self.code}"

    def reference(self, lang: str = "en") -> str:
        """Where this error is explained, in ``lang``: ``see: <address>#<code> (published site)`` /
        ``詳細: <address>#<code> (公開サイト)``, naming the kind of :func:`docs_reference` (local build, configured
        page or published site)."""
        chosen = "ja" if lang == "ja" else "en"
        found = docs_reference()
        kind = translate(REFERENCE_KINDS[found.kind], chosen)
        return f"{translate(_SEE, chosen)}: {found.address}#{self.code} ({kind})"

    def describe(self, lang: Literal["ja", "en"] | str = "en") -> str:
        """The message and its location, in Japanese (``"ja"``: headed by :attr:`title_ja`) or English."""
        labels = LOCATION_LABELS.get(lang, {})
        where = " ".join(f"[{labels.get(key, key)} {value!r}]" for key, value in self.location.items())
        message = self.message_in(lang)
        text = f"{message} {where}" if where else message
        return f"{self.title_ja}: {text}" if lang == "ja" else text

    def __str__(self) -> str:
        return f"{self.describe('en')} ({self.reference('en')})"

    def restated(self, template: str, values: Mapping[str, object]) -> Self:
        """A copy of this error (same class, code and location) that says ``template`` filled with ``values``.

        Built by hand rather than by ``copy.copy``: a reducer that another library registers for
        exceptions (tblib's, which ``dask.distributed`` installs on import) rebuilds a copy that shares the
        original's attributes, so restating the copy rewrote the original too."""
        copied = type(self).__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied.args = self.args
        copied.location = dict(self.location)
        copied.template = template
        copied.values = dict(values)
        copied.message = copied.message_in("en")
        return copied

    def message_in(self, lang: str) -> str:
        """The message alone (no title, no location) in ``lang``: a catalogue message translated, its
        placeholders filled (each language's own for a ByLanguage); else ``message`` as it was given."""
        if self.template is None:
            return self.message
        return _filled(self.template, self.values, lang)


def _filled(template: str, values: Mapping[str, object], lang: str) -> str:
    """The catalogue text ``template`` in ``lang`` with ``values`` (each language's own for a ByLanguage)."""
    pick = 0 if lang == "ja" else 1
    chosen = {key: value[pick] if type(value) is ByLanguage else value for key, value in values.items()}
    return tr(template, "ja" if lang == "ja" else "en", **chosen)


class InputError(ZaitakuError, ValueError):
    """A value given to the library is not valid (base of the input errors)."""

    code = "input"
    title_ja = "入力値が正しくありません"


class FrameworkCodeError(InputError):
    """An item code, phase, care scene or other national-framework label is not known."""

    code = "framework-code"
    title_ja = "国の枠組みにない区分です"


class MunicipalCodeError(InputError):
    """A 全国地方公共団体コード (JIS X 0402) is malformed or its check digit is wrong."""

    code = "municipal-code"
    title_ja = "全国地方公共団体コードが正しくありません"


class EraDateError(InputError):
    """A Japanese-era date or year is malformed or does not exist (平成32年, 令和元年4月)."""

    code = "era-date"
    title_ja = "和暦の日付が正しくありません"


class FiscalYearError(InputError):
    """A fiscal year (年度) is malformed or lies outside the plan period it is used in."""

    code = "fiscal-year"
    title_ja = "年度が正しくありません"


class UndeclaredFiscalYearError(FiscalYearError):
    """A fiscal year was asked of a city that does not declare it (its ``fiscal_years``); the message names
    the years it declares. Pass ``allow_undeclared=True`` (``--allow-undeclared``) to ask anyway."""

    code = "undeclared-fiscal-year"


class CalendarRangeError(InputError):
    """A date lies outside the range of the business-day tables (2000-01-01 … 2051-12-31)."""

    code = "calendar-range"
    title_ja = "日付が対応範囲外です"


class UnknownCityError(ZaitakuError, LookupError):
    """No installed plugin serves the city id that was asked for."""

    code = "unknown-city"
    title_ja = "市町村が見つかりません"


class PluginError(ZaitakuError):
    """A plugin could not be loaded or one of its hooks failed (base of the plugin errors)."""

    code = "plugin"
    title_ja = "プラグインのエラー"


class PluginLoadError(PluginError):
    """A plugin's entry point could not be imported or registered."""

    code = "plugin-load"
    title_ja = "プラグインを読み込めません"


class HookResultError(PluginError):
    """A hook implementation raised an exception or returned a value of the wrong type."""

    code = "hook-result"
    title_ja = "プラグインのフックが失敗しました"


class CityConflictError(PluginError):
    """Two sources serve the same city id: an installed plugin and a city folder or workbook, or two folders."""

    code = "city-conflict"
    title_ja = "同じ市町村IDを2つの場所が提供しています"


def _with_errors(
    message: str, errors: list[tuple[str, str]], *, shown: int | None = None, lang: str | None = None
) -> str:
    """``message`` followed by ``where: what`` of each error (the first ``shown`` of them, and how many more,
    said in ``lang``: both languages where the message's language is not known)."""
    if not errors:
        return message
    details = "; ".join(f"{where}: {what}" for where, what in errors[:shown])
    more = len(errors) - shown if shown is not None else 0
    if more <= 0:
        return f"{message}: {details}"
    said = {chosen: tr(N_("{count} more"), chosen, count=more) for chosen in ("en", "ja")}
    rest = said.get(lang or "", " / ".join(said.values()))
    return f"{message}: {details}; … {rest}"


#: pydantic's error types that a person can meet in plugin data, plan workbooks, CSV files and command-line
#: options, each with the catalogue text that says it in the user's language (pydantic lists its types at
#: https://docs.pydantic.dev/latest/errors/validation_errors/). The placeholders are names of the error's
#: ``ctx``; a counted text (``NN_``) counts the ``ctx`` value :data:`PYDANTIC_COUNTS` names. Each English text
#: is pydantic's own message for that ``ctx`` or a part of it (a test pins them against the installed
#: pydantic); the English line itself stays pydantic's message. English details pydantic adds (``{error}`` of
#: a date it cannot parse) are left out of the Japanese. Any other type reads :data:`PYDANTIC_OTHER`, naming
#: the type.
PYDANTIC_MESSAGES: dict[str, str] = {
    # a field missing or extra, a record of the wrong shape
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "model_attributes_type": N_("Input should be a valid dictionary or object to extract fields from"),
    "dataclass_type": N_("Input should be a dictionary or an instance of {class_name}"),
    "invalid_key": N_("Keys should be strings"),
    "frozen_field": N_("Field is frozen"),
    "frozen_instance": N_("Instance is frozen"),
    "none_required": N_("Input should be None"),
    "union_tag_invalid": N_("Input tag '{tag}' found using {discriminator} does not match any of the expected tags"),
    "union_tag_not_found": N_("Unable to extract tag using discriminator {discriminator}"),
    # text
    "string_type": N_("Input should be a valid string"),
    "string_unicode": N_("Input should be a valid string, unable to parse raw data as a unicode string"),
    "string_too_short": NN_(
        "String should have at least {min_length} character", "String should have at least {min_length} characters"
    ),
    "string_too_long": NN_(
        "String should have at most {max_length} character", "String should have at most {max_length} characters"
    ),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "string_not_ascii": N_("String should contain only ASCII characters"),
    # numbers and yes/no
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_parsing_size": N_("Unable to parse input string as an integer, exceeded maximum size"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "finite_number": N_("Input should be a finite number"),
    "decimal_type": N_("Decimal input should be an integer, float, string or Decimal object"),
    "decimal_parsing": N_("Input should be a valid decimal"),
    "decimal_max_digits": NN_(
        "Decimal input should have no more than {max_digits} digit in total",
        "Decimal input should have no more than {max_digits} digits in total",
    ),
    "decimal_max_places": NN_(
        "Decimal input should have no more than {decimal_places} decimal place",
        "Decimal input should have no more than {decimal_places} decimal places",
    ),
    "decimal_whole_digits": NN_(
        "Decimal input should have no more than {whole_digits} digit before the decimal point",
        "Decimal input should have no more than {whole_digits} digits before the decimal point",
    ),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    # a choice
    "enum": N_("Input should be {expected}"),
    "literal_error": N_("Input should be {expected}"),
    # dates and times
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime"),
    "date_from_datetime_inexact": N_("Datetimes provided to dates should have zero time - e.g. be exact dates"),
    "date_past": N_("Date should be in the past"),
    "date_future": N_("Date should be in the future"),
    "datetime_type": N_("Input should be a valid datetime"),
    "datetime_parsing": N_("Input should be a valid datetime"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date"),
    "datetime_object_invalid": N_("Invalid datetime object"),
    "datetime_past": N_("Input should be in the past"),
    "datetime_future": N_("Input should be in the future"),
    "time_type": N_("Input should be a valid time"),
    "time_parsing": N_("Input should be in a valid time format"),
    "timezone_naive": N_("Input should not have timezone info"),
    "timezone_aware": N_("Input should have timezone info"),
    "time_delta_type": N_("Input should be a valid timedelta"),
    "time_delta_parsing": N_("Input should be a valid timedelta"),
    # lists, tables and sets
    "list_type": N_("Input should be a valid list"),
    "tuple_type": N_("Input should be a valid tuple"),
    "set_type": N_("Input should be a valid set"),
    "frozen_set_type": N_("Input should be a valid frozenset"),
    "set_item_not_hashable": N_("Set items should be hashable"),
    "iterable_type": N_("Input should be iterable"),
    "dict_type": N_("Input should be a valid dictionary"),
    "mapping_type": N_("Input should be a valid mapping"),
    "too_short": NN_(
        "should have at least {min_length} item after validation, not {actual_length}",
        "should have at least {min_length} items after validation, not {actual_length}",
    ),
    "too_long": NN_(
        "should have at most {max_length} item after validation",
        "should have at most {max_length} items after validation",
    ),
    # addresses, identifiers, JSON, bytes
    "url_type": N_("URL input should be a string or URL"),
    "url_parsing": N_("Input should be a valid URL"),
    "url_syntax_violation": N_("Input violated strict URL syntax rules"),
    "url_too_long": NN_(
        "URL should have at most {max_length} character", "URL should have at most {max_length} characters"
    ),
    "url_scheme": N_("URL scheme should be {expected_schemes}"),
    "uuid_type": N_("UUID input should be a string, bytes or UUID object"),
    "uuid_parsing": N_("Input should be a valid UUID"),
    "uuid_version": N_("UUID version {expected_version} expected"),
    "json_invalid": N_("Invalid JSON"),
    "json_type": N_("JSON input should be string, bytes or bytearray"),
    "bytes_type": N_("Input should be a valid bytes"),
    "bytes_too_short": NN_(
        "Data should have at least {min_length} byte", "Data should have at least {min_length} bytes"
    ),
    "bytes_too_long": NN_("Data should have at most {max_length} byte", "Data should have at most {max_length} bytes"),
    "bytes_invalid_encoding": N_("Data should be valid {encoding}"),
    # a validator's own refusal (one of zaitaku-core's errors says its own text before this is looked at)
    "value_error": N_("Value error, {error}"),
    "assertion_error": N_("Assertion failed, {error}"),
}

#: The count of each counted text of :data:`PYDANTIC_MESSAGES`: the name of its ``ctx`` value.
PYDANTIC_COUNTS: dict[str, str] = {
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "too_short": "min_length",
    "too_long": "max_length",
    "url_too_long": "max_length",
    "bytes_too_short": "min_length",
    "bytes_too_long": "max_length",
    "decimal_max_digits": "max_digits",
    "decimal_max_places": "decimal_places",
    "decimal_whole_digits": "whole_digits",
}

#: What any other pydantic error type says in the user's language: that the value is not valid, and the type.
PYDANTIC_OTHER = N_("The value is not valid (pydantic error type {type})")


def _choices(expected: object, lang: str) -> object:
    """pydantic's list of choices (``'a', 'b' or 'c'``) in ``lang``: Japanese lists them with 、."""
    if lang != "ja" or not isinstance(expected, str):
        return expected
    return re.sub(r"'(?:,| or|, or) '", "'、'", expected)


def field_error_text(error: Mapping[str, Any]) -> ByLanguage:
    """What one of pydantic's errors (an item of ``ValidationError.errors()``) says, in Japanese and in English.

    An error of zaitaku-core raised in a validator (pydantic's ``value_error`` with the exception in its
    ``ctx["error"]``) says its own catalogue message in each language, without the ``Value error, `` pydantic
    puts before it, and without the reference ``str()`` of a library error ends with (the line that shows the
    field names its own). A pydantic error type says :data:`PYDANTIC_MESSAGES`' text, any other
    :data:`PYDANTIC_OTHER` (never an English sentence inside a Japanese line); their English is pydantic's
    message as it was.

    >>> field_error_text({"type": "missing", "msg": "Field required", "ctx": {}})
    ByLanguage(ja='必須の項目がありません', en='Field required')
    >>> field_error_text({"type": "string_too_short", "msg": "String should have at least 1 character",
    ...                   "ctx": {"min_length": 1}}).ja
    '1文字以上で書いてください'
    """
    english = str(error.get("msg", ""))
    kind = str(error.get("type", ""))
    context: dict[str, object] = dict(error.get("ctx") or {})
    cause = context.get("error")
    if kind == "value_error" and isinstance(cause, ZaitakuError):
        return ByLanguage(cause.message_in("ja"), cause.message_in("en"))
    template = PYDANTIC_MESSAGES.get(kind)
    if kind in PYDANTIC_COUNTS:
        context["count"] = context.get(PYDANTIC_COUNTS[kind])
    if "expected" in context:
        context["expected"] = _choices(context["expected"], "ja")
    try:
        if template is not None:
            return ByLanguage(tr(template, "ja", **context), english)
    except (KeyError, IndexError, ValueError, TypeError):  # a ctx without the placeholder's name: pydantic changed
        pass
    return ByLanguage(tr(PYDANTIC_OTHER, "ja", type=kind or "?"), english)


def field_errors_text(errors: Iterable[Mapping[str, Any]]) -> ByLanguage:
    """pydantic's errors (``ValidationError.errors()``) as ``field: what; field: what`` in each language: a
    library error raised in a validator says its own message, any other :func:`field_error_text`'s. Only the
    messages and field paths: pydantic's ``input`` may be personal data and is never echoed."""
    parts: dict[str, list[str]] = {"ja": [], "en": []}
    for error in errors:
        field = ".".join(str(part) for part in error.get("loc", ())) or "-"
        said = field_error_text(error)
        parts["ja"].append(f"{field}: {said.ja}")
        parts["en"].append(f"{field}: {said.en}")
    return ByLanguage("; ".join(parts["ja"]), "; ".join(parts["en"]))


#: The catalogue-free template of a message already written in each language: ``InputError(WRITTEN,
#: values={"text": ByLanguage(ja, en)})`` says ``ja`` or ``en``.
WRITTEN = "{text}"


class PluginDataError(PluginError, ValueError):
    """A plugin's data (a hook result or a data file) failed validation against the models.

    ``errors`` lists every failing field as ``(field path, message)``, the message in English; given as a
    :class:`~zaitaku_core.i18n.ByLanguage` (see :func:`field_error_text`), a field's message reads in the
    user's language in :meth:`~ZaitakuError.describe`.
    """

    code = "plugin-data"
    title_ja = "プラグインのデータが正しくありません"

    def __init__(
        self,
        message: str,
        *,
        location: Mapping[str, str | None] | None = None,
        errors: list[tuple[str, str | ByLanguage]] | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        given = list(errors or [])
        self.errors: list[tuple[str, str]] = [(where, _in(what, "en")) for where, what in given]
        if values is not None and not self.errors:  # a catalogue message (see ZaitakuError)
            super().__init__(message, location=location, values=values)
        elif values is None and all(type(what) is not ByLanguage for _, what in given):
            super().__init__(_with_errors(message, self.errors), location=location)
        else:  # the headline and each field's message in each language
            japanese = [(where, _in(what, "ja")) for where, what in given]
            headline = {lang: _filled(message, values or {}, lang) for lang in ("ja", "en")}
            text = ByLanguage(_with_errors(headline["ja"], japanese), _with_errors(headline["en"], self.errors))
            super().__init__(WRITTEN, location=location, values={"text": text})


def _in(text: str | ByLanguage, lang: str) -> str:
    if type(text) is ByLanguage:
        return text.ja if lang == "ja" else text.en
    return str(text)


def exception_text(exc: BaseException) -> str | ByLanguage:
    """What an exception says, fit for an error line: never text that looks like a phone number or an e-mail
    address (a plugin reading a database may put a record in its message), and a placeholder when the
    exception cannot even be made into text (its ``__str__`` raising)."""
    from zaitaku_core.activity.record import looks_personal  # the activity log's own guard

    try:
        said = str(exc)
    except Exception:
        return ByLanguage(*ja_en(N_("(its message cannot be shown: turning it into text failed)")))
    if looks_personal(said):
        message = N_(
            "(its message is not shown: it holds what looks like a phone number or an e-mail address; --debug shows it)"
        )
        return ByLanguage(*ja_en(message))
    return said


class FileAccessError(ZaitakuError):
    """A file could not be read or written: it is not a regular file (a FIFO, a device, a symbolic link
    not allowed to be followed), the folder is read-only, the disk is full, or the file system failed.

    Nothing was written: an earlier file at the same path is left as it was.
    """

    code = "file-access"
    title_ja = "ファイルを読み書きできません"


class PersonalDataError(InputError):
    """A value looks like personal data (a name, a phone number, an e-mail address) where none is allowed.

    The message names the field, never the value.
    """

    code = "personal-data"
    title_ja = "個人情報のおそれがある値は受け付けません"


class ActivityLogError(ZaitakuError):
    """The activity log cannot be opened or used (no database driver, a newer schema, a locked file, the
    database failing during a write, which is then rolled back)."""

    code = "activity-log"
    title_ja = "活動記録を使えません"


class ActivityImportError(InputError):
    """Rows of a file given to the activity log are not valid; nothing of the file was written.

    ``errors`` lists every failing row as ``(where, message)``, where is ``file:line field`` or
    ``file sheet!row field``. ``lang`` is the language the message and the rows are written in: the count of
    rows not listed is said in it (in both languages when it is not given).
    """

    code = "activity-import"
    title_ja = "活動記録に取り込めません"

    #: How many row errors the message lists; ``errors`` holds them all.
    SHOWN = 20

    def __init__(
        self,
        message: str,
        *,
        location: Mapping[str, str | None] | None = None,
        errors: list[tuple[str, str]] | None = None,
        lang: str | None = None,
    ) -> None:
        self.errors = list(errors or [])
        super().__init__(_with_errors(message, self.errors, shown=self.SHOWN, lang=lang), location=location)


class MissingDependencyError(ZaitakuError):
    """An optional feature needs a package or a system library that is not installed (the message says
    what to install, e.g. WeasyPrint and Pango for PDF reports)."""

    code = "missing-dependency"
    title_ja = "必要なソフトウェアがインストールされていません"


class ExportLimitError(ZaitakuError):
    """A value does not fit the output format (a cell longer than Excel's 32,767 characters); the
    location names the table, row and column. Nothing is written: a value is never cut silently."""

    code = "export-limit"
    title_ja = "出力形式に収まらない値があります"


class WorkbookProblem(NamedTuple):
    """One problem of a plan workbook: where (sheet, cell such as ``E7``, column header) and what."""

    sheet: str | None
    cell: str | None
    field: str | None
    message: str
    #: The kind of problem (``choice``, ``missing``, ``duplicate_id`` …), stable across languages.
    key: str = ""

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.sheet and self.cell else (self.sheet or "")
        head = " ".join(part for part in (where, self.field) if part)
        return f"{head}: {self.message}" if head else self.message


class WorkbookError(InputError):
    """A plan workbook cannot be imported; ``problems`` lists every problem found, each with its place.

    The message names the file and the number of problems; print ``problems`` one a line.
    """

    code = "workbook"
    title_ja = "ワークブックを読み込めません"

    def __init__(self, file: str, problems: Iterable[WorkbookProblem], *, lang: str = "ja") -> None:
        self.problems = list(problems)
        count = len(self.problems)
        message = tr(
            NN_(
                "{count} problem in the workbook; nothing was written",
                "{count} problems in the workbook; nothing was written",
            ),
            "en" if lang == "en" else "ja",
            count=count,
        )
        if count == 1:
            message += f": {self.problems[0]}"
        super().__init__(message, location={"file": file})
