"""The activity's row key is unique through a named index (uq_activity_row_key), not a table constraint.

An index can be dropped and made again: an import into an empty log drops it, writes the entries and
makes it again in one pass over the sorted keys, which costs less than keeping it up to date entry by
entry (benchmarks/README.md, activity log). A UNIQUE table constraint cannot be dropped in SQLite, so the
table is rebuilt there; ``activity_participant`` (whose foreign key points at the row key) is copied aside
and written back, so that dropping the old table cascades to nothing. PostgreSQL swaps the constraint for
the index in place (its foreign key accepts a unique index).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SCENES = ("scene_daily_support", "scene_admission_discharge", "scene_emergency", "scene_end_of_life")
_FK = "fk_activity_participant_row_key_activity"


def _activity_columns() -> list[sa.Column[Any]]:
    return [
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
    ]


def _activity(name: str, *, unique: bool) -> None:
    op.create_table(
        name,
        *_activity_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_activity"),
        *([sa.UniqueConstraint("row_key", name="uq_activity_row_key")] if unique else []),
        sa.ForeignKeyConstraint(["import_id"], ["import_batch.id"], name="fk_activity_import_id_import_batch"),
        sa.CheckConstraint("count >= 1", name="ck_activity_count_positive"),
        sa.CheckConstraint("participants >= 0", name="ck_activity_participants_not_negative"),
    )


def _participant() -> None:
    op.create_table(
        "activity_participant",
        sa.Column("row_key", sa.LargeBinary(16), nullable=False),
        sa.Column("profession", sa.String(40), nullable=False),
        sa.Column("participants", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("row_key", "profession", name="pk_activity_participant"),
        sa.ForeignKeyConstraint(["row_key"], ["activity.row_key"], name=_FK, ondelete="CASCADE"),
        sa.CheckConstraint("participants >= 0", name="ck_activity_participant_participants_not_negative"),
    )


def _rebuild_sqlite(*, unique: bool) -> None:
    """Rebuild ``activity`` (with or without the UNIQUE constraint), its entries, ids and participants kept."""
    columns = ", ".join(column.name for column in _activity_columns())
    op.execute("CREATE TABLE _participant_copy AS SELECT row_key, profession, participants FROM activity_participant")
    op.drop_table("activity_participant")  # the only table pointing at activity: nothing cascades below
    _activity("_activity_new", unique=unique)
    op.execute(f"INSERT INTO _activity_new ({columns}) SELECT {columns} FROM activity")
    op.drop_table("activity")
    op.rename_table("_activity_new", "activity")
    if not unique:
        op.create_index("uq_activity_row_key", "activity", ["row_key"], unique=True)
    _participant()
    op.execute(
        "INSERT INTO activity_participant (row_key, profession, participants) "
        "SELECT row_key, profession, participants FROM _participant_copy"
    )
    op.drop_table("_participant_copy")


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        _rebuild_sqlite(unique=False)
        return
    op.drop_constraint(_FK, "activity_participant", type_="foreignkey")
    op.drop_constraint("uq_activity_row_key", "activity", type_="unique")
    op.create_index("uq_activity_row_key", "activity", ["row_key"], unique=True)
    op.create_foreign_key(_FK, "activity_participant", "activity", ["row_key"], ["row_key"], ondelete="CASCADE")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.drop_index("uq_activity_row_key", table_name="activity")
        _rebuild_sqlite(unique=True)
        return
    op.drop_constraint(_FK, "activity_participant", type_="foreignkey")
    op.drop_index("uq_activity_row_key", table_name="activity")
    op.create_unique_constraint("uq_activity_row_key", "activity", ["row_key"])
    op.create_foreign_key(_FK, "activity_participant", "activity", ["row_key"], ["row_key"], ondelete="CASCADE")
