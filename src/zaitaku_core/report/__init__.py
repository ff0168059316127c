"""Reports: one city's plan for a fiscal year, and cities side by side, in five formats.

:func:`build_report` reads a registry and gives a :class:`Report`, an immutable structure of sections
and tables that is the one source every renderer reads; :func:`build_reports` gives a city's reports for
many fiscal years in one pass; :func:`compare_cities` builds the comparison (for the latest fiscal year
all the cities declare, :func:`shared_fiscal_year`, unless told).
:func:`render` writes a report as Markdown, a self-contained HTML page, JSON (stable, versioned
schema: :func:`report_json_schema`), CSV or XLSX. Output is deterministic, Japanese by default, and
CSV/XLSX cells are safe from formula injection (:func:`neutralize`).
"""

from zaitaku_core.report.build import build_report, build_reports, compare_cities, shared_fiscal_year
from zaitaku_core.report.model import (
    SCHEMA_VERSION,
    Chart,
    IndicatorStatus,
    Mark,
    Report,
    Section,
    Table,
    report_json_schema,
)
from zaitaku_core.report.render import FORMATS, neutralize, render

__all__ = [
    "FORMATS",
    "SCHEMA_VERSION",
    "Chart",
    "IndicatorStatus",
    "Mark",
    "Report",
    "Section",
    "Table",
    "build_report",
    "build_reports",
    "compare_cities",
    "neutralize",
    "render",
    "report_json_schema",
    "shared_fiscal_year",
]
