"""邀请评价 answered: the simulated buyer rates the chat as it went, the rating is stored with the
invitation and counted for the reports. A real SQLite file, the demo shop, the real channel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from workbench.composition import build_channel, open_workspace
from workbench.domain.cards import CardKind, Satisfaction, parse_card, parse_rating_answer
from workbench.domain.conversations import Sender
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url
from workbench.storage.repositories.conversation_actions import ConversationActionRepository


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 11, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = open_workspace(sqlite_url(tmp_path / "wb.sqlite3"), clock=FakeClock())
    yield workspace
    workspace.close()


def test_the_simulated_buyer_answers_the_rating_card_and_the_reports_count_it(ws: Workspace) -> None:
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=11)
    channel.monotonic = lambda: t[0]
    conv_id = channel.spawn("when_ship")[0].conversation_id
    ws.reception.accept(conv_id, ws.agent.id)
    ws.reception.agent_sends(conv_id, ws.agent.id, "亲，今天下午就给您发货哦")  # answered at once
    channel.agent_replied(conv_id, "亲，今天下午就给您发货哦")
    ws.reception.invite_rating(conv_id)
    channel.rating_invited(conv_id)
    answers = []
    for _ in range(120):
        t[0] += 1.0
        answers += [m for u in channel.tick() if u.conversation_id == conv_id for m in u.messages]
        if any(parse_rating_answer(m.text) for m in answers):
            break
    rated = [m for m in answers if parse_rating_answer(m.text) is not None]
    assert len(rated) == 1 and rated[0].sender is Sender.SYSTEM  # a note, not a question for the agent
    rating = parse_rating_answer(rated[0].text)
    assert rating in (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.NEUTRAL)
    card = parse_card(rated[0].text)
    assert card is not None and card.kind is CardKind.RATING
    with ws.db.session() as s:
        assert ConversationActionRepository(s).rating(conv_id) == rating.value  # stored for the reports
    summary = ws.reception.satisfaction()
    assert summary.answered == 1 and dict(summary.counts)[rating] == 1
    # the first answer stands: a second one is not recorded
    assert ws.reception.buyer_rates(conv_id, Satisfaction.DISSATISFIED) is None
    assert ws.reception.satisfaction().answered == 1


def test_a_chat_never_invited_cannot_be_rated(ws: Workspace) -> None:
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=5)
    channel.monotonic = lambda: t[0]
    conv_id = channel.spawn("when_ship")[0].conversation_id
    assert ws.reception.buyer_rates(conv_id, Satisfaction.SATISFIED) is None
    assert ws.reception.satisfaction().answered == 0
