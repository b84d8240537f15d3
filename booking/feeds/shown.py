"""What a feed shows and how: the feed settings, and the event titles (privacy rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from notifications.privacy import forbidden_terms_in


@dataclass(frozen=True)
class Options:
    """The feed settings (see core.settings): window, retention, names, refresh hints."""

    public_url: str
    days_back: int = 30
    days_ahead: int = 180
    cancelled_days: int = 30
    refresh: timedelta = timedelta(minutes=15)
    full_names: bool = False

    @property
    def host(self) -> str:
        """What every UID ends with: the clinic's host name."""
        return urlsplit(self.public_url).hostname or "clinic"

    @property
    def base(self) -> str:
        return self.public_url.rstrip("/")


def initials(given: str, family: str) -> str:
    """ "S.R." from Sam Rivera; any script, whatever spaces or controls surround the names."""
    letters = [name.strip()[:1].upper() for name in (given, family)]
    return "".join(f"{letter}." for letter in letters if letter.isprintable() and letter)


@lru_cache(maxsize=65_536)  # names and types repeat: a feed of thousands has few of them
def title(visit: str, given: str, family: str, *, full_names: bool, cancelled: bool = False) -> str:
    """The visit type (never a drug or treatment word) and who: initials unless the clinic
    chose full names."""
    who = " ".join(f"{given} {family}".split()) if full_names else initials(given, family)
    # A name with a forbidden word is replaced whole: what redaction leaves can still tell
    # ("for" from "Ketamine infusion for depression"), and a title has no room to explain.
    visit = " ".join(visit.split())
    visit = "Appointment" if not visit or forbidden_terms_in(visit) else visit
    shown = f"{visit} ({who})" if who else visit
    return f"Cancelled: {shown}" if cancelled else shown


def calendar_name(name: str, fallback: str) -> str:
    """A feed's calendar name (NAME, X-WR-CALNAME) under the titles' rule: a name with a
    forbidden word is replaced whole ("Ketamine infusion chair 1" is ``fallback``)."""
    name = " ".join(name.split())
    return fallback if not name or forbidden_terms_in(name) else name
