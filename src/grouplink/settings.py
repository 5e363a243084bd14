"""Every setting, read from the environment (prefix ``GROUPLINK_``) with embedded defaults.

The default profile is ``local``: an embedded SQLite file in ``./grouplink-data``,
sandbox helpers on, Meta's limits. ``production`` turns the sandbox helpers off.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    max_participants: int = Field(default=8, ge=1, description="Per group, business excluded.")
    max_groups_per_number: int = Field(default=10_000, ge=1)
    max_body_bytes: int = Field(default=6 * 1024 * 1024, ge=1024)
    db_pool_size: int = Field(default=10, ge=1)
    log_level: str = "info"

    @property
    def sandbox_enabled(self) -> bool:
        return self.profile == "local" if self.sandbox is None else self.sandbox

    @cached_property
    def resolved_database_url(self) -> str:
        return normalize_database_url(
            self.database_url or f"sqlite:///{self.data_dir}/grouplink.db"
        )

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_link_base(self) -> str:
        return (self.link_base or self.resolved_public_url).rstrip("/")


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
