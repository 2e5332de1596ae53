"""The matcher's analyses kept between starts: loaded instead of analysed when the KB is unchanged,
analysed again only for what an edit or an import changed, and an unusable file is ignored (with a
log line) and replaced."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path

import pytest

from tests.unit.kb.conftest import shop_entries
from workbench.domain.kb import KbEntry, Phrasing
from workbench.kb import matcher as matcher_module
from workbench.kb.index_cache import AnalysisCache
from workbench.kb.matcher import Matcher

QUESTIONS = ("什么时候发货", "多久能寄出", "包邮吗", "可以退货吗", "有没有优惠券", "在吗")


def _answers(m: Matcher) -> list[list[tuple[int, float, str]]]:
    return [[(s.entry_id, s.score, s.matched_phrasing) for s in m.match(q)] for q in QUESTIONS]


def _no_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(entry: KbEntry) -> object:
        raise AssertionError(f"entry {entry.id} analysed again")

    monkeypatch.setattr(matcher_module, "analyse_entry", refuse)


def test_an_unchanged_kb_is_loaded_not_analysed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    entries = shop_entries()
    cache = AnalysisCache(tmp_path / "kb.json", "1.0")
    first = Matcher(entries, cache=cache)
    assert first.analysed == len([e for e in entries if e.enabled])
    written = (tmp_path / "kb.json").stat().st_mtime_ns
    uncached = _answers(Matcher(entries))
    _no_analysis(monkeypatch)
    again = Matcher(entries, cache=AnalysisCache(tmp_path / "kb.json", "1.0"))
    assert again.analysed == 0
    assert _answers(again) == _answers(first) == uncached  # the same as without a cache
    assert (tmp_path / "kb.json").stat().st_mtime_ns == written  # nothing changed: not rewritten


def test_an_edit_analyses_only_the_edited_entry(tmp_path: Path) -> None:
    entries = shop_entries()
    Matcher(entries, cache=AnalysisCache(tmp_path / "kb.json", "1.0"))
    edited = [replace(entries[0], question="几天能收到货"), *entries[1:]]
    m = Matcher(edited, cache=AnalysisCache(tmp_path / "kb.json", "1.0"))
    assert m.analysed == 1
    assert m.match("几天能收到货")[0].entry_id == entries[0].id
    assert _answers(m) == _answers(Matcher(edited))
    assert Matcher(edited, cache=AnalysisCache(tmp_path / "kb.json", "1.0")).analysed == 0  # saved


def test_imported_entries_are_analysed_and_kept(tmp_path: Path) -> None:
    entries = shop_entries()
    Matcher(entries, cache=AnalysisCache(tmp_path / "kb.json", "1.0"))
    imported = [
        KbEntry(100 + i, "商品问题", f"{name}会起球吗", ("不会",), (Phrasing(f"{name}起不起球"),))
        for i, name in enumerate(("毛衣", "卫衣", "围巾"))
    ]
    m = Matcher(entries + imported, cache=AnalysisCache(tmp_path / "kb.json", "1.0"))
    assert m.analysed == 3
    assert m.match("围巾起球吗")[0].entry_id == 102
    assert Matcher(entries + imported, cache=AnalysisCache(tmp_path / "kb.json", "1.0")).analysed == 0


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short (not JSON)
        lambda text: "[1, 2, 3]",  # JSON of another shape
        lambda text: text.replace('"program": "1.0"', '"program": "0.9"'),  # another program version
        lambda text: text.replace('"format": 1', '"format": 99'),  # another format
        lambda text: text.replace("什么时候发货", "什么时候退货", 1),  # damaged: fails the checksum
        lambda text: "",  # empty
    ],
)
def test_an_unusable_file_is_ignored_and_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture, damage) -> None:  # type: ignore[no-untyped-def]
    entries = shop_entries()
    path = tmp_path / "kb.json"
    Matcher(entries, cache=AnalysisCache(path, "1.0"))
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    AnalysisCache(path, "1.0").index_path.unlink()  # the analyses are read when the index is built
    with caplog.at_level(logging.WARNING, logger="workbench.kb.index_cache"):
        m = Matcher(entries, cache=AnalysisCache(path, "1.0"))
    assert m.analysed == len([e for e in entries if e.enabled])
    assert any("ignoring the KB index cache" in r.getMessage() for r in caplog.records)
    assert _answers(m) == _answers(Matcher(entries))
    assert json.loads(path.read_text(encoding="utf-8").partition("\n")[0])["program"] == "1.0"  # written anew
    assert Matcher(entries, cache=AnalysisCache(path, "1.0")).analysed == 0


def test_another_program_version_analyses_again(tmp_path: Path) -> None:
    entries = shop_entries()
    Matcher(entries, cache=AnalysisCache(tmp_path / "kb.json", "1.0"))
    assert Matcher(entries, cache=AnalysisCache(tmp_path / "kb.json", "1.1")).analysed > 0


def test_the_desks_cache_is_analysed_again_when_the_analysis_rules_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the same program version with another lexicon or rule: the kept analyses are stale
    from workbench import composition
    from workbench.kb import analyzer
    from workbench.storage.db import Database, sqlite_url

    db = Database(sqlite_url(tmp_path / "shop.sqlite3"))
    try:
        entries = shop_entries()
        Matcher(entries, cache=composition.kb_analysis_cache(tmp_path, db, 1))
        assert Matcher(entries, cache=composition.kb_analysis_cache(tmp_path, db, 1)).analysed == 0
        monkeypatch.setattr(analyzer, "RULES", analyzer.RULES + 1)
        assert Matcher(entries, cache=composition.kb_analysis_cache(tmp_path, db, 1)).analysed > 0
    finally:
        db.dispose()
