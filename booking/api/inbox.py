"""The staff inbox of texts patients and escorts sent."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from booking.api.deps import AnyStaff
from booking.schemas.inbox import InboxMessageOut, InboxState
from booking.services import inbox

router = APIRouter(prefix="/api/v1", tags=["inbox"])


@router.get("/inbox", response_model=list[InboxMessageOut])
def list_inbox(
    ctx: AnyStaff,
    state: InboxState | None = None,
    patient_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[dict[str, Any]]:
    """Inbound texts: urgent (crisis words) first, then unread, newest first; ``state``
    narrows to unread or handled, ``patient_id`` to one patient's conversation."""
    return inbox.list_inbox(ctx, state=state, patient_id=patient_id, limit=limit)


@router.post("/inbox/{message_id}/handled", response_model=InboxMessageOut)
def mark_handled(message_id: uuid.UUID, ctx: AnyStaff) -> dict[str, Any]:
    """Mark a text handled (audited, with who and when); again changes nothing."""
    return inbox.mark_handled(ctx, message_id=message_id)
