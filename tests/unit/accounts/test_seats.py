"""Seats in a class: each student works their own desk; the teacher's desk lists every seat."""

from __future__ import annotations

from tests.unit.accounts.conftest import FakeClock, Shop
from workbench.domain.customers import Customer
from workbench.services.reception import ReceptionService
from workbench.storage.repositories.customers import CustomerRepository


def test_a_student_sees_their_own_seat_and_the_teacher_every_seat(shop: Shop, clock: FakeClock) -> None:
    reception = ReceptionService(shop.db, shop.id, clock)
    with shop.db.session() as s:
        buyers = [CustomerRepository(s).add(shop.id, Customer(0, f"buyer{i}")).id for i in range(5)]
    chats = [reception.customer_arrives(b).id for b in buyers]
    xs1, kf1 = shop.users["xs1"], shop.users["kf1"]
    reception.accept(chats[0], xs1)  # the student's chat
    reception.accept(chats[1], kf1)  # a colleague's chat
    reception.accept(chats[2], xs1)
    reception.end(chats[2], "agent")  # the student's history
    reception.accept(chats[3], kf1)
    reception.end(chats[3], "agent")  # a colleague's history
    # chats[4] waits for anybody

    def seen(user: str) -> tuple[set[int], set[int], set[int]]:
        lists = reception.desk_lists(shop.users[user])
        return {c.id for c in lists.waiting}, {c.id for c in lists.active}, {c.id for c in lists.ended}

    assert seen("xs1") == ({chats[4]}, {chats[0]}, {chats[2]})
    assert seen("kf1") == ({chats[4]}, {chats[1]}, {chats[2], chats[3]})  # staff: the shop's history
    assert seen("laoshi") == ({chats[4]}, {chats[0], chats[1]}, {chats[2], chats[3]})  # every seat
