"""The Tokushima plugin against seed 004: every 実施項目, its number, title, frequency and new passages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zaitaku_core.framework import CareScene, NewItem
from zaitaku_core.model import FrequencyKind, Plan
from zaitaku_core.plugins import create_registry

SEED = Path(__file__).resolve().parents[4] / "shared" / "seeds" / "004_1ddd474cbe680fac.txt"
needs_seed = pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is not beside the checkout")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return create_registry(entry_points=["tokushima"]).plan("tokushima", 2024)


def table_rows() -> list[tuple[str, str, str, str]]:
    """(必須項目 as carried down, 実施項目, 実施目標, 実施回数) for every row of the seed's tables."""
    text = SEED.read_text(encoding="utf-8")
    rows, item = [], ""
    for line in text[text.index("令和6年度 事業計画 概要") :].splitlines():
        cells = line.split("\t")
        if len(cells) >= 4 and re.match(r"^[①-⑩]", cells[1]):
            item = cells[0] or item
            rows.append((item, cells[1], cells[2], cells[3]))
    return rows


def test_city_operator_and_aim(plan: Plan) -> None:
    city = plan.city
    assert (city.municipality.code, city.name) == ("362018", "徳島市")
    assert [o.name for o in city.operators] == ["徳島市医師会", "徳島市在宅医療支援センター"]
    assert city.aim and city.aim.startswith("医療と介護を必要とする状態になっても")
    assert "徳島西医師会" in {o.name for o in city.organizations}
    assert "national defaults" in str(city.metadata["handoff_rules"])
    assert plan.handoff_rules == ()


@needs_seed
def test_every_action_item_with_number_title_target_and_frequency(plan: Plan) -> None:
    rows = table_rows()
    assert len(rows) == 31
    programs = [p for p in plan.programs if p.number]
    assert len(programs) == len(rows)
    for program, (item, numbered, target, frequency) in zip(programs, rows, strict=True):
        assert f"{program.number}{program.title}" == numbered
        assert program.item_label == item
        assert program.actions == ()  # the table has no owner column: no owner is invented
        assert program.frequency is not None and program.frequency.text == frequency
        assert program.target == re.sub(r"\s*<b>(.*?)</b>", lambda m: (" " if m.start() else "") + m.group(1), target)
        passages = [p.strip() for p in re.findall(r"<b>(.*?)</b>", target)]
        assert list(program.new_passages) == passages
        assert program.new_this_year is bool(passages)


@needs_seed
def test_pdca_grouping_as_the_seed_writes_it(plan: Plan) -> None:
    by_item: dict[NewItem | None, list[str]] = {}
    for program in plan.programs:
        if program.number:
            by_item.setdefault(program.new_item, []).append(program.number)
    assert by_item == {
        NewItem.A_A: ["①", "②"],
        NewItem.A_B: ["①", "②", "③", "④"],
        NewItem.A_C: ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩"],
        NewItem.B_A: ["①"],
        NewItem.B_B: ["①", "②", "③", "④", "⑤"],
        NewItem.B_C: ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧"],
        None: ["①"],  # the citizens' desk contracted by the city: its own program, no national item
    }
    [evaluation] = [p for p in plan.programs if p.new_item is NewItem.C]
    assert evaluation.title == "対応策の評価の実施（徳島市主体）、改善の実施" and evaluation.tools == ()
    assert [(a.role.value, a.owners) for a in evaluation.actions] == [("city", ("徳島市",))]
    assert {s for p in plan.programs for s in p.scene_set} == set(CareScene)
    phases = {p.phase_label for p in plan.programs if p.new_item}
    assert phases == {
        "ア 現状分析・課題抽出・施策立案（計画）",
        "イ 対応策の実施",
        "ウ 対応策の評価の実施（徳島市主体）、改善の実施",
    }


def test_who_commissions_and_who_holds_what(plan: Plan) -> None:
    bodies = {b.id: b for b in plan.bodies}
    council = bodies["tokushima-kyogikai"]
    assert (council.kind.value, council.founders, council.description) == (
        "council",
        ("徳島市",),
        "推進事業の方針等決定",
    )
    project = bodies["tokushima-suishin-jigyo"]
    assert (project.commissioner, project.contractor) == ("徳島市", "徳島市医師会")
    desk = bodies["tokushima-shimin-soudan"]
    assert desk.commissioner == "徳島市" and desk.programs == ("tokushima-desk-1",)
    # The city is never a contractor (受託者): it commissions.
    assert all(b.contractor != "徳島市" for b in plan.bodies)
    assert not any(a.role.value == "operator" for p in plan.programs for a in p.actions)
    # The council is no tool of a program.
    assert all("kyogikai" not in p.tools for p in plan.programs)


def test_spelling_variants_are_kept_and_recorded(plan: Plan) -> None:
    tag = plan.program("tokushima-a-c-1")
    assert tag.title == "徳島あしんタッグの開催"
    assert [v.text for v in tag.variants] == ["①徳島あんしんタッグの開催"]
    assert plan.program("tokushima-a-c-7").title == "四国四市医師会在宅部会(web会義)の開催"
    assert "令和5年度が多職種連携会議で協議した" in (plan.program("tokushima-b-c-3").target or "")


def test_countable_frequencies_are_indicators_with_a_target(plan: Plan) -> None:
    yearly = [p for p in plan.programs if p.frequency and p.frequency.kind is FrequencyKind.PER_YEAR]
    assert len(yearly) == len(plan.indicators) == 15
    for indicator in plan.indicators:
        [program_id] = indicator.programs
        target = indicator.value(2024, "plan")
        assert target is not None and target.value == 1 and plan.program(program_id).frequency is not None


def test_networks_and_tools(plan: Plan) -> None:
    names = {t.name for t in plan.tools}
    for name in [
        "在宅医療ネットワーク(TIZI-NET)",
        "後方支援病院ネットワーク(BBN)",
        "在宅療養支援診療所24時間ネットワーク",
        "24mini",
        "在宅医療周辺サポートネットワーク",
        "とくしまスクエア会議",
        "ニコイチ会議",
        "キーパーソン3",
        "バイタルリンク",
        "トクシノート",
        "「もしもの時のために」",
        "ケアマネタイム",
        "地域資源情報一覧",
        "「とくしま市の在宅医療と介護」パンフレット",
        "YouTube",
        "在宅医療漫画",
        "徳島県退院支援の手引き",
    ]:
        assert name in names, name
    assert plan.tool("shuhen-support-network").metadata["specialties"] == ["耳鼻咽喉科", "皮膚科", "泌尿器科", "眼科"]
    assert plan.tool("zaitaku-24h-network").parts == ("24mini",)
    assert plan.tool("chiiki-shigen-joho-ichiran").metadata["service_kinds"] == 13
    assert plan.tool("butai-geki").metadata["date"] == "2025-02-23"
    referenced = {t for p in plan.programs for t in p.tools}
    assert referenced <= {t.id for t in plan.tools}
    hot = [p for p in plan.programs if "在宅酸素療法(HOT)" in (p.target or "")]
    assert len(hot) == 1 and hot[0].new_this_year


@needs_seed
def test_tool_names_appear_in_the_seed(plan: Plan) -> None:
    text = SEED.read_text(encoding="utf-8")
    for tool in plan.tools:
        if tool.id not in {"homepage", "butai-geki"}:  # descriptive names given by us, said so in their text
            assert tool.name.strip("「」") in text, tool.name
