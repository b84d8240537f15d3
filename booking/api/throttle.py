"""Dependencies that limit anonymous holds and bookings (see services/throttle.py); a
caller with a valid staff token passes untouched. Attached to the routes in their
decorators, so the routes themselves stay as they are.

The booking route's limit is part of its caller (LimitedCaller), whose token the route
checks in its own thread (deps.authenticates_in_route), after the limit: a caller with any
bearer token passes the limit, and one whose token is not valid gets the route's 401 before
anything is booked."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from booking.api.deps import (
    AppSettings,
    BearerToken,
    Caller,
    CallerContext,
    request_session,
    unchecked_caller,
)
from booking.schemas.appointments import BookingIn
from booking.services import throttle

_creating = threading.Lock()


def _throttle(request: Request, settings: AppSettings) -> throttle.Throttle:
    state = request.app.state
    with _creating:  # one per app: its counters are shared by every request
        if getattr(state, "throttle", None) is None:
            state.throttle = throttle.Throttle.from_settings(settings)
    found: throttle.Throttle = state.throttle
    return found


def _client_key(request: Request, limits: throttle.Throttle) -> str:
    peer = request.client.host if request.client else None
    forwarded = ",".join(request.headers.getlist("x-forwarded-for")) or None
    return limits.key(f"client:{throttle.client_address(peer, forwarded, limits.trusted)}")


def _hold_limits(request: Request, ctx: Caller, settings: AppSettings) -> Iterator[None]:
    if ctx.staff is not None:
        yield
        return
    limits = _throttle(request, settings)
    client_key = _client_key(request, limits)
    limits.attempt(client_key=client_key)
    throttle.ensure_hold_room(ctx, client_key=client_key, limit=limits.max_live_holds)
    with throttle.holds_kept_for(ctx, client_key=client_key):
        yield


async def _limited_caller(
    request: Request, credentials: BearerToken
) -> AsyncIterator[CallerContext]:
    """The booking route's caller, its token not checked yet (see LateCaller), once an
    anonymous caller's booking has been counted. One dependency for the limit, the session
    and the caller: the framework's work on every booking grows with each one."""
    if credentials is None:
        await _count_booking(request)
    async with request_session(request) as session:
        yield unchecked_caller(request, session, credentials)


async def _count_booking(request: Request) -> None:
    # The body is read here only for anonymous callers: declared as a parameter, FastAPI
    # would validate it again for every booking. One that does not validate (nor a key
    # longer than the route takes) is the route's 422 and, as before, counts against no
    # limit. The count may reach a shared storage (a network round trip): a worker thread.
    idempotency_key = request.headers.get("idempotency-key")
    if idempotency_key is not None and len(idempotency_key) > IDEMPOTENCY_KEY_MAX:
        return
    try:
        body = BookingIn.model_validate_json(await request.body())
    except ValidationError:
        return
    limits = _throttle(request, request.app.state.settings)
    await run_in_threadpool(
        limits.attempt, client_key=_client_key(request, limits),
        contacts=throttle.patient_contacts(body), idempotency_key=idempotency_key,
    )  # fmt: skip


IDEMPOTENCY_KEY_MAX = 200  # the booking route's Idempotency-Key header

# scope="function": set up after, and torn down before, the request's session.
HOLD_LIMITS = Depends(_hold_limits, scope="function")
# scope="function": the session commits before the response is sent (see deps.DbSession).
LimitedCaller = Annotated[CallerContext, Depends(_limited_caller, scope="function")]
