#!/usr/bin/env python3
"""Write the sample reports of the documentation: each bundled city's FY2024 report as PDF, and a PNG of
its first page, into ``docs/howto/samples/`` (see ``docs/howto/print-reports.md``).

Needs the pdf extra (WeasyPrint) and poppler's ``pdftoppm``. Run from the repository root after a change
to the report layout: ``.venv/bin/python scripts/report_samples.py``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from zaitaku_core.plugins import create_registry
from zaitaku_core.report import build_report, render

OUT = Path(__file__).resolve().parent.parent / "docs" / "howto" / "samples"


def main() -> None:
    registry = create_registry()
    OUT.mkdir(parents=True, exist_ok=True)
    for city in ("asahikawa", "tokushima"):
        pdf = OUT / f"{city}-2024.pdf"
        pdf.write_bytes(render(build_report(registry, city, 2024), "pdf"))
        stem = OUT / f"{city}-2024-page1"
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", "1", "-l", "1", pdf, stem], check=True)
        print(pdf, f"{stem}.png")


if __name__ == "__main__":
    main()
