"""分流 as plain rules: round robin, least busy, groups, overflow and the capacity rule."""

from __future__ import annotations

import pytest

from workbench.domain.errors import DomainError
from workbench.domain.routing import (
    AgentRole,
    ReceptionGroup,
    RoutingConfig,
    RoutingStrategy,
    SubAccount,
    capacity_changes,
    check_capacity,
    clean_group_keywords,
    clean_username,
    group_for,
    pick_agent,
)
from workbench.domain.shops import AgentStatus

ON, BUSY, OFF = AgentStatus.ONLINE, AgentStatus.BUSY, AgentStatus.OFFLINE


def account(i: int, status: AgentStatus = ON, open_chats: int = 0, **kw: object) -> SubAccount:
    return SubAccount(i, f"a{i}", f"客服{i}", AgentRole.AGENT, status, open_chats=open_chats, **kw)  # type: ignore[arg-type]


def test_round_robin_skips_agents_who_cannot_take_customers() -> None:
    accounts = [
        account(1),
        account(2, BUSY),
        account(3, OFF),
        account(4, can_route=False),
        account(5, open_chats=8, capacity=8),
        account(6),
    ]
    cfg = RoutingConfig(enabled=True)
    cursor, picked = 0, []
    for _ in range(4):
        result = pick_agent(accounts, cfg, cursor)
        picked.append(result.agent_id)
        cursor = result.cursor
    assert picked == [1, 6, 1, 6]


def test_least_busy_and_nobody_free() -> None:
    cfg = RoutingConfig(enabled=True, strategy=RoutingStrategy.LEAST_BUSY)
    assert (
        pick_agent([account(1, open_chats=3), account(2, open_chats=1), account(3, open_chats=1)], cfg, 0).agent_id == 2
    )
    assert pick_agent([account(1, BUSY), account(2, OFF)], cfg, 7).agent_id is None


def test_groups_by_keyword_with_a_default_group_and_overflow() -> None:
    after = ReceptionGroup(1, "售后组", ("退货", "退款", "维修"), (1, 2), 1)
    before = ReceptionGroup(2, "售前组", (), (3,), 2)
    groups = [before, after]
    assert group_for("我想退货", groups) is after
    assert group_for("有优惠吗", groups) is before
    assert group_for("有优惠吗", [after]) is None
    cfg = RoutingConfig(enabled=True)
    accounts = [account(1), account(2), account(3)]
    assert pick_agent(accounts, cfg, 0, "我要退款", groups).agent_id == 1
    assert pick_agent(accounts, cfg, 1, "我要退款", groups).agent_id == 2
    assert pick_agent(accounts, cfg, 0, "包邮吗", groups).agent_id == 3
    busy_group = [account(1, BUSY), account(2, OFF), account(3)]
    assert pick_agent(busy_group, cfg, 0, "维修", groups).agent_id == 3  # overflow to anyone free
    strict = RoutingConfig(enabled=True, overflow=False)
    assert pick_agent(busy_group, strict, 0, "维修", groups).agent_id is None
    ungrouped = RoutingConfig(enabled=True, by_group=False)
    assert pick_agent(accounts, ungrouped, 0, "我要退款", groups).agent_id == 1


def test_capacity_rule_suspends_and_restores_only_what_it_suspended() -> None:
    cfg = RoutingConfig(enabled=True, auto_suspend=True)
    accounts = [
        account(1, open_chats=8, capacity=8),  # full: 挂起
        account(2, BUSY, open_chats=3, auto_suspended=True),  # room again: back online
        account(3, BUSY, open_chats=0),  # the agent chose 挂起: left alone
        account(4, OFF, auto_suspended=True),  # went offline by hand: the rule lets go
    ]
    assert capacity_changes(accounts, cfg) == [(1, BUSY, True), (2, ON, False), (4, OFF, False)]
    assert capacity_changes(accounts[:1], RoutingConfig(auto_suspend=False)) == []


def test_account_fields_are_checked() -> None:
    assert clean_username(" 南栀:小林 ") == "南栀:小林"
    for bad, code in (
        ("", "account.username_empty"),
        ("a b", "account.username_chars"),
        ("x" * 41, "account.username_too_long"),
    ):
        with pytest.raises(DomainError) as info:
            clean_username(bad)
        assert info.value.code == code and info.value.field == "username"
    with pytest.raises(DomainError) as cap:
        check_capacity(0)
    assert cap.value.field == "capacity"
    assert clean_group_keywords(["退货", " 退货 ", "", "维修"]) == ("退货", "维修")
