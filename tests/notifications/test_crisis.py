"""The crisis matcher on its test set: every positive flagged, idioms and negations not."""

from __future__ import annotations

import pytest

from notifications.crisis import crisis_terms, is_crisis
from tests.notifications.crisis_cases import NEGATIVES, POSITIVES, measure


def test_the_set_is_large_enough_to_mean_something() -> None:
    assert len(POSITIVES) >= 80
    assert len(NEGATIVES) >= 80
    assert not set(POSITIVES) & set(NEGATIVES)


def test_every_positive_is_flagged_and_at_most_two_negatives_are() -> None:
    true_positives, positives, false_positives, _ = measure()
    missed = [text for text in POSITIVES if not is_crisis(text)]
    assert missed == []
    assert true_positives == positives
    assert false_positives <= 2, [text for text in NEGATIVES if is_crisis(text)]


@pytest.mark.parametrize("text", POSITIVES)
def test_positive(text: str) -> None:
    assert is_crisis(text), text


@pytest.mark.parametrize("text", NEGATIVES)
def test_negative(text: str) -> None:
    assert not is_crisis(text), (text, crisis_terms(text))


def test_a_negation_with_other_words_between_does_not_cancel() -> None:
    assert is_crisis("I'm not sure if I should kill myself")
    assert not is_crisis("I'm not going to kill myself")


def test_curly_apostrophes_and_shorthand() -> None:
    assert crisis_terms("I od\u2019d") == ["overdose"]
    assert crisis_terms("kms") == ["kms"]
    assert crisis_terms("that\u2019s odd") == []
