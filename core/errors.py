"""One error base for every rule the domain enforces, rendered as RFC 9457 problem JSON."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule said no. ``code`` is stable and is what clients branch on."""

    def __init__(self, code: str, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra


class NotFound(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__("not_found", f"{what} not found", 404)


class Conflict(DomainError):
    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(code, message, 409, **extra)


class Invalid(DomainError):
    """Input that parsed but breaks a rule (end before start, overlapping hours …)."""

    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(code, message, 422, **extra)


class Unauthenticated(DomainError):
    def __init__(self, message: str = "sign in to continue") -> None:
        super().__init__("unauthenticated", message, 401)


class Forbidden(DomainError):
    def __init__(self, message: str = "your role may not do this") -> None:
        super().__init__("forbidden", message, 403)


class TooManyRequests(DomainError):
    """Slow down; ``retry_after`` (whole seconds) is also sent as the Retry-After header."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__("too_many_requests", message, 429, retry_after=max(1, retry_after))


class Busy(DomainError):
    """Too many writers at once: nothing was saved, and the same request may be sent again
    after ``retry_after`` seconds (a 503 with a ``Retry-After`` header)."""

    def __init__(self, retry_after: int = 1) -> None:
        super().__init__(
            "busy", "the clinic is busy right now; nothing was saved, please try again", 503,
            retry_after=retry_after,
        )  # fmt: skip
