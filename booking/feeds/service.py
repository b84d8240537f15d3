"""The feed use cases staff call through the API, answering with their schemas."""

from __future__ import annotations

import uuid

from booking.feeds import help, tokens
from booking.models import CalendarFeed
from booking.schemas.feeds import AppSteps, FeedIn, FeedIssued, FeedOut, Subscribing
from booking.services.context import Context
from booking.services.sessions import SignedInStaff


def subscribing() -> Subscribing:
    apps = [AppSteps(app=app, address=kind, steps=steps) for app, kind, steps in help.SUBSCRIBING]
    return Subscribing(apps=apps, secret=help.KEEP_IT_SAFE)


def _out(ctx: Context, feed: CalendarFeed) -> FeedOut:
    return FeedOut(
        id=feed.id, kind=feed.kind, subject_id=feed.subject_id,
        name=tokens.subject_name(ctx, feed), owner_id=feed.owner_id,
        created_at=feed.created_at, rotated_at=feed.rotated_at, revoked_at=feed.revoked_at,
    )  # fmt: skip


def _issued(ctx: Context, issued: tokens.Issued, public_url: str) -> FeedIssued:
    urls = tokens.urls(public_url, issued.token)
    return FeedIssued(
        **_out(ctx, issued.feed).model_dump(), token=issued.token, https_url=urls.https,
        webcal_url=urls.webcal, subscribing=subscribing(),
    )  # fmt: skip


def issue(ctx: Context, *, staff: SignedInStaff, data: FeedIn, public_url: str) -> FeedIssued:
    issued = tokens.issue(ctx, staff=staff, kind=data.kind, subject_id=data.subject_id)
    return _issued(ctx, issued, public_url)


def listed(ctx: Context, *, staff: SignedInStaff) -> list[FeedOut]:
    return [_out(ctx, feed) for feed in tokens.listed(ctx, staff=staff)]


def rotate(
    ctx: Context, *, staff: SignedInStaff, feed_id: uuid.UUID, public_url: str
) -> FeedIssued:
    return _issued(ctx, tokens.rotate(ctx, staff=staff, feed_id=feed_id), public_url)


def revoke(ctx: Context, *, staff: SignedInStaff, feed_id: uuid.UUID) -> FeedOut:
    return _out(ctx, tokens.revoke(ctx, staff=staff, feed_id=feed_id))
