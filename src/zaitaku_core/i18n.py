"""The message catalogue: every fixed text a person reads (CLI help and messages, report headings, the CLI's
error words), in Japanese and English, and the choice of language.

Texts are written in the code in English, marked with :func:`N_` (or :func:`NP_` when one English text
needs two translations, told apart by a context; :func:`NN_` for a text that says a count, in its singular
and plural: "1 row is", "2 rows are") and looked up when they are shown, with :func:`translate` /
:func:`tr`. The catalogues are GNU gettext files under ``zaitaku_core/locale``:
``<lang>/LC_MESSAGES/zaitaku.po`` (edited by translators) and its compiled ``zaitaku.mo`` (read here by the
standard :mod:`gettext` module, so nothing heavier than the standard library is imported at run time).
Babel extracts, updates and compiles them (``python scripts/catalogue.py``; see the translators' page of
the documentation).

The language is :func:`resolve_lang`'s: ``--lang``, else ``$ZAITAKU_LANG``, else the locale
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``ja_JP.UTF-8`` is Japanese, ``en_US.UTF-8`` or any
other language English), else Japanese (no locale, or the ``C``/``POSIX`` locale, which names no language).

>>> translate("Overview by national item", "ja")
'取組項目別の概要'
>>> tr("as of {date}", "ja", date="2024年6月1日")
'2024年6月1日現在'
>>> translate(NP_("count", "Programs"), "ja"), translate("Programs", "ja")
('取組数', '取組')
>>> [tr(NN_("deleted {count} entry", "deleted {count} entries"), lang, count=n) for lang in LANGUAGES for n in (1, 2)]
['1件を削除しました', '2件を削除しました', 'deleted 1 entry', 'deleted 2 entries']
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Final, Literal, NamedTuple

__all__ = [
    "CONTEXT_SEPARATOR",
    "DOMAIN",
    "LANGUAGES",
    "LANG_VARIABLE",
    "LOCALE_DIR",
    "LOCALE_VARIABLES",
    "NN_",
    "NP_",
    "N_",
    "PLURAL_SEPARATOR",
    "ByLanguage",
    "Lang",
    "catalogue",
    "ja_en",
    "resolve_lang",
    "tr",
    "translate",
]

Lang = Literal["ja", "en"]

#: The languages of the catalogue; the first is the default.
LANGUAGES: Final[tuple[Lang, ...]] = ("ja", "en")
#: The gettext domain: the catalogues are ``<lang>/LC_MESSAGES/zaitaku.po`` / ``.mo``.
DOMAIN: Final = "zaitaku"
#: The folder of the catalogues.
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
#: The environment variable that chooses the language when no ``--lang`` is given.
LANG_VARIABLE: Final = "ZAITAKU_LANG"
#: The locale variables read after :data:`LANG_VARIABLE`, in gettext's order of precedence.
LOCALE_VARIABLES: Final = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
#: Between a message's context and its text, as gettext stores them.
CONTEXT_SEPARATOR: Final = "\x04"
#: Between a counted message's singular and plural, as gettext stores them.
PLURAL_SEPARATOR: Final = "\x00"


def N_(message: str) -> str:  # noqa: N802 (gettext's name for the marker)
    """Mark ``message`` for the catalogue and return it unchanged: it is translated when shown."""
    return message


def NP_(context: str, message: str) -> str:  # noqa: N802
    """Mark ``message`` for the catalogue under ``context``, for an English text that needs two translations
    (``NP_("count", "Programs")`` is 取組数, ``"Programs"`` 取組). Returns the pair in one string, as gettext
    keeps it, for :func:`translate`."""
    return f"{context}{CONTEXT_SEPARATOR}{message}"


def NN_(singular: str, plural: str) -> str:  # noqa: N802
    """Mark a text that says a count, in its English singular and plural, for the catalogue (gettext's
    ``ngettext``: English has two forms, Japanese one). The count is the value named ``count`` given to
    :func:`tr` (or to an error's ``values``); the text may show it as ``{count}`` or through another
    placeholder. Returns both forms in one string, as gettext keeps them."""
    return f"{singular}{PLURAL_SEPARATOR}{plural}"


def _language_of(value: str) -> Lang | None:
    """``ja`` or ``en`` for a ``--lang`` value or a locale name; ``None`` for one that names no language
    (``C``, ``POSIX``, ``C.UTF-8``)."""
    name = value.strip().split(":")[0].split(".")[0].split("@")[0].lower()
    if not name or name in {"c", "posix"}:
        return None
    return "ja" if name.startswith("ja") else "en"


def resolve_lang(explicit: str | None = None) -> Lang:
    """The language to speak: ``explicit`` if given (``ja``, ``en``), else ``$ZAITAKU_LANG``, else the locale
    (``ja_JP.UTF-8`` → ``ja``; another language → ``en``), else Japanese.

    >>> resolve_lang("en"), resolve_lang("ja_JP.UTF-8")
    ('en', 'ja')
    """
    for candidate in (explicit, os.environ.get(LANG_VARIABLE)):
        if candidate and candidate.strip():
            return "en" if candidate.strip().lower().startswith("en") else "ja"
    for variable in LOCALE_VARIABLES:
        found = _language_of(os.environ.get(variable, ""))
        if found is not None:
            return found
    return LANGUAGES[0]


@cache
def catalogue(lang: str) -> gettext.GNUTranslations:
    """The compiled catalogue of ``lang`` (``ja`` or ``en``; anything else reads as :func:`resolve_lang` does)."""
    with (LOCALE_DIR / resolve_lang(lang) / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as stream:
        return gettext.GNUTranslations(stream)


def translate(message: str, lang: str, count: int | None = None) -> str:
    """``message`` (an English text marked with :func:`N_`, :func:`NP_` or :func:`NN_`) in ``lang``; a
    counted text (:func:`NN_`) in the form for ``count`` (the plural form when no count is given). A text
    the catalogue does not hold is returned as it is (without its context)."""
    if not message:
        return message
    context, separator, plain = message.rpartition(CONTEXT_SEPARATOR)
    found = catalogue(lang)
    singular, counted, plural = plain.partition(PLURAL_SEPARATOR)
    if counted:
        n = 2 if count is None else count
        return found.npgettext(context, singular, plural, n) if separator else found.ngettext(singular, plural, n)
    return found.pgettext(context, plain) if separator else found.gettext(message)


def tr(message: str, lang: str, /, **values: object) -> str:
    """:func:`translate`, then fill the ``{name}`` placeholders with ``values``; a counted text
    (:func:`NN_`) takes its form from ``values["count"]``."""
    translated = translate(message, lang, _count(message, values))
    return translated.format(**values) if values else translated


def _count(message: str, values: Mapping[str, object]) -> int | None:
    """The count that chooses a counted text's form: ``values["count"]`` (a whole number)."""
    if PLURAL_SEPARATOR not in message:
        return None
    count = values.get("count")
    if not isinstance(count, int):
        raise TypeError(f"a counted text needs a whole number as its value 'count', got {count!r}: {message!r}")
    return count


class ByLanguage(NamedTuple):
    """A value that reads differently in each language, for :func:`ja_en`: an enum member's labels, or a
    title in Japanese where the English names the id."""

    ja: str
    en: str


def ja_en(message: str, /, **values: object) -> tuple[str, str]:
    """``message`` in Japanese and in English, each with its placeholders filled: the pair that a validation
    finding or a check's title holds. A :class:`ByLanguage` value fills each language with its own.

    >>> ja_en(N_("No program serves the care scene {scene!r}."), scene=ByLanguage("看取り", "end-of-life care"))
    ('4つの場面のうち「看取り」に対応する取組がありません。', "No program serves the care scene 'end-of-life care'.")
    """
    if PLURAL_SEPARATOR in message:
        ja, en = (translate(message, lang, _count(message, values)) for lang in LANGUAGES)
    else:
        ja, en = _both(message)
    # Written for speed: a run over a nation makes tens of thousands of findings, each with its pair.
    in_en: dict[str, object] | None = None
    for key, value in values.items():
        if type(value) is ByLanguage:
            if in_en is None:
                in_en = dict(values)
            values[key], in_en[key] = value  # values is this call's own dict
    return ja.format_map(values), en.format_map(values if in_en is None else in_en)


@cache
def _both(message: str) -> tuple[str, str]:
    # Validation makes a finding's pair for every finding (tens of thousands in a nation-wide run).
    return translate(message, "ja"), translate(message, "en")
