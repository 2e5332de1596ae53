"""Reception bot: welcome config, transfer rules, reception modes, routing, auto messages

Revision ID: 0005_reception_bot
Revises: 0004_assistant
"""

from collections.abc import Sequence

revision: str = "0005_reception_bot"
down_revision: str | None = "0004_assistant"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
