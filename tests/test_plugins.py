"""The registry: entry points, plugins in code, and clear errors from broken plugins."""

from __future__ import annotations

import textwrap
import weakref
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from sample_plugins import ReportFixturePlugin, SamplePlugin, city_record

from zaitaku_core import plugins as plugins_module
from zaitaku_core.errors import HookResultError, PluginDataError, PluginLoadError, UnknownCityError
from zaitaku_core.model import City
from zaitaku_core.plugins import DataPlugin, Registry, create_registry, hookimpl


def test_plugin_in_code_registers_and_is_validated(sample_registry: Registry) -> None:
    assert [c.id for c in sample_registry.cities()] == ["sample"]
    plan = sample_registry.plan("sample", 2024)
    assert [p.id for p in plan.programs] == ["p1", "p2"]
    assert plan.programs[0].new_item is not None and plan.tool("list").kind.value == "resource_list"
    info = {i.name: i for i in sample_registry.plugins()}["sample"]
    assert info.cities == ("sample",)
    assert info.hooks == ("zaitaku_cities", "zaitaku_programs", "zaitaku_tools")


def test_bundled_plugins_are_found_through_entry_points() -> None:
    registry = create_registry()
    ids = {c.id for c in registry.cities()}
    assert {"asahikawa", "tokushima"} <= ids
    info = {i.name: i for i in registry.plugins()}
    assert info["asahikawa"].distribution == "zaitaku-asahikawa"
    assert info["asahikawa"].version


def test_lazy_registry_loads_only_the_city_asked_for() -> None:
    registry = create_registry(lazy=True)
    assert registry.city("tokushima").municipality.code == "362018"
    assert "asahikawa" in registry._pending  # not imported yet


def test_unknown_city_lists_the_known_ones(sample_registry: Registry) -> None:
    with pytest.raises(UnknownCityError, match="no plugin serves city 'nowhere'; installed cities: sample"):
        sample_registry.city("nowhere")


def test_misspelled_hook_fails_loudly_and_registers_nothing() -> None:
    class Typo:
        @hookimpl
        def zaitaku_citys(self) -> list[Any]:
            return []

    registry = create_registry(entry_points=False)
    with pytest.raises(PluginLoadError, match="zaitaku_citys") as info:
        registry.register(Typo(), name="typo")
    assert info.value.location["plugin"] == "typo"
    assert [i.name for i in registry.plugins()] == ["zaitaku_core.validation"]  # the default plugin only


def test_invalid_city_names_plugin_hook_and_field_and_is_not_half_registered() -> None:
    class Bad:
        @hookimpl
        def zaitaku_cities(self) -> list[Any]:
            return [
                city_record("good"),
                {**city_record("bad"), "municipality": {"code": "012042", "name": "旭川市", "prefecture": "北海道"}},
            ]

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])
    with pytest.raises(PluginDataError) as info:
        registry.register(Bad(), name="bad")
    message = str(info.value)
    assert "[plugin 'bad']" in message and "[hook 'zaitaku_cities']" in message
    assert "[1].municipality.code" in message and "check digit" in message
    assert [c.id for c in registry.cities()] == ["sample"]  # neither "good" nor "bad"


def test_duplicate_city_id_is_refused() -> None:
    registry = create_registry(entry_points=False, plugins=[("one", SamplePlugin())])
    with pytest.raises(PluginDataError, match="already served by plugin 'one'"):
        registry.register(SamplePlugin(), name="two")


def test_exception_in_hook_names_plugin_and_hook(sample_registry: Registry) -> None:
    class Raises:
        @hookimpl
        def zaitaku_programs(self, city: str, fiscal_year: int) -> list[Any]:
            raise RuntimeError("database down")

    sample_registry.register(Raises(), name="raises")
    with pytest.raises(HookResultError, match="RuntimeError: database down") as info:
        sample_registry.programs("sample", 2024)
    assert info.value.location == {"plugin": "raises", "hook": "zaitaku_programs"}


class _UnprintableError(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


@pytest.mark.parametrize(
    ("raised", "said"),
    [
        (KeyError("row of 山田 090-1234-5678 not found"), "電話番号またはメールアドレスのようなもの"),
        (ValueError("no such user taro@example.jp"), "電話番号またはメールアドレスのようなもの"),
        (_UnprintableError(), "文字列にできませんでした"),
    ],
    ids=["phone", "e-mail", "str-raises"],
)
def test_a_hooks_exception_is_reported_without_personal_data(
    sample_registry: Registry, raised: Exception, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI line of a hook that raised names the plugin, the hook and the exception's kind; a message
    holding a phone number or an e-mail address is not shown, nor is one that cannot be made into text
    (which used to end as an internal error)."""
    from zaitaku_core.cli import main

    class Raises:
        @hookimpl
        def zaitaku_tools(self, city: str) -> list[Any]:
            raise raised

    sample_registry.register(Raises(), name="raises")
    assert main(["report", "sample", "--fy", "2024"], obj=sample_registry) == 1
    error = capsys.readouterr().err
    assert "[hook-result]" in error and "[プラグイン 'raises'] [フック 'zaitaku_tools']" in error
    assert type(raised).__name__ in error and said in error and len(error.strip().splitlines()) == 1
    assert "090" not in error and "@" not in error.split("—")[0] and "山田" not in error


def test_wrong_return_type(sample_registry: Registry) -> None:
    class Single:
        @hookimpl
        def zaitaku_tools(self, city: str) -> Any:
            return {"id": "x", "name": "x", "kind": "form"}

    sample_registry.register(Single(), name="single")
    with pytest.raises(HookResultError, match="expected a list of Tool, got dict"):
        sample_registry.tools("sample")


def test_broken_entry_point_does_not_hide_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    real = metadata.entry_points

    def with_broken(**kwargs: Any) -> Any:
        found = list(real(**kwargs))
        return [*found, metadata.EntryPoint(name="broken", value="no_such_module_zk:plugin", group="zaitaku")]

    monkeypatch.setattr(metadata, "entry_points", with_broken)
    registry = create_registry()
    assert {"asahikawa", "tokushima"} <= {c.id for c in registry.cities()}
    assert [e.location["plugin"] for e in registry.errors] == ["broken"]
    assert "cannot import no_such_module_zk:plugin" in str(registry.errors[0])
    broken = {i.name: i for i in registry.plugins()}["broken"]
    assert broken.error
    with pytest.raises(PluginLoadError):
        create_registry(strict=True)


def write_package(root: Path, name: str, files: dict[str, str]) -> None:
    package = root / name
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    for filename, text in files.items():
        (package / "data" / filename).write_text(textwrap.dedent(text), encoding="utf-8")


CITY_TOML = """
[city]
id = "datacity"
fiscal_years = ["令和6年度"]
[city.municipality]
code = "362018"
name = "徳島市"
prefecture = "徳島県"
"""


def test_data_plugin_reads_its_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_package(
        tmp_path,
        "zk_datacity",
        {
            "city.toml": CITY_TOML,
            "programs.toml": """
            [[programs]]
            id = "a1"
            title = "資源の整理"
            fiscal_year = 2024
            new_item = "ア(ア)"
            frequency = "通年"
            [[programs]]
            id = "old"
            title = "前年度の取組"
            fiscal_year = 2023
            """,
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = create_registry(entry_points=False, plugins=[("datacity", DataPlugin("zk_datacity"))])
    plan = registry.plan("datacity", 2024)
    assert [p.id for p in plan.programs] == ["a1"]
    assert plan.programs[0].frequency is not None and plan.programs[0].frequency.kind.value == "all_year"
    assert plan.tools == () and plan.handoff_rules == ()


def test_data_plugin_error_names_the_file_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_package(
        tmp_path,
        "zk_badcity",
        {
            "city.toml": CITY_TOML,
            "programs.toml": """
            [[programs]]
            id = "a1"
            title = "資源の整理"
            fiscal_year = 2024
            old_item = "ケ"
            """,
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = create_registry(entry_points=False, plugins=[("badcity", DataPlugin("zk_badcity"))])
    with pytest.raises(PluginDataError) as info:
        registry.programs("datacity", 2024)
    location = info.value.location
    assert location == {"plugin": "badcity", "hook": "zaitaku_programs", "file": "zk_badcity/data/programs.toml"}
    assert info.value.errors[0][0] == "zk_badcity/data/programs.toml: programs[0].old_item"
    assert "unknown OldItem 'ケ'" in info.value.errors[0][1]


def test_data_plugin_syntax_error_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_package(tmp_path, "zk_syntax", {"city.toml": "[city\nid = 1"})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginDataError, match="cannot parse data file") as info:
        create_registry(entry_points=False, plugins=[("syntax", DataPlugin("zk_syntax"))])
    assert info.value.location["file"] == "zk_syntax/data/city.toml"
    assert info.value.location["plugin"] == "syntax"


def test_registry_cache_is_bounded_in_records(monkeypatch: pytest.MonkeyPatch, sample_registry: Registry) -> None:
    # A run over many cities must not keep every validated hook result alive: the bound counts records
    # (an empty result counts as one), least recently used first.
    city = sample_registry.cities()[0].id
    names = ("tools", "handoff_rules", "office_calendars")
    weight = {name: len(getattr(sample_registry, name)(city)) or 1 for name in names}
    monkeypatch.setattr("zaitaku_core.plugins.HANDOFF_CACHE_RECORDS", weight["tools"] + weight["handoff_rules"])
    sample_registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])
    first = sample_registry.tools(city)
    sample_registry.handoff_rules(city)
    assert sample_registry.tools(city) is first  # recently used: kept
    sample_registry.office_calendars(city)
    sample_registry.handoff_rules(city)
    assert sample_registry.tools(city) is not first  # evicted, read again
    assert sample_registry.tools(city) == first


def test_plan_data_has_its_own_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    # A result larger than its budget is kept alone; a year's programs never evict the handoff data.
    monkeypatch.setattr("zaitaku_core.plugins.PLAN_CACHE_RECORDS", 1)
    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])
    tools = registry.tools("sample")
    programs = registry.programs("sample", 2024)
    assert len(programs) > 1 and registry.programs("sample", 2024) is programs
    registry.programs("sample", 2025, allow_undeclared=True)
    assert registry.programs("sample", 2024) is not programs
    assert registry.tools("sample") is tools


def test_a_citys_indicators_outlive_its_years_programs(monkeypatch: pytest.MonkeyPatch) -> None:
    # The nation benchmark's cliff: with more indicators than the plan budget, each fiscal year's programs
    # evicted them and every year validated them again. They are kept for the last city instead.
    monkeypatch.setattr("zaitaku_core.plugins.PLAN_CACHE_RECORDS", 1)
    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])
    indicators = registry.indicators("sample")
    for year in range(2024, 2030):
        registry.programs("sample", year, allow_undeclared=True)
        assert registry.indicators("sample") is indicators


def test_only_the_last_citys_indicators_are_kept() -> None:
    # A run over many cities keeps no earlier city's indicators alive (work for the garbage collector).
    registry = create_registry(
        entry_points=False, plugins=[("sample", SamplePlugin()), ("fixture", ReportFixturePlugin())]
    )
    first = registry.indicators("fixture")
    assert first and registry.indicators("fixture") is first
    registry.indicators("sample")
    again = registry.indicators("fixture")
    assert again is not first and again == first  # read and validated again


def test_the_last_citys_indicators_are_let_go_before_the_next_citys_are_read() -> None:
    # While a city's indicators are validated, the last city's are no longer alive: the garbage collector's
    # full collections in that burst of allocations scan one city's indicators, not two.
    alive: list[bool] = []

    class Watch:
        @hookimpl
        def zaitaku_indicators(self, city: str) -> None:
            if city == "sample":
                alive.append(first() is not None)

    registry = create_registry(
        entry_points=False,
        plugins=[("sample", SamplePlugin()), ("fixture", ReportFixturePlugin()), ("watch", Watch())],
    )
    first = weakref.ref(registry.indicators("fixture")[0])
    assert first() is not None  # kept by the registry
    registry.indicators("sample")
    assert alive == [False]


class _YearsCounted:
    """A city of three years whose indicator names a FY2024 program; counts the programs hook's calls."""

    def __init__(self) -> None:
        self.asked: list[int] = []
        self.named = "p-2024"  # the program its indicator names

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [{**city_record("counted"), "fiscal_years": [2024, 2025, 2026]}]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]]:
        self.asked.append(fiscal_year)
        return [{"id": f"p-{fiscal_year}", "title": "取組", "fiscal_year": fiscal_year}]

    @hookimpl
    def zaitaku_indicators(self, city: str) -> list[dict[str, Any]]:
        values = [{"fiscal_year": 2024, "kind": "actual", "value": 1}]
        indicator = {"id": "n", "name": "回数", "unit": "回", "type": "process", "programs": [self.named]}
        return [{**indicator, "values": values}]


def test_a_year_named_by_another_is_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The plan budget keeps about one year's programs (each kept alive is work for the garbage collector);
    # the ids of the years read are kept apart, so a later year naming a FY2024 program reads FY2024 no more.
    monkeypatch.setattr("zaitaku_core.plugins.PLAN_CACHE_RECORDS", 1)
    plugin = _YearsCounted()
    registry = create_registry(entry_points=False, plugins=[("counted", plugin)])
    plans = [registry.plan("counted", year) for year in (2024, 2025, 2026)]
    assert [plan.other_year_program_ids for plan in plans] == [(), ("p-2024",), ("p-2024",)]
    assert plugin.asked == [2024, 2025, 2026]  # FY2024's programs were evicted, its ids were not
    registry._program_ids.clear()  # ids forgotten (PROGRAM_ID_YEARS): FY2024 is read again for them
    assert registry.plan("counted", 2026).other_year_program_ids == ("p-2024",)
    assert plugin.asked[3:].count(2024) == 1


def test_the_programs_a_citys_indicators_name_are_those_of_its_indicators_held() -> None:
    # Kept with the city's cached indicators (each of its years' plans asks), and let go with them.
    plugin = _YearsCounted()
    registry = create_registry(entry_points=False, plugins=[("counted", plugin), ("fixture", ReportFixturePlugin())])
    assert [registry.plan("counted", year).other_year_program_ids for year in (2025, 2026)] == [("p-2024",)] * 2
    plugin.named = "p-2025"
    assert registry.plan("counted", 2026).other_year_program_ids == ("p-2024",)  # the indicators held
    registry.indicators("fixture")  # the counted city's indicators let go, and what they name with them
    assert registry.plan("counted", 2026).other_year_program_ids == ("p-2025",)


class _ManyCities:
    """Twenty valid cities."""

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [{**city_record(f"c{n:02d}"), "fiscal_years": [2024, 2025]} for n in range(20)]


def test_cities_are_validated_when_registered_and_kept_as_few_models(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every city is validated at registration; only the last CITY_MODELS_KEPT asked for stay models (the rest
    # pickled, which the garbage collector never scans), each made again, equal, when asked.
    monkeypatch.setattr("zaitaku_core.plugins.CITY_MODELS_KEPT", 3)
    registry = create_registry(entry_points=False, plugins=[("many", _ManyCities())])
    first = registry.city("c00")
    assert registry.city("c00") is first and first.fiscal_years == (2024, 2025)
    for n in range(1, 5):
        registry.city(f"c{n:02d}")
    again = registry.city("c00")
    assert again is not first and again == first and again.model_fields_set == first.model_fields_set
    listed = registry.cities()
    assert [city.id for city in listed] == [f"c{n:02d}" for n in range(20)] and listed[0] is again
    assert len(registry._city_models) == 3
    with pytest.raises(PluginDataError):  # still validated at once: nothing of a bad plugin is registered
        registry.register(_Bad(), name="bad")
    assert registry.plugin_of("c07") == "many"


def test_city_ids_and_plugin_of_read_no_city(monkeypatch: pytest.MonkeyPatch) -> None:
    # The ids of cities(), in its order, and the plugin of each, without unpickling a city or evicting one
    # kept as a model.
    unpickled: list[bytes] = []
    real = plugins_module._unpickled

    def counted(data: bytes) -> City:
        unpickled.append(data)
        return real(data)

    monkeypatch.setattr(plugins_module, "_unpickled", counted)
    registry = create_registry(entry_points=False, plugins=[("many", _ManyCities())])
    kept = registry.city("c05")
    assert registry.city_ids() == tuple(f"c{n:02d}" for n in range(20))
    assert {registry.plugin_of(city_id) for city_id in registry.city_ids()} == {"many"}
    assert len(unpickled) == 1 and list(registry._city_models) == ["c05"] and registry.city("c05") is kept
    assert registry.city_ids() == tuple(city.id for city in registry.cities())
    with pytest.raises(UnknownCityError):
        registry.plugin_of("nowhere")


class _Bad:
    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [{**city_record("bad"), "fiscal_years": "never"}]


def test_checks_catalogue_does_not_grow_the_bounded_cache(
    monkeypatch: pytest.MonkeyPatch, sample_registry: Registry
) -> None:
    # The catalogue used to live in the LRU: evicted by hook results and put back with no eviction, it grew
    # the cache by one entry per city of a nation-wide run (found by the nation benchmark).
    monkeypatch.setattr("zaitaku_core.plugins.PLAN_CACHE_RECORDS", 2)
    city = sample_registry.cities()[0].id
    checks = sample_registry.checks()
    for year in range(2024, 2034):
        sample_registry.programs(city, year, allow_undeclared=True)
        assert sample_registry.checks() is checks
    assert len(sample_registry._plan_cache.entries) == 1  # each year's programs evict the last (2 records each)


def test_hook_calls_are_traced_when_asked(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("ZAITAKU_TRACE_HOOKS", "1")
    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])
    with caplog.at_level("DEBUG", logger="zaitaku.hooks"):
        registry.programs("sample", 2024)
    (line,) = [r.getMessage() for r in caplog.records if "zaitaku_programs" in r.getMessage()]
    assert line.startswith("sample.zaitaku_programs(") and "-> 2 items in" in line
    monkeypatch.setenv("ZAITAKU_TRACE_HOOKS", "0")
    caplog.clear()
    with caplog.at_level("DEBUG", logger="zaitaku.hooks"):
        create_registry(entry_points=False, plugins=[("sample", SamplePlugin())]).programs("sample", 2024)
    assert not caplog.records


class ExtrasPlugin:
    """Office calendars and report sections for the sample city (and a way to break each)."""

    def __init__(self, broken_calendar: bool = False, broken_section: bool = False) -> None:
        self.broken_calendar = broken_calendar
        self.broken_section = broken_section

    @hookimpl
    def zaitaku_office_calendars(self, city: str) -> list[dict[str, Any]] | None:
        if city != "sample":
            return None
        closes = "25:00" if self.broken_calendar else "18:00"
        return [{"id": "office-a", "name": "居宅介護支援事業所A", "closed_weekdays": [6], "closes": closes}]

    @hookimpl
    def zaitaku_report_sections(self, plan: Any, lang: str) -> list[dict[str, Any]] | None:
        if plan.city.id != "sample":
            return None
        rows = [["A"]] if self.broken_section else [[t.id, t.name] for t in plan.tools]
        return [
            {
                "id": "tools-extra",
                "title_ja": "追加の表",
                "title_en": "Extra table",
                "columns": ["id", "name"],
                "rows": rows,
            }
        ]


def test_office_calendars_and_report_sections_from_a_plugin() -> None:
    from zaitaku_core.calendar import BusinessCalendar
    from zaitaku_core.report import build_report, render

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin()), ("extras", ExtrasPlugin())])
    (spec,) = registry.office_calendars("sample")
    calendar = BusinessCalendar.from_spec(spec)
    assert calendar.is_business_day(__import__("datetime").date(2024, 6, 15))  # a Saturday: open at office A
    report = build_report(registry, "sample", 2024, lang="en")
    assert report.sections[-1].title == "Extra table"
    assert "| list | 相談窓口一覧 |" in render(report, "md").decode()


def test_bad_calendar_and_section_name_the_plugin_and_hook() -> None:
    from zaitaku_core.report import build_report

    def registry(**broken: bool) -> Registry:
        return create_registry(
            entry_points=False, plugins=[("sample", SamplePlugin()), ("extras", ExtrasPlugin(**broken))]
        )

    with pytest.raises(PluginDataError) as calendar_error:
        registry(broken_calendar=True).office_calendars("sample")
    assert calendar_error.value.location == {"plugin": "extras", "hook": "zaitaku_office_calendars"}
    assert "closes" in str(calendar_error.value.errors)
    with pytest.raises(PluginDataError) as section_error:
        build_report(registry(broken_section=True), "sample", 2024)
    assert section_error.value.location["hook"] == "zaitaku_report_sections"


def _share_attributes(cls: type[BaseException], attributes: dict[str, object]) -> BaseException:
    rebuilt = cls.__new__(cls)
    rebuilt.__dict__ = attributes  # as tblib's exception reducer (installed by dask.distributed) rebuilds one
    return rebuilt


def test_a_failed_plugin_error_leaves_its_cause_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    """'plugin X failed: …' restates the cause in a copy; the cause keeps its own words even where another
    library registered a copy reducer for exceptions whose copies share the original's attributes (with
    ``copy.copy`` the whole-suite run printed 'plugin {plugin!r} failed: {cause}' once dask was imported)."""
    import copy
    import copyreg

    from zaitaku_core.i18n import N_

    monkeypatch.setitem(
        copyreg.dispatch_table, PluginLoadError, lambda exc: (_share_attributes, (type(exc), exc.__dict__))
    )
    cause = PluginLoadError("cannot import x: ModuleNotFoundError", location={"plugin": "kushiro"})
    assert copy.copy(cause).__dict__ is cause.__dict__  # the reducer does share: the test would catch copy.copy
    failed = cause.restated(N_("plugin {plugin!r} failed: {cause}"), {"plugin": "kushiro", "cause": cause.message})
    assert cause.template is None and cause.message == "cannot import x: ModuleNotFoundError"
    assert failed.message == "plugin 'kushiro' failed: cannot import x: ModuleNotFoundError"
    assert "kushiro" in failed.message_in("ja") and "{" not in failed.message_in("ja")
    assert (type(failed), failed.code, failed.location) == (PluginLoadError, cause.code, cause.location)


class _WrongYear:
    """A city of FY2024–FY2026 whose hook gives one program of FY2023 whatever year it is asked."""

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [{**city_record("wrong"), "fiscal_years": [2024, 2025, 2026]}]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]]:
        return [
            {"id": f"p-{fiscal_year}", "title": "取組", "fiscal_year": fiscal_year},
            {"id": "p-typo", "title": "取組", "fiscal_year": 2023},
        ]


def test_a_hooks_program_of_an_undeclared_year_is_kept_apart_and_reported() -> None:
    from zaitaku_core.validation import validate_city

    registry = create_registry(entry_points=False, plugins=[("wrong", _WrongYear())])
    plan = registry.plan("wrong", 2025)
    assert [program.id for program in plan.programs] == ["p-2025"]
    assert [program.id for program in plan.undeclared_programs] == ["p-typo"]
    found = [(f.code, f.program, f.fiscal_year, f.field) for f in validate_city(registry, "wrong", 2025)]
    assert ("ZK021", "p-typo", 2023, "fiscal_year") in found
    assert [code for code, *_ in found].count("ZK021") == 1
