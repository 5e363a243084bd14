"""Builds the ASGI app from settings: the one place that wires things together."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from grouplink import __version__, health
from grouplink.graph import (
    audit_log,
    groups,
    insights,
    invite_links,
    join_requests,
    links,
    messages,
    participants,
    sandbox,
    subscriptions,
)
from grouplink.graph.idempotency import IdempotentWrites
from grouplink.graph.openapi import install_openapi
from grouplink.http import RequestContext, install_error_handlers
from grouplink.logs import configure_logging
from grouplink.metrics import endpoint as metrics
from grouplink.metrics.pool import PoolSampler
from grouplink.services.code_senders import build_sender
from grouplink.services.core import build_core
from grouplink.services.idempotency import Sweeper
from grouplink.services.readiness import Readiness
from grouplink.services.rotation import Rotator
from grouplink.settings import Settings
from grouplink.store.migrate import migrate
from grouplink.web import console, fallback, front_door, link_page, pictures, signin
from grouplink.web.console import access as console_access
from grouplink.web.context import Web
from grouplink.webhooks.dispatcher import Dispatcher

DESCRIPTION = """
Self-hosted group invite links, wire-compatible with the WhatsApp Cloud API
Groups endpoints: point code written for Meta at this server by changing the
base URL. Every error uses the Graph envelope.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    sender = build_sender(settings)  # refuses one that cannot work, before anything starts
    configure_logging(settings.log_level)
    core = build_core(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await migrate(core.db)
        await core.load_secret()
        rotator, opens, throttle = Rotator(core), app.state.web.opens, app.state.web.throttle
        sweeper = Sweeper(core)  # expired Idempotency-Keys
        pool = PoolSampler(core.db)  # /metrics: this process's database pool
        tasks = (rotator, opens, throttle, sweeper, pool)
        background = [asyncio.create_task(task.run()) for task in tasks]
        listener = core.db.change_listener()  # PostgreSQL: other machines' changes
        if listener is not None:
            background.append(asyncio.create_task(listener.run()))
            await listener.listening(seconds=5)  # reads are cached only once it listens
        dispatcher = None
        if settings.dispatcher == "inline":
            dispatcher = Dispatcher(core, settings.dispatch_settings())
            running = asyncio.create_task(dispatcher.run())
        # Everything loaded so far (the libraries, the app, its routes) lives as long as
        # the process: out of the collector's sight, a full collection no longer walks
        # those hundreds of thousands of objects, which stalled every request for 30 to
        # 140 ms at a time under load.
        gc.freeze()
        yield
        if dispatcher is not None:
            dispatcher.stop()
            await running
        rotator.stop()
        opens.stop()
        throttle.stop()
        sweeper.stop()
        pool.stop()
        if listener is not None:
            listener.stop()
        await asyncio.gather(*background)
        await opens.last_flush()  # what this process saw last
        await throttle.last_reconcile()
        await app.state.readiness.close()
        await core.db.dispose()

    # FastAPI's own /docs and /redoc load their scripts from a CDN; these serve them.
    app = FastAPIOffline(
        title="grouplink",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url="/docs/assets",
        favicon_url="/static/favicon.svg",
    )
    app.state.core = core
    app.state.settings = settings
    app.state.web = Web.from_settings(core, settings, sender)
    app.state.throttle = app.state.web.throttle  # one limiter for every door
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(IdempotentWrites, core=core)  # inside RequestContext: its limits apply
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes)
    if settings.trusted_proxy_list:
        # Outermost, so that every part of the app sees the client the proxy names. From
        # any other peer the headers are ignored: one client rotating X-Forwarded-For
        # would otherwise be a new address to every per-address limit.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)

    app.state.readiness = Readiness(core.db, settings.redis_url)
    app.include_router(health.router)

    # Most used first: FastAPI tries the routes in order, and each costs a match (the
    # link page behind the Graph's 40 routes cost it 20% more CPU). The Graph's first
    # segment ({version:graph_version}) and the link page's (link_segment) never match
    # a web or operational root, and the link page is one segment where every Graph
    # path has two or more, so none shadows the routes after it.
    app.include_router(link_page.router)
    app.include_router(pictures.router)
    for router in (
        links.router,
        join_requests.router,
        invite_links.router,
        insights.router,
        participants.router,
        subscriptions.router,
        audit_log.router,
        messages.router,
        groups.router,  # last of the Graph: /{version}/{group_id} would take the others
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("grouplink.web", "static")]), name="static")
    app.include_router(signin.router)
    app.include_router(console.router)
    console_access.install(app)
    app.include_router(front_door.router)
    metrics.install(app, core, settings)  # late: no request on a hot path tries its route
    app.include_router(fallback.router)
    if settings.sandbox_enabled:
        app.include_router(sandbox.router)
    return app
