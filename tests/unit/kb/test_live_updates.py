"""Live edits: add, edit, toggle and delete change the index in place, and queries from other
threads stay safe while that happens."""

from __future__ import annotations

import dataclasses
import random
import threading

import pytest

from workbench.domain.kb import KbEntry, Phrasing
from workbench.kb.matcher import Matcher


def test_add_edit_toggle_delete(entries: list[KbEntry]) -> None:
    m = Matcher(entries)
    index = m._state.index  # edits must not rebuild: the same index object keeps serving
    assert all(s.entry_id != 11 for s in m.match("支持花呗分期吗", top=10))

    added = KbEntry(11, "购买操作", "支持花呗分期吗", ("支持3期免息",))
    m.upsert(added)
    assert len(m) == 11
    assert m.match("支持花呗分期吗")[0].entry_id == 11

    edited = dataclasses.replace(added, phrasings=(Phrasing("能用信用卡付款吗"),))
    m.upsert(edited)
    assert m.match("能用信用卡付款吗")[0].entry_id == 11
    assert len(m) == 11

    m.upsert(dataclasses.replace(edited, enabled=False))
    assert all(s.entry_id != 11 for s in m.match("支持花呗分期吗", top=10))
    m.upsert(edited)
    assert m.match("支持花呗分期吗")[0].entry_id == 11

    m.remove(11)
    assert len(m) == 10
    assert all(s.entry_id != 11 for s in m.match("支持花呗分期吗", top=10))
    m.remove(11)  # removing twice is harmless
    assert m._state.index is index


def test_edit_replaces_old_phrasings(entries: list[KbEntry]) -> None:
    m = Matcher(entries)
    m.upsert(dataclasses.replace(entries[0], question="几点截单", phrasings=()))
    assert all(s.matched_phrasing != "多久能寄出" for s in m.match("多久能寄出", top=10))
    assert m.match("几点截单")[0].entry_id == 1


def test_statistics_follow_edits() -> None:
    m = Matcher()
    for i in range(200):
        m.upsert(KbEntry(i, "商品问题", f"第{i}号商品有货吗", ("有",)))
    index = m._state.index
    assert index.n_alive == 200
    assert index.df("有") == 200
    for i in range(0, 200, 2):
        m.remove(i)
    assert index.n_alive == 100
    assert index.df("有") == 100
    # tombstones are compacted away once a list is mostly dead
    tid = index.vocab["有"]
    post = index.postings[tid]
    assert post is not None and not isinstance(post, int)
    assert len(post) - index.dead_in.get(tid, 0) == 100
    assert len(post) < 200
    assert m.match("第3号商品有货吗")[0].entry_id == 3


def test_single_occurrence_postings_round_trip() -> None:
    m = Matcher([KbEntry(1, "商品问题", "有赠品吗", ("有",))])
    index = m._state.index
    tid = index.vocab["赠"]
    assert index.postings[tid] == 0  # a bare document id
    m.upsert(KbEntry(2, "商品问题", "赠品是什么", ("a",)))
    post = index.postings[tid]
    assert post is not None and not isinstance(post, int) and list(post) == [0, 1]
    m.remove(1)
    m.remove(2)
    assert index.postings[tid] is None
    assert index.df("赠") == 0
    assert m.match("有赠品吗") == []


def test_rebuild_swaps_everything(entries: list[KbEntry]) -> None:
    m = Matcher(entries)
    m.rebuild([KbEntry(100, "物流问题", "可以改地址吗", ("可以",))])
    assert len(m) == 1
    assert m.match("什么时候发货") == []
    assert m.match("能改地址吗")[0].entry_id == 100


def test_queries_during_edits_are_safe(entries: list[KbEntry]) -> None:
    base = [*entries, *(KbEntry(100 + i, "商品问题", f"{i}号款还有货吗", ("有",)) for i in range(300))]
    m = Matcher(base)
    stop = threading.Event()
    errors: list[BaseException] = []
    answered = [0]

    def reader() -> None:
        questions = ["什么时候发货", "5号款还有货吗", "亲，能开发票吗", "有优惠券吗", "退款怎么操作"]
        try:
            while not stop.is_set():
                for q in questions:
                    found = m.match(q, top=5)
                    assert all(0.0 <= s.score <= 1.0 for s in found)
                    answered[0] += 1
        except BaseException as exc:  # reported below, the thread must not die silently
            errors.append(exc)

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for step in range(300):
                i = rng.randrange(300)
                if step % 3 == 0:
                    m.remove(100 + i)
                else:
                    m.upsert(KbEntry(100 + i, "商品问题", f"{i}号款还有货吗", ("有",), (Phrasing(f"{i}号款有现货吗"),)))
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(2)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert errors == []
    assert answered[0] > 0

    # after the storm the index answers like a fresh build of the same entries (scores may differ
    # a little: document masses keep the statistics of when they were added)
    for i in (7, 128):
        m.upsert(KbEntry(100 + i, "商品问题", f"{i}号款还有货吗", ("有",), (Phrasing(f"{i}号款有现货吗"),)))
    current = [m._state.entries[k] for k in sorted(m._state.entries)]
    fresh = Matcher(current)
    for q, expected in (("什么时候发货", 1), ("7号款还有货吗", 107), ("128号款有现货吗", 228), ("能开发票吗", 9)):
        live, rebuilt = m.match(q, top=1), fresh.match(q, top=1)
        assert live[0].entry_id == rebuilt[0].entry_id == expected
        assert live[0].score == pytest.approx(rebuilt[0].score, abs=0.02)


def test_term_weights_after_edits_equal_a_rebuild() -> None:
    # weights are computed for the whole vocabulary at build time; an edit marks them stale and
    # they are recomputed from the new statistics, so no weight from before the edit survives
    entries = [KbEntry(i, "商品问题", f"{i}号款有现货吗", ("有",)) for i in range(50)]
    m = Matcher(entries)
    before = m.similarity("有现货吗", "7号款有现货吗")
    more = [KbEntry(100 + i, "商品问题", f"现货{i}件", ("有",)) for i in range(150)]
    for entry in more:
        m.upsert(entry)
    rebuilt = Matcher(entries + more)
    after = m.similarity("有现货吗", "7号款有现货吗")
    assert after == pytest.approx(rebuilt.similarity("有现货吗", "7号款有现货吗"), abs=1e-12)
    assert after != pytest.approx(before, abs=1e-6)  # 现货 is common now: it weighs less
    for i in range(100, 250):
        m.remove(i)
    assert m.similarity("有现货吗", "7号款有现货吗") == pytest.approx(before, abs=1e-12)
