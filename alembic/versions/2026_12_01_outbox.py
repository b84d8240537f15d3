"""The notice outbox: one row per planned reminder, ride or aftercare notice, or staff task.

Revision ID: 0005_outbox
Revises: 0004_hold_client_key
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0005_outbox"
down_revision: str | None = "0004_hold_client_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain types on purpose: a migration must not change when application code does.
AWARE = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
KINDS = (
    "confirmation", "week_before", "days_before", "preparation", "day_before", "hours_before",
    "pickup", "ready_for_pickup", "aftercare", "check_in", "rems_form", "cancellation",
)  # fmt: skip
AUDIENCES = ("patient", "escort", "staff")
STATUSES = ("pending", "claimed", "sent", "delivered", "failed", "skipped", "withdrawn")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", _enum("notice_kind", *KINDS), nullable=False),
        sa.Column("audience", _enum("notice_audience", *AUDIENCES), nullable=False),
        sa.Column("channel", _enum("notice_channel", "sms", "email"), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("moment_at", AWARE, nullable=False),
        sa.Column("due_at", AWARE, nullable=False),
        sa.Column("send_before", AWARE, nullable=True),
        sa.Column("status", _enum("notice_status", *STATUSES), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", AWARE, nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("provider_id", sa.String(length=128), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("context", JSON_DOC, nullable=False),
        sa.Column("fallbacks", JSON_DOC, nullable=False),
        sa.Column("sent_at", AWARE, nullable=True),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("updated_at", AWARE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("key", name=op.f("uq_notices_key")),
    )
    op.create_index(op.f("ix_notices_appointment_id"), "notices", ["appointment_id"])
    op.create_index("ix_notices_status_due_at", "notices", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_notices_status_due_at", table_name="notices")
    op.drop_index(op.f("ix_notices_appointment_id"), table_name="notices")
    op.drop_table("notices")
