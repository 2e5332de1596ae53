"""Industry packs (行业包): versioned sets of standard questions, phrasings and answers per trade.

A pack ships as `workbench/assets/packs/<id>-<version>.json`:

    {"format": 1, "id": "apparel", "name": "服饰", "version": "1.1", "description": "…",
     "entries": [{"key": "ship-when", "category": "物流问题", "question": "什么时候发货",
                  "phrasings": ["啥时候能发", {"text": "发货", "kind": "keyword"},
                                {"text": "不用发货了", "negative": true},
                                {"text": "今天下单能发吗", "core_words": ["今天", "发"]}],
                  "answers": ["亲，…"], "needs_human": false}, …]}

An entry's `key` is stable across versions: it is how an upgrade finds the shop's copy. This module
reads and checks packs and plans subscriptions and upgrades; storage and services carry them out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from workbench.domain.kb import MAX_CORE_WORDS, STANDARD_CATEGORIES, Phrasing, PhrasingKind
from workbench.domain.kb_admin import Answer, EntryDraft, phrase_key, validate_entry

PACKS_PACKAGE = "workbench.assets.packs"
FORMAT = 1
_FILE = re.compile(r"^(?P<id>[a-z][a-z0-9_]*)-(?P<version>\d+(?:\.\d+)*)\.json$")


class PackFormatError(ValueError):
    """A pack file that does not follow the format; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class PackEntry:
    key: str
    category: str
    question: str
    phrasings: tuple[Phrasing, ...]
    answers: tuple[str, ...]
    needs_human: bool = False

    def draft(self) -> EntryDraft:
        return EntryDraft(
            category=self.category,
            question=self.question,
            phrasings=self.phrasings,
            answers=tuple(Answer(a) for a in self.answers),
            needs_human=self.needs_human,
        )

    def fingerprint(self) -> str:
        return self.draft().fingerprint()


@dataclass(frozen=True, slots=True)
class Pack:
    id: str
    name: str
    version: str
    description: str
    entries: tuple[PackEntry, ...]

    @property
    def phrasing_count(self) -> int:
        return sum(len(e.phrasings) for e in self.entries)

    def categories(self) -> dict[str, int]:
        """Entries per category, in the standard order."""
        counts = {c: 0 for c in STANDARD_CATEGORIES}
        for e in self.entries:
            counts[e.category] = counts.get(e.category, 0) + 1
        return {c: n for c, n in counts.items() if n}

    def entry(self, key: str) -> PackEntry | None:
        return next((e for e in self.entries if e.key == key), None)

    def summary(self) -> dict[str, Any]:
        """The `workbench kb packs --json` object."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "entries": len(self.entries),
            "phrasings": self.phrasing_count,
        }


def version_key(version: str) -> tuple[int, ...]:
    """Version "1.10" sorts after "1.9"."""
    return tuple(int(part) for part in version.split("."))


# -- reading -----------------------------------------------------------------------------------------


def _fail(where: str, message: str) -> None:
    raise PackFormatError(f"{where}: {message}")


def _phrasing(raw: Any, where: str) -> Phrasing:
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, dict):
        _fail(where, "a phrasing is a string or an object")
    unknown = set(raw) - {"text", "kind", "negative", "core_words"}
    if unknown:
        _fail(where, f"unknown fields {sorted(unknown)}")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        _fail(where, "needs a text")
    kind = raw.get("kind", PhrasingKind.SIMILAR.value)
    if kind not in {k.value for k in PhrasingKind}:
        _fail(where, f"unknown kind {kind!r}")
    negative = raw.get("negative", False)
    if not isinstance(negative, bool):
        _fail(where, "negative must be true or false")
    core = raw.get("core_words", [])
    if not isinstance(core, list) or not all(isinstance(w, str) and w for w in core) or len(core) > MAX_CORE_WORDS:
        _fail(where, f"core_words must be a list of at most {MAX_CORE_WORDS} words")
    return Phrasing(text.strip(), PhrasingKind(kind), negative, tuple(core))


def parse_pack(raw: Any, source: str = "pack") -> Pack:
    """A pack from its decoded JSON; PackFormatError names the first problem."""
    if not isinstance(raw, dict):
        _fail(source, "expected an object")
    for name in ("id", "name", "version"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            _fail(source, f"needs a string {name!r}")
    if raw.get("format", FORMAT) != FORMAT:
        _fail(source, f"unsupported format {raw.get('format')!r}")
    try:
        version_key(raw["version"])
    except ValueError:
        _fail(source, f"bad version {raw['version']!r}")
    items = raw.get("entries")
    if not isinstance(items, list) or not items:
        _fail(source, "needs a non-empty list 'entries'")
    entries: list[PackEntry] = []
    keys: set[str] = set()
    questions: set[str] = set()
    for i, item in enumerate(items):
        where = f"{source} entries[{i}]"
        if not isinstance(item, dict):
            _fail(where, "expected an object")
        unknown = set(item) - {"key", "category", "question", "phrasings", "answers", "needs_human"}
        if unknown:
            _fail(where, f"unknown fields {sorted(unknown)}")
        key = item.get("key")
        if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", key):
            _fail(where, "needs a key of lower-case letters, digits, - and _")
        if key in keys:
            _fail(where, f"duplicate key {key!r}")
        keys.add(key)
        answers = item.get("answers")
        if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
            _fail(where, "answers must be a list of texts")
        phrasings_raw = item.get("phrasings", [])
        if not isinstance(phrasings_raw, list):
            _fail(where, "phrasings must be a list")
        needs_human = item.get("needs_human", False)
        if not isinstance(needs_human, bool):
            _fail(where, "needs_human must be true or false")
        entry = PackEntry(
            key=key,
            category=str(item.get("category", "")),
            question=str(item.get("question", "")).strip(),
            phrasings=tuple(_phrasing(p, f"{where} phrasings[{j}]") for j, p in enumerate(phrasings_raw)),
            answers=tuple(a.strip() for a in answers),
            needs_human=needs_human,
        )
        issues = validate_entry(entry.draft().cleaned(), STANDARD_CATEGORIES)
        if issues:
            first = issues[0]
            detail = f" #{first.index}" if first.index >= 0 else ""
            _fail(where, f"{first.code} in {first.field.value}{detail} {dict(first.params) or ''}".rstrip())
        qkey = phrase_key(entry.question)
        if qkey in questions:
            _fail(where, f"duplicate question {entry.question!r}")
        questions.add(qkey)
        entries.append(entry)
    return Pack(
        id=raw["id"],
        name=raw["name"],
        version=raw["version"],
        description=str(raw.get("description", "")),
        entries=tuple(entries),
    )


@cache
def _shipped() -> dict[str, dict[str, Pack]]:
    """Every pack file in the assets: {pack id: {version: pack}}."""
    found: dict[str, dict[str, Pack]] = {}
    folder = resources.files(PACKS_PACKAGE)
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        match = _FILE.match(item.name)
        if match is None:
            continue
        try:
            raw = json.loads(item.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PackFormatError(f"{item.name}: not JSON ({exc.msg}, line {exc.lineno})") from exc
        pack = parse_pack(raw, item.name)
        if (pack.id, pack.version) != (match["id"], match["version"]):
            _fail(item.name, f"file name does not match id {pack.id!r} and version {pack.version!r}")
        found.setdefault(pack.id, {})[pack.version] = pack
    return found


def pack_versions(pack_id: str) -> list[str]:
    """The shipped versions of a pack, oldest first."""
    return sorted(_shipped().get(pack_id, {}), key=version_key)


def load_pack(pack_id: str, version: str | None = None) -> Pack:
    """A shipped pack, the newest version unless `version` is given; KeyError if there is none."""
    versions = _shipped().get(pack_id)
    if not versions:
        raise KeyError(pack_id)
    if version is None:
        version = max(versions, key=version_key)
    return versions[version]


def latest_packs() -> list[Pack]:
    """The newest version of every shipped pack, in a stable order."""
    order = {"apparel": 0, "beauty": 1, "appliances": 2, "food": 3}
    packs = [load_pack(pid) for pid in _shipped()]
    return sorted(packs, key=lambda p: (order.get(p.id, 99), p.id))


# -- subscribing and upgrading ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subscription:
    """A shop's subscription to a pack."""

    pack_id: str
    version: str
    subscribed_at: datetime
    upgraded_at: datetime | None = None
    entries: int = 0  # pack entries still in the shop's KB
    edited: int = 0  # of which the shop edited


class ChangeKind(StrEnum):
    ADDED = "added"  # a new entry in the shop's KB
    UPDATED = "updated"  # untouched by the shop: now has the new version's content
    UNCHANGED = "unchanged"  # the same in both versions
    KEPT_EDITED = "kept_edited"  # the shop edited it: its version stays
    REMOVED = "removed"  # gone from the pack (or unsubscribed) and not edited: deleted
    KEPT_DETACHED = "kept_detached"  # gone from the pack (or unsubscribed) but edited: stays as the shop's own
    SKIPPED_DELETED = "skipped_deleted"  # the shop had deleted it: not brought back
    SKIPPED_EXISTING = "skipped_existing"  # the shop already has this question: not duplicated


NOT_INSTALLED = ""  # the fingerprint of a pack entry skipped because the shop had the same question


@dataclass(frozen=True, slots=True)
class Installed:
    """The shop's state of one pack entry."""

    key: str
    entry_id: int | None  # None: the shop deleted the entry, or it was never installed (NOT_INSTALLED)
    base_fingerprint: str  # of the pack content it was installed or last upgraded from; NOT_INSTALLED
    edited: bool
    question: str = ""


@dataclass(frozen=True, slots=True)
class PackChange:
    kind: ChangeKind
    key: str
    question: str
    entry_id: int | None = None
    pack_entry: PackEntry | None = None  # the new content (added, updated, kept…)
    conflict: bool = False  # the pack changed an entry the shop had edited (or dropped it)


@dataclass(frozen=True, slots=True)
class PackReport:
    """What a subscribe, upgrade or unsubscribe did."""

    pack_id: str
    pack_name: str
    from_version: str  # "" when subscribing
    to_version: str  # "" when unsubscribing
    changes: tuple[PackChange, ...]

    def of(self, *kinds: ChangeKind) -> list[PackChange]:
        return [c for c in self.changes if c.kind in kinds]

    @property
    def added(self) -> list[PackChange]:
        return self.of(ChangeKind.ADDED)

    @property
    def updated(self) -> list[PackChange]:
        return self.of(ChangeKind.UPDATED)

    @property
    def kept(self) -> list[PackChange]:
        """Kept because the shop edited them."""
        return self.of(ChangeKind.KEPT_EDITED, ChangeKind.KEPT_DETACHED)

    @property
    def removed(self) -> list[PackChange]:
        return self.of(ChangeKind.REMOVED)

    @property
    def skipped(self) -> list[PackChange]:
        return self.of(ChangeKind.SKIPPED_DELETED, ChangeKind.SKIPPED_EXISTING)

    @property
    def conflicts(self) -> list[PackChange]:
        return [c for c in self.changes if c.conflict]

    def counts(self) -> dict[ChangeKind, int]:
        counts = {kind: 0 for kind in ChangeKind}
        for c in self.changes:
            counts[c.kind] += 1
        return counts


def plan_subscribe(pack: Pack, existing_questions: Iterable[str]) -> list[PackChange]:
    """Every pack entry is added, except questions the shop's KB already has."""
    have = {phrase_key(q) for q in existing_questions}
    return [
        PackChange(
            ChangeKind.SKIPPED_EXISTING if phrase_key(e.question) in have else ChangeKind.ADDED,
            e.key,
            e.question,
            pack_entry=e,
        )
        for e in pack.entries
    ]


def plan_upgrade(installed: Sequence[Installed], new: Pack, existing_questions: Iterable[str] = ()) -> list[PackChange]:
    """Untouched entries take the new content, new ones are added, edited ones are kept (a conflict
    when the pack changed them too), entries the pack dropped are removed unless edited."""
    by_key: Mapping[str, Installed] = {i.key: i for i in installed}
    have = {phrase_key(q) for q in existing_questions}
    changes: list[PackChange] = []
    for e in new.entries:
        mine = by_key.get(e.key)
        if mine is None:
            kind = ChangeKind.SKIPPED_EXISTING if phrase_key(e.question) in have else ChangeKind.ADDED
            changes.append(PackChange(kind, e.key, e.question, pack_entry=e))
            continue
        changed = e.fingerprint() != mine.base_fingerprint
        if mine.entry_id is None and mine.base_fingerprint == NOT_INSTALLED:
            if phrase_key(e.question) not in have:  # the shop's own entry for it is gone: install it now
                changes.append(PackChange(ChangeKind.ADDED, e.key, e.question, pack_entry=e))
            continue  # still answered by the shop's own entry: reported when subscribing
        if mine.entry_id is None:
            changes.append(PackChange(ChangeKind.SKIPPED_DELETED, e.key, e.question, None, e))
        elif mine.edited:
            changes.append(
                PackChange(ChangeKind.KEPT_EDITED, e.key, mine.question or e.question, mine.entry_id, e, changed)
            )
        elif changed:
            changes.append(PackChange(ChangeKind.UPDATED, e.key, e.question, mine.entry_id, e))
        else:
            changes.append(PackChange(ChangeKind.UNCHANGED, e.key, e.question, mine.entry_id, e))
    keys = {e.key for e in new.entries}
    for mine in installed:
        if mine.key in keys or mine.entry_id is None:
            continue
        if mine.edited:
            changes.append(PackChange(ChangeKind.KEPT_DETACHED, mine.key, mine.question, mine.entry_id, None, True))
        else:
            changes.append(PackChange(ChangeKind.REMOVED, mine.key, mine.question, mine.entry_id))
    return changes


def plan_unsubscribe(installed: Sequence[Installed]) -> list[PackChange]:
    """Untouched entries go; edited ones stay as the shop's own."""
    return [
        PackChange(ChangeKind.KEPT_DETACHED if i.edited else ChangeKind.REMOVED, i.key, i.question, i.entry_id)
        for i in installed
        if i.entry_id is not None
    ]
