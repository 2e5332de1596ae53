"""Presence: a heartbeat row per open desk

Revision ID: 0009_presence
Revises: 0006_order_changes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_presence"
down_revision: str | None = "0008_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "desk_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("last_seen", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_desk_sessions_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_sessions")),
    )
    op.create_index(op.f("ix_desk_sessions_agent_id"), "desk_sessions", ["agent_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_desk_sessions_agent_id"), table_name="desk_sessions")
    op.drop_table("desk_sessions")
