"""Opens the database and builds the services the program works with."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.errors import DomainError
from workbench.domain.shops import Agent, AgentStatus, Shop
from workbench.services.clock import Clock, system_clock
from workbench.services.customers import CustomerService
from workbench.services.kb import KbService
from workbench.services.orders import OrderService
from workbench.services.quick_phrases import QuickPhraseService
from workbench.services.reception import ReceptionService
from workbench.storage.db import Database
from workbench.storage.repositories.shops import ShopRepository


@dataclass
class Workspace:
    """Everything a desk needs: the shop, the agent working at it and the use-case services."""

    db: Database
    shop: Shop
    agent: Agent
    agents: tuple[Agent, ...]
    reception: ReceptionService
    customers: CustomerService
    orders: OrderService
    quick_phrases: QuickPhraseService
    kb: KbService
    clock: Clock

    def set_agent_status(self, status: AgentStatus) -> Agent:
        with self.db.session() as s:
            self.agent = ShopRepository(s).set_agent_status(self.agent.id, status)
        return self.agent

    def refresh_agent(self) -> Agent:
        """Re-read this desk's agent (routing may have set it to 挂起 at its capacity)."""
        with self.db.session() as s:
            found = next((a for a in ShopRepository(s).agents(self.shop.id) if a.id == self.agent.id), None)
        if found is not None:
            self.agent = found
        return self.agent

    def close(self) -> None:
        self.db.dispose()


def open_workspace(
    url: str, *, agent_username: str = "", seed_demo: bool = True, clock: Clock = system_clock
) -> Workspace:
    """Migrate the database, start an empty one as the demo shop, and pick the desk's agent."""
    db = Database(url)
    try:
        db.migrate()
        if seed_demo:
            from workbench.demo import seed_if_empty

            seed_if_empty(db, clock=clock)
        with db.session() as s:
            repo = ShopRepository(s)
            shop = repo.first()
            if shop is None:
                raise DomainError("shop.missing")
            agents = repo.agents(shop.id)
        if not agents:
            raise DomainError("agent.missing")
        agent = next((a for a in agents if a.username == agent_username), agents[0])
    except BaseException:
        db.dispose()
        raise
    return Workspace(
        db=db,
        shop=shop,
        agent=agent,
        agents=tuple(agents),
        reception=ReceptionService(db, shop.id, clock),
        customers=CustomerService(db, shop.id, clock),
        orders=OrderService(db, shop.id),
        quick_phrases=QuickPhraseService(db, shop.id),
        kb=KbService(db, shop.id),
        clock=clock,
    )
