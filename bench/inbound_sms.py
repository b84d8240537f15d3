"""Inbound SMS webhook latency: signed texts posted one after another, in process.

``.venv/bin/python -m bench.inbound_sms [--count 300]``: a fresh SQLite database, the app
behind the ASGI test client (no network), a mix of C, STOP, crisis and free text from 50
numbers. Prints a table and one JSON document. Twilio retries a webhook that takes more than
a few seconds, so the figure to watch is the tail.
"""

from __future__ import annotations

import argparse
import json
import secrets
import tempfile
import time
import uuid
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from booking.app import create_app
from core import migrations
from core.clock import FrozenClock
from core.db import Database
from core.settings import Settings

PUBLIC = "https://clinic.example"
PATH = "/webhooks/twilio/sms"
TOKEN = secrets.token_hex(16)  # any token: the bench signs and checks with it
BODIES = ("C", "STOP", "i want to die", "can I bring my dog")


def run(count: int) -> dict[str, float]:
    database = Database.from_url(f"sqlite:///{tempfile.mkdtemp()}/inbound.db")
    migrations.upgrade(database.engine)
    settings = Settings(database_url=str(database.engine.url), secret_key=secrets.token_hex(16),
                        public_url=PUBLIC, twilio_auth_token=TOKEN)  # fmt: skip
    clock = FrozenClock(datetime(2026, 11, 26, 15, tzinfo=UTC))
    validator = RequestValidator(TOKEN)
    times: list[float] = []
    with TestClient(create_app(settings, database=database, clock=clock)) as client:
        for n in range(count):
            fields = {"MessageSid": f"SM{uuid.uuid4().hex}", "From": f"+1617555{n % 50:04d}",
                      "Body": BODIES[n % len(BODIES)]}  # fmt: skip
            signature = validator.compute_signature(PUBLIC + PATH, fields)
            started = time.perf_counter()
            response = client.post(PATH, data=fields, headers={"X-Twilio-Signature": signature})
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
    database.dispose()
    times.sort()
    return {
        "count": count,
        "median_ms": round(times[len(times) // 2] * 1000, 1),
        "p95_ms": round(times[int(len(times) * 0.95)] * 1000, 1),
        "max_ms": round(times[-1] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    result = run(parser.parse_args().count)
    print(f"{'texts':>6} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    row = (result["count"], result["median_ms"], result["p95_ms"], result["max_ms"])
    print("{:>6} {:>10} {:>8} {:>8}".format(*row))
    print(json.dumps({"workload": "inbound_sms", **result}))


if __name__ == "__main__":
    main()
