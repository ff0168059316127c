"""Root pytest configuration: which files are not test modules."""

collect_ignore = ["src/zaitaku_core/cli/__main__.py", "scripts", "docs/conf.py"]
