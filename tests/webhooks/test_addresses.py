"""Callback URLs may not reach the server's own network in production."""

from __future__ import annotations

import asyncio

import pytest

from grouplink.settings import Settings
from grouplink.webhooks.addresses import PrivateAddress, addresses_to_try, is_public
from grouplink.webhooks.http_client import Client
from tests.webhooks.test_http_client import serve


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # loopback behind an IPv4-mapped address
        ("224.0.0.1", False),
        # NAT64 (RFC 6052): judged by the IPv4 address in the last 32 bits.
        ("64:ff9b::7f00:1", False),  # 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # 169.254.169.254
        ("64:ff9b::c0a8:101", False),  # 192.168.1.1
        ("64:ff9b::5db8:d70e", True),  # 93.184.215.14
        ("64:ff9b:1::5db8:d70e", False),  # local-use NAT64 (RFC 8215): refused outright
        ("64:ff9b:1:ffff::1", False),
        # 6to4: judged by the IPv4 address in bits 16 to 48.
        ("2002:7f00:1::1", False),  # 127.0.0.1
        ("2002:a00:1::", False),  # 10.0.0.1
        ("2002:5db8:d70e::1", True),  # 93.184.215.14
        # IPv4-compatible (deprecated) and IPv4-translated (SIIT) addresses.
        ("::127.0.0.1", False),
        ("::10.1.2.3", False),
        ("::169.254.169.254", False),
        ("::93.184.215.14", True),
        ("::", False),
        ("::ffff:0:127.0.0.1", False),
        ("::ffff:0:93.184.215.14", True),
        # Site-local (fec0::/10, deprecated but still routed by some networks).
        ("fec0::1", False),
        ("fed0:1234::1", False),
        ("feff:ffff::1", False),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_a_host_with_only_private_addresses_is_refused_unless_allowed() -> None:
    with pytest.raises(PrivateAddress, match="private addresses are refused"):
        asyncio.run(addresses_to_try("localhost", 80, allow_private=False))
    assert "127.0.0.1" in asyncio.run(addresses_to_try("localhost", 80, allow_private=True))


def test_the_client_never_connects_to_a_refused_address() -> None:
    async def go() -> tuple[str | None, list[bytes]]:
        server, url, seen = await serve(lambda n: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        async with server, Client(1, allow_private=False) as client:
            answer = await client.request("POST", url, body=b"{}", timeout_s=2)
        assert answer.status is None
        return answer.error, seen

    error, seen = asyncio.run(go())
    assert error is not None and "private addresses are refused" in error
    assert seen == []


def test_production_refuses_private_callbacks_by_default() -> None:
    assert Settings(profile="local").webhook_private_allowed
    assert not Settings(profile="production").webhook_private_allowed
    assert Settings(profile="production", webhook_allow_private=True).webhook_private_allowed
    assert not Settings(profile="production").dispatch_settings().allow_private
