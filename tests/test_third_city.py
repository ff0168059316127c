"""A third city, in none of the bundled plugins, declared from the docs alone: plan model v2 end to end.

The plugin (``tests/third_city``) is a 第9期 chapter with scene aims, a council with members and a working
group as its child, a centre founded jointly by the city and the 医師会 with a coordinator, four programs
stated once for FY2024–2026 with a direction each and per-year overrides, and indicators with 第8期 actuals
(cancelled, provisional as of a date, partial) and 第9期 plans. It passes the conformance suite, and its
validated plans round-trip through JSON valid under the exported JSON Schema.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import third_city
from click.testing import CliRunner

from zaitaku_core.cli import cli, main
from zaitaku_core.errors import UndeclaredFiscalYearError
from zaitaku_core.framework import CareScene
from zaitaku_core.model import (
    Basis,
    BodyKind,
    MemberRole,
    Plan,
    StaffKind,
    ValueKind,
    ValueStatus,
    json_schemas,
)
from zaitaku_core.plugins import Registry, create_registry, hookimpl
from zaitaku_core.report import build_report, build_reports, compare_cities, render
from zaitaku_core.testing.conformance import PluginConformance
from zaitaku_core.validation import CATALOGUE, run_checks, validate_city


class TestThirdCityConformance(PluginConformance):
    plugin = "takamatsu"
    plugin_object = third_city.plugin


@pytest.fixture(scope="module")
def registry() -> Registry:
    return create_registry(entry_points=False, plugins=[("takamatsu", third_city.plugin)])


def test_scene_aims_come_from_the_plan_period(registry: Registry) -> None:
    plan = registry.plan("takamatsu", 2025)
    assert plan.period is not None and plan.period.title == "第9期高松市高齢者保健福祉計画・介護保険事業計画"
    aims = {scene: plan.scene_aim(scene) for scene in CareScene}
    assert all(aim is not None for aim in aims.values())
    assert "人生会議" in aims[CareScene.END_OF_LIFE].text  # type: ignore[union-attr]
    assert plan.aim() == plan.period.aim and plan.city.aim and plan.aim() != plan.city.aim
    assert not [f for f in validate_city(registry, "takamatsu") if f.code == "ZK018"]  # every scene has its aim


def test_council_with_members_and_its_working_group(registry: Registry) -> None:
    plan = registry.plan("takamatsu", 2024)
    council, group = plan.body("kyogikai"), plan.body("working-bukai")
    assert council.kind is BodyKind.COUNCIL and group.kind is BodyKind.WORKING_GROUP
    assert group.parent == council.id
    members = {m.organization: m for m in council.members}
    assert {"高松市医師会", "高松市歯科医師会", "高松市薬剤師会"} <= set(members)  # 三師会
    assert members["高松市医師会"].role is MemberRole.CHAIR and members["長寿福祉課"].role is MemberRole.SECRETARIAT
    assert council.provenance["founders"].basis is Basis.INFERRED and council.provenance["founders"].reason


def test_centre_founded_jointly_with_a_coordinator(registry: Registry) -> None:
    centre = registry.plan("takamatsu", 2024).body("center")
    assert centre.kind is BodyKind.CENTRE
    assert centre.founders == ("高松市", "高松市医師会")
    assert (centre.commissioner, centre.contractor) == ("高松市", "高松市医師会")
    (coordinator,) = centre.coordinators
    assert coordinator.role is StaffKind.COORDINATOR and coordinator.count == 2
    assert centre.provenance["founders"].basis is Basis.STATED
    assert centre.provenance["founders"].source.page == "52"  # type: ignore[union-attr]
    assert [e.name for e in centre.events] == ["在宅医療・介護フェス"]


def test_programs_stated_once_keep_one_id_with_per_year_overrides(registry: Registry) -> None:
    years = {year: {p.id: p for p in registry.programs("takamatsu", year)} for year in (2024, 2025, 2026)}
    stated_once = ["soudan-shien", "fukyu-keihatsu", "tashokushu-kenshu", "kadai-kento"]
    for program_id in stated_once:
        versions = [years[year][program_id] for year in (2024, 2025, 2026)]
        assert [p.fiscal_year for p in versions] == [2024, 2025, 2026]
        assert all(p.span == (2024, 2025, 2026) and p.direction for p in versions)
        assert len({p.direction for p in versions}) == 1 and len({p.number for p in versions}) == 1
    consult = [years[year]["soudan-shien"] for year in (2024, 2025, 2026)]
    assert consult[0].number == "1" and consult[0].title == "在宅医療・介護連携に関する相談支援"
    assert consult[1].new_this_year and consult[1].new_passages == ("地域包括支援センターへの出張相談を始める。",)
    assert not consult[0].new_this_year and consult[0].target == consult[2].target != consult[1].target
    training = [years[year]["tashokushu-kenshu"].frequency for year in (2024, 2025, 2026)]
    assert [f.label() for f in training if f] == ["年2回", "年3回", "年2回"]
    assert "hyoka" in years[2026] and "hyoka" not in years[2025]  # a program of one year still works


def test_indicators_hold_eighth_period_actuals_and_ninth_period_plans(registry: Registry) -> None:
    indicators = {i.id: i for i in registry.indicators("takamatsu")}
    statuses = {v.status for i in indicators.values() for v in i.values if v.kind is ValueKind.ACTUAL}
    assert {ValueStatus.CANCELLED, ValueStatus.PROVISIONAL, ValueStatus.PARTIAL} <= statuses
    estimate = indicators["soudan-kensu"].value(2023, "actual")
    assert estimate is not None and estimate.status is ValueStatus.PROVISIONAL and estimate.as_of is not None
    assert estimate.period_label() == "第8期実績" and estimate.value == Decimal(360)
    target = indicators["soudan-kensu"].value(2026, "plan")
    assert target is not None and target.period_label() == "第9期計画"
    # The indicators find their programs in every year, the programs being stated once (no ZK010).
    assert not [f for f in validate_city(registry, "takamatsu") if f.code in {"ZK007", "ZK010"}]


def test_every_finding_carries_its_fiscal_year(registry: Registry) -> None:
    findings = validate_city(registry, "takamatsu")
    assert findings and all(f.fiscal_year in (2024, 2025, 2026) for f in findings)
    assert {f.fiscal_year for f in findings} == {2024, 2025, 2026}


def test_plans_round_trip_through_schema_valid_json(registry: Registry) -> None:
    schema = json_schemas()["Plan"]
    for year in (2024, 2025, 2026):
        plan = registry.plan("takamatsu", year)
        data = json.loads(plan.model_dump_json())
        jsonschema.Draft202012Validator(schema).validate(data)
        assert Plan.model_validate(data) == plan
        assert data["bodies"][2]["founders"] == ["高松市", "高松市医師会"]


class ExtraBodies:
    """An extension plugin in code: it adds a desk to the city another plugin serves."""

    @hookimpl
    def zaitaku_bodies(self, city: str) -> list[dict[str, object]] | None:
        if city != "takamatsu":
            return None
        return [
            {
                "id": "madoguchi",
                "name": "在宅医療・介護連携相談窓口",
                "kind": "desk",
                "parent": "center",
                "programs": ["soudan-shien"],
                "provenance": {"record": {"basis": "inferred", "reason": "センターの窓口業務を独立させて記録"}},
            }
        ]


def test_an_extension_plugin_adds_a_body_whose_references_are_checked() -> None:
    both = create_registry(
        entry_points=False, plugins=[("takamatsu", third_city.plugin), ("extra-bodies", ExtraBodies())]
    )
    plan = both.plan("takamatsu", 2024)
    assert sorted(b.id for b in plan.bodies) == ["center", "kyogikai", "madoguchi", "working-bukai"]
    assert not [f for f in validate_city(both, "takamatsu") if f.code in {"ZK017", "ZK019", "ZK020"}]
    desk = plan.body("madoguchi")
    cycle = plan.body("center").model_copy(update={"parent": "madoguchi"})
    broken = plan.model_copy(
        update={
            "bodies": (
                *(b for b in plan.bodies if b.id not in {"madoguchi", "center"}),
                cycle,
                desk.model_copy(update={"programs": ("nowhere",), "tools": ("no-tool",)}),
            )
        }
    )
    found = [(f.code, f.field) for f in run_checks(broken, CATALOGUE) if f.code in {"ZK019", "ZK020"}]
    assert sorted(found) == [
        ("ZK019", "bodies[center].parent"),
        ("ZK019", "bodies[madoguchi].parent"),
        ("ZK020", "bodies[madoguchi].programs"),
        ("ZK020", "bodies[madoguchi].tools"),
    ]


def test_undeclared_years_are_errors_in_the_api(registry: Registry) -> None:
    with pytest.raises(UndeclaredFiscalYearError, match=r"FY2024, FY2025, FY2026"):
        registry.plan("takamatsu", 2030)
    with pytest.raises(UndeclaredFiscalYearError):
        build_report(registry, "takamatsu", "令和99年度")
    with pytest.raises(UndeclaredFiscalYearError):
        validate_city(registry, "takamatsu", 2023)
    assert build_report(registry, "takamatsu", 2023, allow_undeclared=True).fiscal_year == 2023


def test_compare_defaults_to_the_latest_shared_year(registry: Registry) -> None:
    from sample_plugins import SamplePlugin

    both = create_registry(entry_points=False, plugins=[("takamatsu", third_city.plugin), ("sample", SamplePlugin())])
    assert compare_cities(both, ["takamatsu", "sample"]).fiscal_year == 2024  # not takamatsu's latest, 2026
    result = CliRunner().invoke(cli, ["compare", "takamatsu", "sample", "--format", "json"], obj=both)
    assert result.exit_code == 0, result.output
    assert "令和6年度（FY2024）" in result.stderr
    assert json.loads(result.stdout)["fiscal_year"] == 2024


@pytest.mark.parametrize("command", ["report", "validate", "plan"])
def test_undeclared_years_are_refused_by_every_command(registry: Registry, command: str) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, [command, "takamatsu", "--fy", "2030"], obj=registry)
    assert isinstance(result.exception, UndeclaredFiscalYearError)
    assert "FY2024, FY2025, FY2026" in str(result.exception)
    allowed = runner.invoke(cli, [command, "takamatsu", "--fy", "2030", "--allow-undeclared"], obj=registry)
    assert allowed.exception is None or isinstance(allowed.exception, SystemExit), allowed.exception


@pytest.mark.parametrize(
    "args",
    [
        ["report", "asahikawa", "--fy", "2030"],
        ["report", "asahikawa", "--fy", "令和99年度"],
        ["validate", "asahikawa", "--fy", "2030"],
        ["plan", "asahikawa", "--fy", "2030"],
        ["compare", "asahikawa", "tokushima", "--fy", "2030"],
    ],
)
def test_bundled_city_undeclared_year_exits_1_naming_the_declared_years(
    args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status = main([*args, "-o", str(tmp_path / "out.md")] if args[0] in {"report", "compare"} else args)
    captured = capsys.readouterr()
    assert status == 1
    assert "FY2024" in captured.err and "undeclared-fiscal-year" in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
    assert not (tmp_path / "out.md").exists()  # nothing written


def test_reports_of_a_plan_period_share_its_about_section(registry: Registry) -> None:
    # 実施計画の概要 is made of the city and the plan period: FY2024 and FY2026 (第9期, its aims) share it,
    # FY2027 (第10期, none declared: the city's aims) has its own; each is what build_report makes alone.
    years = (2024, 2026, 2027)
    reports = list(build_reports(registry, "takamatsu", years, allow_undeclared=True))
    for year, built in zip(years, reports, strict=True):
        alone = build_report(registry, "takamatsu", year, allow_undeclared=True)
        assert built.sections[0] == alone.sections[0]
        assert render(built, "json") == render(alone, "json")
    first, second, third = (r.sections[0] for r in reports)
    assert first.id == "about" and first is second and third is not second and third != second
