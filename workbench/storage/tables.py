"""SQLAlchemy 2 tables. Only `storage` sees these; repositories return domain dataclasses."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Indexes the migrations make that the tables do not declare. PostgreSQL's trigram index for the
# customer search (pg_trgm, revision 0012; SQLite has customer_search_grams instead): declaring it
# with `postgresql_using` would import SQLAlchemy's PostgreSQL dialect at every start of a SQLite
# desk (see workbench.storage.dialects), and Alembic cannot compare its expression anyway.
MIGRATION_ONLY_INDEXES = frozenset({"ix_customers_search_trgm"})


def autogenerate_includes(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Alembic's `include_object`: what comparing the tables with a database looks at (not the
    indexes only the migrations make)."""
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


# Stable constraint names so migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)

    if TYPE_CHECKING:
        # Every row class here is mapped to a plain Table (DeclarativeBase allows any FromClause),
        # so Core insert()/update() on `Row.__table__` type-check.
        __table__: ClassVar[Table]


class ShopRow(Base):
    __tablename__ = "shops"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    industry: Mapped[str] = mapped_column(String(20), default="")
    settings_json: Mapped[str] = mapped_column(Text, default="{}")


class AgentRow(Base):
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("shop_id", "username"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(String(50))
    display_name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20), default="agent")
    status: Mapped[str] = mapped_column(String(10), default="online")


class CustomerRow(Base):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("shop_id", "nick"),
        Index("ix_customers_phone", "phone"),
        # PostgreSQL's customer search index is made by its migration only (MIGRATION_ONLY_INDEXES)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    nick: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(60), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    gender: Mapped[str] = mapped_column(String(4), default="")
    city: Mapped[str] = mapped_column(String(40), default="")
    credit_level: Mapped[str] = mapped_column(String(10), default="")
    is_88vip: Mapped[bool] = mapped_column(Boolean, default=False)
    traffic_source: Mapped[str] = mapped_column(String(10), default="")
    member_level: Mapped[str] = mapped_column(String(10), default="")
    points: Mapped[int] = mapped_column(Integer, default=0)
    registered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    preferences: Mapped[str] = mapped_column(Text, default="")
    refund_count: Mapped[int] = mapped_column(Integer, default=0)
    bad_review_count: Mapped[int] = mapped_column(Integer, default=0)


class TagRow(Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))
    color: Mapped[str] = mapped_column(String(9), default="#1677ff")
    group_name: Mapped[str] = mapped_column(String(20), default="")
    official: Mapped[bool] = mapped_column(Boolean, default=False)


class CustomerTagRow(Base):
    __tablename__ = "customer_tags"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class NoteRow(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ConversationRow(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_state_last", "shop_id", "state", "last_message_at"),
        Index("ix_conversations_shop_started", "shop_id", "started_at"),  # 店小蜜数据's chats of a range
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    scenario_id: Mapped[str] = mapped_column(String(60), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime)
    last_message_at: Mapped[datetime] = mapped_column(DateTime)
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    unread: Mapped[int] = mapped_column(Integer, default=0)
    end_reason: Mapped[str] = mapped_column(String(20), default="")
    last_message: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class MessageRow(Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation", "conversation_id", "id"),
        # the reports' time ranges, covering what they read of each message (no table lookups)
        Index("ix_messages_created", "created_at", "sender", "conversation_id", "agent_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)


class QuickPhraseRow(Base):
    __tablename__ = "quick_phrases"
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    pool: Mapped[str] = mapped_column(String(10), default="shop")
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), nullable=True)
    group_name: Mapped[str] = mapped_column(String(20), default="")
    shortcode: Mapped[str] = mapped_column(String(20), default="")
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)


class KbCategoryRow(Base):
    __tablename__ = "kb_categories"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(30))
    standard: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class KbEntryRow(Base):
    __tablename__ = "kb_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("kb_categories.id", ondelete="RESTRICT"), index=True)
    question: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    needs_human: Mapped[bool] = mapped_column(Boolean, default=False)
    custom: Mapped[bool] = mapped_column(Boolean, default=False)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    category: Mapped[KbCategoryRow] = relationship(lazy="joined")
    phrasings: Mapped[list[KbPhrasingRow]] = relationship(
        cascade="all, delete-orphan", order_by="KbPhrasingRow.id", lazy="selectin"
    )
    answers: Mapped[list[KbAnswerRow]] = relationship(
        cascade="all, delete-orphan", order_by="KbAnswerRow.position", lazy="selectin"
    )


class KbPhrasingRow(Base):
    __tablename__ = "kb_phrasings"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_entries.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="similar")
    negative: Mapped[bool] = mapped_column(Boolean, default=False)
    core_words: Mapped[str] = mapped_column(String(100), default="")  # "|"-joined, at most 3


class KbAnswerRow(Base):
    __tablename__ = "kb_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_entries.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("shop_id", "sku"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30), default="")
    price_cents: Mapped[int] = mapped_column(Integer)
    material: Mapped[str] = mapped_column(String(100), default="")
    sizes: Mapped[str] = mapped_column(String(100), default="")  # "|"-joined
    colors: Mapped[str] = mapped_column(String(200), default="")  # "|"-joined
    attributes_json: Mapped[str] = mapped_column(Text, default="{}")


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("order_no"),
        Index("ix_orders_customer_created", "customer_id", "created_at"),  # 询单转化: a buyer's orders by time
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_no: Mapped[str] = mapped_column(String(30))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    total_cents: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    carrier: Mapped[str] = mapped_column(String(20), default="")
    tracking_no: Mapped[str] = mapped_column(String(40), default="")
    memo: Mapped[str] = mapped_column(Text, default="")
    flag: Mapped[str] = mapped_column(String(10), default="")
    items: Mapped[list[OrderItemRow]] = relationship(
        cascade="all, delete-orphan", order_by="OrderItemRow.id", lazy="selectin"
    )
    logistics: Mapped[list[LogisticsEventRow]] = relationship(
        cascade="all, delete-orphan", order_by="LogisticsEventRow.at", lazy="selectin"
    )


class OrderItemRow(Base):
    __tablename__ = "order_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    size: Mapped[str] = mapped_column(String(10), default="")
    color: Mapped[str] = mapped_column(String(20), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    price_cents: Mapped[int] = mapped_column(Integer)


class LogisticsEventRow(Base):
    __tablename__ = "logistics_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    description: Mapped[str] = mapped_column(String(300))


class SuggestionUseRow(Base):
    """An agent reply that came from a KB suggestion (智能辅助 adoption)."""

    __tablename__ = "suggestion_uses"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_entries.id", ondelete="SET NULL"), nullable=True, index=True
    )
    score: Mapped[float] = mapped_column(Float, default=0.0)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
