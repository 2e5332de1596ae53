"""待接待 is a queue: the buyer who has waited longest is on top, however recently they wrote."""

from __future__ import annotations

from datetime import datetime, timedelta

from workbench.domain.customers import Customer
from workbench.domain.identity import Actor
from workbench.services.reception import ReceptionService
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.shops import ShopRepository

START = datetime(2026, 5, 1, 9, 0)


def test_the_longest_waiting_buyer_is_on_top_of_the_waiting_list(db: Database) -> None:
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("店", "服饰")
        me = shops.add_agent(shop.id, "me", "我").id
        customers = [CustomerRepository(s).add(shop.id, Customer(id=0, nick=f"买家{i}")).id for i in range(3)]
    now = [START]
    feed = ReceptionService(db, shop.id, lambda: now[0])
    arrived = []
    for i, customer in enumerate(customers):
        now[0] = START + timedelta(minutes=i)
        conv = feed.customer_arrives(customer)
        feed.customer_says(conv.id, "在吗")
        arrived.append(conv.id)
    now[0] = START + timedelta(minutes=5)
    feed.customer_says(arrived[0], "有人吗？")  # the first buyer writes again: still the longest waiting
    desk = ReceptionService(db, shop.id, lambda: now[0], actor=Actor(me))
    assert [c.id for c in desk.desk_lists(me).waiting] == arrived
    assert [c.id for c in desk.lists().waiting] == arrived
