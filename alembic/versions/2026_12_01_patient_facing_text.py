"""What patients see: a clinician's display name, an appointment type's description and
preparation instructions.

Revision ID: 0003_patient_facing_text
Revises: 0002_appointments
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003_patient_facing_text"
down_revision: str | None = "0002_appointments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # server_default: rows that exist already get an empty text, which means "not set".
    with op.batch_alter_table("clinicians") as batch:
        batch.add_column(
            sa.Column("display_name", sa.String(length=200), nullable=False, server_default="")
        )
    with op.batch_alter_table("appointment_types") as batch:
        batch.add_column(
            sa.Column("description", sa.String(length=500), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("preparation", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("appointment_types") as batch:
        batch.drop_column("preparation")
        batch.drop_column("description")
    with op.batch_alter_table("clinicians") as batch:
        batch.drop_column("display_name")
