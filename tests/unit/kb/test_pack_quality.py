"""Quality of the shipped packs and the demo KB, as a shop's trainer would check it."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from workbench.domain.kb import KbEntry, PhrasingKind
from workbench.domain.packs import Pack, latest_packs, load_pack
from workbench.kb.matcher import Matcher, OutcomeKind
from workbench.services.kb_admin import close_phrasings

DEFLECTIONS = ("详情页有介绍", "详情页有图示", "详情页有写", "详情页有说明")


def pack_kb(pack: Pack) -> list[KbEntry]:
    return [
        KbEntry(i, e.category, e.question, e.answers, e.phrasings, needs_human=e.needs_human)
        for i, e in enumerate(pack.entries)
    ]


def test_tea_freshness_and_brewing_are_separate_entries() -> None:
    food = load_pack("food")
    tea, brew = food.entry("tea"), food.entry("tea-brew")
    assert tea is not None and brew is not None
    assert not any(w in p.text for p in tea.phrasings for w in ("泡", "水温"))
    entries = pack_kb(food)
    matcher = Matcher(entries)
    top = matcher.rank("泡茶的水温多少度合适", top=1)[0][0]
    assert food.entries[top].key == "tea-brew"


def test_mould_entry_keeps_to_mould_and_expired_goods_go_to_near_expiry() -> None:
    food = load_pack("food")
    spoiled, near = food.entry("spoiled"), food.entry("near-expiry")
    assert spoiled is not None and near is not None
    assert not any("过期" in p.text for p in spoiled.phrasings)
    assert any("过期" in p.text for p in near.phrasings)


@pytest.mark.parametrize("pack", latest_packs(), ids=lambda p: p.id)
def test_no_phrasing_is_too_generic_and_no_answer_only_deflects(pack: Pack) -> None:
    generic = {"坏了", "坏掉了", "不行"}
    assert [p.text for e in pack.entries for p in e.phrasings if p.text in generic and not p.core_words] == []
    assert [e.key for e in pack.entries if any(d in a for a in e.answers for d in DEFLECTIONS)] == []


def test_demo_kb_has_no_bare_keyword_rule_shared_by_pre_sale_and_after_sale() -> None:
    raw = json.loads(files("workbench.assets.demo").joinpath("kb.json").read_text(encoding="utf-8"))
    bare = {
        p["text"]
        for item in raw
        for p in item["phrasings"]
        if p.get("kind") == PhrasingKind.KEYWORD.value and " " not in p["text"]
    }
    # each of these words is in a pre-sale question and in a complaint about it
    assert bare.isdisjoint({"物流", "缩水", "掉色", "起球"})


@pytest.mark.parametrize("pack", latest_packs(), ids=lambda p: p.id)
def test_a_buyer_saying_the_parcel_came_is_not_answered_with_an_after_sales_entry(pack: Pack) -> None:
    # 收到了 only says the parcel came: an entry such as 收到漏了 or 收到就是坏的 needs its own word
    # (漏, 坏, 碎…) before it answers outright
    matcher = Matcher(pack_kb(pack))
    for text in ("收到了", "收到啦", "已经收到了"):
        outcome = matcher.answer(text)
        answered = pack.entries[outcome.best.entry_id] if outcome.kind is OutcomeKind.DIRECT and outcome.best else None
        assert answered is None or answered.category != "售后问题", (text, answered)


def test_a_leaking_parcel_still_reaches_the_beauty_packs_damage_entry() -> None:
    beauty = load_pack("beauty")
    matcher = Matcher(pack_kb(beauty))
    for text in ("收到漏了", "收到的时候瓶子漏了"):
        outcome = matcher.answer(text)
        assert outcome.best is not None and beauty.entries[outcome.best.entry_id].key == "broken", text
    assert matcher.answer("收到漏了").kind is OutcomeKind.DIRECT


def shipped_kb(name: str) -> list[KbEntry]:
    """A shipped pack's entries (its latest version), or the demo KB's."""
    if name == "demo":
        from workbench.kb.ecommerce_eval import shops

        return shops()["demo"].entries
    return pack_kb(load_pack(name))


@pytest.mark.parametrize("name", [*(p.id for p in latest_packs()), "demo"])
def test_no_phrasing_asks_what_another_entry_already_asks(name: str) -> None:
    # what a 问法 is warned of when saved (close_phrasings): a pack or the demo KB must not ship it
    kb = shipped_kb(name)
    matcher = Matcher(kb)
    close = [(c.phrasing, c.other_question, c.other_phrasing) for e in kb for c in close_phrasings(matcher, e)]
    assert close == []


def test_a_bare_complaint_reaches_the_demo_kbs_complaint_entry() -> None:
    # 投诉 scores higher against the entry's negative phrasing 不投诉 than against its own phrasings,
    # but it lacks the 不 that makes that phrasing "not this"
    kb = shipped_kb("demo")
    complaint = next(e.id for e in kb if e.question == "我要投诉")
    matcher = Matcher(kb)
    assert matcher.match("投诉", top=1)[0].entry_id == complaint
    for text in ("不投诉", "不是投诉"):
        assert complaint not in {s.entry_id for s in matcher.match(text, top=5)}, text
