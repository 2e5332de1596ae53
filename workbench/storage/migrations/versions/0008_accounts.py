"""Accounts: password hashes, "记住我" token hashes, and an owner (主账号) for every shop

Revision ID: 0008_accounts
Revises: 0006_order_changes

A shop created before this revision has sub-accounts only; it gets an owner account ``owner``
(店主, without a password: a single-seat desk logs in as its owner without one, and on a shared
database ``workbench admin set-password`` gives it one).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_accounts"
down_revision: str | None = "0007_import_staging"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_credentials_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_credentials")),
    )
    op.create_table(
        "login_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_login_tokens_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_tokens_token_hash")),
    )
    op.create_index(op.f("ix_login_tokens_agent_id"), "login_tokens", ["agent_id"], unique=False)
    _give_every_shop_an_owner()


def _give_every_shop_an_owner() -> None:
    conn = op.get_bind()
    shops = conn.execute(
        sa.text("SELECT id FROM shops WHERE id NOT IN (SELECT shop_id FROM agents WHERE role = 'owner')")
    ).scalars()
    for shop_id in list(shops):
        taken = set(conn.execute(sa.text("SELECT username FROM agents WHERE shop_id = :s"), {"s": shop_id}).scalars())
        username = next(name for n in range(1, 1000) if (name := "owner" if n == 1 else f"owner{n}") not in taken)
        conn.execute(
            sa.text(
                "INSERT INTO agents (shop_id, username, display_name, role, status) "
                "VALUES (:s, :u, '店主', 'owner', 'online')"
            ),
            {"s": shop_id, "u": username},
        )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_tokens_agent_id"), table_name="login_tokens")
    op.drop_table("login_tokens")
    op.drop_table("credentials")
    # The owners stay: to an older program they are one more sub-account.
