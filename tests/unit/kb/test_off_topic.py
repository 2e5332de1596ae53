"""The off-topic rule of the bot's decision: a message sharing only everyday words with its best
entry, found by the model alone with a low cosine, is no answer."""

from __future__ import annotations

from workbench.domain.kb import KbEntry, Phrasing
from workbench.kb import tokenizer
from workbench.kb.analyzer import analyze
from workbench.kb.matcher import MatchConfig, _Scored, off_topic


def best(message: str, phrasing: str, cos: float | None, rule: bool = False) -> tuple:  # type: ignore[type-arg]
    entry = KbEntry(1, "商品问题", phrasing, ("亲，有的",), (Phrasing(phrasing),))
    scored = _Scored(1, 0.5, None, None, cos=cos)
    if rule:
        scored.rule = object()  # type: ignore[assignment]
    return analyze(message), scored, entry, analyze(phrasing).words


def test_off_topic_needs_no_shared_informative_word_and_a_low_cosine() -> None:
    tokenizer.ensure_loaded()
    cfg = MatchConfig()
    # only everyday words (你们, 怎么) in common, the model unsure: about something else
    assert off_topic(best("你们怎么注销账号", "你们怎么发货", 0.4), cfg)
    # a shop word in common (快递) keeps it
    assert not off_topic(best("快递怎么还没到", "快递到哪了", 0.4), cfg)
    # the model sure enough keeps it; no model asked (lexical only) or a keyword rule keeps it
    assert not off_topic(best("你们怎么注销账号", "你们怎么发货", 0.7), cfg)
    assert not off_topic(best("你们怎么注销账号", "你们怎么发货", None), cfg)
    assert not off_topic(best("你们怎么注销账号", "你们怎么发货", 0.4, rule=True), cfg)
    # the threshold is absolute and can be turned off
    assert not off_topic(best("你们怎么注销账号", "你们怎么发货", 0.4), MatchConfig(t_topic_cos=0.0))


def test_general_idf_ranks_everyday_words_below_shop_words() -> None:
    tokenizer.ensure_loaded()
    line = MatchConfig().topic_idf
    assert max(tokenizer.general_idf(w) for w in ("你们", "怎么", "可以")) < line
    assert min(tokenizer.general_idf(w) for w in ("快递", "尺码", "退款")) > line
