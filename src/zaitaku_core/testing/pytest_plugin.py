"""The pytest plugin of zaitaku-core, loaded by pytest through the ``pytest11`` entry point.

It makes the conformance suite's plain ``assert`` statements explain themselves (assertion rewriting must
be switched on before :mod:`zaitaku_core.testing.conformance` is imported, which only a plugin loaded at
start-up can do), prints the installed zaitaku plugins in the test header, and offers two fixtures:

* ``zaitaku_registry``: a registry of every installed plugin (entry points), made once per session;
* ``zaitaku_registry_factory``: :func:`~zaitaku_core.plugins.create_registry` itself, for registries of
  your own (only some plugins, plugins defined in the test).

It imports neither hypothesis nor the suite, so it costs nothing in projects that do not use them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytest.register_assert_rewrite("zaitaku_core.testing.conformance")

from zaitaku_core import __version__  # noqa: E402  (after the rewrite hook, by design)
from zaitaku_core.plugins import Registry, create_registry  # noqa: E402


def pytest_report_header(config: pytest.Config) -> str:
    """``zaitaku-core <version>; plugins: <name> <version>, …`` at the top of the test session."""
    from importlib import metadata

    found = sorted(f"{ep.name} {ep.dist.version if ep.dist else '?'}" for ep in metadata.entry_points(group="zaitaku"))
    return f"zaitaku-core {__version__}; plugins: {', '.join(found) or 'none'}"


@pytest.fixture(scope="session")
def zaitaku_registry() -> Registry:
    """A registry of every installed zaitaku plugin (plugins that fail to load are in ``.errors``)."""
    return create_registry()


@pytest.fixture
def zaitaku_registry_factory() -> Callable[..., Registry]:
    """:func:`~zaitaku_core.plugins.create_registry`, e.g. ``factory(entry_points=False, plugins=[p])``."""
    return create_registry
