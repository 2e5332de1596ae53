"""Customer search through an index, customer statistics kept as orders are written

SQLite: ``customer_search_grams`` (trigrams and the 1-2 character tails of nick, name and phone),
kept by triggers on ``customers`` and filled here for the customers already there. PostgreSQL:
``pg_trgm`` and a GIN index over the three columns (without the extension: a log line, and search
scans as before); the grams table exists there too but stays empty.

Statistics are maintained from now on by the repositories that write orders and customers, so they
are recomputed here once, from the orders, for every customer; the scores follow at the next
opening of the customer page (``crm_state.computed_at`` is cleared).

Revision ID: 0012_customer_search
Revises: 0011_exercises
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_customer_search"
down_revision: str | None = "0011_exercises"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

LONGEST = 60  # customers.nick and customers.name are VARCHAR(60), phone VARCHAR(20)
# The one expression the PostgreSQL index covers; the customer list's search repeats it verbatim.
PG_SEARCH_TEXT = "(nick || ' ' || name || ' ' || phone)"
PURCHASE_STATES = ("待发货", "已发货", "已签收", "交易成功")  # workbench.domain.crm.PURCHASE_STATES


def _grams_of(row: str) -> str:
    """SELECT (gram) for the nick, name and phone of ``row`` (NEW or OLD in a trigger, or a table)."""
    positions = ", ".join(f"({n})" for n in range(1, LONGEST + 1))
    return (
        f"SELECT substr(f.v, p.column1, 3) FROM "
        f"(SELECT lower({row}.nick) AS v UNION ALL SELECT lower({row}.name) UNION ALL SELECT {row}.phone) AS f, "
        f"(VALUES {positions}) AS p WHERE p.column1 <= length(f.v)"
    )


def _add_grams(row: str) -> str:
    return (
        "INSERT OR IGNORE INTO customer_search_grams (gram, customer_id) "
        + _grams_of(row).replace("SELECT substr(f.v, p.column1, 3)", f"SELECT substr(f.v, p.column1, 3), {row}.id", 1)
        + ";"
    )


def _drop_grams(row: str) -> str:
    return f"DELETE FROM customer_search_grams WHERE customer_id = {row}.id AND gram IN ({_grams_of(row)});"


SQLITE_TRIGGERS = (
    f"CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN {_add_grams('NEW')} END",
    "CREATE TRIGGER customers_search_update AFTER UPDATE OF nick, name, phone ON customers "
    "WHEN OLD.nick IS NOT NEW.nick OR OLD.name IS NOT NEW.name OR OLD.phone IS NOT NEW.phone "
    f"BEGIN {_drop_grams('OLD')} {_add_grams('NEW')} END",
    f"CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN {_drop_grams('OLD')} END",
)


def upgrade() -> None:
    op.create_table(
        "customer_search_grams",
        sa.Column("gram", sa.String(length=3), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("gram", "customer_id", name=op.f("pk_customer_search_grams")),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        positions = ", ".join(f"({n})" for n in range(1, LONGEST + 1))
        op.execute(
            "INSERT OR IGNORE INTO customer_search_grams (gram, customer_id) "
            "SELECT substr(f.v, p.column1, 3), f.id FROM (SELECT id, lower(nick) AS v FROM customers "
            "UNION ALL SELECT id, lower(name) FROM customers UNION ALL SELECT id, phone FROM customers) AS f, "
            f"(VALUES {positions}) AS p WHERE p.column1 <= length(f.v)"
        )
    elif bind.dialect.name == "postgresql":
        _pg_trigram_index()
    _recount_statistics()


def _pg_trigram_index() -> None:
    """pg_trgm ships with PostgreSQL but may be missing (a minimal build) or not allowed (a role
    without CREATE on the database): then search keeps scanning, and says so."""
    try:
        with _savepoint():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            op.execute(f"CREATE INDEX ix_customers_search_trgm ON customers USING gin ({PG_SEARCH_TEXT} gin_trgm_ops)")
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm is not available (%s): customer search will scan the customers table", exc.orig)


class _savepoint:
    """A SAVEPOINT around the extension, so a refusal leaves the migration's transaction usable."""

    def __enter__(self) -> None:
        self.nested = op.get_bind().begin_nested()

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if exc is None:
            self.nested.commit()
        else:
            self.nested.rollback()


def _recount_statistics() -> None:
    # "no purchase yet" (storage.tables_crm.NO_ORDER_AT) as each backend stores a DateTime
    never = "'1970-01-01 00:00:00.000000'" if op.get_bind().dialect.name == "sqlite" else "'1970-01-01 00:00:00'"
    states = ", ".join(f"'{s}'" for s in PURCHASE_STATES)
    op.execute("DELETE FROM customer_stats")
    op.execute(
        "INSERT INTO customer_stats (customer_id, shop_id, order_count, total_cents, first_order_at, last_order_at, "
        "r_score, f_score, m_score, segment) "
        "SELECT c.id, c.shop_id, COALESCE(p.n, 0), COALESCE(p.cents, 0), p.first_at, "
        f"COALESCE(p.last_at, {never}), 0, 0, 0, 'none' FROM customers c LEFT JOIN ("
        "SELECT customer_id, count(*) AS n, sum(total_cents) AS cents, min(created_at) AS first_at, "
        f"max(created_at) AS last_at FROM orders WHERE state IN ({states}) GROUP BY customer_id"
        ") p ON p.customer_id = c.id"
    )
    op.execute("UPDATE crm_state SET computed_at = NULL, fingerprint = ''")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("customers_search_insert", "customers_search_update", "customers_search_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_search_trgm")
    op.drop_table("customer_search_grams")
