"""after-sales cases, complaints, disputes, reviews and evidence

Revision ID: 0003_aftersales
Revises: 0002_crm
"""

from collections.abc import Sequence

revision: str = "0003_aftersales"
down_revision: str | None = "0002_crm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
