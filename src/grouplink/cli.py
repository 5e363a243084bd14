"""grouplink serve | migrate | token create/revoke | demo | secret rotate | worker |
webhooks ... | backup | export | import."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from grouplink import cli_moves
from grouplink.domain.errors import DomainError, Unavailable
from grouplink.settings import Settings

T = TypeVar("T")


def _with_core(settings: Settings, work: Callable[[Any], Awaitable[T]], *, wait: bool = False) -> T:
    """Run one piece of work against a migrated database, then close it.

    ``wait``: give the database GROUPLINK_START_WAIT_SECONDS to answer first."""
    from grouplink.services.core import build_core
    from grouplink.startup import DatabaseRefused, wait_for_database
    from grouplink.store.migrate import migrate

    def say(line: str) -> None:
        click.echo(line, err=True)

    async def run() -> T:
        core = build_core(settings)
        try:
            if wait:
                await wait_for_database(core.db, settings.start_wait_seconds, say)
            await migrate(core.db)
            await core.load_secret()
            return await work(core)
        except Unavailable as error:
            waited = (
                f" within {settings.start_wait_seconds:g} s"
                if wait and not core.db.is_sqlite
                else ""
            )
            where = core.db.where
            raise click.ClickException(
                f"the database at {where} did not answer{waited} ({error.cause})"
            ) from None
        except DatabaseRefused as error:
            raise click.ClickException(
                f"the database at {core.db.where} refused: {error}"
            ) from None
        finally:
            await core.db.dispose()

    try:
        return asyncio.run(run())
    except DomainError as error:
        raise click.ClickException(error.details) from None


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; a bad value is one clear line, not a traceback."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        problems = "; ".join(
            f"GROUPLINK_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        raise click.ClickException(f"bad setting: {problems}") from None


def check_code_sender(settings: Settings) -> None:
    """The code sender the settings name, or one line saying why the server won't start."""
    from grouplink.services.code_senders import SenderRefused, build_sender

    try:
        build_sender(settings)
    except SenderRefused as refused:
        raise click.ClickException(str(refused)) from None


@click.group()
def main() -> None:
    """Self-hosted group invite links, wire-compatible with the WhatsApp Cloud API."""


@main.command()
@click.option("--host", default=None, help="Interface to bind [GROUPLINK_HOST, 127.0.0.1].")
@click.option("--port", default=None, type=int, help="Port [GROUPLINK_PORT, 8000].")
@click.option("--workers", default=1, show_default=True, help="Worker processes.")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Apply migrations, then serve the API, link pages and console."""
    import os

    import uvicorn

    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = load_settings(**overrides)
    check_code_sender(settings)
    # Workers are separate processes that read settings from the environment.
    for key, value in overrides.items():
        os.environ[f"GROUPLINK_{key.upper()}"] = str(value)
    _with_core(settings, _noop, wait=True)
    if settings.binds_everywhere and not settings.public_url:
        click.echo(
            "warning: GROUPLINK_PUBLIC_URL is not set; invite links will say "
            f"{settings.resolved_public_url}",
            err=True,
        )
    click.echo(
        f"grouplink on {settings.resolved_public_url} "
        f"({'SQLite' if 'sqlite' in settings.resolved_database_url else 'PostgreSQL'}, "
        f"{workers} worker{'s' if workers > 1 else ''})",
        err=True,
    )
    from grouplink.metrics import folder

    with folder.for_workers(workers):  # their figures, added up at /metrics
        uvicorn.run(
            "grouplink.app:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=workers,
            access_log=False,
            log_level="warning",
            # uvicorn would believe X-Forwarded-* from loopback; the app decides whom to
            # believe (GROUPLINK_TRUSTED_PROXIES).
            proxy_headers=False,
        )


async def _noop(_core: Any) -> None:
    return None


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    settings = load_settings()
    _with_core(settings, _noop, wait=True)
    click.echo("database is up to date", err=True)


@main.group()
def token() -> None:
    """API tokens for a business (printed once, stored as a hash)."""


@token.command("create")
@click.argument("business_id")
@click.option("--label", default="", help="A note to tell tokens apart.")
def token_create(business_id: str, label: str) -> None:
    """Make a new token for BUSINESS_ID and print it once."""
    from grouplink.services import businesses

    made = _with_core(
        load_settings(), lambda core: businesses.create_token(core, business_id, label)
    )
    click.echo(json.dumps({"token_id": made.token_id, "token": made.token}))


@token.command("revoke")
@click.argument("token_or_id")
def token_revoke(token_or_id: str) -> None:
    """Revoke a token, given the token itself or its id."""
    from grouplink.services import businesses

    if not _with_core(load_settings(), lambda core: businesses.revoke_token(core, token_or_id)):
        click.echo("no such active token", err=True)
        sys.exit(1)
    click.echo("revoked", err=True)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print only one JSON object.")
@click.option("--name", default="Demo business", show_default=True)
def demo(as_json: bool, name: str) -> None:
    """Create a fresh business with one phone number and a token."""
    from grouplink.graph.deps import CURRENT_VERSION
    from grouplink.services import businesses

    settings = load_settings()

    async def make(core: Any) -> dict[str, str]:
        made = await businesses.create_business(core, name)
        tok = await businesses.create_token(core, made.business_id, "demo")
        return {
            "business_id": made.business_id,
            "phone_number_id": made.phone_number_id,
            "display_phone_number": made.display_phone_number,
            "token": tok.token,
            "token_id": tok.token_id,
            "app_secret": made.app_secret,
            "base_url": f"{settings.resolved_public_url}/{CURRENT_VERSION}",
        }

    result = _with_core(settings, make)
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"{key:22} {value}")


@main.command()
@click.option("--name", default=None, help="Worker name in logs and attempt records.")
@click.option("--metrics-port", default=None, type=int, help="Serve /metrics on this port.")
@click.option(
    "--metrics-host", default="127.0.0.1", show_default=True, help="Interface of --metrics-port."
)
def worker(name: str | None, metrics_port: int | None, metrics_host: str) -> None:
    """Deliver webhooks from the outbox until SIGTERM (run any number of these).

    Set GROUPLINK_DISPATCHER=off on the servers when workers deliver instead.
    """
    import signal

    from grouplink.logs import configure_logging
    from grouplink.metrics import worker_door
    from grouplink.webhooks.dispatcher import Dispatcher

    settings = load_settings()
    configure_logging(settings.log_level)
    sock = None
    if metrics_port is not None:
        try:
            sock = worker_door.listen(metrics_host, metrics_port)
        except OSError as error:
            raise click.ClickException(
                f"cannot serve metrics on {metrics_host}:{metrics_port}: {error.strerror}"
            ) from None

    async def run(core: Any) -> None:
        dispatcher = Dispatcher(core, settings.dispatch_settings(), name)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, dispatcher.stop)
        async with worker_door.serving(core, settings, sock):
            click.echo(f"worker {dispatcher.name} delivering webhooks", err=True)
            await dispatcher.run()
        click.echo(f"worker {dispatcher.name} stopped", err=True)

    _with_core(settings, run, wait=True)


@main.group()
def webhooks() -> None:
    """Webhook subscriptions and deliveries of a business."""


@webhooks.command("subscribe")
@click.argument("business_id")
@click.argument("callback_url")
@click.option("--verify-token", required=True, help="Echoed back in the hub.challenge handshake.")
@click.option(
    "--fields",
    default="group_lifecycle_update,group_participants_update,group_settings_update,group_status_update",
    show_default=True,
)
def webhooks_subscribe(business_id: str, callback_url: str, verify_token: str, fields: str) -> None:
    """Verify CALLBACK_URL with the handshake, then subscribe it."""
    from grouplink.domain.webhooks import clean_fields
    from grouplink.services import subscriptions
    from grouplink.services.core import Actor

    settings = load_settings()

    async def run(core: Any) -> None:
        if not await subscriptions.business_exists(core, business_id):
            raise click.ClickException(f"No business with id {business_id}")
        await subscriptions.subscribe(
            core,
            business_id,
            callback_url,
            verify_token,
            clean_fields(fields),
            Actor.system(),
            handshake_timeout_s=settings.webhook_timeout_seconds,
            allow_private=settings.webhook_private_allowed,
        )

    _with_core(settings, run)
    click.echo(f"subscribed {callback_url}", err=True)


@webhooks.command("list")
@click.argument("business_id")
def webhooks_list(business_id: str) -> None:
    """Print the business's subscriptions as JSON lines."""
    from grouplink.services import subscriptions

    found = _with_core(
        load_settings(), lambda core: subscriptions.list_subscriptions(core, business_id)
    )
    for sub in found:
        click.echo(json.dumps({"callback_url": sub.callback_url, "fields": sub.fields}))


@webhooks.command("unsubscribe")
@click.argument("business_id")
@click.argument("callback_url", required=False)
def webhooks_unsubscribe(business_id: str, callback_url: str | None) -> None:
    """Remove the subscription at CALLBACK_URL, or all of them."""
    from grouplink.services import subscriptions
    from grouplink.services.core import Actor

    count = _with_core(
        load_settings(),
        lambda core: subscriptions.unsubscribe(
            core, business_id, Actor.system(), callback_url=callback_url, fields=None
        ),
    )
    click.echo(f"removed {count} subscription{'s' * (count != 1)}", err=True)


@webhooks.command("deliveries")
@click.argument("business_id")
@click.option("--state", type=click.Choice(["pending", "delivered", "dead"]), default=None)
@click.option("--limit", default=100, show_default=True)
def webhooks_deliveries(business_id: str, state: str | None, limit: int) -> None:
    """Print recent deliveries with their attempts, as JSON lines."""
    from grouplink.services import subscriptions

    found = _with_core(
        load_settings(), lambda core: subscriptions.list_deliveries(core, business_id, state, limit)
    )
    for delivery in found:
        click.echo(json.dumps(delivery))


@webhooks.command("redeliver")
@click.argument("business_id")
@click.option("--event", "event_ids", multiple=True, help="An event id; default: every dead one.")
def webhooks_redeliver(business_id: str, event_ids: tuple[str, ...]) -> None:
    """Queue deliveries again: the given events, or every dead-lettered one."""
    from grouplink.services import subscriptions
    from grouplink.services.core import Actor

    count = _with_core(
        load_settings(),
        lambda core: subscriptions.redeliver(
            core, business_id, Actor.system(), list(event_ids) or None
        ),
    )
    click.echo(f"queued {count} deliver{'ies' if count != 1 else 'y'}", err=True)


@main.group()
def secret() -> None:
    """The business's app secret, which signs its webhooks."""


@secret.command("rotate")
@click.argument("business_id")
def secret_rotate(business_id: str) -> None:
    """Make a new app secret for BUSINESS_ID and print it."""
    from grouplink.services import businesses

    click.echo(
        _with_core(load_settings(), lambda core: businesses.rotate_app_secret(core, business_id))
    )


main.add_command(cli_moves.backup)
main.add_command(cli_moves.export)
main.add_command(cli_moves.import_)

if __name__ == "__main__":
    main()
