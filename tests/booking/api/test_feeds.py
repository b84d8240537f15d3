"""Staff calendar feeds over HTTP, on both databases: what a feed shows (read by icalendar and
by ical.js), how it follows changes, 304 revalidation, rotation, revocation and limits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from booking.app import create_app
from booking.models import AppointmentType, Role
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from notifications.privacy import forbidden_terms_in
from scheduler.models import Notice
from scheduler.rules import Audience, NoticeKind
from tests.booking.api.conftest import MONDAY_9, Clinic
from tests.booking.api.feed_helpers import book_consult, clinician_of, fetch, new_feed, path_of
from tests.booking.feeds.parsers import both
from tests.conftest import MakeStaff, SignedIn

MONDAY_11 = "2026-11-30T11:00:00-05:00"
TUESDAY_9 = "2026-12-01T09:00:00-05:00"


def _utc(moment: str) -> str:
    return datetime.fromisoformat(moment).astimezone(UTC).isoformat().replace("+00:00", ".000Z")


def test_a_clinician_feed_shows_their_own_appointments_and_nothing_more(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    make_staff: MakeStaff,
) -> None:  # fmt: skip
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    theirs = clinician_of(client, admin, make_staff, clinic.clinicians[1]["id"])
    booked = book_consult(client, clinic, front_desk, 1, MONDAY_9)["appointment"]
    other = book_consult(client, clinic, front_desk, 2, MONDAY_11, clinician=1)["appointment"]
    feed = new_feed(client, mine, "clinician")
    assert feed["https_url"].startswith("http")
    assert feed["https_url"].endswith(".ics")
    assert feed["webcal_url"] == "webcal://" + feed["https_url"].split("://", 1)[1]
    response = fetch(client, feed)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private"
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    events, js = both(response.content)
    (event,) = events
    assert event["uid"] == f"{booked['id']}@127.0.0.1"
    assert (event["start"], event["sequence"], event["status"]) == (_utc(MONDAY_9), 0, "CONFIRMED")
    assert event["summary"] == "Consultation (S.R.)"
    assert js["timezones"] == ["America/New_York"]
    assert js["events"][0]["url"].endswith(f"/staff/appointments/{booked['id']}")
    assert js["events"][0]["location"].startswith("Consult room")
    text = response.content.decode()
    for detail in ("Rivera1", "sam1@example.com", "1617555", "1990"):
        assert detail not in text  # no other patient detail
    their_feed = fetch(client, new_feed(client, theirs, "clinician")).content
    assert booked["id"] not in their_feed.decode()
    assert other["id"] in their_feed.decode()


def test_changes_grow_the_sequence_and_a_cancel_stays_as_cancelled(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    make_staff: MakeStaff,
) -> None:  # fmt: skip
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    booked = book_consult(client, clinic, front_desk, 1, MONDAY_9)["appointment"]
    feed = new_feed(client, mine, "clinician")
    first = fetch(client, feed)
    moved = client.post(f"/api/v1/appointments/{booked['id']}/reschedule",
                        json={"starts_at": TUESDAY_9}, headers=front_desk.headers)  # fmt: skip
    assert moved.status_code == 200, moved.text
    second = fetch(client, feed, **{"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    (event,), _ = both(second.content)
    assert (event["uid"], event["start"], event["sequence"]) == (
        f"{booked['id']}@127.0.0.1", _utc(TUESDAY_9), 1,
    )  # fmt: skip
    cancel = client.post(f"/api/v1/appointments/{booked['id']}/cancel",
                         json={"reason": "unwell"}, headers=front_desk.headers)  # fmt: skip
    assert cancel.status_code == 200, cancel.text
    third = fetch(client, feed, **{"If-None-Match": second.headers["etag"]})
    (event,), js = both(third.content)
    assert (event["status"], event["sequence"]) == ("CANCELLED", 2)
    assert event["summary"].startswith("Cancelled: ")
    assert js["events"][0]["transp"] == "TRANSPARENT"


def test_an_unchanged_feed_answers_304_to_either_validator(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    make_staff: MakeStaff,
) -> None:  # fmt: skip
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    book_consult(client, clinic, front_desk, 1, MONDAY_9)
    feed = new_feed(client, mine, "clinician")
    first = fetch(client, feed)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", W/{etag}'},
                    {"If-Modified-Since": modified}):  # fmt: skip
        again = fetch(client, feed, **headers)
        assert again.status_code == 304, headers
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "private"
    earlier = format_datetime(datetime(2026, 1, 1, tzinfo=UTC), usegmt=True)
    later = format_datetime(datetime(2030, 1, 1, tzinfo=UTC), usegmt=True)  # ignored
    for headers in ({"If-None-Match": '"other"'}, {"If-Modified-Since": earlier},
                    {"If-Modified-Since": "not a date"}, {"If-Modified-Since": later}):  # fmt: skip
        assert fetch(client, feed, **headers).content == first.content
    head = client.head(path_of(feed))
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-length"] == str(len(first.content))
    assert head.headers["etag"] == etag
    assert head.headers["content-type"] == first.headers["content-type"]
    assert client.head(path_of(feed), headers={"If-None-Match": etag}).status_code == 304
    assert client.head("/feeds/not-a-real-token.ics").status_code == 404
    # A new booking is a new version, for If-Modified-Since clients too.
    book_consult(client, clinic, front_desk, 2, MONDAY_11)
    changed = fetch(client, feed, **{"If-Modified-Since": modified})
    assert changed.status_code == 200
    assert len(both(changed.content)[0]) == 2


def test_rotation_ends_the_old_url_and_revocation_ends_the_feed(
    client: TestClient, clinic: Clinic, admin: SignedIn, make_staff: MakeStaff
) -> None:
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    other = clinician_of(client, admin, make_staff, clinic.clinicians[1]["id"])
    feed = new_feed(client, mine, "clinician")
    unknown = client.get("/feeds/not-a-real-token.ics")
    assert unknown.status_code == 404
    assert (
        client.post(f"/api/v1/feeds/{feed['id']}/rotate", headers=other.headers).status_code == 404
    )
    rotated = client.post(f"/api/v1/feeds/{feed['id']}/rotate", headers=mine.headers)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()
    assert new["token"] != feed["token"]
    assert new["rotated_at"] is not None
    old = fetch(client, feed)
    assert (old.status_code, old.json()) == (404, unknown.json())
    assert fetch(client, new).status_code == 200
    listed = client.get("/api/v1/feeds", headers=mine.headers).json()
    assert [row["id"] for row in listed] == [feed["id"]]
    assert "token" not in listed[0]
    assert client.get("/api/v1/feeds", headers=other.headers).json() == []
    revoked = client.post(f"/api/v1/feeds/{feed['id']}/revoke", headers=admin.headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    gone = fetch(client, new)
    assert (gone.status_code, gone.json()) == (404, unknown.json())
    again = client.post(f"/api/v1/feeds/{feed['id']}/rotate", headers=mine.headers)
    assert (again.status_code, again.json()["code"]) == (409, "feed_revoked")


def test_a_feed_ends_when_its_owner_may_no_longer_hold_it(
    client: TestClient, clinic: Clinic, admin: SignedIn, make_staff: MakeStaff
) -> None:
    unknown = client.get("/feeds/not-a-real-token.ics").json()
    desk, demoted = make_staff(Role.FRONT_DESK), make_staff(Role.FRONT_DESK)
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    place = new_feed(client, desk, "location", clinic.location["id"])
    room = new_feed(client, demoted, "room", clinic.chairs[0]["id"])
    own = new_feed(client, mine, "clinician")
    kept = new_feed(client, demoted, "clinician", clinic.clinicians[1]["id"])
    assert all(fetch(client, feed).status_code == 200 for feed in (place, room, own, kept))
    changes = [(desk, {"active": False}), (demoted, {"role": "clinician",
               "clinician_id": clinic.clinicians[1]["id"]}),
               (mine, {"clinician_id": clinic.clinicians[1]["id"]})]  # fmt: skip
    for who, change in changes:
        response = client.patch(f"/api/v1/staff/{who.user_id}", json=change, headers=admin.headers)
        assert response.status_code == 200, response.text
    for feed in (place, room, own):
        gone = fetch(client, feed)
        assert gone.status_code == 404, feed["kind"]
        assert gone.json() == unknown
    # What the owner could still create today goes on: the demoted clinician's own calendar.
    assert fetch(client, kept).status_code == 200
    revived = client.patch(f"/api/v1/staff/{desk.user_id}", json={"active": True},
                           headers=admin.headers)  # fmt: skip
    assert revived.status_code == 200
    assert fetch(client, place).status_code == 200


def test_a_clinician_subscribes_to_their_own_calendar_only(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    make_staff: MakeStaff,
) -> None:  # fmt: skip
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    for body in ({"kind": "clinician", "subject_id": clinic.clinicians[1]["id"]},
                 {"kind": "room", "subject_id": clinic.chairs[0]["id"]},
                 {"kind": "location", "subject_id": clinic.location["id"]}):  # fmt: skip
        response = client.post("/api/v1/feeds", json=body, headers=mine.headers)
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    unlinked = client.post("/api/v1/feeds", json={"kind": "clinician"}, headers=front_desk.headers)
    assert (unlinked.status_code, unlinked.json()["code"]) == (422, "unknown_reference")
    body = {"kind": "room", "subject_id": clinic.location["id"]}  # not a room
    wrong = client.post("/api/v1/feeds", json=body, headers=front_desk.headers)
    assert (wrong.status_code, wrong.json()["code"]) == (422, "unknown_reference")
    help_ = client.get("/api/v1/feeds/subscribing", headers=mine.headers).json()
    apps = {app["app"]: app for app in help_["apps"]}
    assert set(apps) == {"Apple Calendar", "Google Calendar", "Outlook", "Thunderbird"}
    assert "several hours" in apps["Google Calendar"]["steps"]


def test_room_and_location_feeds_with_closures_and_time_off(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    make_staff: MakeStaff,
) -> None:  # fmt: skip
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    booked = book_consult(client, clinic, front_desk, 1, MONDAY_9)["appointment"]
    period = {"starts_at": "2026-12-07T08:00:00-05:00", "ends_at": "2026-12-07T17:00:00-05:00",
              "reason": "dentist"}  # fmt: skip
    api = "/api/v1"
    off = client.post(f"{api}/clinicians/{clinic.clinicians[0]['id']}/time-off", json=period,
                      headers=admin.headers)  # fmt: skip
    assert off.status_code == 201, off.text
    closed = period | {"starts_at": "2026-12-08T08:00:00-05:00",
                       "ends_at": "2026-12-08T17:00:00-05:00", "reason": "holiday"}  # fmt: skip
    closure = client.post(f"{api}/locations/{clinic.location['id']}/closures", json=closed,
                          headers=admin.headers)  # fmt: skip
    assert closure.status_code == 201, closure.text
    mine_events, js = both(fetch(client, new_feed(client, mine, "clinician")).content)
    by_summary = {event["summary"]: event for event in mine_events}
    assert set(by_summary) == {"Consultation (S.R.)", "Time off",
                               f"Closed: {clinic.location['name']}"}  # fmt: skip
    assert by_summary["Time off"]["start"] == "2026-12-07T13:00:00.000Z"
    assert all(event["transp"] == "OPAQUE" for event in js["events"])
    room = new_feed(client, front_desk, "room", booked["room_id"])
    room_events, js = both(fetch(client, room).content)
    assert {event["uid"].split("@")[0] for event in room_events} >= {booked["id"]}
    assert "Time off" not in {event["summary"] for event in room_events}
    assert js["calname"].startswith("Consult room")
    place = new_feed(client, front_desk, "location", clinic.location["id"])
    place_events, js = both(fetch(client, place).content)
    assert len(place_events) == 2
    assert js["calname"] == clinic.location["name"]


def test_a_cancelled_appointment_leaves_after_the_retention_period(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    make_staff: MakeStaff, clock: FrozenClock,
) -> None:  # fmt: skip
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    booked = book_consult(client, clinic, front_desk, 1, TUESDAY_9)["appointment"]
    client.post(f"/api/v1/appointments/{booked['id']}/cancel", json={"reason": "unwell"},
                headers=front_desk.headers)  # fmt: skip
    feed = new_feed(client, mine, "clinician")
    assert [event["status"] for event in both(fetch(client, feed).content)[0]] == ["CANCELLED"]
    clock.set(clock.now() + timedelta(days=29))
    assert len(both(fetch(client, feed).content)[0]) == 1
    clock.set(clock.now() + timedelta(days=2))
    assert both(fetch(client, feed).content)[0] == []


def test_events_across_a_dst_change_keep_their_instants(
    client: TestClient, clinic: Clinic, make_staff: MakeStaff, clock: FrozenClock
) -> None:
    clock.set(datetime(2027, 3, 1, 15, tzinfo=UTC))  # past the earlier logins' lifetime
    admin, front_desk = make_staff(Role.ADMIN), make_staff(Role.FRONT_DESK)
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    before, after = "2027-03-12T09:00:00-05:00", "2027-03-15T09:00:00-04:00"
    for n, at in enumerate((before, after)):
        book_consult(client, clinic, front_desk, n, at)
    response = fetch(client, new_feed(client, mine, "clinician"))
    events, js = both(response.content)
    assert [event["start"] for event in events] == [_utc(before), _utc(after)]
    assert [event["tzid"] for event in js["events"][:2]] == ["America/New_York"] * 2
    text = response.content.decode()
    assert "DTSTART;TZID=America/New_York:20270312T090000" in text
    assert "DTSTART;TZID=America/New_York:20270315T090000" in text


@pytest.fixture
def strict_app(settings: Settings, database: Database, clock: FrozenClock) -> FastAPI:
    changed = settings.model_copy(update={"feed_miss_rate": "3/minute", "feed_full_names": True})
    return create_app(changed, database=database, clock=clock)


def test_misses_are_slowed_but_live_feeds_served_and_full_names_escaped(
    strict_app: FastAPI, clinic: Clinic, admin: SignedIn, front_desk: SignedIn
) -> None:
    with TestClient(strict_app, raise_server_exceptions=False) as client:
        hostile = {"given_name": "Zoë; \\ 🙂", "family_name": "O'Brien, 李"}
        book_consult(client, clinic, front_desk, 1, MONDAY_9, patient=hostile)
        # The fixtures' logins hold in this app too: sessions live in the database.
        feed = new_feed(client, admin, "clinician", clinic.clinicians[0]["id"])
        (event,), _ = both(fetch(client, feed).content)
        assert event["summary"] == "Consultation (Zoë; \\ 🙂 O'Brien, 李)"
        for n in range(3):
            assert client.get(f"/feeds/guess-{n}.ics").status_code == 404
        refused = client.get("/feeds/guess-4.ics")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["code"] == "too_many_requests"
        # A live feed is served to that address all the same (Google fetches from shared
        # addresses): only the guessing waits.
        served = client.get(path_of(feed))
        assert served.status_code == 200
        assert served.content == fetch(client, feed).content
        assert client.get("/feeds/guess-5.ics").status_code == 429


def test_no_title_names_a_drug_or_treatment(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    make_staff: MakeStaff, database: Database,
) -> None:  # fmt: skip
    # The API keeps public names neutral; a name stored before that rule still never shows.
    with database.session() as session:
        session.execute(
            update(AppointmentType).where(AppointmentType.id == uuid.UUID(clinic.consult["id"]))
            .values(public_name="Ketamine infusion (IV) for depression")
        )  # fmt: skip
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    book_consult(client, clinic, front_desk, 1, MONDAY_9)
    (event,), _ = both(fetch(client, new_feed(client, mine, "clinician")).content)
    assert event["summary"] == "Appointment (S.R.)"
    assert forbidden_terms_in(event["summary"]) == []


def test_no_calendar_name_names_a_drug_or_treatment(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn
) -> None:
    renames = [(f"/api/v1/rooms/{clinic.chairs[0]['id']}", "Ketamine infusion chair 1"),
               (f"/api/v1/locations/{clinic.location['id']}", "Esketamine Midtown")]  # fmt: skip
    for path, name in renames:
        response = client.patch(path, json={"name": name}, headers=admin.headers)
        assert response.status_code == 200, response.text
    room = fetch(client, new_feed(client, front_desk, "room", clinic.chairs[0]["id"]))
    place = fetch(client, new_feed(client, front_desk, "location", clinic.location["id"]))
    assert both(room.content)[1]["calname"] == "Room (Location)"
    assert both(place.content)[1]["calname"] == "Location"
    for text in (room.text, place.text):
        assert forbidden_terms_in(text) == []


def test_monitoring_forms_due_are_all_day_items_on_the_clinician_feed(
    client: TestClient, clinic: Clinic, admin: SignedIn, front_desk: SignedIn,
    make_staff: MakeStaff, database: Database, clock: FrozenClock,
) -> None:  # fmt: skip
    mine = clinician_of(client, admin, make_staff, clinic.clinicians[0]["id"])
    booked = book_consult(client, clinic, front_desk, 1, MONDAY_9)["appointment"]
    due = datetime(2026, 12, 7, 4, 30, tzinfo=UTC)  # 23:30 on the 6th in New York
    with database.session() as session:
        session.add(
            Notice(
                appointment_id=uuid.UUID(booked["id"]), key=f"rems:{booked['id']}",
                kind=NoticeKind.REMS_FORM, audience=Audience.STAFF, channel=None,
                zone="America/New_York", moment_at=due, due_at=due, context={},
                fallbacks={}, created_at=clock.now(), updated_at=clock.now(),
            )
        )  # fmt: skip
    events, js = both(fetch(client, new_feed(client, mine, "clinician")).content)
    task = next(event for event in js["events"] if event["all_day"])
    assert (task["start"], task["end"]) == ("2026-12-06", "2026-12-07")
    assert task["summary"] == "Monitoring form due (S.R.)"
    assert forbidden_terms_in(task["summary"]) == []
    room = new_feed(client, front_desk, "room", booked["room_id"])
    assert all(not event["all_day"] for event in both(fetch(client, room).content)[1]["events"])
    assert len(events) == 2
