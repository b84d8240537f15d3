"""Foundation: clinic setup, patients, staff accounts and sessions, audit log.

Revision ID: 0001_foundation
Revises: (none)
Create Date: 2026-11-26 17:53:11.712658
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

# Plain types on purpose: a migration must not change when application code does.
AWARE = sa.DateTime(timezone=True)  # core.types.UTCDateTime stores UTC in this
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "appointment_types",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("public_name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "consult",
                "follow_up",
                "iv_infusion",
                "esketamine",
                name="appointment_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("clinician_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "room_kind",
            sa.Enum(
                "consult_room",
                "treatment_chair",
                name="room_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("room_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_before_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_after_minutes", sa.Integer(), nullable=False),
        sa.Column("min_notice_minutes", sa.Integer(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("slot_step_minutes", sa.Integer(), nullable=False),
        sa.Column("online_bookable", sa.Boolean(), nullable=False),
        sa.Column("requires_consult", sa.Boolean(), nullable=False),
        sa.Column("requires_consent", sa.Boolean(), nullable=False),
        sa.Column("requires_rems", sa.Boolean(), nullable=False),
        sa.Column("requires_escort", sa.Boolean(), nullable=False),
        sa.Column("max_starts_per_window", sa.Integer(), nullable=True),
        sa.Column("start_window_minutes", sa.Integer(), nullable=False),
        sa.Column("late_cancel_hours", sa.Integer(), nullable=False),
        sa.Column("fast_food_minutes", sa.Integer(), nullable=True),
        sa.Column("fast_liquids_minutes", sa.Integer(), nullable=True),
        sa.Column("monitoring_form_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "buffer_before_minutes >= 0 AND buffer_after_minutes >= 0",
            name=op.f("ck_appointment_types_buffers"),
        ),
        sa.CheckConstraint(
            "clinician_minutes > 0", name=op.f("ck_appointment_types_clinician_minutes_positive")
        ),
        sa.CheckConstraint(
            "room_minutes >= 0", name=op.f("ck_appointment_types_room_minutes_not_negative")
        ),
        sa.CheckConstraint(
            "slot_step_minutes > 0", name=op.f("ck_appointment_types_slot_step_positive")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_types")),
        sa.UniqueConstraint("name", name=op.f("uq_appointment_types_name")),
    )
    op.create_table(
        "audit_events",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", AWARE, nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("before", JSON_DOC, nullable=True),
        sa.Column("after", JSON_DOC, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_events_id")),
    )
    op.create_index(
        op.f("ix_audit_events_appointment_id"), "audit_events", ["appointment_id", "seq"]
    )
    op.create_index(
        op.f("ix_audit_events_entity_type"), "audit_events", ["entity_type", "entity_id", "seq"]
    )
    op.create_index(op.f("ix_audit_events_patient_id"), "audit_events", ["patient_id", "seq"])

    op.create_table(
        "clinicians",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credentials", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinicians")),
    )
    op.create_table(
        "locations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("name", name=op.f("uq_locations_name")),
    )
    op.create_table(
        "patients",
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("sms_consent_at", AWARE, nullable=True),
        sa.Column("email_consent_at", AWARE, nullable=True),
        sa.Column(
            "contact_restriction",
            sa.Enum(
                "none",
                "email_only",
                "sms_only",
                name="contact_restriction",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("no_escort_messages", sa.Boolean(), nullable=False),
        sa.Column("consult_completed_at", AWARE, nullable=True),
        sa.Column("consent_signed_at", AWARE, nullable=True),
        sa.Column("rems_enrolled_at", AWARE, nullable=True),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
    )
    op.create_index(op.f("ix_patients_date_of_birth"), "patients", ["date_of_birth", "family_name"])
    op.create_index(op.f("ix_patients_email"), "patients", ["email"])
    op.create_index(op.f("ix_patients_phone"), "patients", ["phone"])

    op.create_table(
        "clinician_appointment_types",
        sa.Column("clinician_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_type_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_type_id"],
            ["appointment_types.id"],
            name=op.f("fk_clinician_appointment_types_appointment_type_id_appointment_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.id"],
            name=op.f("fk_clinician_appointment_types_clinician_id_clinicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "clinician_id", "appointment_type_id", name=op.f("pk_clinician_appointment_types")
        ),
    )
    op.create_table(
        "date_overrides",
        sa.Column("clinician_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=True),
        sa.Column("end_time", sa.Time(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(start_time IS NULL AND end_time IS NULL) OR (end_time > start_time)",
            name=op.f("ck_date_overrides_times_consistent"),
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.id"],
            name=op.f("fk_date_overrides_clinician_id_clinicians"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_date_overrides_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_date_overrides")),
    )
    op.create_index(
        op.f("ix_date_overrides_clinician_id"), "date_overrides", ["clinician_id", "on_date"]
    )

    op.create_table(
        "location_closures",
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", AWARE, nullable=False),
        sa.Column("ends_at", AWARE, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_location_closures_end_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_location_closures_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_location_closures")),
    )
    op.create_index(op.f("ix_location_closures_location_id"), "location_closures", ["location_id"])

    op.create_table(
        "rooms",
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "consult_room",
                "treatment_chair",
                name="room_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_rooms_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rooms")),
        sa.UniqueConstraint("location_id", "name", name=op.f("uq_rooms_location_id_name")),
    )
    op.create_index(op.f("ix_rooms_location_id"), "rooms", ["location_id"])

    op.create_table(
        "staff_users",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "front_desk",
                "clinician",
                name="staff_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("clinician_id", sa.Uuid(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", AWARE, nullable=True),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinician_id"], ["clinicians.id"], name=op.f("fk_staff_users_clinician_id_clinicians")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_users")),
        sa.UniqueConstraint("email", name=op.f("uq_staff_users_email")),
    )
    op.create_table(
        "time_off",
        sa.Column("clinician_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", AWARE, nullable=False),
        sa.Column("ends_at", AWARE, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_time_off_end_after_start")),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.id"],
            name=op.f("fk_time_off_clinician_id_clinicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_off")),
    )
    op.create_index(op.f("ix_time_off_clinician_id"), "time_off", ["clinician_id"])

    op.create_table(
        "working_hours",
        sa.Column("clinician_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_until", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("end_time > start_time", name=op.f("ck_working_hours_end_after_start")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_working_hours_weekday_range")),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.id"],
            name=op.f("fk_working_hours_clinician_id_clinicians"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_working_hours_location_id_locations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_hours")),
    )
    op.create_index(
        op.f("ix_working_hours_clinician_id"), "working_hours", ["clinician_id", "weekday"]
    )

    op.create_table(
        "staff_sessions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", AWARE, nullable=False),
        sa.Column("expires_at", AWARE, nullable=False),
        sa.Column("revoked_at", AWARE, nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name=op.f("fk_staff_sessions_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_sessions_token_hash")),
    )
    op.create_index(op.f("ix_staff_sessions_user_id"), "staff_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_sessions_user_id"), table_name="staff_sessions")

    op.drop_table("staff_sessions")
    op.drop_index(op.f("ix_working_hours_clinician_id"), table_name="working_hours")

    op.drop_table("working_hours")
    op.drop_index(op.f("ix_time_off_clinician_id"), table_name="time_off")

    op.drop_table("time_off")
    op.drop_table("staff_users")
    op.drop_index(op.f("ix_rooms_location_id"), table_name="rooms")

    op.drop_table("rooms")
    op.drop_index(op.f("ix_location_closures_location_id"), table_name="location_closures")

    op.drop_table("location_closures")
    op.drop_index(op.f("ix_date_overrides_clinician_id"), table_name="date_overrides")

    op.drop_table("date_overrides")
    op.drop_table("clinician_appointment_types")
    op.drop_index(op.f("ix_patients_phone"), table_name="patients")
    op.drop_index(op.f("ix_patients_email"), table_name="patients")
    op.drop_index(op.f("ix_patients_date_of_birth"), table_name="patients")

    op.drop_table("patients")
    op.drop_table("locations")
    op.drop_table("clinicians")
    op.drop_index(op.f("ix_audit_events_patient_id"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_entity_type"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_appointment_id"), table_name="audit_events")

    op.drop_table("audit_events")
    op.drop_table("appointment_types")
