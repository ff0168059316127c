"""Tools for testing zaitaku plugins and rules: hypothesis strategies and the plugin conformance suite.

Needs the ``test`` extra (``pip install zaitaku-core[test]``): hypothesis and pytest.

* :mod:`zaitaku_core.testing.strategies` — strategies that build valid domain objects.
* :mod:`zaitaku_core.testing.conformance` — :class:`~zaitaku_core.testing.conformance.PluginConformance`,
  the tests every city plugin runs by subclassing it in one line.
* :mod:`zaitaku_core.testing.sources` — helpers for a plugin's source-coverage test: do its documents'
  statements reach its reports, in their words?
"""
