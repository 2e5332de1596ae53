"""Knowledge-editor tests: a database on SQLite and (when configured) PostgreSQL, a shop, a clock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import DemoTemplate, copy_demo
from tests.unit.storage.conftest import db, db_url  # noqa: F401  (the storage fixtures, both backends)
from workbench.domain.kb import Phrasing
from workbench.domain.kb_admin import Answer, EntryDraft
from workbench.storage.db import Database, sqlite_url
from workbench.storage.repositories.kb_admin import KbAdminRepository
from workbench.storage.repositories.shops import ShopRepository

T0 = datetime(2026, 11, 11, 10, 0, 0)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def shop_id(db: Database) -> int:  # noqa: F811
    with db.session() as s:
        shop = ShopRepository(s).add("测试店", "服饰")
        KbAdminRepository(s).ensure_standard_categories(shop.id)
        return shop.id


def draft(
    question: str = "什么时候发货",
    category: str = "物流问题",
    phrasings: tuple[Phrasing, ...] = (Phrasing("啥时候能发"), Phrasing("今天下单能发吗", core_words=("今天", "发"))),
    answers: tuple[Answer, ...] = (Answer("亲，付款后48小时内发货哦"),),
    **extra: bool,
) -> EntryDraft:
    return EntryDraft(category, question, phrasings, answers, **extra)


@pytest.fixture(scope="session")
def jieba_ready(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The tokenizer loaded once for the session (what the KB matcher needs)."""
    from workbench.kb import tokenizer

    if not tokenizer.is_ready():
        tokenizer.set_cache_dir(tmp_path_factory.mktemp("jieba"))
    tokenizer.ensure_loaded()


def demo_desk_copy(tmp_path: Path, demo_template: DemoTemplate) -> tuple[str, Path]:
    """A copy of the demo shop's database in `tmp_path`: its URL, and the KB cache dir to use."""
    database = tmp_path / "workbench.sqlite3"
    copy_demo(demo_template(None), database)
    return sqlite_url(database), tmp_path / "cache"
