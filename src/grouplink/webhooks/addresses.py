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


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


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
