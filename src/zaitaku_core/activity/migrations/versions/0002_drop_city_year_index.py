"""Drop the (city, fiscal_year) index of activity.

Every aggregate the log computes scans a city's entries anyway, and a centre's log holds thousands of
entries a year, so the index saved nothing that was measured, while keeping it up to date cost about a
third of the time of writing an entry (benchmarks/bench_activity.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_activity_city_fiscal_year", table_name="activity")


def downgrade() -> None:
    op.create_index("ix_activity_city_fiscal_year", "activity", ["city", "fiscal_year"])
