"""The workspace's one live KB matcher: everything that answers from the knowledge base uses it.

It is built once, off the UI thread, from the entries as the bot sees them today (answers outside
their validity window left out). Every KB write hands its change to `apply` right after it commits,
so the next question sees it. A write that lands while the matcher is being built is kept and
applied when the build finishes, so nothing is lost to the race between reading the entries and
the write. Once a day `check_day` swaps in the answers whose validity window opened or closed.

Writes made at other desks reach it through the hub (`KbFollower`): the changed entries are read
again from the database and applied; after a bulk change or a resync every entry is read again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date

from workbench.domain.kb import KbEntry
from workbench.kb import tokenizer
from workbench.kb.index_cache import AnalysisCache
from workbench.kb.kept_entries import KeptEntries
from workbench.kb.matcher import Matcher, core_words
from workbench.kb.semantic import SemanticStage
from workbench.services.kb_admin import KbAdminService, KbChange, apply_change
from workbench.services.notifications import Change, Hub, Topic

log = logging.getLogger(__name__)


class LiveMatcher:
    def __init__(
        self, kb_admin: KbAdminService, cache: AnalysisCache | None = None, semantic: SemanticStage | None = None
    ) -> None:
        self._kb_admin = kb_admin
        self._cache = cache  # the analyses kept between starts (see `workbench.kb.index_cache`)
        # the semantic stage loads its model and computes the phrasing vectors on a thread of its own;
        # until it is ready the matcher answers lexically (see `workbench.kb.semantic`)
        self._semantic = semantic
        self._state = threading.Lock()  # guards the fields below; held only briefly
        self._building = threading.Lock()  # one build at a time; later callers wait for it
        self._matcher: Matcher | None = None
        self.day: date | None = None  # the date the matcher's answers are for (set by the build)
        self._backlog: dict[int, KbEntry | None] = {}  # writes seen before the build finished; None: removed
        self._reload_after_build = False  # everything changed while the build was reading

    def current(self) -> Matcher | None:
        """The matcher if it is built, else None (callers show lexical-free fallbacks meanwhile)."""
        return self._matcher

    def build(self, semantic_after: threading.Event | None = None) -> Matcher:
        """The matcher, built now if it is not yet (blocks: call from a worker thread). Its semantic
        stage starts once `semantic_after` is set (see `Matcher.semantic_after`)."""
        if self._matcher is not None:
            return self._matcher
        with self._building:
            if self._matcher is not None:
                return self._matcher
            tokenizer.ensure_loaded()
            day = self._kb_admin.today()
            token, entries = self._entries(day)
            matcher = Matcher(
                entries, cache=self._cache, semantic=self._semantic, semantic_later=True, semantic_after=semantic_after
            )
            if self._cache is not None and token is not None and not isinstance(entries, KeptEntries):
                self._cache.save_entries(token, day, matcher.revision, entries, core_words(entries))
            matcher.match("预热")  # the first query pays jieba's remaining start-up, not a customer
            with self._state:
                apply_change([matcher], self._drain_backlog())
                self._matcher, self.day = matcher, day
                reload, self._reload_after_build = self._reload_after_build, False
            if reload:
                self.reload()
            return matcher

    def _entries(self, day: date) -> tuple[str | None, list[KbEntry] | KeptEntries]:
        """(the KB's revision token, its entries for `day`): the entries kept in the cache when the
        database's KB revision is still the one they were kept under (热度 read anew; each made when
        first read, with their index key), else read from the database."""
        if self._cache is None:
            return None, self._kb_admin.live_entries()
        token = self._kb_admin.revision()
        if token is not None:
            kept = self._cache.load_entries(token, day, self._kb_admin.hits)
            if kept is not None:
                return token, kept
        return self._kb_admin.live_entries_at_revision()

    def apply(self, change: KbChange) -> None:
        """A committed KB write: into the matcher now, or into the build that is under way."""
        with self._state:
            if self._matcher is None:
                for entry_id in change.removed:
                    self._backlog[entry_id] = None
                for entry in change.upserts:
                    self._backlog[entry.id] = entry
                return
            apply_change([self._matcher], change)

    def reload(self) -> None:
        """Read every entry again (a bulk change at another desk, or a resync after a lost connection);
        during the build, the build is followed by it."""
        with self._state:
            matcher = self._matcher
            if matcher is None:
                self._reload_after_build = True
                return
        matcher.rebuild(self._kb_admin.live_entries(), self._cache)

    def check_day(self) -> bool:
        """On a new date, give the matcher the answers whose validity window opened or closed since
        the last check; True if the date moved on. On failure the date stays, to try again later."""
        today = self._kb_admin.today()
        with self._state:
            previous = self.day
            if self._matcher is None or previous is None or today == previous:
                return False
            self.day = today  # a second check meanwhile has nothing to do
        try:
            self.apply(self._kb_admin.day_change(previous))
        except BaseException:
            with self._state:
                if self.day == today:
                    self.day = previous
            raise
        return True

    def _drain_backlog(self) -> KbChange:
        upserts = tuple(e for e in self._backlog.values() if e is not None)
        removed = tuple(i for i, e in self._backlog.items() if e is None)
        self._backlog = {}
        return KbChange(upserts, removed)


class KbFollower:
    """Brings KB writes made at other desks into a workspace's live matcher.

    It hears remote `Topic.KB` changes (and `Topic.RESYNC`) on the hub, and re-reads the changed
    entries on a thread of its own, never on the listener's: bursts are merged, a bulk change or a
    resync re-reads everything.
    """

    def __init__(self, live: LiveMatcher, kb_admin: KbAdminService, hub: Hub) -> None:
        self._live = live
        self._kb_admin = kb_admin
        self._lock = threading.Lock()
        self._ids: dict[int, None] = {}
        self._everything = False
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="workbench-kb-follower", daemon=True)
        self._thread.start()
        self._unsubscribe: Callable[[], None] = hub.subscribe(self._heard)

    def close(self, timeout: float = 5.0) -> None:
        self._unsubscribe()
        with self._lock:
            self._stop = True
        self._wake.set()
        self._thread.join(timeout)

    def _heard(self, change: Change) -> None:
        if not change.remote or change.topic not in (Topic.KB, Topic.RESYNC):
            return
        with self._lock:
            if change.key is None:
                self._everything = True
            else:
                self._ids[change.key] = None
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            with self._lock:
                self._wake.clear()
                if self._stop:
                    return
                ids, everything = list(self._ids), self._everything
                self._ids, self._everything = {}, False
            try:
                if everything:
                    self._live.reload()
                elif ids:
                    self._live.apply(self._kb_admin.current(ids))
            except Exception:  # the database away: the resync that follows the reconnect reloads it
                log.exception("could not bring the KB matcher up to date")
