"""Knowledge base administration: industry packs, answer validity, daily hits

Revision ID: 0004_assistant
Revises: 0003_aftersales
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_assistant"
down_revision: str | None = "0003_aftersales"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_hit_days",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["kb_entries.id"], name=op.f("fk_kb_hit_days_entry_id_kb_entries"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("entry_id", "day", name=op.f("pk_kb_hit_days")),
    )
    op.create_index(op.f("ix_kb_hit_days_day"), "kb_hit_days", ["day"], unique=False)
    op.create_table(
        "kb_answer_windows",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"], ["kb_answers.id"], name=op.f("fk_kb_answer_windows_answer_id_kb_answers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("answer_id", name=op.f("pk_kb_answer_windows")),
    )
    op.create_table(
        "kb_pack_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(), nullable=False),
        sa.Column("upgraded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_kb_pack_subscriptions_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_pack_subscriptions")),
        sa.UniqueConstraint("shop_id", "pack_id", name=op.f("uq_kb_pack_subscriptions_shop_id")),
    )
    op.create_table(
        "kb_pack_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(length=60), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("pack_version", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["kb_entries.id"], name=op.f("fk_kb_pack_entries_entry_id_kb_entries"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["kb_pack_subscriptions.id"],
            name=op.f("fk_kb_pack_entries_subscription_id_kb_pack_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_pack_entries")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_kb_pack_entries_entry_id")),
        sa.UniqueConstraint("subscription_id", "entry_key", name=op.f("uq_kb_pack_entries_subscription_id")),
    )


def downgrade() -> None:
    op.drop_table("kb_pack_entries")
    op.drop_table("kb_pack_subscriptions")
    op.drop_table("kb_answer_windows")
    op.drop_index(op.f("ix_kb_hit_days_day"), table_name="kb_hit_days")
    op.drop_table("kb_hit_days")
