"""Sign in, sign out, who am I."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from booking.api.deps import AnyStaff, AppSettings, PublicContext
from booking.api.problems import domain_problem
from booking.models import StaffUser
from booking.schemas.staff import LoginIn, StaffUserOut, TokenOut
from booking.services import sessions

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/login",
    response_model=TokenOut,
    responses={401: {"description": "wrong email or password"}, 429: {"description": "locked"}},
)
def login(body: LoginIn, ctx: PublicContext, settings: AppSettings) -> TokenOut | JSONResponse:
    ttl = timedelta(hours=settings.session_ttl_hours)
    result = sessions.login(ctx, email=body.email, password=body.password, ttl=ttl)
    if isinstance(result, sessions.IssuedToken):
        user = StaffUserOut.model_validate(result.user)
        return TokenOut(access_token=result.token, expires_at=result.expires_at, user=user)
    return domain_problem(result)  # returned, not raised: the failed attempt must be committed


@router.post("/logout", status_code=204)
def logout(ctx: AnyStaff) -> Response:
    sessions.logout(ctx, session_id=ctx.staff.session_id)
    return Response(status_code=204)


@router.get("/me", response_model=StaffUserOut)
def me(ctx: AnyStaff) -> StaffUser:
    return sessions.signed_in_user(ctx, staff_id=ctx.staff.id)
