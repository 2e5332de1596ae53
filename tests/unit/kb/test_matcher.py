"""Matcher behaviour on a small made-up shop knowledge base."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.domain.kb import KbEntry, Phrasing, PhrasingKind
from workbench.kb.matcher import MatchConfig, Matcher, OutcomeKind


@pytest.fixture
def matcher(entries: list[KbEntry]) -> Matcher:
    return Matcher(entries)


def top_id(matcher: Matcher, text: str, **kwargs: object) -> int | None:
    found = matcher.match(text, **kwargs)  # type: ignore[arg-type]
    return found[0].entry_id if found else None


# ------------------------------------------------------------------ the same question, typed differently
@pytest.mark.parametrize(
    "typed",
    [
        "什么时候发货",
        "什麼時候發貨",  # traditional script
        "亲，在吗？请问什么时候发货呀？谢谢！",  # pleasantries
        "老板老板，什么时候发货？？？急急急",
        "什么时候发货😊🙏",  # emoji
        "什么时候发货？！　",  # full-width punctuation and space
        "啥时候发货",  # colloquial
    ],
)
def test_same_answer_however_it_is_typed(matcher: Matcher, typed: str) -> None:
    best = matcher.match(typed, top=1)[0]
    assert best.entry_id == 1
    assert best.score == 1.0
    assert matcher.answer(typed).kind is OutcomeKind.DIRECT


def test_full_width_question() -> None:
    m = Matcher([KbEntry(1, "活动优惠", "88VIP有折扣吗", ("有",)), KbEntry(2, "活动优惠", "有满减吗", ("有",))])
    assert top_id(m, "８８ｖｉｐ有折扣吗？") == 1
    assert m.match("８８ｖｉｐ有折扣吗？")[0].score == 1.0


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("今天下单能发吗", 1),
        ("啥时候能发", 1),
        ("多久发货", 1),
        ("默认快递是哪家", 2),
        ("衣服尺码准吗", 6),
        ("会有色差吗", 8),
        ("退款怎么弄", 7),
        ("发票怎么开", 9),
        ("怎么领券", 5),
        ("亲，在不在", 4),
    ],
)
def test_paraphrases_find_their_entry(matcher: Matcher, question: str, expected: int) -> None:
    assert top_id(matcher, question) == expected


def test_typo_still_finds_the_entry(matcher: Matcher) -> None:
    best = matcher.match("什么时候发获")[0]
    assert best.entry_id == 1
    assert any(r.startswith(("fuzzy:", "homophone:")) for r in best.reasons)


# ------------------------------------------------------------------ scores and outcomes
def test_scores_are_sorted_and_in_range(matcher: Matcher) -> None:
    found = matcher.match("退货要运费吗", top=10)
    assert found
    scores = [s.score for s in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_unrelated_message_falls_back(matcher: Matcher) -> None:
    outcome = matcher.answer("你们老板是哪里人")
    assert outcome.kind is OutcomeKind.FALLBACK
    assert outcome.best is None and outcome.options == ()


def test_thresholds_decide_the_outcome(entries: list[KbEntry]) -> None:
    score = Matcher(entries).match("啥时候能发")[0].score
    assert 0.0 < score < 1.0
    direct = Matcher(entries, MatchConfig(t_direct=score, t_clarify=score / 2))
    assert direct.answer("啥时候能发").kind is OutcomeKind.DIRECT
    clarify = Matcher(entries, MatchConfig(t_direct=score + 0.01, t_clarify=score))
    outcome = clarify.answer("啥时候能发")
    assert outcome.kind is OutcomeKind.CLARIFY
    assert outcome.best is not None and outcome.best.entry_id == 1
    assert outcome.options[0] == outcome.best
    fallback = Matcher(entries, MatchConfig(t_direct=0.99, t_clarify=score + 0.01))
    assert fallback.answer("啥时候能发").kind is OutcomeKind.FALLBACK


def test_clarify_options_stay_within_the_window() -> None:
    entries = [
        KbEntry(i, "物流问题", q, ("a",))
        for i, q in enumerate(["快递到哪了", "物流到哪了", "包裹到哪了", "发货了吗"], 1)
    ]
    cfg = MatchConfig(t_direct=1.01, t_clarify=0.1, clarify_window=0.3, max_options=2)
    outcome = Matcher(entries, cfg).answer("我的快递呢")
    assert outcome.kind is OutcomeKind.CLARIFY
    assert outcome.best is not None
    assert 1 <= len(outcome.options) <= 2
    assert all(outcome.best.score - o.score <= 0.3 + 1e-9 for o in outcome.options)
    assert all(o.score >= 0.1 for o in outcome.options)


def test_explanations(matcher: Matcher) -> None:
    best = matcher.match("亲，啥时候能发呀")[0]
    assert best.entry_id == 1
    assert best.question == "什么时候发货"
    assert best.answer == "付款后48小时内发货"
    assert best.category == "物流问题"
    assert best.matched_phrasing in ("什么时候发货", "今天下单今天能发吗", "多久能寄出")
    assert "什么时候" in best.matched_words or "可以" in best.matched_words
    assert "ignored:亲,呀" in best.reasons


def test_synonym_is_explained(matcher: Matcher) -> None:
    best = matcher.match("咋申请退款")[0]
    assert best.entry_id == 7
    assert "synonym:咋=怎么" in best.reasons
    assert best.score == 1.0


def test_related_words_are_explained() -> None:
    m = Matcher([KbEntry(1, "物流问题", "物流到哪了", ("a",)), KbEntry(2, "售后问题", "怎么退款", ("b",))])
    best = m.match("快递到哪了")[0]
    assert best.entry_id == 1
    assert "related:快递~物流" in best.reasons
    assert 0.5 < best.score < 1.0


# ------------------------------------------------------------------ core words, negatives, keywords
def test_core_words_are_required(matcher: Matcher) -> None:
    best = matcher.match("能发顺丰吗")[0]
    assert best.entry_id == 2
    assert "core:顺丰" in best.reasons
    # the phrasing with the core word cannot match without it: 可以发...吗 alone is not enough
    found = {s.entry_id: s for s in matcher.match("可以发韵达吗", top=10)}
    assert 2 not in found or found[2].matched_phrasing != "可以发顺丰吗"


def test_core_words_can_be_optional(entries: list[KbEntry]) -> None:
    strict = Matcher(entries)
    loose = Matcher(entries, MatchConfig(require_core_words=False))
    text = "可以发韵达吗"
    strict_phrasings = {s.matched_phrasing for s in strict.match(text, top=10)}
    loose_phrasings = {s.matched_phrasing for s in loose.match(text, top=10)}
    assert "可以发顺丰吗" not in strict_phrasings
    assert "可以发顺丰吗" in loose_phrasings


def test_core_words_weigh_more() -> None:
    plain = Matcher([KbEntry(1, "物流问题", "可以发顺丰吗", ("a",))])
    marked = Matcher([KbEntry(1, "物流问题", "顺丰", ("a",), (Phrasing("可以发顺丰吗", core_words=("顺丰",)),))])
    assert marked.match("顺丰到付行吗")[0].score > plain.match("顺丰到付行吗")[0].score


def test_negative_phrasing_vetoes_the_entry(matcher: Matcher) -> None:
    assert top_id(matcher, "有优惠券吗") == 5
    assert 5 not in {s.entry_id for s in matcher.match("优惠券用不了", top=10)}
    assert 5 not in {s.entry_id for s in matcher.match("亲，優惠券用不了！", top=10)}


def test_a_negative_phrasing_vetoes_only_what_is_nearer_to_it_than_to_the_entry() -> None:
    # 不要人工 is near 人工, but 人工 is the entry's own keyword and phrasing
    human = KbEntry(
        1,
        "聊天互动",
        "转人工客服",
        ("a",),
        (
            Phrasing("转人工", core_words=("人工",)),
            Phrasing("人工", kind=PhrasingKind.KEYWORD),
            Phrasing("不用转人工", negative=True),
            Phrasing("不要人工", negative=True),
        ),
    )
    robot = KbEntry(2, "聊天互动", "你是机器人吗", ("b",), (Phrasing("是真人吗", core_words=("真人",)),))
    m = Matcher([human, robot])
    for text in ("人工", "人工！！", "转人工"):
        assert top_id(m, text) == 1, text
    for text in ("不要人工", "不用转人工"):
        assert 1 not in {s.entry_id for s in m.match(text, top=5)}, text
    # asking whether a person answers is not asking for one
    assert top_id(m, "真人吗？") == 2
    assert top_id(m, "真人客服") == 1


def test_a_negative_phrasing_vetoes_only_a_message_that_holds_what_makes_it_negative() -> None:
    # 投诉 alone is nearer 不投诉 than the entry's own phrasings, but has no 不: the buyer wants to complain
    complaint = KbEntry(
        1,
        "更多问题",
        "我要投诉",
        ("a",),
        (
            Phrasing("投诉你们"),
            Phrasing("我要去投诉"),
            Phrasing("怎么投诉你们店"),
            Phrasing("不是投诉", negative=True),
            Phrasing("不投诉", negative=True),
        ),
    )
    thanks = KbEntry(2, "聊天互动", "谢谢", ("b",), (Phrasing("谢谢你"),))
    m = Matcher([complaint, thanks])
    assert top_id(m, "投诉") == 1
    assert m.check("投诉", 1).vetoed_by == ""
    for text in ("不投诉", "不是投诉"):
        assert 1 not in {s.entry_id for s in m.match(text, top=5)}, text
        assert m.check(text, 1).vetoed_by != "", text


def test_negative_keyword_vetoes_the_entry() -> None:
    entry = KbEntry(
        1,
        "售后问题",
        "怎么申请退款",
        ("a",),
        (Phrasing("退款 运费", kind=PhrasingKind.KEYWORD, negative=True),),
    )
    m = Matcher([entry])
    assert top_id(m, "怎么申请退款") == 1
    assert m.match("怎么申请退款，运费谁出") == []


def test_keyword_rule_needs_every_word() -> None:
    entry = KbEntry(1, "售后问题", "退货运费谁承担", ("a",), (Phrasing("运费险 退货", kind=PhrasingKind.KEYWORD),))
    other = KbEntry(2, "物流问题", "什么时候发货", ("b",))
    m = Matcher([entry, other])
    best = m.match("我买了运费险，现在想退货")[0]
    assert best.entry_id == 1
    assert best.score >= m.config.keyword_score
    assert "keyword:运费险+退货" in best.reasons
    assert all(s.entry_id != 1 or s.score < m.config.keyword_score for s in m.match("运费险是什么", top=5))


def test_keyword_rule_from_core_words(matcher: Matcher) -> None:
    best = matcher.match("有没有運費險")[0]  # traditional script, synonym 有没有
    assert best.entry_id == 3
    assert best.matched_phrasing == "运费险" or "keyword:运费险" in best.reasons


# ------------------------------------------------------------------ filters
def test_category_filter(matcher: Matcher) -> None:
    assert top_id(matcher, "什么时候发货", category="物流问题") == 1
    found = matcher.match("什么时候发货", category="售后问题", top=10)
    assert found and all(s.category == "售后问题" for s in found)
    assert matcher.match("什么时候发货", category="没有这个分类") == []


def test_disabled_entries_never_match(matcher: Matcher) -> None:
    assert all(s.entry_id != 10 for s in matcher.match("店铺地址在哪里", top=10))
    assert len(matcher) == 10  # still known, just not matchable


def test_empty_and_meaningless_messages(matcher: Matcher) -> None:
    for text in ("", "   ", "？？？", "😊😊", "\x00\x01"):
        assert matcher.match(text) == []
        assert matcher.answer(text).kind is OutcomeKind.FALLBACK
    assert matcher.match("什么时候发货", top=0) == []


def test_ties_are_broken_by_popularity_then_id() -> None:
    a = KbEntry(1, "物流问题", "发货", ("a",), hits=1)
    b = KbEntry(2, "物流问题", "发货", ("b",), hits=5)
    c = KbEntry(3, "物流问题", "发货", ("c",), hits=5)
    assert [s.entry_id for s in Matcher([a, b, c]).match("发货")] == [2, 3, 1]


def test_empty_knowledge_base() -> None:
    m = Matcher()
    assert len(m) == 0
    assert m.match("什么时候发货") == []
    assert m.answer("什么时候发货").kind is OutcomeKind.FALLBACK


def test_rank_matches_match(matcher: Matcher) -> None:
    text = "今天下单能发吗"
    assert matcher.rank(text, top=3) == [(s.entry_id, s.score) for s in matcher.match(text, top=3)]


def test_similarity_is_symmetric_and_calibrated(matcher: Matcher) -> None:
    assert matcher.similarity("什么时候发货", "什麼時候發貨") == 1.0
    ab = matcher.similarity("什么时候发货", "多久能寄出")
    assert ab == pytest.approx(matcher.similarity("多久能寄出", "什么时候发货"))
    assert 0.0 < ab < 1.0
    assert matcher.similarity("什么时候发货", "") == 0.0


def test_repeated_ids_keep_the_last_entry() -> None:
    old = KbEntry(1, "物流问题", "什么时候发货", ("old",))
    new = dataclasses.replace(old, question="发什么快递", answers=("new",))
    m = Matcher([old, new])
    assert len(m) == 1
    assert m.match("发什么快递")[0].answer == "new"
    assert m.match("什么时候发货", top=5) == [] or m.match("什么时候发货")[0].score < 1.0


def test_best_phrasing_found_among_many_partial_matches() -> None:
    # hundreds of phrasings share the message's rarer word; the ranking keeps only those reached
    # with enough weight, and the one that shares every word must still come first
    noise = [KbEntry(i, "商品问题", f"羽绒服{i}号色", ()) for i in range(400)]
    target = KbEntry(999, "商品问题", "羽绒服可以机洗吗", ())
    m = Matcher([*noise[:200], target, *noise[200:]])
    assert m.match("羽绒服能机洗吗")[0].entry_id == 999
    assert m.rank("羽绒服能不能机洗", top=3)[0][0] == 999


# ------------------------------------------------------------------ answer() is match()'s verdict
def test_answer_holds_the_suggestions_match_shows_for_every_kind_of_outcome(
    matcher: Matcher, entries: list[KbEntry]
) -> None:
    # answer() builds only the suggestions it returns; they are the ones match() ranks, explanations and all
    cfg = matcher.config
    texts = [e.question for e in entries] + [p.text for e in entries for p in e.phrasings]
    texts += ["在吗", "哈哈哈", "asdfgh", "发货", "快递顺丰", "能退吗", "尺码", "亲，有优惠吗？"]
    kinds = set()
    for text in texts:
        ranked = matcher.match(text, top=cfg.max_options)
        outcome = matcher.answer(text)
        kinds.add(outcome.kind)
        if not ranked or ranked[0].score < cfg.t_clarify:
            assert (outcome.kind, outcome.best, outcome.options) == (OutcomeKind.FALLBACK, None, ())
        elif ranked[0].score >= cfg.t_direct:
            assert (outcome.kind, outcome.best, outcome.options) == (OutcomeKind.DIRECT, ranked[0], ())
        else:
            floor = max(cfg.t_clarify, ranked[0].score - cfg.clarify_window)
            options = tuple(s for s in ranked if s.score >= floor)
            assert (outcome.kind, outcome.best, outcome.options) == (OutcomeKind.CLARIFY, ranked[0], options)
    assert OutcomeKind.DIRECT in kinds and OutcomeKind.FALLBACK in kinds
