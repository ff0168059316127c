"""The Python shown to readers runs: the README's embedding example, the snippets of the tutorial and
how-to pages, and the example of every hook specification (registered as a real plugin)."""

from __future__ import annotations

import inspect
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from zaitaku_core import hookspecs
from zaitaku_core.model import Severity
from zaitaku_core.plugins import create_registry, hookimpl
from zaitaku_core.validation import check

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


def test_property_test_guide() -> None:
    made = run_page("docs/howto/property-tests.md")
    made["test_more_contacts_never_lose_an_add_on"]()  # the page's property, run by hypothesis


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
