"""indexes for the console: a person's groups by phone number

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_people_wa_id", "people", ["wa_id"])
    op.create_index("ix_participants_person_pk", "participants", ["person_pk"])


def downgrade() -> None:
    op.drop_index("ix_participants_person_pk", table_name="participants")
    op.drop_index("ix_people_wa_id", table_name="people")
