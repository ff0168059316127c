"""The documentation site builds without warnings, and its reference covers every hook, command and code.

Also the sweep that keeps the plugin manual honest: every hook has a test that calls it and a documented
example in its specification.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zaitaku_core import errors, hookspecs
from zaitaku_core.cli import COMMANDS
from zaitaku_core.handoff.engine import CONFLICT_CODES
from zaitaku_core.validation import CATALOGUE, CHECK_FAILED

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name, _ in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("zaitaku_"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sphinx", reason="the docs extra is not installed (python3 scripts/test.py installs it)")
    out = tmp_path_factory.mktemp("html")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "-b", "html", str(ROOT / "docs"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"the docs build warned or failed:\n{done.stderr}"
    return out


def text_of(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_every_hook_has_a_reference_section(site: Path) -> None:
    page = text_of(site, "reference/hooks.html")
    for hook in HOOKS:
        assert f'id="zaitaku_core.hookspecs.{hook}"' in page, hook


def test_every_command_is_in_the_cli_reference(site: Path) -> None:
    page = text_of(site, "reference/cli.html")
    for command in COMMANDS:
        assert f'id="zaitaku-{command}"' in page, command


def test_the_cli_reference_has_every_commands_help_in_japanese(site: Path) -> None:
    """reference/cli-ja shows each command's help as a Japanese run prints it (generated, so never stale), and
    the English reference links to it."""
    import html

    from click.testing import CliRunner

    from zaitaku_core.cli import cli

    page = text_of(site, "reference/cli-ja.html")
    plain = html.unescape(re.sub(r"<[^>]+>", "", page))
    paths = [(), *((name,) for name in COMMANDS), ("log", "import"), ("log", "summary")]
    for path in paths:
        shown = CliRunner().invoke(cli, ["--lang", "ja", *path, "--help"], prog_name="zaitaku", terminal_width=80)
        assert shown.exit_code == 0 and shown.output.startswith("使い方: zaitaku"), path
        assert shown.output.rstrip() in plain, (
            f"zaitaku {' '.join(path)} --help is not shown as a Japanese run prints it"
        )
        assert f'id="{"-".join(("zaitaku", *path))}"' in page, path
    assert (
        "ロケールが言語を示さないとき（`C`、`C.UTF-8`、`POSIX`、未設定）も日本語" not in plain
    )  # rendered, no backticks
    assert "ロケールが言語を示さないとき（C、C.UTF-8、POSIX、未設定）も日本語" in plain
    assert 'href="cli-ja.html"' in text_of(site, "reference/cli.html")


def test_every_validation_code_is_documented(site: Path) -> None:
    page = text_of(site, "reference/validation.html")
    for code in [*(c.code for c in CATALOGUE), CHECK_FAILED, *CONFLICT_CODES]:
        assert code in page, code


def test_every_error_code_has_its_anchor(site: Path) -> None:
    page = text_of(site, "reference/errors.html")
    classes = [obj for _, obj in inspect.getmembers(errors, inspect.isclass) if issubclass(obj, errors.ZaitakuError)]
    for cls in classes:
        assert f'id="{cls.code}"' in page, f"{cls.__name__}: no anchor #{cls.code} (its doc_url would not resolve)"
        assert cls.__module__ == "zaitaku_core.errors"
    assert errors.DOCS_ERRORS_URL.endswith("reference/errors.html")


def _address_in_error_line(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    """The documentation address (with its anchor) and the kind the CLI's error line names, as a user sees it."""
    from zaitaku_core.cli import main

    assert main(["--lang", "en", *args]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    found = re.search(r"see: (\S+) \(([^)]*)\)$", line)
    assert found, line
    return found[1], found[2]


def test_the_error_line_points_at_a_section_that_exists(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The address an error prints resolves: to a build of this site when one is configured or found beside
    the source, else to the published site, whose page and anchor are those of this build."""
    page = site / "reference" / "errors.html"
    monkeypatch.setenv(errors.DOCS_URL_VARIABLE, page.as_uri())
    address, kind = _address_in_error_line(capsys, "report", "nowhere", "--fy", "2024")
    assert kind == "configured documentation"
    file, anchor = address.split("#")
    assert file == page.as_uri() and f'id="{anchor}"' in text_of(site, "reference/errors.html"), address
    monkeypatch.delenv(errors.DOCS_URL_VARIABLE)
    address, kind = _address_in_error_line(capsys, "report", "asahikawa", "--fy", "2030")
    file, anchor = address.split("#")
    assert anchor == "undeclared-fiscal-year" and f'id="{anchor}"' in text_of(site, "reference/errors.html")
    if kind == "local documentation build":  # a build in docs/_build/html beside the source
        assert Path(file.removeprefix("file://")).is_file(), address
    else:
        assert kind == "published site" and file == errors.DOCS_ERRORS_URL
        assert file.endswith("/" + page.relative_to(site).as_posix())


def test_a_local_build_is_named_only_when_it_documents_every_error(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build of the site beside the source is pointed at (and said to be local); a stale one, lacking the
    anchor of some error, is not used at all: the error points at the published site and says so."""
    page = site / "reference" / "errors.html"
    monkeypatch.delenv(errors.DOCS_URL_VARIABLE, raising=False)
    monkeypatch.setattr(errors, "LOCAL_ERRORS_PAGE", page)
    address, kind = _address_in_error_line(capsys, "report", "nowhere", "--fy", "2024")
    assert (address, kind) == (f"{page.as_uri()}#unknown-city", "local documentation build")
    stale = tmp_path / "errors.html"
    stale.write_text(text_of(site, "reference/errors.html").replace('id="workbook"', 'id="x"'), encoding="utf-8")
    monkeypatch.setattr(errors, "LOCAL_ERRORS_PAGE", stale)
    address, kind = _address_in_error_line(capsys, "report", "nowhere", "--fy", "2024")
    assert (address, kind) == (f"{errors.DOCS_ERRORS_URL}#unknown-city", "published site")


def test_the_model_reference_shows_each_field_with_its_label_and_constraints(site: Path) -> None:
    page = text_of(site, "reference/api.html")
    field = page[page.index('id="zaitaku_core.model.City.id"') :][:3000]
    assert "<strong>市町村ID</strong>" in field and "The short name used on the command line" in field
    assert "^[a-z0-9][a-z0-9_.\\-]*$" in field and "max_length" in field
    assert 'id="zaitaku_core.model.IndicatorValue.fiscal_year"' in page


def test_pages_of_every_kind_are_built(site: Path) -> None:
    for page in [
        "guide/index",
        "guide/validate",
        "tutorial/index",
        "howto/embed",
        "howto/add-a-city",
        "explanation/handoff",
        "reference/glossary",
    ]:
        assert (site / f"{page}.html").is_file(), page
    assert "看取り" in text_of(site, "reference/glossary.html")


# --- the hook sweep -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_exercised_by_a_test(hook: str) -> None:
    sources = [p for p in (ROOT / "tests").glob("*.py") if p.name != Path(__file__).name]
    users = [p.name for p in sources if re.search(rf"\bdef {hook}\(", p.read_text(encoding="utf-8"))]
    assert users, f"no test module implements the hook {hook}: add a test plugin that does"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_an_example(hook: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert len(doc) > 200 and "Example::" in doc, f"{hook}: its specification needs prose and an example"


# --- Japanese search ------------------------------------------------------------------------------------------


def _search(site: Path, query: str) -> set[str]:
    """The pages the site's search finds for ``query``, found the way Sphinx's searchtools.js finds them:
    the query split where letters stop and lower-cased; each word matched exactly, or, when longer than two
    characters, as part of an indexed word; every word required."""
    text = text_of(site, "searchindex.js")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    names: list[str] = index["docnames"]
    found: set[str] | None = None
    for word in (w.lower() for w in re.split(r"[^\w]+", query) if w):
        pages: set[int] = set()
        for table in (index["terms"], index["titleterms"]):
            hits = [table[word]] if word in table else []
            if len(word) > 2 and word not in table:
                hits += [files for term, files in table.items() if word in term]
            for files in hits:
                pages.update([files] if isinstance(files, int) else files)
        found = {names[i] for i in pages} if found is None else found & {names[i] for i in pages}
    return found or set()


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("入院時情報連携加算", "reference/glossary"),
        ("入院", "reference/glossary"),
        ("加算", "tutorial/index"),
        ("看取り", "reference/glossary"),
        ("重要度", "guide/validate"),  # the staff guide, in Japanese
        ("印刷", "guide/report"),
        ("活動記録", "guide/log"),
        ("使い方", "reference/cli-ja"),  # the command line's help in Japanese
        ("非推奨", "reference/cli-ja"),
        ("退院・退所加算", "reference/glossary"),
        ("handoff", "explanation/handoff"),
        ("Handoff rules", "explanation/handoff"),
    ],
)
def test_japanese_terms_are_found_by_the_site_search(site: Path, query: str, page: str) -> None:
    assert page in _search(site, query), f"searching {query!r} does not find {page}"


def test_the_site_search_finds_nothing_for_a_word_it_does_not_hold(site: Path) -> None:
    assert _search(site, "存在しない語句ですよ") == set()
