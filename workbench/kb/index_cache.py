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
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.domain.kb import KbEntry

log = logging.getLogger(__name__)

FORMAT = 1


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

    def load(self) -> dict[str, EntryAnalysis]:
        """The stored analyses by entry key; empty (and a log line) if the file is unusable."""
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
        return entries

    def save(self, analyses: Mapping[str, EntryAnalysis]) -> None:
        """Write the analyses of a KB (atomically); a failure is logged, never raised: the cache only
        saves time."""
        digest = kb_digest(analyses)
        body = json.dumps(
            {key: _plain(value) for key, value in analyses.items()}, ensure_ascii=False, separators=(",", ":")
        ).encode()
        header = {"format": FORMAT, "program": self.version, "digest": digest, "checksum": _checksum(body)}
        data = json.dumps(header).encode() + b"\n" + body
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("could not write the KB index cache %s: %s", self.path, exc)
            return
        self.digest = digest


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
