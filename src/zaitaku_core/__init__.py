"""zaitaku-core: the national framework of 在宅医療・介護連携推進事業 as a library, with city plugins.

The package imports nothing heavy at start-up; the public names are re-exported lazily from the modules
that own them (see :data:`__all__`).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: Public name -> the module that owns it (imported on first use).
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(["hookimpl", "hookspec"], "zaitaku_core.hookspecs"),
    **dict.fromkeys(["DataPlugin", "Registry", "create_registry", "load_data"], "zaitaku_core.plugins"),
    **dict.fromkeys(
        ["ActorKind", "CareScene", "EventKind", "NewItem", "OldItem", "Phase", "ToolKind"], "zaitaku_core.framework"
    ),
    **dict.fromkeys(
        [
            "City",
            "Finding",
            "Frequency",
            "HandoffRule",
            "Indicator",
            "IndicatorValue",
            "Municipality",
            "Plan",
            "Program",
            "Tool",
            "json_schemas",
        ],
        "zaitaku_core.model",
    ),
    **dict.fromkeys(["FiscalYear", "PlanPeriod", "parse_date", "parse_fiscal_year"], "zaitaku_core.calendar"),
    **dict.fromkeys(["PluginError", "ZaitakuError"], "zaitaku_core.errors"),
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __dir__() -> list[str]:
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zaitaku_core' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
