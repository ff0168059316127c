"""The Asahikawa plugin against its sources: every item, partner, tool and named service of the seeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zaitaku_core.framework import CareScene, NewItem, OldItem, Phase
from zaitaku_core.model import Plan, RuleBasis, WhoContacts
from zaitaku_core.plugins import create_registry

SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"
PLAN_SEED = SEEDS / "000_87c1e5ee58d65a88.txt"
GUIDE_SEED = SEEDS / "003_16f55a844a8deec6.txt"
needs_seeds = pytest.mark.skipif(not PLAN_SEED.exists(), reason="../shared/seeds is not beside the checkout")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return create_registry(entry_points=["asahikawa"]).plan("asahikawa", 2024)


def all_text(plan: Plan) -> str:
    return plan.model_dump_json()


def test_city_and_the_towns_sharing_its_rules(plan: Plan) -> None:
    city = plan.city
    assert (city.municipality.code, city.name, city.municipality.prefecture) == ("012041", "旭川市", "北海道")
    assert len(city.covers) == 9
    assert {m.name for m in city.covers} == {
        "鷹栖町",
        "東神楽町",
        "当麻町",
        "比布町",
        "愛別町",
        "上川町",
        "東川町",
        "美瑛町",
        "幌加内町",
    }
    assert "[check]" in str(city.metadata["covers_note"])


def test_one_program_per_old_item_plus_evaluation(plan: Plan) -> None:
    by_old = {p.old_item: p for p in plan.programs if p.old_item}
    assert set(by_old) == set(OldItem)
    assert by_old[OldItem.KU].new_item is None and by_old[OldItem.KU].phase is Phase.B
    assert by_old[OldItem.E].new_item is NewItem.B_C and by_old[OldItem.KA].new_item is NewItem.B_C
    [evaluation] = [p for p in plan.programs if p.new_item is NewItem.C]
    # The row's first text is its 取組の概要, the second the division's action; no partner action.
    assert evaluation.overview == "策定した指標を確認し、いわゆるPDCAサイクルに沿った取組を目指す。"
    assert [(a.role.value, a.text) for a in evaluation.actions] == [
        ("city", "指標を都度確認し、新たな課題分析に用いる。")
    ]
    for program in plan.programs:
        # A scene where the program's text names it, or no scene and the reason why (framework.md).
        assert program.scenes or program.provenance["scenes"].reason, program.id
        assert [a.owners for a in program.actions if a.role.value == "city"] == [("長寿社会課",)]
    # The documents say nothing of 看取り: no program or tool is tagged with it.
    scenes = {s for p in plan.programs for s in p.scene_set} | {t.scene for tool in plan.tools for t in tool.scenes}
    assert scenes == set(CareScene) - {CareScene.END_OF_LIFE}
    assert plan.city.aim is None  # the working group's 【目的】 is no aim of the city's


@needs_seeds
def test_every_old_item_of_the_seed_is_a_program(plan: Plan) -> None:
    text = PLAN_SEED.read_text(encoding="utf-8")
    codes = set(re.findall(r"旧\s*([アイウエオカキク])", text))
    assert codes == {p.old_item.value for p in plan.programs if p.old_item}
    for program in plan.programs:
        if program.overview:
            assert program.overview in text, program.id
        for action in program.actions:
            assert action.text in text.replace("\t", " "), (program.id, action.text[:30])


@needs_seeds
def test_every_partner_heading_is_split_into_owners(plan: Plan) -> None:
    text = PLAN_SEED.read_text(encoding="utf-8")
    headings = set(re.findall(r"【([^】]+)】", text)) - {"内容"}
    owners = {o for p in plan.programs for a in p.actions if a.role.value == "partner" for o in a.owners}
    for heading in headings:
        assert set(heading.split("・")) <= owners, heading
    organisation_names = {o.name for o in plan.city.organizations}
    assert owners - {"関係機関等"} <= organisation_names


@needs_seeds
def test_every_named_service_is_present_with_the_seed_wording(plan: Plan) -> None:
    text = PLAN_SEED.read_text(encoding="utf-8")
    quoted = set(re.findall(r"「([^」]+)」", text))
    tool_names = {t.name for t in plan.tools}
    everything = all_text(plan)
    for name in quoted:
        assert name in everything, name
    for name in [
        "入退院支援に係る相談窓口一覧",
        "在宅医療推進検討会議",
        "旭川市入退院時の医療と介護の連携の手引",
        "あさひかわ安心つながり手帳",
        "在宅医療・介護ガイドブック",
        "旭川市在宅医療・介護連携相談窓口",
        "バイタルリンク",
        "ゆっきりんく",
        "市民公開講座",
        "上川中部保健医療福祉圏域連携推進会議在宅医療専門部会",
    ]:
        assert name in text and name in tool_names, name
    assert plan.tool("nyutaiin-soudan-madoguchi-ichiran").renewal.count == 3  # type: ignore[union-attr]
    assert plan.tool("soudan-madoguchi").operated_by == ("市立旭川病院",)


@needs_seeds
def test_the_guide_its_four_tools_and_its_making(plan: Plan) -> None:
    text = GUIDE_SEED.read_text(encoding="utf-8")
    guide = plan.tool("renkei-no-tebiki")
    assert guide.binding is False and "強制的な効力はありません" in guide.status
    assert guide.description == "連携を図りやすくするための標準を定めたもの"
    forms = [plan.tool(tool_id) for tool_id in guide.parts]
    assert [(f.number, f.name) for f in forms] == [
        ("①", "入院時情報提供シート"),
        ("②", "退院時連携シート"),
        ("③", "主治医とケアマネジャーの連絡票"),
        ("④", "軽度者の福祉用具貸与に係る連絡票"),
    ]
    for form in forms:
        assert form.name in text
        assert form.status == ("これらは，標準様式であり，既存のツールの使用を妨げるものではありません。",)
    # The slide's "ケアマネジャーが記入" stands above ① only.
    assert [[k.value for k in f.filled_by] for f in forms] == [["care_manager"], [], [], []]
    assert set(forms[0].evidence_for) == set(forms[1].evidence_for) == {"入院時情報連携加算", "退院・退所加算"}
    assert forms[2].uses[0].endswith("③ケアプランに医療系サービスを位置付ける")
    assert forms[3].uses[0].endswith("④軽度者の福祉用具貸与を申請する")
    bodies = {b.id: b for b in plan.bodies}
    working = bodies["tebiki-kentou"]
    assert "【目的】 医療・介護関係者の入退院時における円滑な連絡体制を構築" in (working.description or "")
    assert working.provenance["name"].basis.value == "inferred"
    # The two differently named 検討会 stay two bodies, neither with an invented operator.
    assert {bodies["jigyo-kentoukai"].name, bodies["suishin-kentoukai"].name} == {
        "在宅医療・介護連携推進事業検討会",
        "旭川市在宅医療・介護連携推進検討会",
    }
    assert not bodies["suishin-kentoukai"].founders and not bodies["suishin-kentoukai"].contractor
    for member in bodies["jigyo-kentoukai"].members:
        assert member.organization in text.replace("\n", "")
    indicator = plan.indicators[0]
    assert [(v.fiscal_year, v.value) for v in indicator.values] == [(2018, 8), (2019, 5)]


def test_the_basic_rules(plan: Plan) -> None:
    rules = {r.event.value: r for r in plan.handoff_rules}
    admission, discharge = rules["admission"], rules["discharge"]
    assert admission.who is WhoContacts.FIRST_TO_LEARN
    assert (admission.number, admission.title, admission.text) == (
        "①",
        "入院時",
        "ケアマネジャーと病院等で，早く把握した方が連絡",
    )
    # ケアマネジャー on one side, 病院等 (hospital, its liaison office, clinic: the 等, read as inferred) on the other.
    assert [k.value for k in admission.contact_from] == ["care_manager"]
    assert [k.value for k in admission.contact_to] == ["hospital", "hospital_liaison", "clinic"]
    assert admission.provenance["contact_to"].basis.value == "inferred"
    assert admission.deadline.kind.value == "not_stated"  # the guide sets no deadline (no 速やかに)
    assert admission.tools == ("nyuin-joho-teikyo-sheet",)
    assert [k.value for k in discharge.contact_from] == ["hospital", "hospital_liaison", "clinic"]
    assert [k.value for k in discharge.contact_to] == ["care_manager"]
    assert discharge.deadline.anchor == "退院の目途が立ち次第"
    assert discharge.provenance["deadline"].basis.value == "inferred"
    for rule in rules.values():
        assert rule.basis is RuleBasis.CITY and rule.binding is False
