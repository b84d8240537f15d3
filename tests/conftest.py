"""Shared fixtures: a migrated database per backend, a frozen clock, an app and staff logins.

Every test that asks for ``database`` (directly or through ``client``) runs once on SQLite
and once on PostgreSQL when CLINIC_TEST_POSTGRES_URL names a server.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx2 as httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from booking.app import create_app
from booking.models import Base, Role, SetupVersion, StaffUser
from booking.schemas.staff import StaffUserIn
from booking.services import staff as staff_service
from booking.services.context import Actor, Context
from booking.services.staff import create_user
from core import migrations
from core.clock import FrozenClock
from core.db import Database, normalise_url
from core.settings import Settings
from tests.fakes.fixtures import fake_smtp, fake_twilio, loopback_certificate, tls_smtp  # noqa: F401


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Argon2 at its cheapest: tests sign in hundreds of times; production keeps the defaults."""
    original = staff_service._hasher
    staff_service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    staff_service._hasher = original


# Thursday 26 November 2026, 10:00 in New York: a frozen clock is the default.
FROZEN_NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
POSTGRES_URL = os.environ.get("CLINIC_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
PASSWORD = "correct horse battery staple"


def pytest_report_header() -> str:
    if POSTGRES_URL:
        return f"databases: sqlite + postgresql ({make_url(POSTGRES_URL).host})"
    return "databases: sqlite only (CLINIC_TEST_POSTGRES_URL unset: PostgreSQL half skipped)"


class FreshDatabases:
    """Creates empty databases (a file for SQLite, a new database on the server for PostgreSQL)
    and drops them at the end of the run."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []

    def url(self, backend: str) -> str:
        name = f"clinic_test_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / name}.db"
        assert POSTGRES_URL is not None
        admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        url = make_url(normalise_url(POSTGRES_URL)).set(database=name)
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if not self.created or POSTGRES_URL is None:
            return
        admin = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def fresh_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FreshDatabases]:
    fresh = FreshDatabases(tmp_path_factory.mktemp("db"))
    yield fresh
    fresh.drop_all()


_migrated: dict[str, Database] = {}


# For a module whose guarantees are PostgreSQL's own (its locks); SQLite's are tested apart.
postgresql_only = pytest.mark.parametrize(
    "backend", [b for b in BACKENDS if b == "postgresql"], indirect=True
)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(backend: str, fresh_databases: FreshDatabases) -> Iterator[Database]:
    """A migrated database, emptied after each test (migrated once per run and backend)."""
    if backend not in _migrated:
        db = Database.from_url(fresh_databases.url(backend))
        migrations.upgrade(db.engine)
        _migrated[backend] = db
    db = _migrated[backend]
    yield db
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != SetupVersion.__tablename__:
                conn.execute(table.delete())
        # Emptying the setup tables is a setup change: processes' cached copies must go.
        conn.execute(update(SetupVersion).values(version=SetupVersion.version + 1))


def pytest_sessionfinish() -> None:
    for db in _migrated.values():
        db.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FROZEN_NOW)


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        secret_key="test-secret",
        session_ttl_hours=24 * 30,  # tests move the clock by days; tokens outlive that
    )


@pytest.fixture
def app(settings: Settings, database: Database, clock: FrozenClock) -> FastAPI:
    return create_app(settings, database=database, clock=clock)


# An instant written with "Z": pydantic's way with a zero offset, which hides the zone.
_ZULU = re.compile(r'"\d{4}-\d{2}-\d{2}T[0-9:.]+Z"')


def _offsets_are_numeric(response: httpx.Response) -> None:
    """Every instant in every answer the suite sees carries its numeric offset."""
    if "json" not in response.headers.get("content-type", "") or response.url.path.endswith(
        "/openapi.json"  # its examples are requests, which may well say Z
    ):
        return
    found = _ZULU.search(response.read().decode())
    assert found is None, f"{response.url.path} wrote an instant as {found and found[0]}"


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        test_client.event_hooks["response"].append(_offsets_are_numeric)
        yield test_client


@pytest.fixture
def ctx(database: Database, clock: FrozenClock) -> Iterator[Context]:
    """A service context on a write session, committed when the test's block ends."""
    with database.session() as session:
        yield Context(session=session, actor=Actor.system("test"), now=clock.now())


@dataclass(frozen=True)
class SignedIn:
    user_id: uuid.UUID
    email: str
    role: Role
    headers: dict[str, str]


MakeStaff = Callable[..., SignedIn]


@pytest.fixture
def make_staff(database: Database, clock: FrozenClock, client: TestClient) -> MakeStaff:
    """``make_staff(role)`` creates an account and signs it in through the real login route."""

    def make(role: Role = Role.ADMIN, *, email: str | None = None) -> SignedIn:
        email = email or f"{role.value}-{uuid.uuid4().hex[:8]}@clinic.example"
        with database.session() as session:
            ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
            data = StaffUserIn(email=email, name=f"Test {role.value}", role=role, password=PASSWORD)
            user: StaffUser = create_user(ctx, data=data)
            user_id = user.id
        response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        return SignedIn(user_id, email, role, {"Authorization": f"Bearer {token}"})

    return make


@pytest.fixture
def admin(make_staff: MakeStaff) -> SignedIn:
    return make_staff(Role.ADMIN)


@pytest.fixture
def front_desk(make_staff: MakeStaff) -> SignedIn:
    return make_staff(Role.FRONT_DESK)


@pytest.fixture
def clinician_login(make_staff: MakeStaff) -> SignedIn:
    return make_staff(Role.CLINICIAN)


@pytest.fixture
def db_url(backend: str, fresh_databases: FreshDatabases) -> str:
    """An empty database of this backend, for tests that run the product as a process."""
    return fresh_databases.url(backend)
