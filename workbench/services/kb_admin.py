"""Knowledge editor use cases (专业问答知识配置 and 问答测试).

Every write returns what the live matcher needs (`KbChange`): the entries to upsert, in their
form for today (answers outside their validity window left out), and the ids to remove. The UI
applies it to the matcher with `apply_change` right after the write commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from workbench.domain.bot import BotChatState, BotDecision, TransferRules
from workbench.domain.errors import DomainError
from workbench.domain.identity import Actor, Permission
from workbench.domain.kb import KbEntry, PhrasingKind
from workbench.domain.kb_admin import (
    ALL_CATEGORIES,
    FALLBACK_CATEGORY,
    CategoryInfo,
    EntryDraft,
    EntrySort,
    Issue,
    IssueField,
    KbValidationError,
    KnowledgeEntry,
    check_category_name,
    check_entry,
    filter_entries,
    phrase_key,
    sort_key,
    with_answer,
)
from workbench.kb.matcher import EntryCheck, Matcher, MatchOutcome, OutcomeKind
from workbench.services.access import require
from workbench.services.bot import BotEngine, BotService, load_kb_snapshot
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.kb_admin import KbAdminRepository


@dataclass(frozen=True, slots=True)
class KbChange:
    """What a write did to the KB, for the live matcher and the lists."""

    upserts: tuple[KbEntry, ...] = ()
    removed: tuple[int, ...] = ()
    entries: tuple[KnowledgeEntry, ...] = ()  # the changed entries as the editor shows them

    def __add__(self, other: KbChange) -> KbChange:
        return KbChange(self.upserts + other.upserts, self.removed + other.removed, self.entries + other.entries)


def apply_change(matchers: Iterable[Matcher | None], change: KbChange) -> None:
    """Bring each matcher up to date with a write (call off the UI thread)."""
    for matcher in matchers:
        if matcher is None:
            continue
        for entry_id in change.removed:
            matcher.remove(entry_id)
        for entry in change.upserts:
            matcher.upsert(entry)


def save_entry(repo: KbAdminRepository, shop_id: int, entry_id: int, clean: EntryDraft, at: datetime) -> None:
    """Overwrite an entry with a checked draft; a pack entry is marked edited while it differs from
    the pack's content (so an upgrade keeps it)."""
    try:
        repo.update_entry(shop_id, entry_id, clean, at)
    except LookupError as exc:
        raise DomainError("kb.entry.missing", entry_id=entry_id) from exc
    base = repo.base_fingerprint(entry_id)
    if base is not None:
        repo.set_edited(entry_id, clean.fingerprint() != base)


class KbAdminService:
    """Reading is everybody's; every change needs `Permission.MANAGE_KB` (checked for `actor`)."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, *, actor: Actor) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor

    def today(self) -> date:
        return self.clock().date()

    # -- categories ---------------------------------------------------------------------------

    def categories(self) -> list[CategoryInfo]:
        with self.db.session() as s:
            repo = KbAdminRepository(s)
            repo.ensure_standard_categories(self.shop_id)
            return repo.categories(self.shop_id)

    def add_category(self, name: str) -> CategoryInfo:
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            clean = check_category_name(name, repo.category_names(self.shop_id))
            self.db.notify(s, Topic.KB)
            return repo.add_category(self.shop_id, clean)

    def rename_category(self, old: str, new: str) -> KbChange:
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            names = repo.category_names(self.shop_id)
            self._check_custom(repo, old)
            clean = check_category_name(new, [n for n in names if n != old])
            ids = repo.rename_category(self.shop_id, old, clean)
            self.db.notify(s, Topic.KB)  # the category list changed too
            return self._change(repo, ids)

    def delete_category(self, name: str) -> KbChange:
        """Delete a custom category; its entries move to 更多问题."""
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            self._check_custom(repo, name)
            repo.ensure_standard_categories(self.shop_id)
            ids = repo.delete_category(self.shop_id, name, FALLBACK_CATEGORY)
            self.db.notify(s, Topic.KB)  # the category list changed too
            return self._change(repo, ids)

    def _check_custom(self, repo: KbAdminRepository, name: str) -> None:
        info = next((c for c in repo.categories(self.shop_id) if c.name == name), None)
        if info is None:
            raise DomainError("kb.category.unknown", "name", name=name)
        if info.standard:
            raise DomainError("kb.category.standard", "name", name=name)

    # -- entries ------------------------------------------------------------------------------

    def entries(
        self, category: str = ALL_CATEGORIES, search: str = "", sort: EntrySort = EntrySort.HOT_YESTERDAY
    ) -> list[KnowledgeEntry]:
        with self.db.session() as s:
            found = KbAdminRepository(s).entries(self.shop_id, self.today())
        return sorted(filter_entries(found, category, search), key=sort_key(sort))

    def entry(self, entry_id: int) -> KnowledgeEntry | None:
        with self.db.session() as s:
            return KbAdminRepository(s).entry(self.shop_id, entry_id, self.today())

    def live_entries(self) -> list[KbEntry]:
        """Every entry as the matcher should see it today."""
        today = self.today()
        with self.db.session() as s:
            return [e.live(today) for e in KbAdminRepository(s).entries(self.shop_id, today)]

    def live_entries_at_revision(self) -> tuple[str | None, list[KbEntry]]:
        """The KB's revision token (see `revision`) and every entry as the matcher should see it
        today. The token is read first: a write landing in between makes the pair look stale, never
        current."""
        today = self.today()
        with self.db.session() as s:
            repo = KbAdminRepository(s)
            token = repo.revision()
            return token, [e.live(today) for e in repo.entries(self.shop_id, today)]

    def revision(self) -> str | None:
        """The database's KB revision token: every change of what the matcher reads replaces it (hit
        counts do not), so entries kept under it are current while it stays the same."""
        with self.db.session() as s:
            return KbAdminRepository(s).revision()

    def hits(self) -> dict[int, int]:
        """Each entry's 热度 total, by id; entries never used are left out (0)."""
        with self.db.session() as s:
            return KbAdminRepository(s).hits(self.shop_id)

    def current(self, entry_ids: Iterable[int]) -> KbChange:
        """Entries as they are now, for a matcher catching up with writes made at another desk: the
        ones found as upserts (in their form for today), the ones gone as removals."""
        ids = list(dict.fromkeys(entry_ids))
        today = self.today()
        with self.db.session() as s:
            found = tuple(KbAdminRepository(s).entries(self.shop_id, today, ids))
        present = {e.id for e in found}
        return KbChange(
            upserts=tuple(e.live(today) for e in found),
            removed=tuple(i for i in ids if i not in present),
            entries=found,
        )

    def day_change(self, previous: date) -> KbChange:
        """What the live matcher needs when the date moves on from `previous`: the entries whose
        answers for today differ, because a validity window opened or closed in between."""
        today = self.today()
        with self.db.session() as s:
            entries = KbAdminRepository(s).entries(self.shop_id, today)
        changed = tuple(
            e for e in entries if any(a.has_window for a in e.answers) and e.live(previous) != e.live(today)
        )
        return KbChange(upserts=tuple(e.live(today) for e in changed), entries=changed)

    def create_entry(self, draft: EntryDraft) -> KbChange:
        """新建自定义问题."""
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            clean = check_entry(draft, repo.category_names(self.shop_id))
            self._check_unique(repo, clean.question, None)
            entry_id = repo.add_entry(self.shop_id, clean, self.clock(), custom=True)
            return self._change(repo, [entry_id])

    def update_entry(self, entry_id: int, draft: EntryDraft) -> KbChange:
        """Save the editor's draft. A pack entry whose content now differs from the pack is marked
        edited, so an upgrade keeps it."""
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            clean = check_entry(draft, repo.category_names(self.shop_id))
            self._check_unique(repo, clean.question, entry_id)
            self._save(repo, entry_id, clean)
            return self._change(repo, [entry_id])

    def _check_unique(self, repo: KbAdminRepository, question: str, entry_id: int | None) -> None:
        """The standard question is an entry's key (import replaces by it, packs skip questions the
        KB has), so a second entry with the same question would be shadowed; refuse it at the field."""
        key = phrase_key(question)
        taken = sum(phrase_key(q) == key for q in repo.questions(self.shop_id))
        current = repo.entry(self.shop_id, entry_id, self.today()) if entry_id is not None else None
        if current is not None and phrase_key(current.question) == key:
            taken -= 1
        if taken > 0:
            raise KbValidationError([Issue(IssueField.QUESTION, "kb.question.duplicate", params={"text": question})])

    def _save(self, repo: KbAdminRepository, entry_id: int, clean: EntryDraft) -> None:
        save_entry(repo, self.shop_id, entry_id, clean, self.clock())

    def set_enabled(self, entry_id: int, enabled: bool) -> KbChange:
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            try:
                repo.set_enabled(self.shop_id, entry_id, enabled, self.clock())
            except LookupError as exc:
                raise DomainError("kb.entry.missing", entry_id=entry_id) from exc
            return self._change(repo, [entry_id])

    def delete_entry(self, entry_id: int) -> KbChange:
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            try:
                KbAdminRepository(s).delete_entry(self.shop_id, entry_id)
            except LookupError as exc:
                raise DomainError("kb.entry.missing", entry_id=entry_id) from exc
            self.db.notify(s, Topic.KB, entry_id)
        return KbChange(removed=(entry_id,))

    def edit_answer(self, entry_id: int, index: int, text: str) -> KbChange:
        """修改答案内容: replace one answer (its validity window stays), as from the test window."""
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            repo = KbAdminRepository(s)
            current = repo.entry(self.shop_id, entry_id, self.today())
            if current is None:
                raise DomainError("kb.entry.missing", entry_id=entry_id)
            clean = check_entry(with_answer(current, index, text), repo.category_names(self.shop_id))
            self._save(repo, entry_id, clean)
            return self._change(repo, [entry_id])

    def edit_shown_answer(self, entry_id: int, text: str) -> KbChange:
        """修改答案内容 for the answer the bot gives today (the first one valid today)."""
        today = self.today()
        with self.db.session() as s:
            require(s, self.actor, Permission.MANAGE_KB)
            current = KbAdminRepository(s).entry(self.shop_id, entry_id, today)
        if current is None:
            raise DomainError("kb.entry.missing", entry_id=entry_id)
        index = next((i for i, a in enumerate(current.answers) if a.valid_on(today)), 0)
        return self.edit_answer(entry_id, index, text)

    def _change(self, repo: KbAdminRepository, ids: Sequence[int]) -> KbChange:
        """What a write did to entries `ids` (it says so to every desk, too)."""
        for entry_id in ids:
            self.db.notify(repo.s, Topic.KB, entry_id)
        today = self.today()
        entries = tuple(repo.entries(self.shop_id, today, ids))
        return KbChange(upserts=tuple(e.live(today) for e in entries), entries=entries)


# -- 问答测试 -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QaCase:
    """One question of a batch test; `expected` names the entry that should answer (its standard
    question or its id), empty when the file has no expected column."""

    question: str
    expected: str = ""
    line: int = 0


@dataclass(frozen=True, slots=True)
class QaResult:
    case: QaCase
    outcome: MatchOutcome
    expected_id: int | None  # the expected entry, when named and found
    hit: bool

    @property
    def answered_by(self) -> str:
        return self.outcome.best.question if self.outcome.best else ""

    @property
    def score(self) -> float:
        return self.outcome.best.score if self.outcome.best else 0.0


@dataclass(frozen=True, slots=True)
class BatchReport:
    results: tuple[QaResult, ...]
    unknown_expected: tuple[QaCase, ...] = field(default=())  # expected entries not in the KB

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def hits(self) -> int:
        return sum(1 for r in self.results if r.hit)

    @property
    def hit_rate(self) -> float:
        return self.hits / self.total if self.total else 0.0

    @property
    def misses(self) -> list[QaResult]:
        return [r for r in self.results if not r.hit]

    def count(self, kind: OutcomeKind) -> int:
        return sum(1 for r in self.results if r.outcome.kind is kind)


def _resolve_expected(expected: str, entries: Sequence[KbEntry]) -> int | None:
    text = expected.strip()
    if not text:
        return None
    if text.isdigit():
        wanted = int(text)
        if any(e.id == wanted for e in entries):
            return wanted
    return next((e.id for e in entries if e.question.strip() == text), None)


def find_entry(name: str, entries: Sequence[KbEntry]) -> KbEntry | None:
    """The entry `name` names: its id or its standard question."""
    entry_id = _resolve_expected(name, entries)
    return next((e for e in entries if e.id == entry_id), None) if entry_id is not None else None


def batch_test(matcher: Matcher, cases: Sequence[QaCase], entries: Sequence[KbEntry]) -> BatchReport:
    """Ask the bot every question. With an expected entry, a hit is a direct answer from that entry;
    without one, a hit is any direct answer (the bot did not have to ask back or give up)."""
    results: list[QaResult] = []
    unknown: list[QaCase] = []
    for case_ in cases:
        outcome = matcher.answer(case_.question)
        expected_id = _resolve_expected(case_.expected, entries)
        if case_.expected.strip() and expected_id is None:
            unknown.append(case_)
        direct = outcome.kind is OutcomeKind.DIRECT and outcome.best is not None
        if case_.expected.strip():
            hit = direct and outcome.best is not None and outcome.best.entry_id == expected_id
        else:
            hit = direct
        results.append(QaResult(case_, outcome, expected_id, hit))
    return BatchReport(tuple(results), tuple(unknown))


# -- what the live bot would do, and why (问答测试) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveReply:
    """The live reception bot's decision on a test message, and the transfer rules it followed."""

    decision: BotDecision
    rules: TransferRules
    nickname: str


def live_reply(bot: BotService, matcher: Matcher, state: BotChatState, text: str) -> LiveReply:
    """What the reception bot would do with `text` in a chat that is at `state` (the earlier test
    messages: repeated questions and misses count): the same `BotEngine` the live reception runs,
    with the shop's current settings and KB flags, so a 转人工 rule fires exactly as it would."""
    settings = bot.config().bot
    engine = BotEngine(settings, matcher, load_kb_snapshot(bot.db, bot.shop_id))
    return LiveReply(engine.reply(state, text), settings.transfer, settings.welcome.nickname)


def why_not(matcher: Matcher, text: str, entry_id: int) -> EntryCheck:
    """为什么不是这条: entry `entry_id` against message `text` (see `Matcher.check`)."""
    return matcher.check(text, entry_id)


CLOSE_PHRASING = 0.9  # a phrasing scoring this much for another entry's phrasing asks the same thing


@dataclass(frozen=True, slots=True)
class ClosePhrasing:
    """A phrasing of a saved entry that another entry already answers (the same words, or nearly)."""

    phrasing: str  # the saved entry's phrasing (or its standard question)
    other_id: int
    other_question: str
    other_phrasing: str  # the other entry's phrasing it is close to
    score: float  # 1.0: the same once normalised


def close_phrasings(matcher: Matcher, entry: KbEntry, threshold: float = CLOSE_PHRASING) -> list[ClosePhrasing]:
    """The standard question and positive 问法 of `entry` that score at least `threshold` for another
    entry (lexical stage: a warning after a save, not a ranking), closest first; one line per pair."""
    texts = [entry.question] + [
        p.text for p in entry.phrasings if p.kind is PhrasingKind.SIMILAR and not p.negative and p.text.strip()
    ]
    out: dict[tuple[str, int], ClosePhrasing] = {}
    for text in dict.fromkeys(texts):
        for s in matcher.match(text, top=3, semantic=False):
            if s.entry_id == entry.id or s.score < threshold:
                continue
            key = (text, s.entry_id)
            if key not in out:
                out[key] = ClosePhrasing(text, s.entry_id, s.question, s.matched_phrasing, s.score)
    return sorted(out.values(), key=lambda c: -c.score)
