"""Drafts (草稿) are kept per conversation and agent in the database, listed on the agent's desk and
deleted with the reply that sends them; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from workbench.domain.customers import Customer
from workbench.domain.identity import Actor
from workbench.services.drafts import DraftService
from workbench.services.reception import ReceptionService
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.shops import ShopRepository

START = datetime(2026, 5, 1, 9, 0)


def _shop(db: Database) -> tuple[int, int, int, int]:
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("店", "服饰")
        me, colleague = shops.add_agent(shop.id, "me", "我").id, shops.add_agent(shop.id, "co", "同事").id
        customer = CustomerRepository(s).add(shop.id, Customer(id=0, nick="买家")).id
    return shop.id, me, colleague, customer


def test_a_draft_is_the_agents_own_listed_with_the_chat_and_gone_with_the_reply(db: Database) -> None:
    shop, me, colleague, customer = _shop(db)
    program = ReceptionService(db, shop, lambda: START)
    conv = program.customer_arrives(customer)
    mine, theirs = DraftService(db, actor=Actor(me)), DraftService(db, actor=Actor(colleague))
    mine.save(conv.id, "亲，您的快递")
    mine.save(conv.id, "亲，您的快递明天到")  # typing on: the same row, the newest text
    theirs.save(conv.id, "同事的草稿")
    assert mine.get(conv.id) == "亲，您的快递明天到" and theirs.get(conv.id) == "同事的草稿"
    listed = ReceptionService(db, shop, actor=Actor(me)).desk_lists(me)
    assert [c.draft for c in listed.waiting] == ["亲，您的快递明天到"]

    # A reply sent from elsewhere (a suggestion sent directly) leaves the draft; the composer's deletes it.
    desk = ReceptionService(db, shop, lambda: START + timedelta(minutes=1), actor=Actor(me))
    desk.agent_sends(conv.id, me, "您好")
    assert mine.get(conv.id) == "亲，您的快递明天到"
    desk.agent_sends(conv.id, me, "亲，您的快递明天到", clear_draft=True)
    assert mine.get(conv.id) == "" and theirs.get(conv.id) == "同事的草稿"
    assert [c.draft for c in desk.desk_lists(me).active] == [""]

    mine.save(conv.id, "再说一句")
    mine.save(conv.id, "   ")  # emptied: no draft
    assert mine.get(conv.id) == ""
