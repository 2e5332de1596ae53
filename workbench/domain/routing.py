"""Sub-accounts (子账号), reception groups and 分流: which agent gets a new customer."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from workbench.domain.errors import DomainError
from workbench.domain.identity import MAX_USERNAME as MAX_USERNAME  # the account rules live in identity
from workbench.domain.identity import USERNAME as USERNAME
from workbench.domain.identity import Role
from workbench.domain.identity import clean_username as clean_username
from workbench.domain.shops import AgentStatus
from workbench.domain.text import clean_text

MAX_DISPLAY_NAME = 12
MAX_GROUP_NAME = 12
MAX_GROUP_KEYWORDS = 30
MIN_CAPACITY = 1
MAX_CAPACITY = 50
DEFAULT_CAPACITY = 8

# A sub-account's role is a user's role (see workbench.domain.identity).
AgentRole = Role


class RoutingStrategy(StrEnum):
    ROUND_ROBIN = "round_robin"  # 轮流分配
    LEAST_BUSY = "least_busy"  # 优先分给接待最少的


@dataclass(frozen=True, slots=True)
class SubAccount:
    """An agent with the 分流 settings the reception bot needs."""

    id: int
    username: str
    display_name: str
    role: AgentRole
    status: AgentStatus
    can_route: bool = True  # 分流权限: new customers may be assigned to this account
    capacity: int = DEFAULT_CAPACITY  # open chats before the account is automatically 挂起
    simulated: bool = False  # a classroom colleague played by the program
    auto_suspended: bool = False  # 挂起 by the capacity rule (not by the agent)
    group_ids: tuple[int, ...] = ()
    open_chats: int = 0

    @property
    def available(self) -> bool:
        """在线, not 挂起, allowed to take customers and below capacity."""
        return self.status is AgentStatus.ONLINE and self.can_route and self.open_chats < self.capacity


@dataclass(frozen=True, slots=True)
class ReceptionGroup:
    """A reception group (接待组); a new customer whose first message has one of `keywords` goes to it.
    A group without keywords takes the customers no other group claims."""

    id: int
    name: str
    keywords: tuple[str, ...] = ()
    agent_ids: tuple[int, ...] = ()
    position: int = 0


@dataclass(frozen=True, slots=True)
class RoutingConfig:
    enabled: bool = False  # 分流 on: new customers are assigned to an agent
    strategy: RoutingStrategy = RoutingStrategy.ROUND_ROBIN
    by_group: bool = True  # route by the groups' keywords first
    auto_suspend: bool = True  # 挂起 an agent at capacity; back 在线 when below it
    overflow: bool = True  # nobody free in the group: any free agent


@dataclass(frozen=True, slots=True)
class RouteResult:
    agent_id: int | None
    group_id: int | None = None
    cursor: int = 0  # the round-robin position after this pick (the picked agent's id)


def clean_display_name(raw: str) -> str:
    name = clean_text(raw, multiline=False, field="display_name")
    if not name:
        raise DomainError("account.name_empty", field="display_name")
    if len(name) > MAX_DISPLAY_NAME:
        raise DomainError("account.name_too_long", field="display_name", limit=MAX_DISPLAY_NAME)
    return name


def check_capacity(value: int) -> int:
    if not MIN_CAPACITY <= value <= MAX_CAPACITY:
        raise DomainError("account.capacity_range", field="capacity", low=MIN_CAPACITY, high=MAX_CAPACITY)
    return value


def clean_group_name(raw: str) -> str:
    name = clean_text(raw, multiline=False, field="name")
    if not name:
        raise DomainError("group.name_empty", field="name")
    if len(name) > MAX_GROUP_NAME:
        raise DomainError("group.name_too_long", field="name", limit=MAX_GROUP_NAME)
    return name


def clean_group_keywords(raw: Sequence[str]) -> tuple[str, ...]:
    cleaned = (unicodedata.normalize("NFKC", clean_text(w, multiline=False, field="keywords")).lower() for w in raw)
    words = tuple(dict.fromkeys(w for w in cleaned if w))
    if len(words) > MAX_GROUP_KEYWORDS:
        raise DomainError("group.too_many_keywords", field="keywords", limit=MAX_GROUP_KEYWORDS)
    return words


def group_for(text: str, groups: Sequence[ReceptionGroup]) -> ReceptionGroup | None:
    """The first group (by position) whose keyword the message contains, else the first group
    without keywords (the default group), else None."""
    folded = unicodedata.normalize("NFKC", text).lower()
    ordered = sorted(groups, key=lambda g: (g.position, g.id))
    for group in ordered:
        if group.keywords and any(k in folded for k in group.keywords):
            return group
    return next((g for g in ordered if not g.keywords), None)


def pick_agent(
    accounts: Sequence[SubAccount],
    config: RoutingConfig,
    cursor: int,
    first_text: str = "",
    groups: Sequence[ReceptionGroup] = (),
) -> RouteResult:
    """Who gets a new customer: among available accounts (of the matching group when routing by
    group), the next after `cursor` by id (round robin) or the one with the fewest open chats."""
    free = [a for a in accounts if a.available]
    group = group_for(first_text, groups) if config.by_group and groups else None
    candidates = free
    if group is not None:
        members = set(group.agent_ids)
        in_group = [a for a in free if a.id in members]
        if in_group or not config.overflow:
            candidates = in_group
    if not candidates:
        return RouteResult(None, group.id if group else None, cursor)
    if config.strategy is RoutingStrategy.LEAST_BUSY:
        chosen = min(candidates, key=lambda a: (a.open_chats, a.id))
    else:
        ordered = sorted(candidates, key=lambda a: a.id)
        chosen = next((a for a in ordered if a.id > cursor), ordered[0])
    return RouteResult(chosen.id, group.id if group else None, chosen.id)


def capacity_changes(accounts: Sequence[SubAccount], config: RoutingConfig) -> list[tuple[int, AgentStatus, bool]]:
    """Status changes the capacity rule asks for: (agent id, new status, auto_suspended).
    At capacity an online agent is 挂起 automatically; below it, one the rule suspended is back 在线."""
    changes: list[tuple[int, AgentStatus, bool]] = []
    for a in accounts:
        if config.auto_suspend and a.status is AgentStatus.ONLINE and a.open_chats >= a.capacity:
            changes.append((a.id, AgentStatus.BUSY, True))
        elif a.auto_suspended and a.status is AgentStatus.BUSY and a.open_chats < a.capacity:
            changes.append((a.id, AgentStatus.ONLINE, False))
        elif a.auto_suspended and a.status is not AgentStatus.BUSY:
            changes.append((a.id, a.status, False))  # the agent changed status by hand: the rule lets go
    return changes
