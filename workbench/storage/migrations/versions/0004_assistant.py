"""Knowledge base administration: industry packs, answer validity, daily hits

Revision ID: 0004_assistant
Revises: 0003_aftersales
"""

from collections.abc import Sequence

revision: str = "0004_assistant"
down_revision: str | None = "0003_aftersales"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
