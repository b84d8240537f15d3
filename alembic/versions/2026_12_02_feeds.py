"""Calendar feeds: one secret URL (stored hashed) per clinician, room or location feed,
and an index to read a room's appointments by time.

Revision ID: 0008_feeds
Revises: 0007_notice_policy
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008_feeds"
down_revision: str | None = "0007_notice_policy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AWARE = sa.DateTime(timezone=True)  # core.types.UTCDateTime stores UTC in this


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column(
            "kind",
            sa.Enum(
                "clinician",
                "room",
                "location",
                name="feed_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("rotated_at", AWARE, nullable=True),
        sa.Column("revoked_at", AWARE, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff_users.id"],
            name=op.f("fk_calendar_feeds_owner_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.create_index(op.f("ix_calendar_feeds_owner_id"), "calendar_feeds", ["owner_id"])
    # A room's or chair's feed reads its appointments by room and time.
    op.create_index(op.f("ix_appointments_room_id"), "appointments", ["room_id", "starts_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_appointments_room_id"), table_name="appointments")
    op.drop_index(op.f("ix_calendar_feeds_owner_id"), table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
