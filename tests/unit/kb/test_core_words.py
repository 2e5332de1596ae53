"""划词 core words are honoured: a phrasing whose core words all occur in the message brings its entry
among the suggestions, and a marked span (not only a word jieba cuts) becomes a word of the tokenizer,
for the live index, for edits and for the analyses kept between starts.

Each test marks its own span, never used by another test: the tokenizer's words are per process."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from workbench.domain.kb import KbEntry, Phrasing
from workbench.kb import tokenizer
from workbench.kb.analyzer import analyze
from workbench.kb.index_cache import AnalysisCache
from workbench.kb.matcher import Matcher, _keep_core

_THINGS = ("发货", "到货", "上新", "退款", "补货", "开售", "降价", "回复", "签收", "直播", "开票", "上架", "到账")
_THINGS += ("押金", "会费", "保证金", "材料", "作业", "报告", "订金")
_NOUNS = ("衣服", "裤子", "鞋子", "帽子", "包包", "手表", "耳机", "杯子", "被子", "枕头", "袜子", "围巾")
_ASKS = ("可以洗吗", "怎么保养", "有几种颜色", "尺码准吗", "会掉色吗", "是什么材质", "能便宜点吗", "有赠品吗")


def _crowded_kb() -> list[KbEntry]:
    """Many entries asking "when …?", some others, and one about the balance payment (尾款) whose closest
    phrasing needs 定金 too, while another of its phrasings needs only 尾款."""
    entries = [
        KbEntry(i, "物流问题", f"什么时候{t}", ("看页面",), (Phrasing(f"{t}什么时候交"), Phrasing(f"啥时候能{t}")))
        for i, t in enumerate(_THINGS, start=1)
    ]
    entries += [
        KbEntry(100 + i * 10 + j, "商品问题", f"{n}{a}", ("看详情",))
        for i, n in enumerate(_NOUNS)
        for j, a in enumerate(_ASKS)
    ]
    entries.append(
        KbEntry(
            99,
            "活动优惠",
            "预售定金和尾款怎么付",
            ("先付定金，尾款在页面写的时间内付",),
            (
                Phrasing("定金尾款什么时候付", core_words=("定金", "尾款")),
                Phrasing("尾款几号付", core_words=("尾款",)),
            ),
        )
    )
    return entries


def test_an_entry_whose_core_words_are_all_in_the_message_is_suggested() -> None:
    m = Matcher(_crowded_kb())
    for text in ("尾款啥时候交", "亲 请问尾款啥时候交呀", "我付了定金，尾款什么时候交"):
        found = m.match(text, top=5)
        assert 99 in [s.entry_id for s in found], text
        scores = [s.score for s in found]
        assert scores == sorted(scores, reverse=True)  # still best first
    assert 99 in [e for e, _ in m.rank("尾款啥时候交", top=5)]
    # not when a phrasing's core words are missing: 定金 and 尾款 are both absent here
    assert 99 not in [s.entry_id for s in m.match("多久发货", top=5)]


def test_keep_core_takes_the_place_of_the_lowest_others() -> None:
    ranked = [("a", False), ("b", False), ("c", True), ("d", False), ("e", True), ("f", True)]
    assert _keep_core(ranked, 4, lambda r: r[1]) == [("a", False), ("c", True), ("e", True), ("f", True)]
    assert _keep_core(ranked, 3, lambda r: r[1]) == [("c", True), ("e", True), ("f", True)]
    assert _keep_core(ranked, 6, lambda r: r[1]) == ranked
    assert _keep_core([("x", True), ("y", True), ("z", True)], 2, lambda r: r[1]) == [("x", True), ("y", True)]


def test_a_marked_span_becomes_a_word_of_the_tokenizer() -> None:
    assert "崩线" not in tokenizer.cut("袖口崩线了")  # jieba cuts 崩 / 线; no pack or other test marks it
    entry = KbEntry(1, "售后问题", "衣服崩线怎么办", ("寄回来免费修",), (Phrasing("袖口崩线", core_words=("崩线",)),))
    m = Matcher([entry, KbEntry(2, "售后问题", "衣服掉色怎么办", ("先用冷水洗",))])
    assert tokenizer.cut("袖口崩线了") == ["袖口", "崩线", "了"]
    assert "崩线" in analyze("衣服崩线了").words
    assert "崩线" in m.match("衣服崩线了")[0].matched_words
    assert m.match("衣服崩线了")[0].entry_id == 1


def test_an_edit_marking_a_span_reanalyses_the_entries_holding_it() -> None:
    holder = KbEntry(1, "商品问题", "裤子会卡裆吗", ("立体裁剪不卡裆",), (Phrasing("穿着卡裆吗"),))
    other = KbEntry(2, "商品问题", "面料透不透", ("不透",), (Phrasing("浅色透不透"),))
    m = Matcher([holder, other])
    assert "卡裆" not in m.match("会卡裆吗")[0].matched_words
    m.upsert(replace(other, phrasings=(*other.phrasings, Phrasing("弯腰会卡裆吗", core_words=("卡裆",)))))
    best = {s.entry_id: s for s in m.match("会卡裆吗", top=5)}
    assert "卡裆" in best[1].matched_words  # the entry that was not edited is cut the new way too
    assert "卡裆" in best[2].matched_words


def test_stored_analyses_holding_a_new_word_are_made_again(tmp_path: Path) -> None:
    holder = KbEntry(1, "商品问题", "衣服炸线了怎么办", ("寄回来免费修",), (Phrasing("领口炸线"),))
    other = KbEntry(2, "商品问题", "衣服起皱怎么办", ("挂起来用蒸汽熨",))
    cache = AnalysisCache(tmp_path / "kb.json", "1.0")
    Matcher([holder, other], cache=cache)
    marked = replace(other, phrasings=(Phrasing("缝线炸线", core_words=("炸线",)),))
    again = Matcher([holder, marked], cache=AnalysisCache(tmp_path / "kb.json", "1.0"))
    assert again.analysed == 2  # the edited entry, and the unedited one whose text holds 炸线
    assert "炸线" in again.match("领口炸线了")[0].matched_words
    # the next start finds everything stored with the words it was made with
    third = Matcher([holder, marked], cache=AnalysisCache(tmp_path / "kb.json", "1.0"))
    assert third.analysed == 0
    assert third.match("领口炸线了") == again.match("领口炸线了")


def test_an_edit_marking_a_span_reanalyses_kept_entries_not_made_yet(tmp_path: Path) -> None:
    from datetime import date

    from workbench.kb import matcher as matcher_module
    from workbench.kb.kept_entries import KeptEntries

    holder = KbEntry(1, "商品问题", "裤腰会勒肚子吗", ("松紧腰不勒",), (Phrasing("穿着勒肚吗"),))
    fillers = [KbEntry(i, "商品问题", f"问题{i}能退吗", ("能",)) for i in range(10, 15)]
    other = KbEntry(2, "商品问题", "面料起球吗", ("不起球",), (Phrasing("洗了起球吗"),))
    cache = AnalysisCache(tmp_path / "kb.json", "1.0")
    built = Matcher([holder, *fillers, other], cache=cache)
    day = date(2026, 12, 1)
    cache.save_entries("tok", day, built.revision, [holder, *fillers, other], [])
    kept = cache.load_entries("tok", day, dict)
    assert kept is not None
    restored = Matcher(kept, cache=AnalysisCache(tmp_path / "kb.json", "1.0"))
    assert restored._state.entries is kept and kept.made() == 0
    assert "勒肚" not in tokenizer.cut("穿着勒肚吗")  # the edit makes it a word: entries holding it are re-cut
    slice_was = matcher_module._MAKE_SLICE
    matcher_module._MAKE_SLICE = 2  # several turns of the lock
    try:
        restored.upsert(replace(other, phrasings=(Phrasing("会勒肚吗", core_words=("勒肚",)),)))
    finally:
        matcher_module._MAKE_SLICE = slice_was
    best = {s.entry_id: s for s in restored.match("会不会勒肚", top=5)}
    assert "勒肚" in best[1].matched_words  # an entry made only for the edit is cut the new way too
    assert "勒肚" in best[2].matched_words
    assert isinstance(restored._state.entries, KeptEntries) and len(restored) == 7
