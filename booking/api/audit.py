"""The audit log, filtered by patient, appointment or entity."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from booking.api.deps import AnyStaff
from booking.models import AuditEvent, Role
from booking.schemas.staff import AuditEventOut
from booking.services import audit
from core.errors import Forbidden

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditEventOut])
def list_audit(
    ctx: AnyStaff,
    patient_id: uuid.UUID | None = None,
    appointment_id: uuid.UUID | None = None,
    entity_type: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditEvent]:
    """Per patient, appointment or entity for all staff; the whole log for admins only."""
    if ctx.staff.role is not Role.ADMIN and not (patient_id or appointment_id or entity_id):
        raise Forbidden("filter by patient_id, appointment_id or entity_id")
    return audit.list_events(
        ctx,
        patient_id=patient_id,
        appointment_id=appointment_id,
        entity_type=entity_type,
        entity_id=entity_id,
        limit=limit,
    )
