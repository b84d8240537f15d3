"""Process settings, read once from the environment (prefix ``CLINIC_``)."""

from __future__ import annotations

import secrets
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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

    dispatch_interval_seconds: int = Field(default=30, ge=1)

    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    default_phone_region: str = "US"
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
