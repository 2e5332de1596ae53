"""The shipped industry packs and the upgrade plan (pure; no database)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

from workbench.domain.kb import STANDARD_CATEGORIES
from workbench.domain.kb_admin import phrase_key
from workbench.domain.packs import (
    NOT_INSTALLED,
    ChangeKind,
    Installed,
    Pack,
    PackFormatError,
    latest_packs,
    load_pack,
    pack_versions,
    parse_pack,
    plan_subscribe,
    plan_unsubscribe,
    plan_upgrade,
    version_key,
)
from workbench.kb.cli import main as kb_main

SIX = [c for c in STANDARD_CATEGORIES if c != "聊天互动"]


def test_four_trades_ship_with_enough_entries_and_phrasings() -> None:
    packs = {p.id: p for p in latest_packs()}
    assert {p.name for p in packs.values()} >= {"服饰", "美妆", "家电", "食品"}
    for pack in packs.values():
        assert len(pack.entries) >= 80, pack.id
        assert pack.phrasing_count / len(pack.entries) >= 4.0, pack.id
        covered = pack.categories()
        assert all(covered.get(c, 0) >= 4 for c in SIX), (pack.id, covered)
        assert covered.get("聊天互动", 0) >= 5


@pytest.mark.parametrize("pack", [*latest_packs(), load_pack("apparel", "1.0")], ids=lambda p: f"{p.id}-{p.version}")
def test_a_positive_phrasing_belongs_to_one_entry_only(pack: Pack) -> None:
    owner: dict[str, str] = {}
    clashes = []
    for e in pack.entries:
        for text in [e.question, *(p.text for p in e.phrasings if not p.negative)]:
            key = phrase_key(text)
            if owner.setdefault(key, e.key) != e.key:
                clashes.append((text, owner[key], e.key))
    assert clashes == []


def test_pack_answers_sound_like_a_shop_and_flag_human_cases() -> None:
    for pack in latest_packs():
        assert all(e.answers and all("亲" in a or "抱歉" in a for a in e.answers) for e in pack.entries), pack.id
        human = {e.key for e in pack.entries if e.needs_human}
        assert {"human", "complaint"} <= human, pack.id
    ship = load_pack("apparel").entry("ship-when")
    assert ship is not None
    assert {"啥时候能发", "今天下单能发吗"} <= {p.text for p in ship.phrasings}


def test_apparel_versions_keep_their_keys() -> None:
    assert pack_versions("apparel") == ["1.0", "1.1", "1.2"]
    assert load_pack("apparel").version == "1.2" and version_key("1.10") > version_key("1.9")
    old, new = load_pack("apparel", "1.0"), load_pack("apparel", "1.1")
    old_keys, new_keys = {e.key for e in old.entries}, {e.key for e in new.entries}
    assert old_keys - new_keys == {"follow"}
    assert new_keys - old_keys == {"kids-size", "down-fill", "down-leak", "exchange-freight"}
    changed = {e.key for e in new.entries if (o := old.entry(e.key)) is not None and o.fingerprint() != e.fingerprint()}
    assert {"ship-when", "return-7days", "free-shipping", "exchange", "member"} <= changed
    with pytest.raises(KeyError):
        load_pack("toys")


@pytest.mark.parametrize(
    ("pack_id", "before"), [("apparel", "1.1"), ("beauty", "1.1"), ("appliances", "1.0"), ("food", "1.0")]
)
def test_the_latest_packs_add_phrasings_and_keep_everything_else(pack_id: str, before: str) -> None:
    old, new = load_pack(pack_id, before), load_pack(pack_id)
    assert [e.key for e in new.entries] == [e.key for e in old.entries]
    for o, n in zip(old.entries, new.entries, strict=True):
        assert (n.question, n.answers, n.category, n.needs_human) == (o.question, o.answers, o.category, o.needs_human)
        assert n.phrasings[: len(o.phrasings)] == o.phrasings and len(n.phrasings) > len(o.phrasings), n.key


def test_cli_lists_every_pack_as_json() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert kb_main(["packs", "--json"]) == 0
    listed = json.loads(out.getvalue())
    assert [set(p) for p in listed] == [{"id", "name", "version", "entries", "phrasings"}] * len(listed)
    by_id = {p["id"]: p for p in listed}
    apparel = load_pack("apparel")
    assert by_id["apparel"] == {
        "id": "apparel",
        "name": "服饰",
        "version": apparel.version,
        "entries": len(apparel.entries),
        "phrasings": sum(len(e.phrasings) for e in apparel.entries),
    }
    assert {"apparel", "beauty", "appliances", "food"} <= set(by_id)


def test_format_errors_name_the_entry() -> None:
    good = {"id": "x", "name": "测试", "version": "1.0", "entries": []}
    with pytest.raises(PackFormatError, match="entries"):
        parse_pack(good)
    entry = {
        "key": "a",
        "category": "物流问题",
        "question": "包邮吗",
        "answers": ["亲，包邮哦"],
        "phrasings": ["包不包邮"],
    }
    assert len(parse_pack({**good, "entries": [entry]}).entries) == 1
    with pytest.raises(PackFormatError, match=r"entries\[1\]: duplicate key"):
        parse_pack({**good, "entries": [entry, entry]})
    bad_core = {**entry, "phrasings": [{"text": "包不包邮", "core_words": ["顺丰"]}]}
    with pytest.raises(PackFormatError, match=r"kb\.core\.not_in_phrasing"):
        parse_pack({**good, "entries": [bad_core]})
    with pytest.raises(PackFormatError, match="unknown kind"):
        parse_pack({**good, "entries": [{**entry, "phrasings": [{"text": "包邮", "kind": "regex"}]}]})
    with pytest.raises(PackFormatError, match=r"kb\.category\.unknown"):
        parse_pack({**good, "entries": [{**entry, "category": "玩具问题"}]})


def small_pack(version: str, keys: str = "abc", **answers: str) -> Pack:
    entries = [
        {
            "key": k,
            "category": "物流问题",
            "question": q,
            "answers": [answers.get(k, f"亲，{q}的答案")],
            "phrasings": [],
        }
        for k, q in (("a", "什么时候发货"), ("b", "发什么快递"), ("c", "包邮吗"), ("d", "多久能到"))
        if k in keys
    ]
    return parse_pack({"id": "t", "name": "测试", "version": version, "entries": entries})


def test_upgrade_plan_keeps_edits_and_reports_conflicts() -> None:
    old = small_pack("1.0")
    fp = {e.key: e.fingerprint() for e in old.entries}
    new = small_pack("1.1", "abd", a="亲，24小时内发货", d="亲，三天到")  # c dropped, d new
    installed = [
        Installed("a", 11, fp["a"], edited=True, question="什么时候发货"),  # shop edited; pack changed it: conflict
        Installed("b", 12, fp["b"], edited=False),  # untouched and unchanged
        Installed("c", 13, fp["c"], edited=False, question="包邮吗"),  # dropped by the pack
    ]
    plan = {c.key: c for c in plan_upgrade(installed, new)}
    assert plan["a"].kind is ChangeKind.KEPT_EDITED and plan["a"].conflict
    assert plan["b"].kind is ChangeKind.UNCHANGED and not plan["b"].conflict
    assert plan["c"].kind is ChangeKind.REMOVED and plan["c"].entry_id == 13
    assert plan["d"].kind is ChangeKind.ADDED and plan["d"].pack_entry is not None

    untouched = [Installed("a", 11, fp["a"], edited=False), Installed("c", 13, fp["c"], edited=True, question="包邮吗")]
    plan = {c.key: c for c in plan_upgrade(untouched, new, existing_questions=["发什么快递"])}
    assert plan["a"].kind is ChangeKind.UPDATED
    assert plan["b"].kind is ChangeKind.SKIPPED_EXISTING  # the shop has its own entry for it
    assert plan["c"].kind is ChangeKind.KEPT_DETACHED and plan["c"].conflict

    deleted = [Installed("a", None, fp["a"], edited=False)]
    assert {c.key: c.kind for c in plan_upgrade(deleted, new)}["a"] is ChangeKind.SKIPPED_DELETED

    # skipped when subscribing (the shop had the question): silent while the shop's entry is there
    skipped = [Installed("a", None, NOT_INSTALLED, edited=False)]
    assert "a" not in {c.key for c in plan_upgrade(skipped, new, existing_questions=["什么时候发货"])}
    assert {c.key: c.kind for c in plan_upgrade(skipped, new)}["a"] is ChangeKind.ADDED


def test_subscribe_skips_existing_questions_and_unsubscribe_keeps_edits() -> None:
    pack = small_pack("1.0")
    kinds = {c.key: c.kind for c in plan_subscribe(pack, ["包邮吗？"])}
    assert kinds == {"a": ChangeKind.ADDED, "b": ChangeKind.ADDED, "c": ChangeKind.SKIPPED_EXISTING}
    installed = [Installed("a", 1, "", False), Installed("b", 2, "", True), Installed("c", None, "", False)]
    assert [(c.key, c.kind) for c in plan_unsubscribe(installed)] == [
        ("a", ChangeKind.REMOVED),
        ("b", ChangeKind.KEPT_DETACHED),
    ]
