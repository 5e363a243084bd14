"""A small HTTP/1.1 client for webhooks: keep-alive pools, TLS, timeouts.

Webhook delivery is one request shape (a POST of a few hundred bytes, of which
only the status and the first bytes of the answer matter) sent as fast as the
receivers take it. Profiling showed a general-purpose client (aiohttp) spending
most of a worker's time on its own machinery, so this one does only that job:
it writes the request in one buffer, reads the status line and headers, keeps
the first bytes of the body and drains or drops the rest.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import defaultdict
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlencode, urlsplit

from grouplink import __version__
from grouplink.webhooks.addresses import PrivateAddress, addresses_to_try

USER_AGENT = f"grouplink/{__version__} (facebookexternalua compatible)"
HEAD_BYTES = 256
MAX_HEADER_BYTES = 64 * 1024
MAX_DRAIN_BYTES = 64 * 1024  # a longer answer costs us the connection, not the time to read it


@dataclass(frozen=True, slots=True)
class Answer:
    status: int | None  # None: no HTTP answer at all
    head: str | None  # first bytes of the answer's body
    error: str | None
    latency_ms: int
    refused: bool = False  # never sent: the callback's address is not allowed


class _BadResponse(Exception):
    pass


_Origin = tuple[str, str, int]  # scheme, host, port
_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Client:
    """A pool of keep-alive connections per origin, at most ``concurrency`` requests at once."""

    def __init__(
        self, concurrency: int, *, allow_private: bool = True, head_bytes: int = HEAD_BYTES
    ) -> None:
        """``head_bytes``: how much of each answer's body is kept (the message relay
        reads Meta's whole answer; webhooks keep only their first bytes for the log)."""
        self._slots = asyncio.Semaphore(concurrency)
        self._head_bytes = head_bytes
        self._allow_private = allow_private
        self._idle: defaultdict[_Origin, list[_Connection]] = defaultdict(list)
        self._tls: ssl.SSLContext | None = None

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        for connections in self._idle.values():
            for _, writer in connections:
                writer.close()
        self._idle.clear()

    async def request(
        self,
        method: str,
        url: str,
        *,
        timeout_s: float,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        started = time.perf_counter()
        try:
            async with self._slots, asyncio.timeout(timeout_s):
                status, head = await self._exchange(method, url, body, headers or {}, params)
            return Answer(status, head, None, _ms(started))
        except TimeoutError:
            return Answer(None, None, f"timed out after {timeout_s:g} s", _ms(started))
        except PrivateAddress as exc:
            return Answer(None, None, f"refused: {exc}"[:500], _ms(started), refused=True)
        except (OSError, EOFError, ValueError, _BadResponse, asyncio.LimitOverrunError) as exc:
            return Answer(None, None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))

    async def _exchange(
        self,
        method: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        params: dict[str, str] | None,
    ) -> tuple[int, str]:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        origin = (
            parts.scheme,
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
        )
        target = parts.path or "/"
        query = "&".join(q for q in (parts.query, urlencode(params) if params else "") if q)
        if query:
            target += "?" + query
        host = parts.netloc.rpartition("@")[2]
        lines = [
            f"{method} {target} HTTP/1.1",
            f"Host: {host}",
            f"User-Agent: {USER_AGENT}",
            f"Content-Length: {len(body)}",
        ]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        # A pooled connection may have been closed by the receiver while idle:
        # then try once more on a new one.
        while self._idle[origin]:
            connection = self._idle[origin].pop()
            try:
                return await self._send(origin, connection, message, method)
            except (OSError, EOFError, asyncio.IncompleteReadError):
                connection[1].close()
        return await self._send(origin, await self._connect(origin), message, method)

    async def _connect(self, origin: _Origin) -> _Connection:
        scheme, host, port = origin
        if scheme == "https" and self._tls is None:
            self._tls = ssl.create_default_context()
        tls = self._tls if scheme == "https" else None
        addresses = await addresses_to_try(host, port, allow_private=self._allow_private)
        for n, address in enumerate(addresses):  # connect to the address that was checked
            try:
                return await asyncio.open_connection(
                    address,
                    port,
                    ssl=tls,
                    server_hostname=host if tls else None,
                    limit=MAX_HEADER_BYTES,
                )
            except OSError:
                if n == len(addresses) - 1:
                    raise
        raise OSError(f"{host} has no address")

    async def _send(
        self, origin: _Origin, connection: _Connection, message: bytes, method: str
    ) -> tuple[int, str]:
        reader, writer = connection
        writer.write(message)
        try:
            status, head, reusable = await _read_response(reader, method, self._head_bytes)
        except BaseException:
            writer.close()
            raise
        if reusable:
            self._idle[origin].append(connection)
        else:
            writer.close()
        return status, head


async def _read_response(
    reader: asyncio.StreamReader, method: str, keep: int = HEAD_BYTES
) -> tuple[int, str, bool]:
    """(status, first bytes of the body, whether the connection can be reused)."""
    while True:
        raw = await reader.readuntil(b"\r\n\r\n")
        status_line, _, header_block = raw.decode("latin-1").partition("\r\n")
        version, _, rest = status_line.partition(" ")
        if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
            raise _BadResponse(f"not an HTTP/1.x answer: {status_line[:80]!r}")
        status = int(rest[:3])
        if status >= 200 or status == 101:
            break  # 1xx interim answers (100 Continue) are skipped
    headers = {}
    for line in header_block.split("\r\n"):
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    reusable = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if method == "HEAD" or status in (204, 304):
        return status, "", reusable
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body, complete = await _read_chunked(reader, keep)
        return status, _text(body, keep), reusable and complete
    if "content-length" in headers:
        length = int(headers["content-length"])
        if length > MAX_DRAIN_BYTES:
            return status, _text(await reader.readexactly(keep), keep), False
        return status, _text(await reader.readexactly(length), keep), reusable
    # No length: the body runs to the end of the connection.
    return status, _text(await reader.read(keep), keep), False


async def _read_chunked(reader: asyncio.StreamReader, keep: int) -> tuple[bytes, bool]:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                pass
            return bytes(body[:keep]), True
        if len(body) + size > MAX_DRAIN_BYTES:
            return bytes(body[:keep]), False
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def _text(body: bytes, keep: int) -> str:
    return body[:keep].decode("utf-8", "replace")


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
