"""The conformance suite every city plugin runs: subclass :class:`PluginConformance` in one line.

In the plugin's ``tests/test_conformance.py``::

    from zaitaku_core.testing.conformance import PluginConformance

    class TestConformance(PluginConformance):
        plugin = "asahikawa"  # the plugin's name in the ``zaitaku`` entry-point group

pytest then runs every ``test_*`` method below against the installed plugin: its metadata, every hook
result validated by the core's models, unique ids, resolved references (tools, programs, bodies and their
parents), a reason for every inferred fact, the validation catalogue without errors, undeclared fiscal
years refused, every plan round-tripped through JSON valid under the exported JSON Schema, the engine's
properties under random handoff events with the city's rules, and its report in every format and
language. A check that does not apply is switched off by name, with a reason, in
:attr:`PluginConformance.opt_out`; it then shows as *skipped* with that reason, never silently.

The suite's assertion messages name the plugin, the city, the fiscal year and the record, so a failure
reads as a to-do list. It needs the ``test`` extra (pytest and hypothesis).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zaitaku_core.errors import UndeclaredFiscalYearError, ZaitakuError
from zaitaku_core.handoff import Contact, Event, evaluate
from zaitaku_core.model import HandoffRule, Plan, RuleBasis, Severity, Tool
from zaitaku_core.plugins import Registry, create_registry
from zaitaku_core.report import FORMATS, Report, build_report, render
from zaitaku_core.testing.strategies import contact_logs, handoff_events
from zaitaku_core.validation import CATALOGUE, city_findings, program_findings, run_checks, validate_city

__all__ = ["PluginConformance"]


def _listing(problems: list[str]) -> str:
    return "\n".join(f"  - {problem}" for problem in problems)


class PluginConformance:
    """Base class of a plugin's conformance tests (not collected itself: its name lacks ``Test``).

    Set :attr:`plugin` (or :attr:`plugin_object`); everything else has a default.
    """

    #: The plugin's name in the ``zaitaku`` entry-point group (an installed distribution).
    plugin: ClassVar[str] = ""
    #: Or the plugin object itself, for a plugin that is not installed (metadata checks are then skipped).
    plugin_object: ClassVar[object | None] = None
    #: Checks switched off on purpose, as test name -> reason. Unknown names fail ``test_opt_outs_are_known``.
    opt_out: ClassVar[Mapping[str, str]] = {}
    #: Error findings of the validation catalogue the city accepts on purpose, as code -> reason.
    accepted_findings: ClassVar[Mapping[str, str]] = {}
    #: How many random events the handoff properties try per city.
    handoff_examples: ClassVar[int] = 40
    #: The report formats that must render. Not PDF by default: it is the HTML page printed, needs the
    #: optional pdf extra and takes seconds; a plugin that wants it tested adds ``"pdf"`` here.
    report_formats: ClassVar[tuple[str, ...]] = tuple(fmt for fmt in FORMATS if fmt != "pdf")

    # -- fixtures ---------------------------------------------------------------------------------------------

    @pytest.fixture(autouse=True)
    def _declared_opt_outs(self, request: pytest.FixtureRequest) -> None:
        name = request.node.originalname
        if name in self.opt_out:
            pytest.skip(f"opted out by {type(self).__name__}.opt_out: {self.opt_out[name]}")

    @pytest.fixture(scope="class")
    @classmethod
    def registry(cls) -> Registry:
        """A registry holding the core's default plugins and this plugin only."""
        if cls.plugin_object is not None:
            return create_registry(entry_points=False, plugins=[(cls._name(), cls.plugin_object)])
        if not cls.plugin:
            pytest.fail(f"{cls.__name__}: set `plugin` (entry-point name) or `plugin_object`")
        return create_registry(entry_points=[cls.plugin])

    @classmethod
    def _name(cls) -> str:
        return cls.plugin or cls.__name__

    def _cities(self, registry: Registry) -> list[str]:
        return [city_id for city_id in registry.city_ids() if registry.plugin_of(city_id) == self._name()]

    def _plans(self, registry: Registry) -> Iterator[Plan]:
        for city_id in self._cities(registry):
            for fiscal_year in registry.city(city_id).fiscal_years:
                yield registry.plan(city_id, fiscal_year)

    # -- the checks -------------------------------------------------------------------------------------------

    def test_opt_outs_are_known(self) -> None:
        """Every opt-out names a check of this suite (a typo would otherwise switch nothing off)."""
        known = {name for name in dir(PluginConformance) if name.startswith("test_")}
        unknown = sorted(set(self.opt_out) - known)
        assert not unknown, f"opt_out names no check of the suite: {unknown}; checks are {sorted(known)}"

    def test_plugin_loads(self, registry: Registry) -> None:
        """The plugin imports, registers, implements only known hooks and serves at least one city."""
        errors = [str(error) for error in registry.errors]
        assert not errors, f"plugin {self._name()!r} failed to load:\n{_listing(errors)}"
        names = {info.name for info in registry.plugins()}
        assert self._name() in names, (
            f"no plugin {self._name()!r} in the 'zaitaku' entry-point group; found {sorted(names)}. "
            "Is the distribution installed (pip install -e .) and its entry point named as `plugin`?"
        )
        assert self._cities(registry), f"plugin {self._name()!r} serves no city (hook zaitaku_cities)"

    def test_metadata(self, registry: Registry) -> None:
        """The plugin comes from an installed distribution with a name and a version."""
        if self.plugin_object is not None:
            pytest.skip("plugin_object is not an installed distribution: no metadata to check")
        (info,) = [info for info in registry.plugins() if info.name == self._name()]
        assert info.distribution, f"plugin {self._name()!r} has no distribution metadata"
        assert info.version, f"distribution {info.distribution!r} of plugin {self._name()!r} has no version"
        assert info.hooks, f"plugin {self._name()!r} implements no hook"

    def test_every_hook_result_validates(self, registry: Registry) -> None:
        """Every hook result, for every city and fiscal year it declares, passes the core's models."""
        problems = []
        for city_id in self._cities(registry):
            for fiscal_year in registry.city(city_id).fiscal_years:
                try:
                    plan = registry.plan(city_id, fiscal_year)
                    registry.report_sections(plan, "ja")
                    registry.report_sections(plan, "en")
                except ZaitakuError as exc:
                    problems.append(f"{city_id} FY{fiscal_year}: {exc}")
                else:
                    if not plan.programs:
                        problems.append(f"{city_id} FY{fiscal_year}: the city declares the year but no program")
        assert not problems, f"plugin {self._name()!r}: invalid hook results:\n{_listing(problems)}"

    def _catalogue(self, registry: Registry, codes: set[str]) -> list[str]:
        """The findings of the catalogue's checks ``codes`` over every plan of the plugin's cities."""
        checks = [check for check in CATALOGUE if check.code in codes]
        return [
            f"{plan.city.id} FY{plan.fiscal_year} {finding.code} {finding.field or ''}: {finding.message_en}"
            for plan in self._plans(registry)
            for finding in run_checks(plan, checks)
        ]

    def test_ids_are_unique(self, registry: Registry) -> None:
        """Ids are unique per kind: programs within a fiscal year; tools, indicators, rules, calendars (ZK008)."""
        problems = self._catalogue(registry, {"ZK008"})
        assert not problems, f"plugin {self._name()!r}: duplicate ids:\n{_listing(problems)}"

    def test_references_resolve(self, registry: Registry) -> None:
        """Programs, rules and tool sets name tools that exist (ZK009); indicators name programs (ZK010);
        bodies name parents that exist, without a cycle (ZK019), and programs and tools that exist (ZK020)."""
        problems = self._catalogue(registry, {"ZK009", "ZK010", "ZK019", "ZK020"})
        assert not problems, f"plugin {self._name()!r}: unresolved references:\n{_listing(problems)}"

    def test_inferred_facts_have_reasons(self, registry: Registry) -> None:
        """Every scene tag and every provenance entry that is inferred (not stated by a source) gives a
        reason (ZK017): a tag written as a bare scene is an inference without one."""
        problems = self._catalogue(registry, {"ZK017"})
        assert not problems, (
            f'plugin {self._name()!r}: inferred facts without a reason (give a reason, or basis = "stated" '
            f"with the source):\n{_listing(problems)}"
        )

    def test_programs_follow_the_scene_tagging_rule(self, registry: Registry) -> None:
        """The scene-tagging rule (docs: explanation/framework): a program names the care scenes its text
        speaks of, or none; a program with no scene says why in ``provenance.scenes`` (特定の場面に限らない:
        about the work as a whole), so an untagged program is never an oversight."""
        problems = [
            f"{plan.city.id} FY{plan.fiscal_year} {program.id}: no scene tag and no provenance.scenes reason"
            for plan in self._plans(registry)
            for program in plan.programs
            if not program.scenes
            and not ((why := program.provenance.get("scenes")) is not None and why.reason and why.reason.strip())
        ]
        assert not problems, (
            f"plugin {self._name()!r}: programs without a scene and without the reason why "
            f'(add scenes, or provenance.scenes = {{ reason = "特定の場面に限らない：…" }}):\n{_listing(problems)}'
        )

    def test_undeclared_fiscal_years_are_refused(self, registry: Registry) -> None:
        """Asking for a fiscal year a city does not declare is an error naming the declared years; allowed
        explicitly, it gives a plan."""
        for city_id in self._cities(registry):
            declared = registry.city(city_id).fiscal_years
            undeclared = max(declared) + 1
            while undeclared in declared:
                undeclared += 1
            with pytest.raises(UndeclaredFiscalYearError) as caught:
                registry.plan(city_id, undeclared)
            assert f"FY{max(declared)}" in str(caught.value), f"{city_id}: the error does not name the years"
            assert registry.plan(city_id, undeclared, allow_undeclared=True).fiscal_year == undeclared

    def test_plans_round_trip_through_json_schema(self, registry: Registry) -> None:
        """Every plan, dumped to JSON, is valid under the exported JSON Schema of
        :class:`~zaitaku_core.model.Plan` and reads back as the same plan."""
        jsonschema = pytest.importorskip("jsonschema", reason="the test extra installs jsonschema")
        from zaitaku_core.model import json_schemas

        validator = jsonschema.Draft202012Validator(json_schemas()["Plan"])
        problems = []
        for plan in self._plans(registry):
            data = json.loads(plan.model_dump_json())
            where = f"{plan.city.id} FY{plan.fiscal_year}"
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
            problems += [f"{where} {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
            if not errors and Plan.model_validate(data) != plan:
                problems.append(f"{where}: the plan read back from JSON differs from the plan")
        assert not problems, f"plugin {self._name()!r}: plans do not round-trip:\n{_listing(problems)}"

    def test_validation_finds_no_errors(self, registry: Registry) -> None:
        """The validation catalogue finds no error (warnings and notes are allowed) in any year."""
        problems = []
        for city_id in self._cities(registry):
            for finding in validate_city(registry, city_id):
                if finding.severity is Severity.ERROR and finding.code not in self.accepted_findings:
                    where = " ".join(part for part in (finding.program, finding.field) if part)
                    problems.append(f"{finding.code} {city_id} {where}: {finding.message_en}")
        assert not problems, (
            f"plugin {self._name()!r}: validation errors (fix the data, or list the code in accepted_findings "
            f"with a reason):\n{_listing(problems)}"
        )

    def test_city_checks_find_the_same_every_year(self, registry: Registry) -> None:
        """Checks of scope ``"city"`` (the core's and the plugin's) read nothing that changes with the fiscal
        year: run on each year's plan, they find what they found on the first year's."""
        checks = registry.checks()
        problems = []
        for city_id in self._cities(registry):
            years = registry.city(city_id).fiscal_years
            shared = city_findings(registry.plan(city_id, years[0]), checks)
            for year in years[1:]:
                found = city_findings(registry.plan(city_id, year), checks)
                if found != shared:
                    codes = sorted({f.code for f in set(found) ^ set(shared)})
                    problems.append(f"{city_id} FY{year}: {', '.join(codes)} differ from FY{years[0]}")
        assert not problems, (
            f"plugin {self._name()!r}: a check declared scope='city' depends on the fiscal year:\n{_listing(problems)}"
        )

    def test_program_checks_ignore_the_fiscal_year(self, registry: Registry) -> None:
        """Checks of scope ``"programs"`` (the core's and the plugin's) read the year's programs but not the
        fiscal year: each year's plan, moved to another year with the same programs, gives the same findings.
        """
        checks = registry.checks()
        problems = []
        for city_id in self._cities(registry):
            for year in registry.city(city_id).fiscal_years:
                plan = registry.plan(city_id, year)
                found = program_findings(plan, checks)
                other = year + 1 if year < 2100 else year - 1
                programs = tuple(program.model_copy(update={"fiscal_year": other}) for program in plan.programs)
                moved = plan.model_copy(update={"fiscal_year": other, "programs": programs})
                again = program_findings(moved, checks)
                if again != found:
                    codes = sorted({f.code for f in set(found) ^ set(again)})
                    problems.append(f"{city_id} FY{year}: {', '.join(codes)} differ when it is FY{other}")
        assert not problems, (
            f"plugin {self._name()!r}: a check declared scope='programs' depends on the fiscal year:\n"
            f"{_listing(problems)}"
        )

    def test_handoff_rules_hold_the_engine_properties(self, registry: Registry) -> None:
        """Under random events and contact logs, with the city's rules and tools:

        * every city rule for the event's kind gives exactly one obligation, with the rule's binding flag;
        * a city obligation is met only if a contact between its parties lies inside its window, and adding
          contacts never un-meets it;
        * city rules never change what the national rules allow to be billed;
        * the verdict never carries the subject's id.
        """
        cities = [(registry.handoff_rules(c), registry.tools(c)) for c in self._cities(registry)]
        kinds = sorted({rule.event.value for rules, _ in cities for rule in rules})
        if not kinds:
            pytest.skip(f"plugin {self._name()!r} declares no handoff rules: the national rules apply as defaults")

        @settings(
            max_examples=self.handoff_examples,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(data=st.data())
        def check(data: st.DataObject) -> None:
            rules, tools = data.draw(st.sampled_from(cities))
            event = data.draw(handoff_events(kinds=tuple(kinds)))
            contacts = data.draw(contact_logs(event))
            extra = data.draw(contact_logs(event, max_size=2))
            _check_verdict(self._name(), event, contacts, extra, rules, tools)

        check()

    def test_report_renders_in_every_format(self, registry: Registry) -> None:
        """The report of every city's latest fiscal year renders in every format and language, the same bytes
        twice; the JSON report reads back as a :class:`~zaitaku_core.report.Report`."""
        for city_id in self._cities(registry):
            fiscal_year = max(registry.city(city_id).fiscal_years)
            for lang in ("ja", "en"):
                report = build_report(registry, city_id, fiscal_year, lang=lang)
                for fmt in self.report_formats:
                    where = f"plugin {self._name()!r}, {city_id} FY{fiscal_year}, {fmt}/{lang}"
                    first = render(report, fmt)
                    assert first, f"{where}: empty output"
                    assert render(report, fmt) == first, f"{where}: two renders differ"
                    if fmt == "json":
                        Report.model_validate(json.loads(first))
                    if fmt == "html":
                        page = first.decode()
                        missing = [s.id for s in report.sections if f'id="{s.id}"' not in page]
                        assert not missing, f"{where}: sections missing from the page: {missing}"


#: A subject id that cannot appear in a verdict by chance.
_SUBJECT = "subject-must-not-leak-7f3a9c"


def _check_verdict(
    plugin: str,
    event: Event,
    contacts: list[Contact],
    extra: list[Contact],
    rules: tuple[HandoffRule, ...],
    tools: tuple[Tool, ...],
) -> None:
    event = event.model_copy(update={"subject": _SUBJECT})
    where = f"plugin {plugin!r}, {event.kind.value} at {event.at.isoformat()}"
    verdict = evaluate(event, contacts, city_rules=rules, tools=tools)
    national_only = evaluate(event, contacts, tools=tools)
    mine = [rule for rule in rules if rule.event is event.kind]
    city = {o.rule_id: o for o in verdict.obligations if o.basis is not RuleBasis.NATIONAL}
    assert sorted(city) == sorted(rule.id for rule in mine), f"{where}: obligations {sorted(city)} for rules {mine}"
    for rule in mine:
        obligation = city[rule.id]
        assert obligation.binding == rule.binding, f"{where}: rule {rule.id!r} lost its binding flag"
        window = obligation.window
        if window is not None and window.start is not None and window.end is not None:
            assert window.start <= window.end, f"{where}: rule {rule.id!r} has an empty window {window}"
        if obligation.met:
            parties = set(rule.contact_from) | set(rule.contact_to)
            inside = [
                c
                for c in contacts
                if {c.from_party, c.to_party} <= parties and (window is None or window.contains(c.at.date()))
            ]
            assert inside, f"{where}: rule {rule.id!r} met with no contact between its parties in its window"
        more = evaluate(event, [*contacts, *extra], city_rules=rules, tools=tools)
        again = {o.rule_id: o for o in more.obligations}[rule.id]
        assert again.met or not obligation.met, f"{where}: adding a contact un-met rule {rule.id!r}"
    assert [(a.addon_id, a.units, a.reason) for a in verdict.addons] == [
        (a.addon_id, a.units, a.reason) for a in national_only.addons
    ], f"{where}: the city's rules changed what the national rules allow"
    assert _SUBJECT not in repr(verdict), f"{where}: the verdict carries the subject id"
