"""What a unit of work says it changed goes out with its commit, and only then; and the presence rows
that tell a live desk from a dead one, swept by guarded statements (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from workbench.domain.conversations import ConversationState
from workbench.domain.customers import Customer
from workbench.domain.shops import AgentStatus
from workbench.storage.changes import MAX_KEYS, StoredChange, decode, encode
from workbench.storage.db import Database
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.presence import PresenceRepository
from workbench.storage.repositories.shops import ShopRepository

NOW = datetime(2026, 5, 1, 10, 0)


def test_changes_are_heard_after_the_commit_once_each_in_order(db: Database) -> None:
    heard: list[tuple[StoredChange, ...]] = []
    db.on_commit(heard.append)
    with db.session() as s:
        db.notify(s, "conversations", 7)
        db.notify(s, "agents", 1)
        db.notify(s, "conversations", 7)
        db.notify(s, "conversations", 8)
        assert heard == []  # not before the commit
    assert heard == [(StoredChange("conversations", 7), StoredChange("conversations", 8), StoredChange("agents", 1))]


def test_a_rolled_back_unit_of_work_says_nothing(db: Database) -> None:
    heard: list[tuple[StoredChange, ...]] = []
    db.on_commit(heard.append)
    with pytest.raises(RuntimeError), db.session() as s:
        db.notify(s, "conversations", 7)
        raise RuntimeError("refused")
    with db.session() as s:
        pass  # a unit of work that says nothing is not heard
    assert heard == []


def test_many_rows_of_one_topic_are_said_as_several(db: Database) -> None:
    heard: list[tuple[StoredChange, ...]] = []
    db.on_commit(heard.append)
    with db.session() as s:
        for key in range(MAX_KEYS + 1):
            db.notify(s, "customers", key)
        db.notify(s, "kb", 3)
        db.notify(s, "kb")
        db.notify(s, "kb", 4)
    assert heard == [(StoredChange("customers", None), StoredChange("kb", None))]


def test_a_failing_listener_does_not_undo_the_write(db: Database) -> None:
    def broken(_changes: tuple[StoredChange, ...]) -> None:
        raise RuntimeError("listener bug")

    db.on_commit(broken)
    with db.session() as s:
        shop = ShopRepository(s).add("店", "服饰")
        db.notify(s, "agents")
    with db.session() as s:
        assert ShopRepository(s).first() == shop


def test_the_wire_format_is_origin_topic_and_key() -> None:
    assert encode("ab12", StoredChange("conversations", 42)) == "ab12 conversations 42"
    assert encode("ab12", StoredChange("kb")) == "ab12 kb -"
    assert decode("ab12 conversations 42") == ("ab12", StoredChange("conversations", 42))
    assert decode("ab12 kb -") == ("ab12", StoredChange("kb", None))
    for foreign in ("", "hello", "ab12 kb x", "a b c d"):
        assert decode(foreign) is None


def _shop_with_agents(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("店", "服饰")
        return shop.id, shops.add_agent(shop.id, "a", "甲").id, shops.add_agent(shop.id, "b", "乙").id


def _age(db: Database, session_id: str, seconds: float) -> None:
    with db.session() as s:
        s.execute(
            text("UPDATE desk_sessions SET last_seen = last_seen - :t WHERE id = :id"), {"t": seconds, "id": session_id}
        )


def test_a_stale_desk_is_swept_once_and_its_waiting_buyers_return(db: Database) -> None:
    shop_id, alive, dead = _shop_with_agents(db)
    with db.session() as s:
        presence = PresenceRepository(s)
        assert presence.beat("desk-alive", alive, "pc1:1") is True
        assert presence.beat("desk-dead", dead, "pc2:2") is True
        assert presence.beat("desk-alive", alive, "pc1:1") is False
        customers = CustomerRepository(s)
        conversations = ConversationRepository(s)
        convs = []
        for nick in ("c1", "c2", "c3"):
            customer = customers.add(shop_id, Customer(id=0, nick=nick))
            convs.append(conversations.create(shop_id, customer.id, NOW).id)
        waiting_dead, active_dead, waiting_alive = convs
        assert conversations.assign_waiting(waiting_dead, dead)
        assert not conversations.assign_waiting(waiting_dead, alive)  # nobody else gets it meanwhile
        conversations.set_state(active_dead, ConversationState.ACTIVE, NOW, agent_id=dead)
        assert conversations.assign_waiting(waiting_alive, alive)
    _age(db, "desk-dead", 60)
    with db.session() as s:
        released = PresenceRepository(s).sweep(shop_id, 30)
    assert released.agents == (dead,) and released.conversations == (waiting_dead,)
    with db.session() as s:
        assert PresenceRepository(s).sweep(shop_id, 30).agents == ()  # a second sweep finds nothing
        statuses = {a.id: a.status for a in ShopRepository(s).agents(shop_id)}
        conversations = ConversationRepository(s)
        assert statuses == {alive: AgentStatus.ONLINE, dead: AgentStatus.OFFLINE}
        assert conversations.get(waiting_dead).agent_id is None  # type: ignore[union-attr]
        assert conversations.get(active_dead).agent_id == dead  # type: ignore[union-attr]
        assert conversations.get(waiting_alive).agent_id == alive  # type: ignore[union-attr]
        assert PresenceRepository(s).live_agents(shop_id, 30) == {alive}


def test_an_agent_with_another_live_desk_stays_online(db: Database) -> None:
    shop_id, agent, _ = _shop_with_agents(db)
    with db.session() as s:
        PresenceRepository(s).beat("laptop", agent, "")
        PresenceRepository(s).beat("pc", agent, "")
    _age(db, "laptop", 60)
    with db.session() as s:
        assert PresenceRepository(s).sweep(shop_id, 30).agents == ()
        PresenceRepository(s).end("pc")
        assert PresenceRepository(s).release(shop_id, [agent], 30).agents == (agent,)
