"""The message catalogue (zaitaku_core.i18n, src/zaitaku_core/locale): complete in both languages, placeholders
kept, compiled files up to date, in step with the code; and the choice of language."""

from __future__ import annotations

import importlib.util
import re
import string
import sys
from pathlib import Path
from types import ModuleType

import pytest

from zaitaku_core.i18n import LANGUAGES, NN_, NP_, catalogue, ja_en, resolve_lang, tr, translate

ROOT = Path(__file__).resolve().parents[1]


def _tool() -> ModuleType:
    """scripts/catalogue.py, the Babel tool a translator runs (the tests run its checks)."""
    spec = importlib.util.spec_from_file_location("catalogue_tool", ROOT / "scripts" / "catalogue.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


TOOL = _tool()


def _placeholders(message: str) -> set[str]:
    braces = {field for _, field, _, _ in string.Formatter().parse(message) if field is not None}
    return braces | set(re.findall(r"%\((\w+)\)[sdr]", message))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_is_translated_with_its_placeholders(lang: str) -> None:
    catalog = TOOL.read(TOOL.po_path(lang), lang)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 100
    for message in messages:
        assert not message.fuzzy, f"{lang}: fuzzy translation of {message.id!r}"
        if isinstance(message.id, str):
            assert isinstance(message.string, str) and message.string.strip(), (
                f"{lang}: no translation of {message.id!r}"
            )
            assert _placeholders(message.string) == _placeholders(message.id), (lang, message.id, message.string)
            continue
        # A counted text (NN_): its singular and plural say the same values (the count among them, as {count}
        # or as another value that a caller passes as 'count' too), and the
        # language has each of its plural forms (English two, Japanese one), each with those placeholders.
        singular, plural = message.id
        assert _placeholders(singular) == _placeholders(plural), message.id
        forms = TOOL.forms(message.string)
        assert len(forms) == catalog.num_plurals == {"ja": 1, "en": 2}[lang], (lang, message.id, forms)
        for form in forms:
            assert form.strip(), f"{lang}: a plural form of {message.id!r} is empty"
            assert _placeholders(form) == _placeholders(plural), (lang, message.id, form)
        if lang == "en":
            assert forms == [singular, plural]


def test_counted_texts_are_marked_and_read_in_both_languages() -> None:
    """Every counted text is marked NN_ and says its count right: English "1 row is" and "2 rows are",
    Japanese one form for every count (there are such texts in the catalogue at all)."""
    counted = [m.id for m in TOOL.read(TOOL.po_path("en"), "en") if isinstance(m.id, tuple)]
    assert len(counted) >= 8
    rows = NN_("{count} row is not valid; nothing was written", "{count} rows are not valid; nothing was written")
    assert (
        "{count} row is not valid; nothing was written",
        "{count} rows are not valid; nothing was written",
    ) in counted
    assert [tr(rows, "en", count=n) for n in (0, 1, 2)] == [
        "0 rows are not valid; nothing was written",
        "1 row is not valid; nothing was written",
        "2 rows are not valid; nothing was written",
    ]
    assert {tr(rows, "ja", count=n).replace(str(n), "N") for n in (0, 1, 2, 21)} == {
        "N件の行に誤りがあるため、何も書き込んでいません"
    }
    assert ja_en(rows, count=1) == (
        "1件の行に誤りがあるため、何も書き込んでいません",
        "1 row is not valid; nothing was written",
    )
    for singular, plural in counted:  # each reads in both languages, and English picks its form by the count
        values = dict.fromkeys(_placeholders(plural), "x")
        for n in (1, 3):
            values["count"] = n
            english = tr(NN_(singular, plural), "en", **values)
            assert english == (singular if n == 1 else plural).format(**values)
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", tr(NN_(singular, plural), "ja", **values)), singular
    with pytest.raises(TypeError, match="count"):
        tr(rows, "en")


def test_catalogue_matches_the_code_and_the_compiled_files() -> None:
    """What the code marks with N_/NP_ is exactly what each .po holds, and each .mo is its .po compiled
    (the .mo files are committed; ``python scripts/catalogue.py all`` brings everything up to date)."""
    assert list(TOOL.problems()) == []


#: A ``str.format`` placeholder, with its conversion and format spec: ``{name}``, ``{text!r}``, ``{n:,}``.
PLACEHOLDER = re.compile(r"\{\w*(?:![rsa])?(?::[^{}]*)?\}")


def test_japanese_catalogue_has_japanese() -> None:
    catalog = TOOL.read(TOOL.po_path("ja"), "ja")
    kana_kanji = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\u25cb]")  # ○ is the Japanese "yes"
    # A text with English words in it (placeholders aside) reads in Japanese; "ID" or "{page} / {pages}" may not
    english = [m for m in catalog if m.id and re.search(r"[A-Za-z]{3,}", re.sub(PLACEHOLDER, "", str(m.id)))]
    assert len(english) > 100
    # (or, for a date such as "29 Dec–3 Jan", has no English letters left: 12/29〜1/3)
    texts = {str(m.id): " ".join(TOOL.forms(m.string)) for m in english}
    assert [key for key, text in texts.items() if not kana_kanji.search(text) and re.search("[A-Za-z]", text)] == []


def test_lookup_with_and_without_context() -> None:
    assert translate("Programs", "ja") == "取組"
    assert translate(NP_("count", "Programs"), "ja") == "取組数"
    assert translate(NP_("count", "Programs"), "en") == "Programs"
    assert tr("as of {date}", "en", date="2024-06-01") == "as of 2024-06-01"
    assert translate("not in the catalogue", "ja") == "not in the catalogue"
    assert catalogue("ja") is catalogue("ja")


@pytest.mark.parametrize(
    ("explicit", "environment", "expected"),
    [
        (None, {}, "ja"),  # no locale at all: Japanese first
        (None, {"LANG": "C.UTF-8"}, "ja"),  # C names no language
        (None, {"LANG": "POSIX"}, "ja"),
        (None, {"LANG": "ja_JP.UTF-8"}, "ja"),
        (None, {"LANG": "en_US.UTF-8"}, "en"),
        (None, {"LANG": "fr_FR.UTF-8"}, "en"),  # a language the catalogue lacks: English
        (None, {"LANG": "ja_JP.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),  # LC_ALL before LANG
        (None, {"LANG": "en_US.UTF-8", "LC_MESSAGES": "ja_JP.eucJP"}, "ja"),
        (None, {"LANG": "en_US.UTF-8", "LANGUAGE": "ja:en"}, "ja"),
        (None, {"LANG": "ja_JP.UTF-8", "ZAITAKU_LANG": "en"}, "en"),  # ZAITAKU_LANG before the locale
        ("ja", {"LANG": "en_US.UTF-8", "ZAITAKU_LANG": "en"}, "ja"),  # --lang before everything
        ("en", {"LANG": "ja_JP.UTF-8"}, "en"),
    ],
)
def test_language_choice(
    monkeypatch: pytest.MonkeyPatch, explicit: str | None, environment: dict[str, str], expected: str
) -> None:
    for name in ("ZAITAKU_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert resolve_lang(explicit) == expected


def test_the_translators_page_shows_what_the_catalogue_gives() -> None:
    page = (ROOT / "docs" / "howto" / "translate.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", page, flags=re.S | re.M)
    assert len(blocks) >= 2
    namespace: dict[str, object] = {}
    checked = 0
    for block in blocks:
        exec(compile(block, "translate.md", "exec"), namespace)
        for line in block.splitlines():  # every "call  # 'result'" line gives that result
            shown = re.fullmatch(r"(.*?)  # (['\"])(.*)\2", line)
            if shown:
                assert eval(shown.group(1), namespace) == shown.group(3), line
                checked += 1
    assert checked >= 4
