"""Order changes: the log of address, memo and flag edits

Revision ID: 0006_order_changes
Revises: 0005_reception_bot
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_order_changes"
down_revision: str | None = "0005_reception_bot"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("old", sa.Text(), nullable=False),
        sa.Column("new", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_changes_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_changes")),
    )
    op.create_index("ix_order_changes_order_id_at", "order_changes", ["order_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_order_changes_order_id_at", table_name="order_changes")
    op.drop_table("order_changes")
