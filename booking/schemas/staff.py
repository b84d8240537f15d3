"""Staff accounts, login and audit events."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from booking.models import ActorKind, Role
from booking.schemas.fields import Email, Instant, Name, OutSchema, PatchSchema, Schema

Password = str


class StaffUserIn(Schema):
    email: Email
    name: Name
    role: Role
    password: Password = Field(min_length=12, max_length=256)
    clinician_id: uuid.UUID | None = None


class StaffUserPatch(PatchSchema):
    NULLABLE = frozenset({"clinician_id"})  # null unlinks the account from a clinician

    name: Name | None = None
    role: Role | None = None
    password: Password | None = Field(default=None, min_length=12, max_length=256)
    clinician_id: uuid.UUID | None = None
    active: bool | None = None


class StaffUserOut(OutSchema):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    active: bool
    clinician_id: uuid.UUID | None


class LoginIn(Schema):
    # Not re-validated as an address: sign-in should never fail on a stricter validator.
    email: str = Field(min_length=3, max_length=254)
    password: Password = Field(min_length=1, max_length=256)


class TokenOut(OutSchema):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth 2 scheme name)
    expires_at: Instant
    user: StaffUserOut


class AuditEventOut(OutSchema):
    id: uuid.UUID
    at: Instant
    actor_kind: ActorKind
    actor_id: uuid.UUID | None
    actor_label: str
    action: str
    entity_type: str
    entity_id: uuid.UUID
    patient_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
