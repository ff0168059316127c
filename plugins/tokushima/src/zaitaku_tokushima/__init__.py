"""zaitaku plugin for 徳島市 (Tokushima): the city's data, served through the core's :class:`DataPlugin`.

Everything the plugin declares lives in the TOML files of ``data/``; see their comments for sources.
"""

from zaitaku_core.plugins import DataPlugin

__all__ = ["plugin"]

#: The plugin object registered in the ``zaitaku`` entry-point group.
plugin = DataPlugin(__name__)
