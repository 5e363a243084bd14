"""The operational door: ``/healthz`` (liveness) and ``/readyz`` (readiness).

``/healthz`` answers 200 as long as the process serves HTTP, whatever the
database does: a process that is alive but cut off from its database recovers
by itself and must not be restarted for it. ``/readyz`` answers 503 while the
database (or Redis, when set) is unreachable, so that a load balancer sends
traffic elsewhere; its 503 is the Graph envelope (code 2), with the checks beside.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from grouplink.domain.errors import Unavailable
from grouplink.graph.envelope import error_body, error_headers
from grouplink.services.readiness import OK, Readiness

router = APIRouter(tags=["Operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    readiness: Readiness = request.app.state.readiness
    checks = await readiness.check()
    down = [name for name, state in checks.items() if state != OK]
    if not down:
        return JSONResponse({"status": "ready", "checks": checks})
    said = f"Not ready: {' and '.join(down)} unreachable"
    error = Unavailable(said, details=said)
    body: dict[str, Any] = {**error_body(error), "checks": checks}
    return JSONResponse(body, status_code=error.status, headers=error_headers(error))
