"""挂起 / 离线 at a single-seat desk (the demo setup, 分流 off): no buyer is the desk's, the buyer gets
the shop's 忙碌 auto reply and keeps waiting; the desk opens 在线 after a restart unless configured."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.unit.bot.conftest import FakeClock
from workbench.channels.simulator import CustomerArrived, CustomerSaid
from workbench.composition import build_channel, open_desk
from workbench.domain.auto_messages import DEFAULT_TEMPLATES, AutoKind
from workbench.domain.conversations import ConversationState, Message, Sender
from workbench.domain.routing import RoutingConfig
from workbench.domain.shops import AgentStatus
from workbench.launch import LaunchConfig
from workbench.paths import AppPaths
from workbench.services.live import SimulatedChannel
from workbench.services.routing import AccountForm
from workbench.services.workspace import Workspace
from workbench.settings import Settings
from workbench.storage.db import sqlite_url

BUSY_TEXT = DEFAULT_TEMPLATES[AutoKind.BUSY]


@pytest.fixture
def channel(ws: Workspace) -> Iterator[tuple[SimulatedChannel, list[float]]]:
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=4)
    channel.monotonic = lambda: t[0]
    yield channel, t


def arrive_and_speak(ws: Workspace, channel: tuple[SimulatedChannel, list[float]], scenario: str) -> int:
    """A simulated buyer comes in and writes their opening; returns the chat's id."""
    sim, t = channel
    conv_id = sim.spawn(scenario)[0].conversation_id
    for _ in range(120):
        if any(m.sender is Sender.CUSTOMER for m in ws.reception.messages(conv_id)):
            break
        t[0] += 1.0
        sim.tick()
    return conv_id


def bot_lines(ws: Workspace, conv_id: int) -> list[Message]:
    return [m for m in ws.reception.messages(conv_id) if m.sender is Sender.BOT]


@pytest.mark.parametrize("status", [AgentStatus.BUSY, AgentStatus.OFFLINE])
def test_a_buyer_who_comes_while_the_desk_is_away_gets_the_busy_reply_and_waits(
    ws: Workspace, channel: tuple[SimulatedChannel, list[float]], status: AgentStatus
) -> None:
    ws.set_agent_status(status)
    conv_id = arrive_and_speak(ws, channel, "where_is_parcel")
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.WAITING and conv.agent_id is None
    messages = ws.reception.messages(conv_id)
    first_customer = next(i for i, m in enumerate(messages) if m.sender is Sender.CUSTOMER)
    assert [m.text for m in messages[first_customer + 1 :] if m.sender is Sender.BOT] == [BUSY_TEXT]
    (logged,) = [e for e in ws.auto_messages.log() if e.kind is AutoKind.BUSY]
    assert logged.conversation_id == conv_id
    # The buyer reads it (its "please wait" buys the agent time); their next lines get no second reply.
    sim, t = channel
    for _ in range(30):
        t[0] += 1.0
        sim.tick()
    assert len(bot_lines(ws, conv_id)) == 1


def test_an_online_desk_gets_its_buyers_without_the_busy_reply(
    ws: Workspace, channel: tuple[SimulatedChannel, list[float]]
) -> None:
    assert ws.agent.status is AgentStatus.ONLINE
    conv_id = arrive_and_speak(ws, channel, "where_is_parcel")
    assert bot_lines(ws, conv_id) == []


def test_the_busy_reply_can_be_switched_off(ws: Workspace, channel: tuple[SimulatedChannel, list[float]]) -> None:
    ws.auto_messages.save_rule(replace(ws.auto_messages.rules()[AutoKind.BUSY], enabled=False))
    ws.set_agent_status(AgentStatus.BUSY)
    conv_id = arrive_and_speak(ws, channel, "where_is_parcel")
    assert bot_lines(ws, conv_id) == []


def test_with_routing_a_suspended_desk_gets_no_buyer_and_nobody_free_means_the_busy_reply(
    ws: Workspace, channel: tuple[SimulatedChannel, list[float]]
) -> None:
    accounts = ws.routing.accounts()
    me = next(a for a in accounts if a.id == ws.agent.id)
    colleague = next(a for a in accounts if a.id != me.id)
    for a in accounts:
        if a.id not in (me.id, colleague.id):
            ws.routing.update_account(a.id, AccountForm(a.username, a.display_name, a.role, False, 8, False))
    ws.routing.save_config(RoutingConfig(enabled=True))
    ws.set_agent_status(AgentStatus.BUSY)
    first = arrive_and_speak(ws, channel, "where_is_parcel")
    conv = ws.reception.get(first)
    assert conv is not None and conv.agent_id == colleague.id
    assert bot_lines(ws, first) == []
    assert first not in [c.id for c in ws.reception.desk_lists(me.id).waiting]
    ws.routing.set_status(colleague.id, AgentStatus.BUSY)
    second = arrive_and_speak(ws, channel, "size_advice")
    conv = ws.reception.get(second)
    assert conv is not None and conv.agent_id is None
    assert [m.text for m in bot_lines(ws, second)] == [BUSY_TEXT]


@pytest.mark.parametrize(("configured", "expected"), [("online", AgentStatus.ONLINE), ("busy", AgentStatus.BUSY)])
def test_the_desk_opens_online_after_a_restart_unless_configured(
    tmp_path: Path, demo_file: Path, clock: FakeClock, configured: str, expected: AgentStatus
) -> None:
    paths = AppPaths.under(tmp_path / "desk")
    paths.ensure()
    shutil.copyfile(demo_file, paths.database)
    config = LaunchConfig(paths=paths, db_url=sqlite_url(paths.database), settings=Settings(), simulator=False)
    ws = open_desk(config, clock=clock)
    ws.set_agent_status(AgentStatus.BUSY if expected is AgentStatus.ONLINE else AgentStatus.OFFLINE)
    ws.close()
    config = replace(config, settings=Settings(status_on_login=configured))
    ws = open_desk(config, clock=clock)
    try:
        assert ws.agent.status is expected
        assert ws.desk.agent(ws.agent.id) == ws.agent  # stored, not only shown
    finally:
        ws.close()


def test_a_buyer_whose_first_line_comes_later_gets_the_busy_reply_to_it_once(
    ws: Workspace, channel: tuple[SimulatedChannel, list[float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The buyer's arrival and first line come in different ticks (the buyer is still typing)."""
    sim, _ = channel
    ws.set_agent_status(AgentStatus.BUSY)
    customer = ws.orders.page(limit=1).rows[0][0].customer_id
    monkeypatch.setattr(sim, "_customer_for", lambda _context: customer)
    (arrived,) = sim._apply([CustomerArrived("v1", "where_is_parcel", "查物流", {})])
    assert bot_lines(ws, arrived.conversation_id) == []  # nothing said yet: nothing to answer
    (first,) = sim._apply([CustomerSaid("v1", "在吗", opening=True)])
    assert [m.sender for m in first.messages] == [Sender.CUSTOMER, Sender.BOT]
    (second,) = sim._apply([CustomerSaid("v1", "帮我查一下快递")])
    assert [m.sender for m in second.messages] == [Sender.CUSTOMER]
    assert [m.text for m in bot_lines(ws, arrived.conversation_id)] == [BUSY_TEXT]
