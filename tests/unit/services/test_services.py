"""Use cases over a real SQLite file: demo seeding and reset, reception, simulated customers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from workbench.composition import build_channel, open_workspace
from workbench.demo import reset_demo
from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.errors import DomainError
from workbench.domain.kb import STANDARD_CATEGORIES
from workbench.domain.orders import OrderState
from workbench.services.reception import UsedSuggestion
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 11, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "wb.sqlite3")


@pytest.fixture
def ws(url: str) -> Iterator[Workspace]:
    workspace = open_workspace(url, clock=FakeClock())
    yield workspace
    workspace.close()


def test_empty_database_starts_as_the_demo_shop(ws: Workspace) -> None:
    assert ws.shop.industry == "服饰"
    entries = ws.kb.entries()
    assert len(entries) >= 60
    assert {e.category for e in entries} == set(STANDARD_CATEGORIES)
    assert sum(len(e.phrasings) for e in entries) / len(entries) >= 4
    with ws.db.session() as s:
        from workbench.storage.repositories.customers import CustomerRepository
        from workbench.storage.repositories.orders import OrderRepository

        assert 150 <= CustomerRepository(s).count(ws.shop.id) <= 250
        states = {o.state for o in OrderRepository(s).recent(ws.shop.id, 5000)}
    assert states == set(OrderState)
    groups = {p.group for p in ws.quick_phrases.visible_to(ws.agent.id)}
    assert {"欢迎", "催付", "售后"} <= groups


def test_reopening_does_not_seed_twice(url: str, ws: Workspace) -> None:
    before = len(ws.kb.entries())
    again = open_workspace(url)
    assert len(again.kb.entries()) == before
    again.close()


def test_reset_demo_restores_the_shop(url: str, ws: Workspace) -> None:
    customer_id = ws.orders.by_number(_any_order_no(ws)).customer_id  # type: ignore[union-attr]
    ws.customers.add_tag(customer_id, "临时标签")
    conv = ws.reception.customer_arrives(customer_id)
    ws.reception.customer_says(conv.id, "在吗")
    ws.close()
    reset_demo(url)
    fresh = open_workspace(url)
    assert fresh.reception.lists().waiting == ()
    assert "临时标签" not in [t.name for t in fresh.customers.tag_library()]
    assert len(fresh.kb.entries()) >= 60
    fresh.close()


def _any_order_no(ws: Workspace) -> str:
    with ws.db.session() as s:
        from workbench.storage.repositories.orders import OrderRepository

        return OrderRepository(s).recent(ws.shop.id, 1)[0].order_no


def test_reception_flow_and_validation(ws: Workspace) -> None:
    customer_id = ws.orders.by_number(_any_order_no(ws)).customer_id  # type: ignore[union-attr]
    conv = ws.reception.customer_arrives(customer_id, "when_ship")
    assert ws.reception.customer_arrives(customer_id).id == conv.id  # one open chat per customer
    ws.reception.customer_says(conv.id, "什么时候发货")
    assert ws.reception.lists().waiting[0].unread == 1

    with pytest.raises(DomainError) as empty:
        ws.reception.agent_sends(conv.id, ws.agent.id, "  \n ")
    assert empty.value.code == "message.empty"
    with pytest.raises(DomainError) as huge:
        ws.reception.agent_sends(conv.id, ws.agent.id, "字" * 100_000)
    assert huge.value.code == "message.too_long" and huge.value.params["length"] == 100_000
    assert [m.sender for m in ws.reception.messages(conv.id)] == [Sender.CUSTOMER]

    entry = ws.kb.entries()[0]
    ws.reception.agent_sends(conv.id, ws.agent.id, entry.answer, UsedSuggestion(entry.id, 0.9, entry.answer))
    lists = ws.reception.lists()
    assert [c.id for c in lists.active] == [conv.id] and lists.active[0].unread == 0
    assert ws.reception.suggestion_uses(conv.id)[0].edited is False
    assert next(e for e in ws.kb.entries() if e.id == entry.id).hits == entry.hits + 1

    ws.reception.end(conv.id, "agent")
    with pytest.raises(DomainError) as ended:
        ws.reception.agent_sends(conv.id, ws.agent.id, "还在吗")
    assert ended.value.code == "conversation.ended"


def test_simulated_customers_are_persisted_and_branch_on_replies(ws: Workspace) -> None:
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=7)
    channel.monotonic = lambda: t[0]
    updates = channel.spawn("exchange_colour_size")
    assert updates and updates[0].arrived
    conv_id = updates[0].conversation_id
    said: list[str] = [m.text for u in updates for m in u.messages if m.sender is Sender.CUSTOMER]
    for _ in range(60):  # the customer types the opening within a minute of simulated time
        t[0] += 1.0
        said += [m.text for u in channel.tick() for m in u.messages if m.sender is Sender.CUSTOMER]
        if len(said) >= 2:
            break
    assert said, "the customer never spoke"
    stored = [m.text for m in ws.reception.messages(conv_id) if m.sender is Sender.CUSTOMER]
    assert stored == said

    # The agent asks for the order number: the customer answers with the real order's number.
    conv = ws.reception.get(conv_id)
    assert conv is not None
    orders = {o.order_no for o in ws.orders.for_customer(conv.customer_id)}
    ws.reception.agent_sends(conv_id, ws.agent.id, "亲，麻烦提供一下订单号，我帮您查一下")
    channel.agent_replied(conv_id, "亲，麻烦提供一下订单号，我帮您查一下")
    replies: list[str] = []
    for _ in range(120):
        t[0] += 1.0
        replies += [m.text for u in channel.tick() for m in u.messages if m.sender is Sender.CUSTOMER]
        if any(no in r for r in replies for no in orders):
            break
    assert any(no in r for r in replies for no in orders), replies


def test_an_ignored_customer_leaves_and_the_chat_stays_open_for_the_agent(ws: Workspace) -> None:
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=3)
    channel.monotonic = lambda: t[0]
    conv_id = channel.spawn("when_ship")[0].conversation_id
    left = ""
    for _ in range(3600):
        t[0] += 1.0
        for update in channel.tick():
            left = left or update.left
        if left:
            break
    assert left == "ignored"
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is not ConversationState.ENDED
    last = ws.reception.messages(conv_id)[-1]
    assert last.sender is Sender.SYSTEM and last.text.startswith("买家已离开")
    # The agent still writes to the buyer (it waits for them as an offline message).
    ws.reception.agent_sends(conv_id, ws.agent.id, "亲，抱歉久等了，您的订单今天发出")


def test_clock_moves_waiting_times(ws: Workspace) -> None:
    clock = ws.clock
    assert isinstance(clock, FakeClock)
    customer_id = ws.orders.by_number(_any_order_no(ws)).customer_id  # type: ignore[union-attr]
    conv = ws.reception.customer_arrives(customer_id)
    ws.reception.customer_says(conv.id, "在吗")
    clock.now += timedelta(minutes=3)
    ws.reception.customer_says(conv.id, "人呢")
    got = ws.reception.get(conv.id)
    assert got is not None and got.waiting_since == datetime(2026, 11, 11, 10, 0, 0) and got.unread == 2
