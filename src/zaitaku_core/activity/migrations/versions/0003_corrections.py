"""Corrections and deletions: the audit trail (activity_change) and the keys of deleted entries.

An entry can now be corrected (a re-import with ``--correct`` of a row whose row id is in the log with
other content) or deleted (``zaitaku log delete``). Each change is kept in ``activity_change`` with the
entry as it was and as it became; a deleted entry's key stays in ``activity_deleted`` so that a later
import of a file still holding the row does not bring it back unless asked to.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_change",
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
        sa.PrimaryKeyConstraint("id", name="pk_activity_change"),
        sa.CheckConstraint("action IN ('correct', 'delete', 'restore')", name="ck_activity_change_action_known"),
    )
    op.create_table(
        "activity_deleted",
        sa.Column("row_key", sa.LargeBinary(16), nullable=False),
        sa.Column("city", sa.String(120), nullable=False),
        sa.Column("change_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("row_key", name="pk_activity_deleted"),
        sa.ForeignKeyConstraint(
            ["change_id"], ["activity_change.id"], name="fk_activity_deleted_change_id_activity_change"
        ),
    )


def downgrade() -> None:
    op.drop_table("activity_deleted")
    op.drop_table("activity_change")
