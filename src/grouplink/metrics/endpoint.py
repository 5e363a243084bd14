"""``GET /metrics``: on the server, and on ``grouplink worker --metrics-port``
(:mod:`grouplink.metrics.worker_door`). See docs/deployment.md, "Metrics"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from grouplink.metrics import actions, folder, readings
from grouplink.metrics.access import Access
from grouplink.metrics.exposition import CONTENT_TYPE, render
from grouplink.metrics.readings import Readings
from grouplink.services.core import Core
from grouplink.settings import Settings
from grouplink.store import committed

router = APIRouter(include_in_schema=False)
_FORWARDED = (b"x-forwarded-for", b"forwarded")
Read = Callable[[], Awaitable[Readings]]


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    access: Access = request.app.state.metrics_access
    refusal = access.refusal(
        request.client.host if request.client else None,
        request.headers.get("authorization"),
        forwarded=any(name in _FORWARDED for name, _ in request.scope["headers"]),
    )
    if refusal is not None:
        raise refusal  # answered in the Graph envelope, as every API error
    read: Read = request.app.state.metrics_read
    return Response(render(await read()), media_type=CONTENT_TYPE)


def serve_metrics(app: FastAPI, access: Access, read: Read) -> None:
    app.state.metrics_access, app.state.metrics_read = access, read
    app.include_router(router)


def install(app: FastAPI, core: Core, settings: Settings) -> None:
    """The server's: serve /metrics and count committed changes (the lifespan runs the
    :class:`~grouplink.metrics.pool.PoolSampler`)."""
    serve_metrics(app, Access.from_settings(settings), partial(readings.read, core))
    committed.listen(actions.count)
    folder.started()
