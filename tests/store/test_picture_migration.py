"""Migration 0007 on both backends: pictures stored as uploaded before it (EXIF GPS and
all) are re-encoded with a thumbnail, and one that never decoded is removed."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from grouplink.domain.picture import STORED_SIDE, THUMBNAIL_SIDE
from grouplink.settings import normalize_database_url
from grouplink.store.database import Database
from grouplink.store.migrate import alembic_config, migrate
from grouplink.store.tables import businesses, groups, phone_numbers
from tests.conftest import IN_CI, free_port
from tests.images import assert_clean_jpeg, header_only_jpeg, photo
from tests.support import drop_postgres_database, postgres_test_url

# group_pictures as migration 0006 left it: no thumbnail.
OLD_PICTURES = sa.table(
    "group_pictures",
    sa.column("group_pk", sa.Integer()),
    sa.column("mime_type", sa.String()),
    sa.column("data", sa.LargeBinary()),
)
NEW_PICTURES = sa.table(
    "group_pictures",
    sa.column("group_pk", sa.Integer()),
    sa.column("data", sa.LargeBinary()),
    sa.column("thumbnail", sa.LargeBinary()),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own at the newest migration."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/old.db"
        asyncio.run(_migrate(url))
        yield url
        return
    name = f"grouplink_migration_{os.getpid()}_{free_port()}"
    pg_url = postgres_test_url(name, required=IN_CI)
    if pg_url is None:
        pytest.skip("PostgreSQL is not reachable; CI runs it")
    yield pg_url
    drop_postgres_database(name)


async def _migrate(url: str) -> None:
    db = Database(normalize_database_url(url), pool_size=1)
    try:
        await migrate(db)
    finally:
        await db.dispose()


def downgrade_to_0006(url: str) -> None:
    async def run() -> None:
        db = Database(normalize_database_url(url), pool_size=1)
        try:
            async with db.engine.connect() as conn:

                def downgrade(sync_conn: sa.Connection) -> None:
                    config = alembic_config()
                    config.attributes["connection"] = sync_conn
                    command.downgrade(config, "0006")

                await conn.run_sync(downgrade)
                await conn.commit()
        finally:
            await db.dispose()

    asyncio.run(run())


def run_sql(url: str, *statements: Any) -> list[Any]:
    async def run() -> list[Any]:
        db = Database(normalize_database_url(url), pool_size=1)
        try:
            async with db.engine.begin() as conn:
                return [
                    (await conn.execute(s)).all() if s.is_select else await conn.execute(s)
                    for s in statements
                ]
        finally:
            await db.dispose()

    return asyncio.run(run())


def group_row(pk: int, sha256: str | None) -> dict[str, Any]:
    return {
        "pk": pk,
        "id": f"group{pk}",
        "business_id": "biz",
        "phone_number_id": "phone",
        "subject": f"Group {pk}",
        "join_approval_mode": "auto_approve",
        "picture_sha256": sha256,
        "picture_mime": "image/jpeg" if sha256 else None,
        "created_at": 1,
        "updated_at": 1,
    }


def test_stored_pictures_are_re_encoded_and_undecodable_ones_removed(database_url: str) -> None:
    downgrade_to_0006(database_url)
    camera, fake = photo(900), header_only_jpeg(640)
    sha = {"camera": hashlib.sha256(camera).hexdigest(), "fake": hashlib.sha256(fake).hexdigest()}
    run_sql(
        database_url,
        sa.insert(businesses).values(id="biz", name="Old", app_secret="s", created_at=1),
        sa.insert(phone_numbers).values(
            id="phone", business_id="biz", display_phone_number="+1 555", created_at=1
        ),
        sa.insert(groups).values(
            [group_row(1, sha["camera"]), group_row(2, sha["fake"]), group_row(3, None)]
        ),
        sa.insert(OLD_PICTURES).values(
            [
                {"group_pk": 1, "mime_type": "image/jpeg", "data": camera},
                {"group_pk": 2, "mime_type": "image/jpeg", "data": fake},
            ]
        ),
    )

    asyncio.run(_migrate(database_url))

    pictures, named = run_sql(
        database_url,
        sa.select(NEW_PICTURES).order_by(NEW_PICTURES.c.group_pk),
        sa.select(groups.c.pk, groups.c.picture_sha256, groups.c.picture_mime).order_by(
            groups.c.pk
        ),
    )
    assert [row.group_pk for row in pictures] == [1]  # the header-only one is gone
    assert_clean_jpeg(pictures[0].data, STORED_SIDE)
    assert_clean_jpeg(pictures[0].thumbnail, THUMBNAIL_SIDE)
    # The kept picture still names its upload; the removed one's group has no picture.
    assert [tuple(row) for row in named] == [
        (1, sha["camera"], "image/jpeg"),
        (2, None, None),
        (3, None, None),
    ]
