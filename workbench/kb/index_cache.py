"""The KB matcher's analyses kept on disk between starts, so a start does not run jieba over every
phrasing again (the slow part of building the index: about half of it at 100k entries).

Each enabled entry's analysis (its phrasings' canonical text and words, its core words and keyword
rules) is stored under a content hash of what the analysis reads: the question and the phrasings.
A start looks every entry up by that hash; only entries that are new or whose text changed since the
file was written are analysed again, and the file is rewritten only when something changed. Editing
while the desk runs keeps working as before (the live matcher changes its index in place); the next
start finds the edited entries' new hashes.

The file is plain JSON (never pickle: nothing in it is executed): a header line (format, program
version, the KB digest of its entry keys, a checksum of the rest) and the analyses by entry key. It
is written to a temporary file and renamed over the old one (a crash leaves the old file or the new
one, never half of one). The analysis depends on the shipped dictionaries, so a file from another
program version or format, or one that cannot be read or fails its checksum, is ignored with a log
line and replaced after the build.

Beside it, the built index itself (`save_index` / `load_index`): the term index, its documents and the
keyword rules, stored under a revision key of the KB — a hash of everything the index is made from
(each entry's id, state, category, question and phrasings, in order, and the field weights). A start
whose entries hash to the stored key loads the index instead of building it (at 100k entries,
building from the analyses takes tens of seconds; loading, well under one); any edit to what the
index reads changes the key, so a stale index is never used; answers and 热度 are not in it (they
come from the database's entries on every start). Its file is a JSON header line (format, program,
key, byte order, checksum, section sizes), a JSON section of the terms, categories, core words and
rules, and binary sections (`array` bytes) of the numbers and of the phrasings' texts (UTF-8 with
offsets): nothing in it is executed. It is loaded without making a Python object per document,
posting or text: those are made when a query or an edit first reads them (`index.Lazy`). A damaged,
partial or foreign file is ignored with a log line and the index is built as before.

And the entries themselves (`save_entries` / `load_entries`), as the matcher last read them for a day,
kept under the database's KB revision token (migration 0020: triggers replace it at every change of
what the matcher reads, in any shop, by any writer; 热度 does not change it and is read anew) with
the index's revision key: a start whose token and day are the ones kept takes them instead of reading
and hashing every entry (at 100k entries, most of what a start from the stored index still took).
Each entry is a `marshal` record of plain values, made into an entry when a query or an edit first
reads it (`kept_entries`), behind a JSON header with a checksum; a file of another token, day or
program, or a damaged one, is ignored and the entries are read from the database.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
import math
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from workbench.domain.kb import KbEntry
from workbench.kb.atomic import write_atomically
from workbench.kb.index import Doc, Lazy, Postings, StoredDocs, TermIndex
from workbench.kb.kept_entries import KeptEntries, entries_body
from workbench.kb.normalize import normalize

log = logging.getLogger(__name__)

_WHAT = "the KB index cache"

FORMAT = 1
INDEX_FORMAT = 2
ENTRIES_FORMAT = 2
# The binary sections of an index file, in order, with their array type codes.
_SECTIONS: tuple[tuple[str, str], ...] = (
    ("doc_entry", "q"),  # entry id of each document
    ("doc_category", "i"),  # index into the categories
    ("doc_negative", "b"),
    ("doc_words", "i"),  # Doc.n_words
    ("doc_bigrams", "i"),  # Doc.n_bigrams
    ("doc_offsets", "q"),  # the documents' term ids: doc i's are terms[offsets[i]:offsets[i + 1]]
    ("doc_terms", "i"),
    ("post_offsets", "q"),  # the postings, the same way (one document: a bare id)
    ("post_docs", "i"),
    ("masses", "d"),
    ("idf", "d"),
    ("source_offsets", "q"),  # the phrasings as written, UTF-8: doc i's is source_bytes[offsets[i]:offsets[i + 1]]
    ("source_bytes", "B"),
    ("text_offsets", "q"),  # their canonical texts, the same way
    ("text_bytes", "B"),
)


@dataclass(frozen=True, slots=True)
class DocAnalysis:
    """One positive or negative phrasing (or the question) as the index needs it."""

    source: str  # the phrasing as written
    text: str  # canonical content text (Analysis.text)
    words: tuple[str, ...]  # Analysis.words
    negative: bool
    core: tuple[str, ...]  # canonical 划词 core words


@dataclass(frozen=True, slots=True)
class RuleAnalysis:
    """A keyword phrasing: its canonical words."""

    words: tuple[str, ...]
    negative: bool
    source: str


@dataclass(frozen=True, slots=True)
class EntryAnalysis:
    docs: tuple[DocAnalysis, ...]
    rules: tuple[RuleAnalysis, ...]


def entry_key(entry: KbEntry) -> str:
    """The content hash of what an entry's analysis depends on (not its answers, category or 热度)."""
    content = [entry.question, [[p.text, str(p.kind), p.negative, list(p.core_words)] for p in entry.phrasings]]
    raw = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def index_key(entries: Sequence[KbEntry], field_weights: Sequence[float], words: Iterable[str] = ()) -> str:
    """The KB's revision as the index sees it: equal exactly when the index built from `entries` would
    be the same (ids, order, state, category, question, phrasings; not answers or 热度) with the
    tokenizer's shop `words` (划词 spans made words, see `tokenizer.add_words`).

    The values are serialised by `marshal` (C, about half the time of `repr` per entry: this runs on
    every start, over every entry) in its version 2, which writes a value the same way whatever
    objects it is made of (no references or interning: version 3 on writes shared objects as
    references, so equal KBs could hash apart)."""
    rows = [
        (
            e.id,
            e.enabled,
            e.category,
            e.question,
            [(p.text, p.kind._value_, p.negative, p.core_words) for p in e.phrasings],
        )
        for e in entries
    ]
    head = (tuple(field_weights), sorted(words))
    try:
        raw = marshal.dumps((head, rows), 2)
    except ValueError:  # a value marshal does not take (a str subclass, say): the slower, general way
        raw = repr((head, rows)).encode()
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def kb_digest(keys: Iterable[str]) -> str:
    """One hash of a whole KB's analysis keys: equal when nothing the index reads changed."""
    h = hashlib.blake2b(digest_size=16)
    for key in sorted(keys):
        h.update(key.encode())
    return h.hexdigest()


class AnalysisCache:
    """The analyses file at `path`, for the program `version` (the analyses do not depend on the
    index's field weights: the terms are made from them when the index is built)."""

    def __init__(self, path: Path, version: str) -> None:
        self.path = path
        self.version = version
        self.digest = ""  # the KB digest of the file last loaded or saved ("" if none)

    @property
    def index_path(self) -> Path:
        """The built index's file, beside the analyses."""
        return self.path.with_suffix(".index")

    def load_index(self, key: str, field_weights: tuple[float, ...]) -> tuple[TermIndex, list[Any]] | None:
        """The index stored for KB revision `key` and the plain rules saved with it; None (and a log
        line unless there is no file or it is for another revision) when it cannot be used."""
        # another revision of the KB: built and replaced as usual
        found = _read_matching(self.index_path, {"key": key}, "index")
        if found is None:
            return None
        header, body = found
        try:
            return _restore(header, body, self.version, field_weights)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError) as exc:
            log.warning("ignoring the KB index file %s (built from the database): %s", self.index_path, exc)
            return None

    def save_index(self, key: str, index: TermIndex, rules: list[Any]) -> None:
        """Keep `index` (freshly built, nothing removed) and its plain `rules` for KB revision `key`;
        a failure is logged, never raised."""
        if index.dead_in or index.n_alive != len(index.docs):
            return  # tombstones (a repeated entry id): rare, and the next build keeps it instead
        try:
            header, sections = _parts(index, rules)
        except (ValueError, OverflowError) as exc:
            log.warning("could not store the KB index: %s", exc)
            return
        body = b"".join(sections)
        header |= {"format": INDEX_FORMAT, "program": self.version, "key": key, "checksum": _crc(body)}
        write_atomically(self.index_path, json.dumps(header).encode() + b"\n" + body, _WHAT)

    @property
    def entries_path(self) -> Path:
        """The KB's entries as the matcher last read them, beside the analyses."""
        return self.path.with_suffix(".entries")

    def save_entries(
        self, token: str, day: date, key: str, entries: Sequence[KbEntry], core_words: Sequence[str]
    ) -> None:
        """Keep `entries` (as the matcher saw them on `day`; 热度 left out) and their `core_words` under
        the database's KB revision `token`, with the index's revision `key`; a failure is logged, never
        raised. Each entry is a record of its own, made when first read (see `kept_entries`)."""
        try:
            body, parts = entries_body(entries, core_words)
        except ValueError as exc:  # a value marshal does not take: the next start reads the database
            log.warning("could not store the KB's entries: %s", exc)
            return
        header = {
            "format": ENTRIES_FORMAT, "program": self.version, "byteorder": sys.byteorder, "token": token,
            "day": day.isoformat(), "key": key, "checksum": _crc(body), **parts,
        }  # fmt: skip
        write_atomically(self.entries_path, json.dumps(header).encode() + b"\n" + body, _WHAT)

    def load_entries(self, token: str, day: date, hits: Callable[[], Mapping[int, int]]) -> KeptEntries | None:
        """The entries kept under KB revision `token` for `day` (made when first read), with their 热度
        from `hits` (asked only when the file is theirs) and the index's revision key kept with them;
        None when there are none for them (another revision or day, another program) or the file is
        damaged (with a log line)."""
        wanted = {
            "token": token, "day": day.isoformat(), "format": ENTRIES_FORMAT, "program": self.version,
            "byteorder": sys.byteorder,
        }  # fmt: skip
        found = _read_matching(self.entries_path, wanted, "entries")
        if found is None:
            return None
        header, body = found
        try:
            if _crc(body) != header.get("checksum"):
                raise ValueError("checksum mismatch")
            return KeptEntries(body, header, hits())
        except (ValueError, KeyError, TypeError, EOFError) as exc:
            log.warning("ignoring the KB entries file %s (read from the database): %s", self.entries_path, exc)
            return None

    def load(self, words: frozenset[str] = frozenset()) -> dict[str, EntryAnalysis]:
        """The stored analyses by entry key; empty (and a log line) if the file is unusable. `words`
        are the tokenizer's shop words now: an analysis of a text holding a word made or unmade since
        the file was written is left out (analysed again), the others still hold."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("ignoring the KB index cache %s: %s", self.path, exc)
            return {}
        try:
            head, _, body = raw.partition(b"\n")
            header = json.loads(head)
            if header["format"] != FORMAT:
                raise ValueError(f"format {header['format']!r}, this program reads {FORMAT}")
            if header["program"] != self.version:
                raise ValueError(f"written by version {header['program']!r}, this is {self.version}")
            if _checksum(body) != header["checksum"]:
                raise ValueError("its checksum does not match (damaged)")
            entries = {str(key): _entry(value) for key, value in json.loads(body).items()}
            if kb_digest(entries) != header["digest"]:
                raise ValueError("its entries do not match its digest")
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            log.warning("ignoring the KB index cache %s (rebuilt from the database): %s", self.path, exc)
            return {}
        self.digest = header["digest"]
        changed = words.symmetric_difference(header.get("words", ()))
        if changed:
            entries = {k: a for k, a in entries.items() if not _holds_any(a, changed)}
            self.digest = ""  # rewritten after the build
        return entries

    def save(self, analyses: Mapping[str, EntryAnalysis], words: Iterable[str] = ()) -> None:
        """Write the analyses of a KB, made with the tokenizer's shop `words` (atomically); a failure
        is logged, never raised: the cache only saves time."""
        digest = kb_digest(analyses)
        body = json.dumps(
            {key: _plain(value) for key, value in analyses.items()}, ensure_ascii=False, separators=(",", ":")
        ).encode()
        header = {
            "format": FORMAT,
            "program": self.version,
            "digest": digest,
            "checksum": _checksum(body),
            "words": sorted(words),
        }
        if write_atomically(self.path, json.dumps(header).encode() + b"\n" + body, _WHAT):
            self.digest = digest


def _holds_any(analysis: EntryAnalysis, words: Iterable[str]) -> bool:
    """Whether a text of `analysis` holds one of `words` (normalised, as the tokenizer has them)."""
    texts = [normalize(d.source) for d in analysis.docs] + [normalize(r.source) for r in analysis.rules]
    return any(w in t for w in words for t in texts)


def _parts(index: TermIndex, rules: list[Any]) -> tuple[dict[str, Any], list[bytes]]:
    """An index as its file's header fields (without the key and checksum) and body sections."""
    docs = index.docs
    categories: dict[str, int] = {}
    cores: list[list[Any]] = []
    doc_offsets = array("q", [0])
    doc_terms: array[int] = array("i")
    for doc_id, doc in enumerate(docs):
        if doc.term_ids is None:
            raise ValueError("a document was never indexed")
        doc_terms.extend(doc.term_ids)
        doc_offsets.append(len(doc_terms))
        if doc.core:
            cores.append([doc_id, list(doc.core)])
    post_offsets = array("q", [0])
    post_docs: array[int] = array("i")
    for p in index.postings:
        if p is None:
            pass
        elif isinstance(p, int):
            post_docs.append(p)
        else:
            post_docs.extend(p)
        post_offsets.append(len(post_docs))
    numbers: dict[str, array[Any]] = {
        "doc_entry": array("q", [d.entry_id for d in docs]),
        "doc_category": array("i", [categories.setdefault(d.category, len(categories)) for d in docs]),
        "doc_negative": array("b", [d.negative for d in docs]),
        "doc_words": array("i", [d.n_words for d in docs]),
        "doc_bigrams": array("i", [d.n_bigrams for d in docs]),
        "doc_offsets": doc_offsets,
        "doc_terms": doc_terms,
        "post_offsets": post_offsets,
        "post_docs": post_docs,
        "masses": index.masses,
        "idf": index._idf,
    }
    # the texts as bytes with offsets, decoded one by one when a document is first read (decoding
    # 600k strings from JSON was a good part of loading a 100k-entry index)
    for name, texts in (("source", [d.source for d in docs]), ("text", [d.text for d in docs])):
        encoded = [t.encode() for t in texts]
        offsets = array("q", [0])
        total = 0
        for b in encoded:
            total += len(b)
            offsets.append(total)
        numbers[f"{name}_offsets"] = offsets
        numbers[f"{name}_bytes"] = array("B", b"".join(encoded))
    strings = {
        "terms": index.term_text,
        "categories": list(categories),
        "cores": cores,
        "rules": rules,
    }
    sections = [json.dumps(strings, ensure_ascii=False, separators=(",", ":")).encode()]
    sections += [numbers[name].tobytes() for name, _ in _SECTIONS]
    header = {
        "byteorder": sys.byteorder,
        "itemsizes": [array(code).itemsize for _, code in _SECTIONS],
        "field_weights": list(index.field_weights),
        "sizes": [len(s) for s in sections],
    }
    return header, sections


def _restore(
    header: dict[str, Any], body: bytes, version: str, field_weights: tuple[float, ...]
) -> tuple[TermIndex, list[Any]]:
    """The index and the plain rules of a file (`header`, `body`); ValueError & co. if it is not
    one this program wrote for these weights, or is damaged or inconsistent."""
    if header["format"] != INDEX_FORMAT or header["program"] != version:
        raise ValueError(f"format {header['format']!r} of version {header['program']!r}")
    if header["byteorder"] != sys.byteorder or header["itemsizes"] != [array(c).itemsize for _, c in _SECTIONS]:
        raise ValueError("written on another kind of machine")
    if [float(w) for w in header["field_weights"]] != list(field_weights):
        raise ValueError("other field weights")
    if _crc(body) != header["checksum"]:
        raise ValueError("its checksum does not match (damaged)")
    sizes = header["sizes"]
    if len(sizes) != len(_SECTIONS) + 1 or sum(sizes) != len(body):
        raise ValueError("its sections do not add up")
    offsets = [0]
    for size in sizes:
        offsets.append(offsets[-1] + int(size))
    view = memoryview(body)  # sections are read from the body without copying it first
    strings = json.loads(view[: offsets[1]].tobytes())
    n: dict[str, array[Any]] = {}
    for i, (name, code) in enumerate(_SECTIONS, start=1):
        n[name] = part = array(code)
        part.frombytes(view[offsets[i] : offsets[i + 1]])
    terms = strings["terms"]
    categories, cores, rules = strings["categories"], strings["cores"], strings["rules"]
    n_docs, n_terms = len(n["doc_entry"]), len(terms)
    source_offsets, source_bytes = n["source_offsets"], n["source_bytes"]
    text_offsets, text_bytes = n["text_offsets"], n["text_bytes"]
    doc_offsets, doc_terms = n["doc_offsets"], n["doc_terms"]
    post_offsets, post_docs = n["post_offsets"], n["post_docs"]
    # The checksum finds damage; these find a file that is not what this code writes (cheap checks
    # only: a check of every id would cost as much as a good part of the load).
    if not (
        isinstance(terms, list)
        and isinstance(cores, list)
        and isinstance(rules, list)
        and len(source_offsets) == len(text_offsets) == n_docs + 1
        and source_offsets[0] == text_offsets[0] == 0
        and source_offsets[-1] == len(source_bytes)
        and text_offsets[-1] == len(text_bytes)
        and all(len(n[k]) == n_docs for k in ("doc_entry", "doc_category", "doc_negative", "doc_words", "masses"))
        and len(n["doc_bigrams"]) == n_docs
        and len(doc_offsets) == n_docs + 1
        and len(post_offsets) == n_terms + 1
        and len(n["idf"]) == n_terms
        and doc_offsets[0] == 0
        and doc_offsets[-1] == len(doc_terms)
        and post_offsets[0] == 0
        and post_offsets[-1] == len(post_docs)
    ):
        raise ValueError("its parts do not fit together")
    index = TermIndex(field_weights)
    index.term_text = terms
    index.vocab = dict(zip(terms, range(n_terms), strict=True))
    if len(index.vocab) != n_terms:
        raise ValueError("a term is in the file twice")

    # Documents, their term arrays and the postings are made when a query or an edit first reads
    # them (`Lazy`): making all of them took most of a 100k-entry start, and a query reads few.
    def posting(tid: int) -> Postings:
        start, end = post_offsets[tid], post_offsets[tid + 1]
        return None if start == end else post_docs[start] if end - start == 1 else post_docs[start:end]

    def doc_term_ids(doc_id: int) -> array[int]:
        return doc_terms[doc_offsets[doc_id] : doc_offsets[doc_id + 1]]

    cats = [_text(c) for c in categories]
    core_of = {int(doc_id): _strings(words) for doc_id, words in cores}
    no_core: tuple[str, ...] = ()
    doc_entry, doc_category, doc_negative = n["doc_entry"], n["doc_category"], n["doc_negative"]
    doc_words, doc_bigrams = n["doc_words"], n["doc_bigrams"]

    def source(doc_id: int) -> str:
        return source_bytes[source_offsets[doc_id] : source_offsets[doc_id + 1]].tobytes().decode()

    def doc(doc_id: int) -> Doc:
        return Doc(
            doc_entry[doc_id],
            source(doc_id),
            text_bytes[text_offsets[doc_id] : text_offsets[doc_id + 1]].tobytes().decode(),
            None,
            cats[doc_category[doc_id]],
            doc_negative[doc_id] == 1,
            core_of.get(doc_id, no_core),
            True,
            index.term_ids[doc_id],  # the same array object, as in a built index
            doc_words[doc_id],
            doc_bigrams[doc_id],
        )

    if not all(0 <= d < n_docs for d in core_of):
        raise ValueError("a document's core words name no document")
    if not all(0 <= c < len(cats) for c in set(doc_category)):
        raise ValueError("a document's category is not in the file")
    index.postings = Lazy(n_terms, posting)
    index.term_ids = Lazy(n_docs, doc_term_ids)
    index.docs = StoredDocs(n_docs, doc, doc_entry, doc_negative, source, core_of)
    negatives = {i for i, v in enumerate(doc_negative) if v}
    index.negatives, index.n_alive = negatives, n_docs
    index.masses = n["masses"]
    index.rank_masses = rank_masses = array("d", index.masses)
    for doc_id in negatives:
        rank_masses[doc_id] = math.inf
    index._idf = n["idf"]
    return index, rules


def _read_matching(path: Path, wanted: Mapping[str, Any], what: str) -> tuple[dict[str, Any], bytes] | None:
    """A cache file's JSON header line and the rest, when the header holds every value of `wanted`;
    None when there is no such file or it is for something else (and a log line if unreadable)."""
    try:
        with path.open("rb") as f:
            header = json.loads(f.readline())
            if not isinstance(header, dict) or any(header.get(k) != v for k, v in wanted.items()):
                return None
            return header, f.read()
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring the KB %s file %s: %s", what, path, exc)
        return None


def _crc(body: bytes) -> int:
    """The index file's checksum: finds damage (it is not a defence against forgery, and needs not
    be) at a small fraction of a cryptographic hash's time over its tens of megabytes."""
    return zlib.crc32(body)


def _checksum(body: bytes) -> str:
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def _plain(a: EntryAnalysis) -> list[Any]:
    return [
        [[d.source, d.text, list(d.words), d.negative, list(d.core)] for d in a.docs],
        [[list(r.words), r.negative, r.source] for r in a.rules],
    ]


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("not a list of strings")
    return tuple(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("not a boolean")
    return value


def _entry(value: Any) -> EntryAnalysis:
    docs, rules = value
    return EntryAnalysis(
        tuple(DocAnalysis(_text(s), _text(t), _strings(w), _flag(n), _strings(c)) for s, t, w, n, c in docs),
        tuple(RuleAnalysis(_strings(w), _flag(n), _text(s)) for w, n, s in rules),
    )
