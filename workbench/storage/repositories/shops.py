"""Shops and agents."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.domain.identity import Role
from workbench.domain.shops import Agent, AgentStatus, Shop
from workbench.storage.tables import AgentRow, ShopRow


def _shop(row: ShopRow) -> Shop:
    return Shop(id=row.id, name=row.name, industry=row.industry)


def agent_of(row: AgentRow) -> Agent:
    return Agent(
        id=row.id,
        shop_id=row.shop_id,
        username=row.username,
        display_name=row.display_name,
        role=Role.parse(row.role),
        status=AgentStatus(row.status),
    )


class ShopRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def first(self) -> Shop | None:
        row = self.s.scalars(select(ShopRow).order_by(ShopRow.id).limit(1)).first()
        return _shop(row) if row else None

    def add(self, name: str, industry: str, settings: dict[str, Any] | None = None) -> Shop:
        row = ShopRow(name=name, industry=industry, settings_json=json.dumps(settings or {}, ensure_ascii=False))
        self.s.add(row)
        self.s.flush()
        return _shop(row)

    def settings(self, shop_id: int) -> dict[str, Any]:
        row = self.s.get(ShopRow, shop_id)
        return json.loads(row.settings_json) if row else {}

    def merge_settings(self, shop_id: int, patch: dict[str, Any]) -> None:
        """Set these keys of the shop's settings JSON (a None value removes its key), keeping the others."""
        row = self.s.get_one(ShopRow, shop_id)
        settings = json.loads(row.settings_json or "{}")
        for key, value in patch.items():
            if value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
        row.settings_json = json.dumps(settings, ensure_ascii=False)
        self.s.flush()

    def add_agent(self, shop_id: int, username: str, display_name: str, role: str = "agent") -> Agent:
        row = AgentRow(shop_id=shop_id, username=username, display_name=display_name, role=role, status="online")
        self.s.add(row)
        self.s.flush()
        return agent_of(row)

    def agents(self, shop_id: int) -> list[Agent]:
        rows = self.s.scalars(select(AgentRow).where(AgentRow.shop_id == shop_id).order_by(AgentRow.id))
        return [agent_of(r) for r in rows]

    def set_agent_status(self, agent_id: int, status: AgentStatus) -> Agent:
        row = self.s.get_one(AgentRow, agent_id)
        row.status = status.value
        self.s.flush()
        return agent_of(row)
