"""Alembic environment of the activity log: runs on the connection :mod:`zaitaku_core.activity.store` passes.

The log migrates itself when it is opened (``ActivityLog.open``); this file is what Alembic runs then. To
write a new migration, from a checkout: ``alembic -c src/zaitaku_core/activity/migrations/alembic.ini
revision -m "what changes"``, then edit the file it writes under ``versions/`` by hand and update
``tables.py`` to match (``tests/test_activity_log.py`` compares them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from zaitaku_core.activity.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # the alembic command line, with a URL in alembic.ini or -x url=…
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    engine = sa.create_engine(str(url))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
