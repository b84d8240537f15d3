"""SMS through the twilio SDK (sync: the dispatcher calls channels outside any transaction).

``api_base`` (``CLINIC_TWILIO_API_BASE``) points the same SDK at any Twilio-compatible
endpoint: the SDK builds ``https://api.twilio.com/2010-04-01/...`` and our HTTP client
swaps that origin for the configured one, so every resource path stays the SDK's own.
Failures carry only the status and Twilio's code: the provider's message names the number.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

import requests
from requests.utils import get_environ_proxies
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.channels.base import (
    ChannelKind,
    OutgoingMessage,
    PermanentFailure,
    Sent,
    TransientFailure,
)
from notifications.privacy import forbidden_terms_in

TWILIO_ORIGIN = "https://api.twilio.com"
OPTED_OUT = 21610  # the number replied STOP: record it, never retry
RATE_LIMITED = 20429
AUTH_FAILED = 20003  # our credentials, not the message: worth retrying once they are fixed


class _RebasedHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The SDK's own HTTP client, sent to another origin; remembers each thread's last
    response headers (Retry-After), which the SDK's exceptions do not carry."""

    def __init__(self, api_base: str, *, timeout: float) -> None:
        origin = api_base.rstrip("/")
        super().__init__(timeout=timeout, proxy=get_environ_proxies(origin))
        # The proxy and CA bundle come from the environment once, here: with trust_env on,
        # requests re-reads both (and ~/.netrc) on every message, a tenth of a millisecond.
        self.session.trust_env = False
        self.session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._origin = origin
        self._last = threading.local()

    # The SDK formats every request's and response's lines before the logger drops them.
    def log_request(self, kwargs: dict[str, Any]) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_request(kwargs)

    def log_response(self, status_code: int, response: Any) -> None:
        if self.logger.isEnabledFor(logging.INFO):
            super().log_response(status_code, response)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if url.startswith(TWILIO_ORIGIN):
            url = self._origin + url[len(TWILIO_ORIGIN) :]
        self._last.headers = {}
        response = super().request(method, url, *args, **kwargs)
        self._last.headers = dict(response.headers or {})
        return response

    def last_retry_after(self) -> float | None:
        headers: dict[str, str] = getattr(self._last, "headers", {})
        value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        try:
            return max(0.0, float(value)) if value is not None else None
        except ValueError:  # an HTTP date: leave the delay to the dispatcher's backoff
            return None


class TwilioSms:
    kind = ChannelKind.SMS

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        status_callback: str | None = None,
        api_base: str = TWILIO_ORIGIN,
        timeout: float = 10.0,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("Twilio needs a from-number or a Messaging Service SID")
        self._http = _RebasedHttpClient(api_base, timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=self._http)
        self._sender: dict[str, str] = (
            {"messaging_service_sid": messaging_service_sid}
            if messaging_service_sid
            else {"from_": str(from_number)}
        )
        self._status_callback = status_callback

    def send(self, message: OutgoingMessage) -> Sent:
        if forbidden_terms_in(message.text):  # the renderer's promise, kept at the door too
            raise PermanentFailure("privacy_blocked", "the text names a forbidden word")
        options = dict(self._sender)
        if self._status_callback:
            options["status_callback"] = self._status_callback
        try:
            created = self._client.messages.create(to=message.to, body=message.text, **options)
        except (TwilioRestException, TwilioServiceException) as error:
            raise failure_for(
                error.status, error.code, retry_after=self._http.last_retry_after()
            ) from None
        except requests.RequestException as error:  # timeouts, refused or reset connections
            raise TransientFailure("twilio_unreachable", type(error).__name__) from None
        return Sent(provider_id=str(created.sid))


def failure_for(
    status: int, code: int | None, *, retry_after: float | None = None
) -> TransientFailure | PermanentFailure:
    """Twilio's answer as a failure the dispatcher acts on."""
    name = str(code or status)
    described = f"Twilio answered {status} (error {name})"
    if code == OPTED_OUT:
        return PermanentFailure(name, described, opted_out=True)
    busy = status == 429 or code == RATE_LIMITED or status >= 500
    if busy or status in (401, 403) or code == AUTH_FAILED:
        return TransientFailure(name, described, retry_after=retry_after)
    return PermanentFailure(name, described)  # 21211 invalid, 21614 not mobile, 21408 region
