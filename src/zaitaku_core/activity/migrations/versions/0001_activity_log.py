"""The activity log: imports, activities, participants by profession.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_SCENES = ("scene_daily_support", "scene_admission_discharge", "scene_emergency", "scene_end_of_life")


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("inserted", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_import_batch"),
    )
    op.create_table(
        "activity",
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
        *(sa.Column(name, sa.Boolean, nullable=False) for name in _SCENES),
        sa.Column("body", sa.String(200)),
        sa.Column("asker", sa.String(20)),
        sa.Column("asker_profession", sa.String(40)),
        sa.Column("topic", sa.String(80)),
        sa.Column("case_id", sa.String(64)),
        sa.Column("row_id", sa.String(64)),
        sa.Column("import_id", sa.Integer, nullable=False),
        sa.Column("line", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_activity"),
        sa.UniqueConstraint("row_key", name="uq_activity_row_key"),
        sa.ForeignKeyConstraint(["import_id"], ["import_batch.id"], name="fk_activity_import_id_import_batch"),
        sa.CheckConstraint("count >= 1", name="ck_activity_count_positive"),
        sa.CheckConstraint("participants >= 0", name="ck_activity_participants_not_negative"),
    )
    op.create_index("ix_activity_city_fiscal_year", "activity", ["city", "fiscal_year"])
    op.create_table(
        "activity_participant",
        sa.Column("row_key", sa.LargeBinary(16), nullable=False),
        sa.Column("profession", sa.String(40), nullable=False),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("row_key", "profession", name="pk_activity_participant"),
        sa.ForeignKeyConstraint(
            ["row_key"],
            ["activity.row_key"],
            name="fk_activity_participant_row_key_activity",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("participants >= 0", name="ck_activity_participant_participants_not_negative"),
    )


def downgrade() -> None:
    op.drop_table("activity_participant")
    op.drop_index("ix_activity_city_fiscal_year", table_name="activity")
    op.drop_table("activity")
    op.drop_table("import_batch")
