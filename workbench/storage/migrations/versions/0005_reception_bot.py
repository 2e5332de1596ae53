"""Reception bot: welcome config, transfer rules, reception modes, routing, auto messages

Revision ID: 0005_reception_bot
Revises: 0004_assistant
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_reception_bot"
down_revision: str | None = "0004_assistant"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bot_settings",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_bot_settings_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_bot_settings")),
    )
    op.create_table(
        "reception_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("keywords", sa.String(length=400), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_reception_groups_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_groups")),
        sa.UniqueConstraint("shop_id", "name", name=op.f("uq_reception_groups_shop_id")),
    )
    op.create_table(
        "agent_profiles",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("can_route", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("auto_suspended", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_profiles_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_agent_profiles")),
    )
    op.create_table(
        "reception_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_reception_group_members_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["reception_groups.id"],
            name=op.f("fk_reception_group_members_group_id_reception_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "agent_id", name=op.f("pk_reception_group_members")),
    )
    op.create_index(op.f("ix_reception_group_members_agent_id"), "reception_group_members", ["agent_id"], unique=False)
    op.create_table(
        "auto_message_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("order_no", sa.String(length=30), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_auto_message_log_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_auto_message_log_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_auto_message_log_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auto_message_log")),
    )
    op.create_index(op.f("ix_auto_message_log_customer_id"), "auto_message_log", ["customer_id"], unique=False)
    op.create_index("ix_auto_message_log_order", "auto_message_log", ["kind", "order_no"], unique=False)
    op.create_index("ix_auto_message_log_shop", "auto_message_log", ["shop_id", "id"], unique=False)
    op.create_table(
        "bot_conversations",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=10), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("last_key", sa.String(length=120), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("handoff_reason", sa.String(length=20), nullable=False),
        sa.Column("handoff_detail", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("handed_off_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_bot_conversations_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_bot_conversations")),
    )
    op.create_index("ix_bot_conversations_owner", "bot_conversations", ["owner"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_bot_conversations_owner", table_name="bot_conversations")
    op.drop_table("bot_conversations")
    op.drop_index("ix_auto_message_log_shop", table_name="auto_message_log")
    op.drop_index("ix_auto_message_log_order", table_name="auto_message_log")
    op.drop_index(op.f("ix_auto_message_log_customer_id"), table_name="auto_message_log")
    op.drop_table("auto_message_log")
    op.drop_index(op.f("ix_reception_group_members_agent_id"), table_name="reception_group_members")
    op.drop_table("reception_group_members")
    op.drop_table("agent_profiles")
    op.drop_table("reception_groups")
    op.drop_table("bot_settings")
