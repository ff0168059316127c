"""The registry validates a city's indicators a few at a time and gives those of its indicators and values
that were given the same fields one shared fields-set (fewer objects for the garbage collector to scan while
the city's plans are made): what it returns must be exactly what validating each indicator gives, errors
included, and the shared sets must never change under anyone."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_plugins import city_record

from zaitaku_core import plugins as plugins_module
from zaitaku_core.errors import PluginDataError
from zaitaku_core.model import Indicator, IndicatorValue
from zaitaku_core.plugins import Registry, create_registry, hookimpl


class _Indicators:
    """A city whose indicators hook returns the list it holds."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [{**city_record("shared"), "fiscal_years": [2024, 2025]}]

    @hookimpl
    def zaitaku_indicators(self, city: str) -> list[Any]:
        return self.items


def _registry(items: list[Any]) -> Registry:
    return create_registry(entry_points=False, plugins=[("shared", _Indicators(items))])


def _value(year: int, kind: str, **fields: Any) -> dict[str, Any]:
    return {"fiscal_year": year, "kind": kind, **fields}


def _indicator(number: int, values: list[Any], **fields: Any) -> dict[str, Any]:
    return {"id": f"i{number}", "name": f"指標{number}", "unit": "回", "type": "process", "values": values, **fields}


def _same_as_validated(got: Indicator | IndicatorValue, expected: Indicator | IndicatorValue) -> None:
    assert type(got) is type(expected)
    assert got == expected
    assert got.__dict__ == expected.__dict__
    assert got.model_fields_set == expected.model_fields_set
    assert got.model_dump() == expected.model_dump()
    assert got.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)
    assert got.model_dump_json() == expected.model_dump_json()


def _check(items: list[dict[str, Any]]) -> tuple[Indicator, ...]:
    got = _registry(items).indicators("shared")
    assert len(got) == len(items)
    for indicator, item in zip(got, items, strict=True):
        expected = Indicator.model_validate(item)
        _same_as_validated(indicator, expected)
        for value, expected_value in zip(indicator.values, expected.values, strict=True):
            _same_as_validated(value, expected_value)
    return got


# A value's optional fields, each given or left out (a fields-set of its own for each combination).
_OPTIONAL = {
    "value": st.integers(0, 500),
    "status": st.sampled_from(["final", "provisional"]),
    "note": st.sampled_from(["見込み", "9月末現在"]),
    "frequency": st.sampled_from(["年1回", "通年"]),
}


@st.composite
def _values(draw: st.DrawFn) -> list[dict[str, Any]]:
    values = []
    for year in draw(st.lists(st.sampled_from([2024, 2025, 2026]), unique=True, max_size=3)):
        for kind in ("plan", "actual"):
            given_fields = draw(st.lists(st.sampled_from(sorted(_OPTIONAL)), unique=True))
            values.append(_value(year, kind, **{name: draw(_OPTIONAL[name]) for name in given_fields}))
    return values


@st.composite
def _indicator_lists(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 3 * plugins_module._INDICATOR_CHUNK + 1))  # across chunk boundaries
    items = []
    for number in range(count):
        extra = draw(st.sampled_from([{}, {"description": "説明"}, {"programs": ["p1"]}]))
        items.append(_indicator(number, draw(_values()), **extra))
    return items


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_indicator_lists())
def test_indicators_are_what_validation_gives(items: list[dict[str, Any]]) -> None:
    _check(items)


def test_equal_fields_sets_are_one_set_and_different_ones_are_not() -> None:
    plan = [_value(2024, "plan", value=3)]
    actual = [_value(2024, "actual", value=2, status="provisional", note="見込み")]
    items = [_indicator(n, plan + actual) for n in range(40)] + [_indicator(40, plan, description="説明")]
    got = _check(items)
    plans = {id(indicator.values[0].model_fields_set) for indicator in got}
    actuals = {id(indicator.values[1].model_fields_set) for indicator in got[:40]}
    assert len(plans) == 1 and len(actuals) == 1 and plans != actuals
    assert len({id(indicator.model_fields_set) for indicator in got[:40]}) == 1
    assert got[40].model_fields_set is not got[0].model_fields_set  # given a description: other fields


def test_a_copy_with_an_update_leaves_the_shared_set_alone() -> None:
    got = _check([_indicator(n, [_value(2024, "plan", value=n)]) for n in range(3)])
    first, second = got[0].values[0], got[1].values[0]
    assert first.model_fields_set is second.model_fields_set
    changed = first.model_copy(update={"note": "修正"})
    assert changed.model_fields_set == {"fiscal_year", "kind", "value", "note"}
    assert first.model_fields_set == second.model_fields_set == {"fiscal_year", "kind", "value"}
    assert got[0].model_copy(update={"description": "説明"}).model_fields_set >= {"description"}
    assert "description" not in got[1].model_fields_set


def test_pickled_indicators_come_back_equal() -> None:
    got = _check([_indicator(n, [_value(2024, "plan", value=n), _value(2024, "actual")]) for n in range(20)])
    again = pickle.loads(pickle.dumps(got))
    for indicator, copied in zip(got, again, strict=True):
        _same_as_validated(copied, indicator)
        for value, copied_value in zip(indicator.values, copied.values, strict=True):
            _same_as_validated(copied_value, value)


def test_a_subclass_keeps_its_own_fields_set() -> None:
    class Counted(IndicatorValue):
        pass

    own = Counted(fiscal_year=2024, kind="plan", value=1)
    kept = own.model_fields_set
    items = [_indicator(n, [_value(2024, "plan", value=1)]) for n in range(3)] + [_indicator(3, [own])]
    got = _registry(items).indicators("shared")
    assert got[3].values[0] is own and own.model_fields_set is kept
    assert got[0].values[0].model_fields_set is got[2].values[0].model_fields_set


def test_an_error_in_a_later_chunk_is_named_at_its_index_in_the_list() -> None:
    chunk = plugins_module._INDICATOR_CHUNK
    items = [_indicator(n, [_value(2024, "plan", value=n)]) for n in range(2 * chunk + 2)]
    items[chunk + 3]["values"][0]["value"] = -1
    items[2 * chunk + 1]["unit"] = "個"
    with pytest.raises(PluginDataError) as info:
        _registry(items).indicators("shared")
    where = [place for place, _ in info.value.errors]
    assert where == [f"[{chunk + 3}].values[0].value", f"[{2 * chunk + 1}].unit"]
