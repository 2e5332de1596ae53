"""The accounts migration: a database from before users existed gets an owner (without a password)
and opens as before; the tables go again on a downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from workbench.composition import open_workspace
from workbench.domain.identity import Role
from workbench.storage.db import Database, _alembic_config


def test_an_older_shop_gets_an_owner_without_a_password(db_url: str) -> None:
    database = Database(db_url)
    command.upgrade(_alembic_config(database.engine), "0006_order_changes")
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO shops (id, name, industry, settings_json) VALUES (1, '老店', '', '{}')"))
        for username in ("xiaozhao", "owner"):  # a sub-account already named "owner"
            conn.execute(
                text(
                    "INSERT INTO agents (shop_id, username, display_name, role, status) "
                    "VALUES (1, :u, :u, 'agent', 'online')"
                ),
                {"u": username},
            )
    database.migrate()
    tables = set(inspect(database.engine).get_table_names())
    assert {"credentials", "login_tokens"} <= tables
    with database.engine.connect() as conn:
        owners = conn.execute(text("SELECT username, display_name FROM agents WHERE role = 'owner'")).all()
        assert [tuple(o) for o in owners] == [("owner2", "店主")]
        assert conn.execute(text("SELECT count(*) FROM credentials")).scalar() == 0
    ws = open_workspace(db_url, seed_demo=False)
    try:
        assert ws.agent.username == "owner2" and ws.agent.role is Role.OWNER  # the single seat's user
        assert [a.username for a in ws.routing.accounts()] == ["xiaozhao", "owner", "owner2"]
    finally:
        ws.close()
    command.downgrade(_alembic_config(database.engine), "0006_order_changes")
    assert not {"credentials", "login_tokens"} & set(inspect(database.engine).get_table_names())
    database.dispose()
