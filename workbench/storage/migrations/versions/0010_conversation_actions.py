"""Conversation actions: transfers (转交), per-agent 置顶 / 星标, 邀请评价 invitations

Revision ID: 0010_conversation_actions
Revises: 0009_presence
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_conversation_actions"
down_revision: str | None = "0009_presence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("by_agent_id", sa.Integer(), nullable=True),
        sa.Column("from_agent_id", sa.Integer(), nullable=True),
        sa.Column("to_agent_id", sa.Integer(), nullable=True),
        sa.Column("to_group_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_transfers_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_agent_id"],
            ["agents.id"],
            name=op.f("fk_conversation_transfers_by_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["from_agent_id"],
            ["agents.id"],
            name=op.f("fk_conversation_transfers_from_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_agent_id"],
            ["agents.id"],
            name=op.f("fk_conversation_transfers_to_agent_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_group_id"],
            ["reception_groups.id"],
            name=op.f("fk_conversation_transfers_to_group_id_reception_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_transfers")),
    )
    op.create_index(
        "ix_conversation_transfers_conversation", "conversation_transfers", ["conversation_id", "id"], unique=False
    )
    op.create_table(
        "conversation_marks",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("pinned_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_marks_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_conversation_marks_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("conversation_id", "agent_id", name=op.f("pk_conversation_marks")),
    )
    op.create_table(
        "rating_invitations",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_rating_invitations_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_rating_invitations_agent_id_agents"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_rating_invitations")),
    )


def downgrade() -> None:
    op.drop_table("rating_invitations")
    op.drop_table("conversation_marks")
    op.drop_index("ix_conversation_transfers_conversation", table_name="conversation_transfers")
    op.drop_table("conversation_transfers")
