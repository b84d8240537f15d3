"""Inbound text messages, and the confirmations a reply records on an appointment.

Revision ID: 0009_inbound
Revises: 0008_feeds
Create Date: 2026-12-02 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009_inbound"
down_revision: str | None = "0008_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain types on purpose: a migration must not change when application code does.
AWARE = sa.DateTime(timezone=True)
INTENTS = ("confirm", "yes", "reschedule", "opt_out", "opt_in", "help", "staff")
SENDERS = ("patient", "escort", "shared", "unknown")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("appointments") as batch:
        batch.add_column(sa.Column("attendance_confirmed_at", AWARE, nullable=True))
        batch.add_column(sa.Column("ride_confirmed_at", AWARE, nullable=True))
    # Every text from an escort's number, and every STOP, looks for the visits it escorts;
    # every delivery report finds its notice by Twilio's message id.
    op.create_index("ix_appointments_escort_phone", "appointments", ["escort_phone"])
    op.create_index("ix_notices_provider_id", "notices", ["provider_id"])
    op.create_table(
        "inbound_messages",
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("from_number", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", AWARE, nullable=False),
        sa.Column("intent", _enum("inbound_intent", *INTENTS), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("sender", _enum("inbound_sender", *SENDERS), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("handled_at", AWARE, nullable=True),
        sa.Column("handled_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"], ["appointments.id"],
            name=op.f("fk_inbound_messages_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["handled_by"], ["staff_users.id"],
            name=op.f("fk_inbound_messages_handled_by_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_inbound_messages_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_inbound_messages_message_sid")),
    )  # fmt: skip
    op.create_index(op.f("ix_inbound_messages_from_number"), "inbound_messages", ["from_number"])
    op.create_index(op.f("ix_inbound_messages_patient_id"), "inbound_messages", ["patient_id"])
    op.create_index(
        op.f("ix_inbound_messages_urgent"), "inbound_messages",
        ["urgent", "handled_at", "received_at"],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("inbound_messages")
    op.drop_index("ix_notices_provider_id", table_name="notices")
    op.drop_index("ix_appointments_escort_phone", table_name="appointments")
    with op.batch_alter_table("appointments") as batch:
        batch.drop_column("ride_confirmed_at")
        batch.drop_column("attendance_confirmed_at")
