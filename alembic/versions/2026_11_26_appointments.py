"""Appointments, holds, occupancy (the no-double-booking constraint), series, waitlist,
idempotent requests.

Revision ID: 0002_appointments
Revises: 0001_foundation
Create Date: 2026-11-26 18:05:39.406061
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

# Plain types on purpose: a migration must not change when application code does.
AWARE = sa.DateTime(timezone=True)  # core.types.UTCDateTime stores UTC in this
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# The guarantee against double booking (PostgreSQL): two occupancy rows of one resource
# may not overlap in time unless both carry the shared "supervision" key. Autogenerate
# does not see exclusion constraints, so this is written by hand.
EXCLUDE_OVERLAP = """
ALTER TABLE occupancy ADD CONSTRAINT ex_occupancy_no_overlap EXCLUDE USING gist (
    resource_id WITH =,
    tstzrange(starts_at, ends_at, '[)') WITH &&,
    share_key WITH <>
)
"""
revision: str = "0002_appointments"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_type_id", sa.Uuid(), nullable=False),
        sa.Column("protocol", sa.String(length=40), nullable=False),
        sa.Column("min_gap_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_type_id"], ["appointment_types.id"],
            name=op.f("fk_series_appointment_type_id_appointment_types"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_series_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )  # fmt: skip
    op.create_index(op.f("ix_series_patient_id"), "series", ["patient_id"])
    op.create_table(
        "waitlist_entries",
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_type_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), nullable=True),
        sa.Column("earliest", sa.Date(), nullable=False),
        sa.Column("latest", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("waiting", "matched", "booked", "withdrawn", name="waitlist_status",
                    native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("matched_at", AWARE, nullable=True),
        sa.Column("matched_starts_at", AWARE, nullable=True),
        sa.Column("matched_clinician_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("latest >= earliest", name=op.f("ck_waitlist_entries_window_order")),
        sa.ForeignKeyConstraint(
            ["appointment_type_id"], ["appointment_types.id"],
            name=op.f("fk_waitlist_entries_appointment_type_id_appointment_types"),
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["clinicians.id"],
            name=op.f("fk_waitlist_entries_clinician_id_clinicians"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"],
            name=op.f("fk_waitlist_entries_location_id_locations"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_waitlist_entries_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_waitlist_entries_appointment_type_id"),
        "waitlist_entries",
        ["appointment_type_id", "status"],
    )
    op.create_index(op.f("ix_waitlist_entries_patient_id"), "waitlist_entries", ["patient_id"])
    op.create_table(
        "idempotent_requests",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", JSON_DOC, nullable=False),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_requests")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_idempotent_requests_scope_key")),
    )
    op.create_table(
        "appointments",
        sa.Column("appointment_type_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("series_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", AWARE, nullable=False),
        sa.Column("ends_at", AWARE, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "checked_in",
                "completed",
                "cancelled",
                "no_show",
                name="appointment_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("escort_name", sa.String(length=200), nullable=True),
        sa.Column("escort_phone", sa.String(length=20), nullable=True),
        sa.Column("gate_override_reason", sa.String(length=500), nullable=True),
        sa.Column("booked_by", sa.String(length=16), nullable=False),
        sa.Column("checked_in_at", AWARE, nullable=True),
        sa.Column("completed_at", AWARE, nullable=True),
        sa.Column("cancelled_at", AWARE, nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("late_cancel", sa.Boolean(), nullable=False),
        sa.Column("manage_token_hash", sa.String(length=64), nullable=True),
        sa.Column("manage_token_expires_at", AWARE, nullable=True),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("updated_at", AWARE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_appointments_end_after_start")),
        sa.ForeignKeyConstraint(
            ["appointment_type_id"],
            ["appointment_types.id"],
            name=op.f("fk_appointments_appointment_type_id_appointment_types"),
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.id"],
            name=op.f("fk_appointments_clinician_id_clinicians"),
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_appointments_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_appointments_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_appointments_room_id_rooms")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_appointments_series_id_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("manage_token_hash", name=op.f("uq_appointments_manage_token_hash")),
    )
    op.create_index(
        op.f("ix_appointments_clinician_id"), "appointments", ["clinician_id", "starts_at"]
    )
    op.create_index(
        op.f("ix_appointments_location_id"), "appointments", ["location_id", "starts_at"]
    )
    op.create_index(op.f("ix_appointments_patient_id"), "appointments", ["patient_id", "starts_at"])
    op.create_index(op.f("ix_appointments_series_id"), "appointments", ["series_id"])

    op.create_table(
        "holds",
        sa.Column("appointment_type_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", AWARE, nullable=False),
        sa.Column("ends_at", AWARE, nullable=False),
        sa.Column("expires_at", AWARE, nullable=False),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_type_id"],
            ["appointment_types.id"],
            name=op.f("fk_holds_appointment_type_id_appointment_types"),
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["clinicians.id"], name=op.f("fk_holds_clinician_id_clinicians")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_holds_location_id_locations")
        ),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name=op.f("fk_holds_room_id_rooms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    op.create_index(op.f("ix_holds_expires_at"), "holds", ["expires_at"])

    op.create_table(
        "occupancy",
        sa.Column(
            "resource_kind",
            sa.Enum(
                "clinician",
                "room",
                "clinician_start",
                name="resource_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("resource_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", AWARE, nullable=False),
        sa.Column("ends_at", AWARE, nullable=False),
        sa.Column("session_start", AWARE, nullable=False),
        sa.Column("share_key", sa.String(length=36), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("hold_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", AWARE, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(appointment_id IS NULL) <> (hold_id IS NULL)", name=op.f("ck_occupancy_one_owner")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_occupancy_end_after_start")),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_occupancy_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["holds.id"], name=op.f("fk_occupancy_hold_id_holds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupancy")),
    )
    op.create_index(op.f("ix_occupancy_appointment_id"), "occupancy", ["appointment_id"])
    op.create_index(op.f("ix_occupancy_hold_id"), "occupancy", ["hold_id"])
    op.create_index(op.f("ix_occupancy_resource_id"), "occupancy", ["resource_id", "starts_at"])
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(EXCLUDE_OVERLAP)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE occupancy DROP CONSTRAINT ex_occupancy_no_overlap")
    op.drop_index(op.f("ix_occupancy_resource_id"), table_name="occupancy")
    op.drop_index(op.f("ix_occupancy_hold_id"), table_name="occupancy")
    op.drop_index(op.f("ix_occupancy_appointment_id"), table_name="occupancy")

    op.drop_table("occupancy")
    op.drop_index(op.f("ix_holds_expires_at"), table_name="holds")

    op.drop_table("holds")
    op.drop_index(op.f("ix_appointments_series_id"), table_name="appointments")
    op.drop_index(op.f("ix_appointments_patient_id"), table_name="appointments")
    op.drop_index(op.f("ix_appointments_location_id"), table_name="appointments")
    op.drop_index(op.f("ix_appointments_clinician_id"), table_name="appointments")

    op.drop_table("appointments")
    op.drop_table("idempotent_requests")
    op.drop_index(op.f("ix_waitlist_entries_patient_id"), table_name="waitlist_entries")
    op.drop_index(op.f("ix_waitlist_entries_appointment_type_id"), table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
    op.drop_index(op.f("ix_series_patient_id"), table_name="series")
    op.drop_table("series")
