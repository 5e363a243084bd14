"""Load for the receiver's ceiling: POST the same signed-size body as fast as one
process can with the webhook client stack (aiohttp). ``python -m bench.blast URL SECONDS CONCURRENCY``
prints the number of answered POSTs."""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp

BODY = b'{"object":"whatsapp_business_account","entry":[' + b"x" * 420 + b"]}"


async def blast(url: str, seconds: float, concurrency: int) -> int:
    done = 0
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def loop() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                async with session.post(
                    url, data=BODY, headers={"Content-Type": "application/json"}
                ) as r:
                    await r.read()
                done += 1

        await asyncio.gather(*(loop() for _ in range(concurrency)))
    return done


if __name__ == "__main__":
    print(asyncio.run(blast(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))))
