"""Calendar feeds: the feed itself at its secret URL, and the staff routes that issue,
list, rotate and revoke feed URLs.

``{token:feed_token}`` takes whatever sits between ``/feeds/`` and ``.ics`` (slashes, any
length), so a malformed token reaches the same lookup and the same 404 as an unknown one.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.convertors import StringConvertor, register_url_convertor

from booking.api.deps import AnyStaff, AppSettings, PublicContext
from booking.feeds import serve, service
from booking.schemas.feeds import FeedIn, FeedIssued, FeedOut, Subscribing
from core.settings import Settings


class FeedTokenConvertor(StringConvertor):
    regex = r".*"


register_url_convertor("feed_token", FeedTokenConvertor())
feed = APIRouter(tags=["calendar feeds"])
router = APIRouter(prefix="/api/v1/feeds", tags=["calendar feeds"])
_creating = threading.Lock()

CALENDAR: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The calendar (iCalendar, RFC 5545).",
        "content": {"text/calendar": {"schema": {"type": "string"}}},
        "headers": {
            "ETag": {"schema": {"type": "string"}},
            "Last-Modified": {"schema": {"type": "string"}},
        },
    },
    304: {"description": "Not modified: the ETag (If-None-Match) or date still holds."},
}


def _state(request: Request, settings: Settings) -> tuple[serve.MissLimit, serve.FeedCache]:
    state = request.app.state
    with _creating:  # one of each per app, shared by every request
        if getattr(state, "feed_misses", None) is None:
            state.feed_misses = serve.MissLimit.from_settings(settings)
            state.feed_cache = serve.FeedCache()
    return state.feed_misses, state.feed_cache


def _answer(token: str, request: Request, ctx: PublicContext, settings: Settings) -> serve.Answer:
    misses, cache = _state(request, settings)
    peer = request.client.host if request.client else None
    client = misses.key(peer, ",".join(request.headers.getlist("x-forwarded-for")) or None)
    conditions = serve.Conditions(
        request.headers.get("if-none-match"), request.headers.get("if-modified-since")
    )
    return serve.serve(
        ctx, token=token, client=client, misses=misses, cache=cache, conditions=conditions,
        settings=settings,
    )  # fmt: skip


@feed.get(
    "/feeds/{token:feed_token}.ics",
    operation_id="calendar_feed",
    response_class=Response,
    responses=CALENDAR,
)
def calendar_feed(
    token: str, request: Request, ctx: PublicContext, settings: AppSettings
) -> Response:
    """A staff calendar to subscribe to. Send If-None-Match (or If-Modified-Since) to get
    304 while it is unchanged. HEAD answers the same without the body."""
    answer = _answer(token, request, ctx, settings)
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


# Some calendar clients send HEAD first. Kept out of the schema: it is GET without a body
# (a separate operation would only repeat calendar_feed's document).
@feed.head("/feeds/{token:feed_token}.ics", response_class=Response, include_in_schema=False)
def calendar_feed_head(
    token: str, request: Request, ctx: PublicContext, settings: AppSettings
) -> Response:
    answer = _answer(token, request, ctx, settings)
    length = {"Content-Length": str(len(answer.body))}  # what GET would send
    return Response(b"", status_code=answer.status, headers=answer.headers | length)


@router.get("", response_model=list[FeedOut], operation_id="list_feeds")
def list_feeds(ctx: AnyStaff) -> list[FeedOut]:
    """Your calendar feeds (an admin sees everyone's). Their URLs were shown once, when
    issued or rotated: rotate a feed to get a new one."""
    return service.listed(ctx, staff=ctx.staff)


@router.post("", response_model=FeedIssued, status_code=201, operation_id="create_feed")
def create_feed(body: FeedIn, ctx: AnyStaff, settings: AppSettings) -> FeedIssued:
    """A feed URL, shown once (webcal:// and https://). Clinicians: their own calendar."""
    return service.issue(ctx, staff=ctx.staff, data=body, public_url=settings.public_url)


@router.get("/subscribing", response_model=Subscribing, operation_id="how_to_subscribe")
def how_to_subscribe(ctx: AnyStaff) -> Subscribing:
    """How to subscribe in Apple Calendar, Google Calendar, Outlook and Thunderbird."""
    del ctx  # staff only: the route says so through its guard
    return service.subscribing()


@router.post("/{feed_id}/rotate", response_model=FeedIssued, operation_id="rotate_feed")
def rotate_feed(feed_id: uuid.UUID, ctx: AnyStaff, settings: AppSettings) -> FeedIssued:
    """A new URL for the feed; the old one stops working at once."""
    return service.rotate(ctx, staff=ctx.staff, feed_id=feed_id, public_url=settings.public_url)


@router.post("/{feed_id}/revoke", response_model=FeedOut, operation_id="revoke_feed")
def revoke_feed(feed_id: uuid.UUID, ctx: AnyStaff) -> FeedOut:
    """The feed's URL stops working for good (owner or admin)."""
    return service.revoke(ctx, staff=ctx.staff, feed_id=feed_id)
