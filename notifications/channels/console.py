"""The development channel (``make run`` without Twilio or SMTP): nothing leaves the process.

The dispatcher records each message in the outbox, where staff read it through the API; this
channel only answers with a console id and keeps the last few in memory for a developer's
eye. It logs the id and the channel, never the recipient or the text.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque

from notifications.channels.base import ChannelKind, OutgoingMessage, Sent

logger = logging.getLogger(__name__)


class ConsoleChannel:
    def __init__(self, kind: ChannelKind, *, keep: int = 100) -> None:
        self.kind = kind
        self._recent: deque[tuple[str, OutgoingMessage]] = deque(maxlen=keep)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> Sent:
        with self._lock:
            provider_id = f"console-{self.kind.value}-{next(self._ids)}"
            self._recent.append((provider_id, message))
        logger.info("console %s message %s recorded", self.kind.value, provider_id)
        return Sent(provider_id=provider_id)

    def recent(self) -> list[tuple[str, OutgoingMessage]]:
        """The last messages, oldest first, with their console ids."""
        with self._lock:
            return list(self._recent)
