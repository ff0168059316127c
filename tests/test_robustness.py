"""The robustness sweep (python-stdnum's ``test_robustness`` is the model): junk fed to every public
parser, and hostile arguments and files fed to every command.

Parsers: each gets at least 10,000 arbitrary texts (hypothesis: 200 examples of 50 texts each, plus long
digit runs and look-alike digits) and may raise only its documented error classes.

Commands: each case of :data:`CASES` runs ``zaitaku`` (in-process, as the console script does) and is
judged **well** (the expected exit status, one line on standard error naming its code and the full
address of its documentation, no traceback, no output file left partial or replaced), **bad** (a
traceback, several lines, a wrong status, a cut or missing reference) or **worst** (exit status 0 where
the input was refused by nothing, or an output file replaced, left partial or wrong: silent loss). The
test asserts every case is judged well.

``python tests/test_robustness.py`` prints the tally by hostile class, well / bad / worst; run it with
``PYTHONPATH=<another checkout>/src`` to measure another version of the code the same way (the file uses
no name that is new in this version, so that "before" figures are measured, not guessed).
"""

from __future__ import annotations

import io
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from zaitaku_core import codes
from zaitaku_core.calendar import Era, parse_date, parse_fiscal_year, parse_plan_period, parse_weekdays
from zaitaku_core.cli import main
from zaitaku_core.errors import (
    EraDateError,
    FiscalYearError,
    FrameworkCodeError,
    InputError,
    MunicipalCodeError,
    PluginDataError,
)
from zaitaku_core.framework import CareScene, NewItem, OldItem
from zaitaku_core.model import Frequency
from zaitaku_core.plugins import create_registry

# --- parsers: only documented errors, whatever the text ----------------------------------------------------

#: Texts people and files really hold, and the shapes that break parsers: long digit runs (``int()``
#: refuses more than 4,300 digits), full-width and other Unicode digits, era letters and separators.
HOSTILE_TEXT = st.one_of(
    st.text(),
    st.text(alphabet="0123456789０１２３４５６７８９٣߃元年度月日期第RHSTMrhstm令和平成昭和./-－ FYfy", max_size=40),
    st.builds(
        lambda prefix, n, suffix: f"{prefix}{'9' * n}{suffix}",
        st.sampled_from(["", "R", "令和", "H", "FY", "第", "R6.", "2024/4/", "2024年"]),
        st.integers(min_value=1, max_value=6000),
        st.sampled_from(["", "年度", "期", "年4月1日", ".1.1"]),
    ),
)

#: 200 hypothesis examples of 50 texts each: 10,000 texts, each given to every parser (about a second
#: of generation in all, as python-stdnum's sweep feeds each text to every module).
TEXTS = st.lists(HOSTILE_TEXT, min_size=50, max_size=50)
SWEEP = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

#: Every public parser of text, and the errors its documentation allows.
PARSERS: dict[str, tuple[Callable[[str], object], tuple[type[BaseException], ...]]] = {
    "codes.compact": (codes.compact, ()),
    "codes.validate": (codes.validate, (MunicipalCodeError,)),
    "codes.validate(allow_five)": (lambda t: codes.validate(t, allow_five=True), (MunicipalCodeError,)),
    "codes.is_valid": (codes.is_valid, ()),
    "codes.calc_check_digit": (codes.calc_check_digit, (MunicipalCodeError,)),
    "codes.prefecture_code": (codes.prefecture_code, (MunicipalCodeError,)),
    "codes.prefecture_name": (codes.prefecture_name, (MunicipalCodeError,)),
    "calendar.parse_date": (parse_date, (EraDateError,)),
    "calendar.parse_fiscal_year": (parse_fiscal_year, (EraDateError, FiscalYearError)),
    "calendar.parse_plan_period": (parse_plan_period, (FiscalYearError,)),
    "calendar.parse_weekdays": (parse_weekdays, (InputError,)),
    "Era.parse": (Era.parse, (FrameworkCodeError,)),
    "OldItem.parse": (OldItem.parse, (FrameworkCodeError,)),
    "NewItem.parse": (NewItem.parse, (FrameworkCodeError,)),
    "CareScene.parse": (CareScene.parse, (FrameworkCodeError,)),
    # A model: pydantic reports every error of its input as one ValidationError.
    "Frequency.parse": (Frequency.parse, (ValidationError,)),
}


@SWEEP
@given(TEXTS)
def test_parsers_raise_only_documented_errors(texts: list[str]) -> None:
    for text in texts:
        for name, (parse, allowed) in PARSERS.items():
            try:
                parse(text)
            except allowed:
                pass
            except Exception as exc:
                raise AssertionError(f"{name}({text[:60]!r}…) raised {type(exc).__name__}: {exc}") from exc


# --- commands: hostile arguments and files ------------------------------------------------------------------

#: A line of standard error that reports an error (not a summary, a progress bar or a path written).
ERROR_LINE = re.compile(r"^(エラー|内部エラー|error|internal error|usage|try |traceback)", re.IGNORECASE)
#: The full address of an error's section: a local build, a configured page or the published site.
DOC_ADDRESS = re.compile(r"(https?|file)://\S*errors\.html#[a-z-]+")

CITY_TOML = """
[city]
id = "{city}"
fiscal_years = [2024]
{extra}
[city.municipality]
code = "012068"
name = "釧路市"
prefecture = "北海道"
"""


def fake_distribution(root: Path, dist: str, entry: str, module: str, init: str, data: dict[str, str]) -> None:
    """An installed distribution ``dist`` on ``root`` whose ``zaitaku`` entry point ``entry`` is
    ``module:plugin`` (importlib.metadata finds it through ``sys.path``)."""
    package = root / module
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(init), encoding="utf-8")
    for name, text in data.items():
        (package / "data" / name).write_text(text, encoding="utf-8")
    info = root / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[zaitaku]\n{entry} = {module}:plugin\n", encoding="utf-8")


DATA_PLUGIN = "from zaitaku_core.plugins import DataPlugin\nplugin = DataPlugin(__name__)\n"


def city_data(city: str = "kushiro", extra: str = "") -> dict[str, str]:
    return {"city.toml": CITY_TOML.format(city=city, extra=extra)}


def plugin_that_fails_to_import(root: Path, mp: pytest.MonkeyPatch) -> None:
    fake_distribution(root, "zaitaku-kushiro", "kushiro", "zk_sweep_broken", "import no_such_module_zk\n", {})
    mp.syspath_prepend(str(root))


def plugin_that_exits(root: Path, mp: pytest.MonkeyPatch) -> None:
    fake_distribution(root, "zaitaku-kushiro", "kushiro", "zk_sweep_exits", "raise SystemExit(4)\n", {})
    mp.syspath_prepend(str(root))


def entry_point_clash(root: Path, mp: pytest.MonkeyPatch) -> None:
    # A second distribution declaring the bundled city's entry-point name.
    fake_distribution(root, "zaitaku-asahikawa-fork", "asahikawa", "zk_sweep_fork", DATA_PLUGIN, city_data("asahikawa"))
    mp.syspath_prepend(str(root))


def checks_only_plugin(root: Path, mp: pytest.MonkeyPatch) -> None:
    init = """
    from zaitaku_core.model import Severity
    from zaitaku_core.plugins import hookimpl
    from zaitaku_core.validation import Check

    def _always(plan):
        yield ALWAYS.finding(plan, "常に誤り", "always wrong")

    ALWAYS = Check("ZX901", Severity.ERROR, "常に誤り", "always wrong", _always)

    class _Checks:
        @hookimpl
        def zaitaku_validation_checks(self):
            return [ALWAYS]

    plugin = _Checks()
    """
    fake_distribution(root, "zaitaku-extra-checks", "extra-checks", "zk_sweep_checks", init, {})
    mp.syspath_prepend(str(root))


def plugin_whose_report_section_raises(root: Path, mp: pytest.MonkeyPatch) -> None:
    init = """
    from zaitaku_core.plugins import hookimpl

    class _Sections:
        @hookimpl
        def zaitaku_report_sections(self, plan, lang):
            raise KeyError("the section's source is gone")

    plugin = _Sections()
    """
    fake_distribution(root, "zaitaku-sections", "sections", "zk_sweep_sections", init, {})
    mp.syspath_prepend(str(root))
    earlier_file("r.html")(root, mp)


def city_whose_tools_hook_returns_a_set(root: Path, mp: pytest.MonkeyPatch) -> None:
    # A set's order follows Python's string hashing, which changes from run to run: the report's bytes would.
    init = """
    from zaitaku_core.plugins import DataPlugin, hookimpl

    class _Tools(DataPlugin):
        @hookimpl
        def zaitaku_tools(self, city):
            owners = {"長寿社会課", "地域包括支援センター", "医師会"}
            return [{"id": "kaigi", "name": "会議", "kind": "meeting", "operated_by": owners}]

    plugin = _Tools(__name__)
    """
    fake_distribution(root, "zaitaku-kushiro", "kushiro", "zk_sweep_settools", init, city_data())
    mp.syspath_prepend(str(root))
    earlier_file("r.csv")(root, mp)


def city_whose_tools_generator_raises(root: Path, mp: pytest.MonkeyPatch) -> None:
    # A generator runs after the hook returns: what it raises is still the plugin's failure, not zaitaku's.
    init = """
    from zaitaku_core.plugins import DataPlugin, hookimpl

    class _Tools(DataPlugin):
        @hookimpl
        def zaitaku_tools(self, city):
            yield {"id": "kaigi", "name": "会議", "kind": "meeting"}
            raise KeyError("the tools table went away")

    plugin = _Tools(__name__)
    """
    fake_distribution(root, "zaitaku-kushiro", "kushiro", "zk_sweep_gentools", init, city_data())
    mp.syspath_prepend(str(root))
    earlier_file("r.csv")(root, mp)


def city_whose_tools_hook_returns_a_set_of_sources(root: Path, mp: pytest.MonkeyPatch) -> None:
    # A tuple field of models (sources, actions …) took a set of frozen models in their hash order too.
    init = """
    from zaitaku_core.model import Source
    from zaitaku_core.plugins import DataPlugin, hookimpl

    class _Tools(DataPlugin):
        @hookimpl
        def zaitaku_tools(self, city):
            sources = {Source(title="第9期介護保険事業計画"), Source(title="連携シート運用要領")}
            return [{"id": "kaigi", "name": "会議", "kind": "meeting", "sources": sources}]

    plugin = _Tools(__name__)
    """
    fake_distribution(root, "zaitaku-kushiro", "kushiro", "zk_sweep_setsources", init, city_data())
    mp.syspath_prepend(str(root))
    earlier_file("r.csv")(root, mp)


def city_with_bad_programs(root: Path, mp: pytest.MonkeyPatch) -> None:
    data = {
        **city_data(),
        "programs.toml": '[[programs]]\nid = "p"\ntitle = "t"\nfiscal_year = 2024\nold_item = "ケ"\n',
    }
    fake_distribution(root, "zaitaku-kushiro", "kushiro", "zk_sweep_badprograms", DATA_PLUGIN, data)
    mp.syspath_prepend(str(root))


def city_nested_deeply(root: Path, mp: pytest.MonkeyPatch) -> None:
    deep = "metadata = { a = " + "[" * 5000 + "]" * 5000 + " }"
    fake_distribution(root, "zaitaku-kushiro", "kushiro", "zk_sweep_deep", DATA_PLUGIN, city_data(extra=deep))
    mp.syspath_prepend(str(root))


def fifo(name: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    def make(root: Path, _mp: pytest.MonkeyPatch) -> None:
        os.mkfifo(root / name)

    return make


def device(name: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    def make(root: Path, _mp: pytest.MonkeyPatch) -> None:
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        os.mknod(root / name, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a twin of /dev/null

    return make


def symlink(name: str, target: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    def make(root: Path, _mp: pytest.MonkeyPatch) -> None:
        (root / target).write_text("the file the link points at\n", encoding="utf-8")
        (root / name).symlink_to(root / target)

    return make


def earlier_file(name: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    def make(root: Path, _mp: pytest.MonkeyPatch) -> None:
        (root / name).write_text("an earlier report\n", encoding="utf-8")

    return make


def disk_full(name: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    """Every temporary file is opened on /dev/full: each write fails with ENOSPC, as on a full disk."""

    def make(root: Path, mp: pytest.MonkeyPatch) -> None:
        earlier_file(name)(root, mp)
        real = tempfile.mkstemp

        def full(*args: Any, **kwargs: Any) -> tuple[int, str]:
            handle, path = real(*args, **kwargs)
            os.close(handle)
            return os.open("/dev/full", os.O_WRONLY), path

        mp.setattr(tempfile, "mkstemp", full)

    return make


def activity_log(name: str) -> Callable[[Path, pytest.MonkeyPatch], None]:
    def make(root: Path, _mp: pytest.MonkeyPatch) -> None:
        from zaitaku_core.activity.store import ActivityLog

        with ActivityLog.open(root / name):
            pass

    return make


def still_a_database(name: str) -> Callable[[Path], str | None]:
    def check(root: Path) -> str | None:
        return None if (root / name).read_bytes().startswith(b"SQLite format 3") else f"{name} was replaced"

    return check


def unchanged(name: str, text: str = "an earlier report\n") -> Callable[[Path], str | None]:
    def check(root: Path) -> str | None:
        path = root / name
        if path.is_symlink() or not path.is_file() or path.read_text(encoding="utf-8") != text:
            return f"{name} was replaced or changed"
        return None

    return check


def still(kind: str, name: str, target: str | None = None) -> Callable[[Path], str | None]:
    def check(root: Path) -> str | None:
        mode = os.lstat(root / name).st_mode
        tests = {"fifo": stat.S_ISFIFO, "device": stat.S_ISCHR, "symlink": stat.S_ISLNK}
        if not tests[kind](mode):
            return f"the {kind} {name} was replaced by a regular file"
        if target is not None and (root / target).read_text(encoding="utf-8") != "the file the link points at\n":
            return f"{target}, the symlink's target, was changed"
        return None

    return check


def written_through(name: str, target: str) -> Callable[[Path], str | None]:
    def check(root: Path) -> str | None:
        if not (root / name).is_symlink():
            return f"the symlink {name} was replaced"
        return None if "<html" in (root / target).read_text(encoding="utf-8") else f"{target} holds no report"

    return check


def scaffold_parses(folder: str, name: str) -> Callable[[Path], str | None]:
    """The scaffold's TOML parses back with the name as given, and its Python compiles to the plugin only."""

    def check(root: Path) -> str | None:
        target = root / folder
        try:
            for path in target.rglob("*.toml"):
                tomllib.loads(path.read_text(encoding="utf-8"))
            city = tomllib.loads(next(target.rglob("city.toml")).read_text(encoding="utf-8"))["city"]
        except (tomllib.TOMLDecodeError, StopIteration, KeyError) as exc:
            return f"the scaffold's TOML does not parse: {exc}"
        if city["municipality"]["name"] != name:
            return f"the name reads back as {city['municipality']['name']!r}"
        for path in target.rglob("*.py"):
            code = compile(path.read_text(encoding="utf-8"), str(path), "exec")
            allowed = {"zaitaku_core.plugins", "DataPlugin", "plugin", "__name__", "__all__", "__doc__"}
            if path.name == "__init__.py" and set(code.co_names) - allowed:
                return f"{path.name} runs code the template does not hold: {sorted(code.co_names)}"
        return None

    return check


def no_scaffold(root: Path) -> str | None:
    made = [p.name for p in root.iterdir() if p.name.startswith(("zaitaku-", ".zaitaku-"))]
    return f"left behind: {made}" if made else None


def no_leftovers(root: Path) -> str | None:
    temporary = [p.name for p in root.iterdir() if p.name.endswith(".tmp")]
    return f"temporary files left behind: {temporary}" if temporary else None


def csv_file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path, pytest.MonkeyPatch], None]:
    def make(root: Path, _mp: pytest.MonkeyPatch) -> None:
        (root / name).write_bytes(text.encode(encoding))

    return make


def rows_written(name: str, row_start: str) -> Callable[[Path], str | None]:
    """The output exists and its first data row starts with ``row_start`` (not a header-only file)."""

    def check(root: Path) -> str | None:
        if not (root / name).exists():
            return f"{name} was not written"
        rows = (root / name).read_text(encoding="utf-8-sig").splitlines()
        return None if len(rows) > 1 and rows[1].startswith(row_start) else f"{name}: the row is missing or wrong"

    return check


def absent(name: str) -> Callable[[Path], str | None]:
    def check(root: Path) -> str | None:
        return f"{name} was written" if (root / name).exists() else None

    return check


@dataclass(frozen=True)
class Case:
    """One hostile input to one command, and what a demanding user expects."""

    hostile: str  # the class of hostile input (a row of the tally)
    id: str
    args: Sequence[str]  # "{tmp}" is replaced by the case's folder
    expect: int  # the exit status
    say: tuple[str, ...] = ()  # what standard error must mention
    setup: Callable[[Path, pytest.MonkeyPatch], None] | None = None
    verify: Callable[[Path], str | None] | None = None  # files after the run; a message is "worst"
    lines: int = 1  # error lines on standard error (0: a failed validation, reported on standard output)
    stdout_has: tuple[str, ...] = ()


REPORT = ["report", "asahikawa", "--fy", "2024"]
HANDOFF = ["handoff", "asahikawa", "--event", "admission", "--at", "2025-01-03T19:10"]
NEW_CITY = ["new-city", "--code", "012068", "--dir", "{tmp}"]

CASES: list[Case] = [
    # Plugins
    Case(
        "plugins",
        "import-fails-validate-all",
        ["validate"],
        1,
        ("kushiro", "no_such_module_zk"),
        plugin_that_fails_to_import,
        stdout_has=("ZK001",),
    ),
    Case(
        "plugins",
        "import-fails-report-it",
        ["report", "kushiro", "--fy", "2024"],
        1,
        ("プラグイン 'kushiro' の読み込みに失敗しました", "no_such_module_zk"),
        plugin_that_fails_to_import,
    ),
    Case("plugins", "import-calls-sys-exit", ["cities"], 1, ("kushiro", "SystemExit"), plugin_that_exits),
    Case(
        "plugins",
        "entry-point-name-clash-report",
        [*REPORT, "-o", "{tmp}/a.html"],
        1,
        ("プラグイン 'asahikawa' の読み込みに失敗しました", "zaitaku-asahikawa-fork", "zaitaku-asahikawa "),
        entry_point_clash,
        verify=absent("a.html"),
    ),
    Case(
        "plugins", "entry-point-name-clash-cities", ["cities"], 1, ("declared by 2 distributions",), entry_point_clash
    ),
    Case(
        "plugins",
        "checks-only-plugin-validate-one",
        ["validate", "asahikawa"],
        1,
        (),
        checks_only_plugin,
        lines=0,
        stdout_has=("ZX901",),
    ),
    Case(
        "plugins",
        "checks-only-plugin-validate-all",
        ["validate"],
        1,
        (),
        checks_only_plugin,
        lines=0,
        stdout_has=("ZX901",),
    ),
    Case(
        "plugins",
        "one-broken-city-validate-all",
        ["validate"],
        1,
        ("kushiro", "programs.toml", "old_item"),
        city_with_bad_programs,
        stdout_has=("asahikawa", "tokushima"),
    ),
    Case(
        "plugins",
        "unloadable-city-plugins-lists-it-in-japanese",
        ["plugins"],
        1,
        ("kushiro", "city.toml"),
        city_nested_deeply,
        stdout_has=("エラー: プラグインのデータが正しくありません", "[プラグイン 'kushiro']", "詳細: "),
    ),
    Case(
        "plugins",
        "metadata-nested-5000-deep",
        ["cities"],
        1,
        ("kushiro", "city.toml", "入れ子が深すぎます"),  # the Japanese of "nested too deeply"
        city_nested_deeply,
    ),
    Case(
        "plugins",
        "report-section-hook-raises-earlier-file-kept",
        [*REPORT, "-o", "{tmp}/r.html"],
        1,
        ("[hook-result]", "sections", "zaitaku_report_sections"),
        plugin_whose_report_section_raises,
        verify=unchanged("r.html"),
    ),
    Case(
        "plugins",
        "hook-returns-a-set",
        ["report", "kushiro", "--fy", "2024", "-o", "{tmp}/r.csv"],
        1,
        ("[plugin-data]", "zaitaku_tools", "operated_by", "set"),
        city_whose_tools_hook_returns_a_set,
        verify=unchanged("r.csv"),
    ),
    Case(
        "plugins",
        "hook-generator-raises",
        ["report", "kushiro", "--fy", "2024", "-o", "{tmp}/r.csv"],
        1,
        ("[hook-result]", "'kushiro'", "zaitaku_tools", "KeyError"),
        city_whose_tools_generator_raises,
        verify=unchanged("r.csv"),
    ),
    Case(
        "plugins",
        "hook-returns-a-set-of-models",
        ["report", "kushiro", "--fy", "2024", "-o", "{tmp}/r.csv"],
        1,
        ("[plugin-data]", "zaitaku_tools", "sources", "set"),
        city_whose_tools_hook_returns_a_set_of_sources,
        verify=unchanged("r.csv"),
    ),
    Case("plugins", "unknown-city", ["report", "nowhere", "--fy", "2024"], 1, ("[unknown-city]", "nowhere")),
    # Outputs
    Case(
        "outputs",
        "o-is-a-fifo",
        [*REPORT, "-o", "{tmp}/pipe.html"],
        1,
        ("pipe.html",),
        fifo("pipe.html"),
        verify=still("fifo", "pipe.html"),
    ),
    Case(
        "outputs",
        "o-is-a-device",
        [*REPORT, "-o", "{tmp}/dev.html"],
        1,
        ("dev.html",),
        device("dev.html"),
        verify=still("device", "dev.html"),
    ),
    Case(
        "outputs",
        "o-is-a-symlink",
        [*REPORT, "-o", "{tmp}/link.html"],
        1,
        ("link.html", "--follow-symlinks"),
        symlink("link.html", "target.html"),
        verify=still("symlink", "link.html", "target.html"),
    ),
    Case(
        "outputs",
        "o-symlink-followed-when-asked",
        [*REPORT, "-o", "{tmp}/link.html", "--follow-symlinks"],
        0,
        setup=symlink("link.html", "target.html"),
        verify=written_through("link.html", "target.html"),
    ),
    Case(
        "outputs",
        "log-template-o-is-a-fifo",  # --force: past the refusal of an existing file, to the FIFO's own
        ["log", "template", "-o", "{tmp}/pipe.csv", "--force"],
        1,
        ("pipe.csv",),
        fifo("pipe.csv"),
        verify=still("fifo", "pipe.csv"),
    ),
    Case(
        "outputs",
        "template-over-a-filled-workbook",  # a slip of -o: the file being filled in, replaced by blank sheets
        ["template", "-o", "{tmp}/plan.xlsx"],
        1,
        ("[input]", "plan.xlsx", "--force"),
        earlier_file("plan.xlsx"),
        verify=unchanged("plan.xlsx"),
    ),
    Case(
        "outputs",
        "log-template-over-a-filled-log",
        ["log", "template", "-o", "{tmp}/log.csv"],
        1,
        ("[input]", "log.csv", "--force"),
        earlier_file("log.csv"),
        verify=unchanged("log.csv"),
    ),
    Case(
        "arguments",
        "log-is-a-csv-file",  # --log 活動記録.csv for the log's database: SQLite's 'file is not a database'
        [*REPORT, "--log", "{tmp}/log.csv", "-o", "{tmp}/r.md"],
        1,
        ("[activity-log]", "file is not a database"),
        earlier_file("log.csv"),
        verify=unchanged("log.csv"),
    ),
    Case("outputs", "o-in-unwritable-folder", [*REPORT, "-o", "/sys/zaitaku-sweep.html"], 1, ("zaitaku-sweep",)),
    Case(
        "outputs",
        "o-on-full-disk",
        [*REPORT, "-o", "{tmp}/full.html"],
        1,
        ("full.html",),
        disk_full("full.html"),
        verify=lambda root: unchanged("full.html")(root) or no_leftovers(root),
    ),
    Case(
        "outputs",
        "o-under-a-file",
        [*REPORT, "-o", "{tmp}/plain/a.html"],
        1,
        ("plain",),
        earlier_file("plain"),
        verify=unchanged("plain"),
    ),
    Case("outputs", "o-is-a-folder", [*REPORT, "-o", "{tmp}"], 2, ("[usage]",)),
    Case(
        "outputs",
        "o-is-the-activity-log",  # the report would replace the database its actuals are counted from
        [*REPORT, "--log", "{tmp}/act.sqlite", "--format", "md", "-o", "{tmp}/./act.sqlite"],
        2,
        ("[usage]", "--log"),
        activity_log("act.sqlite"),
        verify=still_a_database("act.sqlite"),
    ),
    Case(
        "outputs",
        "format-contradicts-o-suffix",  # HTML bytes in r.csv would open as garbage in a spreadsheet
        [*REPORT, "--format", "html", "-o", "{tmp}/r.csv"],
        2,
        ("[usage]", "--format", "'r.csv'"),
        earlier_file("r.csv"),
        verify=unchanged("r.csv"),
    ),
    Case(
        "outputs",
        "schema-o-is-a-file",
        ["schema", "-o", "{tmp}/plain"],
        2,
        ("[usage]",),
        earlier_file("plain"),
        verify=unchanged("plain"),
    ),
    # Command-line values
    Case(
        "arguments",
        "unknown-event",
        ["handoff", "asahikawa", "--event", "bogus", "--at", "2025-01-03T19:10"],
        1,
        ("[framework-code]", "kind"),
    ),
    Case(
        "arguments",
        "unknown-party",
        [*HANDOFF, "--contact", "2025-01-04T10:00:nobody"],
        1,
        ("[framework-code]", "to_party"),
    ),
    Case(
        "arguments",
        "unknown-means",
        [*HANDOFF, "--contact", "2025-01-04T10:00:hospital:pigeon"],
        1,
        ("[framework-code]", "means"),
    ),
    Case("arguments", "era-year-that-does-not-exist", ["plan", "asahikawa", "--fy", "平成32年度"], 1, ("[era-date]",)),
    Case(
        "arguments", "fiscal-year-5000-digits", ["plan", "asahikawa", "--fy", "R" + "9" * 5000], 1, ("[fiscal-year]",)
    ),
    Case(
        "arguments", "fiscal-year-5000-digits-gregorian", ["validate", "--fy", "FY" + "2" * 5000], 1, ("[fiscal-year]",)
    ),
    Case(
        "arguments",
        "bad-moment",
        ["handoff", "asahikawa", "--event", "admission", "--at", "2025-13-45"],
        2,
        ("[usage]", "2025-13-45"),
    ),
    Case(
        "arguments",
        "at-without-a-time",  # was judged as at 00:00 (after hours); handoff-batch refuses a date alone
        ["handoff", "asahikawa", "--event", "admission", "--at", "2025-01-03"],
        2,
        ("[usage]", "--at", "時刻がありません"),
    ),
    Case("arguments", "city-as-5000-digit-code", ["plan", "9" * 5000, "--fy", "2024"], 1, ("[unknown-city]",)),
    Case("arguments", "unknown-language", ["--lang", "xx", "cities"], 2, ("[usage]", "xx")),
    Case("arguments", "office-hours-junk", [*HANDOFF, "--office-hours", "25:00-26:00"], 2, ("[usage]",)),
    Case(
        "arguments",
        "report-suffix-unknown",
        [*REPORT, "-o", "{tmp}/r.weird"],
        2,
        ("[usage]", "r.weird"),
        verify=absent("r.weird"),
    ),
    Case("arguments", "unknown-command", ["frobnicate"], 2, ("[usage]",)),
    Case("arguments", "unknown-option", ["report", "--bogus"], 2, ("[usage]",)),
    Case(
        "arguments", "control-characters-in-city", ["plan", "now\nhere\x1b[2J", "--fy", "2024"], 1, ("[unknown-city]",)
    ),
    Case("arguments", "closed-weekday-junk", [*HANDOFF, "--office-closed", "sat,caturday"], 1, ("[input]",)),
    # Scaffold
    Case(
        "scaffold",
        "id-ends-in-newline",
        [*NEW_CITY, "--name", "釧路市", "kushiro\n"],
        1,
        ("[input]",),
        verify=no_scaffold,
    ),
    Case(
        "scaffold", "id-300-characters", [*NEW_CITY, "--name", "釧路市", "k" * 300], 1, ("[input]",), verify=no_scaffold
    ),
    Case(
        "scaffold",
        "id-path-traversal",
        [*NEW_CITY, "--name", "釧路市", "../kushiro"],
        1,
        ("[input]",),
        verify=no_scaffold,
    ),
    Case(
        "scaffold",
        "name-with-quote",
        [*NEW_CITY, "--name", '釧路"市', "kushiro"],
        1,
        ("[input]", "name", "'\"'"),
        verify=no_scaffold,
    ),
    Case(
        "scaffold",
        "name-with-backslash",
        [*NEW_CITY, "--name", "釧路\\市", "kushiro"],
        1,
        ("[input]", "name"),
        verify=no_scaffold,
    ),
    Case(
        "scaffold",
        "name-with-triple-quotes",
        [*NEW_CITY, "--name", '釧路"""; import os; """', "kushiro"],
        1,
        ("[input]", "name"),
        verify=no_scaffold,
    ),
    Case(
        "scaffold",
        "name-as-the-city-writes-it",
        [*NEW_CITY, "--name", "霞ヶ浦町・テスト", "kushiro"],
        0,
        verify=scaffold_parses("zaitaku-kushiro", "霞ヶ浦町・テスト"),
    ),
    Case(
        "scaffold",
        "name-with-newline",
        [*NEW_CITY, "--name", "釧路市\n[city]", "kushiro"],
        1,
        ("[input]", "name"),
        verify=no_scaffold,
    ),
    Case(
        "scaffold",
        "wrong-check-digit",
        ["new-city", "--code", "012069", "--name", "釧路市", "--dir", "{tmp}", "kushiro"],
        1,
        ("[municipal-code]",),
        verify=no_scaffold,
    ),
    Case(
        "scaffold",
        "dir-is-a-file",
        ["new-city", "--code", "012068", "--name", "釧路市", "--dir", "{tmp}/plain", "kushiro"],
        2,
        ("[usage]",),
        earlier_file("plain"),
        verify=unchanged("plain"),
    ),
    # The handoff CSV reader (lane `batch`): the examples, measured here, fixed there.
    Case(
        "handoff CSV",
        "no-at-column",
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/v.csv"],
        1,
        ("at",),
        csv_file("e.csv", "kind\nadmission\n"),
        verify=absent("v.csv"),
    ),
    Case(
        "handoff CSV",
        "japanese-headers",  # documented aliases (種別 = kind, 日時 = at): the row is read and judged
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/v.csv"],
        0,
        (),
        csv_file("e.csv", "種別,日時\n入院,2025-01-03T19:10\n"),
        verify=rows_written("v.csv", '"admission",2025-01-03 19:10:00'),
        lines=0,
    ),
    Case(
        "handoff CSV",
        "cp932-file",
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/v.csv"],
        0,
        (),
        csv_file("e.csv", "kind,at,subject\n入院,2025-01-03T19:10,A-1\n", "cp932"),
        lines=0,
    ),
    Case(
        "handoff CSV",
        "slash-date",
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/v.csv"],
        0,
        (),
        csv_file("e.csv", "kind,at\nadmission,2024/06/14 10:00\n"),
        lines=0,
    ),
    Case(
        "handoff CSV",
        "formula-in-at",
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/v.csv"],
        1,
        ("[行 '2']", "[列 'at']"),
        csv_file("e.csv", "kind,at\nadmission,=NOW()\n"),
        verify=absent("v.csv"),
    ),
    Case(
        "handoff CSV",
        "hour-24",
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/v.csv"],
        1,
        ("[行 '2']", "[列 'at']"),
        csv_file("e.csv", "kind,at\nadmission,2025-01-03T24:00\n"),
        verify=absent("v.csv"),
    ),
    Case(
        "handoff CSV",
        "blank-means",  # a blank means is "not recorded": the contact counts where no means is required
        ["handoff-batch", "{tmp}/e.csv", "--contacts", "{tmp}/c.csv", "-o", "{tmp}/v.csv"],
        0,
        (),
        lambda root, mp: (
            csv_file("e.csv", "kind,at\nadmission,2025-01-03T19:10\n")(root, mp),
            csv_file("c.csv", "event,at,to_party,means\n0,2025-01-04T10:00,hospital,\n")(root, mp),
        ),
        verify=rows_written("v.csv", '"admission",2025-01-03 19:10:00,true,250,true,250'),
        lines=0,
    ),
    Case(
        "outputs",
        "o-is-the-events-file",  # the verdicts would replace the file being read, its other columns lost
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/./e.csv"],
        2,
        ("[usage]", "--output", "EVENTS"),
        csv_file("e.csv", "kind,at\nadmission,2025-01-03T19:10\n"),
        verify=unchanged("e.csv", "kind,at\nadmission,2025-01-03T19:10\n"),
    ),
    Case(
        "outputs",
        "summary-output-is-the-contacts-file",
        ["handoff-batch", "{tmp}/e.csv", "--contacts", "{tmp}/c.csv", "-o", "{tmp}/v.csv", "--summary-output", "c.csv"],
        2,
        ("[usage]", "--summary-output", "--contacts"),
        lambda root, mp: (
            csv_file("e.csv", "kind,at\nadmission,2025-01-03T19:10\n")(root, mp),
            csv_file("c.csv", "event,at,to_party\n0,2025-01-04T10:00,hospital\n")(root, mp),
        ),
        verify=unchanged("c.csv", "event,at,to_party\n0,2025-01-04T10:00,hospital\n"),
    ),
    Case(
        "handoff CSV",
        "encoding-that-is-no-codec",  # --encoding xyz: codecs.lookup's LookupError was an internal error
        ["handoff-batch", "{tmp}/e.csv", "--encoding", "xyz", "-o", "{tmp}/v.csv"],
        1,
        ("[input]", "'xyz'", "cp932"),
        csv_file("e.csv", "kind,at\nadmission,2025-01-03T19:10\n"),
        verify=absent("v.csv"),
    ),
    Case(
        "handoff CSV",
        "encoding-that-is-no-codec-with-holidays",  # read first, by the holidays reader
        ["handoff-batch", "{tmp}/e.csv", "--holidays", "{tmp}/h.txt", "--encoding", "xyz", "-o", "{tmp}/v.csv"],
        1,
        ("[input]", "'xyz'", "cp932"),
        lambda root, mp: (
            csv_file("e.csv", "kind,at\nadmission,2025-01-03T19:10\n")(root, mp),
            csv_file("h.txt", "2025-01-06\n")(root, mp),
        ),
        verify=absent("v.csv"),
    ),
    Case(
        "handoff CSV",
        "excel-comma-rows-below-the-data",  # ',,,' rows Excel writes below formatted cells, a last blank line
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/v.csv"],
        0,
        (),
        csv_file("e.csv", "kind,at,note\r\n入院,2025-01-03T19:10,\r\n,,\r\n,,\r\n\r\n"),
        verify=rows_written("v.csv", '"admission",2025-01-03 19:10:00'),
        lines=0,
    ),
    Case(
        "handoff CSV",
        "blank-row-between-events",  # still an error: skipping it would shift the row numbers contacts name
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/v.csv"],
        1,
        ("[行 '3']", "[列 'kind']"),
        csv_file("e.csv", "kind,at\nadmission,2025-01-03T19:10\n,\nadmission,2025-01-04T19:10\n"),
        verify=absent("v.csv"),
    ),
    Case(
        "handoff CSV",
        "phone-number-subject",
        ["handoff-batch", "{tmp}/e.csv", "-o", "{tmp}/v.csv"],
        1,
        ("subject",),
        csv_file("e.csv", "subject,kind,at\n090-1234-5678,admission,2025-01-03T19:10\n"),
        verify=absent("v.csv"),
    ),
]


@dataclass
class Run:
    status: int | None  # None: an exception escaped, as a traceback would
    stdout: str
    stderr: str
    escaped: BaseException | None = None
    notes: list[str] = field(default_factory=list)


def run_case(case: Case, root: Path, mp: pytest.MonkeyPatch) -> Run:
    if case.setup is not None:
        case.setup(root, mp)
    args = [arg.replace("{tmp}", str(root)) for arg in case.args]
    out, err = io.BytesIO(), io.StringIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    mp.setattr(sys, "stdout", stdout)
    mp.setattr(sys, "stderr", err)
    mp.chdir(root)
    run = Run(None, "", "")
    try:
        run.status = main(args)
    except BaseException as exc:  # what the console script would show as a traceback
        run.escaped = exc
    finally:
        mp.undo()
    run.stdout, run.stderr = out.getvalue().decode("utf-8", "replace"), err.getvalue()
    return run


def judge(case: Case, run: Run, root: Path) -> tuple[str, str]:
    """("well" | "bad" | "worst", why)."""
    if case.expect == 0 and run.status != 0 and run.escaped is None:
        return "bad", f"refused what should work: exit status {run.status}: {run.stderr[:150]!r}"
    problem = case.verify(root) if case.verify is not None else None
    if problem:
        return "worst", problem
    if case.expect != 0 and run.status == 0:
        return "worst", "exit status 0: the input was accepted or the failure was silent"
    if run.escaped is not None:
        return "bad", f"traceback: {type(run.escaped).__name__}: {str(run.escaped)[:120]}"
    if "Traceback" in run.stderr:
        return "bad", "a traceback on standard error"
    if run.status != case.expect:
        return "bad", f"exit status {run.status}, expected {case.expect}"
    errors = [line for line in run.stderr.splitlines() if ERROR_LINE.match(line)]
    if case.expect != 0 and len(errors) != case.lines:
        return "bad", f"{len(errors)} error lines on standard error, expected {case.lines}: {errors[:3]}"
    if case.expect == 1 and not all(DOC_ADDRESS.search(line) for line in errors):
        return "bad", f"no full documentation address: {errors[0][-80:]!r}"
    if "\x1b" in run.stderr:
        return "bad", "a raw control character reached the terminal"
    missing = [word for word in case.say if word not in run.stderr]
    if missing:
        return "bad", f"standard error does not mention {missing}: {run.stderr[:200]!r}"
    absent_out = [word for word in case.stdout_has if word not in run.stdout]
    if absent_out:
        return "bad", f"standard output lacks {absent_out}"
    return "well", ""


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.hostile}:{c.id}") for c in CASES])
def test_hostile_command_lines(case: Case, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        run = run_case(case, tmp_path, mp)
    verdict, why = judge(case, run, tmp_path)
    assert verdict == "well", f"{verdict}: {why}\nstderr: {run.stderr}"


def test_temporary_files_are_removed_on_sigterm(tmp_path: Path) -> None:
    """SIGTERM arriving half-way through a write (after the temporary file is made, before it is renamed)
    leaves no temporary file and no partial output, and no traceback."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        real = os.replace
        def slow_replace(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGTERM)
            return real(*args, **kwargs)
        os.replace = slow_replace
        from zaitaku_core.cli import main
        sys.exit(main(["report", "asahikawa", "--fy", "2024", "-o", {str(tmp_path / "r.html")!r}]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode in {-signal.SIGTERM, 128 + signal.SIGTERM}, done.stderr
    assert "Traceback" not in done.stderr
    assert no_leftovers(tmp_path) is None and not (tmp_path / "r.html").exists()


# --- the handoff engine's two paths agree on the edge classes (lane `rules` fixed them; measured here) -------


def _outcome(call: Callable[[], tuple[bool, int]]) -> tuple[bool, int] | str:
    """A path's answer (after hours, units) or the class of the error it raised."""
    try:
        return call()
    except Exception as exc:
        return type(exc).__name__


def _both_paths(
    at: str, contacts: Sequence[dict[str, str]] = (), calendar: Any = None
) -> tuple[tuple[bool, int] | str, tuple[bool, int] | str]:
    import numpy as np

    from zaitaku_core.calendar import BusinessCalendar
    from zaitaku_core.handoff import Contact, Event, evaluate, evaluate_batch

    office = calendar or BusinessCalendar.build(closed_weekdays="sat,sun")

    def scalar() -> tuple[bool, int]:
        verdict = evaluate(
            Event(kind="admission", at=at),
            [Contact(**{k: v for k, v in c.items() if k != "event"}) for c in contacts],
            calendar=office,  # type: ignore[arg-type]
        )
        return verdict.after_hours, verdict.units

    def batch() -> tuple[bool, int]:
        columns = {"kind": np.array(["admission"], dtype=object), "at": np.array([at], dtype=object)}
        table = None
        if contacts:
            table = {key: np.array([c[key] for c in contacts], dtype=object) for key in contacts[0]}
            table["event"] = np.zeros(len(contacts), dtype=np.int64)
        result = evaluate_batch(columns, table, calendar=office)
        return bool(result["after_hours"][0]), int(result["units"][0])

    return _outcome(scalar), _outcome(batch)


def _closed_every_day() -> Any:
    from zaitaku_core.calendar import BusinessCalendar

    return BusinessCalendar.build(
        closed_weekdays="mon,tue,wed,thu,fri,sat,sun", national_holidays_closed=False, year_end_closed=False
    )


#: The issue's batch-vs-scalar edge classes: each is judged "well" when both paths give the same answer
#: (or raise the same error class), "worst" when they silently differ.
BATCH_EDGES: dict[str, Callable[[], tuple[tuple[bool, int] | str, tuple[bool, int] | str]]] = {
    "timestamp-with-+09:00": lambda: _both_paths("2025-01-06T19:00+09:00"),
    "timestamp-in-utc": lambda: _both_paths("2025-01-06T10:00Z"),
    "event-before-1700": lambda: _both_paths("1650-01-06T10:00"),
    "contact-before-1700": lambda: _both_paths(
        "2025-01-06T10:00", [{"event": "0", "at": "1650-01-07T10:00", "to_party": "hospital"}]
    ),
    "conference-text-false": lambda: _both_paths(
        "2025-01-06T10:00", [{"event": "0", "at": "2025-01-07T10:00", "to_party": "hospital", "conference": "false"}]
    ),
    "calendar-with-no-open-day": lambda: _both_paths("2025-01-06T10:00", calendar=_closed_every_day()),
}


@pytest.mark.parametrize("edge", sorted(BATCH_EDGES))
def test_batch_and_scalar_agree_on_edge_classes(edge: str) -> None:
    scalar, batch = BATCH_EDGES[edge]()
    assert scalar == batch, f"scalar {scalar} != batch {batch}"


# --- plugins, for embedders: create_registry() isolates what is broken ----------------------------------------


def test_create_registry_isolates_a_broken_city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    city_with_bad_programs(tmp_path, monkeypatch)
    registry = create_registry()
    assert {"asahikawa", "tokushima", "kushiro"} <= {city.id for city in registry.cities()}
    assert registry.plan("asahikawa", 2024).programs  # the others are served
    with pytest.raises(PluginDataError) as info:
        registry.plan("kushiro", 2024)
    assert info.value.location["file"] == "zk_sweep_badprograms/data/programs.toml"


def test_deep_nesting_is_a_plugin_data_error_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    city_nested_deeply(tmp_path, monkeypatch)
    registry = create_registry()
    assert {"asahikawa", "tokushima"} <= {city.id for city in registry.cities()}
    (error,) = registry.errors
    assert isinstance(error, PluginDataError)
    assert error.location["file"] == "zk_sweep_deep/data/city.toml"


def test_deep_nesting_from_a_hook_in_code_names_plugin_and_hook() -> None:
    from sample_plugins import city_record

    from zaitaku_core.plugins import hookimpl

    deep: Any = []
    for _ in range(5000):
        deep = [deep]

    class Deep:
        @hookimpl
        def zaitaku_cities(self) -> list[dict[str, Any]]:
            return [{**city_record("deep"), "metadata": {"a": deep}}]

    with pytest.raises(PluginDataError) as info:
        create_registry(entry_points=False, plugins=[("deep", Deep())])
    assert info.value.location == {"plugin": "deep", "hook": "zaitaku_cities"}


# --- the tally ---------------------------------------------------------------------------------------------


def tally() -> Counter[tuple[str, str]]:
    """Run every case of :data:`CASES` and print each verdict; return the counts by (class, verdict)."""
    counts: Counter[tuple[str, str]] = Counter()
    for case in CASES:
        with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as mp:
            root = Path(folder)
            try:
                run = run_case(case, root, mp)
                verdict, why = judge(case, run, root)
            except pytest.skip.Exception as exc:
                verdict, why = "skipped", str(exc)
        counts[case.hostile, verdict] += 1
        print(f"{verdict:7} {case.hostile:12} {case.id:40} {why[:150]}")
    for edge, compare in BATCH_EDGES.items():
        scalar, batch = compare()
        verdict = "well" if scalar == batch else "worst"
        counts["batch≠scalar", verdict] += 1
        print(f"{verdict:7} {'batch≠scalar':12} {edge:40} {'' if verdict == 'well' else f'{scalar} != {batch}'}")
    return counts


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    found = tally()
    print("\nclass         well  bad  worst")
    for hostile in [*dict.fromkeys(c.hostile for c in CASES), "batch≠scalar"]:
        row = [found[hostile, v] for v in ("well", "bad", "worst")]
        print(f"{hostile:12} {row[0]:5} {row[1]:4} {row[2]:6}")
    total = [sum(n for (_, v), n in found.items() if v == verdict) for verdict in ("well", "bad", "worst")]
    print(f"{'total':12} {total[0]:5} {total[1]:4} {total[2]:6}")
