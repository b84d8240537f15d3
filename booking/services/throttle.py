"""Limits on anonymous booking, so one client cannot hold or hammer every online slot:
live holds per client address, and booking attempts per client address and per patient.

Live holds are counted in the database (each anonymous hold keeps a keyed hash of its
client's address), which survives restarts and is shared by every worker. Attempts are
counted by the `limits` library in the storage the settings name (memory, per process, by
default). Addresses and contacts are only ever kept as keyed hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from limits import RateLimitItem, parse, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from booking.models import Hold
from booking.schemas.appointments import BookingIn
from booking.services.context import Context
from core.errors import TooManyRequests
from core.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(hop: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(hop.strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:10.0.0.1 is 10.0.0.1
    return mapped or address


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The client: the socket peer, unless the peer is a trusted proxy. Then X-Forwarded-For
    is read from the right (each proxy appends the address it saw) past trusted proxies;
    whatever a client wrote to the left of that is never reached."""
    hops = [peer or "unknown"]
    if forwarded_for:
        hops += reversed([hop.strip() for hop in forwarded_for.split(",") if hop.strip()])
    for hop in hops:
        address = _address(hop)
        if address is None or not any(address in network for network in trusted):
            return str(address or hop)
    return hops[-1]  # every hop is trusted: the furthest one is the best there is


def patient_contacts(body: BookingIn) -> list[str]:
    """What identifies the patient a booking is for, whatever else in it varies."""
    if body.manage_token is not None:
        return [f"token:{body.manage_token}"]
    if body.patient is None:
        return []
    contacts = [f"phone:{body.patient.phone}"] if body.patient.phone else []
    return contacts + ([f"email:{body.patient.email.lower()}"] if body.patient.email else [])


# A copy of an idempotent request seen within this window was already counted.
_ONCE = parse("1/hour")


@dataclass(frozen=True)
class Throttle:
    """One per app: the parsed settings and the attempt counters."""

    secret: bytes
    trusted: tuple[Network, ...]
    per_client: tuple[RateLimitItem, ...]
    per_patient: tuple[RateLimitItem, ...]
    max_live_holds: int
    limiter: MovingWindowRateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> Throttle:
        return cls(
            secret=settings.secret_key.encode(),
            trusted=tuple(ipaddress.ip_network(n) for n in settings.trusted_proxies),
            per_client=tuple(parse_many(settings.booking_rate_per_client)),
            per_patient=tuple(parse_many(settings.booking_rate_per_patient)),
            max_live_holds=settings.max_live_holds_per_client,
            limiter=MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage)),
        )

    def key(self, value: str) -> str:
        # Keyed: a bare hash of an IPv4 address is reversed by trying all 2^32 of them.
        return hmac.new(self.secret, value.encode(), hashlib.sha256).hexdigest()

    def attempt(
        self, *, client_key: str, contacts: Iterable[str] = (), idempotency_key: str | None = None
    ) -> None:
        """Count one booking attempt for the client and each contact, or refuse it. Copies
        of one idempotent request (same client, same ``Idempotency-Key``) count once: all
        of them together book at most one appointment, and a retry must hear its answer."""
        if idempotency_key is not None and not self.limiter.hit(
            _ONCE, "retry", client_key, self.key(idempotency_key)
        ):
            return
        self._hit(self.per_client, "client", client_key)
        for contact in contacts:
            self._hit(self.per_patient, "patient", self.key(contact))

    def _hit(self, rates: Sequence[RateLimitItem], namespace: str, key: str) -> None:
        for rate in rates:
            if not self.limiter.hit(rate, namespace, key):
                reset = self.limiter.get_window_stats(rate, namespace, key).reset_time
                # `limits` keeps its windows on the system clock, so the wait is read on it.
                wait = math.ceil(reset - time.time())
                raise TooManyRequests(
                    "too many booking attempts; try again shortly", retry_after=wait
                )


def ensure_hold_room(ctx: Context, *, client_key: str, limit: int) -> None:
    """Refuse a further hold while the client already has ``limit`` live ones."""
    if ctx.session.get_bind().dialect.name == "postgresql":
        # Concurrent holds of one client count in turn (SQLite serializes writes anyway).
        lock = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
        ctx.session.execute(lock, {"key": f"holds:{client_key}"})
    query = (
        select(Hold.expires_at)
        .where(Hold.client_key == client_key, Hold.expires_at > ctx.now)
        .order_by(Hold.expires_at)
        .limit(limit)
    )
    live = list(ctx.session.scalars(query))
    if len(live) >= limit:
        wait = math.ceil((live[0] - ctx.now).total_seconds())
        raise TooManyRequests(
            f"at most {limit} slots may be held at once; book one or let one expire",
            retry_after=wait,
        )


@contextmanager
def holds_kept_for(ctx: Context, *, client_key: str) -> Iterator[None]:
    """Holds added to the session meanwhile are the client's: the key goes into the INSERT."""

    def keep(_session: Session, entity: object) -> None:
        if isinstance(entity, Hold) and entity.client_key is None:
            entity.client_key = client_key

    event.listen(ctx.session, "transient_to_pending", keep)
    try:
        yield
    finally:
        event.remove(ctx.session, "transient_to_pending", keep)
