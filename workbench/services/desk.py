"""The desk: which shop is open, which user works at it, and that user's status (在线 / 挂起 / 离线)."""

from __future__ import annotations

from workbench.domain.errors import DomainError
from workbench.domain.identity import Role
from workbench.domain.shops import Agent, AgentStatus, Shop
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.shops import ShopRepository


def open_shop(db: Database, username: str = "") -> tuple[Shop, Agent, tuple[Agent, ...]]:
    """The database's shop and the desk's user: the named one (who logged in), or with no name the
    owner (a single-seat desk; a database without an owner: its first user). Raises
    DomainError("shop.missing" / "agent.missing") on a database without them, and "agent.missing"
    for a name that is not a user."""
    with db.session() as s:
        repo = ShopRepository(s)
        shop = repo.first()
        if shop is None:
            raise DomainError("shop.missing")
        agents = tuple(repo.agents(shop.id))
    if not agents:
        raise DomainError("agent.missing")
    if username:
        agent = next((a for a in agents if a.username == username), None)
        if agent is None:
            raise DomainError("agent.missing", username=username)
    else:
        agent = next((a for a in agents if a.role is Role.OWNER), agents[0])
    return shop, agent, agents


def adopt_shop(db: Database, display_name: str) -> Agent:
    """A student's own shop (on a class server) is theirs: its owner carries their display name."""
    with db.session() as s:
        shop = ShopRepository(s).first()
        owner = AccountRepository(s).owner(shop.id) if shop is not None else None
        if shop is None or owner is None:
            raise DomainError("shop.missing")
        if owner.display_name == display_name:
            return owner
        renamed = AccountRepository(s).set_display_name(owner.id, display_name)
        db.notify(s, Topic.AGENTS, owner.id)
        return renamed


class DeskService:
    """The agent's own state at this desk."""

    def __init__(self, db: Database, shop_id: int) -> None:
        self.db = db
        self.shop_id = shop_id

    def set_status(self, agent_id: int, status: AgentStatus) -> Agent:
        with self.db.session() as s:
            agent = ShopRepository(s).set_agent_status(agent_id, status)
            self.db.notify(s, Topic.AGENTS, agent_id)
        return agent

    def agent(self, agent_id: int) -> Agent | None:
        """The agent as stored now (routing may have set them to 挂起 at their capacity)."""
        with self.db.session() as s:
            return next((a for a in ShopRepository(s).agents(self.shop_id) if a.id == agent_id), None)
