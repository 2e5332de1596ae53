"""Satisfaction: the buyer's answer to the 邀请评价 card (rating, rated_at) on its invitation

Revision ID: 0015_satisfaction
Revises: 0014_phone_views
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_satisfaction"
down_revision: str | None = "0014_phone_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rating_invitations") as batch:
        batch.add_column(sa.Column("rating", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("rated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rating_invitations") as batch:
        batch.drop_column("rated_at")
        batch.drop_column("rating")
