"""Idempotent retries (grouplink's own ``Idempotency-Key``): the rules, no I/O.

A Graph API write sent with ``Idempotency-Key: <key>`` is done once: a retry with
the same key, by the same business, within :data:`KEEP_MS`, gets the first answer
again. The key is bound to the request it first came with (:func:`fingerprint`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from grouplink.domain.errors import InvalidParameter

KEEP_MS = 24 * 3600 * 1000  # how long a key and its answer are kept
MAX_KEY_LENGTH = 255
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
_KEY = re.compile(rb"[\x20-\x7e]{1,%d}" % MAX_KEY_LENGTH)  # printable ASCII
_BOUNDARY = re.compile(rb';\s*boundary="?([^";]+)"?', re.IGNORECASE)


class KeyInvalid(InvalidParameter):
    pass


class KeyReused(InvalidParameter):
    """The key came first with another method, path or body."""

    def __init__(self) -> None:
        super().__init__("Idempotency-Key reused with a different request")


class KeyInFlight(InvalidParameter):
    """The first request with this key is still running."""

    status, title = 409, "Request in progress"
    retry_after_s = 1  # a hint: most writes answer well within it

    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being processed; retry once it "
            "has answered"
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer as it was sent: status, ASGI header pairs, body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def replayed(self) -> Answer:
        """The same answer again, saying that it is a replay."""
        header = (REPLAYED_HEADER.lower().encode(), b"true")
        return Answer(self.status, [*self.headers, header], self.body)


def clean_key(values: list[bytes]) -> str:
    """The one key a request carries: 1-255 printable ASCII characters."""
    if len(values) != 1:
        raise KeyInvalid(f"Send one {HEADER} header, not {len(values)}")
    value = values[0]
    if not _KEY.fullmatch(value):
        raise KeyInvalid(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters")
    return value.decode("ascii")


def fingerprint(method: str, path: str, query: bytes, content_type: bytes, body: bytes) -> str:
    """What makes two requests the same request: method, path, query, body type and bytes.

    A multipart body's boundary is left out: a client that retries builds the body
    again with a new random boundary, and the request is still the same one."""
    boundary = _BOUNDARY.search(content_type)
    if boundary is not None:
        content_type = content_type[: boundary.start()] + content_type[boundary.end() :]
        body = body.replace(boundary.group(1), b"")
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, content_type.strip().lower(), body):
        digest.update(len(part).to_bytes(8, "big"))  # lengths first: no two splits collide
        digest.update(part)
    return digest.hexdigest()


def is_kept(status: int) -> bool:
    """Whether an answer is kept for retries: a request that was judged (2xx, 4xx) is;
    a fault (5xx), a refused token (401) or a rate limit (429) is not, and the same
    key may be tried again."""
    return status < 500 and status not in (401, 429)


def expired_before(now_ms: int) -> int:
    """Keys made before this time (unix ms) are gone: a request with one runs again."""
    return now_ms - KEEP_MS
