"""Simulated customers click welcome-card questions (欢迎语卡片) in full-auto reception: the click
arrives as the question's text, the bot answers it, and the entry's 热度 counts it."""

from __future__ import annotations

import random

import pytest

import workbench.channels.simulator as simulator_module
from workbench.channels.scenarios import load_scenarios
from workbench.channels.simulator import CustomerSaid, Simulator
from workbench.composition import build_channel
from workbench.domain.bot import AutoStrategy, ReceptionConfig, ReceptionMode
from workbench.domain.conversations import Message, Sender
from workbench.kb.matcher import Matcher
from workbench.services.bot import BotService
from workbench.services.live import SimulatedChannel
from workbench.services.workspace import Workspace

pytestmark = pytest.mark.usefixtures("jieba_ready")


@pytest.fixture
def matcher(ws: Workspace) -> Matcher:
    return Matcher(ws.kb.entries())


@pytest.fixture
def bot_service(ws: Workspace) -> BotService:
    service = BotService(ws.db, ws.shop.id, ws.clock, actor=ws.actor)
    service.save_reception(ReceptionConfig(mode=ReceptionMode.AUTO, strategy=AutoStrategy.BOT_FIRST))
    return service


def heat(ws: Workspace, entry_id: int | None) -> int:
    return next(e.hits for e in ws.kb.entries() if e.id == entry_id)


def channel_for(ws: Workspace, matcher: Matcher, seed: int) -> tuple[SimulatedChannel, list[float]]:
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=seed)
    channel.monotonic = lambda: t[0]
    channel.set_matcher(matcher)
    return channel, t


def run(channel: SimulatedChannel, t: list[float], conv_id: int, seconds: int) -> list[Message]:
    out: list[Message] = []
    for _ in range(seconds):
        t[0] += 1.0
        for update in channel.tick():
            if update.conversation_id == conv_id:
                out += update.messages
    return out


def test_a_customer_whose_question_is_on_the_card_clicks_it_and_the_bot_answers(
    ws: Workspace, matcher: Matcher, bot_service: BotService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator_module, "CARD_CLICK_OWN", 1.0)  # this customer always clicks
    card = bot_service.welcome_card()
    size_question = next(q for q in card.questions if "码" in q.question)
    before = heat(ws, size_question.entry_id)
    channel, t = channel_for(ws, matcher, seed=3)
    first = channel.spawn("size_advice")[0]
    assert first.arrived and first.by_bot
    sent = [(m.sender, m.text) for m in first.messages]
    assert sent[0][0] is Sender.BOT and "猜你想问" in sent[0][1]
    assert sent[1] == (Sender.CUSTOMER, size_question.question)  # exactly what a real click sends
    answer = next(e.answers[0] for e in ws.kb.entries() if e.id == size_question.entry_id)
    assert sent[2] == (Sender.BOT, answer.replace("{机器人昵称}", card.nickname))
    assert heat(ws, size_question.entry_id) == before + 1
    # The click took the place of the typed opening, and the customer goes on with the scenario.
    later = run(channel, t, first.conversation_id, 60)
    scenario = next(s for s in load_scenarios() if s.id == "size_advice")
    typed_openings = {m for v in scenario.opening for m in v}
    customer_lines = [m.text for m in first.messages + tuple(later) if m.sender is Sender.CUSTOMER]
    assert not typed_openings & set(customer_lines)
    assert len(customer_lines) >= 2, "the customer said nothing after the bot's answer"
    stored = [(m.sender, m.text) for m in ws.reception.messages(first.conversation_id)]
    assert stored[: len(sent)] == sent


def test_a_curious_customer_clicks_reads_the_answer_then_asks_their_own_question(
    ws: Workspace, matcher: Matcher, bot_service: BotService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(simulator_module, "CARD_CLICK_BROWSE", 1.0)
    questions = [q.question for q in bot_service.welcome_card().questions]
    channel, t = channel_for(ws, matcher, seed=5)
    first = channel.spawn("invoice")[0]  # 开发票 is not on the card
    sent = [(m.sender, m.text) for m in first.messages]
    assert sent[1][0] is Sender.CUSTOMER and sent[1][1] in questions
    assert sent[2][0] is Sender.BOT and len(sent) == 3  # the own question comes after reading
    later = run(channel, t, first.conversation_id, 30)
    own = [m.text for m in later if m.sender is Sender.CUSTOMER]
    assert own and "发票" in own[0] and own[0] not in questions  # every invoice opening asks for one
    assert any(m.sender is Sender.BOT and "发票" in m.text for m in later), "the bot did not answer the question"


def test_clicks_are_a_natural_share_and_replace_the_opening() -> None:
    sim = Simulator(load_scenarios(), rng=random.Random(7), arrivals_per_minute=0.0)
    questions = ["我穿什么码合适", "尺码标准吗，偏大还是偏小", "实物有色差吗"]
    own_clicks = browse_clicks = 0
    for i in range(400):
        vid = sim.start_visitor(float(i), "size_advice")
        events = sim.tick(float(i))
        assert any(isinstance(e, CustomerSaid) and e.opening for e in events)
        click = sim.card_shown(vid, questions, float(i), own=0 if i % 2 else None)
        assert sim.card_shown(vid, questions, float(i)) is None  # one card, one chance
        if click is not None:
            assert click.text in questions
            if i % 2:
                own_clicks += 1
                assert click.instead_of_opening and click.text == questions[0]
            else:
                browse_clicks += 1
                assert not click.instead_of_opening
        sim.remove_visitor(vid)
    assert 90 <= own_clicks <= 150  # about 60 % of the 200 whose question is on the card
    assert 10 <= browse_clicks <= 45  # about 12 % of the others


def test_a_replaced_opening_is_never_sent_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(simulator_module, "CARD_CLICK_OWN", 1.0)
    scenario = next(s for s in load_scenarios() if s.id == "size_advice")  # one opening has two messages
    for seed in range(40):
        sim = Simulator([scenario], rng=random.Random(seed), arrivals_per_minute=0.0)
        vid = sim.start_visitor(0.0)
        opening = sim.opening_of(vid)
        if len(opening) < 2:
            continue
        first = sim.tick(0.0)
        assert [(e.text, e.opening) for e in first if isinstance(e, CustomerSaid)] == [(opening[0], True)]
        click = sim.card_shown(vid, ["我穿什么码合适"], 0.0, own=0)
        assert click is not None and click.instead_of_opening
        later = [e for t in range(1, 30) for e in sim.tick(float(t)) if isinstance(e, CustomerSaid)]
        assert not [e for e in later if e.opening or e.text in opening]
        return
    raise AssertionError("no two-message opening drawn in 40 seeds")
