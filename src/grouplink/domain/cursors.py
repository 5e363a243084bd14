"""Pagination cursors that cannot be forged nor replayed elsewhere.

A cursor names a position (an internal sequence number) inside one listing
(``scope``, e.g. the groups of one phone number) and is signed with the
server's secret, so a client can neither make one up nor move one to another
listing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from grouplink.domain.errors import BadCursor

_MAC_BYTES = 16
PAGE_MAX = 1024  # a listing's largest page (``limit``), as Meta's (WIRE.md row 2)


def encode_cursor(secret: bytes, scope: str, position: int) -> str:
    body = str(position).encode()
    mac = hmac.new(secret, scope.encode() + b"\0" + body, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")


def decode_cursor(secret: bytes, scope: str, cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, TypeError):
        raise BadCursor("The cursor is not valid") from None
    mac, body = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
    expected = hmac.new(secret, scope.encode() + b"\0" + body, hashlib.sha256).digest()
    if not body or not hmac.compare_digest(mac, expected[:_MAC_BYTES]):
        raise BadCursor("The cursor is not valid for this list")
    try:
        return int(body)
    except ValueError:
        raise BadCursor("The cursor is not valid") from None
