"""A plugin's invalid data is told field by field in the user's language: zaitaku-core's own validator
messages and pydantic's common ones in Japanese with ``--lang ja``, pydantic's English with ``--lang en``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from zaitaku_core.cli import main
from zaitaku_core.cli.errors import EXIT_INVALID
from zaitaku_core.cli.scaffold import scaffold_city_folder
from zaitaku_core.errors import PYDANTIC_MESSAGES, PluginDataError, field_error_text
from zaitaku_core.i18n import translate
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
            "city.municipality: Value error, prefecture '青森県' does not match code 012068 (北海道)",
        ),
        (
            'id = "kushiro"',
            'id = "kushiro"\nbogus = 1',
            "city.bogus: この項目は指定できません（定義にない項目です）",
            "city.bogus: Extra inputs are not permitted",
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
        if lang == "ja":
            assert "Value error" not in line and "Extra inputs" not in line


def test_pydantic_messages_are_what_pydantic_says() -> None:
    """The table's English texts are pydantic's own messages for those types (filled the same way), so a
    pydantic upgrade that rewords one shows here rather than as a stale translation."""
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    class Probe(BaseModel):
        model_config = ConfigDict(extra="forbid")
        name: str = Field(max_length=2)
        count: int = Field(ge=1)

    with pytest.raises(ValidationError) as caught:
        Probe.model_validate({"name": "abc", "count": 0, "other": 1})
    with pytest.raises(ValidationError) as missing:
        Probe.model_validate({})
    for error in [*caught.value.errors(), *missing.value.errors()]:
        template = PYDANTIC_MESSAGES[error["type"]]
        assert template.format(**error.get("ctx", {})) == error["msg"]
        text = field_error_text(error)
        assert text.en == error["msg"] and text.ja == translate(template, "ja").format(**error.get("ctx", {}))


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
