"""Models assembled without validation (:func:`zaitaku_core._prevalidated.assembler`: charts, ZK014/ZK016
findings) behave in every way pydantic offers as the same models validated: copies, pickles, hashes, dumps
with ``exclude_unset``/``exclude_defaults``, and none of these changes the one fields-set the instances
share. Chart bars (named tuples, made without validation) are the bars validation gives."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter, field_validator, model_validator
from sample_plugins import city_record

from zaitaku_core._prevalidated import assembler
from zaitaku_core.model import Finding, Severity
from zaitaku_core.report.charts import bar, trend_chart
from zaitaku_core.report.model import Bar, Chart
from zaitaku_core.validation import CATALOGUE, run_checks

_VALUES = [
    {"fiscal_year": 2024, "kind": "plan", "value": 4, "status": "final"},
    {"fiscal_year": 2024, "kind": "actual", "value": "2.5", "status": "partial", "as_of": "2024-09-30"},
    {"fiscal_year": 2025, "kind": "plan", "frequency": "年2回", "status": "final"},
    {"fiscal_year": 2025, "kind": "actual", "value": 1, "status": "provisional"},
    {"fiscal_year": 2026, "kind": "actual", "status": "final"},  # ZK014: neither a number nor a frequency
]


def _made() -> tuple[list[Bar], list[BaseModel]]:
    """Bars made by :func:`~zaitaku_core.report.charts.bar`, and a chart and findings, each made by an
    assembler."""
    from zaitaku_core.model import Indicator, Plan
    from zaitaku_core.report.charts import fy_label, number, plan_period_label, target_number

    indicator = Indicator.model_validate(
        {"id": "ind", "name": "開催回数", "unit": "回", "type": "process", "values": _VALUES}
    )
    bars = []
    for year in (2024, 2025):
        target, actual = indicator.value(year, "plan"), indicator.value(year, "actual")
        actual_n = None if actual is None else number(actual.value)
        label, group = fy_label(year, "ja"), plan_period_label(year, "ja")
        bars.append(bar(label, year, target, target_number(target), actual, actual_n, "ja", group))
    chart = trend_chart(indicator.id, indicator.name, "回", tuple(bars), "ja")
    assert chart is not None
    plans = [
        Plan.model_validate({"city": city_record(), "fiscal_year": year, "indicators": [indicator]})
        for year in (2025, 2026)
    ]
    checks = [check for check in CATALOGUE if check.code in {"ZK014", "ZK016"}]
    findings = [finding for p in plans for finding in run_checks(p, checks)]
    assert sorted({finding.code for finding in findings}) == ["ZK014", "ZK016"]
    return bars, [chart, *findings]


def _assembled() -> list[BaseModel]:
    return _made()[1]


@pytest.fixture(scope="module")
def assembled() -> list[BaseModel]:
    return _assembled()


def test_a_bar_made_without_validation_is_the_validated_bar() -> None:
    bars = _made()[0]
    assert any(b.as_of for b in bars) and any(b.plan_text for b in bars)
    adapter = TypeAdapter(Bar)
    for made in bars:
        for given in (made._asdict(), list(made)):  # JSON gives an array; an object of the fields is read too
            validated = adapter.validate_python(given)
            assert validated == made and type(validated) is Bar is type(made)
            assert [type(v) for v in validated] == [type(v) for v in made]
        assert adapter.validate_json(adapter.dump_json(made)) == made


def _validated(instance: BaseModel) -> BaseModel:
    """``instance`` validated again from the fields it records as set (the rest left to their defaults)."""
    return type(instance).model_validate(instance.model_dump(exclude_unset=True))


def test_an_assembled_model_is_its_validated_self(assembled: list[BaseModel]) -> None:
    for instance in assembled:
        again = _validated(instance)
        assert again == instance and instance == again
        assert hash(again) == hash(instance)
        assert vars(again) == vars(instance) and list(vars(again)) == list(vars(instance))
        assert {name: type(value) for name, value in vars(instance).items()} == {
            name: type(value) for name, value in vars(again).items()
        }
        assert again.model_fields_set == instance.model_fields_set
        for options in ({}, {"exclude_unset": True}, {"exclude_defaults": True}, {"exclude_none": True}):
            assert instance.model_dump(**options) == again.model_dump(**options), options
            assert instance.model_dump_json(**options) == again.model_dump_json(**options), options
        assert repr(instance) == repr(again)


def test_copies_and_pickles_of_assembled_models(assembled: list[BaseModel]) -> None:
    shared = {type(i): i.__pydantic_fields_set__ for i in assembled}
    before = {model: set(fields) for model, fields in shared.items()}
    for instance in assembled:
        for other in (
            copy.copy(instance),
            copy.deepcopy(instance),
            instance.model_copy(),
            instance.model_copy(deep=True),
            pickle.loads(pickle.dumps(instance)),
        ):
            assert other == instance and hash(other) == hash(instance) and other is not instance
            assert other.__pydantic_fields_set__ is not shared[type(instance)]
        # An update is set on the copy's own fields-set, never on the one the instances share.
        name = "title" if isinstance(instance, Chart) else "message_en"
        changed = instance.model_copy(update={name: "x"})
        deep = instance.model_copy(update={name: "x"}, deep=True)
        assert getattr(changed, name) == getattr(deep, name) == "x" != getattr(instance, name)
        with pytest.raises(ValueError, match="frozen"):
            setattr(instance, name, "x")
        with pytest.raises(ValueError, match="frozen"):
            delattr(instance, name)
    # Several instances pickled together unpickle equal, sharing nothing with the originals.
    again = pickle.loads(pickle.dumps(assembled))
    assert again == assembled
    assert all(a.__pydantic_fields_set__ is not shared[type(a)] for a in again)
    assert {model: set(fields) for model, fields in shared.items()} == before
    # A chart records every field as set; a finding all but the plugin, as Check.finding leaves it.
    assert shared[Chart] == set(Chart.model_fields)
    assert shared[Finding] == set(Finding.model_fields) - {"plugin"}


def test_assembled_models_do_not_share_their_fields() -> None:
    # The dict given becomes the instance's __dict__: each call site hands a fresh one.
    first, second = _assembled(), _assembled()
    for one, other in zip(first, second, strict=True):
        assert one == other and vars(one) is not vars(other)


def test_a_model_with_validators_cannot_be_assembled() -> None:
    # Its validators would run on validation and never on assembly: the two could differ.
    class Checked(BaseModel):
        model_config = ConfigDict(frozen=True)
        value: int = 0

        @model_validator(mode="after")
        def _positive(self) -> Checked:
            if self.value < 0:
                raise ValueError("negative")
            return self

    class Normalised(BaseModel):
        model_config = ConfigDict(frozen=True)
        text: str = ""

        @field_validator("text")
        @classmethod
        def _strip(cls, value: str) -> str:
            return value.strip()

    for model in (Checked, Normalised):
        with pytest.raises(TypeError, match="cannot be assembled"):
            assembler(model)
    for model in (Chart, Finding):  # the models assembled today
        assembler(model)


def test_a_finding_assembled_by_hand_is_the_validated_one() -> None:
    make = assembler(Finding)
    fields: dict[str, Any] = {
        "code": "ZK016",
        "severity": Severity.INFO,
        "message_ja": "指標",
        "message_en": "indicator",
        "city": "sample",
        "fiscal_year": 2024,
        "program": None,
        "field": "indicators[ind].values[0]",
        "plugin": None,
    }
    made = make(dict(fields))
    assert made == Finding.model_validate(fields) == Finding(**fields)
    assert made.severity is Severity.INFO and made.model_dump(mode="json")["severity"] == "info"


def test_assembled_findings_record_as_set_what_check_finding_sets(assembled: list[BaseModel]) -> None:
    # ZK014/ZK016 findings are assembled; every other check's go through Check.finding, which leaves the
    # plugin unset: the two roads must give the same fields-set (model_dump(exclude_unset=True) shows it).
    from zaitaku_core.model import Plan

    checks = {check.code: check for check in CATALOGUE}
    findings = [instance for instance in assembled if isinstance(instance, Finding)]
    assert findings
    for finding in findings:
        plan = Plan.model_validate({"city": city_record(), "fiscal_year": finding.fiscal_year})
        made = checks[finding.code].finding(
            plan,
            finding.message_ja,
            finding.message_en,
            program=finding.program,
            field=finding.field,
            fiscal_year=finding.fiscal_year,
        )
        assert made == finding
        assert made.model_fields_set == finding.model_fields_set
        assert made.model_dump(exclude_unset=True) == finding.model_dump(exclude_unset=True)


def test_an_assembler_refuses_a_given_field_the_model_lacks() -> None:
    with pytest.raises(TypeError, match="has no field 'plugins'"):
        assembler(Finding, given=["code", "plugins"])
