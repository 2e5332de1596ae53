"""The workspace's one live matcher: built once, current with every write, including the writes that
land while it is being built, and with the answers whose validity window opens on a new day."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest

from workbench.domain.kb import KbEntry, Phrasing
from workbench.services.kb_admin import KbChange
from workbench.services.live_kb import LiveMatcher


def _entry(entry_id: int, question: str, answer: str) -> KbEntry:
    return KbEntry(
        id=entry_id, category="物流问题", question=question, answers=(answer,), phrasings=(Phrasing(question),)
    )


class FakeAdmin:
    """What LiveMatcher needs of KbAdminService: today's live entries and the day's changes."""

    def __init__(self, entries: list[KbEntry]) -> None:
        self.entries = entries
        self.now = datetime(2026, 11, 11, 10, 0)
        self.reading = threading.Event()  # set while live_entries runs
        self.release = threading.Event()
        self.release.set()
        self.day_changes: list[date] = []

    def today(self) -> date:
        return self.now.date()

    def live_entries(self) -> list[KbEntry]:
        snapshot = list(self.entries)  # what the database held when the build read it
        self.reading.set()
        self.release.wait(10)
        return snapshot

    def day_change(self, previous: date) -> KbChange:
        self.day_changes.append(previous)
        return KbChange(upserts=(_entry(2, "几点发货", "亲，新的一天16点前下单当天发"),))


@pytest.fixture
def admin(jieba_ready: None) -> FakeAdmin:
    return FakeAdmin([_entry(1, "包邮吗", "亲，满99包邮"), _entry(2, "几点发货", "亲，16点前下单当天发")])


def test_built_once_and_shared(admin: FakeAdmin) -> None:
    live = LiveMatcher(admin)  # type: ignore[arg-type]
    assert live.current() is None
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(live.build())) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(m) for m in results}) == 1 and live.current() is results[0]
    assert live.day == admin.today()


def test_a_write_during_the_build_is_not_lost(admin: FakeAdmin) -> None:
    """The build read the entries before a write committed; the write's change reaches the matcher."""
    live = LiveMatcher(admin)  # type: ignore[arg-type]
    admin.release.clear()
    builder = threading.Thread(target=live.build)
    builder.start()
    assert admin.reading.wait(10)  # the build has its (now stale) snapshot
    edited = _entry(1, "包邮吗", "亲，全场包邮～")
    admin.entries[0] = edited
    live.apply(KbChange(upserts=(edited,)))  # committed while the build runs
    live.apply(KbChange(removed=(2,)))
    admin.release.set()
    builder.join(10)
    matcher = live.current()
    assert matcher is not None
    best = matcher.answer("包邮吗").best
    assert best is not None and best.answer == "亲，全场包邮～"
    assert all(s.entry_id != 2 for s in matcher.match("几点发货", top=5))


def test_writes_after_the_build_go_straight_in(admin: FakeAdmin) -> None:
    live = LiveMatcher(admin)  # type: ignore[arg-type]
    matcher = live.build()
    live.apply(KbChange(upserts=(_entry(3, "能开发票吗", "亲，可以开电子发票"),)))
    best = matcher.answer("能开发票吗").best
    assert best is not None and best.entry_id == 3


def test_a_new_day_brings_the_answers_whose_window_opened(admin: FakeAdmin) -> None:
    live = LiveMatcher(admin)  # type: ignore[arg-type]
    matcher = live.build()
    assert live.check_day() is False and admin.day_changes == []  # the same day: nothing to do
    admin.now += timedelta(days=1)
    assert live.check_day() is True
    assert admin.day_changes == [date(2026, 11, 11)] and live.day == date(2026, 11, 12)
    best = matcher.answer("几点发货").best
    assert best is not None and best.answer == "亲，新的一天16点前下单当天发"
    assert live.check_day() is False


def test_a_failed_day_change_is_tried_again(admin: FakeAdmin) -> None:
    live = LiveMatcher(admin)  # type: ignore[arg-type]
    live.build()
    admin.now += timedelta(days=1)

    def broken(previous: date) -> KbChange:
        raise OSError("database is locked")

    admin.day_change = broken  # type: ignore[method-assign]
    with pytest.raises(OSError):
        live.check_day()
    assert live.day == date(2026, 11, 11)  # still yesterday: the next check tries again
