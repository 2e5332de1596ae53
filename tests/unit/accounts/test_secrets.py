"""No password and no "记住我" token in the database, the logs or the settings file, after a login
with 记住我 (and a wrong password typed first), on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import MemoryKeyring
from tests.unit.accounts.conftest import PASSWORD, Shop, make_shop
from workbench.composition import open_desk
from workbench.credentials import LoginTokens
from workbench.domain.errors import DomainError
from workbench.entrance import open_entrance
from workbench.launch import LaunchConfig
from workbench.paths import AppPaths
from workbench.services.accounts import DeskLogin, LoginService
from workbench.settings import Settings, read_settings, save_settings
from workbench.storage.db import Database, sqlite_file_of

WRONG = "Wrong-Secret-777"


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Everything logged, at every level, into the data dir's log file (as the app's log, but more)."""
    folder = tmp_path / "data" / "logs"
    folder.mkdir(parents=True)
    handler = logging.FileHandler(folder / "workbench.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield folder
    root.removeHandler(handler)
    root.setLevel(level)
    handler.close()


def database_text(url: str) -> str:
    """Every value the database holds, as text: a SQLite dump, or every text column of every table."""
    path = sqlite_file_of(url)
    if path is not None:
        with closing(sqlite3.connect(path)) as conn:
            return "\n".join(conn.iterdump())
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            columns = conn.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND data_type IN ('text', 'character varying', 'character')"
                )
            ).all()
            values = []
            for table, column in columns:
                values += [str(v) for v in conn.execute(text(f'SELECT "{column}" FROM "{table}"')).scalars()]
            return "\n".join(values)
    finally:
        engine.dispose()


def test_no_secret_is_kept_in_clear(
    db: Database, db_url: str, tmp_path: Path, debug_log: Path, memory_keyring: MemoryKeyring
) -> None:
    shop: Shop = make_shop(db, db_url)
    paths = AppPaths.under(tmp_path / "data")
    paths.ensure()
    save_settings(paths.settings_file, Settings(db_url=db_url))
    config = LaunchConfig(paths=paths, db_url=db_url, settings=Settings(db_url=db_url), simulator=False)
    if db.is_sqlite:  # a single seat needs no login: log in the way a shared database's desk does
        entrance = None
        door = DeskLogin(
            LoginService(shop.db, shop.id),
            LoginTokens(db_url),
            remember_username=lambda name: save_settings(
                paths.settings_file, read_settings(paths.settings_file).settings.with_changes(last_username=name)
            ),
        )
    else:
        entrance = open_entrance(config)
        door = entrance.login
    assert door.needs_login
    with pytest.raises(DomainError):
        door.log_in("kf1", WRONG, remember=True)
    user = door.log_in("kf1", PASSWORD, remember=True)
    if entrance is not None:
        open_desk(config, entrance=entrance, user=user).close()

    (token,) = memory_keyring.store.values()  # the one secret kept, in the keyring
    stored = database_text(db_url)
    assert "$argon2id$" in stored  # the dump does hold the credentials table
    settings = paths.settings_file.read_text(encoding="utf-8")
    assert '"last_username": "kf1"' in settings  # the username is no secret
    logs = "\n".join(p.read_text(encoding="utf-8") for p in debug_log.iterdir())
    assert "kf1" in logs  # the log has the login in it
    for secret in (PASSWORD, WRONG, token):
        for where, content in (("database", stored), ("settings", settings), ("logs", logs)):
            assert secret not in content, f"a secret in the {where}"


def test_a_form_with_a_password_does_not_show_it() -> None:
    from workbench.services.routing import AccountForm

    form = AccountForm("kf9", "客服九", password="Form-Secret-99")
    assert "Form-Secret-99" not in repr(form) and "Form-Secret-99" not in str(form)
