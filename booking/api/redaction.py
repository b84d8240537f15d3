"""Secrets that travel in URLs never reach a log line.

A patient's manage link carries their token in the path (``/api/v1/manage/{token}``), and
uvicorn's access log writes every path it serves.
"""

from __future__ import annotations

import logging
import re

# Slashes or spaces before the token (``/manage//TOKEN``) and any case still reach a log
# line with the token in it; they are redacted with it.
_MANAGE_TOKEN = re.compile(r"(/manage/)[/\s]*[^/?#\s]+", re.IGNORECASE)
_SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error")


def redact(text: str) -> str:
    return _MANAGE_TOKEN.sub(r"\1[redacted]", text)


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
