"""Every script in examples/ runs and prints what its docstring promises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(script: str, *args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_example_is_tested() -> None:
    tested = {"embed_admission.py", "batch_csv.py", "compare_cities.py", "minimal_plugin.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_embed_admission() -> None:
    out = run("embed_admission.py")
    assert "①入院時：ケアマネジャーと病院等で，早く把握した方が連絡: 記載なし -> met" in out  # no deadline stated
    assert "入院時情報連携加算(Ⅰ): 250 units" in out
    assert "total: 250 units" in out
    assert "case-0192" not in out  # the subject id never comes back


def test_batch_csv() -> None:
    assert run("batch_csv.py").splitlines() == [
        "case-0001: 250 units (admission_1)",
        "case-0002: 200 units (admission_2)",
        "case-0003: 750 units (discharge)",
        "case-0004: 0 units (nothing claimable)",
    ]


def test_compare_cities(tmp_path: Path) -> None:
    out = run("compare_cities.py", str(tmp_path))
    assert (tmp_path / "comparison.html").read_bytes().startswith(b"<!DOCTYPE html>")
    assert "asahikawa" in out.lower() or "Asahikawa" in out
    assert (tmp_path / "comparison.csv").stat().st_size > 0


def test_minimal_plugin() -> None:
    out = run("minimal_plugin.py")
    assert out.startswith("findings: none\n")
    assert "# Kushiro: home-care collaboration program, FY2025" in out
