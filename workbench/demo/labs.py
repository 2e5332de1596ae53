"""A lab's reset puts the demo's own content back into the areas it cleared (the services clear them:
`workbench.services.classroom.ClassroomService.reset`; this is its `restorer`, handed in by the
composition root because the demo package lives above the services)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from workbench.demo.crm import demo_customer_ids, seed_crm_work
from workbench.demo.generator import generate_demo_shop
from workbench.demo.seeding import DEMO_TIME_KEY, seed_customer_tags, seed_kb
from workbench.domain.exercises import LabArea
from workbench.storage.repositories.shops import ShopRepository


def demo_time(s: Session, shop_id: int) -> datetime | None:
    """The time the shop's demo was generated for (its customers' tags and 回访 depend on it); None for
    a database seeded before it was kept: the reset then generates the demo for now."""
    raw = ShopRepository(s).settings(shop_id).get(DEMO_TIME_KEY)
    try:
        return datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def restore_demo_areas(s: Session, shop_id: int, areas: frozenset[LabArea], now: datetime) -> None:
    """Write the demo's knowledge base and/or customer management again (the bot's and the auto
    messages' settings need nothing: their defaults are the demo's; chats are not re-made: the
    simulator brings the exercise's buyers again when the lab starts)."""
    if not areas & {LabArea.KB, LabArea.CRM}:
        return
    demo = generate_demo_shop(now=demo_time(s, shop_id) or now.replace(second=0, microsecond=0))
    if LabArea.KB in areas:
        seed_kb(s, shop_id, demo)
    if LabArea.CRM in areas:
        ids = demo_customer_ids(s, shop_id, demo)
        seed_customer_tags(s, shop_id, demo, ids)
        seed_crm_work(s, shop_id, demo, ids)
