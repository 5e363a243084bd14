"""Who may read the metrics: by address (``GROUPLINK_METRICS_ALLOW``) and, when one is
set, by bearer token (``GROUPLINK_METRICS_TOKEN``); both must pass.

By default the local profile lets anyone read them and production only loopback
and private networks, where a Prometheus usually scrapes from. The address is the
client's as :mod:`grouplink.http`'s proxy rule decides it (``GROUPLINK_TRUSTED_PROXIES``);
a request carrying ``X-Forwarded-For`` or ``Forwarded`` while no proxy is trusted
came through a proxy whose own address says nothing about the client (nginx on
loopback, say), so it is refused unless every address is allowed.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from grouplink.domain.errors import BadToken, DomainError, MissingToken, NotAllowed
from grouplink.settings import Settings, proxy_list

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PRIVATE = (
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",  # carrier-grade NAT, which some container networks use
    "fc00::/7",
)


@dataclass(frozen=True, slots=True)
class Access:
    networks: tuple[Network, ...] | None  # None: every address
    token: str = ""
    proxies_trusted: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Access:
        named = proxy_list(settings.metrics_allow)
        if not named and settings.profile == "local":
            networks = None
        else:
            networks = tuple(ipaddress.ip_network(n, strict=False) for n in named or PRIVATE)
        if networks is not None and any(n.prefixlen == 0 for n in networks):
            networks = None  # 0.0.0.0/0 or ::/0: said to be open
        return cls(networks, settings.metrics_token, bool(settings.trusted_proxy_list))

    def refusal(
        self, client: str | None, authorization: str | None, *, forwarded: bool
    ) -> DomainError | None:
        """Why this request may not read the metrics, or None if it may."""
        if self.networks is not None:
            if forwarded and not self.proxies_trusted:
                return NotAllowed(
                    "/metrics came through a proxy that GROUPLINK_TRUSTED_PROXIES does not "
                    "name, so the client's address is unknown"
                )
            if not _inside(client, self.networks):
                return NotAllowed("/metrics is not open to this address (GROUPLINK_METRICS_ALLOW)")
        if not self.token:
            return None
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return MissingToken("/metrics needs Authorization: Bearer GROUPLINK_METRICS_TOKEN")
        if not hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return BadToken("Invalid metrics token")
        return None


def _inside(client: str | None, networks: tuple[Network, ...]) -> bool:
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False  # a Unix socket's peer, or a name: not an address we can place
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
