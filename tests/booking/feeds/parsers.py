"""Every feed is read by two parsers that share no code: ``icalendar`` (Python) and ical.js
(JavaScript, installed by ``make install`` into tests/js), which must agree."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from icalendar import Calendar

from tests.servers import ROOT

JS = ROOT / "tests" / "js"
NODE = shutil.which("node")


def ical_js(body: bytes) -> dict[str, Any]:
    """The feed as ical.js reads it (see tests/js/ics_to_json.mjs)."""
    assert NODE is not None, "node is needed: the suite reads every feed with ical.js"
    assert (JS / "node_modules" / "ical.js").is_dir(), "run `make install` (npm ci in tests/js)"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed.ics"
        path.write_bytes(body)
        done = subprocess.run(
            [NODE, str(JS / "ics_to_json.mjs"), str(path)],
            capture_output=True, check=False, timeout=60, cwd=JS,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", ".000Z")
    assert isinstance(value, date)
    return value.isoformat()


def python_events(body: bytes) -> list[dict[str, Any]]:
    """The VEVENTs as icalendar reads them, in ical.js's shape, to compare the two."""
    calendar = Calendar.from_ical(body)
    found = []
    for event in calendar.walk("VEVENT"):
        found.append(
            {
                "uid": str(event["UID"]),
                "summary": str(event["SUMMARY"]),
                "status": str(event["STATUS"]) if "STATUS" in event else None,
                "sequence": int(event.decoded("SEQUENCE")),
                "dtstamp": _instant(event.decoded("DTSTAMP")),
                "start": _instant(event.decoded("DTSTART")),
                "end": _instant(event.decoded("DTEND")),
            }
        )
    return found


def both(body: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The events read by icalendar, and the whole feed by ical.js, checked to agree."""
    python, js = python_events(body), ical_js(body)
    keys = ("uid", "summary", "status", "sequence", "dtstamp", "start", "end")
    assert python == [{key: event[key] for key in keys} for event in js["events"]]
    return python, js
