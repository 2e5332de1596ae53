"""Customer-management fixtures: a database on SQLite and PostgreSQL with a small, known shop."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from tests.unit.storage.conftest import _postgres_database, db, db_url  # noqa: F401  (parametrised databases)
from workbench.domain.crm import MEMBER_LEVELS, PURCHASE_STATES, TRAFFIC_SOURCES, RfmSettings
from workbench.domain.customers import Customer
from workbench.domain.orders import Order, OrderItem, OrderState
from workbench.storage.db import Database, sqlite_url
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository

NOW = datetime(2026, 6, 1, 12, 0)
TAGS = ("老客户", "爱砍价", "大码", "学生党")
CREDITS = ("2心", "5心", "1钻", "4钻", "2冠", "1金冠", "")


def clock() -> datetime:
    return NOW


@dataclass
class Known:
    """What was written, so tests can compute expected answers in plain Python."""

    shop_id: int
    other_shop_id: int
    customers: dict[int, Customer] = field(default_factory=dict)
    tags: dict[str, int] = field(default_factory=dict)  # name → id
    tags_of: dict[int, set[str]] = field(default_factory=dict)
    orders: dict[int, list[Order]] = field(default_factory=dict)
    other_customer_id: int = 0

    def purchases(self, customer_id: int) -> list[Order]:
        return [o for o in self.orders.get(customer_id, []) if o.state in PURCHASE_STATES]


def build_shop(database: Database, n: int = 60, seed: int = 7) -> Known:
    rng = random.Random(seed)
    with database.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("测试店", "服饰")
        other = shops.add("隔壁店", "服饰")
        shops.add_agent(shop.id, "xiaomei", "小美")
        customers = CustomerRepository(s)
        orders = OrderRepository(s)
        known = Known(shop.id, other.id)
        for name in TAGS:
            known.tags[name] = customers.ensure_tag(shop.id, name).id
        for i in range(n):
            c = customers.add(
                shop.id,
                Customer(
                    id=0,
                    nick=f"buyer_{i:03d}" if i % 7 else f"小鹿_{i:03d}",
                    name=("王丽" if i % 5 == 0 else f"客户{i}"),
                    phone=f"138{i:08d}" if i % 9 else "",
                    gender=rng.choice(("男", "女")),
                    city="杭州",
                    credit_level=CREDITS[i % len(CREDITS)],
                    is_88vip=i % 4 == 0,
                    traffic_source=TRAFFIC_SOURCES[i % 4],
                    member_level=MEMBER_LEVELS[i % 4],
                    points=i * 10,
                    registered_at=NOW - timedelta(days=400 + i),
                ),
            )
            known.customers[c.id] = c
            mine = {t for t in TAGS if rng.random() < 0.35}
            known.tags_of[c.id] = mine
            for t in mine:
                customers.add_tag(c.id, known.tags[t], NOW - timedelta(days=3))
            known.orders[c.id] = []
            for k in range(rng.choice((0, 0, 1, 1, 2, 3, 5, 8))):
                state = rng.choice(list(OrderState))
                created = NOW - timedelta(days=rng.choice((2, 10, 40, 100, 150, 200, 400)), hours=k)
                signed = created + timedelta(days=2) if state in (OrderState.SIGNED, OrderState.COMPLETED) else None
                order = orders.add_order(
                    shop.id,
                    Order(
                        id=0,
                        order_no=f"9{i:04d}{k:03d}{seed:04d}",
                        customer_id=c.id,
                        state=state,
                        total_cents=rng.choice((5900, 12900, 29900, 59900, 99900)),
                        created_at=created,
                        paid_at=created + timedelta(minutes=5) if state is not OrderState.AWAITING_PAYMENT else None,
                        signed_at=signed,
                        items=(OrderItem("SKU-1", "纯棉T恤", "M", "白色", 1, 5900),),
                    ),
                )
                known.orders[c.id].append(order)
        stranger = customers.add(other.id, Customer(id=0, nick="buyer_001", phone="13800000001"))
        known.other_customer_id = stranger.id
        orders.add_order(
            other.id,
            Order(id=0, order_no="77770001", customer_id=stranger.id, state=OrderState.COMPLETED,
                  total_cents=999900, created_at=NOW - timedelta(days=1)),
        )  # fmt: skip
    return known


@pytest.fixture
def known(db: Database) -> Known:  # noqa: F811
    return build_shop(db)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One database per module and backend, for tests that only read."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([sqlite_url(tmp_path_factory.mktemp("crm") / "shared.sqlite3")])
    else:
        urls = _postgres_database()
    url = next(urls)
    database = Database(url)
    database.migrate()
    try:
        yield database
    finally:
        database.dispose()
        next(urls, None)  # drop the PostgreSQL database


@pytest.fixture(scope="module")
def shared(shared_db: Database) -> Known:
    """The known shop with statistics computed at NOW (read-only)."""
    known = build_shop(shared_db)
    with shared_db.session() as s:
        CustomerStatsRepository(s).refresh_stats(known.shop_id, NOW, RfmSettings())
    return known
