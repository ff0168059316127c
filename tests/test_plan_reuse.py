"""The registry reuses a program validated for one fiscal year for the next when its input is the same but
for ``fiscal_year``: the result must be exactly what validating it gives, errors included."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_plugins import city_record

from zaitaku_core import plugins as plugins_module
from zaitaku_core.errors import PluginDataError
from zaitaku_core.model import Program
from zaitaku_core.plugins import Registry, SourcedRecord, create_registry, hookimpl
from zaitaku_core.testing import strategies as zs


class _Years:
    """A city whose programs hook returns, for each fiscal year, the list held for it (the same objects each
    call, as a plugin holding its data may)."""

    def __init__(self, years: dict[int, list[Any]]) -> None:
        self.years = years

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [{**city_record("reuse"), "fiscal_years": sorted(self.years)}]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[Any]:
        return self.years.get(fiscal_year, [])


def _registry(years: dict[int, list[Any]]) -> Registry:
    return create_registry(entry_points=False, plugins=[("years", _Years(years))])


def _program(**fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": "p1",
        "title": "多職種連携研修",
        "fiscal_year": 2024,
        "old_item": "カ",
        "scenes": [{"scene": "daily_support", "reason": "研修の対象"}],
        "actions": [{"role": "city", "owners": ["長寿社会課"], "text": "研修を開催する。"}],
        "metadata": {"note": ["年2回"]},
    }
    record.update(fields)
    return record


def _same_as_validated(got: Program, record: dict[str, Any]) -> None:
    expected = Program.model_validate(record)
    assert got == expected
    assert got.model_dump() == expected.model_dump()
    assert got.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)
    assert got.model_fields_set == expected.model_fields_set
    assert got.model_dump_json() == expected.model_dump_json()
    assert got.__dict__ == expected.__dict__  # no cached property carried over, nothing extra
    assert got.scene_set == expected.scene_set


def _error(registry: Registry, year: int) -> tuple[Any, ...]:
    with pytest.raises(PluginDataError) as info:
        registry.programs("reuse", year, allow_undeclared=True)
    err = info.value
    return err.code, err.message, str(err), err.location, [(where, str(text)) for where, text in err.errors]


def test_a_continuing_program_is_reused_for_the_next_year() -> None:
    # The synthetic nation's case and a plan period's: fresh dicts each year, equal but for the year.
    years = {year: [_program(fiscal_year=year), _program(id="p2", fiscal_year=year)] for year in (2024, 2025, 2026)}
    registry = _registry(years)
    first, second, third = (registry.programs("reuse", year) for year in (2024, 2025, 2026))
    for programs, year in ((first, 2024), (second, 2025), (third, 2026)):
        for got, record in zip(programs, years[year], strict=True):
            _same_as_validated(got, record)
    # Reused, not validated again: the immutable parts are the same objects as last year's ...
    assert second[0].actions is first[0].actions and third[1].scenes is first[1].scenes
    # ... and the mutable ones are not shared: changing one year's metadata leaves the others alone.
    assert second[0].metadata == first[0].metadata and second[0].metadata is not first[0].metadata
    second[0].metadata["note"].append("臨時")
    assert first[0].metadata == {"note": ["年2回"]} == third[0].metadata


def test_the_same_dict_mutated_between_years_is_validated_again() -> None:
    # A plugin may hand back its own dict objects, changed, the next year: the snapshot was taken when the
    # earlier year was read, so the change is never missed, however deep.
    record = _program()
    years: dict[int, list[Any]] = {2024: [record], 2025: [record], 2026: [record]}
    registry = _registry(years)
    first = registry.programs("reuse", 2024)[0]
    record["fiscal_year"] = 2025
    record["actions"][0]["text"] = "研修を年2回開催する。"
    second = registry.programs("reuse", 2025)[0]
    _same_as_validated(second, record)
    assert second.actions[0].text == "研修を年2回開催する。" and first.actions[0].text == "研修を開催する。"
    assert second.actions is not first.actions
    record["fiscal_year"] = 2026  # the same dict, unchanged but for its year: reused
    third = registry.programs("reuse", 2026)[0]
    _same_as_validated(third, record)
    assert third.actions is second.actions


@pytest.mark.parametrize(
    "change",
    [
        {"title": "多職種連携研修会"},
        {"old_item": "オ"},
        {"metadata": {"note": ["年3回"]}},
        {"metadata": {"note": "年2回"}},
        {"actions": ({"role": "city", "owners": ("長寿社会課",), "text": "研修を開催する。"},)},  # tuples
        {"scenes": [{"scene": "daily_support", "reason": "研修の対象", "basis": "inferred"}]},
        {"frequency": "年1回"},
    ],
)
def test_a_changed_field_is_validated_again(change: dict[str, Any]) -> None:
    years = {2024: [_program()], 2025: [_program(fiscal_year=2025, **change)]}
    registry = _registry(years)
    first = registry.programs("reuse", 2024)[0]
    second = registry.programs("reuse", 2025)[0]
    _same_as_validated(second, years[2025][0])
    assert second.actions is not first.actions  # validated, not copied


def test_key_order_and_year_spellings() -> None:
    # "令和7年度" and "R8" are read as the field reads them; the same fields in another order are another
    # snapshot (validated again, with the same result).
    reordered = dict(reversed(list(_program(fiscal_year="R8").items())))
    years = {2024: [_program()], 2025: [_program(fiscal_year="令和7年度")], 2026: [reordered]}
    registry = _registry(years)
    first = registry.programs("reuse", 2024)[0]
    second = registry.programs("reuse", 2025)[0]
    third = registry.programs("reuse", 2026)[0]
    _same_as_validated(second, years[2025][0])
    _same_as_validated(third, reordered)
    assert second.fiscal_year == 2025 and second.actions is first.actions
    assert third.fiscal_year == 2026 and third.actions is not second.actions


@pytest.mark.parametrize("year", ["平成32年度", 1800, "来年度", True, None, 2025.5])
def test_an_invalid_year_raises_the_error_validation_raises(year: Any) -> None:
    # The year is validated alone first; when it fails, the whole list is validated as without reuse, so
    # the error (code, message, every field's location by index) is the one a registry reading only that
    # year raises. The valid second program does not hide the first's error, nor shift its index.
    later = [_program(fiscal_year=year), _program(id="p2", fiscal_year=2025)]
    years = {2024: [_program(), _program(id="p2")], 2025: later}
    reusing = _registry(years)
    reusing.programs("reuse", 2024)
    assert _error(reusing, 2025) == _error(_registry({2025: later}), 2025)


def test_a_span_that_excludes_the_year_raises_as_before() -> None:
    # A program with a span is never reused (its check reads the year): the error is validation's.
    years = {2024: [_program(span=[2024, 2025])], 2025: [_program(span=[2024, 2025], fiscal_year=2026)]}
    reusing = _registry(years)
    reusing.programs("reuse", 2024)
    assert _error(reusing, 2025) == _error(_registry({2025: years[2025]}), 2025)
    assert "outside the program's span" in _error(reusing, 2025)[2]


def test_another_programs_error_is_located_as_before() -> None:
    # One program reused, another invalid: the error names the invalid one by its index in the hook's list.
    later = [_program(fiscal_year=2025), _program(id="p2", fiscal_year=2025, title="")]
    reusing = _registry({2024: [_program(), _program(id="p2")], 2025: later})
    reusing.programs("reuse", 2024)
    found = _error(reusing, 2025)
    assert found == _error(_registry({2025: later}), 2025)
    assert found[4][0][0] == "[1].title"


def test_only_plain_dicts_are_reused() -> None:
    # A SourcedRecord (its file is in every error), a model and a mapping holding an object that is not
    # plain data are validated every year as they always were.
    class Code(str):
        pass

    sourced = [SourcedRecord(_program(fiscal_year=year)) for year in (2024, 2025)]
    models = [Program.model_validate(_program(id="p2", fiscal_year=year)) for year in (2024, 2025)]
    odd = [_program(id="p3", fiscal_year=year, title=Code("多職種連携研修")) for year in (2024, 2025)]
    years = {year: [sourced[n], models[n], odd[n]] for n, year in enumerate((2024, 2025))}
    registry = _registry(years)
    first = registry.programs("reuse", 2024)
    second = registry.programs("reuse", 2025)
    assert second[1] is models[1]  # a model passes through, as ever
    for got, earlier, record in ((second[0], first[0], sourced[1]), (second[2], first[2], odd[1])):
        _same_as_validated(got, record)
        assert got.actions is not earlier.actions


def test_snapshots_of_the_last_year_only_while_it_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    # Memory: a city's last year read keeps its snapshots (the next year needs no more), and only while that
    # year is in the plan cache: the budget's eviction drops them with it.
    years = {year: [_program(fiscal_year=year), _program(id="p2", fiscal_year=year)] for year in range(2024, 2030)}
    registry = _registry(years)
    cache = registry._plan_cache
    for year in years:
        registry.programs("reuse", year)
        assert list(cache.notes) == [("zaitaku_programs", "reuse", year)]
        assert len(cache.notes["zaitaku_programs", "reuse", year]) == 2
    assert len(cache.entries) == len(years)  # every year's programs are cached, one year's snapshots kept
    registry.register(type("Nothing", (), {})(), name="more")  # a new plugin drops every cached result
    assert not cache.notes
    monkeypatch.setattr("zaitaku_core.plugins.PLAN_CACHE_RECORDS", 1)
    registry.programs("reuse", 2024)
    registry.tools("reuse")  # handoff data: its own budget
    registry.bodies("reuse")  # plan data: evicts FY2024's programs and their snapshots
    assert not cache.notes and list(cache.entries) == [("zaitaku_bodies", "reuse")]
    second = registry.programs("reuse", 2025)
    _same_as_validated(second[0], years[2025][0])


def test_the_pickler_refuses_what_is_not_plain_data() -> None:
    # Exact plain types only: a bytearray or a memoryview is refused (marshal would write either as the
    # bytes it holds), and so is a str subclass or an enum; equal content shared or not pickles the same.
    snapshots = plugins_module._snapshots
    shared = ["年2回"]
    plain = [{"fiscal_year": 1, "a": x} for x in (b"x", 1, True, 1.0, [shared, shared], [["年2回"], ["年2回"]])]
    got = snapshots(plain)
    assert len(set(got[:4])) == 4 and got[4] == got[5] and None not in got
    odd = [
        {"fiscal_year": 1, "a": bytearray(b"x")},
        {"fiscal_year": 1, "a": type("S", (str,), {})("x")},
        {"fiscal_year": 1, "a": zs.CareScene.EMERGENCY},
        {"fiscal_year": 1, "a": memoryview(b"x")},
        {"a": 1},  # no fiscal_year: a span or an error, never reused
        SourcedRecord(fiscal_year=1),
    ]
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    odd.append({"fiscal_year": 1, "a": cyclic})
    assert snapshots(odd) == [None] * len(odd)
    assert snapshots([{"fiscal_year": 1, "a": 1}]) == snapshots([{"a": 1, "fiscal_year": 2}])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["年1回", "通年"]),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
    max_leaves=4,
)
_VALID_YEARS = st.one_of(st.integers(2024, 2026), zs.era_strings(2024, 2026).map(lambda pair: pair[0]))
_ODD_YEARS = st.sampled_from(["平成32年度", "来年度", "", 1800, 2201, True, None, 2025.0, 2025.5, [2025]])


@st.composite
def _raw_programs(draw: st.DrawFn) -> dict[str, Any]:
    """A program as a plugin returns it (a plain dict without its year), with the optional fields that hold
    mutable data or take part in its validators."""
    record = draw(zs.programs()).model_dump(mode="json", exclude_unset=True)
    del record["fiscal_year"]
    if draw(st.booleans()):
        record["metadata"] = draw(st.dictionaries(st.sampled_from(["note", "page"]), _JSON, max_size=2))
    if draw(st.booleans()):
        record["provenance"] = {draw(st.sampled_from(["title", "record", "title", "nowhere"])): {"reason": "資料"}}
    if draw(st.booleans()):
        record["new_passages"] = ["新規の記述"]
        record["new_this_year"] = draw(st.sampled_from([True, True, False]))
    if draw(st.integers(0, 3)) == 0:
        record["span"] = draw(st.sampled_from([[2024, 2025, 2026], [2025], []]))
    return record


@st.composite
def _year_values(draw: st.DrawFn) -> list[Any]:
    """Two to four fiscal-year values, valid in any spelling, one of them sometimes invalid or odd."""
    values = draw(st.lists(_VALID_YEARS, min_size=2, max_size=4))
    if draw(st.booleans()):
        values[draw(st.integers(0, len(values) - 1))] = draw(_ODD_YEARS)
    return values


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=_raw_programs(), years=_year_values(), change=st.booleans())
def test_reuse_is_validation(record: dict[str, Any], years: list[Any], change: bool) -> None:
    # Any program and any sequence of year values: each year the registry gives what validating that year's
    # input gives (the same model, dumps and fields set), or the error a registry reading that year alone
    # raises. With ``change``, the last year's title differs.
    inputs = {2024 + n: [{**copy.deepcopy(record), "fiscal_year": value}] for n, value in enumerate(years)}
    if change:
        inputs[2023 + len(years)][0]["title"] += "（改）"
    reusing = _registry(inputs)
    for year, (item,) in inputs.items():
        try:
            expected = Program.model_validate(item)
        except ValueError:  # pydantic's ValidationError
            assert _error(reusing, year) == _error(_registry({year: [item]}), year)
            continue
        (got,) = reusing.programs("reuse", year, allow_undeclared=True)
        _same_as_validated(got, item)
        assert got == expected


def test_only_the_copied_fields_hold_mutable_data() -> None:
    # A reused program shares every field with last year's but those copied (metadata, provenance): each
    # other field must be deeply immutable, which hashing proves (a dict or list anywhere inside raises).
    assert set(plugins_module._PROGRAM_MUTABLE_FIELDS) == {"metadata", "provenance"}
    full = Program.model_validate(
        _program(
            number="1",
            item_label="旧カ",
            phase_label="実施",
            overview="概要",
            direction="方針",
            target="目標",
            frequency="年2回",
            tools=["t1"],
            variants=[{"text": "研修会", "where": "表2"}],
            sources=[{"title": "第9期計画", "page": "12", "published": "2024-03-01"}],
            scenes=[{"scene": "emergency", "basis": "stated", "source": {"title": "第9期計画"}}],
            new_this_year=True,
            new_passages=["新規"],
            provenance={"title": {"reason": "資料から"}},
        )
    )
    assert set(full.model_fields_set) >= set(Program.model_fields) - {"span", "new_item", "phase"}
    for name in Program.model_fields:
        if name not in plugins_module._PROGRAM_MUTABLE_FIELDS:
            hash(getattr(full, name))


class _Second:
    """A second plugin serving the same city's programs (a city's plugin and an add-on's)."""

    def __init__(self, years: dict[int, list[Any]]) -> None:
        self.years = years

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[Any]:
        return self.years.get(fiscal_year, [])


def _two_plugins(first: dict[int, list[Any]], second: dict[int, list[Any]]) -> Registry:
    return create_registry(entry_points=False, plugins=[("years", _Years(first)), ("second", _Second(second))])


def _each_as_validated(got: tuple[Program, ...], records: list[dict[str, Any]]) -> None:
    assert len(got) == len(records)
    for program, record in zip(got, records, strict=True):
        _same_as_validated(program, record)


def test_two_plugins_serving_one_city() -> None:
    # Each year's snapshots are the city's, whichever plugin gave them: the second plugin's program equal to
    # the first's last year (but for its year) may be copied from it, and is still what validation gives; a
    # plugin's error is located in its own list, as without reuse.
    first = {year: [_program(fiscal_year=year), _program(id="p2", fiscal_year=year)] for year in (2024, 2025)}
    second = {2024: [_program(id="p3", fiscal_year=2024)], 2025: [_program(id="p2", fiscal_year=2025, title="別")]}
    second[2025].append(_program(fiscal_year=2025))  # the first plugin's p1 of 2024, from the second plugin
    registry = _two_plugins(first, second)
    for year in (2024, 2025):
        got = registry.programs("reuse", year)
        fresh = _two_plugins({year: first[year]}, {year: second[year]}).programs("reuse", year, allow_undeclared=True)
        assert got == fresh and len(got) == len(first[year]) + len(second[year])
        records = {(r["id"], r["title"]): r for r in first[year] + second[year]}
        for program in got:
            _same_as_validated(program, records[program.id, program.title])
    (earlier,) = [p for p in registry.programs("reuse", 2024) if p.id == "p1"]
    assert [p.actions is earlier.actions for p in got if p.id == "p1"] == [True, True]  # either plugin's p1
    bad = {**second, 2026: [_program(id="p3", fiscal_year=2026), _program(id="p4", fiscal_year=2026, title="")]}
    more = {**first, 2026: [_program(fiscal_year=2026)]}
    reusing = _two_plugins(more, bad)
    for year in (2024, 2025):
        reusing.programs("reuse", year)
    found = _error(reusing, 2026)
    assert found == _error(_two_plugins({2026: more[2026]}, {2026: bad[2026]}), 2026)
    assert found[3]["plugin"] == "second" and found[4][0][0] == "[1].title"


def test_a_year_evicted_and_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # A year evicted from the plan cache is validated again when read again (from the snapshots of the city's
    # last year read, if it is cached: a later year's program copied back to an earlier year).
    years = {year: [_program(fiscal_year=year), _program(id="p2", fiscal_year=year)] for year in (2024, 2025, 2026)}
    years[2025][1]["title"] = "変更"
    registry = _registry(years)
    monkeypatch.setattr("zaitaku_core.plugins.PLAN_CACHE_RECORDS", 2)
    for year in (2024, 2025, 2026, 2024, 2025, 2024, 2026):
        got = registry.programs("reuse", year)
        _each_as_validated(got, years[year])
        assert registry.programs("reuse", year) is got  # cached while it is the last read
    assert list(registry._plan_cache.notes) == [("zaitaku_programs", "reuse", 2026)]


def test_period_programs_mixed_with_singles() -> None:
    # A PeriodProgram's year is made by for_year (never reused); the singles between them are reused or
    # validated as ever, in the plugin's order.
    period = {"id": "span", "title": "相談支援", "fiscal_years": [2024, 2025, 2026], "target": "相談に応じる"}
    period["years"] = [{"fiscal_year": 2025, "target": "相談窓口を周知する"}]
    years = {
        year: [_program(fiscal_year=year), copy.deepcopy(period), _program(id="p2", fiscal_year=year)]
        for year in (2024, 2025, 2026)
    }
    reusing = _registry(years)
    for year in (2024, 2025, 2026):
        got = reusing.programs("reuse", year)
        fresh = _registry({year: years[year]}).programs("reuse", year, allow_undeclared=True)
        assert [p.id for p in got] == ["p1", "span", "p2"] and got == fresh
        _same_as_validated(got[0], years[year][0])
        _same_as_validated(got[2], years[year][2])
        assert got[1].span == (2024, 2025, 2026) and got[1].fiscal_year == year
    assert reusing.programs("reuse", 2025)[1].target == "相談窓口を周知する"
    assert reusing.programs("reuse", 2026)[0].actions is reusing.programs("reuse", 2025)[0].actions


def test_an_error_among_period_programs_and_singles_is_located_as_before() -> None:
    period = {"id": "span", "title": "相談支援", "fiscal_years": [2024, 2025]}
    later = [copy.deepcopy(period), _program(fiscal_year=2025), _program(id="p2", fiscal_year=2025, title="")]
    reusing = _registry({2024: [copy.deepcopy(period), _program(), _program(id="p2")], 2025: later})
    reusing.programs("reuse", 2024)
    assert _error(reusing, 2025) == _error(_registry({2025: later}), 2025)


def test_an_error_among_period_programs_names_the_item_by_its_index_in_the_hooks_list() -> None:
    period = {"id": "span", "title": "相談支援", "fiscal_years": [2024, 2025]}
    later = [period, _program(fiscal_year=2025), _program(id="p2", fiscal_year=2025, title="")]
    assert _error(_registry({2025: later}), 2025)[4] == [("[2].title", "String should have at least 1 character")]


def test_an_error_in_a_period_program_after_singles_names_its_index_in_the_hooks_list() -> None:
    period = {"id": "span", "title": "", "fiscal_years": [2024, 2025]}
    later = [_program(fiscal_year=2025), _program(id="p2", fiscal_year=2025), period]
    assert _error(_registry({2025: later}), 2025)[4] == [("[2].title", "String should have at least 1 character")]


def test_a_field_that_may_hold_a_mutable_container_at_any_depth_is_copied_not_shared() -> None:
    from pydantic import BaseModel, ConfigDict

    class Frozen(BaseModel):
        model_config = ConfigDict(frozen=True)
        names: tuple[str, ...] = ()

    class Holding(BaseModel):
        model_config = ConfigDict(frozen=True)
        extra: dict[str, str] | None = None

    class Loose(BaseModel):
        name: str = ""

    may = plugins_module._may_hold_mutable
    assert may(dict[str, str] | None) and may(list[int]) and may(tuple[Holding, ...]) and may(Loose | None)
    assert not may(tuple[Frozen, ...]) and not may(str | None) and not may(tuple[int, ...])
    assert set(plugins_module._PROGRAM_MUTABLE_FIELDS) == {"metadata", "provenance"}
    assert "scene_set" in plugins_module._PROGRAM_CACHED
