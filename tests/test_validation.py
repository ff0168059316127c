"""The validation catalogue: every check fires on a plan made to break it, and stays quiet otherwise."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sample_plugins import SamplePlugin, city_record

from zaitaku_core.framework import CareScene
from zaitaku_core.i18n import N_, ByLanguage, ja_en
from zaitaku_core.model import Finding, Indicator, Plan, Severity, ValueKind
from zaitaku_core.plugins import Registry, create_registry, hookimpl
from zaitaku_core.validation import (
    CATALOGUE,
    CHECK_FAILED,
    Check,
    check,
    city_findings,
    run_checks,
    validate_city,
)

#: A complete city states its aim for every care scene (else ZK018 reports each scene).
CITY = {**city_record(), "scene_aims": {scene.value: "目指す姿" for scene in CareScene}}


def stated(*scenes: str) -> list[dict[str, str]]:
    """Scene tags the source states (an inferred tag without a reason is ZK017)."""
    return [{"scene": scene, "basis": "stated"} for scene in scenes]


def plan(**fields: Any) -> Plan:
    return Plan.model_validate({"city": CITY, "fiscal_year": 2024, **fields})


def program(pid: str, item: str | None = "ア(ア)", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": pid, "title": f"取組{pid}", "fiscal_year": 2024}
    if item:
        base["new_item"] = item
    return {**base, **fields}


FULL = [
    program(f"p{i}", item.value, scenes=stated("daily_support", "admission_discharge", "emergency", "end_of_life"))
    for i, item in enumerate(__import__("zaitaku_core.framework").framework.NewItem)
]


def codes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in findings]


def indicator(*values: dict[str, Any], programs: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"id": "ind", "name": "開催回数", "unit": "回", "type": "process", "values": values, "programs": programs}


def test_codes_are_unique_and_well_formed() -> None:
    all_codes = [c.code for c in CATALOGUE]
    assert len(all_codes) == len(set(all_codes))
    assert all(c.title_ja and c.title_en for c in CATALOGUE)
    assert CHECK_FAILED not in all_codes


def test_a_complete_plan_has_no_findings() -> None:
    assert run_checks(plan(programs=FULL), CATALOGUE) == ()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"programs": [*FULL, program("x", None)]}, ["ZK001"]),
        ({"programs": FULL[1:]}, ["ZK002"]),
        (
            {"programs": [program(f"p{i}", p["new_item"], scenes=stated("daily_support")) for i, p in enumerate(FULL)]},
            ["ZK003", "ZK003", "ZK003"],
        ),
        ({"indicators": [indicator({"fiscal_year": 2027, "kind": "plan", "value": 1})]}, ["ZK004"]),
        (
            {"indicators": [indicator({"fiscal_year": 2024, "kind": "actual", "value": 3, "status": "cancelled"})]},
            ["ZK005"],
        ),
        (
            {"indicators": [indicator({"fiscal_year": 2024, "kind": "actual", "value": 3, "status": "partial"})]},
            ["ZK006"],
        ),
        (
            {
                "indicators": [
                    indicator(
                        {
                            "fiscal_year": 2023,
                            "kind": "actual",
                            "value": 3,
                            "status": "partial",
                            "as_of": date(2024, 9, 30),
                        }
                    )
                ]
            },
            ["ZK006"],
        ),
        (
            {
                "indicators": [
                    indicator({"fiscal_year": 2024, "kind": "actual", "value": 3, "as_of": date(2024, 9, 30)})
                ]
            },
            ["ZK007"],
        ),
        ({"programs": [*FULL, FULL[0]]}, ["ZK008"]),
        ({"programs": [*FULL[1:], {**FULL[0], "tools": ["missing"]}]}, ["ZK009"]),
        ({"indicators": [indicator({"fiscal_year": 2024, "kind": "plan", "value": 1}, programs=("nope",))]}, ["ZK010"]),
        ({"indicators": [indicator({"fiscal_year": 2024, "kind": "plan"})]}, ["ZK014"]),
        (
            {"programs": [*FULL[1:], {**FULL[0], "actions": [{"role": "partner", "owners": ["誰か"], "text": "x"}]}]},
            ["ZK015"],
        ),
        (
            {"indicators": [indicator({"fiscal_year": 2024, "kind": "actual", "value": 1, "status": "provisional"})]},
            ["ZK016"],
        ),
    ],
)
def test_each_check_fires(fields: dict[str, Any], expected: list[str]) -> None:
    fields.setdefault("programs", FULL)
    found = run_checks(plan(**fields), CATALOGUE)
    assert codes(found) == expected
    for finding in found:
        assert finding.city == "sample" and finding.message_ja and finding.message_en
        # Some are made without validation (ZK014, ZK016): each must be what validation gives.
        again = Finding.model_validate(finding.model_dump())
        assert again == finding and vars(again) == vars(finding) and type(finding.fiscal_year) is int


def test_provisional_values_of_each_year_from_indicators_shared_by_the_years() -> None:
    # ZK016 indexes the provisional values of the indicators it read last (the years of a city share them):
    # each year's plan still gets its own year's, and other indicators are read anew.
    values = [
        {"fiscal_year": year, "kind": "actual", "value": 1, "status": "provisional"} for year in (2024, 2025, 2025)
    ]
    first = plan(programs=FULL, indicators=[indicator(*values)])
    later = first.model_copy(update={"fiscal_year": 2025, "programs": ()})
    zk016 = [check for check in CATALOGUE if check.code == "ZK016"]
    fields = [[f.field for f in run_checks(p, zk016)] for p in (first, later, first)]
    in_2024, in_2025 = ["indicators[ind].values[0]"], ["indicators[ind].values[1]", "indicators[ind].values[2]"]
    assert fields == [in_2024, in_2025, in_2024]
    other = plan(programs=FULL, indicators=[indicator(values[0], {**values[1], "fiscal_year": 2024})])
    assert [f.field for f in run_checks(other, zk016)] == ["indicators[ind].values[0]", "indicators[ind].values[1]"]


def test_provisional_index_does_not_keep_indicators_alive() -> None:
    # ZK016 keeps its index for the next year's plan, but not the indicators: a run over many cities would
    # keep the last city's alive for the collector to scan.
    value = {"fiscal_year": 2024, "kind": "actual", "value": 1, "status": "provisional"}
    read = plan(programs=FULL, indicators=[indicator(value)])
    zk016 = [check for check in CATALOGUE if check.code == "ZK016"]
    assert [f.code for f in run_checks(read, zk016)] == ["ZK016"]
    gone = weakref.ref(read.indicators[0])
    del read
    gc.collect()
    assert gone() is None


def test_provisional_findings_never_depend_on_the_index_kept() -> None:
    # ZK016's index holds positions: whatever plans it read before (the same indicators reordered or cut,
    # equal ones that are other objects, indicators gone and others made in their place, two registries'
    # cities in turn), a plan's findings are those of a cold index, each naming its own indicator.
    from zaitaku_core import validation

    def made(name: str, *statuses: str) -> dict[str, Any]:
        values = [{"fiscal_year": 2024, "kind": "actual", "value": n, "status": s} for n, s in enumerate(statuses)]
        return {**indicator(*values), "id": name, "name": f"指標{name}"}

    a, b, c = made("a", "final", "provisional"), made("b", "provisional"), made("c", "provisional", "provisional")
    first = plan(programs=FULL, indicators=[a, b, c])
    plans = [
        first,
        first.model_copy(update={"indicators": first.indicators[::-1]}),  # the same objects, reordered
        first.model_copy(update={"indicators": first.indicators[1:]}),  # cut
        plan(programs=FULL, indicators=[a, b, c]),  # equal, other objects
        plan(programs=FULL, indicators=[c, made("a", "provisional", "final"), b]),
        first,
    ]
    for registry_plugin in (SamplePlugin(), SamplePlugin()):  # two registries' plans of one city in turn
        registry = create_registry(entry_points=False, plugins=[("sample", registry_plugin)])
        plans.append(registry.plan("sample", registry.city("sample").fiscal_years[0]))
    plans.append(plans[-2])
    zk016 = [check for check in CATALOGUE if check.code == "ZK016"]

    def found(p: Plan) -> list[tuple[str, str, str]]:
        return [(f.field or "", f.message_en, f.message_ja) for f in run_checks(p, zk016)]

    cold = []
    for p in plans:
        validation._provisional_last = None
        cold.append(found(p))
    del p
    gc.collect()  # the dead indicators of the plans below are others' addresses now
    assert [found(p) for p in plans] == cold
    # Each finding names the indicator at its field (the synthetic ones are named after their ids).
    for findings in cold[:6]:
        assert findings and all(f"指標{field[11]}」" in ja and f"'指標{field[11]}'" in en for field, en, ja in findings)
    assert sorted(field for field, _, _ in cold[4]) == [
        "indicators[a].values[0]",
        "indicators[b].values[0]",
        "indicators[c].values[0]",
        "indicators[c].values[1]",
    ]


RULE = {
    "id": "r1",
    "title": "退院時の連絡",
    "scene": "admission_discharge",
    "event": "discharge",
    "contact_from": ["hospital"],
    "contact_to": ["care_manager"],
    "deadline": {"kind": "asap"},
    "basis": "city",
    "binding": False,
}


def test_rule_checks() -> None:
    empty = {**RULE, "deadline": {"kind": "business_days", "days": 0}}
    assert codes(run_checks(plan(programs=FULL, handoff_rules=[empty]), CATALOGUE)) == ["ZK011"]
    reverse = {**RULE, "id": "r2", "contact_from": ["care_manager"], "contact_to": ["hospital"]}
    later = {**RULE, "id": "r3", "deadline": {"kind": "calendar_days", "days": 3}}
    found = run_checks(plan(programs=FULL, handoff_rules=[RULE, reverse, later]), CATALOGUE)
    assert codes(found) == ["ZK012", "ZK012", "ZK012"]  # r1/r2 and r2/r3 reversed, r1/r3 deadlines differ
    outside = {**RULE, "applies_to": ["362018"]}
    assert codes(run_checks(plan(programs=FULL, handoff_rules=[outside]), CATALOGUE)) == ["ZK013"]


def year_plan(year: int, **fields: Any) -> Plan:
    programs = [{**p, "fiscal_year": year} for p in FULL]
    return Plan.model_validate({"city": CITY, "fiscal_year": year, "programs": programs, **fields})


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"indicators": [indicator({"fiscal_year": 2024, "kind": "actual", "value": 1, "status": "cancelled"})]},
        {"indicators": [indicator({"fiscal_year": 2025, "kind": "actual", "value": 1, "status": "provisional"})]},
        {"indicators": [indicator({"fiscal_year": 2031, "kind": "plan", "value": 3})]},
        {"handoff_rules": [{**RULE, "deadline": {"kind": "business_days", "days": 0}}]},
    ],
)
def test_city_findings_stand_for_the_city_checks_in_every_year(fields: dict[str, Any]) -> None:
    # The core's checks of scope "city" read nothing that changes with the year, so the findings of one
    # year's plan stand for them in every other year (what validate_city and build_reports rely on).
    shared = city_findings(year_plan(2024, **fields), CATALOGUE)
    for year in (2024, 2025, 2026):
        each = year_plan(year, **fields)
        assert run_checks(each, CATALOGUE, city_findings=shared) == run_checks(each, CATALOGUE)
    assert {c.code for c in CATALOGUE if c.scope == "city"} >= {"ZK004", "ZK005", "ZK011"}


def test_a_check_scope_is_plan_or_city() -> None:
    with pytest.raises(ValueError, match="scope"):
        check("XX001", Severity.INFO, "例", "example", scope="town")(lambda self, plan: [])  # type: ignore[arg-type]


def test_findings_are_sorted_by_severity() -> None:
    found = run_checks(
        plan(
            programs=[*FULL[1:], program("x", None)],
            indicators=[indicator({"fiscal_year": 2027, "kind": "plan", "value": 1})],
        ),
        CATALOGUE,
    )
    assert [f.severity for f in found] == sorted(
        (f.severity for f in found), key=[Severity.ERROR, Severity.WARNING, Severity.INFO].index
    )


def test_a_failing_check_is_reported_not_raised() -> None:
    @check("XX001", Severity.ERROR, "壊れた検査", "broken check")
    def broken(self: Check, plan: Plan) -> Iterator[Finding]:
        raise RuntimeError("boom")

    found = run_checks(plan(programs=FULL), [broken, *CATALOGUE])
    assert codes(found) == [CHECK_FAILED]
    assert "XX001" in found[0].message_en and "boom" in found[0].message_en


def test_plugins_add_checks_through_the_hook() -> None:
    @check("TK001", Severity.INFO, "例", "example")
    def example(self: Check, plan: Plan) -> Iterator[Finding]:
        yield self.finding(plan, "例", "example")

    class Extra:
        @hookimpl
        def zaitaku_validation_checks(self) -> list[Check]:
            return [example]

    registry = create_registry(entry_points=False, plugins=[("sample", SamplePlugin()), ("extra", Extra())])
    assert "TK001" in [c.code for c in registry.checks()]
    assert "TK001" in codes(validate_city(registry, "sample"))


def test_duplicate_codes_across_plugins_are_refused(sample_registry: Registry) -> None:
    class Copycat:
        @hookimpl
        def zaitaku_validation_checks(self) -> list[Check]:
            return [CATALOGUE[0]]

    sample_registry.register(Copycat(), name="copycat")
    with pytest.raises(Exception, match="ZK001 is already used"):
        sample_registry.checks()


def test_bundled_cities_have_no_errors() -> None:
    registry = create_registry()
    for city in ("asahikawa", "tokushima"):
        assert [f for f in validate_city(registry, city) if f.severity is Severity.ERROR] == []


def test_targets_may_reach_the_period_of_the_latest_declared_year() -> None:
    # A city declaring FY2027 plans the 10th period (2027-2029): a 2029 target is fine, a 2030 one is not.
    city = {**CITY, "fiscal_years": [2024, 2027]}
    ok = indicator({"fiscal_year": 2029, "kind": "plan", "value": 1})
    late = {**indicator({"fiscal_year": 2030, "kind": "plan", "value": 1}), "id": "late"}
    found = run_checks(
        Plan.model_validate({"city": city, "fiscal_year": 2024, "programs": FULL, "indicators": [ok, late]}),
        CATALOGUE,
    )
    assert [(f.code, f.field) for f in found] == [("ZK004", "indicators[late].values[0]")]


@settings(max_examples=200, deadline=None)
@given(
    name=st.text(min_size=1, max_size=12).filter(str.strip),
    year=st.integers(2000, 2040),
    kind=st.sampled_from(list(ValueKind)),
    status=st.sampled_from(["final", "provisional"]),
)
def test_value_findings_say_what_ja_en_says(name: str, year: int, kind: ValueKind, status: str) -> None:
    # ZK014 and ZK016 fill their messages once per year and kind, and then only the indicator's name
    # (validation._value_messages): the messages are ja_en's, in both languages, whatever the name holds.
    value: dict[str, Any] = {"fiscal_year": year, "kind": kind.value, "status": status}
    if status == "provisional":
        value["value"] = 1
    indicator = Indicator.model_validate({"id": "i", "name": name, "unit": "回", "type": "process", "values": [value]})
    plan = Plan.model_validate({"city": city_record(), "fiscal_year": year, "indicators": [indicator]})
    checks = [check for check in CATALOGUE if check.code in {"ZK014", "ZK016"}]
    (finding,) = run_checks(plan, checks)
    template = {
        "ZK014": N_("Indicator {name!r}: the FY{year} {kind} has no number or frequency."),
        "ZK016": N_("Indicator {name!r}: the FY{year} {kind} is provisional and is not judged as final."),
    }[finding.code]
    labels = ByLanguage(kind.ja, kind.en)
    assert (finding.message_ja, finding.message_en) == ja_en(template, name=name, year=year, kind=labels)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ({"fiscal_year": 2027, "kind": "plan", "value": 1}, "ZK004"),
        ({"fiscal_year": 2024, "kind": "actual", "value": 3, "status": "cancelled"}, "ZK005"),
        ({"fiscal_year": 2024, "kind": "actual", "value": 3, "status": "partial"}, "ZK006"),
        ({"fiscal_year": 2024, "kind": "actual", "value": 3, "as_of": date(2024, 9, 30)}, "ZK007"),
        ({"fiscal_year": 2024, "kind": "plan"}, "ZK014"),
    ],
)
def test_each_of_equal_values_is_named_at_its_own_index(value: dict[str, Any], code: str) -> None:
    # The checks of indicator values find a value, then its index: by identity, so a value equal to an
    # earlier one (a duplicate the plugin gave twice) is named where it is.
    fine = {"fiscal_year": 2025, "kind": "plan", "value": 2}
    found = run_checks(plan(programs=FULL, indicators=[indicator(value, fine, value)]), CATALOGUE)
    assert [(f.code, f.field) for f in found if f.code == code] == [
        (code, f"indicators[ind].values[0]{_SUFFIX[code]}"),
        (code, f"indicators[ind].values[2]{_SUFFIX[code]}"),
    ]


_SUFFIX = {"ZK004": "", "ZK005": ".value", "ZK006": ".as_of", "ZK007": ".status", "ZK014": ""}
