"""Shops and their users: the owner's 主账号 and the agents' sub-accounts (子账号)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workbench.domain.identity import Role


class AgentStatus(StrEnum):
    ONLINE = "online"  # 在线
    BUSY = "busy"  # 挂起: no new customers
    OFFLINE = "offline"  # 离线


@dataclass(frozen=True, slots=True)
class Shop:
    id: int
    name: str
    industry: str


@dataclass(frozen=True, slots=True)
class Agent:
    """A user of the shop: the 主账号 or a 子账号 (see workbench.domain.identity); a desk's logged-in user."""

    id: int
    shop_id: int
    username: str
    display_name: str
    role: Role
    status: AgentStatus
