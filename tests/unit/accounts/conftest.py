"""Accounts tests: a shop with one user of each role, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

from tests.unit.storage.conftest import _postgres_database, db, db_url  # noqa: F401  (both backends)
from workbench.domain.identity import Role
from workbench.services.passwords import hash_password
from workbench.storage.db import Database
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.kb_admin import KbAdminRepository
from workbench.storage.repositories.shops import ShopRepository

T0 = datetime(2026, 11, 11, 10, 0, 0)
PASSWORD = "Zhen-mi-9527"  # every test user's password
USERS = {  # username → (display name, role)
    "boss": ("老板", Role.OWNER),
    "zhuguan": ("主管", Role.SUPERVISOR),
    "kf1": ("客服一", Role.AGENT),
    "sh1": ("售后一", Role.AFTERSALES),
    "laoshi": ("王老师", Role.TEACHER),
    "xs1": ("学生一", Role.STUDENT),
}


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)  # once per run: hashing takes a moment


@dataclass
class Shop:
    db: Database
    url: str
    id: int
    users: dict[str, int]  # username → id


def make_shop(database: Database, url: str) -> Shop:
    """A shop without demo content, with one user of each role (all with `PASSWORD`)."""
    with database.session() as s:
        shop = ShopRepository(s).add("测试店", "服饰")
        KbAdminRepository(s).ensure_standard_categories(shop.id)
        accounts = AccountRepository(s)
        users = {}
        for username, (name, role) in USERS.items():
            user = accounts.add_user(shop.id, username, name, role)
            accounts.set_password_hash(user.id, password_hash(), T0)
            users[username] = user.id
    return Shop(database, url, shop.id, users)


@pytest.fixture
def shop(db: Database, db_url: str) -> Shop:  # noqa: F811
    return make_shop(db, db_url)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of its own (skipped without a server)."""
    yield from _postgres_database()
