"""after-sales cases, complaints, disputes, reviews and evidence

Revision ID: 0003_aftersales
Revises: 0002_crm
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_aftersales"
down_revision: str | None = "0002_crm"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "aftersales_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("subtype", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("order_no", sa.String(length=30), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("risk_score", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("details_json", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_aftersales_cases_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_aftersales_cases_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_aftersales_cases_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_aftersales_cases_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_cases")),
        sa.UniqueConstraint("case_no", name=op.f("uq_aftersales_cases_case_no")),
    )
    with op.batch_alter_table("aftersales_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aftersales_cases_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_aftersales_cases_due", ["shop_id", "due_at"], unique=False)
        batch_op.create_index("ix_aftersales_cases_kind_state", ["shop_id", "kind", "state"], unique=False)
        batch_op.create_index("ix_aftersales_cases_order_no", ["order_no"], unique=False)
        batch_op.create_index("ix_aftersales_cases_updated", ["shop_id", "updated_at"], unique=False)

    op.create_table(
        "aftersales_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("payload_json", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_aftersales_drafts_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_drafts")),
        sa.UniqueConstraint("shop_id", "key", name=op.f("uq_aftersales_drafts_shop_id")),
    )

    op.create_table(
        "aftersales_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=False),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["aftersales_cases.id"],
            name=op.f("fk_aftersales_events_case_id_aftersales_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_events")),
    )
    with op.batch_alter_table("aftersales_events", schema=None) as batch_op:
        batch_op.create_index("ix_aftersales_events_case", ["case_id", "id"], unique=False)

    op.create_table(
        "aftersales_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["aftersales_cases.id"],
            name=op.f("fk_aftersales_evidence_case_id_aftersales_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftersales_evidence")),
    )
    with op.batch_alter_table("aftersales_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_aftersales_evidence_case", ["case_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aftersales_evidence_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("aftersales_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftersales_evidence_sha256"))
        batch_op.drop_index("ix_aftersales_evidence_case")
    op.drop_table("aftersales_evidence")
    with op.batch_alter_table("aftersales_events", schema=None) as batch_op:
        batch_op.drop_index("ix_aftersales_events_case")
    op.drop_table("aftersales_events")
    op.drop_table("aftersales_drafts")
    with op.batch_alter_table("aftersales_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_aftersales_cases_updated")
        batch_op.drop_index("ix_aftersales_cases_order_no")
        batch_op.drop_index("ix_aftersales_cases_kind_state")
        batch_op.drop_index("ix_aftersales_cases_due")
        batch_op.drop_index(batch_op.f("ix_aftersales_cases_customer_id"))
    op.drop_table("aftersales_cases")
