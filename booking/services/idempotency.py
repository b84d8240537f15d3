"""``Idempotency-Key``: a retried request gets the first answer; a reused key with a
different body is refused rather than silently answered with someone else's result."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking.models import IdempotentRequest
from booking.services.context import Context
from core.errors import Conflict, Invalid


def fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay(ctx: Context, *, scope: str, key: str, print_: str) -> IdempotentRequest | None:
    found = ctx.session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.scope == scope, IdempotentRequest.key == key
        )
    )
    if found is not None and found.fingerprint != print_:
        raise Invalid(
            "idempotency_key_reused", "this Idempotency-Key was used for a different request"
        )
    return found


def remember(
    ctx: Context, *, scope: str, key: str, print_: str, status: int, body: dict[str, Any]
) -> None:
    ctx.session.add(
        IdempotentRequest(
            scope=scope, key=key, fingerprint=print_, status_code=status, body=body,
            created_at=ctx.now,
        )
    )  # fmt: skip
    try:
        ctx.session.flush()
    except IntegrityError as exc:  # the same key racing itself: the other request won
        raise Conflict("idempotency_in_progress", "a request with this key is in progress") from exc
