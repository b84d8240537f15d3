"""``GET /feeds/{token}.ics``: find the feed, answer 304 when the client's copy is current,
else the feed's text, built once per version and kept.

The token is looked up first: a live feed is always served, whatever its client address
did, since calendar services fetch from addresses many people share and one guesser there
must not stop every subscription. Misses (unknown, rotated or revoked tokens) are counted
per client address with `limits`; past the limit a miss is 429 with Retry-After instead of
404, so guessing tokens is slow. A known token and an unknown one cost the same single
indexed lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from booking.feeds import content, tokens
from booking.feeds.shown import Options
from booking.services.context import Context
from booking.services.throttle import Network, client_address
from core.errors import NotFound, TooManyRequests
from core.settings import Settings

MEDIA_TYPE = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class Conditions:
    """The client's validators: ``If-None-Match`` wins over ``If-Modified-Since``."""

    if_none_match: str | None = None
    if_modified_since: str | None = None

    def fresh(self, etag: str, last_modified: datetime, now: datetime) -> bool:
        if self.if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in self.if_none_match.split(",")}
            return "*" in tags or etag in tags
        if self.if_modified_since is None:
            return False
        try:
            since = parsedate_to_datetime(self.if_modified_since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False  # an unreadable date is ignored, as RFC 9110 says
        # A date later than now is ignored too (RFC 9110, 13.1.3): it proves nothing.
        return since.tzinfo is not None and last_modified <= since <= now


@dataclass(frozen=True)
class Answer:
    status: int  # 200 or 304
    body: bytes
    headers: dict[str, str]


@dataclass
class _Version:
    etag: str
    last_modified: datetime
    body: bytes | None = None


class FeedCache:
    """Per process: each feed's last version (its ETag, when this process first saw it, and
    its text once built). Bounded; the least recently read feed goes first."""

    def __init__(self, size: int = 2048) -> None:
        self._versions: OrderedDict[uuid.UUID, _Version] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def version(self, feed_id: uuid.UUID, etag: str, now: datetime) -> _Version:
        """The feed's cached version if ``etag`` is still it, else a new one. Last-Modified
        is when this process first saw the version, a second past the one before it, so
        an If-Modified-Since client sees a change even when a row left the feed."""
        with self._lock:
            known = self._versions.get(feed_id)
            if known is not None and known.etag == etag:
                self._versions.move_to_end(feed_id)
                return known
            moment = now.replace(microsecond=0)
            if known is not None and moment <= known.last_modified:
                moment = known.last_modified + timedelta(seconds=1)
            fresh = _Version(etag, moment)
            self._versions[feed_id] = fresh
            while len(self._versions) > self._size:
                self._versions.popitem(last=False)
            return fresh


@dataclass(frozen=True)
class MissLimit:
    """Counts a client address's unknown tokens; refuses the address past the rate."""

    secret: bytes
    trusted: tuple[Network, ...]
    rates: tuple[RateLimitItem, ...]
    limiter: MovingWindowRateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> MissLimit:
        return cls(
            secret=settings.secret_key.encode(),
            trusted=tuple(ipaddress.ip_network(n) for n in settings.trusted_proxies),
            rates=tuple(parse_many(settings.feed_miss_rate)),
            limiter=MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage)),
        )

    def key(self, peer: str | None, forwarded_for: str | None) -> str:
        address = client_address(peer, forwarded_for, self.trusted)
        return hmac.new(self.secret, f"feed:{address}".encode(), hashlib.sha256).hexdigest()

    def miss(self, key: str) -> None:
        """Count one unknown token, or refuse the address while it is over the rate."""
        for rate in self.rates:
            if not self.limiter.hit(rate, "feed-miss", key):
                reset = self.limiter.get_window_stats(rate, "feed-miss", key).reset_time
                wait = math.ceil(reset - time.time())  # `limits` keeps the system clock
                raise TooManyRequests("too many unknown feed addresses", retry_after=wait)


def options(settings: Settings) -> Options:
    return Options(
        public_url=settings.public_url, days_back=settings.feed_days_back,
        days_ahead=settings.feed_days_ahead, cancelled_days=settings.feed_cancelled_days,
        refresh=timedelta(minutes=settings.feed_refresh_minutes),
        full_names=settings.feed_full_names,
    )  # fmt: skip


def serve(
    ctx: Context, *, token: str, client: str, misses: MissLimit, cache: FeedCache,
    conditions: Conditions, settings: Settings,
) -> Answer:  # fmt: skip
    feed = tokens.find(ctx, token)
    if feed is None:
        misses.miss(client)
        raise NotFound("feed")
    shown = options(settings)
    window = content.Window.around(ctx.now, shown)
    snap = content.snapshot(ctx, feed, window)
    fingerprint = repr((feed.id, feed.kind, snap.key, shown)).encode()
    etag = f'"{hashlib.sha256(fingerprint).hexdigest()[:32]}"'
    version = cache.version(feed.id, etag, ctx.now)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(version.last_modified, usegmt=True),
        "Cache-Control": "private",
    }
    if conditions.fresh(etag, version.last_modified, ctx.now):
        return Answer(304, b"", headers)
    if version.body is None:
        # Two requests may build the same version at once; both texts are the same.
        version.body = content.build(ctx, feed, window, shown, snap)
    return Answer(200, version.body, headers | {"Content-Type": MEDIA_TYPE})
