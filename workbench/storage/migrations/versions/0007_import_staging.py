"""Import staging: customer and order imports are checked and loaded here before one short switch

Revision ID: 0007_import_staging
Revises: 0006_order_changes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_import_staging"
down_revision: str | None = "0006_order_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _job_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["job_id"], ["import_jobs.id"], name=op.f(f"fk_{table}_job_id_import_jobs"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_import_jobs_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index(op.f("ix_import_jobs_shop_id"), "import_jobs", ["shop_id"], unique=False)
    op.create_table(
        "import_customer_rows",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("nick", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("gender", sa.String(length=4), nullable=True),
        sa.Column("city", sa.String(length=40), nullable=True),
        sa.Column("credit_level", sa.String(length=10), nullable=True),
        sa.Column("is_88vip", sa.Boolean(), nullable=True),
        sa.Column("traffic_source", sa.String(length=10), nullable=True),
        sa.Column("member_level", sa.String(length=10), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("registered_at", sa.DateTime(), nullable=True),
        sa.Column("preferences", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("matched_on", sa.String(length=8), nullable=True),
        _job_fk("import_customer_rows"),
        sa.PrimaryKeyConstraint("job_id", "line", name=op.f("pk_import_customer_rows")),
    )
    op.create_index("ix_import_customer_rows_customer", "import_customer_rows", ["job_id", "customer_id", "line"])
    op.create_index("ix_import_customer_rows_nick", "import_customer_rows", ["job_id", "nick"])
    op.create_index("ix_import_customer_rows_phone", "import_customer_rows", ["job_id", "phone"])
    op.create_table(
        "import_customer_tags",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        _job_fk("import_customer_tags"),
        sa.PrimaryKeyConstraint("job_id", "line", "name", name=op.f("pk_import_customer_tags")),
    )
    op.create_table(
        "import_order_rows",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("order_no", sa.String(length=30), nullable=False),
        sa.Column("nick", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("shipped_at", sa.DateTime(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("carrier", sa.String(length=20), nullable=False),
        sa.Column("tracking_no", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("existed", sa.Boolean(), nullable=True),
        _job_fk("import_order_rows"),
        sa.PrimaryKeyConstraint("job_id", "line", name=op.f("pk_import_order_rows")),
    )
    op.create_index("ix_import_order_rows_nick", "import_order_rows", ["job_id", "nick"])
    op.create_index("ix_import_order_rows_order_no", "import_order_rows", ["job_id", "order_no"])
    op.create_index("ix_import_order_rows_order", "import_order_rows", ["job_id", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_import_order_rows_order", table_name="import_order_rows")
    op.drop_index("ix_import_order_rows_order_no", table_name="import_order_rows")
    op.drop_index("ix_import_order_rows_nick", table_name="import_order_rows")
    op.drop_table("import_order_rows")
    op.drop_table("import_customer_tags")
    op.drop_index("ix_import_customer_rows_phone", table_name="import_customer_rows")
    op.drop_index("ix_import_customer_rows_nick", table_name="import_customer_rows")
    op.drop_index("ix_import_customer_rows_customer", table_name="import_customer_rows")
    op.drop_table("import_customer_rows")
    op.drop_index(op.f("ix_import_jobs_shop_id"), table_name="import_jobs")
    op.drop_table("import_jobs")
