"""Statistics kept as orders and customers are written equal a recount from the orders; the customer
search goes through the backend's index and finds what a LIKE scan finds; nothing recounts the shop
or scans the orders when the customer page asks whether statistics are current."""

from __future__ import annotations

import threading
from datetime import timedelta
from itertools import count
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, select

from tests.unit.crm.conftest import NOW
from workbench.domain.crm import CustomerFilter, ProfileEdit, SortKey
from workbench.domain.customers import Customer, masked_phone
from workbench.domain.orders import Order, OrderState
from workbench.services.crm import CrmService
from workbench.storage.db import Database
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.customer_list import CustomerListRepository
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.tables import ShopRow
from workbench.storage.tables_crm import CustomerStatsRow

_serial = count(1)


def _new_shop(db: Database) -> int:
    with db.session() as s:
        shop = ShopRow(name=f"店{next(_serial)}", industry="服饰", settings_json="{}")
        s.add(shop)
        s.flush()
        return shop.id


def _stats_rows(db: Database, shop_id: int) -> list[tuple[Any, ...]]:
    columns = CustomerStatsRow.__table__.c
    with db.session() as s:
        return [
            tuple(row)
            for row in s.execute(select(*columns).where(columns.shop_id == shop_id).order_by(columns.customer_id)).all()
        ]


# A write: ("customer",) | ("order", customer index, state, cents, days ago) |
# ("orders", [(customer index, state, cents, days ago), ...]) | ("state", order index, new state)
_states = st.sampled_from(list(OrderState))
_order_args = st.tuples(st.integers(0, 7), _states, st.sampled_from((100, 5900, 29900)), st.integers(0, 800))
_writes = st.lists(
    st.one_of(
        st.just(("customer",)),
        _order_args.map(lambda a: ("order", *a)),
        st.lists(_order_args, min_size=1, max_size=4).map(lambda orders: ("orders", orders)),
        st.tuples(st.integers(0, 30), _states).map(lambda a: ("state", *a)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=_writes, later_days=st.sampled_from((0, 1, 20, 45, 200)))
def test_incremental_statistics_equal_a_full_recount(
    db: Database, writes: list[tuple[Any, ...]], later_days: int
) -> None:
    shop_id = _new_shop(db)
    with db.session() as s:
        CustomerStatsRepository(s).age(shop_id, NOW)  # the shop is scored as of NOW
    customers: list[int] = []
    orders: list[int] = []

    def order(customer: int, state: OrderState, cents: int, days_ago: int) -> Order:
        created = NOW - timedelta(days=days_ago, minutes=len(orders))
        return Order(0, f"P{next(_serial):09d}", customers[customer % len(customers)], state, cents, created)

    for write in writes:
        with db.session() as s:
            if write[0] == "customer" or not customers:
                customers.append(CustomerRepository(s).add(shop_id, Customer(0, f"买家{next(_serial)}")).id)
            if write[0] == "order":
                orders.append(OrderRepository(s).add_order(shop_id, order(*write[1:])).id)
            elif write[0] == "orders":
                orders += OrderRepository(s).add_orders(shop_id, [order(*args) for args in write[1]])
            elif write[0] == "state" and orders:
                BotRepository(s).set_order_state(orders[write[1] % len(orders)], write[2].value, NOW)
    if later_days:
        with db.session() as s:
            CustomerStatsRepository(s).age(shop_id, NOW + timedelta(days=later_days))
    kept = _stats_rows(db, shop_id)
    with db.session() as s:
        CustomerStatsRepository(s).rebuild(shop_id, NOW + timedelta(days=later_days))
    assert kept == _stats_rows(db, shop_id)
    assert len(kept) == len(customers)


# -- search ---------------------------------------------------------------------------------------

PEOPLE = (
    ("小鹿momo", "王丽", "13812345678"),
    ("奶茶_lily", "王丽娟", "13900001234"),
    ("晚风tb88", "李静", "15055512345"),
    ("Summer喵喵", "欧阳娜娜", "17712340000"),
    ("橘子_99", "张伟", ""),
    ("kiki阿宝", "丽", "18600009999"),
)


def _shop_with_people(db: Database) -> tuple[int, dict[int, tuple[str, str, str]]]:
    shop_id = _new_shop(db)
    with db.session() as s:
        repo = CustomerRepository(s)
        people = {
            repo.add(shop_id, Customer(0, nick, name=name, phone=phone)).id: (nick, name, phone)
            for nick, name, phone in PEOPLE
        }
    return shop_id, people


def _expected(people: dict[int, tuple[str, str, str]], term: str) -> list[int]:
    """What a LIKE scan finds (ASCII case ignored; digits also in the phone, spaces and dashes dropped)."""
    term = term.strip()
    if not term:
        return sorted(people)
    folded = term.lower()
    compact = term.replace(" ", "").replace("-", "")
    found = []
    for cid, (nick, name, phone) in people.items():
        if folded in nick.lower() or (phone and compact in phone if compact.isdigit() else folded in name.lower()):
            found.append(cid)
    return sorted(found)


def _found(db: Database, shop_id: int, term: str) -> list[int]:
    with db.session() as s:
        repo = CustomerListRepository(s)
        f = CustomerFilter(search=term)
        items = repo.page(shop_id, f, SortKey.ID, False, 0, 100)
        assert repo.count(shop_id, f) == len(items)
        return [item.id for item in items]


def test_search_finds_short_chinese_names_nick_parts_and_phone_digits(db: Database) -> None:
    shop_id, people = _shop_with_people(db)
    by_nick = {nick: cid for cid, (nick, _n, _p) in people.items()}
    assert _found(db, shop_id, "王丽") == sorted([by_nick["小鹿momo"], by_nick["奶茶_lily"]])  # a 2-character name
    assert _found(db, shop_id, "丽") == sorted([by_nick["小鹿momo"], by_nick["奶茶_lily"], by_nick["kiki阿宝"]])
    assert _found(db, shop_id, "欧阳") == [by_nick["Summer喵喵"]]
    assert _found(db, shop_id, "MOMO") == [by_nick["小鹿momo"]]  # nick substring, ASCII case ignored
    assert _found(db, shop_id, "mer喵") == [by_nick["Summer喵喵"]]
    assert _found(db, shop_id, "1234") == sorted(
        [by_nick["小鹿momo"], by_nick["奶茶_lily"], by_nick["晚风tb88"], by_nick["Summer喵喵"]]
    )  # a run of phone digits
    assert _found(db, shop_id, "555-123") == [by_nick["晚风tb88"]]
    assert _found(db, shop_id, "_99") == [by_nick["橘子_99"]]  # wildcards are literal
    assert _found(db, shop_id, "丽娟x") == []


def test_search_follows_edits_and_phones_stay_masked(db: Database) -> None:
    shop_id, people = _shop_with_people(db)
    cid = next(iter(people))
    with db.session() as s:
        CustomerRepository(s).edit_customer(shop_id, cid, ProfileEdit(name="赵敏", phone="13611112222"))
    assert _found(db, shop_id, "赵敏") == [cid]
    assert cid not in _found(db, shop_id, "王丽")
    assert _found(db, shop_id, "1111") == [cid]
    with db.session() as s:
        item = CustomerListRepository(s).page(shop_id, CustomerFilter(search="1111"), SortKey.ID, False, 0, 10)[0]
    assert item.phone_masked == masked_phone("13611112222") and "1111" not in item.phone_masked


_alphabet = st.sampled_from(list("王丽娟李静小鹿奶茶momlikyt_0123456789 -"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(term=st.text(_alphabet, min_size=1, max_size=5))
def test_search_finds_exactly_what_a_scan_finds(db: Database, term: str) -> None:
    shop_id, people = _shop_with_people(db)
    assert _found(db, shop_id, term) == _expected(people, term)


# -- nothing scans on the write thread -------------------------------------------------------------


def test_asking_whether_statistics_are_current_reads_no_orders(db: Database) -> None:
    shop_id = _new_shop(db)
    with db.session() as s:
        cid = CustomerRepository(s).add(shop_id, Customer(0, "买家")).id
        OrderRepository(s).add_order(shop_id, Order(0, "Q1", cid, OrderState.COMPLETED, 5900, NOW - timedelta(days=3)))
    day = [NOW]
    crm = CrmService(db, shop_id, lambda: day[0])
    assert crm.refresh_if_stale() is True  # never scored
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert crm.refresh_if_stale() is False  # the same day: one read of the shop's state
        day[0] = NOW + timedelta(days=1)
        assert crm.refresh_if_stale() is True  # a new day: scores move on
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements and not [s for s in statements if "orders" in s]
    with db.session() as s:
        assert CustomerStatsRepository(s).computed(shop_id) == day[0]


def test_new_orders_count_at_once(db: Database) -> None:
    shop_id = _new_shop(db)
    crm = CrmService(db, shop_id, lambda: NOW)
    with db.session() as s:
        cid = CustomerRepository(s).add(shop_id, Customer(0, "买家")).id
    crm.refresh_if_stale()
    with db.session() as s:
        OrderRepository(s).add_order(shop_id, Order(0, "Q2", cid, OrderState.SIGNED, 12900, NOW - timedelta(days=1)))
    assert crm.count(CustomerFilter(min_orders=1)) == 1
    assert crm.page(CustomerFilter(), SortKey.SPENT, True, 0, 1)[0].stats.total_cents == 12900


def test_two_desks_writing_one_buyers_orders_at_once(db: Database) -> None:
    """PostgreSQL: concurrent orders of one buyer each recount the buyer's statistics; neither write
    fails and the count ends right (SQLite serialises writers anyway)."""
    shop_id = _new_shop(db)
    with db.session() as s:
        cid = CustomerRepository(s).add(shop_id, Customer(0, "常客")).id
    failures: list[BaseException] = []

    def desk(name: str) -> None:
        try:
            for i in range(25):
                with db.session() as s:
                    order = Order(0, f"{name}{i:04d}", cid, OrderState.SIGNED, 100, NOW - timedelta(minutes=i))
                    OrderRepository(s).add_order(shop_id, order)
        except BaseException as exc:  # reported below
            failures.append(exc)

    desks = [threading.Thread(target=desk, args=(f"D{n}",)) for n in range(3)]
    for thread in desks:
        thread.start()
    for thread in desks:
        thread.join()
    assert failures == []
    with db.session() as s:
        stats = CustomerStatsRepository(s).stats_of(cid)
    assert (stats.order_count, stats.total_cents) == (75, 7500)
