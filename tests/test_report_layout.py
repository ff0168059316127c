"""Report presentation: the title block, ids and empty columns, chart marks in the JSON, Markdown and terminal
safety, the XLSX a staffer works in, PDF output and its missing-dependency error, compare's charts.

The page as printed (A4, page 1, rows across pages, glyphs) is measured in tests/test_report_browser.py.
"""

from __future__ import annotations

import builtins
import importlib.util
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from sample_plugins import ReportFixturePlugin, SamplePlugin
from test_cli_help import JAPANESE

from zaitaku_core.cli import cli, main
from zaitaku_core.cli.terminal import terminal_safe
from zaitaku_core.errors import ExportLimitError, MissingDependencyError
from zaitaku_core.plugins import Registry, create_registry
from zaitaku_core.report import Report, Section, Table, build_report, compare_cities, render
from zaitaku_core.report.model import Bar

HAVE_PDF = importlib.util.find_spec("weasyprint") is not None


@pytest.fixture
def registry() -> Registry:
    return create_registry(entry_points=False, plugins=[("fixture", ReportFixturePlugin())])


@pytest.fixture
def report(registry: Registry) -> Report:
    return build_report(registry, "fixture", 2024)


def test_title_block_names_city_year_period_and_date(registry: Registry) -> None:
    derived = build_report(registry, "fixture", 2024)
    assert (derived.city_name, derived.municipality_code) == ("徳島市", "362018")
    assert derived.issued == date(2024, 9, 30) and derived.issued_from == "data"  # the latest date in the data
    page = render(derived, "html").decode()
    assert "令和6年度（2024年4月1日〜2025年3月31日）・第9期" in page
    assert "2024年9月30日（データ中の最新の日付）" in page
    given = build_report(registry, "fixture", 2024, issued=date(2025, 1, 20))
    assert given.issued_from == "given" and "作成日</th><td>2025年1月20日</td>" in render(given, "html").decode()
    assert '@bottom-left { content: "作成日 2025年1月20日"' in render(given, "html").decode()  # in the page foot
    assert "@page { size: A4 portrait" in page and "counter(pages)" in page and "@page wide" in page


def test_ids_are_hidden_unless_asked_and_empty_columns_dropped(report: Report) -> None:
    page = render(report, "html").decode()
    assert ">ID</th>" not in page and ">p1<" not in page
    assert ">ID</th>" in render(report, "html", show_ids=True).decode()
    markdown = render(report, "md").decode()
    assert "| ID |" not in markdown and "| ID |" in render(report, "md", show_ids=True).decode()
    # the findings have no program or field in this fixture: those columns are left out, not drawn empty
    assert "<th>項目</th>" not in page
    # data formats keep every column
    assert "p1" in render(report, "csv").decode("utf-8-sig")


def test_wide_tables_get_a_landscape_page(registry: Registry) -> None:
    page = render(build_report(create_registry(), "tokushima", 2024), "html").decode()
    assert '<section id="programs" class="wide">' in page
    assert '<section id="overview">' in page  # the first section stays on page 1, in portrait


def test_chart_bars_carry_status_as_of_and_frequency_in_json(report: Report) -> None:
    document = json.loads(render(report, "json"))
    (indicators,) = [s for s in document["sections"] if s["id"] == "indicators"]
    charts = {c["id"]: c for c in indicators["charts"]}
    lectures = charts["trend-lectures"]
    assert lectures["unit"] == "回" and "講座の開催回数" in lectures["title"]
    # A bar is an array of Bar's fields in order (schema version 2).
    bars = [dict(zip(Bar._fields, b, strict=True)) for b in lectures["bars"]]
    marks = [(b["label"], b["group"], b["actual_status"], b["as_of"], b["plan_text"]) for b in bars]
    assert marks == [
        ("令和5年度", "第8期", "cancelled", None, None),
        ("令和6年度", "第9期", "partial", "2024-09-30", None),
        ("令和7年度", "第9期", "provisional", None, "年1回"),
    ]


def test_frequency_only_indicators_are_not_charted_but_named() -> None:
    built = build_report(create_registry(), "tokushima", 2024)
    (indicators,) = [s for s in built.sections if s.id == "indicators"]
    assert indicators.charts == ()  # targets of 年1回 and no actual: nothing a chart could add
    assert indicators.text is not None and "年1回" in indicators.text and "グラフにしていません" in indicators.text


def test_svg_marks_each_status_distinctly(report: Report) -> None:
    svg = render(report, "html").decode()
    assert 'fill="url(#hatch-trend-lectures)"' in svg  # provisional
    assert 'stroke-dasharray="3 2"' in svg and "2024-09-30現在" in svg  # partial, with its as-of date
    assert "中止" in svg and "#c0392b" in svg  # cancelled: a cross, never a bar
    assert ">年1回<" in svg  # a frequency target: its words beside a mark
    assert "（回）" in svg  # the axis names its unit


def _hostile() -> Report:
    rows: tuple[tuple[Any, ...], ...] = tuple(
        (f"行{n}\r続き", "<b>太字</b> & <script>x</script>", "a|b\\|c") for n in range(26)
    )
    return Report(
        kind="plan",
        lang="ja",
        title="徳島市\n# 見出し <img src=x>",
        cities=("x",),
        generator="g",
        sections=(
            Section(
                id="s",
                title="節\r\n## 偽の見出し",
                text="一行目\n# 見出しではない\n- 箇条書きではない",
                tables=(Table(id="t", title="表", columns=("a", "b", "c"), rows=rows),),
            ),
        ),
    )


def test_markdown_escapes_cr_raw_html_and_heading_newlines() -> None:
    parser = MarkdownIt("commonmark").enable("table")
    source = render(_hostile(), "md").decode()
    tokens = parser.parse(source)
    headings = [t for t in tokens if t.type == "heading_open"]
    assert [t.tag for t in headings] == ["h1", "h2", "h3"]  # no heading smuggled in by a newline
    assert sum(t.type == "tr_open" for t in tokens) == 27  # 26 rows and the header: a CR breaks none
    assert sum(t.type == "bullet_list_open" for t in tokens) == 1  # the title block's; none from the text
    page = parser.render(source)
    assert "<b>" not in page and "<script>" not in page and "<img" not in page  # raw HTML shown as text
    assert "<td>&lt;b&gt;太字&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt;</td>" in page
    assert "<td>a|b\\|c</td>" in page  # pipes and backslashes as written
    assert "<p>一行目<br>\n# 見出しではない<br>\n- 箇条書きではない</p>" in page


def test_a_citys_text_in_a_markdown_report_is_never_a_link_an_image_or_emphasis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``zaitaku report -o r.md`` shows a city's text as written: a ``[..](javascript:..)`` link, an image
    from an outside address (a tracking pixel wherever the file is rendered), ``*emphasis*``, ``_x_``,
    backticks and ``~~strike~~`` were passed through as Markdown and rendered as such."""
    from zaitaku_core.cli import main

    scaffold = ["new-city", "kushiro", "--code", "012068", "--name", "釧路市", "--folder", "--dir", str(tmp_path)]
    assert main(scaffold) == 0
    folder = tmp_path / "kushiro"
    hostile = "[詳細](javascript:alert(1)) ![](http://example.invalid/p.png) *重要* _注_ `code` ~~削除~~"
    programs = (folder / "programs.toml").read_text(encoding="utf-8")
    programs = programs.replace("（この取組の内容を記入してください）", hostile, 1)
    (folder / "programs.toml").write_text(programs, encoding="utf-8")
    out = tmp_path / "r.md"
    assert main(["--data-dir", str(folder), "report", "kushiro", "--fy", "2024", "-o", str(out)]) == 0
    page = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(out.read_text(encoding="utf-8"))
    for tag in ("<a ", "<img", "<em>", "<strong>", "<code>", "<s>"):
        assert tag not in page, tag
    assert "[詳細](javascript:alert(1)) ![](http://example.invalid/p.png) *重要* _注_ `code` ~~削除~~" in page


def test_terminal_output_has_no_control_or_bidi_characters() -> None:
    assert terminal_safe("旭川市\x1b[31m\u202e計画\u2066\x07\r\n") == "旭川市[31m計画\n"
    assert terminal_safe("\t改行\n") == "\t改行\n"


def test_validate_text_is_terminal_safe(registry: Registry) -> None:
    result = CliRunner().invoke(cli, ["validate", "fixture"], obj=registry)
    assert not any(ch in result.output for ch in "\x1b\u202e\r")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_binary_report_to_a_terminal_is_refused(monkeypatch: pytest.MonkeyPatch, registry: Registry, lang: str) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    import click

    from zaitaku_core.cli.report import _emit_report

    with pytest.raises(click.UsageError, match="-o") as raised:
        _emit_report(b"PK\x03\x04", "xlsx", None, lang)
    assert JAPANESE.search(raised.value.message) if lang == "ja" else raised.value.message.isascii()


def test_xlsx_a_staffer_can_work_in(registry: Registry, report: Report) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(render(report, "xlsx")))
    assert book.sheetnames[:4] == ["表紙", "計画の概要", "取組項目別の概要", "取組項目 × 4つの場面"]
    english = openpyxl.load_workbook(io.BytesIO(render(build_report(registry, "fixture", 2024, lang="en"), "xlsx")))
    assert english.sheetnames[:3] == ["Cover", "About the plan", "Overview by national item"]
    sheet = book["指標（計画値と実績値）"]
    assert [c.value for c in sheet[2]][:6] == ["名称", "単位", "指標の種類", "年度", "計画期間", "計画値"]
    assert sheet["G6"].value == 120 and sheet["G6"].number_format == "#,##0"  # numbers stay numbers
    assert sheet["H6"].value == pytest.approx(1.2) and sheet["H6"].number_format == "0.0%"
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:M7"  # with description, programs, sources
    assert sheet.print_title_rows == "$2:$2" and sheet.page_setup.paperSize == 9
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0  # width 1 page
    assert sheet["A3"].font.name == "游ゴシック"
    city = openpyxl.load_workbook(io.BytesIO(render(build_report(create_registry(), "tokushima", 2024), "xlsx")))
    programs = city["取組と実施主体"]
    longest = max((c for row in programs.iter_rows(min_row=3) for c in row), key=lambda c: len(str(c.value or "")))
    assert len(longest.value) > 60 and longest.alignment.wrap_text  # long text wraps
    (width,) = [d.width for d in programs.column_dimensions.values() if d.min <= longest.column <= d.max]
    assert width >= 40  # widths from the content, not from the header
    assert programs.page_setup.orientation == "landscape"


def test_xlsx_cell_over_excels_limit_is_an_error_naming_the_field(report: Report) -> None:
    long = "長" * 40_000
    table = Table(id="t", title="取組", columns=("名称", "取組内容"), rows=(("a", long),))
    huge = report.model_copy(update={"sections": (Section(id="s", title="s", tables=(table,)),)})
    with pytest.raises(ExportLimitError) as caught:
        render(huge, "xlsx")
    assert caught.value.location == {"sheet": "取組", "row": "1", "column": "取組内容"}
    assert "40,000" in str(caught.value) and "32,767" in str(caught.value)
    assert caught.value.describe("ja").endswith("[シート '取組'] [行 '1'] [列 '取組内容']")
    headed = Table(id="t", title="取組", columns=("名称", long), rows=(("a", "b"),))
    with pytest.raises(ExportLimitError) as caught:
        render(report.model_copy(update={"sections": (Section(id="s", title="s", tables=(headed,)),)}), "xlsx")
    assert caught.value.location == {"sheet": "取組", "field": "列2の見出し"}  # the report's language, not "header"


@pytest.mark.skipif(not HAVE_PDF, reason="WeasyPrint is not installed (pip install 'zaitaku-core[pdf]')")
def test_pdf_is_a4_deterministic_with_fonts_embedded(report: Report, tmp_path: Path) -> None:
    data = render(report, "pdf")
    assert data.startswith(b"%PDF") and data == render(report, "pdf")
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    if sys.platform.startswith("linux") and subprocess.run(["which", "pdfinfo"], capture_output=True).returncode == 0:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert "(A4)" in info
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        assert "CJK" in fonts or "JP" in fonts, fonts  # a Japanese font, embedded


def test_pdf_without_weasyprint_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_import = builtins.__import__

    def no_weasyprint(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    with pytest.raises(MissingDependencyError, match="Pango"):
        render(build_report(registry, "fixture", 2024), "pdf")
    monkeypatch.setattr("zaitaku_core.cli.common.create_registry", lambda **_: registry)
    status = main(["report", "fixture", "--fy", "2024", "-o", str(tmp_path / "r.pdf")])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and "apt-get install libpango" in err and "Traceback" not in err
    assert not (tmp_path / "r.pdf").exists()


def test_compare_has_scene_and_shared_indicator_charts(registry: Registry) -> None:
    registry.register(SamplePlugin(), name="sample")
    built = compare_cities(registry, ["fixture", "sample"], 2024)
    sections = {s.id: s for s in built.sections}
    chart = sections["scenes"].charts[0]
    assert chart.id == "scenes" and chart.series == "取組数" and len(chart.bars) == 8  # 4 scenes × 2 cities
    assert {b.group for b in chart.bars} == {"日常の療養支援", "入退院支援", "急変時の対応", "看取り"}
    assert all("令和6年度" in b.label and b.plan is None for b in chart.bars)
    assert sections["shared_indicators"].charts == () and "共通の指標はありません" in str(
        sections["shared_indicators"].text
    )
    page = render(built, "html").decode()
    assert page.count("<svg") == 1 and "実績値" not in page.split("<svg", 1)[1]  # counts, not actuals
    # a city compared with itself shares every indicator: a chart each, the cities side by side
    shared = {s.id: s for s in compare_cities(registry, ["fixture", "fixture"], 2024).sections}["shared_indicators"]
    assert [c.title for c in shared.charts][:1] == ["講座の開催回数（回）：市町村別"]
    lectures = shared.charts[0]
    assert [(b.label, b.plan, b.actual, b.actual_status, b.as_of) for b in lectures.bars] == [
        ("徳島市（令和6年度）", 2, 1, "partial", date(2024, 9, 30)),
        ("徳島市（令和6年度）", 2, 1, "partial", date(2024, 9, 30)),
    ]


def test_the_sample_pdfs_are_printed_from_todays_report() -> None:
    """docs/howto/samples shows what the report is: the HTML each sample PDF was printed from is today's."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "report_samples.py"
    spec = importlib.util.spec_from_file_location("report_samples", script)
    assert spec is not None and spec.loader is not None
    report_samples = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report_samples)
    recorded = report_samples.SOURCES.read_text(encoding="utf-8")
    assert recorded == report_samples.source_digests(), (
        "the sample PDFs in docs/howto/samples are older than the report: run "
        ".venv/bin/python scripts/report_samples.py (needs the pdf extra and poppler-utils) and commit them"
    )
