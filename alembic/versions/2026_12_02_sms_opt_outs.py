"""The opt-out registry by number (sms_opt_outs): a STOP from any number, a patient's or an
escort's, is kept there until the number opts back in.

Revision ID: 0011_sms_opt_outs
Revises: 0010_message_notices
Create Date: 2026-12-02 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0011_sms_opt_outs"
down_revision: str | None = "0010_message_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_opt_outs",
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_opt_outs")),
        sa.UniqueConstraint("phone", name=op.f("uq_sms_opt_outs_phone")),
    )


def downgrade() -> None:
    op.drop_table("sms_opt_outs")
