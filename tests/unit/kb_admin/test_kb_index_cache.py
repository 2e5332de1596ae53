"""A desk's KB matcher keeps its analyses in the cache dir between starts: the next start loads them
when the KB is unchanged, and analyses again only what was edited or added meanwhile (edits while the
desk runs reach its matcher at once, as before)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DemoTemplate
from tests.unit.kb_admin.conftest import demo_desk_copy, draft
from workbench.composition import open_workspace
from workbench.domain.kb import KbEntry
from workbench.domain.kb_admin import EntryDraft

pytestmark = pytest.mark.usefixtures("jieba_ready")  # the matcher needs the tokenizer


def test_a_restart_loads_the_analyses_and_an_edit_is_analysed_again(
    tmp_path: Path, demo_template: DemoTemplate
) -> None:
    url, cache = demo_desk_copy(tmp_path, demo_template)

    ws = open_workspace(url, kb_cache_dir=cache)
    first = ws.matcher.build()
    enabled = [e for e in ws.kb_admin.live_entries() if e.enabled]
    assert first.analysed == len(enabled) > 50
    assert len(list(cache.glob("kb-analyses-*.json"))) == 1
    ws.close()

    ws = open_workspace(url, kb_cache_dir=cache)
    assert ws.matcher.build().analysed == 0  # nothing changed: loaded, not analysed
    # an edit and a new entry while the desk runs: its matcher has them at once
    entry = ws.kb_admin.entries()[0]
    edited = EntryDraft(entry.category, "羽绒服能机洗吗", entry.phrasings, entry.answers)
    ws.matcher.apply(ws.kb_admin.update_entry(entry.id, edited))
    ws.matcher.apply(ws.kb_admin.create_entry(replace(draft(), question="围巾会掉毛吗", phrasings=())))
    live = ws.matcher.current()
    assert live is not None and live.match("羽绒服能机洗吗")[0].entry_id == entry.id
    ws.close()

    ws = open_workspace(url, kb_cache_dir=cache)
    again = ws.matcher.build()
    assert again.analysed == 2  # the edited entry and the new one
    assert again.match("羽绒服能机洗吗")[0].entry_id == entry.id
    assert again.match("围巾会掉毛吗")[0].question == "围巾会掉毛吗"
    ws.close()


def _built_entries(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the entries the matcher builds into its index from now on (none when it loads it)."""
    from workbench.kb import matcher as matcher_module

    built: list[int] = []
    prepare = matcher_module._prepare

    def counted(entry: KbEntry, *args: Any) -> Any:
        built.append(entry.id)
        return prepare(entry, *args)

    monkeypatch.setattr(matcher_module, "_prepare", counted)
    return built


def test_a_restart_loads_the_stored_index_and_any_kb_edit_makes_it_built_again(
    tmp_path: Path, demo_template: DemoTemplate, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.kb.matcher import Matcher

    url, cache = demo_desk_copy(tmp_path, demo_template)
    ws = open_workspace(url, kb_cache_dir=cache)
    ws.matcher.build()
    assert len(list(cache.glob("kb-analyses-*.index"))) == 1  # in the cache dir given, beside the analyses
    ws.close()
    built = _built_entries(monkeypatch)

    def restart() -> tuple[Matcher, list[KbEntry]]:
        built.clear()
        ws = open_workspace(url, kb_cache_dir=cache)
        try:
            return ws.matcher.build(), ws.kb_admin.live_entries()
        finally:
            ws.close()

    matcher, entries = restart()
    assert built == []  # nothing changed: loaded, not built
    questions = [e.question for e in entries[:12]]
    expected = [[(s.entry_id, s.score) for s in Matcher(entries).match(q)] for q in questions]
    assert [[(s.entry_id, s.score) for s in matcher.match(q)] for q in questions] == expected

    ws = open_workspace(url, kb_cache_dir=cache)
    entry = ws.kb_admin.entries()[3]
    ws.kb_admin.set_enabled(entry.id, False)  # an edit of another kind than the text
    ws.close()
    matcher, entries = restart()
    assert built  # another revision: built
    assert all(s.entry_id != entry.id for s in matcher.match(entry.question))
    assert [[s.entry_id for s in matcher.match(q)] for q in questions] == [
        [s.entry_id for s in Matcher(entries).match(q)] for q in questions
    ]
    restart()
    assert built == []  # and stored in turn
