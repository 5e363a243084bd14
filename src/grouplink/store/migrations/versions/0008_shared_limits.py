"""shared limits: rate counters and each number's wrong sign-in codes in the database

Revision ID: 0008
Revises: 0007

Rate limits were counted in each worker's memory unless Redis was set; now they
are counted here, so every worker and machine shares them. Counts start empty.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_guesses",
        sa.Column("wa_id", sa.String(length=16), nullable=False),
        sa.Column("wrong", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.BigInteger(), nullable=False),
        sa.Column("forget_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("wa_id", name="pk_signin_guesses"),
    )
    op.create_index("ix_signin_guesses_forget_at", "signin_guesses", ["forget_at"])
    op.create_table(
        "rate_counters",
        sa.Column("counter", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=32), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("counter", "key_hash", name="pk_rate_counters"),
    )
    op.create_index("ix_rate_counters_expires_at", "rate_counters", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_counters_expires_at", "rate_counters")
    op.drop_table("rate_counters")
    op.drop_index("ix_signin_guesses_forget_at", "signin_guesses")
    op.drop_table("signin_guesses")
