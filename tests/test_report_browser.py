"""The HTML report in a real browser, as a city official opens and prints it, and the PDF it is printed to.

Headless Chromium opens the page with the network shut off and takes a screenshot: every chart bar is
drawn at the length its value gives on its chart's scale, and each mark (plan, actual, provisional, partial,
cancelled, a frequency target) is there in a colour of its own, in a city's report and in ``compare``'s
charts. Then it prints the page to PDF, which is measured with poppler (pdfinfo, pdftotext, pdftoppm): every
page A4, page 1 holding the title block and the first table (no blank first page), no table row split across
two pages, and Japanese glyphs drawn (not the boxes a machine without a Japanese font shows). The PDF that
``zaitaku report --format pdf`` writes (WeasyPrint) is measured the same way.

Skipped where no Chromium, poppler or WeasyPrint is installed; `.ci/run` installs Debian's chromium,
fonts-noto-cjk and poppler-utils, and the README's command the pdf extra, so CI runs these.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from sample_plugins import ReportFixturePlugin

from zaitaku_core import hookimpl
from zaitaku_core.cli import cli
from zaitaku_core.codes import calc_check_digit
from zaitaku_core.plugins import create_registry
from zaitaku_core.report import Report, build_report, compare_cities, render

render_module = importlib.import_module("zaitaku_core.report.render")  # the module, not the function

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
POPPLER = all(shutil.which(tool) for tool in ("pdfinfo", "pdftoppm", "pdftotext"))
WEASYPRINT = importlib.util.find_spec("weasyprint") is not None
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt-get install chromium)")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="no poppler here (Debian: apt-get install poppler-utils)")
needs_weasyprint = pytest.mark.skipif(not WEASYPRINT, reason="no WeasyPrint here (pip install 'zaitaku-core[pdf]')")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


PLAN, ACTUAL = _rgb(render_module.PLAN), _rgb(render_module.ACTUAL)
MARKS = {  # the colour only each mark has
    "plan": PLAN,
    "actual": ACTUAL,
    "provisional": _rgb(render_module.PROVISIONAL_INK),
    "partial": _rgb(render_module.PARTIAL_FILL),
    "cancelled": _rgb(render_module.CANCELLED),
    "frequency": _rgb(render_module.TARGET),
}
BAR_HEIGHT, BAR_SPAN = render_module.BAR_HEIGHT, render_module._SPAN  # px
WINDOW_HEIGHT = 19000  # px: taller than the longest page here (Tokushima's, about 16,600 with every field shown)
A4 = (595, 842)  # pt, either way round


def chromium(page: Path, *args: str) -> None:
    """Run headless Chromium on ``page`` with every network request sent to a closed port."""
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            f"--user-data-dir={page.parent / 'profile'}",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            "--force-device-scale-factor=1",
            *args,
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def bars(image: np.ndarray[Any, Any], colour: tuple[int, int, int]) -> list[int]:
    """Lengths in px, top to bottom, of the chart bars of ``colour``: runs of it exactly BAR_HEIGHT rows tall
    (headings' rules and the legend's swatches have other heights)."""
    mask = np.all(image == colour, axis=2)
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    ys, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)  # row-major order: the n-th end closes the n-th start
    runs: dict[int, set[tuple[int, int]]] = {}  # row -> (start, length) of each run of the colour
    for y, start, end in zip(ys.tolist(), starts.tolist(), ends.tolist(), strict=True):
        runs.setdefault(y, set()).add((start, end - start))
    found: list[tuple[int, int]] = []
    for y, row in sorted(runs.items()):
        for run in row:
            if run in runs.get(y - 1, ()):
                continue  # not the top row of its rectangle
            tall = 1
            while run in runs.get(y + tall, ()):
                tall += 1
            if tall == BAR_HEIGHT:
                found.append((y, run[1]))
    return [length for _, length in sorted(found)]


def expected(report: Report, colour: tuple[int, int, int]) -> list[float]:
    """The lengths the report's charts ask for in solid ``colour``, top to bottom (zero draws nothing):
    numeric plans in PLAN, final actuals in ACTUAL, each on its own chart's scale."""
    lengths = []
    for section in report.sections:
        for chart in section.charts:
            top, _step = render_module.chart_scale(chart)
            for bar in chart.bars:
                if colour == PLAN and bar.plan and bar.plan_text is None:
                    lengths.append(BAR_SPAN * bar.plan / top)
                if colour == ACTUAL and bar.actual and bar.actual_status in ("final", None):
                    lengths.append(BAR_SPAN * bar.actual / top)
    return lengths


def fixture_report(lang: str) -> Report:
    registry = create_registry(entry_points=False, plugins=[("fixture", ReportFixturePlugin())])
    return build_report(registry, "fixture", 2024, lang=lang)  # type: ignore[arg-type]


#: How each of the cities compared in ``status_compare`` stands on the indicator they share in FY2024:
#: (target, actual) as IndicatorValue fields, one city for each kind of mark a chart draws.
SHARED_STATUSES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "final": ({"value": 4}, {"value": 3}),
    "provisional": ({"value": 4}, {"value": 2, "status": "provisional"}),
    "partial": ({"value": 4}, {"value": 1, "status": "partial", "as_of": "2024-09-30"}),
    "cancelled": ({"value": 4}, {"status": "cancelled"}),
    "frequency": ({"frequency": "年2回"}, {"value": 2}),
}


class StatusCities:
    """Five cities of 徳島県 sharing one indicator, each with a value of another kind, and programs in
    different care scenes (so that the comparison's scene chart has bars of several lengths)."""

    def __init__(self) -> None:
        self.codes = {kind: f"36{201 + n:03d}" for n, kind in enumerate(SHARED_STATUSES)}

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [
            {
                "id": f"city-{kind}",
                "municipality": {"code": code + calc_check_digit(code), "name": f"{kind}市", "prefecture": "徳島県"},
                "fiscal_years": [2024],
            }
            for kind, code in self.codes.items()
        ]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]] | None:
        scenes = ["日常の療養支援", "入退院支援", "急変時の対応", "看取り"]
        n = list(SHARED_STATUSES).index(city.removeprefix("city-"))
        return [
            {
                "id": f"p{i}",
                "title": f"取組{i}",
                "fiscal_year": fiscal_year,
                "old_item": "ア",
                "scenes": [scenes[i % 4]],
            }
            for i in range(n + 2)
        ]

    @hookimpl
    def zaitaku_indicators(self, city: str) -> list[dict[str, Any]] | None:
        target, actual = SHARED_STATUSES[city.removeprefix("city-")]
        values = [{"fiscal_year": 2024, "kind": "plan", **target}, {"fiscal_year": 2024, "kind": "actual", **actual}]
        return [{"id": "lectures", "name": "講座の開催回数", "unit": "回", "type": "process", "values": values}]


def status_compare() -> Report:
    registry = create_registry(entry_points=False, plugins=[("status-cities", StatusCities())])
    return compare_cities(registry, [f"city-{kind}" for kind in SHARED_STATUSES], 2024)


REPORTS: dict[str, Callable[[], Report]] = {
    "fixture-ja": lambda: fixture_report("ja"),
    "fixture-en": lambda: fixture_report("en"),
    "asahikawa-ja": lambda: build_report(create_registry(), "asahikawa", 2024),
    "tokushima-ja": lambda: build_report(create_registry(), "tokushima", 2024),
    "compare-ja": lambda: compare_cities(create_registry(), ["asahikawa", "tokushima"], 2024),
    "compare-statuses": status_compare,
}


def screenshot(report: Report, name: str, tmp_path: Path, *, css: str = "") -> np.ndarray[Any, Any]:
    page = tmp_path / f"{name}.html"
    page.write_text(render(report, "html").decode().replace("</head>", f"<style>{css}</style></head>"), "utf-8")
    shot = tmp_path / f"{name}.png"
    chromium(page, "--hide-scrollbars", f"--window-size=1000,{WINDOW_HEIGHT}", f"--screenshot={shot}")
    image = np.asarray(Image.open(shot).convert("RGB"))
    blank = np.all(image == 255, axis=(1, 2))
    assert blank[-100:].all(), f"{name}: the page is longer than the screenshot; make the window taller"
    return image


@needs_chromium
@pytest.mark.parametrize("name", REPORTS)
def test_every_bar_is_drawn_to_scale_offline(name: str, tmp_path: Path) -> None:
    report = REPORTS[name]()
    image = screenshot(report, name, tmp_path)
    for colour in (PLAN, ACTUAL):
        want = expected(report, colour)
        got = bars(image, colour)
        assert len(got) == len(want), f"{name}: {len(got)} bars of {colour} drawn, {len(want)} expected"
        for length, value in zip(got, want, strict=True):
            assert abs(length - value) <= 1.5, f"{name}: a bar of {length} px where {value:.1f} px is expected"


@needs_chromium
@pytest.mark.parametrize("name", ["fixture-ja", "compare-statuses"])
def test_each_mark_is_drawn_in_a_colour_of_its_own(name: str, tmp_path: Path) -> None:
    """The fixture's trend chart and the comparison's shared-indicator chart have every kind of value; with
    the legends hidden, each mark's colour is still drawn, and in the comparison each city's bar is in the
    colour of its kind (the bars' lengths are measured by the test above)."""
    assert len(set(MARKS.values())) == len(MARKS)  # distinguishable: no two marks share a colour
    report = REPORTS[name]()
    image = screenshot(report, name, tmp_path, css=".legend { display: none }")
    for mark, colour in MARKS.items():
        pixels = int(np.all(image == colour, axis=2).sum())
        assert pixels > 20, f"{name}: the {mark} mark is not drawn ({pixels} px of {colour})"
    if name == "compare-statuses":
        (chart,) = (c for s in report.sections for c in s.charts if c.id.startswith("shared-"))
        kinds = {bar.label.split("（")[0].removesuffix("市"): bar for bar in chart.bars}
        assert sorted(kinds) == sorted(SHARED_STATUSES), kinds
        for kind, bar in kinds.items():  # the JSON says the same as the picture
            assert bar.actual_status == ("final" if kind == "frequency" else kind)
            assert (bar.plan_text is not None) == (kind == "frequency")


def _print(report: Report, name: str, tmp_path: Path, *, marked_rows: bool = False) -> Path:
    """Chromium's print of the report to PDF; with ``marked_rows`` every table row gets a colour of its own."""
    page = render(report, "html").decode()
    if marked_rows:
        page = _marked_rows(page)
    path = tmp_path / f"{name}.html"
    path.write_text(page, encoding="utf-8")
    pdf = tmp_path / f"{name}.pdf"
    chromium(path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    return pdf


def _marked_rows(page: str) -> str:
    """The HTML ``page`` with every table row in a colour of its own (:func:`_row_colour`)."""
    count = iter(range(1, 1 << 16))
    return re.sub(r"<tr>(?=<td)", lambda _: f'<tr style="background:{_row_colour(next(count))}">', page)


def _row_colour(n: int) -> str:
    return f"#{0xF0 | (n >> 12):02x}{(n >> 4) & 0xFF:02x}{0x0F | ((n & 0xF) << 4):02x}"


def _pages(pdf: Path) -> list[tuple[float, float]]:
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


@needs_chromium
@needs_poppler
@pytest.mark.parametrize("name", ["fixture-ja", "asahikawa-ja", "tokushima-ja"])
def test_prints_on_a4_with_the_title_and_first_table_on_page_1(name: str, tmp_path: Path) -> None:
    report = REPORTS[name]()
    _first_page_checks(report, _print(report, name, tmp_path))


def _rows_by_page(report: Report, pdf: Path, name: str) -> dict[str, int]:
    """The page of every table row of ``report`` in ``pdf`` (printed with :func:`_marked_rows`), by row
    colour; fails naming the row when one is on two pages, and when a row is on none."""
    pages = pdf.parent / f"{pdf.stem}-pages"
    pages.mkdir()
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(pages / "page")], check=True)
    seen: dict[str, int] = {}
    rows = sum(len(t.rows) for s in report.sections for t in s.tables)
    for number, png in enumerate(sorted(pages.glob("page-*.png")), start=1):
        image = np.asarray(Image.open(png).convert("RGB"))
        colours = {f"#{r:02x}{g:02x}{b:02x}" for r, g, b in np.unique(image.reshape(-1, 3), axis=0).tolist()}
        for n in range(1, rows + 1):
            colour = _row_colour(n)
            if colour in colours:
                assert colour not in seen, f"{name}: table row {n} is on pages {seen[colour]} and {number}"
                seen[colour] = number
    assert len(seen) == rows, f"{name}: {len(seen)} of {rows} rows found in the print"
    return seen


def _first_page_checks(report: Report, pdf: Path) -> None:
    """Every page A4, page 1 portrait with the title block, the first table and its page number."""
    pages = _pages(pdf)
    assert pages and all(sorted(round(x) for x in size) == sorted(A4) for size in pages), pages
    assert pages[0][0] < pages[0][1]  # page 1 in portrait
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    first_section = report.sections[0]
    assert report.city_name and report.city_name in first and "作成日" in first
    assert first_section.title in first and first_section.tables[0].columns[-1] in first, "page 1 lacks the table"
    assert re.search(rf"\b1\s*/\s*{len(pages)}\b", first), "no page number in the page foot"


@needs_chromium
@needs_poppler
@pytest.mark.parametrize("name", ["asahikawa-ja", "tokushima-ja"])
def test_no_table_row_is_split_across_pages(name: str, tmp_path: Path) -> None:
    report = REPORTS[name]()
    _rows_by_page(report, _print(report, name, tmp_path, marked_rows=True), name)


@needs_poppler
@needs_weasyprint
@pytest.mark.parametrize("city", ["asahikawa", "tokushima"])
def test_the_pdf_format_prints_on_a4_and_splits_no_row(
    city: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``zaitaku report CITY --format pdf`` (WeasyPrint's layout, not Chromium's): the same page checks, with
    each table row given a colour of its own in the HTML WeasyPrint lays out (a background changes no layout)."""
    try:
        importlib.import_module("weasyprint")
    except OSError as exc:  # WeasyPrint is installed, the Pango library it loads is not
        pytest.skip(f"WeasyPrint cannot load Pango here ({exc})")
    html = render_module._html
    monkeypatch.setattr(render_module, "_html", lambda *args: _marked_rows(html(*args).decode()).encode())
    pdf = tmp_path / f"{city}.pdf"
    result = CliRunner().invoke(cli, ["report", city, "--fy", "2024", "--format", "pdf", "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    report = build_report(create_registry(), city, 2024)
    _first_page_checks(report, pdf)
    _rows_by_page(report, pdf, f"{city} (WeasyPrint)")


@needs_chromium
def test_japanese_glyphs_are_drawn(tmp_path: Path) -> None:
    """Two different city names drawn as two different images: a machine without a Japanese font draws
    both as the same row of boxes."""
    page = tmp_path / "glyphs.html"
    page.write_text(
        f'<!DOCTYPE html><meta charset="utf-8"><body style="margin:0;font:32px {render_module.FONT_STACK}">'
        '<div style="height:60px">旭川市</div><div style="height:60px">徳島市</div>',
        encoding="utf-8",
    )
    shot = tmp_path / "glyphs.png"
    chromium(page, "--hide-scrollbars", "--window-size=300,120", f"--screenshot={shot}")
    image = np.asarray(Image.open(shot).convert("L"))
    first, second = image[:60], image[60:120]
    assert (first < 160).sum() > 100, "nothing drawn"
    assert np.abs(first.astype(int) - second.astype(int)).sum() > 50_000, "both names drawn alike: no CJK font"
