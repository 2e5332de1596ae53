"""Desks on one PostgreSQL server hear each other's work: two headless workspaces, as two desks open them
(their own connection pool, listener thread and hub), on a database of the test's own."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from workbench.composition import open_workspace
from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.errors import DomainError
from workbench.domain.kb import Phrasing
from workbench.domain.kb_admin import ALL_CATEGORIES, Answer, EntryDraft
from workbench.domain.shops import AgentStatus
from workbench.services.notifications import Change, Topic
from workbench.services.workspace import Workspace

pytestmark = pytest.mark.postgres

WITHIN_S = 1.0  # a change reaches the other desk within a second


class Heard:
    """What a workspace's hub publishes of the other desks' changes (heard through the database)."""

    def __init__(self, ws: Workspace) -> None:
        self.changes: queue.Queue[Change] = queue.Queue()
        ws.hub.subscribe(lambda change: self.changes.put(change) if change.remote else None)

    def wait_for(self, wanted: Callable[[Change], bool], timeout: float = WITHIN_S) -> Change:
        deadline = time.monotonic() + timeout
        seen = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                change = self.changes.get(timeout=left)
            except queue.Empty:
                break
            if wanted(change):
                return change
            seen.append(change)
        raise AssertionError(f"not heard within {timeout}s; heard {seen}")

    def drain(self) -> list[Change]:
        out = []
        while True:
            try:
                out.append(self.changes.get_nowait())
            except queue.Empty:
                return out


@pytest.fixture
def desks(pg_demo_url: str) -> Iterator[tuple[Workspace, Workspace]]:
    first = open_workspace(pg_demo_url, username="wangjing", live=True)  # 主管: may edit the KB
    second = open_workspace(pg_demo_url, username="xiaolin", live=True)
    assert first.agent.id != second.agent.id
    yield first, second
    second.close()
    first.close()


def _customer(ws: Workspace, index: int = 0) -> int:
    return ws.orders.page(limit=index + 1).rows[index][0].customer_id


def test_a_message_written_at_one_desk_reaches_the_other_within_a_second(desks: tuple[Workspace, Workspace]) -> None:
    one, two = desks
    heard = Heard(two)
    conv = one.reception.customer_arrives(_customer(one))
    heard.wait_for(lambda c: c == Change(Topic.CONVERSATIONS, conv.id, remote=True))
    message = one.reception.customer_says(conv.id, "在吗？我想问下发货时间")
    written = time.monotonic()
    heard.wait_for(lambda c: c.topic is Topic.CONVERSATIONS and c.key == conv.id)
    assert time.monotonic() - written < WITHIN_S
    # the change says only what to re-read; the database has it
    assert [m.id for m in two.reception.messages(conv.id, after_id=message.id - 1)] == [message.id]
    assert conv.id in {c.id for c in two.reception.desk_lists(two.agent.id).waiting}


def test_a_desk_does_not_hear_its_own_changes_twice(desks: tuple[Workspace, Workspace]) -> None:
    one, two = desks
    mine: list[Change] = []
    one.hub.subscribe(mine.append)
    heard = Heard(two)
    conv = one.reception.customer_arrives(_customer(one))
    heard.wait_for(lambda c: c.key == conv.id)
    time.sleep(0.2)  # its own listener would have delivered it by now
    assert mine == [Change(Topic.CONVERSATIONS, conv.id)]  # in-process, once, not remote


def test_tag_note_and_status_changes_reach_the_other_desk(desks: tuple[Workspace, Workspace]) -> None:
    one, two = desks
    heard = Heard(two)
    customer_id = _customer(one)
    one.customers.add_tag(customer_id, "回头客")
    heard.wait_for(lambda c: c == Change(Topic.CUSTOMERS, customer_id, remote=True))
    assert "回头客" in {t.name for t in two.customers.profile(customer_id).tags}
    one.customers.add_note(customer_id, "要求顺丰发货", "小赵")
    heard.wait_for(lambda c: c == Change(Topic.CUSTOMERS, customer_id, remote=True))
    one.set_agent_status(AgentStatus.BUSY)
    heard.wait_for(lambda c: c == Change(Topic.AGENTS, one.agent.id, remote=True))
    assert next(a for a in two.routing.accounts() if a.id == one.agent.id).status is AgentStatus.BUSY


def test_a_kb_edit_reaches_the_other_desks_matcher(desks: tuple[Workspace, Workspace]) -> None:
    one, two = desks
    matcher = two.matcher.build()
    heard = Heard(two)
    question = "可以用花呗分期付款吗"
    assert all(s.question != "支持花呗分期吗" for s in matcher.match(question))
    change = one.kb_admin.create_entry(
        EntryDraft(
            category="购买操作",
            question="支持花呗分期吗",
            phrasings=(Phrasing("可以花呗分期吗"), Phrasing("能用花呗分期付款吗")),
            answers=(Answer("支持的亲，结算时选择花呗分期即可～"),),
        )
    )
    entry_id = change.upserts[0].id
    heard.wait_for(lambda c: c == Change(Topic.KB, entry_id, remote=True))
    _eventually(lambda: any(s.entry_id == entry_id for s in matcher.match(question)), "the matcher has the entry")
    assert any(e.id == entry_id for e in two.kb_admin.entries(ALL_CATEGORIES))
    one.kb_admin.delete_entry(entry_id)
    _eventually(lambda: all(s.entry_id != entry_id for s in matcher.match(question)), "the entry is gone")


def test_a_rolled_back_write_is_never_heard(desks: tuple[Workspace, Workspace]) -> None:
    one, two = desks
    heard = Heard(two)
    conv = one.reception.customer_arrives(_customer(one))
    heard.wait_for(lambda c: c.key == conv.id)
    with pytest.raises(RuntimeError), one.db.session() as s:
        s.execute(text("UPDATE conversations SET unread = 99 WHERE id = :id"), {"id": conv.id})
        one.db.notify(s, Topic.CONVERSATIONS, conv.id)
        one.db.notify(s, Topic.AGENTS, one.agent.id)
        raise RuntimeError("the use case failed after the write")
    one.reception.system_note(conv.id, "之后的一条")  # committed: heard, and heard after anything sent before
    heard.wait_for(lambda c: c.key == conv.id)
    assert heard.drain() == []
    assert two.reception.get(conv.id).unread == 0  # type: ignore[union-attr]


def test_a_lost_connection_is_reported_and_caught_up_by_reading(desks: tuple[Workspace, Workspace]) -> None:
    one, two = desks
    matcher = two.matcher.build()
    heard = Heard(two)
    assert two.team is not None
    listener = two.team.live.listener
    pid = listener.backend_pid
    assert pid is not None
    with one.db.session() as s:
        s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    heard.wait_for(lambda c: c.topic is Topic.LINK_LOST, timeout=5)
    assert not two.team.link_up
    # while the listener is away (it waits before reconnecting), another desk works on
    conv = one.reception.customer_arrives(_customer(one, 1))
    one.reception.customer_says(conv.id, "断线期间的消息")
    entry = one.kb_admin.create_entry(
        EntryDraft(category="更多问题", question="断线期间新增的问题", answers=(Answer("断线期间新增的答案"),))
    ).upserts[0]
    changes = []
    while (change := heard.wait_for(lambda c: True, timeout=10)).topic is not Topic.RESYNC:
        changes.append(change)
    assert changes == []  # what was sent meanwhile is gone...
    assert two.team.link_up and listener.backend_pid not in (None, pid)
    # ...and the desk catches up by reading: its lists, and (by itself) its matcher
    listed = {c.id: c for c in two.reception.desk_lists(two.agent.id).waiting}
    assert listed[conv.id].last_message == "断线期间的消息"
    _eventually(
        lambda: any(s.entry_id == entry.id for s in matcher.match("断线期间新增的问题")), "the matcher reloaded"
    )
    # and it hears new changes again
    one.reception.customer_says(conv.id, "恢复之后")
    heard.wait_for(lambda c: c == Change(Topic.CONVERSATIONS, conv.id, remote=True))


def test_a_dead_desk_is_offline_after_the_timeout_and_its_waiting_buyers_return(pg_demo_url: str) -> None:
    keeper = open_workspace(pg_demo_url, username="xiaozhao", live=True, offline_after_s=1.0, heartbeat_s=0.2)
    dying = open_workspace(pg_demo_url, username="xiaolin", live=True, offline_after_s=1.0, heartbeat_s=0.2)
    try:
        heard = Heard(keeper)  # its heartbeat's sweep finds the dead desk (and says so like another desk)
        agent_id = dying.agent.id
        waiting = dying.reception.customer_arrives(_customer(dying, 0))
        dying.reception.customer_says(waiting.id, "有人吗")
        assert dying.routing.assign(waiting.id, agent_id)
        accepted = dying.reception.customer_arrives(_customer(dying, 1))
        dying.reception.accept(accepted.id, agent_id)
        saved = dying.reception.agent_sends(accepted.id, agent_id, "您好，请问有什么可以帮您")
        # The desk dies without closing: no heartbeat, no goodbye (as a kill -9).
        assert dying.team is not None
        dying.team.heartbeat.stop()
        dying.team.live.stop()
        dying.team.kb_follower.close()
        dying.team.presence.db.dispose()
        dying.team = None
        dying.db.dispose()
        heard.wait_for(lambda c: c == Change(Topic.AGENTS, agent_id, remote=True), timeout=5)
        status = next(a.status for a in keeper.routing.accounts() if a.id == agent_id)
        assert status is AgentStatus.OFFLINE
        # read as the program (xiaozhao, a 客服, may not open a colleague's chat: see test_conversation_actions)
        stored = keeper.reception.for_program()
        back = stored.get(waiting.id)
        assert back is not None and back.state is ConversationState.WAITING and back.agent_id is None
        kept = stored.get(accepted.id)  # an accepted chat stays the agent's, with what was said
        assert kept is not None and kept.agent_id == agent_id and kept.state is ConversationState.ACTIVE
        assert saved.id in {m.id for m in stored.messages(accepted.id)}
        assert any(m.sender is Sender.CUSTOMER for m in keeper.reception.messages(waiting.id))
        # the living desk is still 在线
        assert next(a.status for a in keeper.routing.accounts() if a.id == keeper.agent.id) is AgentStatus.ONLINE
    finally:
        keeper.close()
        dying.close()


def test_closing_a_desk_takes_its_agent_offline_and_returns_its_waiting_buyers(
    desks: tuple[Workspace, Workspace],
) -> None:
    one, two = desks
    heard = Heard(one)
    waiting = two.reception.customer_arrives(_customer(two))
    assert two.routing.assign(waiting.id, two.agent.id)
    two_id = two.agent.id
    two.close()
    heard.wait_for(lambda c: c == Change(Topic.AGENTS, two_id, remote=True))
    assert next(a.status for a in one.routing.accounts() if a.id == two_id) is AgentStatus.OFFLINE
    assert one.reception.get(waiting.id).agent_id is None  # type: ignore[union-attr]
    # opening a desk again is a login: 在线
    again = open_workspace(one.db.url, username="xiaolin", live=True)
    try:
        assert again.agent.status is AgentStatus.ONLINE
        heard.wait_for(lambda c: c == Change(Topic.AGENTS, two_id, remote=True))
    finally:
        again.close()


def test_only_one_of_two_racing_assignments_wins(desks: tuple[Workspace, Workspace]) -> None:
    one, two = desks
    conv = one.reception.customer_arrives(_customer(one))
    results = [one.routing.assign(conv.id, one.agent.id), two.routing.assign(conv.id, two.agent.id)]
    assert results == [True, False]
    assert two.reception.for_program().get(conv.id).agent_id == one.agent.id  # type: ignore[union-attr]
    with pytest.raises(DomainError) as refused:  # and the loser's desk may not open the colleague's chat
        two.reception.get(conv.id)
    assert refused.value.code == "conversation.forbidden"


def _eventually(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)
