"""Customer profile, tags and notes as seen from the chat sidebar."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.crm import check_tag_assignable
from workbench.domain.customers import Customer, Note, PhoneView, Tag, clean_note_text, clean_tag_name
from workbench.domain.errors import DomainError
from workbench.domain.identity import PROGRAM, Actor
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.accounts import AccountRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.phone_views import PhoneViewRepository


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    customer: Customer
    tags: tuple[Tag, ...]
    notes: tuple[Note, ...]


class CustomerService:
    """`actor` is the desk's user: looking at a full phone number is recorded as theirs."""

    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, *, actor: Actor = PROGRAM) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.actor = actor

    def reveal_phone(self, customer_id: int) -> str:
        """The customer's full phone number, for a deliberate 查看: the look is recorded (who, when,
        which customer) in the same transaction, so no number is shown without its record."""
        with self.db.session() as s:
            customer = CustomerRepository(s).get(customer_id)
            if customer is None:
                raise DomainError("customer.missing")
            user = None if self.actor.is_program else AccountRepository(s).user(self.actor.user_id)
            name = user.display_name if user is not None else ""
            PhoneViewRepository(s).add(self.shop_id, customer_id, user.id if user else None, name, self.clock())
            return customer.phone

    def phone_views(self, customer_id: int) -> list[PhoneView]:
        """Who looked at the customer's full phone number, newest first."""
        with self.db.session() as s:
            return PhoneViewRepository(s).of_customer(customer_id)

    def profile(self, customer_id: int) -> CustomerProfile:
        with self.db.session() as s:
            repo = CustomerRepository(s)
            customer = repo.get(customer_id)
            if customer is None:
                raise DomainError("customer.missing")
            return CustomerProfile(customer, tuple(repo.tags_of(customer_id)), tuple(repo.notes_of(customer_id)))

    def tag_library(self) -> list[Tag]:
        with self.db.session() as s:
            return CustomerRepository(s).all_tags(self.shop_id)

    def add_tag(self, customer_id: int, name: str) -> tuple[Tag, ...]:
        """Tag a customer, creating the tag if new; returns the customer's tags. Official tags are refused."""
        name = clean_tag_name(name)
        check_tag_assignable(name)  # before ensure_tag: never create a custom tag named 88VIP or 3钻
        with self.db.session() as s:
            repo = CustomerRepository(s)
            tag = repo.ensure_tag(self.shop_id, name)
            check_tag_assignable(tag)  # the library may flag other names official
            repo.add_tag(customer_id, tag.id, self.clock())
            self.db.notify(s, Topic.CUSTOMERS, customer_id)
            return tuple(repo.tags_of(customer_id))

    def remove_tag(self, customer_id: int, tag_id: int) -> tuple[Tag, ...]:
        """Take a tag off a customer; returns the customer's tags. Official tags are refused."""
        with self.db.session() as s:
            repo = CustomerRepository(s)
            for tag in repo.tags_of(customer_id):
                if tag.id == tag_id:
                    check_tag_assignable(tag)
            repo.remove_tag(customer_id, tag_id)
            self.db.notify(s, Topic.CUSTOMERS, customer_id)
            return tuple(repo.tags_of(customer_id))

    def add_note(self, customer_id: int, text: str, author: str) -> tuple[Note, ...]:
        text = clean_note_text(text)
        with self.db.session() as s:
            repo = CustomerRepository(s)
            repo.add_note(customer_id, text, author, self.clock())
            self.db.notify(s, Topic.CUSTOMERS, customer_id)
            return tuple(repo.notes_of(customer_id))

    def delete_note(self, customer_id: int, note_id: int) -> tuple[Note, ...]:
        with self.db.session() as s:
            repo = CustomerRepository(s)
            repo.delete_note(note_id)
            self.db.notify(s, Topic.CUSTOMERS, customer_id)
            return tuple(repo.notes_of(customer_id))
