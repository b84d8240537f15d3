from __future__ import annotations

import pytest

from notifications.privacy import forbidden_terms_in


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
