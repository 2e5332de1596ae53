"""Reports: what the bot did with each customer message, and the 训练 loop's decisions

Revision ID: 0016_reports_bot_replies
Revises: 0015_satisfaction
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_reports_bot_replies"
down_revision: str | None = "0015_satisfaction"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bot_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_bot_replies_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_replies_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["kb_entries.id"], name=op.f("fk_bot_replies_entry_id_kb_entries"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_replies")),
    )
    op.create_index("ix_bot_replies_shop_at", "bot_replies", ["shop_id", "created_at"], unique=False)
    op.create_index("ix_bot_replies_conversation", "bot_replies", ["conversation_id", "id"], unique=False)
    op.create_table(
        "training_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("cluster_key", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_training_decisions_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["kb_entries.id"],
            name=op.f("fk_training_decisions_entry_id_kb_entries"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_decisions")),
        sa.UniqueConstraint("shop_id", "cluster_key", name=op.f("uq_training_decisions_shop_id")),
    )
    # the reports' time ranges: messages by time (first response, 3 分钟未回复) and orders by buyer and time
    op.create_index("ix_messages_created", "messages", ["created_at"], unique=False)
    op.create_index("ix_orders_customer_created", "orders", ["customer_id", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_customer_created", table_name="orders")
    op.drop_index("ix_messages_created", table_name="messages")
    op.drop_table("training_decisions")
    op.drop_index("ix_bot_replies_conversation", table_name="bot_replies")
    op.drop_index("ix_bot_replies_shop_at", table_name="bot_replies")
    op.drop_table("bot_replies")
