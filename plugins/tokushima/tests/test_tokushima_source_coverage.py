"""Source coverage: every statement of Tokushima's 令和6年度 事業計画 reaches its FY2024 reports, in its words.

Seed 004 has an outline (the plan's title block, the 理想像, the diagram of who commissions and who holds
what, and the list of 実施項目 under their headings) and a table (必須項目 / 実施項目 / 実施目標 / 実施回数).
Statements: every non-empty line of the outline (heading and list markers removed) and every non-empty
cell of the table. Text in ``<b>`` was red in the original (赤字：新たな取組み内容): each such passage must be
highlighted as new in the HTML report and flagged as new in JSON, Markdown, CSV and XLSX. Matching
normalises only white space and full / half width (:func:`zaitaku_core.testing.sources.normalize`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from zaitaku_core.plugins import create_registry
from zaitaku_core.report import build_report, render
from zaitaku_core.testing.sources import (
    column_cells,
    html_marked,
    html_texts,
    json_strings,
    missing,
    normalize,
    tsv_rows,
)

SEED = Path(__file__).resolve().parents[4] / "shared" / "seeds" / "004_1ddd474cbe680fac.txt"
pytestmark = pytest.mark.skipif(not SEED.exists(), reason=f"the city's source is not at {SEED}")

#: The column of the programs table that lists each program's red passages (the seed's legend says what red means).
NEW_COLUMN = "新たな取組み内容"
_BOLD = re.compile(r"</?b>")


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def outline_statements() -> list[str]:
    """Every non-empty line of the outline (before the table), without its Markdown marker.

    The 理想像 is laid out over two lines with its label and "(省略版)" at their heads: it is read as the
    label, the qualifier and the aim. A line holding a note after ``※`` is read as two statements.
    """
    statements: list[str] = []
    lines = [line.strip() for line in seed_text().splitlines() if line.strip() and "\t" not in line]
    for index, line in enumerate(lines):
        line = re.sub(r"^(#+|-)\s*", "", line)
        if line.startswith("地域のめざす理想像："):
            label, first = line.split("：", 1)
            qualifier, second = lines[index + 1].split(" ", 1)
            statements += [label, qualifier, first.strip() + second.strip()]
        elif line.startswith("(省略版)"):
            continue
        else:
            statements += [part.strip() for part in line.split("※")]
    return list(dict.fromkeys(statements))


def table_statements() -> list[str]:
    """Every non-empty cell of the table (``<b>`` markup removed), header and caption cells included, once."""
    cells = [_BOLD.sub("", cell) for row in tsv_rows(seed_text()) for cell in row if cell]
    return list(dict.fromkeys(cells))


def red_passages() -> list[str]:
    return re.findall(r"<b>(.*?)</b>", seed_text())


@pytest.fixture(scope="module")
def reports() -> dict[str, bytes]:
    report = build_report(create_registry(entry_points=["tokushima"]), "tokushima", 2024)
    return {fmt: render(report, fmt) for fmt in ("html", "json", "md", "csv", "xlsx")}


def test_the_seed_reads_as_its_readme_says() -> None:
    assert len(red_passages()) == 10
    outline, table = outline_statements(), table_statements()
    assert (
        "医療と介護を必要とする状態になっても、住み慣れた家で自分らしい生活を続けられるよう、医療・介護の関係機関が連携して、切れ目のない在宅医療、介護の提供体制の構築を目指す。"
        in outline
    )
    assert {"委託", "開催", "推進事業の方針等決定", "徳島西医師会と連携"} <= set(outline)
    assert {"必須項目", "実施項目", "実施目標", "実施回数", "ア 現状分析・課題抽出・施策立案（計画）"} <= set(table)
    assert "①徳島あしんタッグの開催" in table and "①徳島あんしんタッグの開催" in outline  # a spelling variant


def _texts(reports: dict[str, bytes], fmt: str) -> list[str]:
    return html_texts(reports["html"]) if fmt == "html" else json_strings(reports["json"])


def _lost(statements: list[str], texts: list[str], what: str, fmt: str) -> str:
    lost = missing(statements, texts)
    return (
        f"{len(statements) - len(lost)} of {len(statements)} {what} reach the {fmt} report; lost:\n"
        + "\n".join(f"  - {statement}" for statement in lost)
        if lost
        else ""
    )


@pytest.mark.parametrize("fmt", ["html", "json"])
def test_every_cell_of_the_table_reaches_the_report(reports: dict[str, bytes], fmt: str) -> None:
    lost = _lost(table_statements(), _texts(reports, fmt), "cells of the table", fmt)
    assert not lost, lost


@pytest.mark.parametrize("fmt", ["html", "json"])
def test_every_line_of_the_outline_reaches_the_report(reports: dict[str, bytes], fmt: str) -> None:
    lost = _lost(outline_statements(), _texts(reports, fmt), "lines of the outline", fmt)
    assert not lost, lost


def _equal(found: list[str], passages: list[str]) -> list[str]:
    """The passages not found whole among ``found`` (each found text may hold several passages)."""
    return missing(passages, found)


def test_every_red_passage_is_highlighted_in_html(reports: dict[str, bytes]) -> None:
    marked = html_marked(reports["html"], "new")
    passages = red_passages()
    lost = _equal(marked, passages)
    assert not lost, f"{len(passages) - len(lost)} of {len(passages)} red passages are highlighted in HTML: {lost}"
    # Nothing else is highlighted: every highlighted text is one of the passages.
    assert all(any(normalize(text) == normalize(p) for p in passages) for text in marked), marked


def _json_marks(document: bytes) -> list[str]:
    """The text of every span a JSON report's tables flag as new."""
    import json

    texts: list[str] = []
    report: dict[str, Any] = json.loads(document)
    for section in report["sections"]:
        for table in section["tables"]:
            for mark in table.get("marks", ()):
                if mark["kind"] == "new":
                    cell = table["rows"][mark["row"]][mark["column"]]
                    texts.append(cell[mark["start"] : mark["end"]])
    return texts


def test_every_red_passage_is_flagged_new_in_json(reports: dict[str, bytes]) -> None:
    passages = red_passages()
    lost = _equal(_json_marks(reports["json"]), passages)
    assert not lost, f"{len(passages) - len(lost)} of {len(passages)} red passages are flagged new in JSON: {lost}"


@pytest.mark.parametrize("fmt", ["json", "md", "csv", "xlsx"])
def test_every_red_passage_is_in_the_new_column(reports: dict[str, bytes], fmt: str) -> None:
    passages = red_passages()
    if fmt == "json":
        found = [
            str(row[table["columns"].index(NEW_COLUMN)])
            for section in __import__("json").loads(reports["json"])["sections"]
            for table in section["tables"]
            if NEW_COLUMN in table["columns"]
            for row in table["rows"]
        ]
    else:
        found = column_cells(reports[fmt], fmt, NEW_COLUMN)
    lost = _equal(found, passages)
    assert not lost, f"{len(passages) - len(lost)} of {len(passages)} red passages are flagged new in {fmt}: {lost}"
