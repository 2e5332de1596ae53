"""挂起 / 离线 on a team server (PostgreSQL, the team's one feed): a suspended desk gets no buyer; when
no desk can take a buyer — accounts nobody is logged in at do not count — the buyer gets the 忙碌 auto
reply; a desk that logs in again is 在线."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.composition import open_desk, open_feed, open_workspace
from workbench.demo.seeding import DEMO_PASSWORD
from workbench.domain.auto_messages import DEFAULT_TEMPLATES, AutoKind
from workbench.domain.conversations import Sender
from workbench.domain.routing import RoutingConfig
from workbench.domain.shops import AgentStatus
from workbench.entrance import open_entrance
from workbench.kb import tokenizer
from workbench.launch import LaunchConfig
from workbench.paths import AppPaths
from workbench.services.live import SimulatedChannel
from workbench.services.routing import AccountForm
from workbench.services.workspace import Workspace
from workbench.settings import Settings

pytestmark = pytest.mark.postgres

BUSY_TEXT = DEFAULT_TEMPLATES[AutoKind.BUSY]


class Team:
    def __init__(self, url: str) -> None:
        self.one = open_workspace(url, username="wangjing", live=True)  # 主管: may set up 分流
        self.two = open_workspace(url, username="xiaolin", live=True)
        self.t = [0.0]
        self.feed = open_feed(url, rate_per_min=0.0, seed=4, monotonic=lambda: self.t[0])
        channel = self.feed.ws.channel
        assert channel is not None
        self.channel: SimulatedChannel = channel

    def arrive(self, scenario: str) -> int:
        """A simulated buyer comes in and writes their opening; the chat's id."""
        conv_id = self.channel.spawn(scenario)[0].conversation_id
        for _ in range(120):
            if any(m.sender is Sender.CUSTOMER for m in self.one.reception.messages(conv_id)):
                break
            self.t[0] += 1.0
            self.channel.tick()
        return conv_id

    def bot_lines(self, conv_id: int) -> list[str]:
        return [m.text for m in self.one.reception.messages(conv_id) if m.sender is Sender.BOT]

    def close(self) -> None:
        self.feed.close()
        self.two.close()
        self.one.close()


@pytest.fixture
def team(pg_demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    if not tokenizer.is_ready():
        tokenizer.set_cache_dir(tmp_path_factory.mktemp("jieba"))
    team = Team(pg_demo_url)
    yield team
    team.close()


def test_buyers_get_the_busy_reply_only_while_no_desk_is_online(team: Team) -> None:
    # The demo's other accounts are 在线 in the database, but nobody works at them: they do not count.
    team.one.set_agent_status(AgentStatus.BUSY)
    team.two.set_agent_status(AgentStatus.OFFLINE)
    unattended = team.arrive("where_is_parcel")
    assert team.bot_lines(unattended) == [BUSY_TEXT]
    conv = team.one.reception.get(unattended)
    assert conv is not None and conv.agent_id is None
    team.two.set_agent_status(AgentStatus.ONLINE)
    attended = team.arrive("size_advice")
    assert team.bot_lines(attended) == []


def test_with_routing_a_suspended_desk_gets_no_buyer(team: Team) -> None:
    one, two = team.one, team.two
    owner = team.feed.ws.routing  # the shop's owner sets up 分流: only the two desks take buyers
    for a in owner.accounts():
        if a.id not in (one.agent.id, two.agent.id):
            owner.update_account(a.id, AccountForm(a.username, a.display_name, a.role, False, 8, False))
    owner.save_config(RoutingConfig(enabled=True))
    one.set_agent_status(AgentStatus.BUSY)
    chats = [team.arrive(s) for s in ("where_is_parcel", "size_advice")]
    for conv_id in chats:
        conv = one.reception.get(conv_id)
        assert conv is not None and conv.agent_id == two.agent.id
        assert team.bot_lines(conv_id) == []
    assert not {c.id for c in one.reception.desk_lists(one.agent.id).waiting} & set(chats)
    two.set_agent_status(AgentStatus.BUSY)
    nobody = team.arrive("when_ship")
    conv = one.reception.get(nobody)
    assert conv is not None and conv.agent_id is None
    assert team.bot_lines(nobody) == [BUSY_TEXT]


@pytest.mark.parametrize(("configured", "expected"), [("online", AgentStatus.ONLINE), ("busy", AgentStatus.BUSY)])
def test_a_team_desk_logs_in_online_unless_configured(
    pg_demo_url: str, tmp_path: Path, configured: str, expected: AgentStatus
) -> None:
    paths = AppPaths.under(tmp_path / "data")
    paths.ensure()

    def log_in(settings: Settings) -> Workspace:
        config = LaunchConfig(paths=paths, db_url=pg_demo_url, settings=settings)
        entrance = open_entrance(config)
        user = entrance.login.log_in("xiaolin", DEMO_PASSWORD, remember=False)
        return open_desk(config, entrance=entrance, user=user)

    ws = log_in(Settings(db_url=pg_demo_url))
    ws.set_agent_status(AgentStatus.OFFLINE if expected is AgentStatus.BUSY else AgentStatus.BUSY)
    ws.close()
    ws = log_in(Settings(db_url=pg_demo_url, status_on_login=configured))
    try:
        assert ws.agent.status is expected
        assert ws.desk.agent(ws.agent.id) == ws.agent
    finally:
        ws.close()
