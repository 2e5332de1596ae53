"""Staging for customer and order imports. Registered on the shared `Base`.

An import is checked and loaded here in small batches (each its own short transaction, so the desk's
writes go on in between), then moved into the real tables by one short set-based transaction: until
that switch nothing of the file is visible, and a cancelled, failed or crashed import leaves only
staging rows, which are deleted (see `ImportStagingRepository.drop_stale`). A column left blank in
the file is NULL here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base


class ImportJobRow(Base):
    __tablename__ = "import_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # customers | orders
    created_at: Mapped[datetime] = mapped_column(DateTime)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # the switch committed


class ImportCustomerRow(Base):
    """One checked customer line of an import file."""

    __tablename__ = "import_customer_rows"
    __table_args__ = (
        Index("ix_import_customer_rows_nick", "job_id", "nick"),
        Index("ix_import_customer_rows_phone", "job_id", "phone"),
        Index("ix_import_customer_rows_customer", "job_id", "customer_id", "line"),
    )
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    nick: Mapped[str] = mapped_column(String(60))
    name: Mapped[str | None] = mapped_column(String(60), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    gender: Mapped[str | None] = mapped_column(String(4), nullable=True)
    city: Mapped[str | None] = mapped_column(String(40), nullable=True)
    credit_level: Mapped[str | None] = mapped_column(String(10), nullable=True)
    is_88vip: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    traffic_source: Mapped[str | None] = mapped_column(String(10), nullable=True)
    member_level: Mapped[str | None] = mapped_column(String(10), nullable=True)
    points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    preferences: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Filled by the switch: the customer this line creates or merges into, and how it matched.
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    matched_on: Mapped[str | None] = mapped_column(String(8), nullable=True)  # nick | phone; NULL: new


class ImportCustomerTagRow(Base):
    __tablename__ = "import_customer_tags"
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(20), primary_key=True)


class ImportOrderRow(Base):
    """One checked order line of an import file."""

    __tablename__ = "import_order_rows"
    __table_args__ = (
        Index("ix_import_order_rows_order_no", "job_id", "order_no"),
        Index("ix_import_order_rows_nick", "job_id", "nick"),
        Index("ix_import_order_rows_order", "job_id", "order_id"),
    )
    job_id: Mapped[int] = mapped_column(ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    order_no: Mapped[str] = mapped_column(String(30))
    nick: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(10))
    total_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    address: Mapped[str] = mapped_column(String(300))
    carrier: Mapped[str] = mapped_column(String(20))
    tracking_no: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    memo: Mapped[str] = mapped_column(Text)
    # Filled by the switch: the buyer, the order (existing or created) and whether it existed.
    customer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    order_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    existed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
