"""The conformance suite itself, run with pytester on plugins made good and made broken on purpose."""

from __future__ import annotations

import pytest

# Imported here, before pytester snapshots sys.modules, so the runs below reuse it (numpy, which it
# imports through the handoff engine, cannot be loaded twice in one process).
import zaitaku_core.testing.conformance  # noqa: F401

PLUGIN = """
from zaitaku_core.plugins import hookimpl
from zaitaku_core.testing.conformance import PluginConformance

ITEMS = ["ア(ア)", "ア(イ)", "ア(ウ)", "イ(ア)", "イ(イ)", "イ(ウ)", "ウ"]
SCENES = [{"scene": s, "basis": "stated"} for s in ("daily_support", "admission_discharge", "emergency", "end_of_life")]


class Plugin:
    def __init__(self, **broken):
        self.broken = broken

    @hookimpl
    def zaitaku_cities(self):
        return [{"id": "demo", "fiscal_years": [2024],
                 "municipality": {"code": "012041", "name": "旭川市", "prefecture": "北海道"}}]

    @hookimpl
    def zaitaku_programs(self, city, fiscal_year):
        programs = [{"id": f"p{i}", "title": f"取組{i}", "fiscal_year": fiscal_year, "new_item": item,
                     "scenes": SCENES, "tools": ["sheet"]} for i, item in enumerate(ITEMS)]
        programs[0] = {**programs[0], **self.broken.get("program", {})}
        return programs

    @hookimpl
    def zaitaku_tools(self, city):
        return [{"id": "sheet", "name": "入院時情報提供シート", "kind": "form"}]

    @hookimpl
    def zaitaku_handoff_rules(self, city):
        return [{"id": "admission", "title": "入院時の連絡", "scene": "admission_discharge", "event": "admission",
                 "who": "first_to_learn", "contact_from": ["care_manager", "hospital"],
                 "contact_to": ["care_manager", "hospital"], "deadline": {"kind": "calendar_days", "days": 3},
                 "tools": self.broken.get("rule_tools", ["sheet"]), "basis": "city", "binding": False}]
"""


def run(pytester: pytest.Pytester, body: str) -> pytest.RunResult:
    pytester.makepyfile(demo_plugin=PLUGIN, test_demo=f"from demo_plugin import Plugin, PluginConformance\n\n{body}")
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:xdist", "-rs")


def test_a_good_plugin_passes_and_an_opt_out_shows_as_a_skip_with_its_reason(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        "class TestDemo(PluginConformance):\n"
        "    plugin_object = Plugin()\n"
        "    opt_out = {'test_report_renders_in_every_format': 'checked by the vendor'}\n",
    )
    # test_metadata skips: an object in a test is not an installed distribution.
    result.assert_outcomes(passed=13, skipped=2)
    result.stdout.fnmatch_lines(["*opted out by TestDemo.opt_out: checked by the vendor*"])


def test_an_unknown_tool_fails_with_the_plugin_city_and_record(pytester: pytest.Pytester) -> None:
    result = run(pytester, "class TestDemo(PluginConformance):\n    plugin_object = Plugin(rule_tools=['nope'])\n")
    result.assert_outcomes(passed=12, failed=2, skipped=1)  # references and the validation catalogue (ZK008)
    result.stdout.fnmatch_lines(
        [
            "*unresolved references*",
            "*demo FY2024 ZK009 handoff_rules?admission?.tools: admission refers to the tool 'nope'*",
        ]
    )


@pytest.mark.parametrize(
    ("scope", "says"),
    [
        ("city", ["*a check declared scope='city' depends on the fiscal year*", "*demo FY2025: DM001*"]),
        ("programs", ["*a check declared scope='programs' depends on the fiscal year*", "*demo FY2024: DM001*FY2025"]),
    ],
)
def test_a_city_or_programs_check_that_reads_the_fiscal_year_fails(
    pytester: pytest.Pytester, scope: str, says: list[str]
) -> None:
    result = run(
        pytester,
        "from zaitaku_core.model import Severity\n"
        "from zaitaku_core.plugins import hookimpl\n"
        "from zaitaku_core.validation import check\n"
        "\n"
        f"@check('DM001', Severity.INFO, '年度で変わる', 'changes with the year', scope={scope!r})\n"
        "def by_year(self, plan):\n"
        "    if plan.fiscal_year == 2025:\n"
        "        yield self.finding(plan, '2025年度', 'FY2025')\n"
        "\n"
        "class TwoYears(Plugin):\n"
        "    @hookimpl\n"
        "    def zaitaku_cities(self):\n"
        "        return [{'id': 'demo', 'fiscal_years': [2024, 2025],\n"
        "                 'municipality': {'code': '012041', 'name': '旭川市', 'prefecture': '北海道'}}]\n"
        "\n"
        "    @hookimpl\n"
        "    def zaitaku_validation_checks(self):\n"
        "        return [by_year]\n"
        "\n"
        "class TestDemo(PluginConformance):\n"
        "    plugin_object = TwoYears()\n",
    )
    result.assert_outcomes(passed=13, failed=1, skipped=1)
    result.stdout.fnmatch_lines(says)


def test_invalid_data_fails_naming_the_hook_and_the_field(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        "class TestDemo(PluginConformance):\n    plugin_object = Plugin(program={'old_item': 'ケ'})\n",
    )
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*invalid hook results*", "*zaitaku_programs*", "*old_item*"])


def test_a_program_without_a_scene_must_say_why(pytester: pytest.Pytester) -> None:
    """The scene-tagging rule: no scene tag is allowed only with the reason (特定の場面に限らない)."""
    body = (
        "class TestSilent(PluginConformance):\n    plugin_object = Plugin(program={'scenes': []})\n\n"
        "WHY = {'scenes': {'reason': '特定の場面に限らない：評価'}}\n\n"
        "class TestSaysWhy(PluginConformance):\n"
        "    plugin_object = Plugin(program={'scenes': [], 'provenance': WHY})\n"
    )
    result = run(pytester, body)
    result.assert_outcomes(passed=27, failed=1, skipped=2)  # the silent one fails that check only
    result.stdout.fnmatch_lines(
        ["*TestSilent.test_programs_follow_the_scene_tagging_rule*", "*demo FY2024 p0: no scene tag and no*"]
    )


def test_a_misspelt_opt_out_is_an_error_not_a_silent_pass(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        "class TestDemo(PluginConformance):\n"
        "    plugin_object = Plugin()\n"
        "    opt_out = {'test_report_render': 'typo'}\n",
    )
    result.stdout.fnmatch_lines(["*opt_out names no check of the suite: ?'test_report_render'?; checks are*"])
    assert result.ret != 0


def test_a_class_naming_no_plugin_fails_clearly(pytester: pytest.Pytester) -> None:
    result = run(pytester, "class TestDemo(PluginConformance):\n    pass\n")
    result.stdout.fnmatch_lines(["*TestDemo: set `plugin` (entry-point name) or `plugin_object`*"])
