"""客服绩效: each answered run knows its answer's day and its chat's previous run's answer, so a report
reads its days' runs in day order from one index and finds each chat's first run of the range there;
a chat's later days are read from their index alone

Revision ID: 0019_runs_by_day
Revises: 0018_contact_days
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_runs_by_day"
down_revision: str | None = "0018_contact_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_INDEX = ["shop_id", "replied_at", "conversation_id", "agent_id", "response_s", "started_at"]
_INDEX = ["shop_id", "replied_day", "agent_id", "response_s", "started_at", "prev_replied_at", "conversation_id"]


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.drop_index("ix_response_runs_shop_replied", table_name="response_runs")
    op.add_column("response_runs", sa.Column("replied_day", sa.Date(), nullable=True))
    op.add_column("response_runs", sa.Column("prev_replied_at", sa.DateTime(), nullable=True))
    op.execute(f"UPDATE response_runs SET replied_day = {'CAST(replied_at AS DATE)' if pg else 'date(replied_at)'}")
    # kept here, frozen: the same definition as `workbench.storage.repositories.response_runs.link_sql`
    op.execute(
        """
        UPDATE response_runs SET prev_replied_at = p.prev
        FROM (SELECT id, LAG(replied_at) OVER (PARTITION BY conversation_id ORDER BY replied_at, reply_message_id)
                     AS prev
              FROM response_runs) p
        WHERE p.id = response_runs.id AND p.prev IS NOT NULL
        """
    )
    with op.batch_alter_table("response_runs") as batch:
        batch.alter_column("replied_day", existing_type=sa.Date(), nullable=False)
    op.create_index("ix_response_runs_shop_day", "response_runs", _INDEX, unique=False)
    op.drop_index("ix_contact_days_conversation", table_name="contact_days")
    op.create_index(
        "ix_contact_days_conversation", "contact_days", ["conversation_id", "day", "sender", "last_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_contact_days_conversation", table_name="contact_days")
    op.create_index("ix_contact_days_conversation", "contact_days", ["conversation_id", "day"], unique=False)
    op.drop_index("ix_response_runs_shop_day", table_name="response_runs")
    with op.batch_alter_table("response_runs") as batch:
        batch.drop_column("prev_replied_at")
        batch.drop_column("replied_day")
    op.create_index("ix_response_runs_shop_replied", "response_runs", _OLD_INDEX, unique=False)
