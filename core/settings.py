"""Process settings, read once from the environment (prefix ``CLINIC_``)."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import time
from functools import lru_cache
from typing import Annotated

from limits import parse_many
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CLINIC_", extra="ignore")

    database_url: str = "sqlite:///./clinic.db"
    # Unset means a per-process random key: fine for a laptop, wrong for several processes.
    secret_key: str = Field(default_factory=lambda: secrets.token_urlsafe(32))
    public_url: str = "http://127.0.0.1:8000"
    name: str = "Clinic"  # CLINIC_NAME: the clinic as patients see it (manage link, booking page)

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base: str = "https://api.twilio.com"

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    email_from: str = "Appointments <appointments@clinic.invalid>"
    # A text with crisis words emails this address at once (through the outbox); unset: the
    # staff inbox alone shows it, urgent, at the top.
    oncall_email: str | None = None

    run_scheduler: bool = True  # `clinic serve` dispatches in-process (off: --no-scheduler)
    dispatch_interval_seconds: int = Field(default=30, ge=1)
    dispatch_batch: int = Field(default=100, ge=1)  # notices one pass claims
    dispatch_lease_seconds: int = Field(default=300, ge=10)  # a dead worker's claim returns
    dispatch_max_attempts: int = Field(default=6, ge=1)
    dispatch_rate_per_second: float = Field(default=0, ge=0)  # per process; 0: no limit
    quiet_hours_start: time = time(8, 0)  # SMS only between these, in the recipient's zone
    quiet_hours_end: time = time(21, 0)
    pickup_exempt_from_quiet_hours: bool = True

    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    default_phone_region: str = "US"
    # A writer's wait for its turn in this process, then for another process (each, in ms):
    # past it the answer is 503 busy with Retry-After, well before a client gives up.
    sqlite_write_wait_ms: int = Field(default=5_000, ge=0)
    sqlite_busy_timeout_ms: int = Field(default=5_000, ge=0)

    # A freed slot is held this long for the waiting patient it is offered to (from the
    # moment the offer's message may go out), then offered to the next one.
    waitlist_offer_minutes: int = Field(default=30, ge=5, le=24 * 60)

    # Anonymous booking limits (staff are never limited). Rates use the `limits` notation.
    max_live_holds_per_client: int = Field(default=3, ge=1)
    booking_rate_per_client: str = "10/minute"
    booking_rate_per_patient: str = "5/minute"
    rate_limit_storage: str = "memory://"  # per process; redis://… shares it between them
    # Proxies whose X-Forwarded-For is believed: addresses or CIDRs, comma-separated.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Staff calendar feeds: the window shown, how long a cancelled visit stays (as
    # STATUS:CANCELLED), the refresh hint, and full patient names instead of initials.
    feed_days_back: int = Field(default=30, ge=0, le=3660)
    feed_days_ahead: int = Field(default=180, ge=1, le=3660)
    feed_cancelled_days: int = Field(default=30, ge=0, le=3660)
    feed_refresh_minutes: int = Field(default=15, ge=1, le=24 * 60)
    feed_full_names: bool = False
    feed_miss_rate: str = "20/minute"  # unknown feed tokens per client address, then 429

    @field_validator("booking_rate_per_client", "booking_rate_per_patient", "feed_miss_rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        parse_many(value)  # raises ValueError on a malformed rate
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> list[str]:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list):
            raise ValueError("give addresses or networks, comma-separated")
        names = [str(item).strip() for item in items]
        return [str(ipaddress.ip_network(name, strict=False)) for name in names if name]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
