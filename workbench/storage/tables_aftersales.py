"""Tables of the after-sales desk: cases of every kind, their timeline, evidence and form drafts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base


class CaseRow(Base):
    """One after-sales case: 退货, 换货, 退款, 维修, 投诉, 纠纷 or 评价. Kind-specific fields are JSON."""

    __tablename__ = "aftersales_cases"
    __table_args__ = (
        UniqueConstraint("case_no"),
        Index("ix_aftersales_cases_kind_state", "shop_id", "kind", "state"),
        Index("ix_aftersales_cases_updated", "shop_id", "updated_at"),
        Index("ix_aftersales_cases_order_no", "order_no"),
        Index("ix_aftersales_cases_due", "shop_id", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    case_no: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(12))
    subtype: Mapped[str] = mapped_column(String(30), default="")
    state: Mapped[str] = mapped_column(String(24))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), nullable=True)
    order_no: Mapped[str] = mapped_column(String(30), default="")
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    summary: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_score: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    details_json: Mapped[str] = mapped_column(Text, default="{}")
    search_text: Mapped[str] = mapped_column(Text, default="")  # lower-cased: number, nick, order, text
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(50), default="")


class CaseEventRow(Base):
    """The timeline of a case: created, moved on (with the reason), notes, evidence, messages sent."""

    __tablename__ = "aftersales_events"
    __table_args__ = (Index("ix_aftersales_events_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("aftersales_cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str] = mapped_column(String(24), default="")
    to_state: Mapped[str] = mapped_column(String(24), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(50), default="")


class EvidenceRow(Base):
    """A piece of evidence: a chat message, an order or logistics snapshot, a note, or a stored file
    (named by its sha256 in the managed evidence directory)."""

    __tablename__ = "aftersales_evidence"
    __table_args__ = (Index("ix_aftersales_evidence_case", "case_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("aftersales_cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="", index=True)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    mime: Mapped[str] = mapped_column(String(100), default="")
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    added_at: Mapped[datetime] = mapped_column(DateTime)
    added_by: Mapped[str] = mapped_column(String(50), default="")


class DraftRow(Base):
    """A form being filled in, saved as the agent types (one row per form key)."""

    __tablename__ = "aftersales_drafts"
    __table_args__ = (UniqueConstraint("shop_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(160))
    payload_json: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[datetime] = mapped_column(DateTime)
