"""Root pytest configuration: which files are not test modules, and pytester for the suite's own tests."""

pytest_plugins = ["pytester"]

collect_ignore = ["src/zaitaku_core/cli/__main__.py", "scripts", "docs/conf.py"]
