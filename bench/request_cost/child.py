"""Run as a script (not a module) by ``python -m bench.request_cost``, so that the
``grouplink`` it imports is whichever PYTHONPATH names first: this checkout's or an
earlier commit's. Prints one JSON line: for each call, microseconds of CPU and Python function calls
per request.

The app is called directly through ASGI, with no socket and no HTTP parsing, on a
fresh SQLite database with one business, one group and its link; every call is
warmed up first, so cached reads are measured as a busy server serves most of them.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from typing import Any

os.environ["GROUPLINK_DATA_DIR"] = tempfile.mkdtemp(prefix="grouplink-cost-")
os.environ["GROUPLINK_LOG_LEVEL"] = "warning"
os.environ["GROUPLINK_RATE_LINK_PAGE"] = "1000000/second"  # one client address

import httpx

from grouplink.app import create_app
from grouplink.services import businesses


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(message: dict[str, Any]) -> None:
    pass


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }


async def _link_code(app: Any) -> str:
    core = app.state.core
    made = await businesses.create_business(core, "Cost")
    token = await businesses.create_token(core, made.business_id, "cost")
    auth = {"Authorization": f"Bearer {token.token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        body = {"messaging_product": "whatsapp", "subject": "Cost"}
        group = await client.post(f"/v23.0/{made.phone_number_id}/groups", json=body, headers=auth)
        group_id = group.json()["id"]
        link = await client.get(f"/v23.0/{group_id}/invite_link", headers=auth)
    return str(link.json()["invite_link"]).rsplit("/", 1)[1]


async def main(calls: list[str], requests: int) -> dict[str, dict[str, float]]:
    app = create_app()
    costs: dict[str, dict[str, float]] = {}
    async with app.router.lifespan_context(app):
        code = await _link_code(app)
        for call in calls:
            path = call.replace("{code}", code)
            for _ in range(requests // 10 + 100):  # warm: caches filled, code paths hot
                await app(_scope(path), _receive, _send)
            # CPU time, not wall time: another process on the machine does not count.
            started = time.process_time()
            for _ in range(requests):
                await app(_scope(path), _receive, _send)
            cpu = (time.process_time() - started) / requests * 1e6
            # Python function calls per request: the same on a busy machine as on a quiet one.
            profile, counted = cProfile.Profile(), max(1, requests // 20)
            profile.enable()
            for _ in range(counted):
                await app(_scope(path), _receive, _send)
            profile.disable()
            calls_made = pstats.Stats(profile).total_calls / counted  # type: ignore[attr-defined]
            costs[call] = {"cpu_us": cpu, "function_calls": calls_made}
    return costs


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[2].split(","), int(sys.argv[1])))))
