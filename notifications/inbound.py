"""What a patient's text reply asks for: a keyword, plain opt-out wording, or a person.

Pure: no database, no clock. Exact keywords (any case, surrounding spaces and punctuation,
a "please" or "thanks" around them) are acted on; free text is acted on only when it plainly
means opting out, because an opt-out must be honoured at once. Anything else, and anything
that negates or questions a keyword ("don't stop", "stop? why"), is for staff: a wrong
guess would cancel a reminder stream or confirm a visit nobody confirmed.
"""

from __future__ import annotations

import enum
import re
import unicodedata


class Intent(enum.StrEnum):
    CONFIRM = "confirm"
    # YES opts a number that a STOP opted out back in (carriers and Twilio read it so);
    # from any other number it confirms, like C.
    YES = "yes"
    RESCHEDULE = "reschedule"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    STAFF = "staff"  # a person reads it


KEYWORDS: dict[str, Intent] = {
    **dict.fromkeys(("c", "confirm", "confirmed"), Intent.CONFIRM),
    "yes": Intent.YES,
    **dict.fromkeys(("r", "reschedule"), Intent.RESCHEDULE),
    **dict.fromkeys(
        ("stop", "stopall", "unsubscribe", "end", "quit", "cancel", "revoke", "optout"),
        Intent.OPT_OUT,
    ),
    **dict.fromkeys(("start", "unstop"), Intent.OPT_IN),
    **dict.fromkeys(("help", "info"), Intent.HELP),
}
# Two-word spellings of a keyword, joined before the lookup.
_JOINED = {"opt out": "optout", "opt-out": "optout", "stop all": "stopall", "un stop": "unstop"}
# Courtesy around a keyword that does not change what it asks for.
_COURTESY = frozenset({"please", "pls", "plz", "thanks", "thank", "you", "thx", "now", "ok"})
_NEGATION = r"(?:dont|do not|don t|never|not|no need to|wont|will not|why)"
# "Wrong number" around a stop word: the text is not for them, and they ask for no more.
_WRONG_NUMBER = r"(?:wrong\s+(?:number|person|#)|not\s+(?:my|the\s+right)\s+number)"
_STOP_WORD = r"(?:stop|stopall|unsubscribe|optout|quit|end)"
# Free text that plainly asks for no more texts (after normalising, apostrophes dropped).
_OPT_OUT_TEXT = re.compile(
    r"\b(?:"
    r"(?:stop|quit|cease)\s+(?:texting|txting|messaging|sending|contacting|texts?|messages?)"
    r"|unsubscribe\s+(?:me|this|my|from|please)"
    r"|(?:want|like|wish|need)\s+to\s+unsubscribe"
    r"|(?:remove|delete)\s+(?:me|my\s+number)\s*$"
    r"|(?:please|pls)\s+unsubscribe"
    r"|(?:do\s*not|dont|never)\s+(?:text|txt|message|sms|contact)\w*\s+(?:me|this)"
    r"|no\s+more\s+(?:texts?|txts?|messages?|sms)"
    r"|(?:remove|take)\s+(?:me|my\s+number|this\s+number)\s+(?:off|from)\s+(?:(?:your|this|the)\s+)?"
    r"(?:texting\s+|text\s+|sms\s+|mailing\s+|contact\s+)?(?:list|texts?|messages?|sms)"
    r"|opt\s*(?:me\s+)?out"
    r"|(?:stop|stopall|end|quit|cease|cancel)\s+(?:(?:all|the|these|those|your|my|this)\s+)*"
    r"(?:texts?|txts?|messages?|msgs?|reminders?|notifications?|alerts?|sms)"
    rf"|{_WRONG_NUMBER}\W+(?:please\s+)?{_STOP_WORD}|{_STOP_WORD}\W+(?:its\s+a\s+)?{_WRONG_NUMBER}"
    r")\b"
)
_NEGATED_OPT_OUT = re.compile(rf"\b{_NEGATION}\s+(?:\w+\s+){{0,2}}(?:stop|quit|unsubscribe|opt)")
_WORDS = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, apostrophes dropped, spaces collapsed."""
    # NFKC: compatibility forms (a full-width "STOP") read as their plain letters.
    plain = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    plain = plain.lower()
    plain = plain.replace("'", "")
    return " ".join(plain.split())


def classify(text: str) -> Intent:
    """The intent of one inbound SMS body."""
    plain = normalise(text)
    for spaced, joined in _JOINED.items():
        plain = plain.replace(spaced, joined)
    words = _WORDS.findall(plain)
    keyword = _keyword(words)
    if keyword is None and len(words) > 1 and all(len(word) == 1 for word in words):
        keyword = _keyword(["".join(words)])  # spelled out: "S T O P", "s.t.o.p"
    if keyword is not None and "?" not in plain.rstrip("?!. "):
        return keyword
    if _OPT_OUT_TEXT.search(plain) and not _NEGATED_OPT_OUT.search(plain) and not _asks(plain):
        return Intent.OPT_OUT
    return Intent.STAFF


def _keyword(words: list[str]) -> Intent | None:
    """The one keyword the text consists of (repeated, or with courtesy words), if any."""
    meant = {KEYWORDS.get(word) for word in words if word not in _COURTESY}
    if not words or len(meant) != 1 or None in meant:
        return None
    return meant.pop()


def _asks(plain: str) -> bool:
    """A question about stopping ("why would I stop texting?") is not a request to."""
    return bool(re.search(r"\b(?:why|what if|should i)\b", plain))
