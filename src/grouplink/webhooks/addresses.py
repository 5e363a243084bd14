"""Where webhooks may go: a callback host's addresses, and whether each is public.

In production a business's callback URL must not reach the server's own network
(loopback, private ranges, link-local cloud metadata, ...): the address is
checked when the connection is made, and the connection goes to the address
checked, so a DNS answer that changes in between cannot slip through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket


class PrivateAddress(OSError):
    """Every address of the callback host is private, and private ones are refused."""


# IPv6 addresses that carry an IPv4 address in their last 32 bits, which is where the
# packets end up: NAT64's well-known prefix (RFC 6052), the deprecated IPv4-compatible
# addresses (::a.b.c.d; :: and ::1 among them) and SIIT's IPv4-translated ones.
_IPV4_INSIDE = tuple(
    ipaddress.IPv6Network(prefix) for prefix in ("64:ff9b::/96", "::/96", "::ffff:0:0:0/96")
)
# NAT64's local-use prefix (RFC 8215): each network picks where its IPv4 address
# sits, so nothing outside can judge it; it is not global either.
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local or ip in _NAT64_LOCAL:  # fec0::/10, deprecated but routed
            return False
        inside = _ipv4_inside(ip)
        if inside is not None:
            ip = inside  # judged by where it leads
    return ip.is_global and not ip.is_multicast


def _ipv4_inside(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d
        return ip.ipv4_mapped
    if ip.sixtofour is not None:  # 2002:AABB:CCDD::/48, 6to4
        return ip.sixtofour
    if any(ip in prefix for prefix in _IPV4_INSIDE):
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return None


async def addresses_to_try(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The host's addresses in resolver order; only public ones unless ``allow_private``."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if allow_private:
        return found
    public = [address for address in found if is_public(address)]
    if not public:
        raise PrivateAddress(
            f"{host} resolves to {', '.join(found)}: private addresses are refused "
            "(GROUPLINK_WEBHOOK_ALLOW_PRIVATE)"
        )
    return public
