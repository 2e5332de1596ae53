"""The team's customer feed (`workbench simulate`): its headless loop on a fake clock, over a copy of
the demo shop in SQLite (the loop is the same on PostgreSQL; there the desks' changes come from the
listener, here the test publishes them as a listener would)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import copy_demo
from workbench.app import main
from workbench.composition import build_channel, open_workspace
from workbench.domain.conversations import ConversationState, Sender
from workbench.services.feed import LEFT_NOTE, TeamFeed
from workbench.services.notifications import Topic
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url


class FakeTime:
    """Monotonic seconds that move only when the feed waits (or the test says so)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.waited = 0.0

    def __call__(self) -> float:
        return self.now


class FastStop(threading.Event):
    """The feed's stop flag, whose waits pass on the fake clock at once."""

    def __init__(self, clock: FakeTime) -> None:
        super().__init__()
        self.clock = clock

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None and timeout > 0
        self.clock.now += timeout
        self.clock.waited += timeout
        return self.is_set()


@pytest.fixture
def ws(tmp_path: Path, demo_database: Path) -> Iterator[Workspace]:
    target = tmp_path / "wb.sqlite3"
    copy_demo(demo_database, target)
    workspace = open_workspace(sqlite_url(target))
    yield workspace
    workspace.close()


def make_feed(ws: Workspace, clock: FakeTime, rate: float, *, seed: int = 1, max_active: int = 1000) -> TeamFeed:
    channel = build_channel(ws, rate_per_min=rate, seed=seed, max_active=max_active, monotonic=clock)
    return TeamFeed(channel, ws.reception, ws.hub, monotonic=clock)


def every_chat_has_its_buyer(ws: Workspace) -> None:
    lists = ws.reception.lists()
    for conv in lists.waiting + lists.active + lists.ended:
        senders = {m.sender for m in ws.reception.messages(conv.id)}
        assert Sender.CUSTOMER in senders, f"conversation {conv.id} has no buyer message"


def test_the_feed_runs_for_its_duration_at_its_rate(ws: Workspace) -> None:
    clock = FakeTime()
    feed = make_feed(ws, clock, rate=12.0)  # 12 a minute for 5 minutes: about 60 buyers
    before = len(ws.reception.lists().waiting)
    totals = feed.run(FastStop(clock), duration=300.0)
    assert clock.now == pytest.approx(1300.0)  # stopped at the end of the duration, not a tick later
    assert 40 <= totals.buyers <= 80
    lists = ws.reception.lists()
    assert len(lists.waiting) + len(lists.active) - before >= totals.buyers - totals.left
    assert totals.buyer_messages >= totals.buyers
    every_chat_has_its_buyer(ws)


def test_the_rate_decides_how_many_buyers_come(ws: Workspace) -> None:
    slow_clock, fast_clock = FakeTime(), FakeTime()
    slow = make_feed(ws, slow_clock, rate=2.0, seed=5).run(FastStop(slow_clock), duration=600.0)
    fast = make_feed(ws, fast_clock, rate=20.0, seed=5).run(FastStop(fast_clock), duration=600.0)
    assert 8 <= slow.buyers <= 35  # about 20
    assert 150 <= fast.buyers <= 250  # about 200
    every_chat_has_its_buyer(ws)


def test_the_stop_flag_ends_the_run_after_the_tick_under_way(ws: Workspace) -> None:
    clock = FakeTime()
    feed = make_feed(ws, clock, rate=60.0)
    stop = FastStop(clock)
    ticks: list[int] = []
    step = feed.step

    def counting_step() -> object:
        updates = step()
        ticks.append(len(updates))
        if len(ticks) == 40:
            stop.set()  # as Ctrl+C would, in the middle of a tick: this tick still finishes
        return updates

    feed.step = counting_step  # type: ignore[method-assign]
    feed.run(stop)  # no duration: only the flag stops it
    assert len(ticks) == 40
    assert clock.now == pytest.approx(1000.0 + 40 * feed.tick_s)
    every_chat_has_its_buyer(ws)


def test_a_failing_tick_is_logged_and_the_feed_carries_on(ws: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeTime()
    feed = make_feed(ws, clock, rate=6.0)
    tick = feed.channel.tick
    calls = [0]

    def flaky() -> list[object]:
        calls[0] += 1
        if calls[0] == 3:
            raise OSError("the server went away")
        return tick()  # type: ignore[return-value]

    feed.channel.tick = flaky  # type: ignore[method-assign]
    totals = feed.run(FastStop(clock), duration=10.0)
    assert totals.failed_ticks == 1
    assert calls[0] == 20  # every tick of the 10 s was tried
    assert "the feed's tick failed" in caplog.text


def test_the_desks_reply_reaches_the_buyer_and_an_ended_chat_sends_the_buyer_away(ws: Workspace) -> None:
    clock = FakeTime()
    feed = make_feed(ws, clock, rate=0.001)
    updates = feed.spawn("size_advice")
    conv_id = updates[0].conversation_id
    feed.step()
    assert conv_id in feed.channel.conversation_ids()
    said_before = [m.id for m in ws.reception.messages(conv_id) if m.sender is Sender.CUSTOMER]

    # Another desk (another process) accepts and answers: the feed hears it through the listener.
    ws.reception.agent_sends(conv_id, ws.agent.id, "亲，方便说下身高体重吗？我帮您推荐尺码")
    ws.hub.publish(Topic.CONVERSATIONS, conv_id, remote=True)
    feed.step()
    assert feed.total.agent_replies == 1
    feed.step()
    assert feed.total.agent_replies == 1  # handed over once
    for _ in range(120):  # the buyer reads the reply and answers it
        clock.now += 1.0
        feed.step()
    said_after = [m.id for m in ws.reception.messages(conv_id) if m.sender is Sender.CUSTOMER]
    assert len(said_after) > len(said_before)

    # The agent ends the chat at the desk: the buyer goes away and writes no more.
    ws.reception.end_with_note(conv_id, "会话已结束", "agent")
    ws.hub.publish(Topic.CONVERSATIONS, conv_id, remote=True)
    feed.step()
    assert conv_id not in feed.channel.conversation_ids()
    for _ in range(300):
        clock.now += 1.0
        feed.step()
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.ENDED


def test_the_feeds_own_writes_are_not_taken_for_an_agents(ws: Workspace) -> None:
    clock = FakeTime()
    feed = make_feed(ws, clock, rate=30.0)
    for _ in range(120):
        clock.now += 0.5
        feed.step()
        # Every buyer's chat is read again (as after a resync): what the feed wrote itself is no reply.
        ws.hub.publish(Topic.RESYNC, remote=True)
    assert feed.total.buyers > 0
    assert feed.total.agent_replies == 0


def test_settings_edited_at_a_desk_reach_the_feeds_bot(ws: Workspace) -> None:
    clock = FakeTime()
    feed = make_feed(ws, clock, rate=0.001)
    reloaded: list[bool] = []
    feed.channel.reload_settings = lambda: reloaded.append(True)  # type: ignore[method-assign]
    feed.step()
    assert reloaded == []
    ws.hub.publish(Topic.BOT, remote=True)
    ws.hub.publish(Topic.KB, 3, remote=True)
    feed.step()
    assert reloaded == [True]  # once for both
    ws.hub.publish(Topic.BOT)  # the feed's own write: it knows already
    feed.step()
    assert reloaded == [True]


def test_stopping_ends_the_bots_chats_and_leaves_the_agents_chats_with_the_desks(ws: Workspace) -> None:
    clock = FakeTime()
    feed = make_feed(ws, clock, rate=0.001)
    waiting = feed.spawn("when_ship")[0].conversation_id
    served = feed.spawn("size_advice")[0].conversation_id
    feed.step()
    feed.channel.bot._bot_convs = {served}  # the bot serves this one (full-auto)
    ended = feed.finish()
    assert ended == [served]
    bot_chat = ws.reception.get(served)
    assert bot_chat is not None and bot_chat.state is ConversationState.ENDED
    assert ws.reception.messages(served)[-1].text == LEFT_NOTE
    human_chat = ws.reception.get(waiting)
    assert human_chat is not None and human_chat.state is ConversationState.WAITING
    assert feed.channel.conversation_ids() == ()


def test_a_restarted_feed_does_not_replay_the_time_it_was_stopped(ws: Workspace) -> None:
    clock = FakeTime()
    make_feed(ws, clock, rate=30.0, seed=2).run(FastStop(clock), duration=60.0)
    clock.now += 3600.0  # an hour later (30 a minute: 1800 buyers if the hour were replayed)
    again = make_feed(ws, clock, rate=30.0, seed=3)
    again.step()
    assert again.total.buyers <= 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate", "0"], "must be a number above 0"),
        (["--rate", "-3"], "must be a number above 0"),
        (["--rate", "fast"], "not a number"),
        (["--rate", "nan"], "must be a number above 0"),
        (["--rate", "2", "--duration", "0"], "must be a number above 0"),
        ([], "the following arguments are required: --rate"),
    ],
)
def test_simulate_refuses_a_bad_rate_or_duration(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["simulate", "--db", "postgresql+psycopg://u@localhost/shop", *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_simulate_help_says_the_rate_is_buyers_per_minute(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    assert "buyers per minute" in capsys.readouterr().out


def test_simulate_refuses_a_sqlite_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = sqlite_url(tmp_path / "shop.sqlite3")
    assert main(["simulate", "--db", url, "--rate", "2", "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert "shared PostgreSQL database" in err and "模拟客户进店" in err
    assert not (tmp_path / "shop.sqlite3").exists()  # nothing was created


def test_a_shop_without_customers_is_refused(tmp_path: Path) -> None:
    from workbench.composition import open_database, open_feed
    from workbench.domain.errors import DomainError
    from workbench.services.accounts import create_shop

    url = sqlite_url(tmp_path / "class.sqlite3")
    db = open_database(url, seed_demo=False)
    create_shop(db, "网店客服1班", "wanglaoshi", "王老师", "laoshi-pass-1")  # as `workbench admin init`
    db.dispose()
    with pytest.raises(DomainError) as refused:
        open_feed(url, rate_per_min=2.0)
    assert refused.value.code == "feed.no_customers"


def test_an_exercises_feed_waits_for_the_teacher_then_brings_its_scenarios(ws: Workspace) -> None:
    """Lab control (`workbench simulate --exercise ID`): no buyer before the exercise is started; after
    it, only the exercise's scenarios, drawn with its seed; a stop holds new buyers back again."""
    from datetime import UTC, datetime

    from workbench.channels.scenarios import select_scenarios
    from workbench.services.feed import LabGate

    clock = FakeTime()
    started: list[datetime | None] = [None]
    wanted = ("exchange_colour_size", "invoice")
    channel = build_channel(ws, rate_per_min=30.0, seed=1, max_active=1000, monotonic=clock)
    gate = LabGate("p4-t1", lambda: started[0], select_scenarios(wanted), seed=7, poll_s=1.0)
    feed = TeamFeed(channel, ws.reception, ws.hub, lab=gate, monotonic=clock)
    before = len(ws.reception.lists().waiting)
    totals = feed.run(FastStop(clock), duration=120.0)
    assert totals.buyers == 0  # 30 a minute for two minutes, yet nobody: the exercise is not started
    assert len(ws.reception.lists().waiting) == before

    started[0] = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    totals = feed.run(FastStop(clock), duration=120.0)
    assert totals.buyers > 10
    assert {s.id for s in feed.channel.simulator.scenarios} == set(wanted)
    scenario_ids = {c.scenario_id for c in ws.reception.lists().waiting if c.id in set(feed.channel.conversation_ids())}
    assert scenario_ids and scenario_ids <= set(wanted)

    started[0] = None
    came = feed.total.buyers
    feed.run(FastStop(clock), duration=120.0)
    assert feed.total.buyers == came  # stopped: no new buyers


def test_an_unknown_scenario_in_an_exercise_is_named() -> None:
    from workbench.channels.scenarios import select_scenarios

    with pytest.raises(ValueError, match="no_such_scenario"):
        select_scenarios(["invoice", "no_such_scenario"])
    assert [s.id for s in select_scenarios(["invoice", "exchange_colour_size"])] == ["invoice", "exchange_colour_size"]


def test_open_feed_with_an_exercise_waits_for_its_start_in_the_database(tmp_path: Path, demo_database: Path) -> None:
    """`workbench simulate --exercise p4-t1`: the feed asks the classroom service whether the teacher
    started the exercise, and brings its scenarios with its seed once they did."""
    from workbench.composition import open_feed

    target = tmp_path / "wb.sqlite3"
    copy_demo(demo_database, target)
    clock = FakeTime()
    parts = open_feed(sqlite_url(target), rate_per_min=30.0, exercise="p4-t1", monotonic=clock)
    try:
        feed, ws = parts.feed, parts.ws
        exercise = ws.exercises.exercise("p4-t1")
        assert feed.lab is not None and feed.lab.seed == exercise.seed
        assert feed.run(FastStop(clock), duration=60.0).buyers == 0
        ws.classroom.start("p4-t1")
        feed.run(FastStop(clock), duration=120.0)
        assert feed.total.buyers > 5
        assert {s.id for s in feed.channel.simulator.scenarios} == set(exercise.scenarios)
    finally:
        parts.close()


def test_open_feed_refuses_an_unknown_exercise(tmp_path: Path, demo_database: Path) -> None:
    from workbench.composition import open_feed
    from workbench.domain.errors import DomainError

    target = tmp_path / "wb.sqlite3"
    copy_demo(demo_database, target)
    with pytest.raises(DomainError) as raised:
        open_feed(sqlite_url(target), rate_per_min=1.0, exercise="no-such-exercise")
    assert raised.value.code == "exercise.unknown"
