"""The core's conformance suite, run against this plugin."""

from zaitaku_core.testing.conformance import PluginConformance


class TestConformance(PluginConformance):
    plugin = "tokushima"
