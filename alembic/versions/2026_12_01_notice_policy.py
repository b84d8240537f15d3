"""An appointment type's notice settings: overrides per notice kind over the defaults.

Revision ID: 0007_notice_policy
Revises: 0006_setup_version
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0007_notice_policy"
down_revision: str | None = "0006_setup_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # server_default: existing types override nothing, so they keep the defaults.
    with op.batch_alter_table("appointment_types") as batch:
        batch.add_column(
            sa.Column("notice_policy", JSON_DOC, nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_types") as batch:
        batch.drop_column("notice_policy")
