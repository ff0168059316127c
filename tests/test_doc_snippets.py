"""The Python shown to readers runs: the README's embedding example, the snippets of the tutorial and
how-to pages, and the example of every hook specification (registered as a real plugin)."""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from zaitaku_core import errors, hookspecs
from zaitaku_core.model import Severity
from zaitaku_core.plugins import create_registry, hookimpl
from zaitaku_core.validation import check, run_checks, validate_city

ROOT = Path(__file__).resolve().parent.parent


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), flags=re.S | re.M)


def run_page(page: str) -> dict[str, Any]:
    """Run the page's Python blocks in order in one namespace (later blocks use what earlier ones made)."""
    blocks = python_blocks(ROOT / page)
    assert blocks, f"{page} shows no Python"
    namespace: dict[str, Any] = {"__name__": "snippet"}
    for block in blocks:
        exec(compile(block, page, "exec"), namespace)
    return namespace


@pytest.fixture(autouse=True)
def _in_a_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # snippets that write files write them here


def test_readme() -> None:
    made = run_page("README.md")
    assert made["plan"].city.id == "asahikawa" and made["plan"].fiscal_year == 2024


def test_tutorial(tmp_path: Path) -> None:
    made = run_page("docs/tutorial/index.md")
    assert made["verdict"].units == 250  # as the page says
    assert (tmp_path / "asahikawa-2024.md").read_bytes().startswith(b"# Asahikawa")


def test_embedding_guide(tmp_path: Path) -> None:
    made = run_page("docs/howto/embed.md")
    assert made["plan"].programs
    written = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert "asahikawa-2024.json" in written and any(name.startswith("tokushima-") for name in written)


def test_batch_guide_numpy_example() -> None:
    """The batch how-to's NumPy example gives what its comments say (its Spark job needs Java: not run here)."""
    (source,) = [b for b in python_blocks(ROOT / "docs/howto/batch.md") if "evaluate_batch" in b]
    namespace: dict[str, Any] = {}
    exec(compile(source, "batch.md", "exec"), namespace)
    verdicts = namespace["verdicts"]
    assert verdicts["units"].tolist() == [250, 750]
    assert verdicts["discharge.tier"].tolist() == ["", "(Ⅱ)ロ"]
    assert [str(d) for d in verdicts["admission_1.window_end"]] == ["2025-01-04", "NaT"]


def test_property_test_guide() -> None:
    made = run_page("docs/howto/property-tests.md")
    made["test_more_contacts_never_lose_an_add_on"]()  # the page's property, run by hypothesis


def test_add_a_city_hook_module_registers_its_check() -> None:
    """The how-to's module of hook functions, registered beside the data plugins as its entry point would."""
    (source,) = [b for b in python_blocks(ROOT / "docs/howto/add-a-city.md") if "zaitaku_validation_checks" in b]
    module = type(sys)("zaitaku_kushiro.checks")
    exec(compile(source, "add-a-city.md", "exec"), module.__dict__)
    registry = create_registry(plugins=[("kushiro-checks", module)])
    assert "KU001" in {c.code for c in registry.checks()}
    assert not [f for f in validate_city(registry, "asahikawa") if f.code == "KU001"]  # it has a resource list
    without_tools = registry.plan("asahikawa", 2024).model_copy(update={"tools": ()})
    (found,) = run_checks(without_tools, [module.resource_map])
    assert (found.code, found.message_ja) == ("KU001", "資源マップがありません。")


def hook_examples() -> dict[str, str]:
    found = {}
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        doc = inspect.getdoc(function) or ""
        if name.startswith("zaitaku_") and "Example::" in doc:
            found[name] = textwrap.dedent(doc.split("Example::", 1)[1]).strip()
    return found


def test_every_hook_example_registers_and_validates() -> None:
    namespace: dict[str, Any] = {"hookimpl": hookimpl, "check": check, "Severity": Severity}
    for name, source in hook_examples().items():
        exec(compile(source, f"hookspecs.{name} example", "exec"), namespace)
    assert set(hook_examples()) == {
        n for n, _ in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("zaitaku_")
    }

    class FromTheManual:
        pass

    for name in hook_examples():
        setattr(FromTheManual, name, staticmethod(namespace[name]))
    registry = create_registry(entry_points=False, plugins=[("manual", FromTheManual())])
    assert [c.id for c in registry.cities()] == ["asahikawa"]
    plan = registry.plan("asahikawa", 2024)
    assert plan.programs and plan.tools and plan.indicators and plan.handoff_rules and plan.calendars
    assert "AS001" in {c.code for c in registry.checks()}
    assert registry.report_sections(plan, "ja")[0].id == "towns"


# --- the staff guide's terminal sessions -----------------------------------------------------------------------

#: The guide's pages in reading order: their sessions run one after another in one folder, as a reader who
#: follows the guide would run them (the Excel page's city folder is what the validation page checks).
GUIDE_PAGES = [
    "docs/guide/install.md",
    "docs/guide/excel.md",
    "docs/guide/validate.md",
    "docs/guide/report.md",
    "docs/guide/log.md",
    "docs/guide/help.md",
]

#: An error line's documentation address depends on where it runs (a local build, $ZAITAKU_DOCS_URL, the
#: published site); the guide shows the published one. Compared without it, but with the code it points at.
_DOCS_ADDRESS = re.compile(r"(詳細|see): \S+#([\w-]+) \([^)]*\)")


def console_sessions(text: str) -> list[tuple[str, str]]:
    """The ``$ command`` lines of the page's ``console`` blocks, each with the output shown below it."""
    sessions: list[tuple[str, str]] = []
    for block in re.findall(r"^```console\n(.*?)^```", text, flags=re.S | re.M):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            sessions.append((command, output))
    return sessions


#: The staff guide's table of what the reader types into the template: sheet, row, header, value.
_TYPED_CELLS = re.compile(r"^\| シート \| 行 \| 見出し \| 記入した値 \|\n\|[-|]+\|\n((?:\|.*\|\n)+)", flags=re.M)


def typed_cells(page: str = "docs/guide/excel.md") -> list[tuple[str, int, str, str | int]]:
    """The cells the guide says it typed, as Excel keeps them: ``↵`` an Alt+Enter line break, a value of
    ASCII digits a number (but for a leading zero, which a code is typed with to keep it)."""
    found = _TYPED_CELLS.search((ROOT / page).read_text(encoding="utf-8"))
    assert found, f"{page} lost its table of typed cells"
    cells: list[tuple[str, int, str, str | int]] = []
    for line in found.group(1).splitlines():
        sheet, row, header, value = (part.strip() for part in line.strip("|").split("|"))
        text = value.replace(" ↵ ", "\n")
        number = text.isascii() and text.isdigit() and not text.startswith("0")
        cells.append((sheet, int(row), header, int(text) if number else text))
    return cells


def fill_in_the_workbook(folder: Path) -> None:
    """What the reader does in Excel between ``zaitaku template`` and ``zaitaku import``: the cells of the
    guide's table typed into the template its first command wrote, under their headers, and saved."""
    import openpyxl

    path = folder / "計画.xlsx"
    workbook = openpyxl.load_workbook(path)
    for sheet, row, header, value in typed_cells():
        worksheet = workbook[sheet]
        column = {cell.value: cell.column for cell in worksheet[1]}
        worksheet.cell(row=row, column=column[header], value=value)
    workbook.save(path)


def test_the_guides_typed_cells_are_the_workbook_tests_new_city() -> None:
    """The guide types the city the workbook tests import (so both follow a change of the template)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from xlsx_helpers import NEW_CITY

    expected = [
        (sheet, 3 + index, header, str(value))
        for sheet, rows in NEW_CITY.items()
        for index, row in enumerate(rows)
        for header, value in row.items()
    ]
    assert [(s, r, h, str(v)) for s, r, h, v in typed_cells()] == expected


#: Steps a person takes by hand before a command (keyed by the command as the guide shows it).
BY_HAND = {"zaitaku import 計画.xlsx": fill_in_the_workbook}


def run_shown(command: str, folder: Path) -> str:
    """Run ``command`` in a shell in ``folder`` as a terminal would show it: stdout and stderr in the order
    written, with the installed ``zaitaku`` first on PATH and no ZAITAKU_* settings of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAITAKU_")}
    env.update(PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1")
    env.update(COLUMNS="100", LANG="C.UTF-8")
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    return done.stdout


def _comparable(output: str) -> str:
    return _DOCS_ADDRESS.sub(r"\1: …#\2", output).rstrip("\n")


def test_the_staff_guide_shows_what_the_commands_print(tmp_path: Path) -> None:
    """Every command of the Japanese guide for city staff runs, and prints what the guide shows."""
    shown = 0
    for page in GUIDE_PAGES:
        for command, expected in console_sessions((ROOT / page).read_text(encoding="utf-8")):
            if command in BY_HAND:
                BY_HAND[command](tmp_path)
            actual = run_shown(command, tmp_path)
            assert _comparable(actual) == _comparable(expected), (
                f"{page}: `{command}` prints otherwise now; paste this (or run python tests/test_doc_snippets.py)"
                f":\n{actual}"
            )
            shown += 1
    assert shown >= 15


def test_the_staff_guide_installs_with_the_readme_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install = re.search(r"^python3 -m venv \.venv && .*$", readme, flags=re.M)
    assert install, "the README's first command moved: update this test and docs/guide/install.md"
    assert install.group(0) in (ROOT / "docs/guide/install.md").read_text(encoding="utf-8")


def _as_published(output: str) -> str:
    """``output`` with its documentation addresses as the published site's, ending with a line break."""
    where = {"詳細": "公開サイト", "see": "published site"}
    shown = _DOCS_ADDRESS.sub(lambda m: f"{m[1]}: {errors.DOCS_ERRORS_URL}#{m[2]} ({where[m[1]]})", output)
    return shown if shown.endswith("\n") or not shown else shown + "\n"


def _rewrite_guide() -> None:
    """Run the guide's sessions and write what they print into its pages (``python tests/test_doc_snippets.py``),
    keeping the documentation address of an error as the page shows it."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        for page in GUIDE_PAGES:
            path = ROOT / page
            text = path.read_text(encoding="utf-8")

            def fresh(block: re.Match[str]) -> str:
                out = []
                for chunk in re.split(r"^\$ ", block.group(1), flags=re.M)[1:]:
                    command = chunk.partition("\n")[0]
                    if command in BY_HAND:
                        BY_HAND[command](Path(folder))
                    actual = run_shown(command, Path(folder))
                    out.append(f"$ {command}\n{_as_published(actual)}")
                return "```console\n" + "".join(out) + "```"

            path.write_text(re.sub(r"^```console\n(.*?)^```", fresh, text, flags=re.S | re.M), encoding="utf-8")


if __name__ == "__main__":
    _rewrite_guide()
