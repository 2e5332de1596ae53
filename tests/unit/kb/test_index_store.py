"""The built index kept between starts (`AnalysisCache.save_index` / `load_index`): loaded instead of
built when the KB's revision is unchanged, built again after any edit of what the index reads, and a
damaged, partial or foreign file is ignored (with a log line) and replaced, never a crash."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.unit.kb.conftest import shop_entries
from workbench.domain.kb import KbEntry, Phrasing, PhrasingKind
from workbench.kb import index_cache
from workbench.kb import matcher as matcher_module
from workbench.kb.index_cache import AnalysisCache
from workbench.kb.matcher import Matcher

QUESTIONS = ("什么时候发货", "多久能寄出", "包邮吗", "可以退货吗", "运费险怎么算", "能发顺丰吗", "有没有优惠券", "在吗")


def _answers(m: Matcher) -> list[list[tuple[int, float, str, str]]]:
    return [[(s.entry_id, s.score, s.matched_phrasing, s.answer) for s in m.match(q)] for q in QUESTIONS]


def _cache(tmp_path: Path) -> AnalysisCache:
    return AnalysisCache(tmp_path / "kb.json", "1.0")


class Builds:
    """Counts the entries the matcher prepares for indexing (none when the index is loaded)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        prepare = matcher_module._prepare

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return prepare(*args, **kwargs)

        monkeypatch.setattr(matcher_module, "_prepare", counted)


def test_an_unchanged_kb_loads_the_stored_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = shop_entries()
    first = Matcher(entries, cache=_cache(tmp_path))
    assert _cache(tmp_path).index_path.is_file()
    builds = Builds(monkeypatch)
    again = Matcher(entries, cache=_cache(tmp_path))
    assert builds.count == 0  # loaded, not built
    assert _answers(again) == _answers(first) == _answers(Matcher(entries))  # the same as built without a cache
    assert builds.count == len(entries)  # (the uncached matcher above built every entry)


def test_no_file_or_another_revision_builds_and_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = shop_entries()
    builds = Builds(monkeypatch)
    Matcher(entries, cache=_cache(tmp_path))
    assert builds.count == len(entries)
    stored = json.loads(_cache(tmp_path).index_path.read_bytes().partition(b"\n")[0])
    more = [*entries, KbEntry(100, "商品问题", "毛衣会起球吗", ("不会",), (Phrasing("毛衣起不起球"),))]
    m = Matcher(more, cache=_cache(tmp_path))
    assert builds.count == 2 * len(entries) + 1  # another revision: built
    assert m.match("毛衣起球吗")[0].entry_id == 100
    rewritten = json.loads(_cache(tmp_path).index_path.read_bytes().partition(b"\n")[0])
    assert rewritten["key"] != stored["key"]


EDITS: dict[str, Callable[[list[KbEntry]], list[KbEntry]]] = {
    "question": lambda es: [replace(es[0], question="几天能收到货"), *es[1:]],
    "phrasing added": lambda es: [replace(es[0], phrasings=(*es[0].phrasings, Phrasing("啥时候寄出来"))), *es[1:]],
    "phrasing made negative": lambda es: [
        replace(es[0], phrasings=(replace(es[0].phrasings[0], negative=True), *es[0].phrasings[1:])),
        *es[1:],
    ],
    "core words": lambda es: [replace(es[1], phrasings=(es[1].phrasings[0], Phrasing("可以发顺丰吗"))), es[0], *es[2:]],
    "keyword rule": lambda es: [
        replace(es[2], phrasings=(es[2].phrasings[0], Phrasing("运费", kind=PhrasingKind.KEYWORD))),
        *es[:2],
        *es[3:],
    ],
    "disabled": lambda es: [replace(es[0], enabled=False), *es[1:]],
    "category": lambda es: [replace(es[0], category="售后问题"), *es[1:]],
    "removed": lambda es: es[1:],
    "added": lambda es: [*es, KbEntry(100, "商品问题", "多久能寄到", ("三天",), (Phrasing("几天到"),))],
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_any_edit_of_what_the_index_reads_builds_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    entries = shop_entries()
    Matcher(entries, cache=_cache(tmp_path))
    edited = EDITS[edit](entries)
    builds = Builds(monkeypatch)
    m = Matcher(edited, cache=_cache(tmp_path))
    assert builds.count == len(edited)  # not the stored index of the previous revision
    assert _answers(m) == _answers(Matcher(edited))
    builds.count = 0
    assert _answers(Matcher(edited, cache=_cache(tmp_path))) == _answers(m)
    assert builds.count == 0  # the edited KB's index was stored in turn


def test_answers_and_hits_are_read_from_the_entries_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = shop_entries()
    Matcher(entries, cache=_cache(tmp_path))
    changed = [replace(entries[0], answers=("今天就发",), hits=99), *entries[1:]]
    builds = Builds(monkeypatch)
    m = Matcher(changed, cache=_cache(tmp_path))
    assert builds.count == 0  # answers and 热度 are not in the index: the same revision
    assert m.match("什么时候发货")[0].answer == "今天就发"


def _flip(data: bytes) -> bytes:
    """One byte of the body changed (the header left intact)."""
    cut = data.index(b"\n") + 1 + (len(data) - data.index(b"\n")) // 2
    return data[:cut] + bytes([data[cut] ^ 0x55]) + data[cut + 1 :]


def _parts_do_not_fit(data: bytes) -> bytes:
    """One term missing under a matching checksum (not a file this program writes)."""
    head, _, body = data.partition(b"\n")
    header = json.loads(head)
    strings = json.loads(body[: header["sizes"][0]])
    strings["terms"].pop()
    section = json.dumps(strings, ensure_ascii=False).encode()
    body = section + body[header["sizes"][0] :]
    header["sizes"][0] = len(section)
    header["checksum"] = index_cache._crc(body)
    return json.dumps(header).encode() + b"\n" + body


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "cut short": lambda data: data[: len(data) * 2 // 3],
    "header only": lambda data: data.partition(b"\n")[0] + b"\n",
    "a byte flipped": _flip,
    "empty": lambda data: b"",
    "not JSON": lambda data: b"\x00\xff garbage\n" + data,
    "another program": lambda data: data.replace(b'"program": "1.0"', b'"program": "0.9"', 1),
    "another format": lambda data: data.replace(f'"format": {index_cache.INDEX_FORMAT}'.encode(), b'"format": 99', 1),
    "parts that do not fit": _parts_do_not_fit,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_an_unusable_index_file_is_ignored_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    entries = shop_entries()
    Matcher(entries, cache=_cache(tmp_path))
    path = _cache(tmp_path).index_path
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    builds = Builds(monkeypatch)
    with caplog.at_level(logging.WARNING):
        m = Matcher(entries, cache=_cache(tmp_path))
    assert builds.count == len(entries)  # built from the entries
    if damage != "cut short" or path.read_bytes()[:1] == b"{":
        assert any("KB index" in r.getMessage() for r in caplog.records)
    assert _answers(m) == _answers(Matcher(entries))
    builds.count = 0
    Matcher(entries, cache=_cache(tmp_path))
    assert builds.count == 0  # written anew, usable again


def test_an_unwritable_cache_dir_only_costs_the_build(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    entries = shop_entries()
    m = Matcher(entries, cache=AnalysisCache(blocker / "kb.json", "1.0"))
    assert _answers(m) == _answers(Matcher(entries))


def test_a_loaded_index_edited_in_place_answers_like_a_built_one(tmp_path: Path) -> None:
    """The stored index is loaded without making its documents and postings (they are made when a
    query or an edit first reads them): edits on it must leave it exactly like a built index with the
    same edits, whichever parts had been read before."""
    entries = shop_entries()
    Matcher(entries, cache=_cache(tmp_path))
    loaded = Matcher(entries, cache=_cache(tmp_path))
    built = Matcher(entries)
    assert loaded.analysed == 0
    first, second = entries[0], entries[1]
    added = KbEntry(
        9_000, first.category, "能开发票吗", ("可以开",), (Phrasing("发票怎么开"), Phrasing("要发票", negative=True))
    )
    for m in (loaded, built):
        m.upsert(replace(first, phrasings=(*first.phrasings, Phrasing("多久可以寄出来"))))
        m.remove(second.id)
        m.upsert(added)
    assert _answers(loaded) == _answers(built)
    assert [(s.entry_id, s.score) for s in loaded.match("发票怎么开")] == [
        (s.entry_id, s.score) for s in built.match("发票怎么开")
    ]


def test_a_loaded_index_finds_its_core_words_without_making_its_documents(tmp_path: Path) -> None:
    """The phrasings with 划词 core words are found from the file's list of them: a 100k-entry start
    made all 300k documents here before."""
    first = shop_entries()[0]
    cored = [
        *shop_entries(),
        KbEntry(
            9_001,
            first.category,
            "定金尾款怎么付",
            ("先付定金",),
            (
                Phrasing("尾款什么时候交", core_words=("尾款",)),
                Phrasing("定金能退吗", core_words=("定金", "退")),
                Phrasing("尾款不想付了", negative=True, core_words=("尾款",)),
            ),
        ),
    ]
    built = Matcher(cored, cache=_cache(tmp_path))
    loaded = Matcher(cored, cache=_cache(tmp_path))
    docs = loaded._state.index.docs
    assert loaded.analysed == 0 and len(docs) > 0
    assert not any(docs.made(i) for i in range(len(docs)))  # type: ignore[attr-defined]
    assert loaded._state.core_by_unit == built._state.core_by_unit
    assert set(loaded._state.core_by_unit) == {"顺", "尾", "定"}  # the negative phrasing's core words are not
    assert [s.entry_id for s in loaded.match("尾款啥时候交")] == [s.entry_id for s in built.match("尾款啥时候交")]
