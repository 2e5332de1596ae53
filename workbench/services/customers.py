"""Customer profile, tags and notes as seen from the chat sidebar."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.domain.customers import Customer, Note, Tag, clean_note_text, clean_tag_name
from workbench.domain.errors import DomainError
from workbench.services.clock import Clock, system_clock
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    customer: Customer
    tags: tuple[Tag, ...]
    notes: tuple[Note, ...]


class CustomerService:
    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

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
        """Tag a customer, creating the tag if new; returns the customer's tags."""
        name = clean_tag_name(name)
        with self.db.session() as s:
            repo = CustomerRepository(s)
            tag = repo.ensure_tag(self.shop_id, name)
            if tag.official:
                raise DomainError("tag.official", field="tag", name=name)
            repo.add_tag(customer_id, tag.id, self.clock())
            return tuple(repo.tags_of(customer_id))

    def remove_tag(self, customer_id: int, tag_id: int) -> tuple[Tag, ...]:
        with self.db.session() as s:
            repo = CustomerRepository(s)
            if any(t.id == tag_id and t.official for t in repo.tags_of(customer_id)):
                raise DomainError("tag.official", field="tag")
            repo.remove_tag(customer_id, tag_id)
            return tuple(repo.tags_of(customer_id))

    def add_note(self, customer_id: int, text: str, author: str) -> tuple[Note, ...]:
        text = clean_note_text(text)
        with self.db.session() as s:
            repo = CustomerRepository(s)
            repo.add_note(customer_id, text, author, self.clock())
            return tuple(repo.notes_of(customer_id))

    def delete_note(self, customer_id: int, note_id: int) -> tuple[Note, ...]:
        with self.db.session() as s:
            repo = CustomerRepository(s)
            repo.delete_note(note_id)
            return tuple(repo.notes_of(customer_id))
