"""outbound messages by conversation, person and time

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 03:00:00

A conversation's latest email is looked up for every email that threads after it, a person's
mail for bounces and complaints, and the last day's mail for the daily cap: each was a scan of
the whole outbound table, which grows with every email sent. On PostgreSQL the indexes are
built while writes to the table wait (seconds for a million emails): on a large installation,
deploy at a quiet hour.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbound_messages_reply_key_id_id", "outbound_messages", ["reply_key_id", "id"])
    op.create_index("ix_outbound_messages_person_id_id", "outbound_messages", ["person_id", "id"])
    op.create_index("ix_outbound_messages_created_at", "outbound_messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbound_messages_created_at", table_name="outbound_messages")
    op.drop_index("ix_outbound_messages_person_id_id", table_name="outbound_messages")
    op.drop_index("ix_outbound_messages_reply_key_id_id", table_name="outbound_messages")
