"""The on-call alert and a staff reply, rendered without a database."""

from __future__ import annotations

from notifications.privacy import forbidden_terms_in
from notifications.render import consent_wording
from notifications.staff_messages import ALERT_SUBJECT, crisis_alert, inbox_link, staff_reply

PATIENT = "0b7c4f0e-0000-4000-8000-000000000001"


def test_the_alert_points_at_the_patients_conversation_and_says_nothing_else() -> None:
    context = {"patient_id": PATIENT, "inbound_id": "m-1"}
    rendered = crisis_alert("Ketamine Wellness of Harbor", "https://c.example/", context)
    assert rendered.subject == ALERT_SUBJECT
    assert f"https://c.example/api/v1/inbox?state=unread&patient_id={PATIENT}" in rendered.text
    assert "m-1" in rendered.text
    assert forbidden_terms_in(rendered.text + ALERT_SUBJECT) == []
    assert "Wellness of Harbor" in rendered.text  # the clinic's name, its drug word dropped


def test_an_unmatched_senders_alert_links_the_whole_unread_inbox() -> None:
    rendered = crisis_alert("Clinic", "https://c.example", {"patient_id": None})
    assert "not matched to a patient" in rendered.text
    assert inbox_link("https://c.example", None) == "https://c.example/api/v1/inbox?state=unread"


def test_a_staff_reply_is_sent_as_written() -> None:
    assert staff_reply("Clinic", {"text": "See you Monday at 9."}).text == "See you Monday at 9."
    assert staff_reply("Clinic", {}).subject is None


def test_a_staff_reply_that_is_the_numbers_first_text_carries_the_consent_wording() -> None:
    first = staff_reply("Harbor Clinic", {"text": "See you Monday.", "first_sms": True}).text
    assert first.startswith("See you Monday. Harbor Clinic appointment texts")
    for words in ("msgs per visit", "Msg & data rates may apply", "Reply STOP to opt out",
                  "HELP"):  # fmt: skip
        assert words in first


def test_the_consent_wording_never_names_a_drug_even_in_the_clinic_name() -> None:
    wording = consent_wording("Ketamine Wellness")
    assert "etamine" not in wording
    assert "Reply STOP to opt out, HELP for help." in wording
