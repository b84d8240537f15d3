"""Waitlist offers: a freed slot offered to one waiting patient through a secret link and a
hold, and the notice kind of the offer's message.

Revision ID: 0012_waitlist_offers
Revises: 0011_sms_opt_outs
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012_waitlist_offers"
down_revision: str | None = "0011_sms_opt_outs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain values on purpose: a migration must not change when application code does.
OLD_KINDS = (
    "confirmation", "week_before", "days_before", "preparation", "day_before", "hours_before",
    "pickup", "ready_for_pickup", "aftercare", "check_in", "rems_form", "cancellation",
    "crisis_alert", "staff_reply",
)  # fmt: skip
NEW_KINDS = (*OLD_KINDS, "waitlist_offer")
KIND_CHECK = "ck_notices_notice_kind"
AWARE = sa.DateTime(timezone=True)
T = "waitlist_offers"


def _kinds(kinds: Sequence[str]) -> None:
    allowed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint(op.f(KIND_CHECK), type_="check")
        batch.create_check_constraint(op.f(KIND_CHECK), sa.text(f"kind IN ({allowed})"))


def _fk(column: str, table: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{T}_{column}_{table}"), ondelete=ondelete
    )


def upgrade() -> None:
    _kinds(NEW_KINDS)
    status = sa.Enum(
        "offered", "accepted", "declined", "expired", "withdrawn", name="offer_status",
        native_enum=False, create_constraint=True, length=32,
    )  # fmt: skip
    op.create_table(
        T,
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_type_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", AWARE, nullable=False),
        sa.Column("hold_id", sa.Uuid(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("status", status, nullable=False),
        sa.Column("expires_at", AWARE, nullable=False),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("decided_at", AWARE, nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        _fk("entry_id", "waitlist_entries"),
        _fk("patient_id", "patients"),
        _fk("appointment_type_id", "appointment_types"),
        _fk("location_id", "locations"),
        _fk("clinician_id", "clinicians"),
        _fk("room_id", "rooms"),
        _fk("hold_id", "holds", ondelete="SET NULL"),
        _fk("appointment_id", "appointments"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{T}")),
        sa.UniqueConstraint("token_hash", name=op.f(f"uq_{T}_token_hash")),
    )
    op.create_index(op.f(f"ix_{T}_entry_id"), T, ["entry_id"])
    op.create_index(op.f(f"ix_{T}_status"), T, ["status", "expires_at"])


def downgrade() -> None:
    op.drop_table(T)
    op.execute("DELETE FROM notices WHERE kind = 'waitlist_offer'")
    _kinds(OLD_KINDS)
