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

from collections.abc import Mapping
from typing import ClassVar

__all__ = [
    "DOCS_ERRORS_URL",
    "CalendarRangeError",
    "EraDateError",
    "FiscalYearError",
    "FrameworkCodeError",
    "HookResultError",
    "InputError",
    "MunicipalCodeError",
    "PluginDataError",
    "PluginError",
    "PluginLoadError",
    "UnknownCityError",
    "ZaitakuError",
]

#: Base address of the error reference page; each code is an anchor on it.
DOCS_ERRORS_URL = "https://zaitaku-core.readthedocs.io/en/latest/reference/errors.html"


class ZaitakuError(Exception):
    """Base class of every error raised by zaitaku-core.

    Args:
        message: What went wrong, for a person.
        location: Where: any of ``plugin``, ``hook``, ``file``, ``field``, ``city``, ``program``.

    >>> err = ZaitakuError("something broke", location={"plugin": "asahikawa"})
    >>> err.code, str(err)
    ('zaitaku', "something broke [plugin 'asahikawa'] (see ...errors.html#zaitaku)")
    """

    #: Stable machine-readable code; the anchor of this error in the documentation.
    code: ClassVar[str] = "zaitaku"

    def __init__(self, message: str, *, location: Mapping[str, str | None] | None = None) -> None:
        self.message = message
        self.location: dict[str, str] = {k: str(v) for k, v in (location or {}).items() if v is not None}
        super().__init__(message)

    @property
    def doc_url(self) -> str:
        """Address of this error's section in the error reference."""
        return f"{DOCS_ERRORS_URL}#{self.code}"

    def __str__(self) -> str:
        where = " ".join(f"[{key} {value!r}]" for key, value in self.location.items())
        text = f"{self.message} {where}" if where else self.message
        return f"{text} (see ...errors.html#{self.code})"


class InputError(ZaitakuError, ValueError):
    """A value given to the library is not valid (base of the input errors)."""

    code = "input"


class FrameworkCodeError(InputError):
    """An item code, phase, care scene or other national-framework label is not known."""

    code = "framework-code"


class MunicipalCodeError(InputError):
    """A 全国地方公共団体コード (JIS X 0402) is malformed or its check digit is wrong."""

    code = "municipal-code"


class EraDateError(InputError):
    """A Japanese-era date or year is malformed or does not exist (平成32年, 令和元年4月)."""

    code = "era-date"


class FiscalYearError(InputError):
    """A fiscal year (年度) is malformed or lies outside the plan period it is used in."""

    code = "fiscal-year"


class CalendarRangeError(InputError):
    """A date lies outside the range of the business-day tables (2000-01-01 … 2051-12-31)."""

    code = "calendar-range"


class UnknownCityError(ZaitakuError, LookupError):
    """No installed plugin serves the city id that was asked for."""

    code = "unknown-city"


class PluginError(ZaitakuError):
    """A plugin could not be loaded or one of its hooks failed (base of the plugin errors)."""

    code = "plugin"


class PluginLoadError(PluginError):
    """A plugin's entry point could not be imported or registered."""

    code = "plugin-load"


class HookResultError(PluginError):
    """A hook implementation raised an exception or returned a value of the wrong type."""

    code = "hook-result"


class PluginDataError(PluginError, ValueError):
    """A plugin's data (a hook result or a data file) failed validation against the models.

    ``errors`` lists every failing field as ``(field path, message)``.
    """

    code = "plugin-data"

    def __init__(
        self,
        message: str,
        *,
        location: Mapping[str, str | None] | None = None,
        errors: list[tuple[str, str]] | None = None,
    ) -> None:
        self.errors = list(errors or [])
        if self.errors:
            details = "; ".join(f"{field}: {msg}" for field, msg in self.errors)
            message = f"{message}: {details}"
        super().__init__(message, location=location)
