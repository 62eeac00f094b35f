"""inbound messages by person

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 07:10:00

A person's messages are looked up by person: a copy of one email that reached several of our
addresses is acted on once (workers/inbound.py).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inbound_messages_person_id", "inbound_messages", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_person_id", table_name="inbound_messages")
