"""`make run` as a new user runs it: every process it starts gets the same settings."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.servers import ROOT

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="needs GNU make")

# Stands in for the installed `clinic`: records the public URL each command was given.
FAKE_CLINIC = """#!/bin/sh
echo "${CLINIC_PUBLIC_URL:-unset} $*" >> "$(dirname "$0")/calls"
"""


def _run(tmp_path: Path, *make_args: str, **env: str) -> list[str]:
    clinic = tmp_path / "clinic"
    clinic.write_text(FAKE_CLINIC)
    clinic.chmod(0o755)
    stamp = tmp_path / "installed"  # newer than pyproject.toml: make skips the install
    stamp.touch()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CLINIC_")} | env
    done = subprocess.run(
        [str(MAKE), "--no-print-directory", "-C", str(ROOT), "run", f"BIN={tmp_path}",
         f"STAMP={stamp}", *make_args],
        env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return (tmp_path / "calls").read_text().splitlines()


def test_every_process_make_run_starts_gets_the_public_url_of_its_port(tmp_path: Path) -> None:
    calls = _run(tmp_path, "PORT=18431")
    assert [call.split()[1] for call in calls] == ["db", "demo", "serve"]
    assert {call.split()[0] for call in calls} == {"http://127.0.0.1:18431"}
    assert "--port 18431" in calls[-1]


def test_make_run_keeps_a_public_url_the_user_set(tmp_path: Path) -> None:
    calls = _run(tmp_path, "PORT=18431", CLINIC_PUBLIC_URL="https://book.clinic.example")
    assert {call.split()[0] for call in calls} == {"https://book.clinic.example"}
