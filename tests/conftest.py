"""Shared fixtures: a registry holding only plugins defined in code."""

from __future__ import annotations

import pytest
from sample_plugins import SamplePlugin

from zaitaku_core.plugins import Registry, create_registry


@pytest.fixture
def sample_registry() -> Registry:
    """A registry with the sample plugin only (no entry points, no defaults)."""
    return create_registry(entry_points=False, plugins=[("sample", SamplePlugin())])
