"""``build_reports`` over several fiscal years gives, for each year, the bytes ``build_report`` gives for that
year alone: a report never depends on which other years were built in the same call.

``build_reports`` reuses sections between years (the city's handoff and indicators sections, the sections
made of a year's programs, 実施計画の概要, the findings of checks of scope ``"programs"`` and ``"city"``).
Each reuse must key on everything the section is made of. The cities: both bundled plugins (through their
entry points, as a user installs them) and the third test city, over their declared years and an undeclared
year on either side, built in ascending and in descending order, in Japanese and English.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Literal

import pytest
import third_city
from sample_plugins import ReportFixturePlugin

from zaitaku_core.plugins import Registry, create_registry, hookimpl
from zaitaku_core.report import FORMATS, build_report, build_reports, render

HAVE_PDF = importlib.util.find_spec("weasyprint") is not None
#: Every format but PDF, which is the HTML printed by WeasyPrint (compared on its own, below: ~3 s a render).
BYTES_FORMATS = tuple(fmt for fmt in FORMATS if fmt != "pdf")
Lang = Literal["ja", "en"]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return create_registry(entry_points=["asahikawa", "tokushima"], plugins=[("takamatsu", third_city.plugin)])


def _years(registry: Registry, city_id: str) -> tuple[int, ...]:
    """The city's declared years with the undeclared year before the first and after the last."""
    declared = registry.city(city_id).fiscal_years
    return (min(declared) - 1, *declared, max(declared) + 1)


@pytest.mark.parametrize("lang", ["ja", "en"])
@pytest.mark.parametrize("city_id", ["asahikawa", "tokushima", "takamatsu"])
def test_each_year_built_with_others_is_that_year_built_alone(registry: Registry, city_id: str, lang: Lang) -> None:
    years = _years(registry, city_id)
    assert len(years) >= 3
    alone = {year: build_report(registry, city_id, year, lang=lang, allow_undeclared=True) for year in years}
    expected = {(year, fmt): render(report, fmt) for year, report in alone.items() for fmt in BYTES_FORMATS}
    for order in (years, years[::-1]):
        built = list(build_reports(registry, city_id, order, lang=lang, allow_undeclared=True))
        assert [report.fiscal_year for report in built] == list(order)
        for report in built:
            year = report.fiscal_year
            assert year is not None
            # Section by section first, so that a failure names the section; then the bytes a user gets.
            assert [s.id for s in report.sections] == [s.id for s in alone[year].sections]
            for section, own in zip(report.sections, alone[year].sections, strict=True):
                assert section == own, (city_id, lang, order, year, section.id)
            for fmt in BYTES_FORMATS:
                assert render(report, fmt) == expected[year, fmt], (city_id, lang, order, year, fmt)


def _indicator_programs(report_sections: object) -> set[object]:
    """The cells of the indicators table's programs column."""
    assert isinstance(report_sections, tuple)
    (table,) = next(s for s in report_sections if s.id == "indicators").tables
    column = table.keys.index("programs_col")
    return {row[column] for row in table.rows}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_undeclared_fy2027_of_the_third_city_names_its_own_programs(registry: Registry, lang: Lang) -> None:
    # FY2024-2026 (第9期) state the programs the indicators measure; FY2027 is undeclared and has none. Built
    # after FY2024 in one call, its indicators table used to name FY2024's program titles; alone, it names the
    # programs by id (none of them is a program of FY2027).
    years = (2024, 2025, 2026, 2027)
    first, *_, last = build_reports(registry, "takamatsu", years, lang=lang, allow_undeclared=True)
    alone = build_report(registry, "takamatsu", 2027, lang=lang, allow_undeclared=True)
    assert "1在宅医療・介護連携に関する相談支援" in _indicator_programs(first.sections)
    assert _indicator_programs(last.sections) == {"soudan-shien", "fukyu-keihatsu", "tashokushu-kenshu"}
    for fmt in FORMATS:
        if fmt == "pdf" and not HAVE_PDF:
            continue
        assert render(last, fmt) == render(alone, fmt), fmt


class _P2RetitledIn2025(ReportFixturePlugin):
    """The report fixture city, whose program p2 (the one its indicator 講座の開催回数 measures) is retitled
    in FY2025."""

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]] | None:
        programs = super().zaitaku_programs(city, fiscal_year)
        if programs and fiscal_year == 2025:
            programs = [{**p, "title": "改題した講座"} if p["id"] == "p2" else p for p in programs]
        return programs


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_indicators_section_follows_a_retitled_program_and_is_shared_where_titles_are_equal(
    registry: Registry, lang: Lang
) -> None:
    fixture = create_registry(entry_points=False, plugins=[("fixture", _P2RetitledIn2025())])
    reports = list(build_reports(fixture, "fixture", (2024, 2025, 2026), lang=lang, allow_undeclared=True))
    for report in reports:
        alone = build_report(fixture, "fixture", report.fiscal_year or 0, lang=lang, allow_undeclared=True)
        for fmt in BYTES_FORMATS:
            assert render(report, fmt) == render(alone, fmt), (report.fiscal_year, fmt)
    before, retitled, after = (_indicator_programs(r.sections) for r in reports)
    assert "改題した講座" in retitled and "改題した講座" not in before and before == after
    first, second, third = ({s.id: s for s in r.sections}["indicators"] for r in reports)
    assert first is third and second is not first  # made again only for the year whose titles differ
    # The takamatsu years that state the same programs share one indicators section, made once.
    built = build_reports(registry, "takamatsu", (2024, 2025, 2026), lang=lang)
    sections = [{s.id: s for s in r.sections}["indicators"] for r in built]
    assert sections[0] is sections[1] is sections[2]
