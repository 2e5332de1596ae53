"""A long message whose question, read alone in its clause, finds the entry the whole message ranks
first: that entry's score is the clause's (× `confirm_weight`), so the bot does not drop the message
for the story around the question. The ranking itself stays the same."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.domain.kb import KbEntry, Phrasing
from workbench.kb.matcher import MatchConfig, Matcher, OutcomeKind

SHRINK, FADE, SIZE = 1, 2, 3

# a buyer's story, then the question (the story's words dilute the whole message's score)
STORY = "我之前在别家买的纯棉T恤洗一次就短了一大截，穿都穿不了，这次真的不敢乱买了，你们这件洗了会缩水吗"


def kb() -> list[KbEntry]:
    return [
        KbEntry(SHRINK, "商品问题", "洗了会缩水吗", ("经过预缩处理",), (Phrasing("会不会缩水"),)),
        KbEntry(FADE, "商品问题", "会掉色吗", ("不会掉色",), (Phrasing("洗了掉不掉色"),)),
        KbEntry(SIZE, "商品问题", "怎么选尺码", ("看尺码表",), (Phrasing("穿什么码"),)),
    ]


def matcher(**changes: float) -> Matcher:
    return Matcher(kb(), config=dataclasses.replace(MatchConfig(), **changes))


def test_the_clause_that_found_the_best_entry_lifts_its_score() -> None:
    plain = matcher(confirm_weight=0.0).match(STORY)
    lifted = matcher().match(STORY)
    assert plain[0].entry_id == lifted[0].entry_id == SHRINK
    alone = matcher().match("你们这件洗了会缩水吗")[0].score
    assert lifted[0].score == pytest.approx(max(plain[0].score, alone * MatchConfig().confirm_weight), abs=1e-3)
    assert lifted[0].score > plain[0].score


def test_the_lift_turns_a_dropped_message_into_an_answer_or_options() -> None:
    cfg = MatchConfig()
    low = matcher(confirm_weight=0.0)
    assert low.match(STORY)[0].score < cfg.t_clarify  # without the clause the story drowns the question
    assert low.decision(STORY) == OutcomeKind.FALLBACK
    outcome = matcher().answer(STORY)
    assert outcome.kind != OutcomeKind.FALLBACK
    assert outcome.best is not None and outcome.best.entry_id == SHRINK


def test_only_the_best_entry_is_lifted_and_the_order_stays() -> None:
    plain = matcher(confirm_weight=0.0).match(STORY)
    lifted = matcher().match(STORY)
    assert [s.entry_id for s in lifted] == [s.entry_id for s in plain]
    assert [s.score for s in lifted[1:]] == [s.score for s in plain[1:]]
    assert [s.score for s in lifted] == sorted((s.score for s in lifted), reverse=True)


def test_a_short_message_has_no_clauses_to_lift_it() -> None:
    text = "洗了会缩水吗"
    assert matcher().match(text)[0].score == matcher(confirm_weight=0.0).match(text)[0].score
