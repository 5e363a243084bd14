"""Load for the receiver's ceiling, with the webhook client itself.

``python -m bench.blast URL SECONDS CONCURRENCY`` POSTs a body of a webhook's
size as fast as one process can and prints how many were answered 200 and the
seconds the load really took (the last answer can come after the window closes).
"""

from __future__ import annotations

import asyncio
import sys
import time

from grouplink.webhooks.http_client import Client

BODY = b'{"object":"whatsapp_business_account","entry":[' + b"x" * 420 + b"]}"
HEADERS = {"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + "0" * 64}


async def blast(url: str, seconds: float, concurrency: int) -> tuple[int, float]:
    done = 0
    started = time.monotonic()
    deadline = started + seconds
    async with Client(concurrency) as client:

        async def loop() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                answer = await client.request("POST", url, body=BODY, headers=HEADERS, timeout_s=10)
                done += answer.status == 200

        await asyncio.gather(*(loop() for _ in range(concurrency)))
    return done, time.monotonic() - started


if __name__ == "__main__":
    count, elapsed = asyncio.run(blast(sys.argv[1], float(sys.argv[2]), int(sys.argv[3])))
    print(count, f"{elapsed:.6f}")
