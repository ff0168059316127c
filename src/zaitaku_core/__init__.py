"""zaitaku-core: the national framework of 在宅医療・介護連携推進事業 as a library, with city plugins.

The package imports nothing heavy at start-up; the public names are re-exported lazily from the modules
that own them (see :data:`__all__`).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {}

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zaitaku_core' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
