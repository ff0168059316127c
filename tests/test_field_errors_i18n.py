"""A plugin's invalid data is told field by field in the user's language: zaitaku-core's own validator
messages and pydantic's common ones in Japanese with ``--lang ja``, pydantic's English with ``--lang en``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from zaitaku_core.cli import main
from zaitaku_core.cli.errors import EXIT_INVALID
from zaitaku_core.cli.scaffold import scaffold_city_folder
from zaitaku_core.errors import (
    PYDANTIC_COUNTS,
    PYDANTIC_MESSAGES,
    PYDANTIC_OTHER,
    PluginDataError,
    field_error_text,
)
from zaitaku_core.i18n import PLURAL_SEPARATOR, tr, translate
from zaitaku_core.plugins import create_registry, hookimpl


def _city_folder(tmp_path: Path, old: str, new: str) -> Path:
    folder = scaffold_city_folder("kushiro", code="012068", name="釧路市", directory=tmp_path)
    city = folder / "city.toml"
    text = city.read_text(encoding="utf-8")
    assert old in text
    city.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("old", "new", "japanese", "english"),
    [
        (
            'prefecture = "北海道"',
            'prefecture = "青森県"',
            "city.municipality: 都道府県 '青森県' が団体コード 012068（北海道）と一致しません",
            "city.municipality: prefecture '青森県' does not match code 012068 (北海道)",
        ),
        (  # a model validator's own InputError, in either language without pydantic's "Value error, "
            "fiscal_years = [2024]",
            "fiscal_years = [2024, 2024]",
            "city: fiscal_years（年度）に同じ年度が2回あります",
            "city: a fiscal year is listed twice in fiscal_years",
        ),
        (
            'id = "kushiro"',
            'id = "kushiro"\nbogus = 1',
            "city.bogus: この項目は指定できません（定義にない項目です）",
            "city.bogus: Extra inputs are not permitted",
        ),
        (  # a list shorter than its minimum
            "fiscal_years = [2024]",
            "fiscal_years = []",
            "city.fiscal_years: 1個以上にしてください（0個です）",
            "city.fiscal_years: Tuple should have at least 1 item after validation, not 0",
        ),
        (  # an empty name: one character at least, in the singular
            'name = "釧路市"',
            'name = ""',
            "city.municipality.name: 1文字以上で書いてください",
            "city.municipality.name: String should have at least 1 character [",
        ),
        (  # a number where a text was meant
            'id = "kushiro"',
            'id = "kushiro"\naim = 5',
            "city.aim: 文字列で指定してください",
            "city.aim: Input should be a valid string",
        ),
    ],
)
def test_invalid_plugin_data_reads_in_the_users_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, japanese: str, english: str
) -> None:
    folder = _city_folder(tmp_path, old, new)
    for lang, expected in (("ja", japanese), ("en", english)):
        assert main(["--lang", lang, "--data-dir", str(folder), "validate", "kushiro"]) == EXIT_INVALID
        line = capsys.readouterr().err
        assert line.startswith("エラー [plugin-data]" if lang == "ja" else "error [plugin-data]")
        assert expected in line, line
        assert ("City のデータが正しくありません: " if lang == "ja" else "invalid City data: ") in line
        assert line.count("errors.html#") == 1, line  # one reference: the line's own, not the field's too
        assert "Value error" not in line and "値が正しくありません（" not in line  # pydantic's prefix, in no language
        if lang == "ja":
            assert "Extra inputs" not in line


#: A kana or kanji: a text in Japanese.
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _example_context(example: dict[str, Any] | None, n: int) -> dict[str, Any]:
    """pydantic's example ``ctx`` of an error type with its numbers set to ``n`` and its texts filled."""
    return {
        key: n if isinstance(value, int) or value is None else (value or "x") for key, value in (example or {}).items()
    }


def _all_pydantic_errors() -> list[dict[str, Any]]:
    from pydantic_core._pydantic_core import list_all_errors

    return list(list_all_errors())


def test_pydantic_messages_are_what_pydantic_says() -> None:
    """Each text of the table is pydantic's own message for its type (or the part of it the Japanese says),
    filled the same way, singular and plural: a pydantic upgrade that rewords one shows here rather than as a
    stale translation. The counted ones count the ``ctx`` value PYDANTIC_COUNTS names."""
    from pydantic_core import PydanticKnownError

    known = {error["type"]: error for error in _all_pydantic_errors()}
    assert set(PYDANTIC_MESSAGES) <= set(known), set(PYDANTIC_MESSAGES) - set(known)
    assert set(PYDANTIC_COUNTS) == {t for t, text in PYDANTIC_MESSAGES.items() if PLURAL_SEPARATOR in text}
    for kind, template in PYDANTIC_MESSAGES.items():
        for n in (1, 3):
            context = _example_context(known[kind]["example_context"], n)
            theirs = PydanticKnownError(kind, context or None).message()  # type: ignore[arg-type]
            values = {**context, "count": context.get(PYDANTIC_COUNTS.get(kind, ""), n)}
            ours = tr(template, "en", **values)
            assert ours in theirs, (kind, n, ours, theirs)
            error = {"type": kind, "msg": theirs, "ctx": context}
            text = field_error_text(error)
            assert text.en == theirs and text.ja == tr(template, "ja", **values), kind


def test_every_pydantic_error_type_reads_in_japanese() -> None:
    """Whatever error type pydantic raises, the Japanese line says it in Japanese (a type the table does not
    hold: that the value is not valid, naming the type), never an English sentence; the English line stays
    pydantic's message."""
    from pydantic_core import PydanticKnownError

    for known in _all_pydantic_errors():
        kind = known["type"]
        context = _example_context(known["example_context"], 2)
        try:
            english = PydanticKnownError(kind, context or None).message()  # type: ignore[arg-type]
        except TypeError:  # a context pydantic's example cannot fill (too_long's optional actual_length)
            context = {**context, "actual_length": 3}
            english = PydanticKnownError(kind, context).message()  # type: ignore[arg-type]
        text = field_error_text({"type": kind, "msg": english, "ctx": context})
        assert text.en == english
        assert JAPANESE.search(text.ja), (kind, text.ja)
        # the Japanese text itself (its values aside: a pattern, a class name) has no English word in it
        said = translate(PYDANTIC_MESSAGES.get(kind, PYDANTIC_OTHER), "ja", 2)
        allowed = r"\{\w+\}|pydantic|true|false|[A-Z]{2,}|YYYY-MM-DD|HH:MM"
        assert not re.search(r"[A-Za-z]{3,}", re.sub(allowed, "", said)), said
        if kind not in PYDANTIC_MESSAGES:
            assert text.ja == f"値が正しくありません（pydantic のエラー種別: {kind}）"
    assert field_error_text({"type": "a_type_of_tomorrow", "msg": "Something new"}).ja == (
        "値が正しくありません（pydantic のエラー種別: a_type_of_tomorrow）"
    )


def test_a_record_that_is_no_mapping_is_told_in_both_languages() -> None:
    class Bad:
        @hookimpl
        def zaitaku_cities(self) -> list[Any]:
            return [42]

    registry = create_registry(entry_points=False)
    with pytest.raises(PluginDataError) as caught:
        registry.register(Bad(), name="bad")
    assert "[0]: expected City or a mapping, got int" in caught.value.describe("en")
    assert "[0]: City か表（キーと値の組）を指定してください（int が渡されました）" in caught.value.describe("ja")
    assert caught.value.errors == [("[0]", "expected City or a mapping, got int")]
