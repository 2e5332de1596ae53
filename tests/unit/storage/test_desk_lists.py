"""A desk reads only the open chats it lists (its own and the unassigned ones), however many its
colleagues have open: neither slower nor cut short by a busy shop."""

from __future__ import annotations

from datetime import datetime, timedelta

from workbench.domain.conversations import ConversationState
from workbench.domain.customers import Customer
from workbench.services.reception import ReceptionService
from workbench.storage.db import Database
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.shops import ShopRepository

START = datetime(2026, 5, 1, 9, 0)


def test_a_desk_lists_its_chats_past_a_thousand_of_its_colleagues(db: Database) -> None:
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("店", "服饰")
        me, colleague = shops.add_agent(shop.id, "me", "我").id, shops.add_agent(shop.id, "co", "同事").id
        customer = CustomerRepository(s).add(shop.id, Customer(id=0, nick="买家")).id
        repo = ConversationRepository(s)
        mine = repo.create(shop.id, customer, START).id  # the oldest: last in the newest-first order
        repo.set_state(mine, ConversationState.ACTIVE, START, agent_id=me)
        free = repo.create(shop.id, customer, START + timedelta(seconds=1)).id
        for i in range(1001):
            theirs = repo.create(shop.id, customer, START + timedelta(minutes=1, seconds=i)).id
            repo.set_state(theirs, ConversationState.ACTIVE, START, agent_id=colleague)
        desk = repo.open_for_desk(shop.id, me)
    assert [c.id for c in desk] == [free, mine]
    lists = ReceptionService(db, shop.id).desk_lists(me)
    assert [c.id for c in lists.active] == [mine] and [c.id for c in lists.waiting] == [free]
