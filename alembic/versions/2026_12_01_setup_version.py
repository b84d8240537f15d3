"""A counter every clinic setup change bumps, so each process knows when its cached copy of
the setup (hours, overrides, clinicians, rooms, types) is out of date.

Revision ID: 0006_setup_version
Revises: 0005_outbox
Create Date: 2026-12-01 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006_setup_version"
down_revision: str | None = "0005_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "setup_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_setup_version_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 1}])


def downgrade() -> None:
    op.drop_table("setup_version")
