#!/usr/bin/env python3
"""Write the sample reports of the documentation: each bundled city's FY2024 report as PDF, and a PNG of
its first page, into ``docs/howto/samples/`` (see ``docs/howto/print-reports.md``).

Needs the pdf extra (WeasyPrint) and poppler's ``pdftoppm``. Run from the repository root after a change
to the report layout or the bundled cities' data: ``.venv/bin/python scripts/report_samples.py``. It also
writes ``sources.sha256``, the SHA-256 of the HTML each PDF was printed from: a test compares it with today's
report and names this script when the samples are older than the report.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from zaitaku_core.plugins import create_registry
from zaitaku_core.report import build_report, render

OUT = Path(__file__).resolve().parent.parent / "docs" / "howto" / "samples"


CITIES = ("asahikawa", "tokushima")
SOURCES = OUT / "sources.sha256"


def source_digests() -> str:
    """``sources.sha256`` as today's reports would have it: the SHA-256 of each sample's HTML, a line each."""
    registry = create_registry()
    lines = []
    for city in CITIES:
        digest = hashlib.sha256(render(build_report(registry, city, 2024), "html")).hexdigest()
        lines.append(f"{digest}  {city}-2024.html\n")
    return "".join(lines)


def main() -> None:
    registry = create_registry()
    OUT.mkdir(parents=True, exist_ok=True)
    for city in CITIES:
        pdf = OUT / f"{city}-2024.pdf"
        pdf.write_bytes(render(build_report(registry, city, 2024), "pdf"))
        stem = OUT / f"{city}-2024-page1"
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", "-f", "1", "-l", "1", pdf, stem], check=True)
        print(pdf, f"{stem}.png")
    SOURCES.write_text(source_digests(), encoding="utf-8")
    print(SOURCES)


if __name__ == "__main__":
    main()
