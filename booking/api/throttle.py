"""Dependencies that limit anonymous holds and bookings (see services/throttle.py); a
caller with a valid staff token passes untouched. Attached to the routes in their
decorators, so the routes themselves stay as they are.

The booking route counts an anonymous caller with :func:`limit_booking` before its work;
a caller with any bearer token passes, and one whose token is not valid gets the route's
401 (deps.in_session) before anything is booked."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from booking.api.deps import AppSettings, Caller
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


async def limit_booking(request: Request, body: BookingIn, idempotency_key: str | None) -> None:
    """Counts an anonymous caller's booking (a 429 past the limits), called by the route
    with the body and key the framework validated: one that does not validate is the
    route's 422 and counts against no limit. The count may reach a shared storage (a
    network round trip), so it runs in a worker thread."""
    limits = _throttle(request, request.app.state.settings)
    await run_in_threadpool(
        limits.attempt, client_key=_client_key(request, limits),
        contacts=throttle.patient_contacts(body), idempotency_key=idempotency_key,
    )  # fmt: skip


# scope="function": set up after, and torn down before, the request's session.
HOLD_LIMITS = Depends(_hold_limits, scope="function")
