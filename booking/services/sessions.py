"""Signing in and out: bearer tokens that are random, expiring, revocable and stored hashed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select

from booking.models import Role, StaffSession, StaffUser
from booking.services import reference
from booking.services.attention import SHARED_TURN, took_shared_turn
from booking.services.audit import record
from booking.services.context import Actor, Context
from booking.services.staff import find_by_email, hash_password, verify_password
from core.errors import DomainError, Unauthenticated
from core.tokens import hash_token, new_token

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Verified when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password-just-for-timing")


@dataclass(frozen=True)
class SignedInStaff:
    id: uuid.UUID
    email: str
    name: str
    role: Role
    clinician_id: uuid.UUID | None
    session_id: uuid.UUID

    @property
    def actor(self) -> Actor:
        return Actor.staff(self.id, self.email)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: StaffUser


class TooManyAttempts(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "too_many_attempts", "too many failed sign-ins; try again in 15 minutes", 429
        )


def login(ctx: Context, *, email: str, password: str, ttl: timedelta) -> IssuedToken | DomainError:
    """A token, or the error to show. Errors are returned, not raised, so the caller still
    commits the failed-attempt count that the lockout depends on."""
    user = find_by_email(ctx, email)
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return Unauthenticated("wrong email or password")
    if user.locked_until is not None and user.locked_until > ctx.now:
        return TooManyAttempts()
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.failed_logins = 0
            user.locked_until = ctx.now + LOCKOUT
            # The caller is anonymous (a patient to every rule); the lockout is the system's.
            record(ctx.acting_as(Actor.system("sign-in")), action="staff.locked_out", entity=user)
        return Unauthenticated("wrong email or password")
    user.failed_logins = 0
    user.locked_until = None
    token = new_token()
    session = StaffSession(
        user_id=user.id, token_hash=hash_token(token), created_at=ctx.now, expires_at=ctx.now + ttl
    )
    ctx.session.add(session)
    ctx.session.flush()
    # Whoever proved the password is the actor, not the anonymous caller the route started as.
    signed_in = ctx.acting_as(Actor.staff(user.id, user.email))
    record(signed_in, action="staff.login", entity=user, after={"session_id": str(session.id)})
    return IssuedToken(token=token, expires_at=session.expires_at, user=user)


def _signed_in(version: ColumnElement[Any]) -> Select[Any]:
    return (
        select(
            StaffSession.id, StaffSession.revoked_at, StaffSession.expires_at, StaffUser.id,
            StaffUser.email, StaffUser.name, StaffUser.role, StaffUser.clinician_id,
            StaffUser.active, version,
        )
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.token_hash == bindparam("token_hash"))
    )  # fmt: skip


# Built once with a parameter: this runs on every staff request, and building the select
# (and its cache key, and adapting the cached result columns to a fresh copy) cost more
# than sending it. The setup version rides along; for a placement (PostgreSQL), the
# placements' shared schedule turn, whose value is the version read once it is held.
_SIGNED_IN = _signed_in(reference.VERSION_COLUMN)
_SIGNED_IN_PLACING = _signed_in(SHARED_TURN)


def authenticate(ctx: Context, *, token: str, placing: bool = False) -> SignedInStaff:
    """The signed-in staff member the token belongs to. ``placing``: the request is about
    to place an appointment, and takes its schedule turn in this same statement (one round
    trip fewer than attention.take_turns; a 401 rolls it back with the request)."""
    # Columns, not entities, on the session's connection: this runs on every staff request.
    # The setup version rides along, saving the request its own statement for it later
    # (see reference.remember_version).
    connection = ctx.session.connection()
    placing = placing and connection.dialect.name == "postgresql"
    statement = _SIGNED_IN_PLACING if placing else _SIGNED_IN
    row = connection.execute(statement, {"token_hash": hash_token(token)}).one_or_none()
    if row is None:
        raise Unauthenticated("unknown or revoked token")
    *found, version = row
    if placing:
        took_shared_turn(ctx.session, version)
    else:
        reference.remember_version(ctx.session, version)
    session_id, revoked_at, expires_at, user_id, email, name, role, clinician_id, active = found
    if revoked_at is not None or not active:
        raise Unauthenticated("unknown or revoked token")
    if expires_at <= ctx.now:
        raise Unauthenticated("the session has expired; sign in again")
    return SignedInStaff(
        id=user_id, email=email, name=name, role=role, clinician_id=clinician_id,
        session_id=session_id,
    )  # fmt: skip


def signed_in_user(ctx: Context, *, staff_id: uuid.UUID) -> StaffUser:
    return ctx.get(StaffUser, staff_id, "staff account")


def logout(ctx: Context, *, session_id: uuid.UUID) -> None:
    staff_session = ctx.get(StaffSession, session_id, "session")
    staff_session.revoked_at = ctx.now
    record(ctx, action="staff.logout", entity=staff_session)
