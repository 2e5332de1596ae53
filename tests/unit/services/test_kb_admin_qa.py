"""问答测试 shows what the live bot would do: the reception bot's own transfer rules (keyword, emotion,
repeated question), why an entry is not the answer, and a saved 问法 that another entry already has."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from workbench.composition import open_workspace
from workbench.domain.bot import BotAction, BotChatState, HandoffReason
from workbench.domain.kb import KbEntry, Phrasing
from workbench.kb import tokenizer
from workbench.kb.matcher import Matcher
from workbench.services.kb_admin import close_phrasings, live_reply, why_not
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url


@pytest.fixture
def ws(tmp_path: Path, demo_database: Path) -> Iterator[Workspace]:
    path = tmp_path / "wb.sqlite3"
    shutil.copyfile(demo_database, path)
    tokenizer.set_cache_dir(tmp_path / "jieba")
    workspace = open_workspace(sqlite_url(path))
    yield workspace
    workspace.close()


@pytest.fixture
def matcher(ws: Workspace) -> Matcher:
    return Matcher(ws.kb.entries())


def test_a_transfer_keyword_and_anger_hand_off_as_the_live_bot_does(ws: Workspace, matcher: Matcher) -> None:
    keyword = live_reply(ws.bot, matcher, BotChatState(), "什么时候发货，不发我就投诉")
    assert keyword.decision.action is BotAction.HANDOFF
    assert (keyword.decision.reason, keyword.decision.detail) == (HandoffReason.KEYWORD, "投诉")
    angry = live_reply(ws.bot, matcher, BotChatState(), "你们这什么破东西，气死我了，骗子！！")
    assert angry.decision.reason is HandoffReason.EMOTION
    # the shop's own rules are read: without the keyword, the bot answers
    rules = ws.bot.config().bot.transfer
    ws.bot.save_transfer(replace(rules, keywords=tuple(k for k in rules.keywords if k != "投诉")))
    assert live_reply(ws.bot, matcher, BotChatState(), "什么时候发货，不发我就投诉").decision.reason is None


def test_the_same_question_asked_again_hands_off_in_the_test_chat(ws: Workspace, matcher: Matcher) -> None:
    state = BotChatState()
    actions = []
    for text in ("什么时候发货", "什么时候发货啊", "到底什么时候发货"):
        reply = live_reply(ws.bot, matcher, state, text)
        state = reply.decision.state
        actions.append((reply.decision.action, reply.decision.reason))
    assert actions[:2] == [(BotAction.ANSWER, None)] * 2
    assert actions[2] == (BotAction.HANDOFF, HandoffReason.REPEAT)


def test_why_not_names_the_closest_phrasing_the_missing_core_words_and_the_winner() -> None:
    entries = [
        KbEntry(1, "物流问题", "什么时候发货", ("48小时内",), (Phrasing("多久能发"),)),
        KbEntry(2, "物流问题", "顺丰要补差价吗", ("要补",), (Phrasing("能发顺丰吗", core_words=("顺丰",)),)),
    ]
    m = Matcher(entries)
    check = why_not(m, "能发货吗", 2)
    assert check.phrasing == "能发顺丰吗" and check.missing_core == ("顺丰",)
    assert check.rank is None and check.winner is not None and check.winner.entry_id == 1
    assert 0.0 < check.score < 1.0
    first = why_not(m, "什么时候发货", 1)
    assert first.rank == 1 and first.winner is None and first.score == 1.0
    assert not why_not(m, "什么时候发货", 99).known


def test_a_phrasing_another_entry_has_is_named() -> None:
    shipping = KbEntry(1, "物流问题", "什么时候发货", ("48小时内",), (Phrasing("多久能发货"),))
    other = KbEntry(2, "物流问题", "发什么快递", ("中通",), (Phrasing("默认哪家快递"),))
    m = Matcher([shipping, other])
    edited = replace(other, phrasings=(*other.phrasings, Phrasing("多久能发货呀"), Phrasing("顺丰可以吗")))
    m.upsert(edited)
    close = close_phrasings(m, edited)
    assert [(c.phrasing, c.other_id, c.other_question, c.other_phrasing) for c in close] == [
        ("多久能发货呀", 1, "什么时候发货", "多久能发货")
    ]
    assert close[0].score >= 0.9
    assert close_phrasings(m, shipping) != []  # and the other way round
    assert close_phrasings(m, replace(edited, phrasings=other.phrasings)) == []
