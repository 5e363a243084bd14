"""The one HTTP client webhooks use (aiohttp: several times httpx's rate here)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiohttp

from grouplink import __version__

USER_AGENT = f"grouplink/{__version__} (facebookexternalua compatible)"
HEAD_BYTES = 256


@dataclass(frozen=True, slots=True)
class Answer:
    status: int | None  # None: no HTTP answer at all
    head: str | None  # first bytes of the answer's body
    error: str | None
    latency_ms: int


def new_session(concurrency: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=concurrency, limit_per_host=concurrency, ttl_dns_cache=60
    )
    return aiohttp.ClientSession(
        connector=connector, headers={"User-Agent": USER_AGENT}, auto_decompress=False
    )


async def request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    timeout_s: float,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> Answer:
    started = time.perf_counter()
    try:
        async with session.request(
            method,
            url,
            data=data,
            headers=headers,
            params=params,
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            allow_redirects=False,
        ) as response:
            head = (await response.content.read(HEAD_BYTES)).decode("utf-8", "replace")
            status = response.status
        return Answer(status, head, None, _ms(started))
    except TimeoutError:
        return Answer(None, None, f"timed out after {timeout_s:g} s", _ms(started))
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return Answer(None, None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
