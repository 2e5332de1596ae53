"""The database's KB revision (migration 0020): every change of what the KB matcher reads replaces its
token, in SQLite and PostgreSQL alike, whoever writes it; 热度 does not. A desk keeps its KB's entries
under that token, so an unchanged KB starts without reading 100k entries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import DemoTemplate
from tests.unit.kb_admin.conftest import T0, demo_desk_copy, draft
from workbench.composition import open_workspace
from workbench.domain.kb import Phrasing
from workbench.domain.kb_admin import Answer
from workbench.storage.db import Database
from workbench.storage.repositories.kb import KbRepository
from workbench.storage.repositories.kb_admin import KbAdminRepository

pytestmark = pytest.mark.usefixtures("jieba_ready")  # the matcher needs the tokenizer


def _token(db: Database) -> str | None:
    with db.session() as s:
        return KbAdminRepository(s).revision()


def test_every_change_the_matcher_reads_replaces_the_token_and_hit_counts_do_not(db: Database, shop_id: int) -> None:
    seen = [_token(db)]
    assert seen[0]

    def changed() -> bool:
        token = _token(db)
        fresh = token not in seen
        seen.append(token)
        return fresh

    with db.session() as s:
        entry_id = KbAdminRepository(s).add_entry(shop_id, draft(), T0, custom=True)
    assert changed()
    with db.session() as s:
        KbRepository(s).count_hits({(entry_id, T0.date()): 3})
    assert not changed()  # 热度 is not what the matcher reads
    edits = [
        replace(draft(), question="什么时候能发货"),  # the question
        replace(draft(), phrasings=(Phrasing("啥时候能发"),)),  # a phrasing less
        replace(draft(), phrasings=(Phrasing("啥时候能发", core_words=("发",)),)),  # a phrasing's core words
        replace(draft(), answers=(Answer("亲，24小时内发货"),)),  # the answer
        replace(draft(), answers=(Answer("亲，24小时内发货", valid_from=T0.date() + timedelta(days=3)),)),  # its window
    ]
    for edit in edits:
        with db.session() as s:
            KbAdminRepository(s).update_entry(shop_id, entry_id, edit, T0)
        assert changed(), edit
    with db.session() as s:
        KbAdminRepository(s).set_enabled(shop_id, entry_id, False, T0)
    assert changed()
    with db.session() as s:
        KbAdminRepository(s).add_category(shop_id, "换季")
        KbAdminRepository(s).update_entry(shop_id, entry_id, replace(edits[-1], category="换季"), T0)
    assert changed()  # another category
    with db.session() as s:
        KbAdminRepository(s).rename_category(shop_id, "换季", "季节")
    assert changed()  # its category's name
    with db.session() as s:  # written around the repositories: the triggers see it all the same
        s.execute(text("UPDATE kb_phrasings SET text = '几号发' WHERE entry_id = :e"), {"e": entry_id})
    assert changed()
    with db.session() as s:
        KbAdminRepository(s).delete_entry(shop_id, entry_id)
    assert changed()


def test_the_triggers_are_there_at_the_newest_schema(db: Database) -> None:
    from importlib import import_module

    watched = import_module("workbench.storage.migrations.versions.0020_kb_revision")
    names = {watched.trigger_name(table, event) for table, event in watched.WATCHED}
    sql = (
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        if db.engine.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )
    with db.session() as s:
        present = set(s.scalars(text(sql)))
    # a later migration that rebuilds one of these tables (SQLite's batch mode) must create them again
    assert names <= present


def test_a_restart_takes_the_kept_entries_while_the_kb_revision_stands(
    tmp_path: Path, demo_template: DemoTemplate, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.kb.kept_entries import KeptEntries
    from workbench.kb.matcher import Matcher
    from workbench.services.kb_admin import KbAdminService

    url, cache = demo_desk_copy(tmp_path, demo_template)
    ws = open_workspace(url, kb_cache_dir=cache)
    ws.matcher.build()
    entry = ws.kb_admin.entries()[0]
    ws.close()
    assert len(list(cache.glob("kb-analyses-*.entries"))) == 1

    reads: list[str] = []
    read = KbAdminService.live_entries_at_revision

    def counted(self: KbAdminService) -> object:
        reads.append("read")
        return read(self)

    monkeypatch.setattr(KbAdminService, "live_entries_at_revision", counted)

    def restart() -> tuple[Matcher, list[object]]:
        reads.clear()
        ws = open_workspace(url, kb_cache_dir=cache)
        try:
            return ws.matcher.build(), list(reads)
        finally:
            ws.close()

    matcher, before = restart()
    assert before == []  # unchanged: the kept entries, no read of the KB
    kept = matcher._state.entries
    assert isinstance(kept, KeptEntries) and kept.made() < len(kept) // 2  # made as queries read them
    ws = open_workspace(url, kb_cache_dir=cache)
    entries = ws.kb_admin.live_entries()
    with ws.db.session() as s:  # 热度 changes the order of ties: read anew, not kept
        KbRepository(s).count_hits({(entry.id, T0.date()): 7})
    hits = ws.kb_admin.hits()
    ws.close()
    matcher, before = restart()
    assert before == []
    assert {e.id: e.hits for e in matcher._state.entries.values() if e.hits} == hits and hits[entry.id] >= 7
    questions = [e.question for e in entries[:12]]
    expected = [[(s.entry_id, s.score) for s in Matcher([replace(e, hits=hits.get(e.id, 0)) for e in entries]).match(q)]
                for q in questions]  # fmt: skip
    assert [[(s.entry_id, s.score) for s in matcher.match(q)] for q in questions] == expected

    ws = open_workspace(url, kb_cache_dir=cache)
    ws.kb_admin.update_entry(entry.id, replace(draft(), question="羽绒服能机洗吗", category=entry.category))
    ws.close()
    matcher, before = restart()
    assert before == ["read"]  # another revision: read from the database
    assert matcher.match("羽绒服能机洗吗")[0].entry_id == entry.id
    matcher, before = restart()
    assert before == []  # and kept in turn


def test_kept_entries_are_for_their_day_and_a_damaged_file_is_read_again(tmp_path: Path) -> None:
    import workbench
    from workbench.domain.kb import KbEntry
    from workbench.kb.index_cache import AnalysisCache

    cache = AnalysisCache(tmp_path / "kb-analyses-x.json", workbench.__version__)
    day = date(2026, 11, 11)
    entries = [KbEntry(1, "物流问题", "几点发货", ("亲，16点前",), (Phrasing("啥时候发", core_words=("发",)),), hits=5)]
    cache.save_entries("tok", day, "key", entries, ["发"])
    kept = cache.load_entries("tok", day, lambda: {1: 9})
    assert kept is not None and (kept.key, kept.core_words) == ("key", ("发",))
    assert list(kept.values()) == [replace(entries[0], hits=9)]
    assert cache.load_entries("other", day, dict) is None
    assert cache.load_entries("tok", day + timedelta(days=1), dict) is None  # answers' windows are per day
    raw = cache.entries_path.read_bytes()
    cache.entries_path.write_bytes(raw[:-3] + b"xyz")
    assert cache.load_entries("tok", day, dict) is None


def test_kept_entries_are_made_when_first_read_and_edit_like_a_dict(tmp_path: Path) -> None:
    import workbench
    from workbench.domain.kb import KbEntry, PhrasingKind
    from workbench.kb.index_cache import AnalysisCache

    cache = AnalysisCache(tmp_path / "kb-analyses-x.json", workbench.__version__)
    day = date(2026, 11, 11)
    entries = [
        KbEntry(
            i, "物流问题", f"问题{i}", (f"答案{i}", "第二个答案"),
            (Phrasing(f"问法{i}", PhrasingKind.KEYWORD, i % 2 == 0, ("问法",), 100 + i), Phrasing("别的问法")),
            enabled=i != 3, needs_human=i == 2, custom=i == 4,
        )
        for i in (5, 3, 9, 2, 4)
    ]  # fmt: skip
    cache.save_entries("tok", day, "key", entries, ["问法"])
    kept = cache.load_entries("tok", day, lambda: {9: 4})
    assert kept is not None and kept.made() == 0
    assert list(kept) == [5, 3, 9, 2, 4] and len(kept) == 5 and 9 in kept and 7 not in kept
    assert kept[9] == replace(entries[2], hits=4) and kept.made() == 1  # only the one read
    assert kept.get(7) is None and kept.made() == 1
    kept[7] = replace(entries[0], id=7)
    del kept[3]
    assert kept.pop(2) == entries[3]
    assert list(kept.keys()) == [5, 9, 4, 7]
    assert list(kept.values()) == [entries[0], replace(entries[2], hits=4), entries[4], replace(entries[0], id=7)]


def test_kept_entries_that_do_not_fit_their_header_are_read_again(tmp_path: Path) -> None:
    import json

    import workbench
    from workbench.domain.kb import KbEntry
    from workbench.kb.index_cache import AnalysisCache, _crc

    cache = AnalysisCache(tmp_path / "kb-analyses-x.json", workbench.__version__)
    day = date(2026, 11, 11)
    cache.save_entries("tok", day, "key", [KbEntry(1, "物流问题", "几点发货", ("亲",)), KbEntry(2, "c", "q", ())], [])
    head, _, body = cache.entries_path.read_bytes().partition(b"\n")
    header = json.loads(head)
    header["count"] = 3  # a header that claims more entries than the body holds, with a valid checksum
    cache.entries_path.write_bytes(json.dumps(header | {"checksum": _crc(body)}).encode() + b"\n" + body)
    assert cache.load_entries("tok", day, dict) is None
