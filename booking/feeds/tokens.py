"""Feed URLs: issued to a staff member, found by their token's hash, rotated, revoked.

A clinician may hold feeds of their own calendar only (a room or location feed shows other
clinicians' patients); front desk and admins may hold any. Owners manage their own feeds,
admins everyone's; to anyone else another person's feed does not exist (404).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select

from booking.models import CalendarFeed, Clinician, FeedKind, Location, Role, Room, StaffUser
from booking.services.audit import record
from booking.services.context import Context
from booking.services.sessions import SignedInStaff
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.tokens import hash_token, new_token

_SUBJECTS: dict[FeedKind, type[Clinician] | type[Room] | type[Location]] = {
    FeedKind.CLINICIAN: Clinician,
    FeedKind.ROOM: Room,
    FeedKind.LOCATION: Location,
}


@dataclass(frozen=True)
class Issued:
    feed: CalendarFeed
    token: str  # shown once, in the answer that issued it


@dataclass(frozen=True)
class Urls:
    https: str
    webcal: str


def urls(public_url: str, token: str) -> Urls:
    """The feed's address, and the same as ``webcal://`` (which opens a calendar app)."""
    https = f"{public_url.rstrip('/')}/feeds/{token}.ics"
    parts = urlsplit(https)
    return Urls(https=https, webcal=urlunsplit(("webcal", *parts[1:])))


def may_hold(
    role: Role, clinician_id: uuid.UUID | None, kind: FeedKind, subject_id: uuid.UUID
) -> bool:
    """Whether staff of ``role`` (linked to ``clinician_id``) may hold this feed: asked when
    it is issued and again on every fetch, so a role change ends what it no longer allows."""
    if role is Role.CLINICIAN:
        return kind is FeedKind.CLINICIAN and subject_id == clinician_id
    return True


def find(ctx: Context, token: str) -> CalendarFeed | None:
    """The live feed of ``token``, else None. Any string is hashed and looked up in one
    indexed query, so an unknown, malformed, rotated or revoked token costs the same. A
    feed lives only while its owner is active and may still hold it (deactivating or
    demoting a login ends its feeds too, with the same 404)."""
    found = ctx.session.execute(
        select(CalendarFeed, StaffUser.role, StaffUser.clinician_id)
        .join(StaffUser, StaffUser.id == CalendarFeed.owner_id)
        .where(
            CalendarFeed.token_hash == hash_token(token),
            CalendarFeed.revoked_at.is_(None),
            StaffUser.active.is_(True),
        )
    ).one_or_none()
    if found is None:
        return None
    feed, role, clinician_id = found
    return feed if may_hold(role, clinician_id, feed.kind, feed.subject_id) else None


def subject_name(ctx: Context, feed: CalendarFeed) -> str:
    model = _SUBJECTS[feed.kind]
    name = ctx.session.scalar(select(model.name).where(model.id == feed.subject_id))
    return name or ""


def issue(
    ctx: Context, *, staff: SignedInStaff, kind: FeedKind, subject_id: uuid.UUID | None
) -> Issued:
    subject_id = subject_id or (staff.clinician_id if kind is FeedKind.CLINICIAN else None)
    if subject_id is None:
        raise Invalid("unknown_reference", "name the clinician, room or location of the feed")
    if not may_hold(staff.role, staff.clinician_id, kind, subject_id):
        raise Forbidden("a clinician may subscribe to their own calendar only")
    if ctx.session.get(_SUBJECTS[kind], subject_id) is None:
        raise Invalid("unknown_reference", f"no such {kind.value}")
    token = new_token()
    feed = CalendarFeed(
        kind=kind, subject_id=subject_id, owner_id=staff.id, token_hash=hash_token(token),
        created_at=ctx.now,
    )  # fmt: skip
    ctx.session.add(feed)
    ctx.session.flush()
    _audit(ctx, feed, "calendar_feed.issued")
    return Issued(feed, token)


def listed(ctx: Context, *, staff: SignedInStaff) -> list[CalendarFeed]:
    """The caller's feeds (an admin's list holds everyone's), newest first."""
    query = select(CalendarFeed).order_by(CalendarFeed.created_at.desc(), CalendarFeed.id)
    if staff.role is not Role.ADMIN:
        query = query.where(CalendarFeed.owner_id == staff.id)
    return list(ctx.session.scalars(query))


def _owned(ctx: Context, staff: SignedInStaff, feed_id: uuid.UUID) -> CalendarFeed:
    feed = ctx.session.get(CalendarFeed, feed_id)
    if feed is None or (staff.role is not Role.ADMIN and feed.owner_id != staff.id):
        raise NotFound("feed")
    return feed


def rotate(ctx: Context, *, staff: SignedInStaff, feed_id: uuid.UUID) -> Issued:
    """A new URL for the feed; the old one stops working at once."""
    feed = _owned(ctx, staff, feed_id)
    if feed.revoked_at is not None:
        raise Conflict("feed_revoked", "this feed was revoked; ask for a new one")
    token = new_token()
    feed.token_hash = hash_token(token)
    feed.rotated_at = ctx.now
    ctx.session.flush()
    _audit(ctx, feed, "calendar_feed.rotated")
    return Issued(feed, token)


def revoke(ctx: Context, *, staff: SignedInStaff, feed_id: uuid.UUID) -> CalendarFeed:
    """The feed answers 404 from now on (revoking twice is no error)."""
    feed = _owned(ctx, staff, feed_id)
    if feed.revoked_at is None:
        feed.revoked_at = ctx.now
        ctx.session.flush()
        _audit(ctx, feed, "calendar_feed.revoked")
    return feed


def _audit(ctx: Context, feed: CalendarFeed, action: str) -> None:
    # Never the hash: the audit log is read by more people than the token's owner.
    shown = {"kind": feed.kind.value, "subject_id": str(feed.subject_id)}
    record(ctx, action=action, entity=feed, after=shown | {"owner_id": str(feed.owner_id)})
