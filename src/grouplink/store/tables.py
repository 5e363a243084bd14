"""The schema, one for SQLite and PostgreSQL. All times are unix milliseconds.

Tables with a public string ``id`` also have an integer ``pk``: joins and
pagination use the integer, the wire shows the string.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

Time = sa.BigInteger
PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # INTEGER PRIMARY KEY is SQLite's rowid

server_state = sa.Table(
    "server_state",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

businesses = sa.Table(
    "businesses",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("app_secret", sa.String(64), nullable=False),
    sa.Column("created_at", Time, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("business_id", sa.ForeignKey("businesses.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(200), nullable=False, server_default=""),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("revoked_at", Time),
)

phone_numbers = sa.Table(
    "phone_numbers",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("business_id", sa.ForeignKey("businesses.id"), nullable=False, index=True),
    sa.Column("display_phone_number", sa.String(32), nullable=False),
    sa.Column("created_at", Time, nullable=False),
)

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(32), nullable=False, unique=True),
    sa.Column("business_id", sa.ForeignKey("businesses.id"), nullable=False),
    sa.Column("phone_number_id", sa.ForeignKey("phone_numbers.id"), nullable=False),
    sa.Column("subject", sa.String(128), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("join_approval_mode", sa.String(32), nullable=False),
    sa.Column("link_managers", sa.String(16), nullable=False, server_default="admins"),
    sa.Column("suspended", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("participant_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("picture_sha256", sa.String(64)),
    sa.Column("picture_mime", sa.String(32)),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.Column("deleted_at", Time),
    # No link of the group admits anyone until then (migration 0005).
    sa.Column("links_paused_until", Time),
    sa.Column("link_rotation_days", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_rotation_at", Time, index=True),  # when the primary link rotates next
    sa.Column("join_questions", sa.Text),  # JSON list of 1-3 questions (migration 0006)
    sa.Index("ix_groups_listing", "phone_number_id", "deleted_at", "pk"),
)

group_pictures = sa.Table(
    "group_pictures",
    metadata,
    sa.Column("group_pk", sa.ForeignKey("groups.pk"), primary_key=True),
    sa.Column("mime_type", sa.String(32), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),  # re-encoded, at most 640 px
    sa.Column("thumbnail", sa.LargeBinary, nullable=False),  # 192 px (migration 0007)
)

# A link's state is derived when read (domain/links.py); ``state`` stores only
# whether it was revoked. The counters are kept in the changes' own transactions.
invite_links = sa.Table(
    "invite_links",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(32), nullable=False, unique=True),  # migration 0005
    sa.Column("group_pk", sa.ForeignKey("groups.pk"), nullable=False),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("is_primary", sa.Boolean, nullable=False),  # the group's working primary only
    sa.Column("name", sa.String(100), nullable=False, server_default=""),
    sa.Column("state", sa.String(16), nullable=False),  # active or revoked
    sa.Column("approval_mode", sa.String(32)),  # None: the group's rule applies
    sa.Column("expires_at", Time),
    sa.Column("use_limit", sa.Integer),  # the member limit
    sa.Column("paused_until", Time),
    sa.Column("restricted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("joined_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("request_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("approved_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("left_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("open_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("ended_at", Time),
    sa.Column("ended_by", sa.String(64)),
    sa.Column("end_reason", sa.String(16)),
    sa.Index("ix_invite_links_group_state", "group_pk", "state"),
)

# The only people who may use a restricted link (``invite_links.restricted``).
invite_link_people = sa.Table(
    "invite_link_people",
    metadata,
    sa.Column("link_pk", sa.ForeignKey("invite_links.pk"), primary_key=True),
    sa.Column("person_pk", sa.ForeignKey("people.pk"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),  # the order they were given in
)

# Who opened a link on a UTC day, as a keyed hash under a random key made for that day
# alone; the key and the day's rows are deleted once the day is over (services/opens.py).
link_open_marks = sa.Table(
    "link_open_marks",
    metadata,
    sa.Column("link_pk", sa.ForeignKey("invite_links.pk"), primary_key=True),
    sa.Column("day", sa.Integer, primary_key=True),  # UTC days since 1970-01-01
    sa.Column("visitor", sa.BigInteger, primary_key=True),
)

people = sa.Table(
    "people",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("business_id", sa.ForeignKey("businesses.id"), nullable=False),
    sa.Column("wa_id", sa.String(16), nullable=False),
    sa.Column("user_id", sa.String(48), nullable=False, unique=True),
    sa.Column("created_at", Time, nullable=False),
    sa.UniqueConstraint("business_id", "wa_id"),
    sa.Index("ix_people_wa_id", "wa_id"),  # a person's groups across businesses (console)
)

participants = sa.Table(
    "participants",
    metadata,
    sa.Column("group_pk", sa.ForeignKey("groups.pk"), primary_key=True),
    sa.Column("person_pk", sa.ForeignKey("people.pk"), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("link_pk", sa.ForeignKey("invite_links.pk")),
    sa.Column("joined_at", Time, nullable=False),
    sa.Index("ix_participants_person_pk", "person_pk"),
)

join_requests = sa.Table(
    "join_requests",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(32), nullable=False, unique=True),
    sa.Column("group_pk", sa.ForeignKey("groups.pk"), nullable=False),
    sa.Column("person_pk", sa.ForeignKey("people.pk"), nullable=False),
    sa.Column("link_pk", sa.ForeignKey("invite_links.pk"), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("decided_at", Time),
    sa.Column("decided_by", sa.String(64)),
    sa.Column("answers", sa.Text),  # JSON [{"question","answer"}] (migration 0006)
    sa.Index("ix_join_requests_listing", "group_pk", "state", "pk"),
)

bans = sa.Table(
    "bans",
    metadata,
    sa.Column("group_pk", sa.ForeignKey("groups.pk"), primary_key=True),
    sa.Column("person_pk", sa.ForeignKey("people.pk"), primary_key=True),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column(
        "id", sa.String(32), nullable=False, unique=True
    ),  # the event's id, kept across retries
    sa.Column("business_id", sa.ForeignKey("businesses.id"), nullable=False),
    sa.Column("phone_number_id", sa.String(32), nullable=False),
    sa.Column("field", sa.String(64), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # one item of value.groups, as JSON
    sa.Column("created_at", Time, nullable=False),
    # Set once the dispatcher has made one delivery per matching subscription.
    sa.Column("fanned_out_at", Time),
    sa.Index("ix_outbox_fan_out", "fanned_out_at", "pk"),
)

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("business_id", sa.ForeignKey("businesses.id"), nullable=False),
    sa.Column("object", sa.String(64), nullable=False),
    sa.Column("callback_url", sa.String(2048), nullable=False),
    sa.Column("verify_token", sa.String(256), nullable=False),
    sa.Column("fields", sa.Text, nullable=False),  # comma-separated webhook fields
    sa.Column("created_at", Time, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
    sa.UniqueConstraint("business_id", "callback_url"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("event_pk", sa.ForeignKey("outbox.pk"), nullable=False),
    sa.Column(
        "subscription_pk",
        sa.ForeignKey("webhook_subscriptions.pk", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("state", sa.String(16), nullable=False),  # pending, delivered, dead
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", Time, nullable=False),
    sa.Column("lease_until", Time),  # a worker holds it until then
    sa.Column("leased_by", sa.String(64)),
    sa.Column("window_start", Time, nullable=False),  # retries stop this long after it
    sa.Column("finished_at", Time),
    sa.Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
    sa.Index("ix_webhook_deliveries_event", "event_pk"),
)

webhook_attempts = sa.Table(
    "webhook_attempts",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column(
        "delivery_pk",
        sa.ForeignKey("webhook_deliveries.pk", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("attempted_at", Time, nullable=False),
    sa.Column("status_code", sa.Integer),  # None: no HTTP answer (refused, timeout)
    sa.Column("latency_ms", sa.Integer, nullable=False),
    sa.Column("error", sa.String(500)),
    sa.Column("response_head", sa.String(500)),  # the first bytes of the answer
    sa.Column("worker", sa.String(64)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("business_id", sa.String(32), nullable=False),
    sa.Column("group_pk", sa.BigInteger),
    sa.Column("link_pk", sa.BigInteger),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("door", sa.String(16), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("token_id", sa.String(32)),  # the API token a business acted with (0006)
    sa.Index("ix_audit_log_group", "group_pk", "pk"),
    sa.Index("ix_audit_log_group_action", "group_pk", "action", "pk"),
)

# Each link's figures per UTC day, kept in the changes' own transactions (0006).
link_days = sa.Table(
    "link_days",
    metadata,
    sa.Column("link_pk", sa.ForeignKey("invite_links.pk"), primary_key=True),
    sa.Column("day", sa.Integer, primary_key=True),  # UTC days since 1970-01-01
    sa.Column("opens", sa.Integer, nullable=False, server_default="0"),
    sa.Column("join_requests", sa.Integer, nullable=False, server_default="0"),
    sa.Column("joined", sa.Integer, nullable=False, server_default="0"),
    sa.Column("approved", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("left", sa.Integer, nullable=False, server_default="0"),
)

# People sign in on the web with their phone number and a one-time code (migration 0002).
signin_codes = sa.Table(
    "signin_codes",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(32), nullable=False, unique=True),  # names the attempt in forms
    sa.Column("wa_id", sa.String(16), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),  # HMAC of the code, never the code
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.Column("used_at", Time),
    sa.Index("ix_signin_codes_number", "wa_id", "created_at"),
)

# A number's wrong sign-in codes, across all its codes, and its lockout (migration 0008).
signin_guesses = sa.Table(
    "signin_guesses",
    metadata,
    sa.Column("wa_id", sa.String(16), primary_key=True),
    sa.Column("wrong", sa.Integer, nullable=False),  # since the row was made
    sa.Column("locked_until", Time, nullable=False),  # 0: not locked
    sa.Column("forget_at", Time, nullable=False),  # the row is deleted after this
    sa.Index("ix_signin_guesses_forget_at", "forget_at"),
)

# Rate limits shared by every worker: each counted key's hits in its current window,
# which its first hit opened (0008).
rate_counters = sa.Table(
    "rate_counters",
    metadata,
    sa.Column("counter", sa.String(64), primary_key=True),  # scope and rule: "page/120/60s"
    sa.Column("key_hash", sa.String(32), primary_key=True),  # keyed hash of address or number
    sa.Column("window_start", Time, nullable=False),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("expires_at", Time, nullable=False),  # the window's end
    sa.Index("ix_rate_counters_expires_at", "expires_at"),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    # Exactly one of the two: a person signed in by phone, or a business by API token.
    sa.Column("wa_id", sa.String(16)),
    sa.Column("business_id", sa.ForeignKey("businesses.id")),
    # A business's session lives only as long as the API token it was opened with
    # (migration 0004).
    sa.Column("api_token_id", sa.String(32)),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
    sa.Column("ended_at", Time),
    sa.Index("ix_web_sessions_person", "wa_id", "expires_at"),
)

# Idempotency-Key: the first answer to a business's Graph write sent with a key, kept
# 24 hours for its retries (migration 0009; graph/idempotency.py).
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("business_id", sa.ForeignKey("businesses.id"), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # the request it is bound to
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("headers", sa.Text, nullable=False),  # JSON [[name, value], ...]
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created_at", Time, nullable=False, index=True),
    sa.UniqueConstraint("business_id", "key"),
)

# Messages a business sent (POST /{phone_number_id}/messages, migration 0010): the
# sandbox inbox of each person, or the record of what was relayed to a real Cloud API.
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("pk", PK, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(100), nullable=False, unique=True),  # wamid.…
    sa.Column("business_id", sa.ForeignKey("businesses.id"), nullable=False),
    sa.Column("phone_number_id", sa.ForeignKey("phone_numbers.id"), nullable=False),
    sa.Column("person_pk", sa.ForeignKey("people.pk"), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),  # text or template
    sa.Column("content", sa.Text, nullable=False),  # that type's object, as JSON
    sa.Column("via", sa.String(16), nullable=False),  # inbox (sandbox) or relay
    sa.Column("created_at", Time, nullable=False),
    sa.Index("ix_messages_person", "person_pk", "pk"),
)
