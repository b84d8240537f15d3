"""Request-scoped dependencies: the session (committed at the edge), the clock, the caller.

Every staff route declares its roles through :func:`staff`, which plants a :class:`RoleGuard`
in the route's dependencies; the route-permission test finds it there.

No ``from __future__ import annotations`` here: the closure in :func:`staff` needs its
annotations evaluated where ``guard`` is in scope.
"""

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.datastructures import State

from booking.models import Role
from booking.services.context import Actor, Context
from booking.services.sessions import SignedInStaff, authenticate
from core.clock import Clock
from core.db import Database
from core.errors import Forbidden, Unauthenticated
from core.settings import Settings

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ALL_ROLES = frozenset(Role)

P = ParamSpec("P")
R = TypeVar("R")

_bearer = HTTPBearer(auto_error=False, description="token from POST /api/v1/auth/login")
BearerToken = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def _session(request: Request) -> AsyncIterator[Session]:
    """Requests wait for their turn at the database here, on the event loop, not in a
    worker thread (see Database.turn)."""
    database: Database = request.app.state.database
    write = request.method not in READ_METHODS
    async with database.turn(write=write) as queued:
        unit = database.session(write=write, queued=queued)
        async with _exit_in_threadpool(unit) as session:
            yield session


@asynccontextmanager
async def _exit_in_threadpool(unit: AbstractContextManager[Session]) -> AsyncIterator[Session]:
    """Like FastAPI's ``contextmanager_in_threadpool``, but entered on the event loop:
    opening a session does no I/O (the connection is checked out at the first statement),
    so only the exit, which commits or rolls back, costs a hop to a worker thread."""
    session = unit.__enter__()
    # The exit never waits for a free thread (FastAPI's reasoning: the pool it releases
    # may be what the busy threads are waiting for); any limit works for one call.
    limiter = CapacityLimiter(1)
    try:
        yield session
    except BaseException as exc:
        with CancelScope(shield=True):
            suppressed = await anyio.to_thread.run_sync(
                unit.__exit__, type(exc), exc, exc.__traceback__, limiter=limiter
            )
        if not suppressed:
            raise
    else:
        if not session.in_transaction():
            # Committed already (see commits_in_route): ending it sends nothing.
            unit.__exit__(None, None, None)
            return
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(unit.__exit__, None, None, None, limiter=limiter)


def commits_in_route(route: Callable[P, R]) -> Callable[P, R]:
    """For a plain (threadpool) route on the hot path: its session commits in the route's
    own worker thread as soon as it returns, instead of in one more hop to a worker thread
    at the session's exit (a hop costs more CPU than a short statement). A commit that
    fails is still the response: it raises out of the route, and the exit rolls back."""

    @functools.wraps(route)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        result = route(*args, **kwargs)
        contexts = [value for value in kwargs.values() if isinstance(value, Context)]
        for session in dict.fromkeys(ctx.session for ctx in contexts):
            session.commit()
        return result

    return run


# scope="function": commit before the response is sent, so a failed commit is the response.
DbSession = Annotated[Session, Depends(_session, scope="function")]


# The dependencies that do no I/O are coroutines: FastAPI runs each plain function in the
# threadpool, a round trip per dependency per request.
async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppClock = Annotated[Clock, Depends(get_clock)]
AppSettings = Annotated[Settings, Depends(get_settings)]


async def public_context(session: DbSession, clock: AppClock, settings: AppSettings) -> Context:
    """Routes without a login act for an anonymous patient, never for the clinic."""
    return Context(session=session, actor=Actor.online(), now=clock.now(), settings=settings)


PublicContext = Annotated[Context, Depends(public_context)]


class RoleGuard:
    """Resolves the bearer token to a signed-in staff member holding one of ``roles``."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles

    def __call__(
        self,
        session: DbSession,
        clock: AppClock,
        credentials: BearerToken,
    ) -> SignedInStaff:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise Unauthenticated()
        ctx = Context(session=session, actor=Actor.system("auth"), now=clock.now())
        staff = authenticate(ctx, token=credentials.credentials)
        if staff.role not in self.roles:
            raise Forbidden()
        return staff


@dataclass(frozen=True)
class StaffContext(Context):
    """A Context whose actor is a signed-in staff member."""

    staff: SignedInStaff


def staff(*roles: Role) -> Any:
    """``Depends`` for a StaffContext of a caller holding one of ``roles`` (default: any)."""
    guard = RoleGuard(frozenset(roles) or ALL_ROLES)

    async def dependency(
        session: DbSession,
        clock: AppClock,
        settings: AppSettings,
        signed_in: Annotated[SignedInStaff, Depends(guard)],
    ) -> StaffContext:
        return StaffContext(
            session=session,
            actor=signed_in.actor,
            now=clock.now(),
            staff=signed_in,
            settings=settings,
        )

    return Depends(dependency)


AnyStaff = Annotated[StaffContext, staff()]
Admin = Annotated[StaffContext, staff(Role.ADMIN)]
FrontDesk = Annotated[StaffContext, staff(Role.ADMIN, Role.FRONT_DESK)]
ClinicalStaff = Annotated[StaffContext, staff(Role.ADMIN, Role.CLINICIAN)]


@dataclass(frozen=True)
class CallerContext(Context):
    """A Context for routes open to patients: ``staff`` is set when a staff token came along."""

    staff: SignedInStaff | None


@dataclass(frozen=True)
class TokenCaller(CallerContext):
    """A caller who sent a bearer token not checked yet: :func:`authenticates_in_route`
    checks it in the route's own worker thread. Until then it acts as nobody (anonymous,
    ``staff`` None), so a route that forgot the decorator grants less, never more."""

    token: str = field(default="", kw_only=True)


async def caller_checked_in_route(
    request: Request, session: DbSession, credentials: BearerToken
) -> CallerContext:
    """The caller, its token (if any) not checked yet: for the hot routes, whose token's
    lookup waits for the route's own thread instead of taking a worker thread of its own
    (a hop costs more CPU than the lookup). The clock and settings are read from the app,
    not through dependencies of their own: the framework's work grows with each one."""
    state = request.app.state
    return _unchecked_caller(session, state.clock, state.settings, credentials)


def _unchecked_caller(
    session: Session, clock: Clock, settings: Settings,
    credentials: HTTPAuthorizationCredentials | None,
) -> CallerContext:  # fmt: skip
    now = clock.now()
    if credentials is None:
        return CallerContext(
            session=session, actor=Actor.online(), now=now, staff=None, settings=settings
        )
    return TokenCaller(
        session=session, actor=Actor.online(), now=now, staff=None, settings=settings,
        token=credentials.credentials,
    )  # fmt: skip


async def caller_context(
    session: DbSession,
    clock: AppClock,
    settings: AppSettings,
    credentials: BearerToken,
) -> CallerContext:
    # A coroutine: an anonymous caller needs no I/O, so only a token's lookup (a query)
    # costs a worker thread. A bad token is 401, not anonymous.
    caller = _unchecked_caller(session, clock, settings, credentials)
    if isinstance(caller, TokenCaller):
        return await run_in_threadpool(_signed_in_caller, caller)
    return caller


Caller = Annotated[CallerContext, Depends(caller_context)]


def authenticates_in_route(route: Callable[P, R]) -> Callable[P, R]:
    """For a route taking :data:`LateCaller`: a token that came along is checked here, in
    the route's thread, before the route runs (401 as before when it is not valid)."""

    @functools.wraps(route)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for name, value in kwargs.items():
            if isinstance(value, TokenCaller):
                kwargs[name] = _signed_in_caller(value)
        return route(*args, **kwargs)

    return run


def _signed_in_caller(pending: TokenCaller, *, placing: bool = False) -> CallerContext:
    ctx = Context(session=pending.session, actor=Actor.system("auth"), now=pending.now)
    signed_in = authenticate(ctx, token=pending.token, placing=placing)
    return CallerContext(
        session=pending.session, actor=signed_in.actor, now=pending.now, staff=signed_in,
        settings=pending.settings,
    )  # fmt: skip


LateCaller = Annotated[CallerContext, Depends(caller_checked_in_route)]


async def in_session(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None,
    work: Callable[[CallerContext], R],
    *,
    placing: bool = False,
) -> R:
    """For the booking route, the busiest write: the whole unit of work in one worker
    thread (the session opened, a token checked, ``work`` done, committed and closed), while
    the request holds its turn at the database here, on the event loop (see _session). The
    route takes no session dependency: the framework's set-up and tear-down of one, and
    the hop its exit may take, cost a booking more than its own statements. A token that
    is not valid is a 401 before ``work`` runs; a commit that fails is the answer.
    ``placing``: ``work`` places an appointment, so the token's check also takes its
    schedule turn (sessions.authenticate)."""
    state = request.app.state
    write = request.method not in READ_METHODS
    async with state.database.turn(write=write) as queued:
        return await run_in_threadpool(
            _in_session, state, write, queued, credentials, work, placing
        )


def _in_session(
    state: State, write: bool, queued: bool,
    credentials: HTTPAuthorizationCredentials | None, work: Callable[[CallerContext], R],
    placing: bool,
) -> R:  # fmt: skip
    database: Database = state.database
    with database.session(write=write, queued=queued) as session:
        caller = _unchecked_caller(session, state.clock, state.settings, credentials)
        if isinstance(caller, TokenCaller):
            caller = _signed_in_caller(caller, placing=placing)
        return work(caller)
