"""Set-up for the calendar feed tests: a clinician's own login, feeds, bookings, fetches."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient

from booking.models import Role
from tests.booking.api.conftest import Clinic, book, patient_details
from tests.conftest import MakeStaff, SignedIn


def clinician_of(
    client: TestClient, admin: SignedIn, make_staff: MakeStaff, clinician_id: str
) -> SignedIn:
    """A clinician's login linked to their clinician record."""
    login = make_staff(Role.CLINICIAN)
    response = client.patch(
        f"/api/v1/staff/{login.user_id}", json={"clinician_id": clinician_id},
        headers=admin.headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return login


def new_feed(client: TestClient, who: SignedIn, kind: str, subject_id: str | None = None) -> Any:
    body = {"kind": kind} | ({"subject_id": subject_id} if subject_id else {})
    response = client.post("/api/v1/feeds", json=body, headers=who.headers)
    assert response.status_code == 201, response.text
    return response.json()


def path_of(feed: dict[str, Any]) -> str:
    return f"/feeds/{feed['token']}.ics"


def fetch(client: TestClient, feed: dict[str, Any], **headers: str) -> httpx.Response:
    return client.get(path_of(feed), headers=headers)


def book_consult(
    client: TestClient, clinic: Clinic, desk: SignedIn, n: int, at: str, clinician: int = 0,
    patient: dict[str, str] | None = None,
) -> Any:  # fmt: skip
    """A consult with clinician number ``clinician``; ``patient`` overrides the details."""
    body = {
        "appointment_type_id": clinic.consult["id"], "starts_at": at,
        "clinician_id": clinic.clinicians[clinician]["id"],
        "patient": patient_details(n) | (patient or {}),
    }  # fmt: skip
    response = book(client, body, desk.headers)
    assert response.status_code == 201, response.text
    return response.json()
