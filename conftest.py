"""Root pytest configuration: which files are not test modules, and pytester for the suite's own tests."""

pytest_plugins = ["pytester"]

# The activity log's Alembic migrations run only inside Alembic (env.py reads its context when imported).
collect_ignore = ["src/zaitaku_core/cli/__main__.py", "scripts", "docs/conf.py", "src/zaitaku_core/activity/migrations"]
