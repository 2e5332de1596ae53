"""The log of seller edits to an order (address, memo, flag). Registered on the shared `Base`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base


class OrderChangeRow(Base):
    __tablename__ = "order_changes"
    __table_args__ = (Index("ix_order_changes_order_id_at", "order_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime)
    field: Mapped[str] = mapped_column(String(20))
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(60), default="")
