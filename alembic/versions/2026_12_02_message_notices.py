"""Notices a text message causes (a crisis alert to the on-call address, a staff reply):
no appointment, and two more notice kinds; the staff replies themselves.

Revision ID: 0010_message_notices
Revises: 0009_inbound
Create Date: 2026-12-02 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010_message_notices"
down_revision: str | None = "0009_inbound"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain values on purpose: a migration must not change when application code does.
OLD_KINDS = (
    "confirmation", "week_before", "days_before", "preparation", "day_before", "hours_before",
    "pickup", "ready_for_pickup", "aftercare", "check_in", "rems_form", "cancellation",
)  # fmt: skip
NEW_KINDS = (*OLD_KINDS, "crisis_alert", "staff_reply")
KIND_CHECK = "ck_notices_notice_kind"
AWARE = sa.DateTime(timezone=True)


def _alter(kinds: Sequence[str], *, nullable: bool) -> None:
    """Batch mode: SQLite copies the table (its CHECKs reflected), PostgreSQL alters it."""
    allowed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("notices") as batch:
        batch.alter_column("appointment_id", existing_type=sa.Uuid(), nullable=nullable)
        batch.drop_constraint(op.f(KIND_CHECK), type_="check")
        batch.create_check_constraint(op.f(KIND_CHECK), sa.text(f"kind IN ({allowed})"))


def upgrade() -> None:
    _alter(NEW_KINDS, nullable=True)
    op.create_table(
        "staff_replies",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("inbound_id", sa.Uuid(), nullable=True),
        sa.Column("to_number", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("quiet_hours_reason", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_id"], ["inbound_messages.id"],
            name=op.f("fk_staff_replies_inbound_id_inbound_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_staff_replies_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["sent_by"], ["staff_users.id"], name=op.f("fk_staff_replies_sent_by_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_replies")),
    )  # fmt: skip
    op.create_index(op.f("ix_staff_replies_patient_id"), "staff_replies", ["patient_id"])


def downgrade() -> None:
    op.drop_table("staff_replies")
    op.execute("DELETE FROM notices WHERE appointment_id IS NULL")
    _alter(OLD_KINDS, nullable=False)
