"""Staff read every notice of an appointment or a patient, and the staff task list."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from booking.api.deps import AnyStaff
from booking.schemas.notices import NoticeOut, TaskOut
from booking.services import notices

router = APIRouter(prefix="/api/v1", tags=["notices"])


@router.get("/appointments/{appointment_id}/notices", response_model=list[NoticeOut])
def appointment_notices(appointment_id: uuid.UUID, ctx: AnyStaff) -> list[dict[str, Any]]:
    """Every notice of the appointment: planned, sent (with the text), failed, skipped or
    withdrawn, and why, by due time."""
    return notices.for_appointment(ctx, appointment_id=appointment_id)


@router.get("/patients/{patient_id}/notices", response_model=list[NoticeOut])
def patient_notices(patient_id: uuid.UUID, ctx: AnyStaff) -> list[dict[str, Any]]:
    """Every notice of the patient's appointments, by due time."""
    return notices.for_patient(ctx, patient_id=patient_id)


@router.get("/tasks", response_model=list[TaskOut])
def list_tasks(ctx: AnyStaff, include_done: bool = False) -> list[notices.Task]:
    """Staff tasks the notice policy planned (the REMS monitoring form after an esketamine
    session), soonest first; open ones unless ``include_done``."""
    return notices.tasks(ctx, include_done=include_done)
