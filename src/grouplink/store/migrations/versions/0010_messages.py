"""messages: what a business sent by POST /{phone_number_id}/messages

Revision ID: 0010
Revises: 0009

In the sandbox each person's rows are their inbox (GET /sandbox/people/{wa_id}/messages);
outside it, the record of what was relayed to a real Cloud API.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("phone_number_id", sa.String(length=32), nullable=False),
        sa.Column(
            "person_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name="fk_messages_business_id_businesses"
        ),
        sa.ForeignKeyConstraint(
            ["phone_number_id"],
            ["phone_numbers.id"],
            name="fk_messages_phone_number_id_phone_numbers",
        ),
        sa.ForeignKeyConstraint(["person_pk"], ["people.pk"], name="fk_messages_person_pk_people"),
        sa.PrimaryKeyConstraint("pk", name="pk_messages"),
        sa.UniqueConstraint("id", name="uq_messages_id"),
    )
    op.create_index("ix_messages_person", "messages", ["person_pk", "pk"])


def downgrade() -> None:
    op.drop_index("ix_messages_person", table_name="messages")
    op.drop_table("messages")
