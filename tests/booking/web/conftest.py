"""The app served on loopback by uvicorn in a thread (on each database, with the suite's
frozen clock), and a headless chromium per test run."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from booking import demo
from booking.app import create_app
from booking.demo import DemoLogin
from booking.models import Role
from booking.services.context import Actor, Context
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings
from tests.booking.web.browser import CHROMIUM
from tests.servers import free_port


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings
    database: Database
    clock: FrozenClock


@pytest.fixture
def live_settings_extra() -> dict[str, Any]:
    """More settings for the served app; a test module overrides it (a Twilio auth token to
    sign webhooks with, an on-call address)."""
    return {}


@pytest.fixture
def live_server(
    database: Database, clock: FrozenClock, live_settings_extra: dict[str, Any]
) -> Iterator[LiveServer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        secret_key="test-secret",
        public_url=url,
        name="Harbor Clinic",
        run_scheduler=False,
        booking_rate_per_client="100000/minute",
        session_ttl_hours=24 * 30,
        **live_settings_extra,
    )
    app = create_app(settings, database=database, clock=clock)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the page server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=url, settings=settings, database=database, clock=clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# Package scope: Playwright's sync API keeps an event loop running in the main thread while
# it lives, and tests outside these pages call asyncio.run().
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield launched
    launched.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    opened = browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="America/New_York"
    )
    opened.set_default_timeout(10_000)
    # A page load waits as long as the HTTP clients do: one took over 10 s on SQLite while
    # the suite's PostgreSQL half ran beside it on the same two cores.
    opened.set_default_navigation_timeout(30_000)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    """A plain HTTP client on the live server (no browser): for what a browser never sends."""
    # A generous timeout: the suite shares two cores with the browser and the databases.
    with httpx.Client(base_url=live_server.url, follow_redirects=False, timeout=30) as client:
        yield client


@pytest.fixture
def demo_clinic(database: Database, clock: FrozenClock) -> dict[Role, DemoLogin]:
    """The demo clinic of `make run` (types, hours, rooms, patients) and a login per role."""
    with database.session() as session:
        ctx = Context(session=session, actor=Actor.system("test"), now=clock.now())
        logins = demo.seed(ctx)
    return {login.role: login for login in logins}


def sign_in(page: Page, login: DemoLogin, *, path: str = "/staff") -> None:
    """Through the sign-in page, as a person would: ask for a staff page, get sent there."""
    page.goto(path)
    page.get_by_label("Email").fill(login.email)
    page.get_by_label("Password").fill(login.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}")
