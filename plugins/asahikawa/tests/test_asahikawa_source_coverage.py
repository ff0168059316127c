"""Source coverage: every statement of Asahikawa's two documents reaches its FY2024 reports, in their words.

Seed 000 (令和6年度の取組について) is a table: every non-empty cell is a statement, the header cells
included. Seed 003 (the slides on 旭川市入退院時の医療と介護の連携の手引) is slide text whose layout the
extraction cannot parse reliably, so its statements (the guide's rules, tools, the conditions of each tool
and the status lines) are listed below verbatim, and the test first checks that each one is in the seed,
which keeps the list honest. Matching normalises only white space and full / half width
(:func:`zaitaku_core.testing.sources.normalize`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zaitaku_core.plugins import create_registry
from zaitaku_core.report import build_report, render
from zaitaku_core.testing.sources import html_texts, json_strings, missing, normalize, tsv_rows

SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"
PLAN_SEED = SEEDS / "000_87c1e5ee58d65a88.txt"
GUIDE_SEED = SEEDS / "003_16f55a844a8deec6.txt"
pytestmark = pytest.mark.skipif(not PLAN_SEED.exists(), reason=f"the city's sources are not at {SEEDS}")

#: Seed 003's statements: the basic rules, the four tools, what each tool may serve for, the status lines.
GUIDE_STATEMENTS = (
    # the rules (＜入退院時の連携に係るルール＞)
    "まずは連携相手が誰かを知ることが大切",
    "相手が分からないと連携ができない",
    "先に入退院を把握した方が相手方に連絡",
    "①入院時",
    "ケアマネジャーと病院等で，早く把握した方が連絡",
    "②退院時",
    "退院の目途が立ち次第，病院等がケアマネジャーに連絡",
    # the tools (＜入退院時の連携に係るツール＞)
    "ケアマネジャーが記入",
    "①入院時情報提供シート",
    "②退院時連携シート",
    "③主治医とケアマネジャーの連絡票",
    "④軽度者の福祉用具貸与に係る連絡票",
    # the conditions of each tool
    "関係部署と協議の上，ツールを次のように取り扱うこととしています。",
    "居宅介護支援事業所の皆様へ",
    "入院時情報連携加算",
    "退院・退所加算",
    "の根拠資料として，使用可能",
    "次の場合に，主治医の意見を聴取した書類として，使用可能",
    "③ケアプランに医療系サービスを位置付ける",
    "④軽度者の福祉用具貸与を申請する",
    # the status of the guide
    "強制的な効力はありません",
    "個別の事情に応じた対応が必要",
    "このような位置付けではありますが，連携推進のため，御理解と御協力をお願いします。",
    "連携を図りやすくするための標準を定めたもの",
    "ルールやツールは飽くまでも目安",
    "これらは，標準様式であり，既存のツールの使用を妨げるものではありません。",
    "上川総合振興局と相談し，周辺９町も同じルールで取り組んでいきます。",
)


def plan_statements() -> list[str]:
    """Every non-empty cell of seed 000's two tables, header cells included, in reading order, each once."""
    cells = [cell for row in tsv_rows(PLAN_SEED.read_text(encoding="utf-8")) for cell in row if cell]
    return list(dict.fromkeys(cells))


@pytest.fixture(scope="module")
def reports() -> dict[str, bytes]:
    report = build_report(create_registry(entry_points=["asahikawa"]), "asahikawa", 2024)
    return {fmt: render(report, fmt) for fmt in ("html", "json")}


def test_the_guide_statements_are_the_seed_words() -> None:
    assert missing(GUIDE_STATEMENTS, [GUIDE_SEED.read_text(encoding="utf-8")]) == []


def test_the_plan_table_has_the_cells_the_seed_readme_describes() -> None:
    cells = plan_statements()
    assert len(cells) == 44 and "旧ア 地域の医療・介護の資源の把握" in cells and "関係機関等の取組" in cells
    assert all(normalize(cell) for cell in cells)


def _texts(reports: dict[str, bytes], fmt: str) -> list[str]:
    return html_texts(reports["html"]) if fmt == "html" else json_strings(reports["json"])


@pytest.mark.parametrize("fmt", ["html", "json"])
def test_every_cell_of_the_plan_table_reaches_the_report(reports: dict[str, bytes], fmt: str) -> None:
    cells = plan_statements()
    lost = missing(cells, _texts(reports, fmt))
    assert not lost, f"{len(cells) - len(lost)} of {len(cells)} cells of seed 000 reach the {fmt} report; lost:\n" + (
        "\n".join(f"  - {cell}" for cell in lost)
    )


@pytest.mark.parametrize("fmt", ["html", "json"])
def test_every_statement_of_the_guide_reaches_the_report(reports: dict[str, bytes], fmt: str) -> None:
    lost = missing(GUIDE_STATEMENTS, _texts(reports, fmt))
    assert not lost, (
        f"{len(GUIDE_STATEMENTS) - len(lost)} of {len(GUIDE_STATEMENTS)} statements of seed 003 reach the {fmt} "
        "report; lost:\n" + "\n".join(f"  - {statement}" for statement in lost)
    )
