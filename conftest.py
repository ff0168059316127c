"""Root pytest configuration: which files are not test modules, pytester for the suite's own tests, and the
suite's hypothesis profile."""

import pytest
from hypothesis import settings

pytest_plugins = ["pytester"]

# The activity log's Alembic migrations run only inside Alembic (env.py reads its context when imported).
collect_ignore = ["src/zaitaku_core/cli/__main__.py", "scripts", "docs/conf.py", "src/zaitaku_core/activity/migrations"]

# No per-example deadline: a deadline is a timing assertion, and speed goals live in benchmarks/, not in
# tests (on a loaded 2-core machine a deadline fails correct code). Examples and shrinking are unchanged.
settings.register_profile("zaitaku", deadline=None)
settings.load_profile("zaitaku")


@pytest.fixture(autouse=True)
def _no_locale_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see the C locale, which names no language: zaitaku then speaks Japanese unless a test asks
    otherwise (``--lang``, ``ZAITAKU_LANG``, or a locale it sets), whatever the developer's own locale."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
