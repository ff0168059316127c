"""Reports: golden files per format, XLSX read back, HTML sections, injection, determinism, the CLI.

Regenerate the golden files after an intended change with ``ZAITAKU_UPDATE_GOLDEN=1 pytest tests/test_report.py``
and review the diff.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict
from sample_plugins import ReportFixturePlugin

from zaitaku_core import hookimpl
from zaitaku_core._prevalidated import assembler
from zaitaku_core.checks import Check, check
from zaitaku_core.cli import cli, main
from zaitaku_core.cli.common import current_umask
from zaitaku_core.errors import InputError
from zaitaku_core.model import Finding, Plan, Severity
from zaitaku_core.plugins import Registry, create_registry
from zaitaku_core.report import (
    FORMATS,
    SCHEMA_VERSION,
    IndicatorStatus,
    Report,
    build_report,
    build_reports,
    compare_cities,
    neutralize,
    render,
    report_json_schema,
)
from zaitaku_core.report.model import Bar, Chart
from zaitaku_core.validation import program_findings, run_checks

GOLDEN = Path(__file__).parent / "golden"
HAVE_PDF = importlib.util.find_spec("weasyprint") is not None
SECTIONS = ["about", "overview", "coverage", "programs", "tools", "handoff", "indicators", "provenance", "findings"]


@pytest.fixture
def registry() -> Registry:
    return create_registry(entry_points=False, plugins=[("fixture", ReportFixturePlugin())])


@pytest.fixture
def report(registry: Registry) -> Report:
    return build_report(registry, "fixture", 2024)


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv"])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_golden(registry: Registry, fmt: str, lang: str) -> None:
    data = render(build_report(registry, "fixture", 2024, lang=lang), fmt)  # type: ignore[arg-type]
    path = GOLDEN / f"fixture-2024-{lang}.{fmt}"
    if os.environ.get("ZAITAKU_UPDATE_GOLDEN"):
        path.write_bytes(data)
    if fmt == "json":  # one line of JSON: compare the documents first, so a failure shows which field differs
        assert json.loads(data) == json.loads(path.read_bytes())
    assert data == path.read_bytes(), f"{path.name} differs; regenerate with ZAITAKU_UPDATE_GOLDEN=1 and review"


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pdf" or HAVE_PDF])
def test_deterministic(registry: Registry, fmt: str) -> None:
    first = render(build_report(registry, "fixture", 2024), fmt)
    second = render(
        build_report(create_registry(entry_points=False, plugins=[ReportFixturePlugin()]), "fixture", 2024), fmt
    )
    assert first == second


def test_build_reports_gives_build_report_per_year_and_shares_city_sections(registry: Registry) -> None:
    reports = list(build_reports(registry, "fixture", (2024, "令和7年度"), lang="en", allow_undeclared=True))
    assert [r.fiscal_year for r in reports] == [2024, 2025]
    for built in reports:
        assert built == build_report(
            registry, "fixture", cast(int, built.fiscal_year), lang="en", allow_undeclared=True
        )
    first, second = ({s.id: s for s in r.sections} for r in reports)
    assert first["indicators"] is second["indicators"] and first["handoff"] is second["handoff"]
    # The fixture's programs are the same in both years: the sections made of them are made once.
    assert all(first[key] is second[key] for key in ("overview", "coverage", "programs", "tools", "provenance"))
    assert first["about"] is second["about"]  # made of the city and the plan period, the same in both years
    assert first["findings"] is not second["findings"]
    assert [r.fiscal_year for r in build_reports(registry, "fixture")] == [2024]  # the declared years


class _ChangedIn2025(ReportFixturePlugin):
    """The fixture city, one of whose programs has another title and scene in 2025."""

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]] | None:
        programs = super().zaitaku_programs(city, fiscal_year)
        if programs and fiscal_year == 2025:
            programs[0] = {**programs[0], "title": "変更した取組", "scenes": ["emergency"]}
        return programs


def test_build_reports_makes_program_sections_anew_when_a_program_changes() -> None:
    registry = create_registry(entry_points=False, plugins=[("fixture", _ChangedIn2025())])
    reports = list(build_reports(registry, "fixture", (2024, 2025, 2026), allow_undeclared=True))
    for built in reports:
        assert built == build_report(registry, "fixture", cast(int, built.fiscal_year), allow_undeclared=True)
        assert render(built, "json") == render(
            build_report(registry, "fixture", cast(int, built.fiscal_year), allow_undeclared=True), "json"
        )
    first, second, third = ({s.id: s for s in r.sections} for r in reports)
    assert (
        "変更した取組" in render(reports[1], "json").decode()
        and "変更した取組" not in render(reports[0], "json").decode()
    )
    for key in ("overview", "coverage", "programs", "provenance"):
        assert first[key] is not second[key] and second[key] is not third[key], key


class _CountedCheck:
    """A plugin check of scope "programs" that notes the fiscal year of each plan it runs on."""

    def __init__(self) -> None:
        self.years: list[int] = []

    @hookimpl
    def zaitaku_validation_checks(self) -> list[Check]:
        @check("XC001", Severity.INFO, "数える", "counts", scope="programs")
        def counted(found: Check, plan: Plan) -> Iterator[Finding]:
            self.years.append(plan.fiscal_year)
            yield found.finding(plan, "取組を数えた。", "Programs counted.", field="programs")

        return [counted]


@pytest.mark.parametrize(("plugin", "runs"), [(ReportFixturePlugin, [2024]), (_ChangedIn2025, [2024, 2025, 2026])])
def test_build_reports_runs_program_checks_again_only_when_programs_change(
    plugin: type[ReportFixturePlugin], runs: list[int]
) -> None:
    counter = _CountedCheck()
    registry = create_registry(entry_points=False, plugins=[("fixture", plugin()), ("counted", counter)])
    reports = list(build_reports(registry, "fixture", (2024, 2025, 2026), allow_undeclared=True))
    assert counter.years == runs
    assert all("XC001" in render(built, "json").decode() for built in reports)
    first, later = registry.plan("fixture", 2024), registry.plan("fixture", 2026, allow_undeclared=True)
    checks = registry.checks()
    found = run_checks(later, checks, program_findings=program_findings(first, checks))
    assert found == run_checks(later, checks)  # the reused finding carries the later year
    assert [f.fiscal_year for f in found if f.code == "XC001"] == [2026]


def test_plan_indicator_values_in_order(registry: Registry) -> None:
    plan = registry.plan("fixture", 2024)
    expected = [(i.id, n, v) for i in plan.indicators for n, v in enumerate(i.values)]
    assert [(i.id, n, v) for i, n, v in plan.indicator_values] == expected
    assert len(expected) > 3 and plan.indicator_values is plan.indicator_values  # computed once


def test_sections_and_statuses(report: Report) -> None:
    assert [s.id for s in report.sections] == SECTIONS
    indicators = {s.id: s for s in report.sections}["indicators"].tables[0]
    statuses = [row[8] for row in indicators.rows]
    assert statuses == [
        IndicatorStatus.CANCELLED.ja,
        "途中集計（2024-09-30現在）",
        IndicatorStatus.PROVISIONAL.ja,
        IndicatorStatus.ON_TRACK.ja,
        IndicatorStatus.BEHIND.ja,
    ]
    ratios = [row[7] for row in indicators.rows]
    assert ratios == [None, None, None, 120.0, 70.0]  # provisional and partial values are never judged
    overview = {s.id: s for s in report.sections}["overview"].tables[0]
    assert ("イ 対応策の実施", "", "旧ク（新区分なし）", "ク", 1, "広域連携") in overview.rows
    assert overview.rows[0][:5] == (
        "ア 現状分析・課題抽出・施策立案",
        "ア(ア)",
        "地域の医療・介護の資源の把握",
        "ア",
        1,
    )


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.tags: set[str] = set()
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "section" and values.get("id"):
            self.ids.append(str(values["id"]))
        for key in ("src", "href"):
            if values.get(key) and not str(values[key]).startswith("#"):
                self.external.append(str(values[key]))


def test_html_is_self_contained_and_has_every_section(report: Report) -> None:
    page = render(report, "html").decode()
    parser = _Collector()
    parser.feed(page)
    assert parser.ids == SECTIONS
    assert parser.external == [] and "script" not in parser.tags
    assert "svg" in parser.tags and "@media print" in page
    assert "=HYPERLINK(&quot;http://example.invalid&quot;)" in page  # escaped, shown as text


def test_csv_and_xlsx_neutralise_formulas(report: Report) -> None:
    text = render(report, "csv").decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert '\'=HYPERLINK("http://example.invalid")' in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))
    values = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert '\'=HYPERLINK("http://example.invalid")' in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "@")) for v in values)


#: Texts a spreadsheet reads as a formula: ASCII and full-width starts, after half- and full-width spaces.
FORMULA_TEXTS = (
    *("=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1"),
    *("＝1+2", "＋1", "－1", "＠cmd", "  =1+2", "\u3000＝1"),
)
_TEXT_KEYS = {"title", "name", "overview", "direction", "text", "description", "item_label", "phase_label", "reason"}


def _prefixed(value: Any, texts: Iterator[str], key: str = "") -> Any:
    """``value`` with a formula text put before every free text it holds (names, titles, notes …)."""
    if isinstance(value, dict):
        return {k: _prefixed(v, texts, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_prefixed(v, texts, key) for v in value]
    return next(texts) + value if isinstance(value, str) and key in _TEXT_KEYS else value


def test_cli_csv_and_xlsx_neutralise_full_width_and_indented_formulas(tmp_path: Path) -> None:
    """A city folder whose every name, title, note and 今後の方針 starts with a formula, full-width or after
    spaces included: no CSV or XLSX cell of its report starts with one unless an apostrophe comes first."""
    import itertools
    import tomllib

    import tomli_w

    folder = tmp_path / "city"
    folder.mkdir()
    texts = itertools.cycle(FORMULA_TEXTS)
    for source in (Path(__file__).parent.parent / "plugins/asahikawa/src/zaitaku_asahikawa/data").glob("*.toml"):
        data = tomllib.loads(source.read_text(encoding="utf-8"))
        if source.name == "city.toml":
            data["city"]["id"], data["city"]["municipality"]["code"] = "kushiro", "012068"
        if source.name == "programs.toml":
            data["programs"][0]["direction"] = "継続する"
        (folder / source.name).write_text(tomli_w.dumps(_prefixed(data, texts)), encoding="utf-8")
    risky = tuple("=+-@\t\r＝＋－＠")
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"r.{fmt}"
        assert main(["--data-dir", str(folder), "report", "kushiro", "--fy", "2024", "-o", str(out)]) == 0
        if fmt == "csv":
            cells = [c for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))) for c in row]
        else:
            openpyxl = pytest.importorskip("openpyxl")
            book = openpyxl.load_workbook(out)
            cells = [c for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        texts_seen = [c for c in cells if isinstance(c, str)]
        assert any(c.startswith("'\u3000＝1") for c in texts_seen) and any(c.startswith("'  =1+2") for c in texts_seen)
        assert any("継続する" in c for c in texts_seen)  # 今後の方針 is exported
        assert [c for c in texts_seen if c.lstrip(" \u3000").startswith(risky)] == [], fmt


def test_cli_a_very_long_text_gets_a_fixed_table_layout(tmp_path: Path) -> None:
    """A 3,000-character 取組の概要: the tables holding it are laid out fixed (an automatic layout measures the
    text at every break, in time growing with its length squared: 18 s of CPU to print it, minutes at
    6,000), the others stay automatic, and the text is printed whole."""
    import re
    import shutil

    folder = tmp_path / "city"
    shutil.copytree(Path(__file__).parent.parent / "plugins/asahikawa/src/zaitaku_asahikawa/data", folder)
    city = (folder / "city.toml").read_text(encoding="utf-8")
    city = city.replace('id = "asahikawa"', 'id = "kushiro"', 1).replace('code = "012041"', 'code = "012068"', 1)
    (folder / "city.toml").write_text(city, encoding="utf-8")
    long = ("地域の医療機関、介護事業所等の住所、機能等を把握し、" * 120)[:3000]
    programs = (folder / "programs.toml").read_text(encoding="utf-8")
    programs = re.sub(r'overview = "[^"]*"', f'overview = "{long}"', programs, count=1)
    (folder / "programs.toml").write_text(programs, encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["--data-dir", str(folder), "report", "kushiro", "--fy", "2024", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    tables = re.findall(r"<table class=\"data\".*?</table>", page, re.DOTALL)
    fixed = [t for t in tables if 'style="table-layout: fixed"' in t]
    assert fixed and all(long in t for t in fixed)
    assert all(long not in t for t in tables if t not in fixed) and len(fixed) < len(tables)
    for table in fixed:  # one column width per column shown
        colgroup, head = table.split("</colgroup>")[0], table.split("</thead>")[0]
        assert len(re.findall(r"<col[ >]", colgroup)) == len(re.findall(r"<th[ >]", head)) > 0


def test_neutralize() -> None:
    assert neutralize("+81") == "'+81" and neutralize("@SUM") == "'@SUM" and neutralize("\tx") == "'\tx"
    assert neutralize("通年") == "通年" and neutralize(3.5) == 3.5 and neutralize(None) is None


def test_json_schema_is_documented(report: Report) -> None:
    document = json.loads(render(report, "json"))
    assert document["schema_version"] == SCHEMA_VERSION == 2 and document["kind"] == "plan"
    schema = report_json_schema()
    assert set(schema["required"]) >= {"kind", "lang", "title", "cities", "generator"}


def test_unknown_format(report: Report) -> None:
    with pytest.raises(ValueError, match="unknown report format 'docx'") as caught:
        render(report, "docx")
    assert isinstance(caught.value, InputError)
    assert caught.value.describe("ja").startswith("入力値が正しくありません: 報告書の形式 'docx' はありません")


def test_english(registry: Registry) -> None:
    report = build_report(registry, "fixture", 2024, lang="en")
    assert report.title.endswith("FY2024")
    assert [s.title for s in report.sections[:2]] == ["About the plan", "Overview by national item"]


def test_compare(registry: Registry) -> None:
    registry.register(__import__("sample_plugins").SamplePlugin(), name="sample")
    report = compare_cities(registry, ["fixture", "sample"], 2024)
    counts = {row[0]: row[1:] for row in {s.id: s for s in report.sections}["counts"].tables[0].rows}
    assert counts["取組数"] == (3, 2) and counts["ツール数"] == (2, 1) and counts["連携ルール数"] == (1, 0)
    items = {row[0]: row[2:] for row in report.sections[0].tables[0].rows}
    assert items["ア(ア)"] == (1, 1) and items["イ(ア)"] == (0, 1)


def test_charts_made_without_validation_are_what_validation_gives(registry: Registry) -> None:
    """The bars and charts are made from validated values, not validated again: each must equal the one
    validated from its own fields, field types included (a whole-number plan is the float 3.0)."""
    registry.register(__import__("sample_plugins").SamplePlugin(), name="sample")
    reports = [*build_reports(registry, "fixture", lang="en"), compare_cities(registry, ["fixture", "sample"], 2024)]
    charts = [chart for report in reports for section in report.sections for chart in section.charts]
    assert charts and any(bar.as_of for chart in charts for bar in chart.bars)
    for chart in charts:
        again = Chart.model_validate(chart.model_dump())
        assert again == chart and again.model_dump_json() == chart.model_dump_json()
        for bar, validated in zip(chart.bars, again.bars, strict=True):
            assert type(bar) is Bar is type(validated)
            assert [type(v) for v in bar] == [type(v) for v in validated]


def test_assembler_refuses_models_it_cannot_make() -> None:
    class Loose(BaseModel):
        value: int = 0

    class Frozen(BaseModel):
        model_config = ConfigDict(frozen=True, extra="allow")

    for model in (Loose, Frozen):
        with pytest.raises(TypeError, match="cannot be assembled"):
            assembler(model)
    assert assembler(Chart)({**Chart(id="x", title="x").__dict__}) == Chart(id="x", title="x")


def test_cli_writes_atomically_and_infers_the_format(registry: Registry, tmp_path: Path) -> None:
    runner = CliRunner()
    for fmt in FORMATS:
        if fmt == "pdf" and not HAVE_PDF:
            continue
        out = tmp_path / f"r.{fmt}"
        result = runner.invoke(cli, ["report", "fixture", "--fy", "R6", "-o", str(out)], obj=registry)
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == render(build_report(registry, "fixture", 2024), fmt)
    written = [f"r.{f}" for f in FORMATS if f != "pdf" or HAVE_PDF]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(written)  # no temp files left
    # Readable as any file the user creates (not the 0600 of a temporary file); a file's mode is kept.
    assert (tmp_path / "r.html").stat().st_mode & 0o777 == 0o666 & ~current_umask()
    (tmp_path / "r.md").chmod(0o640)
    runner.invoke(cli, ["report", "fixture", "--fy", "R6", "-o", str(tmp_path / "r.md")], obj=registry)
    assert (tmp_path / "r.md").stat().st_mode & 0o777 == 0o640
    result = runner.invoke(cli, ["report", "fixture", "--fy", "2024", "-o", str(tmp_path / "r.docx")], obj=registry)
    assert result.exit_code != 0 and "--format を指定してください" in result.output
    result = runner.invoke(cli, ["compare", "fixture", "--lang", "en"], obj=registry)
    assert result.exit_code == 0 and "Counts" in result.output


def test_cli_dash_output_is_standard_output(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``-o -`` writes the report to standard output, as Unix tools do, never to a file named ``-``."""
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    for command in (["report", "fixture", "--fy", "R6"], ["compare", "fixture", "--fy", "R6"]):
        result = runner.invoke(cli, [*command, "--format", "csv", "-o", "-"], obj=registry)
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes.startswith("\ufeff#,".encode()) and list(tmp_path.iterdir()) == []
    expected = render(build_report(registry, "fixture", 2024), "json")
    result = runner.invoke(cli, ["report", "fixture", "--fy", "R6", "--format", "json", "-o", "-"], obj=registry)
    assert result.stdout_bytes == expected


def test_cli_validate_exit_codes(registry: Registry) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", "fixture", "--format", "json"], obj=registry)
    found = json.loads(result.output)
    assert sorted({f["code"] for f in found}) == ["ZK002", "ZK003"]  # required items and scenes not covered
    assert result.exit_code == 0  # warnings only
    result = runner.invoke(cli, ["validate", "fixture", "--strict"], obj=registry)
    assert result.exit_code == 1


def test_json_written_in_parts_is_the_report_serialised_whole() -> None:
    """The JSON joins the report's fields and its sections serialised apart (a shared section once)."""
    registry = create_registry(entry_points=False, plugins=[("fixture", _ChangedIn2025())])
    for lang in ("ja", "en"):
        for built in build_reports(registry, "fixture", (2024, 2025, 2026), lang=lang, allow_undeclared=True):
            whole = built.__pydantic_serializer__.to_json(built) + b"\n"
            assert render(built, "json") == whole
            assert render(built, "json") == whole  # again, from the sections' JSON already written
    bare = built.model_copy(update={"sections": ()})
    assert render(bare, "json") == bare.__pydantic_serializer__.to_json(bare) + b"\n"


@pytest.mark.parametrize(("lang", "field"), [("ja", "[項目 '表題']"), ("en", "[field 'Title']")])
def test_cli_xlsx_a_title_over_excels_limit_is_named_in_the_reports_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: str, field: str
) -> None:
    """A city name past Excel's 32,767 characters makes the cover's title too long: the error names the field
    with the report's own word (表題), never the English "title" in a Japanese run; nothing is written."""
    import re
    import shutil

    folder = tmp_path / "city"
    shutil.copytree(Path(__file__).parent.parent / "plugins/asahikawa/src/zaitaku_asahikawa/data", folder)
    city = (folder / "city.toml").read_text(encoding="utf-8")
    city = city.replace('id = "asahikawa"', 'id = "kushiro"', 1).replace('code = "012041"', 'code = "012068"', 1)
    city = re.sub(r'^name = ".*"$', 'name = "' + "長" * 40_000 + '"', city, count=1, flags=re.M)
    city = re.sub(r'^name_en = ".*"$', 'name_en = "' + "L" * 40_000 + '"', city, count=1, flags=re.M)
    (folder / "city.toml").write_text(city, encoding="utf-8")
    out = tmp_path / "r.xlsx"
    args = ["--lang", lang, "--data-dir", str(folder), "report", "kushiro", "--fy", "2024", "-o", str(out)]
    assert main(args) == 1 and not out.exists()
    error = capsys.readouterr().err
    assert field in error and "'title'" not in error, error
