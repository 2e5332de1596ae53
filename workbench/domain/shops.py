"""Shops and their agents (sub-accounts, 子账号)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    id: int
    shop_id: int
    username: str
    display_name: str
    role: str
    status: AgentStatus
