"""Full-auto in the reception window: the bot serves a simulated customer, and the hand-off lands in
the agent's 待接待 with the bot's part of the conversation and the reason."""

from __future__ import annotations

from dataclasses import replace

from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.composition import build_channel
from workbench.domain.bot import AutoStrategy, ReceptionConfig, ReceptionMode
from workbench.domain.conversations import ConversationState, Sender
from workbench.services.bot import BotService
from workbench.services.live import ChannelUpdate


def test_bot_serves_a_customer_and_hands_off_to_waiting(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    ws, matcher = window.workspace, window.matcher
    assert ws is not None and matcher is not None
    bot = BotService(ws.db, ws.shop.id, ws.clock, actor=ws.actor)
    bot.save_reception(ReceptionConfig(mode=ReceptionMode.AUTO, strategy=AutoStrategy.BOT_FIRST))
    bot.save_transfer(replace(bot.settings().transfer, max_misses=1, repeat_limit=2))  # hand off soon

    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=4)
    channel.monotonic = lambda: t[0]
    channel.set_matcher(matcher)
    window.controller.channel = channel
    spawned: list[ChannelUpdate] = []

    def arrived(updates: list[ChannelUpdate]) -> None:
        spawned.extend(updates)
        window.controller.apply_updates(updates)

    with qtbot.waitSignal(window.lists_refreshed, timeout=10_000):
        window.tasks.write(lambda: channel.spawn("where_is_parcel"), arrived)
    conv = spawned[0]
    # The bot serves it: the chat is not on the agent's desk at all.
    assert window.list_model.count(ConversationState.WAITING) == 0
    assert window.list_model.count(ConversationState.ACTIVE) == 0

    handed: list[ChannelUpdate] = []

    def tick() -> list[ChannelUpdate]:
        t[0] += 5.0
        return channel.tick()

    def step(updates: list[ChannelUpdate]) -> None:
        handed.extend(u for u in updates if u.handoff_reason)
        window.controller.apply_updates(updates)

    for _ in range(120):
        with qtbot.waitSignal(window.lists_refreshed, timeout=10_000, raising=False):
            window.tasks.write(tick, step)
        if handed:
            break
    assert handed and handed[0].conversation_id == conv.conversation_id
    qtbot.waitUntil(lambda: window.list_model.count(ConversationState.WAITING) == 1, timeout=10_000)
    waiting = window.list_model.conversations(ConversationState.WAITING)[0]
    assert waiting.id == conv.conversation_id and waiting.unread >= 1

    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(conv.conversation_id)
    messages = window.chat.message_model.messages()
    senders = [m.sender for m in messages]
    assert senders[0] is Sender.BOT and Sender.CUSTOMER in senders  # the welcome card, then the chat
    assert senders.count(Sender.BOT) >= 2  # the bot answered before handing off
    note = next(m for m in messages if m.sender is Sender.SYSTEM)
    assert note.text.startswith("机器人转人工：")
    assert window.accept_button.isVisible()  # the agent takes it from 待接待
