"""Builds the ASGI app from settings: the one place that wires things together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from grouplink import __version__
from grouplink.graph import groups, join_requests, links, participants, sandbox, subscriptions
from grouplink.graph.openapi import install_openapi
from grouplink.http import RequestContext, install_error_handlers
from grouplink.logs import configure_logging
from grouplink.services.core import Core, Limits
from grouplink.settings import Settings
from grouplink.store.database import Database
from grouplink.store.migrate import migrate
from grouplink.webhooks.dispatcher import Dispatcher

DESCRIPTION = """
Self-hosted group invite links, wire-compatible with the WhatsApp Cloud API
Groups endpoints: point code written for Meta at this server by changing the
base URL. Every error uses the Graph envelope.
"""


def build_core(settings: Settings) -> Core:
    db = Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
    limits = Limits(settings.max_participants, settings.max_groups_per_number)
    return Core(db=db, link_base=settings.resolved_link_base, limits=limits)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_logging(settings.log_level)
    core = build_core(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await migrate(core.db)
        await core.load_secret()
        dispatcher = None
        if settings.dispatcher == "inline":
            dispatcher = Dispatcher(core, settings.dispatch_settings())
            running = asyncio.create_task(dispatcher.run())
        yield
        if dispatcher is not None:
            dispatcher.stop()
            await running
        await core.db.dispose()

    app = FastAPI(
        title="grouplink",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.core = core
    app.state.settings = settings
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes)

    @app.get("/healthz", tags=["Operations"], include_in_schema=True)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    if settings.sandbox_enabled:
        app.include_router(sandbox.router)
    # Specific paths before the catch-all /{version}/{group_id}.
    for router in (
        links.router,
        join_requests.router,
        participants.router,
        subscriptions.router,
        groups.router,
    ):
        app.include_router(router)
    return app
