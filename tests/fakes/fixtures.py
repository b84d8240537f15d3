"""Pytest fixtures over the loopback fakes, imported by tests/conftest.py for every package."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes import smtp, twilio


@pytest.fixture
def fake_twilio() -> Iterator[twilio.FakeTwilio]:
    """A Twilio-compatible Messages endpoint; point ``api_base`` at ``fake_twilio.base_url``."""
    with twilio.running() as fake:
        yield fake


@pytest.fixture
def fake_smtp() -> Iterator[smtp.FakeSmtp]:
    """A plain SMTP server (no STARTTLS) keeping what it receives in ``received``."""
    with smtp.running() as server:
        yield server


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def loopback_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    names = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    files = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run([openssl, *request, *names, *files], check=True, capture_output=True)
    return Certificate(cert, key)


@pytest.fixture
def tls_smtp(loopback_certificate: Certificate) -> Iterator[smtp.FakeSmtp]:
    """An SMTP server offering STARTTLS with ``loopback_certificate``."""
    with smtp.running(tls_context=loopback_certificate.server_context()) as server:
        yield server
