"""The workspace's change hub: services say what changed after they commit, and one failing
listener stops neither the others nor the service."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.composition import open_workspace
from workbench.domain.errors import DomainError
from workbench.domain.shops import AgentStatus
from workbench.services.notifications import Change, Hub, Topic
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url


@pytest.fixture
def ws(tmp_path: Path, demo_database: Path) -> Iterator[Workspace]:
    path = tmp_path / "wb.sqlite3"
    shutil.copyfile(demo_database, path)
    workspace = open_workspace(sqlite_url(path))
    yield workspace
    workspace.close()


def test_reception_publishes_after_each_committed_change(ws: Workspace) -> None:
    seen: list[tuple[Change, bool]] = []

    def listener(change: Change) -> None:
        # what a desk does on a change: re-read; the write is already visible
        conv = ws.reception.get(change.key) if change.topic is Topic.CONVERSATIONS and change.key else None
        seen.append((change, conv is not None))

    ws.hub.subscribe(listener)
    customer_id = ws.orders.page(limit=1).rows[0][0].customer_id
    conv = ws.reception.customer_arrives(customer_id)
    ws.reception.customer_says(conv.id, "在吗")
    ws.reception.accept(conv.id, ws.agent.id)
    ws.reception.agent_sends(conv.id, ws.agent.id, "在的亲")
    ws.reception.end(conv.id, "agent")
    assert [c for c, _ in seen] == [Change(Topic.CONVERSATIONS, conv.id)] * 5
    assert all(visible for _, visible in seen)


def test_a_refused_write_publishes_nothing(ws: Workspace) -> None:
    seen: list[Change] = []
    ws.hub.subscribe(seen.append)
    with pytest.raises(DomainError):  # an empty message
        ws.reception.customer_says(999_999, "  ")
    with pytest.raises(DomainError):  # no such conversation
        ws.reception.customer_says(999_999, "在吗")
    assert seen == []


def test_agent_status_changes_are_published(ws: Workspace) -> None:
    seen: list[Change] = []
    ws.hub.subscribe(seen.append)
    ws.set_agent_status(AgentStatus.BUSY)
    assert seen == [Change(Topic.AGENTS, ws.agent.id)] and ws.agent.status is AgentStatus.BUSY


def test_a_failing_listener_does_not_stop_the_others() -> None:
    hub = Hub()
    seen: list[Change] = []

    def broken(_change: Change) -> None:
        raise RuntimeError("listener bug")

    hub.subscribe(broken)
    stop = hub.subscribe(seen.append)
    hub.publish(Topic.CONVERSATIONS, 7)
    assert seen == [Change(Topic.CONVERSATIONS, 7)]
    stop()
    hub.publish(Topic.CONVERSATIONS, 8)
    assert seen == [Change(Topic.CONVERSATIONS, 7)]
