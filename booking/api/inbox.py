"""The staff inbox of texts patients and escorts sent, and staff replies by SMS."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from booking.api.deps import AnyStaff, AppSettings
from booking.notice_rules import quiet_hours
from booking.schemas.inbox import ConversationEntryOut, InboxMessageOut, InboxState, ReplyIn
from booking.services import inbox, replies

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


@router.post("/inbox/{message_id}/reply", status_code=201, response_model=ConversationEntryOut)
def reply_to_message(
    message_id: uuid.UUID, body: ReplyIn, ctx: AnyStaff, settings: AppSettings
) -> dict[str, Any]:
    """Answer a text by SMS, as written: refused without SMS consent (or after an opt-out),
    with a drug, treatment or diagnosis word, or in quiet hours without a reason (audited)."""
    return replies.reply_to_message(
        ctx, message_id=message_id, text=body.text,
        quiet_hours_reason=body.quiet_hours_reason, hours=quiet_hours(settings),
    )  # fmt: skip


@router.post(
    "/patients/{patient_id}/messages", status_code=201, response_model=ConversationEntryOut
)
def message_patient(
    patient_id: uuid.UUID, body: ReplyIn, ctx: AnyStaff, settings: AppSettings
) -> dict[str, Any]:
    """Text a patient, under the same rules as a reply."""
    return replies.message_patient(
        ctx, patient_id=patient_id, text=body.text,
        quiet_hours_reason=body.quiet_hours_reason, hours=quiet_hours(settings),
    )  # fmt: skip


@router.get("/patients/{patient_id}/messages", response_model=list[ConversationEntryOut])
def patient_conversation(
    patient_id: uuid.UUID, ctx: AnyStaff, limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> list[dict[str, Any]]:
    """The patient's texts and staff replies, oldest first (the latest ``limit``)."""
    return replies.conversation(ctx, patient_id=patient_id, limit=limit)
