"""A client that retries as a careful real one would, and counts what happened.

Graph writes carry an Idempotency-Key made once per logical call and sent again on
every retry, so a write whose answer was lost (the worker was killed, the
connection cut) is done once. A try is retried when it got no answer, a 5xx, or the
409 of a key whose first request is still running. Sandbox helpers take no key:
their retries can only be judged by their answer (a join retried after its first
try went through answers 131202, "already a participant").
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

ATTEMPTS = 10
TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True)
class Answer:
    status: int  # 0: no answer after every try
    body: Any
    tries: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def code(self) -> int | None:
        """The Graph error code, for a refusal."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            code = self.body["error"].get("code")
            return code if isinstance(code, int) else None
        return None

    @property
    def details(self) -> str:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            data = self.body["error"].get("error_data") or {}
            return str(data.get("details", ""))
        return ""


@dataclass
class Stats:
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, outcome)
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)  # per kind, 2xx tries
    retries: int = 0
    no_answer: int = 0  # tries that got no HTTP answer (reset, refused, timed out)
    server_errors: int = 0  # tries answered 5xx
    in_progress: int = 0  # tries answered 409: the key's first request still running
    replays: int = 0  # answers marked Idempotent-Replayed
    cuts: int = 0  # tries the client itself cut off mid-request


class Client:
    def __init__(
        self, base_url: str, token: str, stats: Stats, rng: random.Random, cut_rate: float
    ) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT_S,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
        )
        self.stats = stats
        self.rng = rng
        self.cut_rate = cut_rate

    async def close(self) -> None:
        await self.http.aclose()

    async def call(
        self, kind: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Answer:
        """One logical call, retried until it gets an answer that is not worth retrying."""
        keyed = method != "GET" and path.startswith("/v23.0/")
        headers = {"Idempotency-Key": str(uuid.uuid4())} if keyed else {}
        answer = Answer(0, None, 0)
        for attempt in range(ATTEMPTS):
            if attempt:
                self.stats.retries += 1
                await asyncio.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + self.rng.random()))
            answer = await self._try(kind, method, path, body, headers, attempt, keyed)
            if answer.status and not _worth_retrying(answer.status):
                break
        outcome = _outcome(answer)
        self.stats.outcomes[(kind, outcome)] += 1
        return answer

    async def _try(
        self,
        kind: str,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
        attempt: int,
        keyed: bool,
    ) -> Answer:
        # Cut a keyed write's first try off mid-request now and then: the answer is
        # lost, though the write may have been done; the retry must not do it twice.
        # Until one cut has happened, every keyed write's first try is cut.
        chance = self.rng.random() < self.cut_rate or self.stats.cuts == 0
        cut = keyed and attempt == 0 and chance
        timeout = self.rng.uniform(0.001, 0.02) if cut else TIMEOUT_S
        started = time.monotonic()
        try:
            response = await self.http.request(
                method, path, json=body, headers=headers, timeout=timeout
            )
        except httpx.TransportError:
            self.stats.no_answer += 1
            self.stats.cuts += cut
            return Answer(0, None, attempt + 1)
        elapsed = (time.monotonic() - started) * 1000
        if response.status_code >= 500:
            self.stats.server_errors += 1
        elif response.status_code == 409:
            self.stats.in_progress += 1
        elif response.is_success:
            self.stats.latencies_ms.setdefault(kind, []).append(elapsed)
        if response.headers.get("idempotent-replayed") == "true":
            self.stats.replays += 1
        try:
            parsed: Any = response.json()
        except ValueError:
            parsed = response.text
        return Answer(response.status_code, parsed, attempt + 1)


def _worth_retrying(status: int) -> bool:
    return status >= 500 or status == 409


def _outcome(answer: Answer) -> str:
    if answer.status == 0:
        return "no answer"
    if answer.ok:
        return f"{answer.status}"
    if answer.code is not None:
        details = f" {answer.details}" if answer.details and len(answer.details) < 20 else ""
        return f"{answer.status} #{answer.code}{details}"
    return f"{answer.status}"
