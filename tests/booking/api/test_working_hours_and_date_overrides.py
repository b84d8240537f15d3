"""Clinic setup through the HTTP API: a clinician's weekly working hours (overlaps,
effective date ranges, wall-clock times, deleting) and their date overrides."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.booking.api.setup_helpers import (
    API,
    UNKNOWN_ID,
    Json,
    audit_actions,
    expect_ok,
    expect_problem,
    field_names,
    listed_rules,
    post_hours,
    post_override,
)
from tests.conftest import SignedIn
from tests.factories import make_clinician, make_location

# ---------------------------------------------------------------- working hours


def test_working_hours_are_added_and_listed(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    rule = expect_ok(post_hours(client, admin, clinician["id"], location["id"], weekday=2), 201)
    assert rule["clinician_id"] == clinician["id"]
    assert rule["location_id"] == location["id"]
    assert (rule["weekday"], rule["start_time"], rule["end_time"]) == (2, "09:00:00", "17:00:00")
    assert rule["effective_from"] is None
    assert listed_rules(client, admin, clinician["id"], "working-hours") == [rule]


@pytest.mark.parametrize(("start", "end"), [("17:00", "09:00"), ("09:00", "09:00")])
def test_working_hours_must_end_after_they_start(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, start: str, end: str
) -> None:
    response = post_hours(client, admin, clinician["id"], location["id"], start=start, end=end)
    assert "end_time" in expect_problem(response, 422, "validation_error")["detail"]


@pytest.mark.parametrize("weekday", [7, -1])
def test_a_weekday_is_monday_0_to_sunday_6(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, weekday: int
) -> None:
    response = post_hours(client, admin, clinician["id"], location["id"], weekday=weekday)
    assert field_names(expect_problem(response, 422, "validation_error")) == {"weekday"}


def test_sunday_is_a_valid_weekday(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    assert (
        expect_ok(post_hours(client, admin, clinician["id"], location["id"], weekday=6), 201)[
            "weekday"
        ]
        == 6
    )


def test_overlapping_hours_on_the_same_weekday_are_refused(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    first = expect_ok(
        post_hours(client, admin, clinician["id"], location["id"], start="09:00", end="12:00"), 201
    )
    response = post_hours(
        client, admin, clinician["id"], location["id"], start="11:00", end="14:00"
    )
    problem = expect_problem(response, 422, "hours_overlap")
    assert problem["conflicting_id"] == first["id"]
    assert "09:00-12:00" in problem["detail"]
    assert listed_rules(client, admin, clinician["id"], "working-hours") == [first]


def test_hours_overlap_across_locations_too(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    elsewhere = make_location(client, admin.headers, name="Cambridge")
    expect_ok(
        post_hours(client, admin, clinician["id"], location["id"], start="09:00", end="12:00"), 201
    )
    response = post_hours(
        client, admin, clinician["id"], elsewhere["id"], start="10:00", end="11:00"
    )
    expect_problem(response, 422, "hours_overlap")


def test_adjacent_hours_do_not_overlap(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    elsewhere = make_location(client, admin.headers, name="Cambridge")
    expect_ok(
        post_hours(client, admin, clinician["id"], location["id"], start="09:00", end="12:00"), 201
    )
    expect_ok(
        post_hours(client, admin, clinician["id"], elsewhere["id"], start="12:00", end="17:00"), 201
    )
    assert len(listed_rules(client, admin, clinician["id"], "working-hours")) == 2


def test_the_same_hours_on_another_weekday_or_clinician_are_fine(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    other = make_clinician(client, admin.headers)
    expect_ok(post_hours(client, admin, clinician["id"], location["id"], weekday=0), 201)
    expect_ok(post_hours(client, admin, clinician["id"], location["id"], weekday=1), 201)
    expect_ok(post_hours(client, admin, other["id"], location["id"], weekday=0), 201)


def test_hours_in_separate_date_ranges_do_not_overlap(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    winter: Json = {"effective_from": "2026-12-01", "effective_until": "2027-02-28"}
    spring: Json = {"effective_from": "2027-03-01"}
    expect_ok(post_hours(client, admin, clinician["id"], location["id"], **winter), 201)
    rule = expect_ok(post_hours(client, admin, clinician["id"], location["id"], **spring), 201)
    assert (rule["effective_from"], rule["effective_until"]) == ("2027-03-01", None)


@pytest.mark.parametrize(
    "later",
    [{"effective_from": "2027-02-28"}, {}, {"effective_until": "2026-12-01"}],
    ids=["touching-last-day", "open-ended", "until-first-day"],
)
def test_hours_in_intersecting_date_ranges_overlap(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, later: Json
) -> None:
    winter: Json = {"effective_from": "2026-12-01", "effective_until": "2027-02-28"}
    expect_ok(post_hours(client, admin, clinician["id"], location["id"], **winter), 201)
    expect_problem(
        post_hours(client, admin, clinician["id"], location["id"], **later), 422, "hours_overlap"
    )


def test_an_effective_range_must_not_end_before_it_starts(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    dates: Json = {"effective_from": "2027-01-01", "effective_until": "2026-12-31"}
    response = post_hours(client, admin, clinician["id"], location["id"], **dates)
    assert "effective_until" in expect_problem(response, 422, "validation_error")["detail"]


def test_hours_at_an_unknown_location_are_an_unknown_reference(
    client: TestClient, admin: SignedIn, clinician: Json
) -> None:
    expect_problem(post_hours(client, admin, clinician["id"], UNKNOWN_ID), 422, "unknown_reference")


def test_hours_for_an_unknown_clinician_are_404(
    client: TestClient, admin: SignedIn, location: Json
) -> None:
    expect_problem(post_hours(client, admin, UNKNOWN_ID, location["id"]), 404, "not_found")


@pytest.mark.parametrize(
    ("start", "end"), [("09:00+02:00", "17:00+02:00"), ("09:00", "17:00Z")], ids=["both", "one"]
)
def test_wall_clock_hours_carry_no_utc_offset(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, start: str, end: str
) -> None:
    response = post_hours(client, admin, clinician["id"], location["id"], start=start, end=end)
    assert expect_problem(response, 422, "validation_error")["errors"]
    assert listed_rules(client, admin, clinician["id"], "working-hours") == []


def test_deleting_working_hours_removes_them(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    keep = expect_ok(post_hours(client, admin, clinician["id"], location["id"], weekday=0), 201)
    drop = expect_ok(post_hours(client, admin, clinician["id"], location["id"], weekday=1), 201)
    url = f"{API}/clinicians/{clinician['id']}/working-hours/{drop['id']}"
    response = client.delete(url, headers=admin.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert listed_rules(client, admin, clinician["id"], "working-hours") == [keep]
    expect_problem(client.delete(url, headers=admin.headers), 404, "not_found")


def test_someone_elses_rule_cannot_be_deleted(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    other = make_clinician(client, admin.headers)
    rule = expect_ok(post_hours(client, admin, clinician["id"], location["id"]), 201)
    response = client.delete(
        f"{API}/clinicians/{other['id']}/working-hours/{rule['id']}", headers=admin.headers
    )
    expect_problem(response, 404, "not_found")
    assert listed_rules(client, admin, clinician["id"], "working-hours") == [rule]


def test_a_rule_id_of_another_kind_cannot_be_deleted(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    rule = expect_ok(post_hours(client, admin, clinician["id"], location["id"]), 201)
    response = client.delete(
        f"{API}/clinicians/{clinician['id']}/time-off/{rule['id']}", headers=admin.headers
    )
    expect_problem(response, 404, "not_found")
    assert listed_rules(client, admin, clinician["id"], "working-hours") == [rule]


# ---------------------------------------------------------------- date overrides


def test_a_day_off_and_hours_on_the_same_date_clash(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    day_off = expect_ok(post_override(client, admin, clinician["id"], location["id"]), 201)
    assert (day_off["start_time"], day_off["end_time"]) == (None, None)
    response = post_override(
        client, admin, clinician["id"], location["id"], start_time="13:00", end_time="15:00"
    )
    assert expect_problem(response, 422, "override_overlap")["conflicting_id"] == day_off["id"]


def test_hours_then_a_day_off_on_the_same_date_clash(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    hours = post_override(
        client, admin, clinician["id"], location["id"], start_time="13:00", end_time="15:00"
    )
    expect_ok(hours, 201)
    response = post_override(client, admin, clinician["id"], location["id"])
    expect_problem(response, 422, "override_overlap")
    assert len(listed_rules(client, admin, clinician["id"], "date-overrides")) == 1


def test_separate_override_hours_on_one_date_are_fine_but_overlapping_ones_clash(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    cid, lid = clinician["id"], location["id"]
    expect_ok(post_override(client, admin, cid, lid, start_time="09:00", end_time="12:00"), 201)
    expect_ok(post_override(client, admin, cid, lid, start_time="12:00", end_time="15:00"), 201)
    response = post_override(client, admin, cid, lid, start_time="14:00", end_time="16:00")
    expect_problem(response, 422, "override_overlap")


def test_a_day_off_on_another_date_is_fine(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    expect_ok(post_override(client, admin, clinician["id"], location["id"]), 201)
    other_day = post_override(client, admin, clinician["id"], location["id"], on_date="2026-12-08")
    assert expect_ok(other_day, 201)["on_date"] == "2026-12-08"


@pytest.mark.parametrize("times", [{"start_time": "09:00"}, {"end_time": "17:00"}])
def test_an_override_needs_both_times_or_neither(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json, times: Json
) -> None:
    response = post_override(client, admin, clinician["id"], location["id"], **times)
    assert "both" in expect_problem(response, 422, "validation_error")["detail"]


def test_an_override_must_end_after_it_starts(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    response = post_override(
        client, admin, clinician["id"], location["id"], start_time="15:00", end_time="13:00"
    )
    expect_problem(response, 422, "validation_error")


def test_a_date_override_can_be_deleted(
    client: TestClient, admin: SignedIn, clinician: Json, location: Json
) -> None:
    day_off = expect_ok(post_override(client, admin, clinician["id"], location["id"]), 201)
    url = f"{API}/clinicians/{clinician['id']}/date-overrides/{day_off['id']}"
    assert client.delete(url, headers=admin.headers).status_code == 204
    assert listed_rules(client, admin, clinician["id"], "date-overrides") == []
    assert audit_actions(client, admin, day_off["id"]) == [
        "date_override.create",
        "date_override.delete",
    ]
