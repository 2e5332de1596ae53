"""The 训练 loop (人工智能训练师): the buyer messages the bot did not resolve, grouped by meaning with the
KB matcher's own similarity, each group with a proposal — add its phrasings as 问法 to the entry that
comes closest, or a new entry in a category — that the shop approves (live at once), edits or
dismisses. Slow parts (clustering, re-asking last week's misses) run off the UI thread."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta

from workbench.domain.bot import normalise_question
from workbench.domain.errors import DomainError
from workbench.domain.kb import Phrasing, Suggestion
from workbench.domain.kb_admin import Answer, EntryDraft
from workbench.domain.reports import DateRange, UnresolvedMessage
from workbench.kb.matcher import Matcher, OutcomeKind
from workbench.services.kb_admin import KbAdminService, KbChange
from workbench.services.live_kb import LiveMatcher
from workbench.services.reports import ReportsService
from workbench.storage.repositories.reports import ReportsRepository

JOIN_SCORE = 0.55  # a message joins a cluster when the matcher scores it this close to the cluster's leader
PHRASING_SCORE = 0.35  # below this the nearest entry is not the same question: propose a new entry
MAX_CANDIDATES = 12  # leaders compared with one message (those sharing most character pairs)
MAX_PHRASINGS = 3  # phrasings a proposal adds (the cluster's most frequent distinct messages)
MAX_EXAMPLES = 5
MAX_ALTERNATIVES = 3
DEFAULT_CATEGORY = "更多问题"
MIN_LENGTH = 2  # shorter messages ("?", "哦") are not questions worth a 问法


@dataclass(frozen=True, slots=True)
class Proposal:
    """`entry_id` set: add `phrasings` as 问法 to that entry (the matcher scored `score`); else a new
    entry in `category` whose standard question is the first phrasing (it needs an answer)."""

    phrasings: tuple[str, ...]
    entry_id: int | None
    entry_question: str
    category: str
    score: float
    alternatives: tuple[tuple[int, str, float], ...] = ()  # (entry id, question, score): other entries to pick

    @property
    def new_entry(self) -> bool:
        return self.entry_id is None


@dataclass(frozen=True, slots=True)
class Cluster:
    key: str  # the leader's normalised text: what a decision is recorded under
    count: int  # unresolved messages in it
    examples: tuple[str, ...]  # most frequent distinct texts first
    proposal: Proposal


@dataclass(frozen=True, slots=True)
class Coverage:
    """Last week's unresolved messages, and how many of them the matcher now answers directly."""

    total: int
    answered: int


def _pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def cluster_messages(messages: list[UnresolvedMessage], matcher: Matcher) -> list[tuple[str, Counter[str]]]:
    """Group messages by meaning: identical normalised texts together, then each distinct text (most
    frequent first) joins the leader it is most similar to by `matcher.similarity` (≥ JOIN_SCORE)
    among the leaders sharing most character pairs with it, or leads a new cluster. Returns
    (leader key, Counter of original texts), biggest first."""
    by_key: dict[str, Counter[str]] = defaultdict(Counter)
    for m in messages:
        key = normalise_question(m.text)
        if len(key) >= MIN_LENGTH:
            by_key[key][m.text.strip()] += 1
    order = sorted(by_key, key=lambda k: (-sum(by_key[k].values()), k))
    leaders: list[str] = []
    members: dict[str, Counter[str]] = {}
    index: dict[str, list[int]] = defaultdict(list)  # character pair → leaders having it
    for key in order:
        shared: Counter[int] = Counter()
        for pair in _pairs(key):
            for leader in index.get(pair, ()):
                shared[leader] += 1
        best, best_score = -1, 0.0
        for leader, _ in shared.most_common(MAX_CANDIDATES):
            score = matcher.similarity(key, leaders[leader])
            if score > best_score:
                best, best_score = leader, score
        if best >= 0 and best_score >= JOIN_SCORE:
            members[leaders[best]].update(by_key[key])
            continue
        leaders.append(key)
        members[key] = Counter(by_key[key])
        for pair in _pairs(key):
            index[pair].append(len(leaders) - 1)
    return sorted(members.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))


class TrainingService:
    def __init__(self, reports: ReportsService, kb_admin: KbAdminService, matcher: LiveMatcher) -> None:
        self.reports = reports
        self.kb_admin = kb_admin
        self.matcher = matcher

    def last_week(self) -> DateRange:
        today = self.reports.today()
        return DateRange(today - timedelta(days=6), today)

    def clusters(self, days: DateRange, limit: int = 5000) -> list[Cluster]:
        """The clusters of the range's unresolved messages (the newest `limit`), biggest first, without
        those already approved or dismissed. Blocking (builds the matcher if needed): a worker's job."""
        matcher = self.matcher.build()
        messages = self.reports.unresolved(days, limit)
        with self.reports.db.session() as s:
            decided = ReportsRepository(s).decisions(self.reports.shop_id)
        out = []
        for key, texts in cluster_messages(messages, matcher):
            if key in decided:
                continue
            examples = tuple(t for t, _ in texts.most_common(MAX_EXAMPLES))
            out.append(Cluster(key, sum(texts.values()), examples, self._propose(matcher, examples)))
        return out

    def _propose(self, matcher: Matcher, examples: tuple[str, ...]) -> Proposal:
        """The entry the cluster's messages come closest to, by the matcher's scores summed over its
        examples (one odd message does not decide); below PHRASING_SCORE on average, a new entry."""
        phrasings = examples[:MAX_PHRASINGS]
        totals: dict[int, float] = defaultdict(float)
        found: dict[int, Suggestion] = {}
        for text in examples:
            for suggestion in matcher.match(text, top=3):
                totals[suggestion.entry_id] += suggestion.score
                found.setdefault(suggestion.entry_id, suggestion)
        ranked = sorted(totals, key=lambda e: (-totals[e], e))
        others = tuple((e, found[e].question, round(totals[e] / len(examples), 2)) for e in ranked[:MAX_ALTERNATIVES])
        if not ranked:
            return Proposal(phrasings, None, "", DEFAULT_CATEGORY, 0.0, others)
        best = found[ranked[0]]
        score = round(totals[best.entry_id] / len(examples), 2)
        if score >= PHRASING_SCORE:
            return Proposal(phrasings, best.entry_id, best.question, best.category, score, others)
        return Proposal(phrasings, None, "", best.category or DEFAULT_CATEGORY, score, others)

    def approve(self, cluster: Cluster, proposal: Proposal | None = None, answer: str = "") -> KbChange:
        """Carry out the (possibly edited) proposal and put it into the live matcher at once: the
        phrasings added to the entry (those it already has skipped), or a new entry with `answer`."""
        chosen = proposal or cluster.proposal
        texts = tuple(dict.fromkeys(t.strip() for t in chosen.phrasings if t.strip()))
        if not texts:
            raise DomainError("training.no_phrasing", field="phrasings")
        if chosen.entry_id is not None:
            entry = self.kb_admin.entry(chosen.entry_id)
            if entry is None:
                raise DomainError("kb.entry.missing", entry_id=chosen.entry_id)
            have = {p.text for p in entry.phrasings} | {entry.question}
            added = tuple(Phrasing(t) for t in texts if t not in have)
            draft = EntryDraft(
                entry.category,
                entry.question,
                tuple(replace(p, id=None) for p in entry.phrasings) + added,
                entry.answers,
                entry.enabled,
                entry.needs_human,
            )
            change = self.kb_admin.update_entry(entry.id, draft)
        else:
            if not answer.strip():
                raise DomainError("training.answer_required", field="answer")
            draft = EntryDraft(
                chosen.category or DEFAULT_CATEGORY,
                texts[0],
                tuple(Phrasing(t) for t in texts[1:]),
                (Answer(answer.strip()),),
            )
            change = self.kb_admin.create_entry(draft)
        self.matcher.apply(change)
        entry_id = change.upserts[0].id if change.upserts else chosen.entry_id
        self._decide(cluster.key, "approved", entry_id)
        return change

    def dismiss(self, cluster: Cluster) -> None:
        self._decide(cluster.key, "dismissed", None)

    def _decide(self, key: str, decision: str, entry_id: int | None) -> None:
        with self.reports.db.session() as s:
            ReportsRepository(s).decide(self.reports.shop_id, key, decision, entry_id, self.reports.clock())

    def coverage(self) -> Coverage:
        """How many of last week's unresolved messages the bot's matcher now answers directly (the
        effect of the approved proposals). Blocking: a worker's job."""
        matcher = self.matcher.build()
        messages = self.reports.unresolved(self.last_week())
        answered = sum(1 for m in messages if matcher.answer(m.text).kind is OutcomeKind.DIRECT)
        return Coverage(len(messages), answered)
