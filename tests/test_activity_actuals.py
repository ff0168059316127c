"""Indicator actuals counted from the activity log for a test city across FY2023–FY2024, against hand counts.

The city (``logtown``, in none of the bundled plugins) declares three programs and five indicators that say
how their actuals are derived. Its FY2023 log comes as a cp932 CSV (and is imported twice), its FY2024 log
up to 30 September as an XLSX log sheet written from the template; the actuals are then counted by hand
from the rows below and compared with what the library computes, the report prints and the CLI exits with.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy", reason="the log extra is not installed")
pytest.importorskip("openpyxl", reason="the log extra is not installed")

import openpyxl
from click.testing import CliRunner

from zaitaku_core.activity.derive import compute_actuals
from zaitaku_core.activity.reader import read_file
from zaitaku_core.activity.store import ActivityLog
from zaitaku_core.activity.template import template_xlsx
from zaitaku_core.cli import cli
from zaitaku_core.cli.log import program_lookup
from zaitaku_core.errors import ActivityLogError
from zaitaku_core.model import ValueKind, ValueStatus
from zaitaku_core.plugins import Registry, create_registry, hookimpl
from zaitaku_core.report import build_report, render


class LogTown:
    """A city whose indicators are counted from its activity log."""

    @hookimpl
    def zaitaku_cities(self) -> list[dict[str, Any]]:
        return [
            {
                "id": "logtown",
                "municipality": {"code": "362018", "name": "徳島市", "prefecture": "徳島県"},
                "fiscal_years": [2023, 2024],
            }
        ]

    @hookimpl
    def zaitaku_programs(self, city: str, fiscal_year: int) -> list[dict[str, Any]] | None:
        if city != "logtown":
            return None
        return [
            {
                "id": "consult",
                "title": "在宅医療・介護連携の相談窓口",
                "fiscal_year": fiscal_year,
                "new_item": "イ(ア)",
            },
            {"id": "training", "title": "多職種研修", "fiscal_year": fiscal_year, "new_item": "イ(ウ)"},
            {"id": "lecture", "title": "出前講座", "fiscal_year": fiscal_year, "new_item": "イ(イ)"},
        ]

    @hookimpl
    def zaitaku_indicators(self, city: str) -> list[dict[str, Any]] | None:
        if city != "logtown":
            return None
        return [
            {
                "id": "consultations",
                "name": "相談件数",
                "unit": "cases",
                "type": "process",
                "programs": ["consult"],
                "derive": {"measure": "activities", "kinds": ["consultation"]},
                "values": [
                    {"fiscal_year": 2023, "kind": "plan", "value": 10},
                    {"fiscal_year": 2023, "kind": "actual", "value": 9},  # typed by hand: the log says 8
                    {"fiscal_year": 2024, "kind": "plan", "value": 12},
                ],
            },
            {
                "id": "family-discharge",
                "name": "家族からの入退院に関する相談件数",
                "unit": "cases",
                "type": "process",
                "programs": ["consult"],
                "derive": {"kinds": ["相談"], "askers": ["家族"], "scenes": ["入退院支援"]},
            },
            {
                "id": "trainees",
                "name": "研修の参加者数",
                "unit": "persons",
                "type": "process",
                "programs": ["training"],
                "derive": {"measure": "participants"},
                "values": [{"fiscal_year": 2024, "kind": "plan", "value": 100}],
            },
            {
                "id": "doctors",
                "name": "研修に参加した医師の数",
                "unit": "persons",
                "type": "process",
                "programs": ["training"],
                "derive": {"measure": "profession_participants", "professions": ["医師"]},
            },
            {
                "id": "lectures",
                "name": "出前講座の開催回数",
                "unit": "times",
                "type": "process",
                "programs": ["lecture"],
                "derive": {"kinds": ["lecture"]},
                "values": [{"fiscal_year": 2023, "kind": "actual", "status": "cancelled"}],  # and the log: none
            },
        ]


# FY2023, as a centre's Excel saves a CSV (cp932). 8 consultations (one tally row of 4), 3 of them asked by
# family about admission/discharge; 2 trainings with 25 + 30 participants, 4 + 2 doctors; no lecture.
CSV_2023 = (
    "日付,取組ID,種別,件数,参加者数,参加者数（医師）,場面,相談者,相談内容,ケースID\n"
    "2023-04-10,consult,相談,,,,入退院支援,家族,退院後の生活,C-2023-001\n"
    "2023-05-15,consult,相談,,,,入退院支援,家族,入院時の連絡,C-2023-002\n"
    "2023/6/1,consult,相談,,,,日常の療養支援,本人,在宅医療,\n"
    "令和5年7月3日,consult,相談,4,,,,専門職,,\n"
    "2023-11-20,consult,相談,,,,入退院支援、看取り,家族,看取り,C-2023-003\n"
    "2023-08-01,training,研修,,25,4,急変時の対応,,,\n"
    "2024-02-01,training,研修,,30,2,看取り,,,\n"
)
# FY2024 up to 30 September, in the log sheet: 4 consultations (2 by family about discharge),
# a training of 40 (6 doctors), one lecture.
XLSX_2024 = (
    {"日付": date(2024, 4, 8), "取組ID": "consult", "種別": "相談", "相談者": "家族", "場面": "入退院支援"},
    {"日付": date(2024, 5, 9), "取組ID": "consult", "種別": "相談", "相談者": "家族", "場面": "入退院支援、看取り"},
    {"日付": "2024/6/10", "取組ID": "consult", "種別": "相談", "相談者": "本人"},
    {"日付": date(2024, 9, 30), "取組ID": "consult", "種別": "相談", "相談者": "専門職", "相談者の職種": "ケアマネ"},
    {"日付": date(2024, 7, 1), "取組ID": "training", "種別": "研修", "参加者数": 40, "参加者数（医師）": 6},
    {"日付": date(2024, 8, 20), "取組ID": "lecture", "種別": "出前講座", "参加者数": 55, "場面": "看取り"},
)
HAND_COUNTS = {
    ("consultations", 2023): 8,
    ("consultations", 2024): 4,
    ("family-discharge", 2023): 3,
    ("family-discharge", 2024): 2,
    ("trainees", 2023): 55,
    ("trainees", 2024): 40,
    ("doctors", 2023): 6,
    ("doctors", 2024): 6,
    ("lectures", 2023): 0,
    ("lectures", 2024): 1,
}
AS_OF = date(2024, 9, 30)


@pytest.fixture
def registry() -> Registry:
    return create_registry(entry_points=False, plugins=[("logtown", LogTown())])


@pytest.fixture
def log_file(tmp_path: Path, registry: Registry) -> Path:
    """The city's log: FY2023 from a CSV imported twice, FY2024 from an XLSX log sheet."""
    csv_file = tmp_path / "相談・研修記録2023.csv"
    csv_file.write_bytes(CSV_2023.encode("cp932"))
    workbook_file = tmp_path / "活動記録2024.xlsx"
    workbook_file.write_bytes(template_xlsx())
    workbook = openpyxl.load_workbook(workbook_file)
    sheet = workbook["活動記録"]
    headers = [cell.value for cell in sheet[1]]
    for row, values in enumerate(XLSX_2024, 2):
        sheet.cell(row=row, column=headers.index("市町村") + 1, value="logtown")
        for header, value in values.items():
            sheet.cell(row=row, column=headers.index(header) + 1, value=value)
    workbook.save(workbook_file)
    path = tmp_path / "activities.sqlite"
    lookup = program_lookup(registry)
    with ActivityLog.open(path) as log:
        first = log.import_entries(read_file(csv_file, city="logtown", programs=lookup), source=csv_file.name)
        again = log.import_entries(read_file(csv_file, city="logtown", programs=lookup), source=csv_file.name)
        sheet_import = log.import_entries(read_file(workbook_file, programs=lookup), source=workbook_file.name)
    assert (first.rows, first.inserted, again.inserted, sheet_import.inserted) == (7, 7, 0, 6)
    return path


def test_actuals_match_the_hand_counts_with_the_current_year_partial(registry: Registry, log_file: Path) -> None:
    with ActivityLog.open(log_file) as log:
        actuals = compute_actuals(log, "logtown", registry.indicators("logtown"))
    assert actuals.coverage == (date(2023, 4, 10), AS_OF) and actuals.as_of == AS_OF
    assert {key: item.value for key, item in actuals.computed.items()} == HAND_COUNTS
    for (_, year), item in actuals.computed.items():
        assert item.as_of == (AS_OF if year == 2024 else None)  # FY2024 is counted up to 30 September
    by_id = {indicator.id: indicator for indicator in actuals.apply(registry.indicators("logtown"))}
    current = by_id["trainees"].value(2024, ValueKind.ACTUAL)
    assert current is not None and current.status is ValueStatus.PARTIAL and current.as_of == AS_OF
    closed = by_id["consultations"].value(2023, ValueKind.ACTUAL)
    assert closed is not None and closed.value == 8 and closed.status is ValueStatus.FINAL
    cancelled = by_id["lectures"].value(2023, ValueKind.ACTUAL)
    assert cancelled is not None and cancelled.status is ValueStatus.CANCELLED  # the log counts none: 中止 stays
    assert by_id["consultations"].value(2024, ValueKind.PLAN) is not None  # plans are untouched
    conflicts = [(f.code, f.fiscal_year) for f in actuals.findings if f.code == "ZL001"]
    assert conflicts == [("ZL001", 2023)]  # typed 9, counted 8


def test_a_given_as_of_date_cuts_the_count(registry: Registry, log_file: Path) -> None:
    with ActivityLog.open(log_file) as log:
        june = compute_actuals(log, "logtown", registry.indicators("logtown"), as_of=date(2024, 6, 30))
        closed = compute_actuals(log, "logtown", registry.indicators("logtown"), as_of=date(2025, 3, 31))
    assert june.get("consultations", 2024).value == 3 and june.get("consultations", 2024).as_of == date(2024, 6, 30)
    assert june.get("trainees", 2024).value == 0
    assert june.get("consultations", 2023).value == 8 and june.get("consultations", 2023).as_of is None
    assert closed.get("consultations", 2024).value == 4 and closed.get("consultations", 2024).as_of is None


def test_the_report_says_which_numbers_came_from_the_log(registry: Registry, log_file: Path) -> None:
    with ActivityLog.open(log_file) as log:
        actuals = compute_actuals(log, "logtown", registry.indicators("logtown"))
    report = build_report(registry, "logtown", 2024, actuals=actuals)
    (section,) = [s for s in report.sections if s.id == "indicators"]
    assert section.text is not None and "activities.sqlite" in section.text and "2024-09-30" in section.text
    rows = {(row[0], row[3]): row for row in section.tables[0].rows}
    trainees = rows["研修の参加者数", "令和6年度"]
    assert trainees[6] == 40 and "途中集計" in str(trainees[8]) and "活動記録" in str(trainees[9])
    typed = rows["相談件数", "令和5年度"]
    assert typed[6] == 8 and "活動記録" in str(typed[9])
    findings = next(s for s in report.sections if s.id == "findings").tables[0].rows
    assert any(row[1] == "ZL001" for row in findings)
    english = render(build_report(registry, "logtown", 2024, lang="en", actuals=actuals), "md").decode()
    assert "activity log" in english and "as of 2024-09-30" in english


def test_report_from_the_command_line_with_a_log(registry: Registry, log_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    args = ["report", "logtown", "--fy", "2024", "--log", str(log_file), "--format", "json", "-o", str(out)]
    result = CliRunner().invoke(cli, args, obj=registry)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    (section,) = [s for s in data["sections"] if s["id"] == "indicators"]
    cells = {(row[0], row[3]): row[6] for row in section["tables"][0]["rows"]}
    assert cells["家族からの入退院に関する相談件数", "令和6年度"] == 2
    result = CliRunner().invoke(
        cli, [*args[:6], "--as-of", "2024-06-30", "--format", "json", "-o", str(out)], obj=registry
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    (section,) = [s for s in data["sections"] if s["id"] == "indicators"]
    cells = {(row[0], row[3]): row[6] for row in section["tables"][0]["rows"]}
    assert cells["相談件数", "令和6年度"] == 3
    missing = CliRunner().invoke(cli, [*args[:5], str(tmp_path / "no.sqlite")], obj=registry)
    assert missing.exit_code == 1 and isinstance(missing.exception, ActivityLogError)
    assert not (tmp_path / "no.sqlite").exists()  # a read never creates the log
