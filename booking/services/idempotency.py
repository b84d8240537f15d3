"""``Idempotency-Key``: a retried request gets the first answer; a reused key with a
different body is refused rather than silently answered with someone else's result.

The key is claimed first, in the booking's own transaction, by inserting its row. A copy
of the request arriving meanwhile finds the row: on PostgreSQL its insert waits for the
first transaction (bounded: past the wait it hears 409 ``request_in_progress``), and once
that commits, the conflict means "replay the stored answer"; if it rolled back, the copy
books instead. On SQLite the write lock already puts the copies one after the other.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from booking.models import ActorKind, Appointment, IdempotentRequest
from booking.schemas.appointments import BookingIn
from booking.services import appointments, manage_links
from booking.services.context import Context
from core.db import gave_up_waiting
from core.errors import Conflict, Invalid

# How long a copy waits for the first request's transaction before hearing "in progress".
IN_PROGRESS_WAIT_MS = 3_000


def fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def book_once(
    ctx: Context, *, data: BookingIn, key: str | None, new_link: bool = True
) -> appointments.Booked:
    """Book, or with a ``key`` already answered, give that appointment again: with a fresh
    manage token (an API client's first answer, and the token in it, never arrived), or,
    ``new_link=False`` (a page pressed twice), keeping the link the confirmation carries."""
    if key is None:
        return appointments.book(ctx, data=data)
    # Who may replay it: the staff member who sent it, or any anonymous caller.
    scope = str(ctx.actor.id) if ctx.actor.kind is ActorKind.STAFF else "public"
    print_ = fingerprint(data.model_dump(mode="json"))
    if _claim(ctx, scope=scope, key=key, print_=print_):
        booked = appointments.book(ctx, data=data)
        answer = {"appointment_id": str(booked.appointment.id)}  # never the token itself
        ctx.session.execute(update(IdempotentRequest).where(
            IdempotentRequest.scope == scope, IdempotentRequest.key == key
        ).values(body=answer))  # fmt: skip
        return booked
    appointment = ctx.get(Appointment, _stored_answer(ctx, scope, key, print_), "appointment")
    if not new_link:
        return appointments.Booked(appointment, "", replayed=True)
    return appointments.Booked(appointment, manage_links.rotate(ctx, appointment))


def _claim(ctx: Context, *, scope: str, key: str, print_: str) -> bool:
    """Insert the key's row unless it exists; True if this request now owns the key."""
    session = ctx.session
    on_postgres = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if on_postgres else sqlite.insert
    row = insert(IdempotentRequest).values(
        id=uuid.uuid4(), scope=scope, key=key, fingerprint=print_, status_code=201, body={},
        created_at=ctx.now,
    )  # fmt: skip
    claim = row.on_conflict_do_nothing(index_elements=["scope", "key"])
    if on_postgres:
        session.execute(text(f"SET LOCAL lock_timeout = {IN_PROGRESS_WAIT_MS}"))
    try:
        claimed = session.execute(claim.returning(IdempotentRequest.id)).scalar()
    except OperationalError as exc:
        if gave_up_waiting(exc):
            raise _in_progress() from exc
        raise
    if on_postgres:
        session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    return claimed is not None


def _stored_answer(ctx: Context, scope: str, key: str, print_: str) -> uuid.UUID:
    found = ctx.session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.scope == scope, IdempotentRequest.key == key
        )
    )
    if found is None or "appointment_id" not in found.body:
        raise _in_progress()  # not committed yet (read committed sees only finished ones)
    if found.fingerprint != print_:
        raise Invalid(
            "idempotency_key_reused", "this Idempotency-Key was used for a different request"
        )
    return uuid.UUID(found.body["appointment_id"])


def _in_progress() -> Conflict:
    return Conflict(
        "request_in_progress",
        "a request with this Idempotency-Key is still being handled; send it again shortly",
        retry_after=1,
    )
