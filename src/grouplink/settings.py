"""Every setting, read from the environment (prefix ``GROUPLINK_``) with embedded defaults.

The default profile is ``local``: an embedded SQLite file in ``./grouplink-data``,
sandbox helpers on, Meta's limits. ``production`` turns the sandbox helpers off and
wants a real code sender. Each field's ``description`` is its row in
docs/configuration.md (``python -m grouplink.settings_doc``).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from grouplink.setting_values import (
    check_networks,
    check_rate,
    normalize_database_url,
    proxy_list,
)

if TYPE_CHECKING:
    from grouplink.webhooks.dispatcher import DispatchSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GROUPLINK_", extra="ignore")

    profile: Literal["local", "production"] = Field(
        default="local",
        description=(
            "Decides the defaults of `GROUPLINK_SANDBOX` and `GROUPLINK_WEBHOOK_ALLOW_PRIVATE` "
            "(see [Profiles](#profiles)). In `production` the "
            "server does not start with the `log` code sender unless "
            "`GROUPLINK_CODE_SENDER_LOG_IN_PRODUCTION` allows it."
        ),
    )
    data_dir: Path = Field(
        default=Path("grouplink-data"),
        description=(
            "Folder of the SQLite file when `GROUPLINK_DATABASE_URL` is empty; relative to "
            "the working folder; made if missing."
        ),
    )
    database_url: str = Field(
        default="",
        description=(
            "Database URL. Empty means the SQLite file `{data_dir}/grouplink.db`; "
            "`postgresql://...` switches to PostgreSQL (see [Database URLs](#database-urls))."
        ),
    )
    public_url: str = Field(
        default="",
        description=(
            "This server's public URL, such as `https://groups.example.com`. Empty means "
            "`http://{host}:{port}`. Used for the `base_url` that `grouplink demo` prints, "
            "for the `Secure` cookie flag (`https://`) and as the default link base."
        ),
    )
    link_base: str = Field(
        default="",
        description="Prefix of invite links: a link is `{link_base}/{CODE}`. Empty means "
        "the public URL.",
    )
    host: str = Field(
        default="127.0.0.1", description="Interface that `serve` binds; `serve --host` wins."
    )
    port: int = Field(default=8000, description="Port that `serve` binds; `serve --port` wins.")
    sandbox: bool | None = Field(
        default=None,
        description=(
            "Serve the `/sandbox` test helpers (and show sign-in codes on the page)? Unset "
            "means yes in the `local` profile only."
        ),
    )
    webhook_allow_private: bool | None = Field(
        default=None,
        description=(
            "May callback URLs reach loopback, private, link-local (cloud metadata) and "
            "other non-public addresses? Unset means yes in the `local` profile only. The "
            "address is checked when each connection is made, and the connection goes to "
            "the checked address."
        ),
    )
    max_participants: int = Field(
        default=8, ge=1, description="Participants per group, the business not counted (Meta: 8)."
    )
    max_groups_per_number: int = Field(
        default=10_000,
        ge=1,
        description="Live groups per phone number; deleted ones do not count (Meta: 10,000).",
    )
    max_body_bytes: int = Field(
        default=6 * 1024 * 1024,
        ge=1024,
        description=(
            "Largest request body (6 MiB): a larger one is refused with HTTP 413, code 100. "
            "Pictures are limited to 5 MB on their own."
        ),
    )
    db_pool_size: int = Field(
        default=10,
        ge=1,
        description=(
            "Database connections each worker process keeps open; under load a request "
            "waits for a free one. On PostgreSQL each worker keeps one more, which listens "
            "for changes."
        ),
    )
    start_wait_seconds: float = Field(
        default=30.0,
        ge=0,
        description=(
            "How long `serve`, `worker` and `migrate` wait for PostgreSQL to answer at start, "
            "trying once a second, then exit with a one-line error; 0: one try. SQLite gets "
            "one try."
        ),
    )
    sqlite_busy_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description=(
            "How long a write waits for another program's lock on the SQLite file (a backup, "
            "the `sqlite3` shell) before it answers HTTP 503, code 2."
        ),
    )
    cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description=(
            "How long a worker may keep API tokens, invite links and groups it has read. "
            "Every worker drops what a change makes stale when it commits (see [Cached "
            "reads](#cached-reads)): this matters only for changes made outside grouplink. "
            "0: read the database every time."
        ),
    )
    dispatcher: Literal["inline", "off"] = Field(
        default="inline",
        description=(
            "`inline`: each server process delivers webhooks; `off`: the server only "
            "records events and `grouplink worker` delivers them."
        ),
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long one webhook POST (or handshake) may take."
    )
    webhook_retry_seconds: int = Field(
        default=3 * 24 * 3600,
        ge=0,
        description=(
            "How long a failing delivery is retried (3 days) before it is dead-lettered; 0: "
            "at the first failure."
        ),
    )
    webhook_backoff_base_ms: int = Field(
        default=1_000,
        ge=1,
        description="First wait between attempts; later ones grow up to twice as long, at random.",
    )
    webhook_backoff_cap_ms: int = Field(
        default=3_600_000, ge=1, description="Longest wait between attempts (1 hour)."
    )
    webhook_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A claimed delivery not recorded in this time (its worker died) returns "
        "to the queue.",
    )
    webhook_batch: int = Field(default=200, ge=1, description="Deliveries claimed per round.")
    webhook_concurrency: int = Field(
        default=64, ge=1, description="POSTs one dispatcher sends at the same time."
    )
    webhook_poll_seconds: float = Field(
        default=0.2, gt=0, description="How often an idle dispatcher looks for new events."
    )
    webhook_lanes: int = Field(
        default=4, ge=1, description="Delivery rounds one dispatcher keeps in flight at once."
    )
    log_level: str = Field(
        default="info",
        description=(
            "`debug`, `info`, `warning` or `error`. At `info` one JSON line per request; at "
            "`warning` only faults. An unknown value means `info`."
        ),
    )
    redis_url: str = Field(
        default="",
        description=(
            "`redis://...` keeps the rate limits in Redis; empty: in the database. Either "
            "way every worker and machine shares them."
        ),
    )
    trusted_proxies: str = Field(
        default="",
        description=(
            "Addresses or networks of your reverse proxies, comma-separated (`10.0.0.0/8, "
            "::1`), whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed; empty: "
            "nobody's."
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
        description=(
            "Where sign-in codes go: `log` (the server log), `whatsapp` (an authentication "
            "template through the Cloud API), `webhook` (a signed POST, for any SMS "
            "provider) or `package.module:factory` (see [code-senders.md](code-senders.md))."
        ),
    )
    code_sender_log_in_production: bool = Field(
        default=False,
        description="Let the `production` profile start with the `log` code sender all the same.",
    )
    code_sender_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        description=(
            "How long the `whatsapp` and `webhook` senders wait for the provider's answer; "
            "past it the person is asked to try again."
        ),
    )
    whatsapp_base_url: str = Field(
        default="https://graph.facebook.com",
        description="The Cloud API the `whatsapp` sender calls (or a relay that speaks it).",
    )
    whatsapp_api_version: str = Field(
        default="v23.0", description="Graph API version of the `whatsapp` sender's calls."
    )
    whatsapp_phone_number_id: str = Field(
        default="", description="The business phone number id that sends the codes."
    )
    whatsapp_token: SecretStr = Field(
        default=SecretStr(""),
        description="Access token (a system user's) allowed to send from that number.",
    )
    whatsapp_code_template: str = Field(
        default="",
        description="Name of the approved authentication template with a copy-code button.",
    )
    whatsapp_code_language: str = Field(
        default="en_US", description="Language code of that template, as approved."
    )
    messages_relay: bool = Field(
        default=False,
        description=(
            "Outside the sandbox, relay `POST /{phone_number_id}/messages` to the Cloud API "
            "and number named by the `whatsapp_*` settings (the number the invites are sent "
            "from); off, such sends answer 131026. The sandbox keeps them in its inboxes."
        ),
    )
    code_webhook_url: str = Field(
        default="", description="Where the `webhook` sender POSTs each code."
    )
    code_webhook_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Shared secret of the `X-Grouplink-Signature` HMAC on those POSTs.",
    )
    signin_code_seconds: int = Field(
        default=300, ge=30, description="A sign-in code's lifetime (5 minutes)."
    )
    signin_max_attempts: int = Field(
        default=5, ge=1, description="Wrong tries before one sign-in code stops working."
    )
    signin_wrong_codes: int = Field(
        default=10,
        ge=1,
        description=(
            "Wrong codes a phone number may type across all its codes before it is locked "
            "out. A new code does not reset the count; signing in does, and so do 24 hours "
            "without a wrong code."
        ),
    )
    signin_lockout_seconds: int = Field(
        default=900,
        ge=1,
        description="The first lockout (15 minutes); each wrong code after one doubles it.",
    )
    signin_lockout_max_seconds: int = Field(
        default=4 * 3600, ge=1, description="The longest lockout (4 hours)."
    )
    session_seconds: int = Field(
        default=30 * 24 * 3600, ge=60, description="A session's lifetime (30 days)."
    )
    rate_link_page: str = Field(
        default="120/minute",
        description="Link page and picture views per client address (unknown codes count too).",
    )
    rate_join: str = Field(
        default="20/minute",
        description="Join, request and withdraw presses per address and per person.",
    )
    rate_signin_address: str = Field(
        default="20/hour", description="Sign-in codes asked for, per address."
    )
    rate_signin_number: str = Field(
        default="5/15 minutes", description="Sign-in codes asked for, per phone number."
    )
    rate_code_check: str = Field(default="60/hour", description="Codes typed, per address.")
    rate_token_check: str = Field(
        default="30/hour", description="API tokens typed at the console's sign-in, per address."
    )
    rate_group_writes: str = Field(
        default="",
        description=(
            "Graph API writes per group, such as `10/minute`; past it a write gets error "
            "131208 (HTTP 429), as Meta answers. Empty: no limit."
        ),
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
        if not value and info.field_name == "rate_group_writes":
            return value  # the one limit that may be off
        return check_rate(value)

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _networks(cls, value: str) -> str:
        return check_networks(value)

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


__all__ = ["Settings", "normalize_database_url", "proxy_list"]
