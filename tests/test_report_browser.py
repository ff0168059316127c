"""The HTML report in a real browser: headless Chromium opens the page with no network, draws every chart
bar at the length its value gives, and prints the page to PDF.

Skipped where no Chromium is installed; `.ci/run` installs Debian's chromium, so CI runs these.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sample_plugins import ReportFixturePlugin

from zaitaku_core.plugins import create_registry
from zaitaku_core.report import Report, build_report, render

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium here (Debian: apt-get install chromium)")

PLAN, ACTUAL = (0x9A, 0xA7, 0xB4), (0x2F, 0x6D, 0xB5)  # the chart's colours in render.py
BAR_HEIGHT, BAR_SPAN = 11, 380  # px: the height of one bar, the length of a group's largest value
WINDOW_HEIGHT = 16000  # px: taller than the longest page here (Tokushima's, about 11,000)


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
    """The lengths the report's chart asks for, top to bottom (zero-length bars draw nothing)."""
    (chart,) = next(s for s in report.sections if s.id == "indicators").charts
    drawn = [b for b in chart.bars if b.plan is not None or b.actual is not None]
    tops: dict[str | None, float] = {}
    for bar in drawn:
        tops[bar.group] = max(tops.get(bar.group, 0), bar.plan or 0, bar.actual or 0)
    values = [(b.plan if colour == PLAN else b.actual, tops[b.group]) for b in drawn]
    return [BAR_SPAN * value / top for value, top in values if value and top]


def fixture_report(lang: str) -> Report:
    registry = create_registry(entry_points=False, plugins=[("fixture", ReportFixturePlugin())])
    return build_report(registry, "fixture", 2024, lang=lang)  # type: ignore[arg-type]


REPORTS = {
    "fixture-ja": lambda: fixture_report("ja"),
    "fixture-en": lambda: fixture_report("en"),
    "asahikawa-ja": lambda: build_report(create_registry(), "asahikawa", 2024),
    "tokushima-ja": lambda: build_report(create_registry(), "tokushima", 2024),
}


@pytest.mark.parametrize("name", REPORTS)
def test_every_bar_is_drawn_to_scale_offline(name: str, tmp_path: Path) -> None:
    report = REPORTS[name]()
    page = tmp_path / f"{name}.html"
    page.write_bytes(render(report, "html"))
    shot = tmp_path / f"{name}.png"
    chromium(page, "--hide-scrollbars", f"--window-size=1000,{WINDOW_HEIGHT}", f"--screenshot={shot}")
    image = np.asarray(Image.open(shot).convert("RGB"))
    blank = np.all(image == 255, axis=(1, 2))
    assert blank[-100:].all(), f"{name}: the page is longer than the screenshot; make the window taller"
    assert expected(report, PLAN) + expected(report, ACTUAL), f"{name}: the report should chart some values"
    for colour in (PLAN, ACTUAL):
        want = expected(report, colour)
        got = bars(image, colour)
        assert len(got) == len(want), f"{name}: {len(got)} bars of {colour} drawn, {len(want)} expected"
        for length, value in zip(got, want, strict=True):
            assert abs(length - value) <= 1.5, f"{name}: a bar of {length} px where {value:.1f} px is expected"


def test_prints_to_a_few_pages(tmp_path: Path) -> None:
    page = tmp_path / "fixture.html"
    page.write_bytes(render(fixture_report("ja"), "html"))
    pdf = tmp_path / "fixture.pdf"
    chromium(page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert data.startswith(b"%PDF") and 1 <= pages <= 6, f"{pages} pages"
