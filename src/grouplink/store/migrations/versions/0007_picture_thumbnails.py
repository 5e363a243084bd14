"""picture thumbnails: every stored picture re-encoded, with its 192 px thumbnail

Revision ID: 0007
Revises: 0006

Pictures were stored as uploaded, metadata (EXIF GPS) and all. Each one is put through
the rules uploads now go through (grouplink.domain.picture): re-encoded at most 640 px,
with no metadata, and given a thumbnail. A stored picture that does not decode (only
its header was checked then) or that breaks the new limits is removed, and its group
shows the drawn default, as a group without a picture does. ``picture_sha256`` keeps
naming the upload. Downgrading drops the thumbnails; the uploads are not restored.
"""

import sqlalchemy as sa
from alembic import op

from grouplink.domain.errors import DomainError
from grouplink.domain.picture import validate_picture

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_pictures = sa.table(
    "group_pictures",
    sa.column("group_pk", sa.BigInteger()),
    sa.column("mime_type", sa.String()),
    sa.column("data", sa.LargeBinary()),
    sa.column("thumbnail", sa.LargeBinary()),
)
_groups = sa.table(
    "groups",
    sa.column("pk", sa.BigInteger()),
    sa.column("picture_sha256", sa.String()),
    sa.column("picture_mime", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("group_pictures") as table:
        table.add_column(sa.Column("thumbnail", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    group_pks = conn.execute(sa.select(_pictures.c.group_pk)).scalars().all()
    for group_pk in group_pks:  # one picture (up to 5 MB) in memory at a time
        _reencode(conn, group_pk)
    with op.batch_alter_table("group_pictures") as table:
        table.alter_column("thumbnail", existing_type=sa.LargeBinary(), nullable=False)


def _reencode(conn: sa.Connection, group_pk: int) -> None:
    this_picture = _pictures.c.group_pk == group_pk
    data = conn.execute(sa.select(_pictures.c.data).where(this_picture)).scalar_one()
    try:
        picture = validate_picture(data)
    except DomainError:
        conn.execute(sa.delete(_pictures).where(this_picture))
        conn.execute(
            sa.update(_groups)
            .where(_groups.c.pk == group_pk)
            .values(picture_sha256=None, picture_mime=None)
        )
        return
    conn.execute(
        sa.update(_pictures)
        .where(this_picture)
        .values(data=picture.data, thumbnail=picture.thumbnail, mime_type=picture.mime_type)
    )


def downgrade() -> None:
    with op.batch_alter_table("group_pictures") as table:
        table.drop_column("thumbnail")
