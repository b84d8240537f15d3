"""Staff accounts: create, change, deactivate. Passwords are argon2id hashes."""

from __future__ import annotations

import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from booking.models import Clinician, Role, StaffSession, StaffUser
from booking.schemas.staff import StaffUserIn, StaffUserPatch
from booking.services.audit import record, record_create, update_audited
from booking.services.context import Context
from core.errors import Conflict, Invalid

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_clinician(ctx: Context, clinician_id: uuid.UUID | None) -> None:
    if clinician_id is not None and ctx.session.get(Clinician, clinician_id) is None:
        raise Invalid("unknown_reference", "unknown clinician")


def find_by_email(ctx: Context, email: str) -> StaffUser | None:
    return ctx.session.scalar(select(StaffUser).where(StaffUser.email == email.lower()))


def create_user(ctx: Context, *, data: StaffUserIn) -> StaffUser:
    if find_by_email(ctx, data.email) is not None:
        raise Conflict("email_taken", "a staff account with this email already exists")
    _check_clinician(ctx, data.clinician_id)
    user = StaffUser(
        email=data.email.lower(),
        name=data.name,
        role=data.role,
        password_hash=hash_password(data.password),
        clinician_id=data.clinician_id,
        created_at=ctx.now,
    )
    ctx.session.add(user)
    record_create(ctx, user, action="staff.create")
    return user


def update_user(ctx: Context, *, user_id: uuid.UUID, data: StaffUserPatch) -> StaffUser:
    user = ctx.get(StaffUser, user_id, "staff account")
    changes = data.model_dump(exclude_unset=True)
    if "clinician_id" in changes:
        _check_clinician(ctx, changes["clinician_id"])
    if user.id == ctx.actor.id and (
        changes.get("active") is False or changes.get("role", Role.ADMIN) is not Role.ADMIN
    ):
        raise Conflict("self_lockout", "you cannot demote or deactivate your own account")
    password = changes.pop("password", None)
    update_audited(ctx, user, changes, action="staff.update")
    if password is not None:
        set_password(ctx, user=user, password=password)
    if changes.get("active") is False or "role" in changes:
        revoke_all_sessions(ctx, user_id=user.id)
    return user


def set_password(ctx: Context, *, user: StaffUser, password: str) -> None:
    """The one way an existing account's password changes (API, demo seed, any future reset):
    the sessions signed in with the old one end with it."""
    user.password_hash = hash_password(password)
    record(ctx, action="staff.password_change", entity=user)
    revoke_all_sessions(ctx, user_id=user.id)


def revoke_all_sessions(ctx: Context, *, user_id: uuid.UUID) -> None:
    ctx.session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=ctx.now)
    )


def list_users(ctx: Context) -> list[StaffUser]:
    return list(ctx.session.scalars(select(StaffUser).order_by(StaffUser.email)))


def get_user(ctx: Context, *, user_id: uuid.UUID) -> StaffUser:
    return ctx.get(StaffUser, user_id, "staff account")
