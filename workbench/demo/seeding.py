"""The demo shop in the database: seeded into an empty database, restored on `--reset-demo`.

Every demo user has the password `DEMO_PASSWORD`, so a classroom can log in on a shared database at
once: the owner ``owner`` (店主, the single-seat desk's user), the agents and the supervisor of
``shop.json``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping

from sqlalchemy import delete
from sqlalchemy.orm import Session

from workbench.demo.aftersales import seed_demo_aftersales
from workbench.demo.content import DemoShop
from workbench.demo.crm import seed_crm
from workbench.demo.generator import generate_demo_shop
from workbench.domain.customers import Customer
from workbench.domain.identity import Role
from workbench.domain.kb import KbEntry, Phrasing, PhrasingKind
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, Product
from workbench.domain.quick_phrases import PhrasePool
from workbench.services.clock import Clock, system_clock
from workbench.services.passwords import hash_password
from workbench.storage.db import Database
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.kb import KbRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.quick_phrases import QuickPhraseRepository
from workbench.storage.repositories.shops import ShopRepository
from workbench.storage.tables import Base

log = logging.getLogger(__name__)

# Colours for the demo's own tags, by tag name; others get the default.
TAG_COLOURS = {
    "老客户": "#52c41a",
    "爱砍价": "#fa8c16",
    "退货较多": "#f5222d",
    "差评记录": "#cf1322",
    "大码": "#722ed1",
}

DEMO_PASSWORD = "demo1234"  # documented in the README: the demo shop is for trying things out
DEMO_OWNER = ("owner", "店主")  # username, display name
DEMO_TIME_KEY = "demo_generated_at"  # the shop setting with the time the demo was generated for


@functools.cache
def _demo_password_hash() -> str:
    """One hash for every demo user (hashing takes a moment; the password is public anyway)."""
    return hash_password(DEMO_PASSWORD)


def seed_if_empty(db: Database, *, clock: Clock = system_clock) -> bool:
    """Fill an empty database with the demo shop in one transaction; True if it did."""
    with db.session() as s:
        if ShopRepository(s).first() is not None:
            return False
    seed(db, generate_demo_shop(now=clock().replace(second=0, microsecond=0)))
    return True


def seed(db: Database, demo: DemoShop) -> None:
    """Write the whole demo shop; all or nothing."""
    with db.session() as s:
        _seed(s, demo)
    log.info("demo shop seeded: %d customers, %d orders", len(demo.customers), len(demo.orders))


def _seed(s: Session, demo: DemoShop) -> None:
    now = demo.now
    shops = ShopRepository(s)
    info = demo.shop
    shop = shops.add(
        info.name,
        info.industry,
        {
            "bot_nickname": info.bot_nickname,
            "service_hours": info.service_hours,
            "return_address": info.return_address.line,
            DEMO_TIME_KEY: now.isoformat(),  # a lab reset generates the same demo again from it
        },
    )
    for agent in demo.agents:
        shops.add_agent(shop.id, agent.username, agent.display_name, agent.role)
    owner = shops.add_agent(shop.id, *DEMO_OWNER, Role.OWNER.value)  # after the agents: their ids stay
    accounts = AccountRepository(s)
    for user in shops.agents(shop.id):
        accounts.set_password_hash(user.id, _demo_password_hash(), now)
    # Rows go in a few statements per table (executemany), not one round trip each: the first start on
    # an empty PostgreSQL database waits for this.
    seed_kb(s, shop.id, demo)
    phrases = QuickPhraseRepository(s)
    for pos, phrase in enumerate(demo.quick_phrases):
        pool = PhrasePool(phrase.pool)
        # the personal phrases are the single-seat desk's user's: the owner's
        mine = owner.id if pool is PhrasePool.PERSONAL else None
        phrases.add(shop.id, pool, phrase.group, phrase.shortcode, phrase.text, mine, pos)
    orders = OrderRepository(s)
    orders.add_products(
        shop.id,
        [
            Product(0, p.sku, p.title, p.category, p.price_cents, p.material, tuple(p.sizes), tuple(p.colors),
                    tuple((str(k), str(v)) for k, v in dict(p.attributes).items()))
            for p in demo.products
        ],
    )  # fmt: skip
    customers = CustomerRepository(s)
    saved = customers.add_many(
        shop.id,
        [
            Customer(
                id=0, nick=c.nick, name=c.name, phone=c.phone, gender=c.gender, city=c.city,
                credit_level=c.credit_level, is_88vip=c.is_88vip, traffic_source=c.traffic_source,
                member_level=c.member_level, points=c.points, registered_at=c.registered_at,
                preferences=c.preferences, refund_count=c.refund_count, bad_review_count=c.bad_review_count,
            )
            for c in demo.customers
        ],
    )  # fmt: skip
    ids = {c.nick: customer_id for c, customer_id in zip(demo.customers, saved, strict=True)}
    seed_customer_tags(s, shop.id, demo, ids)
    orders.add_orders(
        shop.id,
        [
            Order(
                id=0, order_no=o.order_no, customer_id=ids[o.customer_nick], state=o.state,
                total_cents=o.total_cents, created_at=o.created_at, paid_at=o.paid_at, shipped_at=o.shipped_at,
                signed_at=o.signed_at, address=o.address.line, carrier=o.carrier, tracking_no=o.tracking_no,
                memo=o.memo, flag=o.flag,
                items=tuple(OrderItem(i.sku, i.title, i.size, i.color, i.quantity, i.price_cents) for i in o.items),
                logistics=tuple(LogisticsEvent(e.at, e.description) for e in o.logistics),
            )
            for o in demo.orders
        ],
    )  # fmt: skip
    seed_demo_aftersales(s, shop.id, demo)
    seed_crm(s, shop.id, demo)  # tag library, groups, statistics, care templates and follow-ups


def seed_kb(s: Session, shop_id: int, demo: DemoShop) -> None:
    """The standard categories and the demo's knowledge base (also what a lab reset puts back)."""
    kb = KbRepository(s)
    kb.ensure_standard_categories(shop_id)
    kb.add_many(
        shop_id,
        [
            KbEntry(
                id=0,
                category=entry.category,
                question=entry.question,
                answers=tuple(entry.answers),
                phrasings=tuple(
                    Phrasing(p.text, PhrasingKind(p.kind), p.negative, tuple(p.core_words)) for p in entry.phrasings
                ),
                needs_human=entry.needs_human,
            )
            for entry in demo.kb_entries
        ],
        demo.now,
    )


def seed_customer_tags(s: Session, shop_id: int, demo: DemoShop, ids: Mapping[str, int]) -> None:
    """The demo customers' tags (`ids`: nick → customer id; customers not in it are skipped)."""
    customers = CustomerRepository(s)
    # The tags in the order they first appear (their ids as when they were made one customer at a time).
    tag_ids = customers.ensure_tags(
        shop_id, {name: TAG_COLOURS.get(name, "#1677ff") for c in demo.customers for name in c.tags}
    )
    customers.add_tags_many(
        [(ids[c.nick], tag_ids[name]) for c in demo.customers if c.nick in ids for name in c.tags], demo.now
    )


def reset_demo(url: str, *, clock: Clock = system_clock) -> None:
    """Erase every row and seed the demo shop again, in one transaction (classrooms)."""
    db = Database(url)
    try:
        db.migrate()
        demo = generate_demo_shop(now=clock().replace(second=0, microsecond=0))
        with db.session() as s:
            for table in reversed(Base.metadata.sorted_tables):
                s.execute(delete(table))
            _seed(s, demo)
    finally:
        db.dispose()
