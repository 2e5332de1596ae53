"""Seeding the demo shop writes rows in a few statements per table (executemany), and the bulk
repository methods store exactly what their one-at-a-time counterparts store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from workbench.demo.generator import generate_demo_shop
from workbench.demo.seeding import seed
from workbench.domain.customers import Customer
from workbench.domain.kb import KbEntry, Phrasing, PhrasingKind
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, OrderState
from workbench.storage.db import Database, sqlite_url
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.kb import KbRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository
from workbench.storage.tables import Base

AT = datetime(2025, 11, 11, 10, 30)


def _count_statements(engine: Engine) -> list[int]:
    count = [0]

    def counted(*_args: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", counted)
    return count


def test_the_demo_shop_is_seeded_in_few_statements(tmp_path: Path) -> None:
    """One round trip per row made the first start on an empty PostgreSQL database slow under load
    (8,968 statements before; the bulk inserts need about 2,900)."""
    db = Database(sqlite_url(tmp_path / "wb.sqlite3"))
    db.migrate()
    statements = _count_statements(db.engine)
    demo = generate_demo_shop(now=AT)
    seed(db, demo)
    rows = len(demo.customers) + len(demo.orders) + sum(len(o.items) + len(o.logistics) for o in demo.orders)
    assert statements[0] < 3_500, statements[0]
    assert rows > 4_000  # far more rows than statements
    db.dispose()


def _dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.engine.connect() as conn:
        return {
            table.name: [tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))]
            for table in Base.metadata.sorted_tables
            if table.name != "kb_revision"  # a random token, new at every KB write
        }


def _both_ways(tmp_path: Path, one_by_one: Callable[[Any, int], None], bulk: Callable[[Any, int], None]) -> None:
    dumps = []
    for name, write in (("single", one_by_one), ("bulk", bulk)):
        db = Database(sqlite_url(tmp_path / f"{name}.sqlite3"))
        db.migrate()
        with db.session() as s:
            shop = ShopRepository(s).add("店", "服饰")
            write(s, shop.id)
        dumps.append(_dump(db))
        db.dispose()
    assert dumps[0] == dumps[1]


CUSTOMERS = [
    Customer(id=0, nick="甲", name="张三", phone="13900000001", credit_level="3钻", points=5, registered_at=AT),
    Customer(id=0, nick="乙", is_88vip=True, refund_count=2, preferences="宽松"),
]


def test_bulk_customers_tags_and_orders_equal_one_at_a_time(tmp_path: Path) -> None:
    def orders(customer_ids: list[int]) -> list[Order]:
        return [
            Order(
                id=0, order_no=f"10{n}", customer_id=customer_ids[n % 2], state=OrderState.SHIPPED,
                total_cents=100 * n, created_at=AT, paid_at=AT, carrier="中通", tracking_no=f"ZT{n}", memo="m",
                items=tuple(OrderItem(f"SKU{n}{i}", "连衣裙", "M", "黑", 1, 99) for i in range(n % 3 + 1)),
                logistics=tuple(LogisticsEvent(AT, f"第{i}站") for i in range(n % 2 + 1)),
            )
            for n in range(5)
        ]  # fmt: skip

    def one_by_one(s: Any, shop_id: int) -> None:
        customers, order_repo = CustomerRepository(s), OrderRepository(s)
        ids = [customers.add(shop_id, c).id for c in CUSTOMERS]
        for customer_id, names in zip(ids, (("老客户", "大码"), ("大码", "爱砍价")), strict=True):
            for name in names:
                customers.add_tag(customer_id, customers.ensure_tag(shop_id, name, "#52c41a").id, AT)
        for order in orders(ids):
            order_repo.add_order(shop_id, order)

    def bulk(s: Any, shop_id: int) -> None:
        customers = CustomerRepository(s)
        ids = customers.add_many(shop_id, CUSTOMERS)
        tags = customers.ensure_tags(shop_id, dict.fromkeys(("老客户", "大码", "爱砍价"), "#52c41a"))
        customers.add_tags_many(
            [(ids[0], tags["老客户"]), (ids[0], tags["大码"]), (ids[1], tags["大码"]), (ids[1], tags["爱砍价"])], AT
        )
        OrderRepository(s).add_orders(shop_id, orders(ids))

    _both_ways(tmp_path, one_by_one, bulk)


def test_bulk_kb_entries_equal_one_at_a_time(tmp_path: Path) -> None:
    entries = [
        KbEntry(
            id=0, category=category, question=f"问题{n}", answers=tuple(f"答案{n}-{i}" for i in range(n % 3 + 1)),
            phrasings=tuple(Phrasing(f"问法{n}-{i}", PhrasingKind.SIMILAR, i == 1, ("发货",)) for i in range(n % 4)),
            needs_human=n == 2,
        )
        for n, category in enumerate(("物流问题", "售后问题", "物流问题", "自定义分类"))
    ]  # fmt: skip

    def one_by_one(s: Any, shop_id: int) -> None:
        kb = KbRepository(s)
        kb.ensure_standard_categories(shop_id)
        for e in entries:
            kb.add(shop_id, e.category, e.question, list(e.answers), list(e.phrasings), AT, needs_human=e.needs_human)

    def bulk(s: Any, shop_id: int) -> None:
        kb = KbRepository(s)
        kb.ensure_standard_categories(shop_id)
        kb.add_many(shop_id, entries, AT)

    _both_ways(tmp_path, one_by_one, bulk)
