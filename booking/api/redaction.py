"""Secrets that travel in URLs never reach a log line.

A patient's manage link carries their token in the path (``/api/v1/manage/{token}``), and
uvicorn's access log writes every path it serves. A calendar feed's URL
(``/feeds/{token}.ics``) is its only credential.
"""

from __future__ import annotations

import logging
import re

# Slashes or spaces before the token (``/manage//TOKEN``) and any case still reach a log
# line with the token in it; they are redacted with it.
_MANAGE_TOKEN = re.compile(r"(/manage/)[/\s]*[^/?#\s]+", re.IGNORECASE)
# A feed's token is everything after /feeds/ up to ".ics" (slashes included); the staff
# routes under /api/v1/feeds carry only record ids.
_FEED_TOKEN = re.compile(r"(?<!/v1)(/feeds/)[^?#\s]*?(\.ics\b|(?=[?#\s])|$)", re.IGNORECASE)
# The booking pages carry a manage token in ``link=`` when a patient books a follow-up.
_LINK_PARAMETER = re.compile(r"([?&]link=)[^&#\s]+", re.IGNORECASE)
_SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    text = _LINK_PARAMETER.sub(r"\1[redacted]", _MANAGE_TOKEN.sub(r"\1[redacted]", text))
    return _FEED_TOKEN.sub(r"\1[redacted]\2", text)


class RedactTokens(logging.Filter):
    """Rewrites a record's message and string arguments before any handler formats them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Guard the server's own loggers (idempotent)."""
    for name in _SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
