"""The reply classifier: keywords in many spellings, plain opt-out wording, and the rest for
staff."""

from __future__ import annotations

import pytest

from notifications.crisis import is_crisis
from notifications.inbound import Intent, classify

CASES: dict[Intent, tuple[str, ...]] = {
    Intent.CONFIRM: ("C", "c", " c ", "C.", "CONFIRM", "Confirm!", "confirmed", "c c",
                     "confirm, thanks"),
    Intent.YES: ("YES", "yes please", "Yes.", " yes! "),
    Intent.RESCHEDULE: ("R", "r", "R.", "RESCHEDULE", "reschedule please", " Reschedule! "),
    Intent.OPT_OUT: (
        "STOP", "stop", "Stop.", " stop ", "STOP!!!", "stop?", "STOPALL", "stop all", "UNSUBSCRIBE",
        "unsubscribe.", "END", "end", "QUIT", "quit!", "CANCEL", "cancel", "REVOKE", "OPTOUT",
        "opt out", "opt-out", "stop please", "STOP STOP", "please stop texting me",
        "\uff33\uff34\uff2f\uff30",
        "Stop texting me", "stop sending me messages", "unsubscribe me", "Please unsubscribe",
        "do not text me", "don't text me anymore", "no more texts please",
        "remove me from your list",
        "take me off this list", "opt me out", "I want to opt out", "can you stop messaging me?",
        "I want to unsubscribe", "unsubscribe from these texts", "remove me",
        "STOP SENDING ME TEXTS", "Please take me off your texting list",
        # Found from outside: punctuation, full-width and quoted forms, spelled out, plain
        # wording about reminders, and a wrong number asking for no more.
        " STOP!! ", "\uff53\uff54\uff4f\uff50\uff01", "\u201cSTOP\u201d", "Stop\u2026",
        "stop\u200b", "STOP \U0001f6d1", "S T O P", "s.t.o.p", "stop the reminders",
        "end texts", "stop all the texts", "Stop these reminders please", "quit texting me",
        "cancel the reminders", "wrong number stop", "stop wrong number",
        "Wrong number, please stop", "stop, it's a wrong number", "not my number, stop",
    ),
    Intent.OPT_IN: ("START", "start", "Start.", "UNSTOP", "unstop!"),
    Intent.HELP: ("HELP", "help", "Help?", " help! ", "INFO"),
    Intent.STAFF: (
        "don't stop", "dont stop", "stop? why", "why stop", "Do not stop the reminders",
        "I don't want to opt out", "don't stop texting me", "why would I stop texting?",
        "cancel my appointment", "can I cancel?", "yes I'll be there but late", "c u soon",
        "the end", "thanks", "thank you", "", "   ", "?", "how do I unsubscribe", "stop by later",
        "Confirm? what time", "C or R?", "yes stop", "I want to reschedule, stop",
        "Dont unsubscribe me", "do not stop sending", "not stop", "should I stop?", "help me",
        "remove me from the waitlist?",
        "don't stop the texts", "wrong number", "I'll stop by at 3", "C R", "why end the texts?",
        "stop, I want to die",  # for staff, and the crisis matcher raises it
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "intent"), [(text, intent) for intent, texts in CASES.items() for text in texts]
)
def test_classify(text: str, intent: Intent) -> None:
    assert classify(text) is intent


def test_curly_apostrophes_are_straightened() -> None:
    assert classify("don\u2019t stop") is Intent.STAFF
    assert classify("don\u2019t text me") is Intent.OPT_OUT


def test_a_stop_with_crisis_words_goes_to_staff_and_raises_the_alert() -> None:
    assert classify("stop, I want to die") is Intent.STAFF
    assert is_crisis("stop, I want to die")
