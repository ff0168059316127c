"""Asahikawa's report marks every inferred fact, explains it, and leaves it out on request (--no-inferred)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from zaitaku_core.cli import cli
from zaitaku_core.plugins import Registry, create_registry
from zaitaku_core.report import Report, build_report, render
from zaitaku_core.testing.sources import json_strings


@pytest.fixture(scope="module")
def registry() -> Registry:
    return create_registry(entry_points=["asahikawa"])


def sections(report: Report) -> dict[str, list[tuple[object, ...]]]:
    return {s.id: [row for t in s.tables for row in t.rows] for s in report.sections}


def test_inferred_facts_are_marked_and_explained(registry: Registry) -> None:
    report = build_report(registry, "asahikawa", 2024)
    document = json.loads(render(report, "json"))
    marks = [m for s in document["sections"] for t in s["tables"] for m in t["marks"] if m["kind"] == "inferred"]
    assert marks and all(m["note"] for m in marks)  # every mark carries its reason
    about = dict(sections(report)["about"])  # type: ignore[arg-type]
    assert str(about["同じルールで取り組む市町村"]).endswith("幌加内町（推定）")
    explained = {(row[0], row[1]) for row in sections(report)["provenance"]}
    assert ("旭川市", "同じルールで取り組む市町村") in explained and ("①入院時", "連絡を受ける側") in explained
    html = render(report, "html").decode()
    assert '<span class="inferred" title="資料は「周辺９町」とのみ記し町名を挙げない。' in html


def test_no_inferred_leaves_them_out(registry: Registry) -> None:
    full, stated = (build_report(registry, "asahikawa", 2024, inferred=flag) for flag in (True, False))
    # Only the names a row cannot do without stay, still marked (the 評価・改善 row, the working group, a leaflet).
    marked = {text for text in json_strings(stated.model_dump(mode="json")) if "（推定）" in text}
    assert marked == {
        "対応策の評価・改善（推定）",
        "医療・介護の関係者による連携の手引の検討（平成30年度～）（推定）",
        "事業の周知ちらし（推定）",
    }
    about = dict(sections(stated)["about"])  # type: ignore[arg-type]
    assert about.get("同じルールで取り組む市町村") is None  # the nine towns are an inference
    # The coverage matrix counts stated tags only: 旧エ's scenes are inferred.
    coverage = {row[0]: row[2:] for row in sections(stated)["coverage"]}
    assert coverage["イ(ウ)"] == (0, 0, 0, 0)
    assert {row[0]: row[2:] for row in sections(full)["coverage"]}["イ(ウ)"] == (1, 0, 1, 0)
    # What the documents state is all still there.
    assert sections(stated)["handoff"][0][1] == "ケアマネジャーと病院等で，早く把握した方が連絡"


def test_the_cli_option(registry: Registry) -> None:
    result = CliRunner().invoke(
        cli, ["report", "asahikawa", "--fy", "2024", "--format", "json", "--no-inferred"], obj=registry
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == render(build_report(registry, "asahikawa", 2024, inferred=False), "json")
