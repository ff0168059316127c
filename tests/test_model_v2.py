"""Plan model v2: scene aims, bodies, programs over a plan period, bounded values, provenance, fiscal years.

Property tests draw from the library's own strategies (:mod:`zaitaku_core.testing.strategies`).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from zaitaku_core.errors import PluginDataError
from zaitaku_core.framework import CareScene
from zaitaku_core.model import (
    UNIT_MAXIMA,
    Basis,
    Body,
    City,
    Indicator,
    IndicatorValue,
    PeriodProgram,
    Program,
    Provenance,
    SceneTag,
    Unit,
    json_schemas,
)
from zaitaku_core.plugins import DataPlugin, create_registry, hookimpl
from zaitaku_core.report.build import indicator_status
from zaitaku_core.report.model import IndicatorStatus
from zaitaku_core.testing.strategies import bodies, cities, indicators, period_programs, provenances, scene_tags
from zaitaku_core.validation import validate_city

SCHEMAS = json_schemas()
VALIDATORS = {name: jsonschema.Draft202012Validator(schema) for name, schema in SCHEMAS.items()}


def round_trips(model: Any) -> None:
    """``model`` dumped to JSON is valid under its exported schema and reads back as itself."""
    data = json.loads(model.model_dump_json())
    VALIDATORS[type(model).__name__].validate(data)
    assert type(model).model_validate(data) == model


# --- properties over the library's strategies ------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(period_programs())
def test_a_period_program_gives_one_program_per_year_of_its_span(declared: PeriodProgram) -> None:
    round_trips(declared)
    for year in range(2022, 2029):
        program = declared.for_year(year)
        if year not in declared.span:
            assert program is None
            continue
        assert isinstance(program, Program)
        assert (program.id, program.fiscal_year, program.span) == (declared.id, year, declared.span)
        assert (program.direction, program.number, program.new_item) == (
            declared.direction,
            declared.number,
            declared.new_item,
        )
        override = next((y for y in declared.years if y.fiscal_year == year), None)
        if override is not None and "target" in override.model_fields_set:
            assert program.target == override.target
        else:
            assert program.target == declared.target
        assert program.new_this_year == bool(override and override.new_passages)
        round_trips(program)


@settings(max_examples=30, deadline=None)
@given(st.lists(bodies(), max_size=3).flatmap(lambda found: bodies(ids=tuple(b.id for b in found))))
def test_bodies_round_trip_through_their_schema(body: Body) -> None:
    round_trips(body)
    assert all(post.role.value == "coordinator" for post in body.coordinators)
    assert body.parent != body.id


@settings(max_examples=40, deadline=None)
@given(cities())
def test_cities_with_scene_aims_round_trip(city: City) -> None:
    round_trips(city)
    scenes = [aim.scene for aim in city.scene_aims]
    assert len(scenes) == len(set(scenes))


@settings(max_examples=40, deadline=None)
@given(indicators(fiscal_years=(2021, 2022, 2023, 2024, 2025, 2026)))
def test_indicator_values_know_their_plan_period(indicator: Indicator) -> None:
    round_trips(indicator)
    for value in indicator.values:
        label = value.period_label()
        assert label is not None and label.startswith("第8期" if value.fiscal_year <= 2023 else "第9期")
        assert label.endswith("計画" if value.kind.value == "plan" else "実績")


@given(scene_tags(explained=False), provenances(explained=False))
def test_an_inference_is_unexplained_only_without_a_reason(tag: SceneTag, provenance: Provenance) -> None:
    for item in (tag, provenance):
        assert item.unexplained == (item.basis is Basis.INFERRED and not item.reason)


@given(st.text(max_size=60))
def test_numbers_are_parsed_within_bounds_or_refused(text: str) -> None:
    try:
        value = IndicatorValue.model_validate({"fiscal_year": 2024, "kind": "actual", "value": text})
    except ValidationError:
        return
    assert value.value is not None and value.value.is_finite() and value.value >= 0


# --- values ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-3, "greater than or equal to 0"),
        ("-5", "greater than or equal to 0"),
        (float("inf"), "not finite"),
        (float("nan"), "not finite"),
        ("1e9999999", "cannot read"),
        ("9" * 41, "cannot read"),
        (10**40, "beyond 10\\*\\*30"),
        (True, "boolean"),
    ],
)
def test_bad_numbers_are_refused(value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        IndicatorValue.model_validate({"fiscal_year": 2024, "kind": "actual", "value": value})


def test_numbers_as_plans_write_them() -> None:
    read = [
        IndicatorValue.model_validate({"fiscal_year": 2024, "kind": "plan", "value": v}).value
        for v in ("１，２３４", "1.5", 12, 2.5, "3e2")
    ]
    assert read == [Decimal(1234), Decimal("1.5"), Decimal(12), Decimal("2.5"), Decimal(300)]


def test_a_value_beyond_its_unit_is_refused() -> None:
    base = {"id": "x", "name": "率", "type": "outcome"}
    Indicator.model_validate({**base, "unit": "%", "values": [{"fiscal_year": 2024, "kind": "plan", "value": 120}]})
    with pytest.raises(ValidationError, match=r"values\[0\]\.value: 1001 % is beyond"):
        Indicator.model_validate(
            {**base, "unit": "%", "values": [{"fiscal_year": 2024, "kind": "plan", "value": 1001}]}
        )
    assert set(UNIT_MAXIMA) == set(Unit)


def test_provisional_and_as_of_together() -> None:
    value = IndicatorValue.model_validate(
        {"fiscal_year": 2023, "kind": "actual", "value": 180, "status": "provisional", "as_of": "2023-09-30"}
    )
    assert value.as_of is not None and value.period_label() == "第8期実績" and value.period_label("en")


def test_negative_plan_and_actual_are_never_judged_achieved() -> None:
    plan = IndicatorValue.model_construct(fiscal_year=2024, kind="plan", value=Decimal(-5), status="final")
    actual = IndicatorValue.model_construct(fiscal_year=2024, kind="actual", value=Decimal(-3), status="final")
    assert indicator_status(plan, actual) is IndicatorStatus.NO_TARGET  # type: ignore[arg-type]


# --- records ------------------------------------------------------------------------------------------------------


class TwoYears:
    """A city whose FY2024 program is gone in FY2025; its indicator spans both years."""

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        municipality = {"code": "012041", "name": "旭川市", "prefecture": "北海道"}
        return [{"id": "two", "municipality": municipality, "fiscal_years": [2024, 2025]}]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]]:
        return [
            {
                "id": f"kept-{fiscal_year}" if fiscal_year == 2025 else "ended",
                "title": "取組",
                "fiscal_year": fiscal_year,
            }
        ]

    @hookimpl
    def zaitaku_indicators(self, city: str) -> list[dict[str, Any]]:
        values = [{"fiscal_year": 2024, "kind": "actual", "value": 1}]
        return [
            {"id": "n", "name": "回数", "unit": "回", "type": "process", "programs": ["ended"], "values": values},
            {"id": "m", "name": "回数", "unit": "回", "type": "process", "programs": ["never"], "values": values},
        ]


def test_a_program_of_another_declared_year_is_not_a_broken_reference() -> None:
    registry = create_registry(entry_points=False, plugins=[("two", TwoYears())])
    plan = registry.plan("two", 2025)
    assert plan.other_year_program_ids == ("ended",)
    broken = [f.field for f in validate_city(registry, "two") if f.code == "ZK010"]
    assert broken == ["indicators[m].programs", "indicators[m].programs"]  # once per year, never 'ended'


def test_provenance_keys_name_fields() -> None:
    body = {"id": "c", "name": "センター", "kind": "centre"}
    assert Body.model_validate({**body, "provenance": {"record": {"reason": "r"}, "founders": {}}}).provenance
    with pytest.raises(ValidationError, match="provenance names no field of Body: founder"):
        Body.model_validate({**body, "provenance": {"founder": {"reason": "typo"}}})


def test_body_rules() -> None:
    with pytest.raises(ValidationError, match="its own parent"):
        Body.model_validate({"id": "c", "name": "x", "kind": "council", "parent": "c"})
    with pytest.raises(ValidationError, match="must differ"):
        Body.model_validate({"id": "c", "name": "x", "kind": "centre", "commissioner": "市", "contractor": "市"})


def test_period_program_rules() -> None:
    base = {"id": "p", "title": "相談支援"}
    with pytest.raises(ValidationError, match="needs period"):
        PeriodProgram.model_validate(base)
    with pytest.raises(ValidationError, match="outside 第9期"):
        PeriodProgram.model_validate({**base, "period": 9, "fiscal_years": [2026, 2027]})
    with pytest.raises(ValidationError, match="FY2027 lies outside the span"):
        PeriodProgram.model_validate({**base, "period": "第9期", "years": [{"fiscal_year": 2027, "target": "x"}]})
    program = PeriodProgram.model_validate({**base, "fiscal_years": ["R6", "令和7年度"]}).for_year(2025)
    assert program is not None and program.span == (2024, 2025)


def test_scene_aims_as_a_table_or_a_list() -> None:
    city = {"id": "c", "municipality": {"code": "012041", "name": "旭川市", "prefecture": "北海道"}}
    made = City.model_validate({**city, "fiscal_years": [2024], "scene_aims": {"看取り": "望む場所で"}})
    assert made.scene_aims[0].scene is CareScene.END_OF_LIFE
    with pytest.raises(ValidationError, match="twice"):
        City.model_validate(
            {
                **city,
                "fiscal_years": [2024],
                "scene_aims": [{"scene": "看取り", "text": "a"}, {"scene": "end_of_life", "text": "b"}],
            }
        )


def test_span_errors_name_plugin_file_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "zk_spancity"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    city = """
    [city]
    id = "spancity"
    fiscal_years = [2024, 2025]
    [city.municipality]
    code = "362018"
    name = "徳島市"
    prefecture = "徳島県"
    """
    programs = """
    [[programs]]
    id = "soudan"
    title = "相談支援"
    period = "第9期"
    [[programs.years]]
    fiscal_year = 2025
    frequency = "ときどき"
    """
    indicators = """
    [[indicators]]
    id = "n"
    name = "件数"
    unit = "件"
    type = "process"
    values = [{ fiscal_year = 2024, kind = "actual", value = -1 }]
    """
    for name, text in {"city.toml": city, "programs.toml": programs, "indicators.toml": indicators}.items():
        (package / "data" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = create_registry(entry_points=False, plugins=[("spancity", DataPlugin("zk_spancity"))])
    with pytest.raises(PluginDataError) as caught:
        registry.programs("spancity", 2024)
    assert caught.value.location["file"] == "zk_spancity/data/programs.toml"
    assert caught.value.errors[0][0] == "zk_spancity/data/programs.toml: programs[0].years[0].frequency"
    with pytest.raises(PluginDataError) as caught:
        registry.indicators("spancity")
    assert caught.value.location == {
        "plugin": "spancity",
        "hook": "zaitaku_indicators",
        "file": "zk_spancity/data/indicators.toml",
    }
    assert caught.value.errors[0][0] == "zk_spancity/data/indicators.toml: indicators[0].values[0].value"


def _imports(module: str) -> set[str]:
    """The zaitaku_core modules ``module`` imports, at run time or for type checking alone."""
    path = Path(__file__).resolve().parent.parent / "src" / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("zaitaku_core"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("zaitaku_core"))
    return found


@pytest.mark.parametrize(
    ("module", "never"),
    [
        ("zaitaku_core.calendar.business", "zaitaku_core.model"),
        ("zaitaku_core.calendar.fiscal", "zaitaku_core.model"),
        ("zaitaku_core.hookspecs", "zaitaku_core.validation"),
        ("zaitaku_core.hookspecs", "zaitaku_core.plugins"),
        ("zaitaku_core.validation", "zaitaku_core.plugins"),
        ("zaitaku_core.checks", "zaitaku_core.validation"),
        ("zaitaku_core.plugins", "zaitaku_core.validation"),
    ],
)
def test_the_import_circles_stay_broken(module: str, never: str) -> None:
    # model <-> calendar and hookspecs <-> validation <-> plugins, type-checking imports included.
    assert never not in _imports(module)


def test_the_calendar_does_not_import_the_models_at_run_time() -> None:
    code = "import sys, zaitaku_core.calendar; print('zaitaku_core.model' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_json_schemas_include_the_new_records() -> None:
    assert {"Body", "PeriodProgram"} <= set(SCHEMAS)
    body = SCHEMAS["Body"]
    assert body["additionalProperties"] is False and "founders" in body["properties"]
    assert "direction" in SCHEMAS["Program"]["properties"] and "span" in SCHEMAS["Program"]["properties"]
