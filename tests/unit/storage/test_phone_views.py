"""A customer's full phone number is given out only with a record of who looked and when."""

from __future__ import annotations

from datetime import datetime

import pytest

from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.identity import Actor
from workbench.services.customers import CustomerService
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.shops import ShopRepository

AT = datetime(2026, 5, 1, 9, 0)


def test_each_look_at_a_full_phone_is_recorded(db: Database) -> None:
    with db.session() as s:
        shops = ShopRepository(s)
        shop = shops.add("店", "服饰")
        agent = shops.add_agent(shop.id, "xiaozhao", "小赵")
        customer = CustomerRepository(s).add(shop.id, Customer(id=0, nick="买家", phone="13812345678")).id
    service = CustomerService(db, shop.id, lambda: AT, actor=Actor(agent.id))
    assert service.phone_views(customer) == []
    assert service.reveal_phone(customer) == "13812345678"
    [look] = service.phone_views(customer)
    assert (look.customer_id, look.user_id, look.user_name, look.viewed_at) == (customer, agent.id, "小赵", AT)
    with pytest.raises(DomainError):
        service.reveal_phone(customer + 99)
