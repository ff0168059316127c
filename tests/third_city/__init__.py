"""A third city for the tests, in none of the bundled plugins: 高松市 as a 第9期 plan chapter states it.

The data is written for the tests in the shape of a 第9期 介護保険事業計画 chapter on 在宅医療・介護連携 (scene
aims, a council with its working group, a centre founded jointly by the city and the 医師会, four programs
stated once for FY2024–2026, indicators with 第8期 actuals and 第9期 plans). It is not the city's published
plan: every source it names says so. It is served by the core's :class:`~zaitaku_core.plugins.DataPlugin`
from ``data/``, exactly as an out-of-tree plugin package would be.
"""

from zaitaku_core.plugins import DataPlugin

__all__ = ["plugin"]

#: The plugin object (registered in code by the tests; a real package names it in its entry point).
plugin = DataPlugin(__name__)
