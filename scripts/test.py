#!/usr/bin/env python3
"""Install everything into ``.venv`` and run the whole test suite (the README's test command).

Steps: create ``.venv`` if needed; install the core with all its extras (test, docs, log, pdf, dask, spark) and
both bundled city plugins (editable); then ``ruff check`` and ``ruff format --check``, ``mypy --strict`` on
``src/`` and ``pytest``: unit, property, plugin-conformance, CLI and example tests, the doctests of the
library, the documentation site built with warnings as errors, a scaffolded city installed into a
fresh virtual environment, and the HTML report in headless Chromium where Chromium is installed.
Stops at the first failing step and exits with its status. Needs only Python 3.11+ and access to the package index.

Usage: ``python3 scripts/test.py [extra pytest arguments]``
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PACKAGES = [".[test,docs,log,pdf,dask,spark]", "plugins/asahikawa", "plugins/tokushima"]


def run(*args: str) -> None:
    print("+", " ".join(args), flush=True)
    status = subprocess.call(args, cwd=ROOT)
    if status != 0:
        print(f"FAILED ({status}): {' '.join(args)}", flush=True)
        sys.exit(status)


def main() -> None:
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    python = str(BIN / "python")
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip")
    editable = [arg for package in PACKAGES for arg in ("-e", package)]
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *editable)
    run(python, "-m", "ruff", "check", "src", "tests", "plugins", "scripts", "benchmarks", "examples", "docs")
    run(
        python,
        "-m",
        "ruff",
        "format",
        "--check",
        "src",
        "tests",
        "plugins",
        "scripts",
        "benchmarks",
        "examples",
        "docs",
    )
    run(python, "-m", "mypy")
    run(python, "-m", "pytest", "-p", "no:cacheprovider", *sys.argv[1:])


if __name__ == "__main__":
    main()
