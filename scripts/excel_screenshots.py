#!/usr/bin/env python3
"""Render the screenshots of the plan workbook used by docs/howto/excel.md (run by hand, not by the tests).

Writes Asahikawa's filled template, keeps one sheet and its first columns per screenshot, converts it to
PDF with LibreOffice (``libreoffice --headless --convert-to pdf``; Debian package libreoffice-calc-nogui)
and to PNG with poppler's ``pdftoppm``, and crops the margins. Needs the bundled plugins installed.

Usage: ``.venv/bin/python scripts/excel_screenshots.py``
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
from PIL import Image, ImageChops

from zaitaku_core.io.xlsx_template import CityRecords, template_bytes
from zaitaku_core.plugins import create_registry

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images" / "excel"
#: Screenshot name -> (sheet, print area).
SHOTS = {"torikumi": ("取組", "A1:H12"), "shihyo": ("指標・計画値・実績値", "A1:K8")}


def main() -> None:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None or shutil.which("pdftoppm") is None:
        raise SystemExit("needs libreoffice (apt-get install libreoffice-calc-nogui) and pdftoppm (poppler-utils)")
    OUT.mkdir(parents=True, exist_ok=True)
    data = template_bytes(CityRecords.from_registry(create_registry(), "asahikawa"))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, (sheet_name, area) in SHOTS.items():
            source = work / f"{name}.xlsx"
            source.write_bytes(data)
            book = openpyxl.load_workbook(source)
            for other in list(book.sheetnames):
                if other != sheet_name:
                    del book[other]
            sheet = book[sheet_name]
            sheet.print_area = area
            sheet.page_setup.orientation = "landscape"
            sheet.page_setup.fitToWidth = 1
            sheet.page_setup.fitToHeight = 1
            sheet.sheet_properties.pageSetUpPr.fitToPage = True
            book.save(source)
            subprocess.run(
                [office, "--headless", "--convert-to", "pdf", "--outdir", str(work), str(source)], check=True
            )
            subprocess.run(
                ["pdftoppm", "-r", "150", "-png", "-singlefile", str(work / f"{name}.pdf"), str(work / name)],
                check=True,
            )
            image = Image.open(work / f"{name}.png").convert("RGB")
            box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
            if box:
                image = image.crop((max(box[0] - 12, 0), max(box[1] - 12, 0), box[2] + 12, box[3] + 12))
            image.save(OUT / f"{name}.png", optimize=True)
            print(OUT / f"{name}.png", image.size)


if __name__ == "__main__":
    main()
