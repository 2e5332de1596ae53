"""The simulated buyers' loop over a copy of the demo shop: a pause is never replayed, a buyer who
goes away leaves the chat to the agent, quiet chats end after the idle time, and buyers word what
they say after the product and never send the same line twice in a row."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import copy_demo
from workbench.channels.scenarios import fill_placeholders, load_scenarios
from workbench.channels.simulator import CustomerSaid, Simulator
from workbench.composition import build_channel, open_workspace
from workbench.domain.conversations import ConversationState, Sender
from workbench.services.live import ChannelUpdate
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url
from workbench.storage.repositories.aftersales import CaseFilter


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 11, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def ws(tmp_path: Path, demo_database: Path) -> Iterator[Workspace]:
    target = tmp_path / "wb.sqlite3"
    copy_demo(demo_database, target)
    workspace = open_workspace(sqlite_url(target), clock=FakeClock())
    yield workspace
    workspace.close()


def _arrived(updates: list[ChannelUpdate]) -> list[int]:
    return [u.conversation_id for u in updates if u.arrived]


def test_a_paused_shop_brings_one_buyer_and_replays_nothing(ws: Workspace) -> None:
    t = [1000.0]
    channel = build_channel(ws, rate_per_min=6.0, seed=11, max_active=100)
    channel.monotonic = lambda: t[0]
    present = _arrived(channel.spawn("when_ship")) + _arrived(channel.spawn("where_is_parcel"))
    for _ in range(5):  # the buyers say their openings
        t[0] += 1.0
        channel.tick()
    said_before = {c: len(ws.reception.messages(c)) for c in present}

    channel.pause()  # 模拟客户进店 off, then ten minutes go by
    t[0] += 600.0
    updates = channel.spawn("size_advice")

    assert len(_arrived(updates)) == 1  # the buyer clicked for, nobody the ten minutes would have brought
    assert not [u for u in updates if u.left]
    assert {c: len(ws.reception.messages(c)) for c in present} == said_before  # nobody nudged or left
    t[0] += 600.0
    later = channel.tick()  # still paused: time stands still for the buyers
    assert not any(u.left or u.arrived for u in later)

    channel.resume()  # time runs again from where it stood
    t[0] += 1.0
    assert not any(u.left for u in channel.tick())


def test_a_buyer_who_goes_quiet_leaves_the_chat_open_and_the_agent_can_write(ws: Workspace) -> None:
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=3)
    channel.monotonic = lambda: t[0]
    conv_id = _arrived(channel.spawn("urge_shipment"))[0]
    conv = ws.reception.get(conv_id)
    assert conv is not None
    if conv.state is ConversationState.WAITING:
        ws.reception.accept(conv_id, ws.agent.id)  # 接待中: the agent's own chat
    left = ""
    for _ in range(3600):
        t[0] += 1.0
        left = left or next((u.left for u in channel.tick() if u.left), "")
        if left:
            break
    assert left == "ignored"
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.ACTIVE
    note = ws.reception.messages(conv_id)[-1]
    assert note.sender is Sender.SYSTEM and note.text.startswith("买家已离开")
    reply = ws.reception.agent_sends(conv_id, ws.agent.id, "亲，已经给您催了，今天一定发出")
    channel.agent_replied(conv_id, reply.text)  # the buyer is gone: nothing answers, nothing fails
    assert ws.reception.messages(conv_id)[-1].text == reply.text


def test_quiet_chats_end_after_the_idle_time_and_busy_ones_stay(ws: Workspace) -> None:
    clock = ws.clock
    assert isinstance(clock, FakeClock)
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=5)
    channel.monotonic = lambda: t[0]
    quiet = _arrived(channel.spawn("invoice"))[0]
    clock.now += timedelta(minutes=20)
    busy = _arrived(channel.spawn("when_ship"))[0]
    clock.now += timedelta(minutes=15)  # the first quiet for 35 minutes, the second for 15

    ended = ws.reception.end_idle(timedelta(minutes=30))

    assert quiet in ended and busy not in ended
    got = ws.reception.get(quiet)
    assert got is not None and got.state is ConversationState.ENDED and got.end_reason == "idle"
    still = ws.reception.get(busy)
    assert still is not None and still.state is not ConversationState.ENDED


def test_buyers_word_what_they_say_after_the_product() -> None:
    scenarios = {s.id: s for s in load_scenarios()}
    sim = Simulator(list(scenarios.values()), rng=random.Random(1), arrivals_per_minute=0.0)
    cases = (("复古牛仔外套", ("一条", "那条", "裙", "这条")), ("法式碎花连衣裙", ("一件", "那件", "这件")))
    for product, wrong in cases:
        vid = sim.start_visitor(0.0, "exchange_colour_size", {"商品": product})
        context = sim._visitors[vid].context  # the filled placeholders of this buyer
        for scenario_id in ("exchange_colour_size", "size_advice"):
            scenario = scenarios[scenario_id]
            lines = [m for v in scenario.opening for m in v] + [
                m for step in scenario.steps.values() for v in step.say for m in v
            ]
            texts = [fill_placeholders(line, context) for line in lines]
            assert not [t for t in texts if any(w in t for w in wrong)], (product, scenario_id)
            assert not [t for t in texts if "{" in t]


def test_a_buyer_asked_again_never_repeats_the_same_message() -> None:
    scenarios = load_scenarios()
    for scenario in scenarios:
        sim = Simulator(scenarios, rng=random.Random(7), arrivals_per_minute=0.0, patience_scale=100.0)
        vid = sim.start_visitor(0.0, scenario.id)
        said: list[str] = []
        t = 0.0
        for _ in range(40):  # the agent keeps missing the point
            t += 30.0
            said += [e.text for e in sim.tick(t) if isinstance(e, CustomerSaid)]
            sim.agent_replied(vid, "嗯嗯", t)
        repeats = [a for a, b in itertools.pairwise(said) if a == b]
        assert not repeats, (scenario.id, said)


def test_a_buyer_does_not_raise_the_same_order_twice(ws: Workspace) -> None:
    channel = build_channel(ws, rate_per_min=0.0, seed=9)
    exchange = next(s for s in load_scenarios() if s.id == "exchange_colour_size")
    with_cases = {c.order_no for c in ws.aftersales.search(CaseFilter(), limit=10_000).cases}
    seen: list[str] = []
    for _ in range(300):  # more buyers than the shop has fitting orders, or a repeat by chance
        order_no = channel.context_for(exchange).get("订单号")
        if order_no is not None:
            seen.append(order_no)
    assert seen and len(seen) == len(set(seen))
    assert not set(seen) & with_cases


@pytest.mark.parametrize("seed", range(8))
def test_buyers_arriving_in_one_tick_are_never_the_same_customer(ws: Workspace, seed: int) -> None:
    channel = build_channel(ws, rate_per_min=0.0, seed=seed)
    channel._load_cast()  # the cast is read without reserving anyone
    assert channel._cast is not None
    channel._cast = channel._cast[:2]  # a shop with two customers
    presale = next(s for s in load_scenarios() if not s.order_state)
    first, second = channel.context_for(presale), channel.context_for(presale)  # before any tick applies them
    assert first["customer_id"] != second["customer_id"]
