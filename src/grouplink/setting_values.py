"""The shapes of setting values, checked when the settings are read
(:mod:`grouplink.settings`): rates, address lists, database URLs."""

from __future__ import annotations

import ipaddress


def check_rate(value: str) -> str:
    """A rate as the ``limits`` library reads it: ``20/minute``, ``5/15 minutes``."""
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"'{value}' is not a rate such as 20/minute or 5/15 minutes") from None
    return value


def check_networks(value: str) -> str:
    """Addresses or networks without host bits, comma-separated."""
    for item in proxy_list(value):
        try:
            ipaddress.ip_network(item)
        except ValueError:
            said = f"'{item}' is not an address or a network such as 10.0.0.0/8"
            raise ValueError(said) from None
    return value


def proxy_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def normalize_database_url(url: str) -> str:
    """Accept the plain URLs people write and pick the async driver for them."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
