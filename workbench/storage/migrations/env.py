"""Alembic environment: runs against the engine the program hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import workbench.storage.tables_bot  # registers the reception bot's tables
import workbench.storage.tables_kb_admin  # noqa: F401  (registers the knowledge-editor tables)
from workbench.storage import (
    tables_aftersales,  # noqa: F401  (registers the after-sales tables)
    tables_crm,  # noqa: F401  (registers the customer-management tables)
    tables_exercises,  # noqa: F401  (registers lab runs, marks and quiz answers)
    tables_identity,  # noqa: F401  (registers the users' password and token hashes)
    tables_import,  # noqa: F401  (registers the import staging tables)
    tables_orders_log,  # noqa: F401  (registers the order change log)
    tables_presence,  # noqa: F401  (registers the desk sessions)
    tables_reception,  # noqa: F401  (registers transfers, marks and rating invitations)
)
from workbench.storage.tables import Base, autogenerate_includes

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # `alembic` command line during development
        engine = engine_from_config(
            config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
        )
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # The sqlite3 driver opens a transaction only before INSERT, UPDATE and DELETE: CREATE TABLE
            # ran on its own, so a desk killed during its first start left a half-built schema that no
            # later start could migrate ("table … already exists"). One explicit transaction makes the
            # whole upgrade all or nothing (SQLite's DDL is transactional).
            connection.exec_driver_sql("BEGIN")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=autogenerate_includes,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
