"""customer management (tags library, groups, segments, follow-ups)

Revision ID: 0002_crm
Revises: 0001
"""

from collections.abc import Sequence

revision: str = "0002_crm"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
