"""``grouplink worker --metrics-port``: the worker's own /metrics, on a port of its own.

A worker may run on another machine than any server, so it answers for itself:
its deliveries by outcome, its pool (sampled), and the outbox backlog it reads. The door
is a small uvicorn server in a thread (the worker's loop stays the dispatcher's);
the database is read on the worker's loop, where its connections live. The same
rules decide who may read it as on the server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from grouplink.http import install_error_handlers
from grouplink.metrics import readings
from grouplink.metrics.access import Access
from grouplink.metrics.endpoint import serve_metrics
from grouplink.metrics.pool import PoolSampler
from grouplink.metrics.readings import Readings
from grouplink.services.core import Core
from grouplink.settings import Settings


def listen(host: str, port: int) -> socket.socket:
    """The door's socket, listening now: a port in use stops the worker before it starts,
    and a scrape that comes while it starts waits for its answer instead of being refused."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


@asynccontextmanager
async def serving(
    core: Core, settings: Settings, sock: socket.socket | None
) -> AsyncIterator[None]:
    """Serve /metrics on ``sock`` while the block runs (inside the worker's loop);
    ``None``: no door (the worker was not given --metrics-port)."""
    if sock is None:
        yield
        return
    loop = asyncio.get_running_loop()

    async def read() -> Readings:
        on_loop = asyncio.run_coroutine_threadsafe(readings.read(core), loop)
        return await asyncio.wrap_future(on_loop)

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    install_error_handlers(app)
    # No proxy headers are read on this door: a forwarded scrape's address is unknown.
    access = dataclasses.replace(Access.from_settings(settings), proxies_trusted=False)
    serve_metrics(app, access, read)
    sampler = PoolSampler(core.db)
    sampling = asyncio.create_task(sampler.run())
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", log_config=None
    )
    server = uvicorn.Server(config)
    # Not the main thread, so uvicorn leaves the worker's signal handlers alone.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="metrics")
    thread.start()
    try:
        yield
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)  # a scrape in flight reads on this loop
        sock.close()
        sampler.stop()
        await sampling
