"""Who the client is: the socket peer, or what trusted proxies say it is."""

from __future__ import annotations

import ipaddress

import pytest

from booking.services.throttle import client_address

PROXIES = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8::/32"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("203.0.113.7", "192.0.2.1", "203.0.113.7"),  # an untrusted peer's header is ignored
        ("10.0.0.5", None, "10.0.0.5"),  # a proxy that says nothing is the client
        ("10.0.0.5", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.5", "192.0.2.1, 203.0.113.7", "203.0.113.7"),  # spoofed left part
        ("10.0.0.5", "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two proxies in a row
        ("2001:db8::1", "[2001:db8::2], 198.51.100.4", "198.51.100.4"),
        ("::ffff:10.0.0.5", "203.0.113.7", "203.0.113.7"),  # IPv4-mapped peer
        ("10.0.0.5", "garbage", "garbage"),  # what the proxy saw, even if malformed
        ("10.0.0.5", "10.0.0.6, 10.0.0.7", "10.0.0.6"),  # all trusted: the furthest
        (None, None, "unknown"),
    ],
)
def test_client_address(peer: str | None, forwarded: str | None, client: str) -> None:
    assert client_address(peer, forwarded, PROXIES) == client


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address("10.0.0.5", "203.0.113.7", ()) == "10.0.0.5"
