"""What customer and order import/export read and write: existing customers and orders matched by
nick, phone or order number, full phone numbers for exports, and orders to export.

Unlike the other repositories, the import merges into ORM rows (``customer_row``, ``order_row``,
``add_customer_rows``) and the order export reads them; those rows stay inside the service's unit of
work and never reach the UI.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.domain.errors import DomainError
from workbench.storage.repositories.customer_sql import CUSTOMER, CUSTOMERS, ORDER, chunks
from workbench.storage.tables import CustomerRow, OrderRow


class ImportExportRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- matching existing rows -----------------------------------------------------------------

    def customers_by_nick(self, shop_id: int, nicks: Sequence[str]) -> dict[str, tuple[int, str]]:
        """nick → (id, phone) for the nicks that exist."""
        out: dict[str, tuple[int, str]] = {}
        for part in chunks(list(dict.fromkeys(nicks))):
            for cid, nick, phone in self.s.execute(
                select(CUSTOMER.id, CUSTOMER.nick, CUSTOMER.phone).where(
                    CUSTOMER.shop_id == shop_id, CUSTOMER.nick.in_(part)
                )
            ):
                out[nick] = (cid, phone)
        return out

    def customers_by_phone(self, shop_id: int, phones: Sequence[str]) -> dict[str, tuple[int, str]]:
        """phone → (id, nick) for the phones that exist (the first customer when several share one)."""
        out: dict[str, tuple[int, str]] = {}
        for part in chunks([p for p in dict.fromkeys(phones) if p]):
            for cid, nick, phone in self.s.execute(
                select(CUSTOMER.id, CUSTOMER.nick, CUSTOMER.phone)
                .where(CUSTOMER.shop_id == shop_id, CUSTOMER.phone.in_(part))
                .order_by(CUSTOMER.id)
            ):
                out.setdefault(phone, (cid, nick))
        return out

    def orders_by_number(self, order_nos: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in chunks(list(dict.fromkeys(order_nos))):
            out.update(self.s.execute(select(ORDER.order_no, ORDER.id).where(ORDER.order_no.in_(part))).all())
        return out

    # -- rows the import merges into ------------------------------------------------------------

    def customer_row(self, shop_id: int, customer_id: int) -> CustomerRow:
        row = self.s.get(CustomerRow, customer_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("customer.missing")
        return row

    def add_customer_rows(self, rows: Sequence[CustomerRow]) -> None:
        self.s.add_all(rows)
        self.s.flush()

    def order_row(self, order_id: int) -> OrderRow:
        row = self.s.get(OrderRow, order_id)
        if row is None:
            raise DomainError("order.missing")
        return row

    # -- export ---------------------------------------------------------------------------------

    def private_fields(self, customer_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """id → (full phone, preferences): for exports only, never for a list."""
        out: dict[int, tuple[str, str]] = {}
        for part in chunks(customer_ids):
            for cid, phone, preferences in self.s.execute(
                select(CUSTOMER.id, CUSTOMER.phone, CUSTOMER.preferences).where(CUSTOMER.id.in_(part))
            ):
                out[cid] = (phone, preferences)
        return out

    def export_orders(self, customer_ids: Sequence[int]) -> Iterator[tuple[OrderRow, str]]:
        """Orders of these customers with the buyer's nick, newest first per batch of customers."""
        for part in chunks(customer_ids):
            rows = self.s.execute(
                select(OrderRow, CUSTOMER.nick)
                .join(CUSTOMERS, CUSTOMER.id == OrderRow.customer_id)
                .where(OrderRow.customer_id.in_(part))
                .order_by(OrderRow.customer_id, OrderRow.created_at.desc())
            ).all()
            yield from ((order, nick) for order, nick in rows)
