from __future__ import annotations

import pytest

from notifications.privacy import forbidden_terms_in, redact


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Your Ketamine infusion is tomorrow", ["ketamine", "infusion"]),
        ("SPRAVATO session", ["spravato"]),
        ("IV session at 9", ["iv"]),
        ("Treatment for depression", ["depression"]),
        ("Your clinic session is tomorrow", []),
        ("Please give us a call; we will drive the schedule", []),  # "iv" inside words
    ],
)
def test_forbidden_terms_are_found_as_whole_words(text: str, found: list[str]) -> None:
    assert forbidden_terms_in(text) == found


@pytest.mark.parametrize(
    ("text", "neutral"),
    [
        ("Ketamine Wellness Center", "Wellness Center"),
        ("Esketamine (Spravato) treatment for depression", "treatment"),
        ("IV infusion", ""),
        ("Riverside (Midtown)", "Riverside (Midtown)"),  # nothing to take: left as it is
        ("(212) 555-0142", "(212) 555-0142"),
    ],
)
def test_redact_takes_the_words_out_and_tidies_what_they_leave(text: str, neutral: str) -> None:
    assert redact(text) == neutral
    assert forbidden_terms_in(redact(text)) == []
