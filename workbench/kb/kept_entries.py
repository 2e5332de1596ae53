"""The KB's entries kept on disk between starts, made one at a time when first read.

`AnalysisCache.save_entries` keeps the entries the matcher read (under the database's KB revision,
see `index_cache`); a start whose revision is still the kept one takes them from here instead of
reading the database. At 100k entries, making every `KbEntry` and `Phrasing` at the start took most
of what was left of it, while a query reads a few dozen entries: the ones it ranks. So each entry is
stored as its own `marshal` record, located by an array of end offsets, and `KeptEntries` makes an
entry from its record the first time it is read (a query ranking it, an edit, a listing).

The body of the file, after its JSON header: the entry ids (`array` "q"), the records' end offsets
("q"), the `marshal` of the KB's core words (what `Matcher` makes words of the tokenizer before
anything else), then the records. Nothing in it is executed; the header's checksum covers it all.
"""

from __future__ import annotations

import marshal
from array import array
from collections.abc import Iterator, KeysView, Mapping, MutableMapping, Sequence
from itertools import accumulate
from typing import Any

from workbench.domain.kb import KbEntry, Phrasing, PhrasingKind

_KINDS = {k._value_: k for k in PhrasingKind}


def _record(e: KbEntry) -> bytes:
    """One entry as plain values (热度 left out: it is read anew at every start)."""
    phrasings = tuple((p.text, p.kind._value_, p.negative, p.core_words, p.id) for p in e.phrasings)
    return marshal.dumps((e.id, e.category, e.question, e.answers, e.enabled, e.needs_human, e.custom, phrasings), 4)


def entries_body(entries: Sequence[KbEntry], core_words: Sequence[str]) -> tuple[bytes, dict[str, Any]]:
    """The file body for `entries` and the header fields that locate its parts (raises ValueError
    for a value `marshal` does not take)."""
    records = [_record(e) for e in entries]
    ids = array("q", (e.id for e in entries))
    ends = array("q", accumulate(map(len, records)))
    words = marshal.dumps(tuple(core_words), 4)
    body = b"".join((ids.tobytes(), ends.tobytes(), words, *records))
    return body, {"count": len(entries), "words_size": len(words)}


class KeptEntries(MutableMapping[int, KbEntry]):
    """The matcher's entries by id, as a dict would hold them (in the kept order); an entry still in
    its record is made when first read. Edits replace or remove entries as in a dict.
    `key`: the index's revision key kept with them; `core_words`: the 划词 core words of the enabled
    entries' phrasings (as `matcher.core_words` lists them)."""

    def __init__(self, body: bytes, header: Mapping[str, Any], hits: Mapping[int, int]) -> None:
        """`body` and `header` as `entries_body` made them; `hits`: 热度 by entry id (the others 0).
        Raises ValueError, TypeError, KeyError or EOFError for a body that does not fit its header."""
        count, words_size = int(header["count"]), int(header["words_size"])
        self.key = str(header["key"])
        view = memoryview(body)
        ids, ends = array("q"), array("q")
        ids.frombytes(view[: 8 * count])
        ends.frombytes(view[8 * count : 16 * count])
        start = 16 * count
        core_words = marshal.loads(view[start : start + words_size])
        if not isinstance(core_words, tuple) or not all(isinstance(w, str) for w in core_words):
            raise TypeError("the core words are not a tuple of strings")
        self.core_words: tuple[str, ...] = core_words
        self._records = view[start + words_size :]
        if count and ends[-1] != len(self._records):
            raise ValueError("the records do not fill the body")
        self._ends = ends
        self._hits = hits
        # an entry id → the entry once made, else its record's number
        self._slots: dict[int, KbEntry | int] = dict(zip(ids, range(count), strict=True))
        if len(self._slots) != count:
            raise ValueError("an entry id is kept twice")

    def _make(self, n: int) -> KbEntry:
        start = self._ends[n - 1] if n else 0
        eid, category, question, answers, enabled, needs_human, custom, ps = marshal.loads(
            self._records[start : self._ends[n]]
        )
        phrasings = tuple(Phrasing(text, _KINDS[kind], negative, core, pid) for text, kind, negative, core, pid in ps)
        return KbEntry(
            eid, category, question, answers, phrasings, enabled, needs_human, custom, self._hits.get(eid, 0)
        )

    def __getitem__(self, entry_id: int) -> KbEntry:
        slot = self._slots[entry_id]
        if isinstance(slot, int):
            slot = self._slots[entry_id] = self._make(slot)  # an existing key: the order stays
        return slot

    def __setitem__(self, entry_id: int, entry: KbEntry) -> None:
        self._slots[entry_id] = entry

    def __delitem__(self, entry_id: int) -> None:
        del self._slots[entry_id]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._slots

    def __iter__(self) -> Iterator[int]:
        return iter(self._slots)

    def __len__(self) -> int:
        return len(self._slots)

    def keys(self) -> KeysView[int]:
        return self._slots.keys()  # a real dict view: set operations without making entries

    def made(self) -> int:
        """How many entries have been made (for tests and profiles)."""
        return sum(1 for slot in self._slots.values() if not isinstance(slot, int))
