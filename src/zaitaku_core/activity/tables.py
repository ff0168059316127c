"""The activity log's tables, as SQLAlchemy Core metadata (what the queries are written against).

The migrations in ``migrations/versions/`` create exactly these tables (a test compares the two); change
both together, with a new migration. Documented for people who query the log with their own tools in
``docs/reference/activity-log.md``.
"""

from __future__ import annotations

import sqlalchemy as sa

from zaitaku_core.activity.record import SCENE_COLUMNS

__all__ = ["activity", "activity_change", "activity_deleted", "activity_participant", "import_batch", "metadata"]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: One row per import (a file, or one ``zaitaku log add``): where the entries came from, and when.
import_batch = sa.Table(
    "import_batch",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64)),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("inserted", sa.Integer, nullable=False),
)

#: One row per activity entry (see :class:`zaitaku_core.activity.record.Activity`).
activity = sa.Table(
    "activity",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("row_key", sa.LargeBinary(16), nullable=False),
    sa.Column("content_hash", sa.LargeBinary(16), nullable=False),
    sa.Column("city", sa.String(120), nullable=False),
    sa.Column("program", sa.String(120), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("fiscal_year", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("title", sa.String(200)),
    sa.Column("participants", sa.Integer),
    *(sa.Column(name, sa.Boolean, nullable=False) for name in SCENE_COLUMNS.values()),
    sa.Column("body", sa.String(200)),
    sa.Column("asker", sa.String(20)),
    sa.Column("asker_profession", sa.String(40)),
    sa.Column("topic", sa.String(80)),
    sa.Column("case_id", sa.String(64)),
    sa.Column("row_id", sa.String(64)),
    sa.Column("import_id", sa.Integer, sa.ForeignKey("import_batch.id"), nullable=False),
    sa.Column("line", sa.Integer),
    sa.CheckConstraint("count >= 1", name="count_positive"),
    sa.CheckConstraint("participants >= 0", name="participants_not_negative"),
    # An index, not a table constraint: an import into an empty log drops it and makes it again (migration 0004).
    sa.Index("uq_activity_row_key", "row_key", unique=True),
)

#: Participants of an activity by profession, where known (one row per activity and profession).
activity_participant = sa.Table(
    "activity_participant",
    metadata,
    sa.Column(
        "row_key",
        sa.LargeBinary(16),
        sa.ForeignKey("activity.row_key", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("profession", sa.String(40), primary_key=True),
    sa.Column("participants", sa.Integer, nullable=False),
    sa.CheckConstraint("participants >= 0", name="participants_not_negative"),
)

#: The audit trail: one row per entry corrected, deleted or restored (never deleted itself).
activity_change = sa.Table(
    "activity_change",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("city", sa.String(120), nullable=False),
    sa.Column("row_key", sa.LargeBinary(16), nullable=False),
    sa.Column("row_id", sa.String(64)),
    sa.Column("entry", sa.Integer),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("source", sa.String(255), nullable=False),
    sa.Column("reason", sa.String(200)),
    sa.CheckConstraint("action IN ('correct', 'delete', 'restore')", name="action_known"),
)

#: Keys of deleted entries, so that importing a file that still holds one does not bring it back.
activity_deleted = sa.Table(
    "activity_deleted",
    metadata,
    sa.Column("row_key", sa.LargeBinary(16), primary_key=True),
    sa.Column("city", sa.String(120), nullable=False),
    sa.Column("change_id", sa.Integer, sa.ForeignKey("activity_change.id"), nullable=False),
)
