"""customer management (tags library, groups, segments, follow-ups)

Revision ID: 0002_crm
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_crm"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CRM_TABLES = (
    "followups",
    "followup_rules",
    "customer_stats",
    "customer_group_members",
    "customer_extras",
    "customer_groups",
    "crm_state",
    "care_templates",
)
CORE_INDEXES = (
    ("ix_customers_source", "customers"),
    ("ix_customers_search", "customers"),
    ("ix_customers_level", "customers"),
    ("ix_customer_tags_tag_customer", "customer_tags"),
)


def upgrade() -> None:
    op.create_table(
        "care_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_care_templates_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_templates")),
        sa.UniqueConstraint("shop_id", "name", name=op.f("uq_care_templates_shop_id")),
    )
    op.create_table(
        "crm_state",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("settings_json", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_crm_state_shop_id_shops"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_crm_state")),
    )
    op.create_table(
        "customer_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("filter_json", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_customer_groups_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_groups")),
        sa.UniqueConstraint("shop_id", "name", name=op.f("uq_customer_groups_shop_id")),
    )
    op.create_table(
        "customer_extras",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("style", sa.String(length=50), nullable=False),
        sa.Column("size", sa.String(length=50), nullable=False),
        sa.Column("height_cm", sa.Integer(), nullable=True),
        sa.Column("weight_jin", sa.Integer(), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_extras_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_extras")),
    )
    op.create_table(
        "customer_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_group_members_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["customer_groups.id"],
            name=op.f("fk_customer_group_members_group_id_customer_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "customer_id", name=op.f("pk_customer_group_members")),
    )
    op.create_index("ix_customer_group_members_customer", "customer_group_members", ["customer_id"])
    op.create_table(
        "customer_stats",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("first_order_at", sa.DateTime(), nullable=True),
        sa.Column("last_order_at", sa.DateTime(), nullable=False),
        sa.Column("r_score", sa.SmallInteger(), nullable=False),
        sa.Column("f_score", sa.SmallInteger(), nullable=False),
        sa.Column("m_score", sa.SmallInteger(), nullable=False),
        sa.Column("segment", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_stats_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_customer_stats_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_stats")),
    )
    op.create_index("ix_customer_stats_last", "customer_stats", ["shop_id", "last_order_at", "customer_id"])
    op.create_index("ix_customer_stats_orders", "customer_stats", ["shop_id", "order_count", "customer_id"])
    op.create_index("ix_customer_stats_segment", "customer_stats", ["shop_id", "segment", "customer_id"])
    op.create_index("ix_customer_stats_spent", "customer_stats", ["shop_id", "total_cents", "customer_id"])
    op.create_table(
        "followup_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("trigger", sa.String(length=12), nullable=False),
        sa.Column("min_days", sa.Integer(), nullable=False),
        sa.Column("max_days", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_followup_rules_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["care_templates.id"],
            name=op.f("fk_followup_rules_template_id_care_templates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_rules")),
    )
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("agent", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_followups_customer_id_customers"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_followups_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["followup_rules.id"], name=op.f("fk_followups_rule_id_followup_rules"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_followups_shop_id_shops"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["care_templates.id"],
            name=op.f("fk_followups_template_id_care_templates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )
    op.create_index("ix_followups_customer", "followups", ["customer_id", "created_at"])
    op.create_index("ix_followups_rule_order", "followups", ["rule_id", "order_id"])
    op.create_index("ix_followups_status_due", "followups", ["shop_id", "status", "due_at"])
    op.create_index("ix_customer_tags_tag_customer", "customer_tags", ["tag_id", "customer_id"])
    op.create_index("ix_customers_level", "customers", ["shop_id", "member_level"])
    op.create_index("ix_customers_search", "customers", ["shop_id", "nick", "name", "phone"])
    op.create_index("ix_customers_source", "customers", ["shop_id", "traffic_source"])


def downgrade() -> None:
    for name, table in CORE_INDEXES:
        op.drop_index(name, table_name=table)
    for table in CRM_TABLES:  # dependants first; their indexes go with them
        op.drop_table(table)
