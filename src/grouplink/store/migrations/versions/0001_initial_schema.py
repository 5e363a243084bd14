"""initial schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("group_pk", sa.BigInteger(), nullable=True),
        sa.Column("link_pk", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("door", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), server_default="{}", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_group", ["group_pk", "pk"], unique=False)

    op.create_table(
        "businesses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("app_secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_businesses")),
    )
    op.create_table(
        "server_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_server_state")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_api_tokens_business_id_businesses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_tokens_business_id"), ["business_id"], unique=False
        )

    op.create_table(
        "outbox",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("phone_number_id", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("fanned_out_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_outbox_business_id_businesses")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_outbox")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_fan_out", ["fanned_out_at", "pk"], unique=False)

    op.create_table(
        "people",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("wa_id", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=48), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_people_business_id_businesses")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_people")),
        sa.UniqueConstraint("business_id", "wa_id", name=op.f("uq_people_business_id_wa_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_people_user_id")),
    )
    op.create_table(
        "phone_numbers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("display_phone_number", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_phone_numbers_business_id_businesses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_numbers")),
    )
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phone_numbers_business_id"), ["business_id"], unique=False
        )

    op.create_table(
        "webhook_subscriptions",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("object", sa.String(length=64), nullable=False),
        sa.Column("callback_url", sa.String(length=2048), nullable=False),
        sa.Column("verify_token", sa.String(length=256), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_webhook_subscriptions_business_id_businesses"),
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_webhook_subscriptions")),
        sa.UniqueConstraint(
            "business_id",
            "callback_url",
            name=op.f("uq_webhook_subscriptions_business_id_callback_url"),
        ),
    )
    op.create_table(
        "groups",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("business_id", sa.String(length=32), nullable=False),
        sa.Column("phone_number_id", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("join_approval_mode", sa.String(length=32), nullable=False),
        sa.Column("link_managers", sa.String(length=16), server_default="admins", nullable=False),
        sa.Column("suspended", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("participant_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("picture_sha256", sa.String(length=64), nullable=True),
        sa.Column("picture_mime", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"], ["businesses.id"], name=op.f("fk_groups_business_id_businesses")
        ),
        sa.ForeignKeyConstraint(
            ["phone_number_id"],
            ["phone_numbers.id"],
            name=op.f("fk_groups_phone_number_id_phone_numbers"),
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_groups")),
        sa.UniqueConstraint("id", name=op.f("uq_groups_id")),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_groups_listing", ["phone_number_id", "deleted_at", "pk"], unique=False
        )

    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subscription_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger(), nullable=False),
        sa.Column("lease_until", sa.BigInteger(), nullable=True),
        sa.Column("leased_by", sa.String(length=64), nullable=True),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_pk"], ["outbox.pk"], name=op.f("fk_webhook_deliveries_event_pk_outbox")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_pk"],
            ["webhook_subscriptions.pk"],
            name=op.f("fk_webhook_deliveries_subscription_pk_webhook_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["state", "next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_webhook_deliveries_event", ["event_pk"], unique=False)

    op.create_table(
        "bans",
        sa.Column("group_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["group_pk"], ["groups.pk"], name=op.f("fk_bans_group_pk_groups")),
        sa.ForeignKeyConstraint(
            ["person_pk"], ["people.pk"], name=op.f("fk_bans_person_pk_people")
        ),
        sa.PrimaryKeyConstraint("group_pk", "person_pk", name=op.f("pk_bans")),
    )
    op.create_table(
        "group_pictures",
        sa.Column("group_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("mime_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_pk"], ["groups.pk"], name=op.f("fk_group_pictures_group_pk_groups")
        ),
        sa.PrimaryKeyConstraint("group_pk", name=op.f("pk_group_pictures")),
    )
    op.create_table(
        "invite_links",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("group_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("approval_mode", sa.String(length=32), nullable=True),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("use_limit", sa.Integer(), nullable=True),
        sa.Column("use_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_pk"], ["groups.pk"], name=op.f("fk_invite_links_group_pk_groups")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_invite_links")),
        sa.UniqueConstraint("code", name=op.f("uq_invite_links_code")),
    )
    with op.batch_alter_table("invite_links", schema=None) as batch_op:
        batch_op.create_index("ix_invite_links_group_state", ["group_pk", "state"], unique=False)

    op.create_table(
        "webhook_attempts",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "delivery_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("attempted_at", sa.BigInteger(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("response_head", sa.String(length=500), nullable=True),
        sa.Column("worker", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_pk"],
            ["webhook_deliveries.pk"],
            name=op.f("fk_webhook_attempts_delivery_pk_webhook_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_webhook_attempts")),
    )
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_attempts_delivery_pk"), ["delivery_pk"], unique=False
        )

    op.create_table(
        "join_requests",
        sa.Column(
            "pk",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("group_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("link_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", sa.BigInteger(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_pk"], ["groups.pk"], name=op.f("fk_join_requests_group_pk_groups")
        ),
        sa.ForeignKeyConstraint(
            ["link_pk"], ["invite_links.pk"], name=op.f("fk_join_requests_link_pk_invite_links")
        ),
        sa.ForeignKeyConstraint(
            ["person_pk"], ["people.pk"], name=op.f("fk_join_requests_person_pk_people")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_join_requests")),
        sa.UniqueConstraint("id", name=op.f("uq_join_requests_id")),
    )
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.create_index("ix_join_requests_listing", ["group_pk", "state", "pk"], unique=False)

    op.create_table(
        "participants",
        sa.Column("group_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "person_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("link_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("joined_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_pk"], ["groups.pk"], name=op.f("fk_participants_group_pk_groups")
        ),
        sa.ForeignKeyConstraint(
            ["link_pk"], ["invite_links.pk"], name=op.f("fk_participants_link_pk_invite_links")
        ),
        sa.ForeignKeyConstraint(
            ["person_pk"], ["people.pk"], name=op.f("fk_participants_person_pk_people")
        ),
        sa.PrimaryKeyConstraint("group_pk", "person_pk", name=op.f("pk_participants")),
    )


def downgrade() -> None:
    op.drop_table("participants")
    with op.batch_alter_table("join_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_join_requests_listing")

    op.drop_table("join_requests")
    with op.batch_alter_table("webhook_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_attempts_delivery_pk"))

    op.drop_table("webhook_attempts")
    with op.batch_alter_table("invite_links", schema=None) as batch_op:
        batch_op.drop_index("ix_invite_links_group_state")

    op.drop_table("invite_links")
    op.drop_table("group_pictures")
    op.drop_table("bans")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_event")
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_index("ix_groups_listing")

    op.drop_table("groups")
    op.drop_table("webhook_subscriptions")
    with op.batch_alter_table("phone_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_numbers_business_id"))

    op.drop_table("phone_numbers")
    op.drop_table("people")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_fan_out")

    op.drop_table("outbox")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_business_id"))

    op.drop_table("api_tokens")
    op.drop_table("server_state")
    op.drop_table("businesses")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_group")

    op.drop_table("audit_log")
