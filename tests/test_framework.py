"""The national framework vocabulary, checked against ../shared/domain.md where it is beside the repo."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zaitaku_core.errors import FrameworkCodeError
from zaitaku_core.framework import (
    ActorKind,
    CareScene,
    EventKind,
    LabeledEnum,
    NewItem,
    OldItem,
    Phase,
    ToolKind,
)

DOMAIN_MD = Path(__file__).resolve().parents[2] / "shared" / "domain.md"

#: The PDCA mapping of domain.md §1, written out (the test below also reads domain.md itself).
EXPECTED_MAPPING = {
    "ア(ア)": ("ア", ["ア"]),
    "ア(イ)": ("ア", ["イ"]),
    "ア(ウ)": ("ア", ["ウ"]),
    "イ(ア)": ("イ", ["オ"]),
    "イ(イ)": ("イ", ["キ"]),
    "イ(ウ)": ("イ", ["エ", "カ"]),
    "ウ": ("ウ", []),
}

ALL_ENUMS: list[type[LabeledEnum]] = [OldItem, NewItem, Phase, CareScene, ActorKind, ToolKind, EventKind]


def test_mapping_table_as_written_here() -> None:
    assert {item.value: (item.phase.value, [o.value for o in item.old_items]) for item in NewItem} == (EXPECTED_MAPPING)
    assert OldItem.KU.new_item is None


@pytest.mark.skipif(not DOMAIN_MD.exists(), reason="../shared/domain.md is not beside the checkout")
def test_mapping_table_matches_domain_md() -> None:
    text = DOMAIN_MD.read_text(encoding="utf-8")
    rows = re.findall(r"^\|[^|\n]*\|\s*(ア\(.\)|イ\(.\)|ウ)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|$", text, re.M)
    assert len(rows) == 7
    for code, label, olds in rows:
        item = NewItem.parse(code)
        assert item.ja == label
        expected = [] if olds == "(new)" else [o.strip() for o in olds.split(",")]
        assert [o.value for o in item.old_items] == expected
    old_rows = re.findall(r"^\| (.) \| ([^|]+?) \|$", text, re.M)
    assert [(code, label) for code, label in old_rows] == [(o.value, o.ja) for o in OldItem]


@pytest.mark.parametrize("enum", ALL_ENUMS)
def test_every_member_has_labels_and_parses_from_each(enum: type[LabeledEnum]) -> None:
    for member in enum:
        assert member.ja and member.en
        for text in (member.value, member.ja, member.en, member.name):
            assert enum.parse(text) is member
        assert enum(member.ja) is member  # pydantic and plain construction accept labels too
        assert member.code == member.value and type(member.code) is str


@given(st.sampled_from(list(OldItem)))
def test_old_to_new_consistent_both_ways(old: OldItem) -> None:
    new = old.new_item
    if new is None:
        assert all(old not in item.old_items for item in NewItem)
    else:
        assert old in new.old_items
        assert new.old_item in (old, None)


@given(st.sampled_from(list(NewItem)))
def test_new_to_old_consistent_both_ways(new: NewItem) -> None:
    for old in new.old_items:
        assert old.new_item is new
    assert new in new.phase.items


@pytest.mark.parametrize(
    ("text", "member"),
    [
        ("旧ア", OldItem.A),
        ("（エ）", OldItem.E),
        ("切れ目のない在宅医療と介護の提供体制の構築の推進", OldItem.U),
        ("在宅医療・介護連携に関する関係市町村の連携", OldItem.KU),
        ("イ（ウ）", NewItem.B_C),
        ("対応策の評価の実施（徳島市主体）、改善の実施", NewItem.C),
        ("②入退院支援", CareScene.ADMISSION_DISCHARGE),
        ("ケアマネジャー", ActorKind.CARE_MANAGER),
    ],
)
def test_aliases_written_by_the_sources(text: str, member: LabeledEnum) -> None:
    assert type(member).parse(text) is member


def test_unknown_code_is_a_clear_error() -> None:
    with pytest.raises(FrameworkCodeError, match=r"unknown OldItem 'ケ'.*ア \(地域の医療・介護の資源の把握\)") as info:
        OldItem.parse("ケ")
    assert info.value.code == "framework-code"
    assert isinstance(info.value, ValueError)


def test_required_flags_and_scene_aims_are_data() -> None:
    assert all(item.required for item in OldItem)
    assert all(item.required for item in NewItem)
    for scene in CareScene:
        assert scene.aim("ja") and scene.aim("en")
    assert [p.value for p in Phase] == ["ア", "イ", "ウ"]


def test_top_level_exports_resolve_lazily() -> None:
    import zaitaku_core

    for name in zaitaku_core.__all__:
        assert getattr(zaitaku_core, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = zaitaku_core.nope
