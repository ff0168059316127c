"""Compare the bundled cities on the national framework and write the comparison as HTML and CSV.

Run: python examples/compare_cities.py [OUTPUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from zaitaku_core import create_registry
from zaitaku_core.report import compare_cities, render


def main(out: Path) -> None:
    registry = create_registry()
    cities = [city.id for city in registry.cities()]
    report = compare_cities(registry, cities, lang="en")
    out.mkdir(parents=True, exist_ok=True)
    for fmt in ("html", "csv"):
        (out / f"comparison.{fmt}").write_bytes(render(report, fmt))
    for section in report.sections:
        for table in section.tables:
            print(f"## {table.title}")
            print(" | ".join(table.columns))
            for row in table.rows:
                print(" | ".join("" if cell is None else str(cell) for cell in row))
    print(f"wrote {out / 'comparison.html'} and {out / 'comparison.csv'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("comparison"))
