"""Conversation drafts (草稿): the unsent reply of each agent in each conversation

Revision ID: 0013_drafts
Revises: 0012_customer_search
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_drafts"
down_revision: str | None = "0012_customer_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_drafts",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_drafts_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_conversation_drafts_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("conversation_id", "agent_id", name=op.f("pk_conversation_drafts")),
    )


def downgrade() -> None:
    op.drop_table("conversation_drafts")
