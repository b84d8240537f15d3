"""Holds remember who asked (a keyed hash of the client's address, never the address), so
live holds can be counted per client across restarts and worker processes.

Revision ID: 0004_hold_client_key
Revises: 0003_patient_facing_text
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004_hold_client_key"
down_revision: str | None = "0003_patient_facing_text"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("holds", sa.Column("client_key", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_holds_client_key"), "holds", ["client_key", "expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_holds_client_key"), table_name="holds")
    op.drop_column("holds", "client_key")
