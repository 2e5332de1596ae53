"""The shipped language data and the parsers of its text formats."""

from __future__ import annotations

from workbench.kb import tokenizer
from workbench.kb.lexicon import get_lexicon, parse_synonyms, parse_t2s, parse_userdict


def test_parse_synonyms_line_kinds() -> None:
    syn = parse_synonyms(
        """
        # a comment
        什么时候 = 啥时候 几时   # trailing comment
        物流 ~ 快递 包裹
        ! 在吗 你好
        !! 亲 请问
        """
    )
    assert syn.canonical == {"啥时候": "什么时候", "几时": "什么时候"}
    assert syn.concepts == {"物流": ("物流",), "快递": ("物流",), "包裹": ("物流",)}
    assert syn.fillers == {"在吗", "你好"}
    assert syn.particles == {"亲", "请问"}


def test_parse_synonyms_first_canonical_wins_and_concepts_follow_canonical_forms() -> None:
    syn = parse_synonyms("发货 = 寄出\n发出 = 寄出\n物流 ~ 寄出\n")
    assert syn.canonical == {"寄出": "发货"}
    assert syn.concepts["发货"] == ("物流",)


def test_parse_synonyms_ignores_malformed_lines() -> None:
    syn = parse_synonyms("a b = c\n= c\nd =\n")
    assert syn.canonical == {}
    assert syn.concepts == {}


def test_parse_synonyms_lower_cases() -> None:
    assert parse_synonyms("ok = OK Okay\n").canonical == {"okay": "ok"}


def test_parse_t2s_and_userdict() -> None:
    assert parse_t2s("# c\n發\t发\nbad line here\n") == {ord("發"): "发"}
    assert parse_userdict("# c\n包邮\n88VIP 5000 nz\n") == (("包邮", None), ("88vip", 5000))


def test_shipped_lexicon() -> None:
    lex = get_lexicon()
    assert "發貨".translate(lex.t2s) == "发货"
    assert "麼".translate(lex.t2s) == "么"
    syn = lex.synonyms
    assert syn.canonical["啥时候"] == "什么时候"
    assert syn.canonical["咋"] == "怎么"
    assert "物流" in syn.concepts["快递"]
    assert "亲" in syn.particles
    assert "在吗" in syn.fillers
    assert ("包邮", None) in lex.user_words


def test_lexicon_words_are_single_tokens() -> None:
    words = ["七天无理由", "运费险", "88vip", "啥时候", "在不在", "什么时候"]
    for word in words:
        assert tokenizer.cut(word) == [word]
