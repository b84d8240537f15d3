"""Bearer tokens: issued at login, stored hashed, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from booking.models import Role, StaffSession
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from core.tokens import hash_token
from tests.conftest import PASSWORD, MakeStaff, SignedIn


def _token(signed_in: SignedIn) -> str:
    return signed_in.headers["Authorization"].removeprefix("Bearer ")


def test_login_returns_a_token_that_is_stored_only_as_its_hash(
    client: TestClient, admin: SignedIn, database: Database
) -> None:
    token = _token(admin)
    with database.session(write=False) as session:
        stored = list(session.scalars(select(StaffSession.token_hash)))
    assert stored == [hash_token(token)]
    assert token not in stored
    me = client.get("/api/v1/auth/me", headers=admin.headers)
    assert me.status_code == 200
    assert me.json()["email"] == admin.email
    assert "password_hash" not in me.json()


def test_login_is_case_insensitive_on_email(client: TestClient, admin: SignedIn) -> None:
    response = client.post(
        "/api/v1/auth/login", json={"email": admin.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["user"]["role"] == "admin"


def test_wrong_password_and_unknown_email_get_the_same_401(
    client: TestClient, admin: SignedIn
) -> None:
    wrong = client.post("/api/v1/auth/login", json={"email": admin.email, "password": "nope"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@clinic.example", "password": PASSWORD}
    )
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "unauthenticated"
        assert response.json()["detail"] == "wrong email or password"


def test_tokens_expire(
    client: TestClient, admin: SignedIn, clock: FrozenClock, settings: Settings
) -> None:
    clock.advance(timedelta(hours=settings.session_ttl_hours) - timedelta(minutes=1))
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 200
    clock.advance(timedelta(minutes=2))
    response = client.get("/api/v1/auth/me", headers=admin.headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_logout_revokes_the_token(client: TestClient, admin: SignedIn) -> None:
    assert client.post("/api/v1/auth/logout", headers=admin.headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=admin.headers).status_code == 401


def test_deactivating_an_account_ends_its_sessions(
    client: TestClient, admin: SignedIn, make_staff: MakeStaff
) -> None:
    desk = make_staff(Role.FRONT_DESK)
    assert client.get("/api/v1/locations", headers=desk.headers).status_code == 200
    response = client.patch(
        f"/api/v1/staff/{desk.user_id}", json={"active": False}, headers=admin.headers
    )
    assert response.status_code == 200
    assert client.get("/api/v1/locations", headers=desk.headers).status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": desk.email, "password": PASSWORD})
    assert login.status_code == 401


def test_a_role_change_takes_effect_at_once(
    client: TestClient, admin: SignedIn, make_staff: MakeStaff
) -> None:
    desk = make_staff(Role.FRONT_DESK)
    client.patch(f"/api/v1/staff/{desk.user_id}", json={"role": "clinician"}, headers=admin.headers)
    assert client.get("/api/v1/auth/me", headers=desk.headers).status_code == 401


def test_admins_cannot_lock_themselves_out(client: TestClient, admin: SignedIn) -> None:
    response = client.patch(
        f"/api/v1/staff/{admin.user_id}", json={"active": False}, headers=admin.headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "self_lockout"


def test_staff_accounts_need_a_long_password_and_a_unique_email(
    client: TestClient, admin: SignedIn
) -> None:
    body = {"email": "new@clinic.example", "name": "New", "role": "front_desk"}
    short = client.post("/api/v1/staff", json=body | {"password": "short"}, headers=admin.headers)
    assert short.status_code == 422
    assert "short" not in short.text  # the rejected password is not echoed back
    ok = client.post("/api/v1/staff", json=body | {"password": PASSWORD}, headers=admin.headers)
    assert ok.status_code == 201
    again = client.post(
        "/api/v1/staff",
        json=body | {"email": "NEW@clinic.example", "password": PASSWORD},
        headers=admin.headers,
    )
    assert again.status_code == 409
    assert again.json()["code"] == "email_taken"


def test_a_password_change_ends_the_accounts_sessions(
    client: TestClient, admin: SignedIn, make_staff: MakeStaff
) -> None:
    desk = make_staff(Role.FRONT_DESK)
    new_password = "another horse battery staple"
    response = client.patch(
        f"/api/v1/staff/{desk.user_id}", json={"password": new_password}, headers=admin.headers
    )
    assert response.status_code == 200
    assert client.get("/api/v1/auth/me", headers=desk.headers).status_code == 401
    login = client.post("/api/v1/auth/login", json={"email": desk.email, "password": new_password})
    assert login.status_code == 200
