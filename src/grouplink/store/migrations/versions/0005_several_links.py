"""several invite links per group: ids, pauses, people lists, counters, rotation

Revision ID: 0005
Revises: 0004

Links made before get an id of 18 random hexadecimal characters (opaque, like every
id). ``use_count`` counted joins and requests together; the counters are rebuilt
from the participants and requests, and participants approved before now get the
link of their approved request. People who left before now are not counted.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COUNTERS = ("request_count", "approved_count", "rejected_count", "left_count", "open_count")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("invite_links") as table:
        table.add_column(sa.Column("id", sa.String(length=32), nullable=True))
        table.add_column(sa.Column("paused_until", sa.BigInteger(), nullable=True))
        table.add_column(
            sa.Column("restricted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        table.alter_column("use_count", new_column_name="joined_count")
        for name in _COUNTERS:
            table.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    random_id = (
        "lower(hex(randomblob(9)))"
        if sqlite
        else "substr(md5(random()::text || clock_timestamp()::text || pk::text), 1, 18)"
    )
    op.execute(f"UPDATE invite_links SET id = {random_id}")
    op.execute("UPDATE invite_links SET is_primary = false WHERE state <> 'active'")
    op.execute(
        "UPDATE participants SET link_pk = (SELECT r.link_pk FROM join_requests r"
        " WHERE r.group_pk = participants.group_pk AND r.person_pk = participants.person_pk"
        " AND r.state = 'approved' ORDER BY r.pk DESC LIMIT 1) WHERE link_pk IS NULL"
    )

    def count(where: str, table: str = "join_requests") -> str:
        return f"(SELECT count(*) FROM {table} x WHERE x.link_pk = invite_links.pk{where})"

    joined, asked = count("", "participants"), count("")
    approved, rejected = count(" AND x.state = 'approved'"), count(" AND x.state = 'rejected'")
    op.execute(
        f"UPDATE invite_links SET joined_count = {joined}, request_count = {asked}, "
        f"approved_count = {approved}, rejected_count = {rejected}"
    )
    with op.batch_alter_table("invite_links") as table:
        table.alter_column("id", existing_type=sa.String(length=32), nullable=False)
        table.create_unique_constraint("uq_invite_links_id", ["id"])

    op.create_table(
        "invite_link_people",
        sa.Column("link_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["link_pk"], ["invite_links.pk"], name="fk_invite_link_people_link_pk_invite_links"
        ),
        sa.ForeignKeyConstraint(
            ["person_pk"], ["people.pk"], name="fk_invite_link_people_person_pk_people"
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("link_pk", "person_pk", name="pk_invite_link_people"),
    )

    op.create_table(
        "link_open_marks",
        sa.Column("link_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("visitor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_pk"], ["invite_links.pk"], name="fk_link_open_marks_link_pk_invite_links"
        ),
        sa.PrimaryKeyConstraint("link_pk", "day", "visitor", name="pk_link_open_marks"),
    )

    with op.batch_alter_table("groups") as table:
        table.add_column(sa.Column("links_paused_until", sa.BigInteger(), nullable=True))
        table.add_column(
            sa.Column("link_rotation_days", sa.Integer(), server_default="0", nullable=False)
        )
        table.add_column(sa.Column("next_rotation_at", sa.BigInteger(), nullable=True))
        table.create_index("ix_groups_next_rotation_at", ["next_rotation_at"])


def downgrade() -> None:
    with op.batch_alter_table("groups") as table:
        table.drop_index("ix_groups_next_rotation_at")
        for name in ("next_rotation_at", "link_rotation_days", "links_paused_until"):
            table.drop_column(name)
    op.drop_table("link_open_marks")
    op.drop_table("invite_link_people")
    with op.batch_alter_table("invite_links") as table:
        table.drop_constraint("uq_invite_links_id", type_="unique")
        for name in ("open_count", "left_count", "rejected_count", "approved_count"):
            table.drop_column(name)
        table.drop_column("request_count")
        table.alter_column("joined_count", new_column_name="use_count")
        for name in ("restricted", "paused_until", "id"):
            table.drop_column(name)
