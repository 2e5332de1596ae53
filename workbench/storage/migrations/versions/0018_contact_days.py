"""客服绩效: a row per chat, day and side (the buyer's counted messages, each agent's replies),
backfilled from the stored messages; the answered runs' time index covers the columns the report
reads; the chats of a shop by start time (店小蜜数据)

Revision ID: 0018_contact_days
Revises: 0017_response_runs
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_contact_days"
down_revision: str | None = "0017_response_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RUNS_INDEX = ["shop_id", "replied_at", "conversation_id", "agent_id", "response_s", "started_at"]


def upgrade() -> None:
    op.create_table(
        "contact_days",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("agent_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("as_is", sa.Integer(), nullable=False),
        sa.Column("edited", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_contact_days_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_contact_days_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "shop_id", "day", "conversation_id", "sender", "agent_key", name=op.f("pk_contact_days")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_contact_days_conversation", "contact_days", ["conversation_id", "day"], unique=False)
    op.drop_index("ix_response_runs_shop_replied", table_name="response_runs")
    op.create_index("ix_response_runs_shop_replied", "response_runs", _RUNS_INDEX, unique=False)
    op.create_index("ix_conversations_shop_started", "conversations", ["shop_id", "started_at"], unique=False)
    # The chat days so far, from the messages (kept here, frozen: the same definition as
    # `workbench.storage.repositories.contact_days.backfill_sql` at this revision).
    pg = op.get_bind().dialect.name == "postgresql"
    day = "CAST(m.created_at AS DATE)" if pg else "date(m.created_at)"
    op.execute(
        f"""
        INSERT INTO contact_days (shop_id, conversation_id, customer_id, day, sender, agent_key, messages,
                                  first_at, last_at, last_id, as_is, edited)
        WITH hm AS (
            SELECT m.id, m.conversation_id, m.sender, m.created_at, {day} AS day,
                   CASE WHEN m.sender = 'agent' THEN COALESCE(m.agent_id, 0) ELSE 0 END AS agent_key,
                   c.shop_id, c.customer_id,
                   CASE WHEN u.id IS NOT NULL AND NOT u.edited THEN 1 ELSE 0 END AS as_is,
                   CASE WHEN u.id IS NOT NULL AND u.edited THEN 1 ELSE 0 END AS edited
            FROM messages m
            JOIN conversations c ON c.id = m.conversation_id
            LEFT JOIN bot_conversations b ON b.conversation_id = c.id
            LEFT JOIN suggestion_uses u ON u.message_id = m.id AND m.sender = 'agent'
            WHERE m.sender IN ('customer', 'agent')
              AND (m.sender = 'agent' OR b.conversation_id IS NULL
                   OR (b.handed_off_at IS NOT NULL AND m.created_at >= b.handed_off_at))
        ),
        ranked AS (
            SELECT hm.*, ROW_NUMBER() OVER (PARTITION BY conversation_id, day, sender, agent_key
                                            ORDER BY created_at DESC, id DESC) AS newest
            FROM hm
        )
        SELECT MAX(shop_id), conversation_id, MAX(customer_id), day, sender, agent_key, COUNT(DISTINCT id),
               MIN(created_at), MAX(created_at), MAX(CASE WHEN newest = 1 THEN id END), SUM(as_is), SUM(edited)
        FROM ranked
        GROUP BY conversation_id, day, sender, agent_key
        """
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_shop_started", table_name="conversations")
    op.drop_index("ix_response_runs_shop_replied", table_name="response_runs")
    op.create_index("ix_response_runs_shop_replied", "response_runs", ["shop_id", "replied_at"], unique=False)
    op.drop_index("ix_contact_days_conversation", table_name="contact_days")
    op.drop_table("contact_days")
