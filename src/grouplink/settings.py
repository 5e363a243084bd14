"""Every setting, read from the environment (prefix ``GROUPLINK_``) with embedded defaults.

The default profile is ``local``: an embedded SQLite file in ``./grouplink-data``,
sandbox helpers on, Meta's limits. ``production`` turns the sandbox helpers off.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from grouplink.webhooks.dispatcher import DispatchSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GROUPLINK_", extra="ignore")

    profile: Literal["local", "production"] = "local"
    data_dir: Path = Path("grouplink-data")
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means an SQLite file in data_dir. "
        "postgresql://... switches to PostgreSQL.",
    )
    public_url: str = Field(
        default="",
        description="This server's public URL; empty means http://{host}:{port} of `serve`.",
    )
    link_base: str = Field(
        default="",
        description="Prefix of invite links ({link_base}/{CODE}); empty means public_url.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    sandbox: bool | None = Field(
        default=None,
        description="Enable the /sandbox test helpers; default: on in the local profile only.",
    )
    webhook_allow_private: bool | None = Field(
        default=None,
        description=(
            "Let callback URLs reach loopback and private addresses; "
            "default: yes in the local profile only."
        ),
    )
    max_participants: int = Field(default=8, ge=1, description="Per group, business excluded.")
    max_groups_per_number: int = Field(default=10_000, ge=1)
    max_body_bytes: int = Field(default=6 * 1024 * 1024, ge=1024)
    db_pool_size: int = Field(default=10, ge=1)
    start_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description=(
            "How long `serve`, `worker` and `migrate` wait for PostgreSQL to answer at start, "
            "then exit with a one-line error; 0: one try."
        ),
    )
    sqlite_busy_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description=(
            "How long a write waits for another program's lock on the SQLite file before "
            "it answers 503 (code 2)."
        ),
    )
    cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description=(
            "How long a process keeps API tokens and invite links it has read. Every "
            "process drops them when a change commits: on one machine at once, on other "
            "machines (PostgreSQL, through LISTEN/NOTIFY) within milliseconds. A process "
            "that is not listening keeps nothing. 0: read them every time."
        ),
    )
    dispatcher: Literal["inline", "off"] = Field(
        default="inline",
        description="inline: each server process delivers webhooks; off: `grouplink worker` does.",
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retry_seconds: int = Field(
        default=3 * 24 * 3600, ge=0, description="How long a failing delivery is retried."
    )
    webhook_backoff_base_ms: int = Field(default=1_000, ge=1)
    webhook_backoff_cap_ms: int = Field(default=3_600_000, ge=1)
    webhook_lease_seconds: float = Field(
        default=60.0, gt=0, description="A claimed delivery returns to the queue after this."
    )
    webhook_batch: int = Field(default=200, ge=1)
    webhook_concurrency: int = Field(default=64, ge=1)
    webhook_poll_seconds: float = Field(default=0.2, gt=0)
    webhook_lanes: int = Field(
        default=4, ge=1, description="Delivery rounds in flight per process."
    )
    log_level: str = "info"
    redis_url: str = Field(
        default="",
        description="redis://... keeps the rate limits in Redis; empty: in the database.",
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Addresses or networks (comma-separated) whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed; empty: nobody's."
        ),
    )
    metrics_allow: str = Field(
        default="",
        description=(
            "Addresses or networks (comma-separated) that may read /metrics; empty: anyone "
            "in the local profile, loopback and private networks in production."
        ),
    )
    metrics_token: str = Field(
        default="", description="If set, /metrics also asks for Authorization: Bearer <token>."
    )
    code_sender: str = Field(
        default="log",
        description='Where sign-in codes go: "log" (the server log) or "package.module:factory".',
    )
    signin_code_seconds: int = Field(default=300, ge=30, description="A sign-in code's lifetime.")
    signin_max_attempts: int = Field(
        default=5, ge=1, description="Wrong tries before a sign-in code is locked."
    )
    signin_wrong_codes: int = Field(
        default=10, ge=1, description="Wrong codes a number may type, across its codes."
    )
    signin_lockout_seconds: int = Field(
        default=900, ge=1, description="The first lockout past them; each wrong code doubles it."
    )
    signin_lockout_max_seconds: int = Field(default=4 * 3600, ge=1, description="The longest.")
    session_seconds: int = Field(default=30 * 24 * 3600, ge=60, description="A session's lifetime.")
    rate_link_page: str = Field(default="120/minute", description="Link page views per address.")
    rate_join: str = Field(
        default="20/minute", description="Join and withdraw attempts per address and per person."
    )
    rate_signin_address: str = Field(default="20/hour", description="Codes sent per address.")
    rate_signin_number: str = Field(default="5/15 minutes", description="Codes sent per number.")
    rate_code_check: str = Field(default="60/hour", description="Code checks per address.")
    rate_token_check: str = Field(
        default="30/hour", description="Console sign-ins with an API token, per address."
    )
    rate_group_writes: str = Field(
        default="",
        description="Graph API writes per group (error 131208 past it); empty: no limit.",
    )

    @field_validator(
        "rate_link_page",
        "rate_join",
        "rate_signin_address",
        "rate_signin_number",
        "rate_code_check",
        "rate_token_check",
        "rate_group_writes",
    )
    @classmethod
    def _rate(cls, value: str, info: ValidationInfo) -> str:
        from limits import parse_many

        if not value and info.field_name == "rate_group_writes":
            return value  # the one limit that may be off
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"'{value}' is not a rate such as 20/minute or 5/15 minutes") from None
        return value

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for item in proxy_list(value):
            try:
                ipaddress.ip_network(item)  # an address, or a network without host bits
            except ValueError:
                said = f"'{item}' is not an address or a network such as 10.0.0.0/8"
                raise ValueError(said) from None
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return proxy_list(self.trusted_proxies)

    def dispatch_settings(self) -> DispatchSettings:
        from grouplink.webhooks.dispatcher import DispatchSettings

        return DispatchSettings(
            timeout_s=self.webhook_timeout_seconds,
            retry_window_ms=self.webhook_retry_seconds * 1000,
            backoff_base_ms=self.webhook_backoff_base_ms,
            backoff_cap_ms=self.webhook_backoff_cap_ms,
            lease_ms=int(self.webhook_lease_seconds * 1000),
            batch=self.webhook_batch,
            concurrency=self.webhook_concurrency,
            idle_poll_s=self.webhook_poll_seconds,
            lanes=self.webhook_lanes,
            allow_private=self.webhook_private_allowed,
        )

    @property
    def sandbox_enabled(self) -> bool:
        return self.profile == "local" if self.sandbox is None else self.sandbox

    @property
    def webhook_private_allowed(self) -> bool:
        local = self.profile == "local"
        return local if self.webhook_allow_private is None else self.webhook_allow_private

    @cached_property
    def resolved_database_url(self) -> str:
        return normalize_database_url(
            self.database_url or f"sqlite:///{self.data_dir}/grouplink.db"
        )

    @property
    def resolved_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        # A wildcard bind address is no place to send people: say localhost instead
        # (`serve` warns that GROUPLINK_PUBLIC_URL should be set).
        host = "localhost" if self.binds_everywhere else self.host
        return f"http://{host}:{self.port}"

    @property
    def binds_everywhere(self) -> bool:
        return self.host in ("0.0.0.0", "::", "[::]")

    @property
    def resolved_link_base(self) -> str:
        return (self.link_base or self.resolved_public_url).rstrip("/")


def proxy_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def normalize_database_url(url: str) -> str:
    """Accept the plain URLs people write and pick the async driver for them."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
