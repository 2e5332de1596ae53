"""The KB's revision: a token that database triggers replace on every change of what the KB matcher
reads (entries, their category, question, state, phrasings, answers and answer windows; not 热度),
so a desk can tell its stored copy of the KB is current without reading 100k entries

Revision ID: 0020_kb_revision
Revises: 0019_runs_by_day
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_kb_revision"
down_revision: str | None = "0019_runs_by_day"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, event): what the matcher reads; kb_entries' hits (热度) and updated_at are left out
WATCHED: list[tuple[str, str]] = [
    ("kb_entries", "INSERT"),
    ("kb_entries", "DELETE"),
    ("kb_entries", "UPDATE OF shop_id, category_id, question, enabled, needs_human, custom"),
    ("kb_categories", "UPDATE OF name"),
    *((table, event) for table in ("kb_phrasings", "kb_answers", "kb_answer_windows")
      for event in ("INSERT", "DELETE", "UPDATE")),
]  # fmt: skip
_SQLITE_TOKEN = "lower(hex(randomblob(16)))"
_PG_TOKEN = "md5(random()::text || clock_timestamp()::text)"


def trigger_name(table: str, event: str) -> str:
    return f"kb_revision_{table}_{event.split()[0].lower()}"


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "kb_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(f"INSERT INTO kb_revision (id, token) VALUES (1, {_PG_TOKEN if pg else _SQLITE_TOKEN})")
    if pg:
        op.execute(
            f"""CREATE FUNCTION kb_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN UPDATE kb_revision SET token = {_PG_TOKEN} WHERE id = 1; RETURN NULL; END $$"""
        )
    for table, event in WATCHED:
        name = trigger_name(table, event)
        if pg:  # once per statement: a bulk import bumps it once
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION kb_revision_bump()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"BEGIN UPDATE kb_revision SET token = {_SQLITE_TOKEN} WHERE id = 1; END"
            )


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table, event in WATCHED:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}" + (f" ON {table}" if pg else ""))
    if pg:
        op.execute("DROP FUNCTION IF EXISTS kb_revision_bump()")
    op.drop_table("kb_revision")
