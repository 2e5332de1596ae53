"""客服绩效: a row per answered run of buyer messages, backfilled from the stored messages; the
messages' time index covers the columns the reports read

Revision ID: 0017_response_runs
Revises: 0016_reports_bot_replies
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_response_runs"
down_revision: str | None = "0016_reports_bot_replies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "response_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=False),
        sa.Column("reply_message_id", sa.Integer(), nullable=False),
        sa.Column("response_s", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_response_runs_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_response_runs_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_response_runs_agent_id_agents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reply_message_id"],
            ["messages.id"],
            name=op.f("fk_response_runs_reply_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_runs")),
        sa.UniqueConstraint("reply_message_id", name=op.f("uq_response_runs_reply_message_id")),
    )
    op.create_index("ix_response_runs_shop_replied", "response_runs", ["shop_id", "replied_at"], unique=False)
    op.create_index("ix_response_runs_conversation", "response_runs", ["conversation_id", "replied_at"], unique=False)
    # the reports' scans of a time range's messages read the index alone
    op.drop_index("ix_messages_created", table_name="messages")
    op.create_index(
        "ix_messages_created", "messages", ["created_at", "sender", "conversation_id", "agent_id"], unique=False
    )
    # The runs already answered, from the messages (kept here, frozen: the same definition as
    # `workbench.storage.repositories.response_runs.backfill_sql` at this revision).
    pg = op.get_bind().dialect.name == "postgresql"
    secs = (
        "EXTRACT(EPOCH FROM (a.created_at - g.started_at))"
        if pg
        else "ROUND((julianday(a.created_at) - julianday(g.started_at)) * 86400.0, 3)"
    )
    op.execute(
        f"""
        INSERT INTO response_runs (shop_id, conversation_id, customer_id, agent_id, started_at, replied_at,
                                   reply_message_id, response_s)
        WITH hm AS (
            SELECT m.id, m.conversation_id, m.sender, m.created_at, c.shop_id, c.customer_id
            FROM messages m
            JOIN conversations c ON c.id = m.conversation_id
            LEFT JOIN bot_conversations b ON b.conversation_id = c.id
            WHERE m.sender IN ('customer', 'agent')
              AND (m.sender = 'agent' OR b.conversation_id IS NULL
                   OR (b.handed_off_at IS NOT NULL AND m.created_at >= b.handed_off_at))
        ),
        counted AS (
            SELECT hm.*,
                   COALESCE(SUM(CASE WHEN sender = 'agent' THEN 1 ELSE 0 END) OVER (
                       PARTITION BY conversation_id ORDER BY created_at, id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS k
            FROM hm
        ),
        grouped AS (
            SELECT conversation_id, MAX(shop_id) AS shop_id, MAX(customer_id) AS customer_id,
                   MIN(CASE WHEN sender = 'customer' THEN created_at END) AS started_at,
                   MIN(CASE WHEN sender = 'agent' THEN id END) AS reply_id
            FROM counted GROUP BY conversation_id, k
        )
        SELECT g.shop_id, g.conversation_id, g.customer_id, a.agent_id, g.started_at, a.created_at, a.id, {secs}
        FROM grouped g JOIN messages a ON a.id = g.reply_id
        WHERE g.started_at IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_index("ix_messages_created", table_name="messages")
    op.create_index("ix_messages_created", "messages", ["created_at"], unique=False)
    op.drop_index("ix_response_runs_conversation", table_name="response_runs")
    op.drop_index("ix_response_runs_shop_replied", table_name="response_runs")
    op.drop_table("response_runs")
