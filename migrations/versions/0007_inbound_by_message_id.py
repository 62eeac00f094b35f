"""inbound messages by Message-ID

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 22:50:00

The copies of one email are found by its Message-ID: each copy stored (one per address of ours it
reached, or per delivery) is acted on once (workers/inbound.py).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inbound_messages_message_id", "inbound_messages", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_message_id", table_name="inbound_messages")
