"""insights: join questions and answers, each link's figures per day, audit log lookups

Revision ID: 0006
Revises: 0005

The audit log's ``web`` door becomes ``link_page`` for what people did on a link's
page (asking, withdrawing, joining) and ``console`` for the rest; ``cli`` becomes
``system``. Daily figures start with this migration: earlier days have none.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_FIGURES = ("opens", "join_requests", "joined", "approved", "rejected", "left")


def upgrade() -> None:
    with op.batch_alter_table("groups") as table:
        table.add_column(sa.Column("join_questions", sa.Text(), nullable=True))
    with op.batch_alter_table("join_requests") as table:
        table.add_column(sa.Column("answers", sa.Text(), nullable=True))
    with op.batch_alter_table("audit_log") as table:
        table.add_column(sa.Column("token_id", sa.String(length=32), nullable=True))
        table.create_index("ix_audit_log_group_action", ["group_pk", "action", "pk"])
    op.execute(
        "UPDATE audit_log SET door = 'link_page' WHERE door = 'web' AND actor LIKE 'person:%'"
        " AND action IN ('join_request.create', 'join_request.cancel', 'participants.add')"
    )
    op.execute("UPDATE audit_log SET door = 'console' WHERE door = 'web'")
    op.execute("UPDATE audit_log SET door = 'system' WHERE door = 'cli'")
    op.create_table(
        "link_days",
        sa.Column("link_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), server_default="0", nullable=False) for name in _FIGURES),
        sa.ForeignKeyConstraint(
            ["link_pk"], ["invite_links.pk"], name="fk_link_days_link_pk_invite_links"
        ),
        sa.PrimaryKeyConstraint("link_pk", "day", name="pk_link_days"),
    )


def downgrade() -> None:
    op.drop_table("link_days")
    with op.batch_alter_table("audit_log") as table:
        table.drop_index("ix_audit_log_group_action")
        table.drop_column("token_id")
    with op.batch_alter_table("join_requests") as table:
        table.drop_column("answers")
    with op.batch_alter_table("groups") as table:
        table.drop_column("join_questions")
