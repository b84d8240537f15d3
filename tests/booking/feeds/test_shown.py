"""The privacy rule of calendar names (no database)."""

from __future__ import annotations

from booking.feeds.shown import calendar_name


def test_a_calendar_name_with_a_forbidden_word_is_replaced_whole() -> None:
    assert calendar_name("Ketamine infusion chair 1", "Room") == "Room"
    assert calendar_name("Chair for  IV", "Room") == "Room"
    assert calendar_name("  Chair   2 ", "Room") == "Chair 2"
    assert calendar_name("", "Calendar") == "Calendar"
    assert calendar_name("Ivy Street", "Location") == "Ivy Street"  # whole words only
