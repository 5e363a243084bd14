"""The soak's webhook receiver: a real HTTP server on loopback, in the soak's own event
loop, that checks each delivery's signature and counts each event id once.

It behaves like a receiver on a bad day: most deliveries get 200 at once, some get
500 (not processed, so the worker must retry), and some are processed and then
answered after the worker's timeout (processed, but the worker sees no answer and
sends the event again: a duplicate, which the receiver must drop by its id).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import random
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from grouplink.domain.webhooks import signature_256

VERIFY_TOKEN = "soak-verify-token"


@dataclass(frozen=True, slots=True)
class Behaviour:
    fail_rate: float = 0.05  # answer 500 without processing
    slow_rate: float = 0.02  # process, then answer after slow_s
    slow_s: float = 3.0  # longer than the workers' timeout (GROUPLINK_WEBHOOK_TIMEOUT_SECONDS)


@dataclass
class Tally:
    posts: int = 0
    processed: int = 0  # events counted: once per id
    duplicates: int = 0  # deliveries of an id already counted, dropped
    failed_on_purpose: int = 0
    slow_on_purpose: int = 0
    bad_signature: int = 0
    no_event_id: int = 0
    by_field: Counter[str] = field(default_factory=Counter)


class DedupingReceiver:
    """Counts every event id once; ``seen`` holds the ids it processed."""

    def __init__(self, app_secret: str, behaviour: Behaviour, seed: int) -> None:
        self.app_secret = app_secret
        self.behaviour = behaviour
        self.rng = random.Random(seed)
        self.tally = Tally()
        self.seen: set[str] = set()
        self.server: asyncio.Server | None = None
        self.port = 0
        self.faults = True  # off while draining at the end, so the backlog empties

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=512)
        self.port = int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                method, target, headers, body = request
                status, answer = await self._answer(method, target, headers, body)
                reason = b"OK" if status == 200 else b"Error"
                writer.write(
                    b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s"
                    % (status, reason, len(answer), answer)
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return  # the worker gave up on a slow answer, or was killed
        finally:
            writer.close()

    async def _answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        if method == "GET":  # the hub.challenge handshake
            query = parse_qs(urlsplit(target).query)
            if query.get("hub.verify_token", [""])[0] != VERIFY_TOKEN:
                return 403, b"Forbidden"
            return 200, query.get("hub.challenge", [""])[0].encode()
        self.tally.posts += 1
        # Each fault happens at least once, however short the run: the first post fails.
        if self.faults and (self.tally.posts == 1 or self.rng.random() < self.behaviour.fail_rate):
            self.tally.failed_on_purpose += 1
            return 500, b"failing on purpose"
        expected = signature_256(self.app_secret, body)
        if not hmac.compare_digest(headers.get("x-hub-signature-256", ""), expected):
            self.tally.bad_signature += 1
            return 401, b"bad signature"
        event_id = headers.get("x-grouplink-event-id", "")
        if not event_id:
            self.tally.no_event_id += 1
            return 400, b"no event id"
        self._process(event_id, body)
        slow = self.tally.slow_on_purpose == 0 or self.rng.random() < self.behaviour.slow_rate
        if self.faults and slow:
            self.tally.slow_on_purpose += 1
            await asyncio.sleep(self.behaviour.slow_s)
        return 200, b"ok"

    def _process(self, event_id: str, body: bytes) -> None:
        if event_id in self.seen:
            self.tally.duplicates += 1
            return
        self.seen.add(event_id)
        self.tally.processed += 1
        with suppress(ValueError, KeyError, IndexError, TypeError):
            self.tally.by_field[json.loads(body)["entry"][0]["changes"][0]["field"]] += 1


async def _read_request(
    reader: asyncio.StreamReader,
) -> tuple[str, str, dict[str, str], bytes] | None:
    """One HTTP/1.1 request with a Content-Length body; None when the peer closed."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return method, target, headers, body
