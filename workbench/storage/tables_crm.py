"""Tables for customer management (客户运营): order statistics, groups, preferences, follow-ups.

They share ``tables.Base`` (one metadata, one migration history). Revision 0002_crm creates them and
the indexes the customer list's filters and sorts use, including some on the core tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base, CustomerRow, CustomerTagRow

# "No purchase yet" in customer_stats.last_order_at: a NOT NULL sentinel keeps the sort index usable
# and NULL ordering identical on SQLite and PostgreSQL. Repositories turn it back into None.
NO_ORDER_AT = datetime(1970, 1, 1)


class CustomerStatsRow(Base):
    """Purchase statistics and RFM segment per customer, recomputed from orders (one row per customer)."""

    __tablename__ = "customer_stats"
    __table_args__ = (
        Index("ix_customer_stats_spent", "shop_id", "total_cents", "customer_id"),
        Index("ix_customer_stats_last", "shop_id", "last_order_at", "customer_id"),
        Index("ix_customer_stats_orders", "shop_id", "order_count", "customer_id"),
        Index("ix_customer_stats_segment", "shop_id", "segment", "customer_id"),
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    first_order_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_order_at: Mapped[datetime] = mapped_column(DateTime, default=NO_ORDER_AT)
    r_score: Mapped[int] = mapped_column(SmallInteger, default=0)
    f_score: Mapped[int] = mapped_column(SmallInteger, default=0)
    m_score: Mapped[int] = mapped_column(SmallInteger, default=0)
    segment: Mapped[str] = mapped_column(String(12), default="none")


class CrmStateRow(Base):
    """Per shop: RFM settings and the moment the scores and segments in customer_stats are as of."""

    __tablename__ = "crm_state"
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    settings_json: Mapped[str] = mapped_column(Text, default="{}")
    fingerprint: Mapped[str] = mapped_column(String(200), default="")  # unused since 0012_customer_search
    # Scores of rows written later are computed as of this moment too; None: not scored yet
    # (after the migration or new settings), the next `CustomerStatsRepository.age` rescores every row.
    computed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class CustomerSearchGramRow(Base):
    """SQLite's search index over customers' nick, name and phone (PostgreSQL uses pg_trgm instead):
    for every character position of each value, the (up to) three characters starting there, so a
    term of three or more characters is found through its trigrams and a shorter one (a 2-character
    Chinese name) through a prefix range. Kept by triggers on ``customers`` (revision 0012)."""

    __tablename__ = "customer_search_grams"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 (SQLAlchemy reads it once)
    gram: Mapped[str] = mapped_column(String(3), primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class CustomerExtrasRow(Base):
    """Shop-kept preferences: style, usual size, body data, birthday."""

    __tablename__ = "customer_extras"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    style: Mapped[str] = mapped_column(String(50), default="")
    size: Mapped[str] = mapped_column(String(50), default="")
    height_cm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    weight_jin: Mapped[int | None] = mapped_column(Integer, nullable=True)
    birthday: Mapped[date | None] = mapped_column(Date, nullable=True)


class CustomerGroupRow(Base):
    """分组: a saved filter (kind "filter") or a hand-picked list of customers (kind "static")."""

    __tablename__ = "customer_groups"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10), default="filter")
    filter_json: Mapped[str] = mapped_column(Text, default="{}")
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CustomerGroupMemberRow(Base):
    __tablename__ = "customer_group_members"
    __table_args__ = (Index("ix_customer_group_members_customer", "customer_id"),)
    group_id: Mapped[int] = mapped_column(ForeignKey("customer_groups.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(DateTime)


class CareTemplateRow(Base):
    """A care-message template (关怀话术) with {买家昵称}-style placeholders."""

    __tablename__ = "care_templates"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)


class FollowUpRuleRow(Base):
    """Schedules follow-ups: e.g. 1–3 days after signing, or 流失预警 customers not contacted lately."""

    __tablename__ = "followup_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(30))
    trigger: Mapped[str] = mapped_column(String(12))
    min_days: Mapped[int] = mapped_column(Integer, default=1)
    max_days: Mapped[int] = mapped_column(Integer, default=3)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("care_templates.id", ondelete="SET NULL"), nullable=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class FollowUpRow(Base):
    """A follow-up visit (回访): due date, care message sent, outcome recorded."""

    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_status_due", "shop_id", "status", "due_at"),
        Index("ix_followups_customer", "customer_id", "created_at"),
        Index("ix_followups_rule_order", "rule_id", "order_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), nullable=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("followup_rules.id", ondelete="SET NULL"), nullable=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("care_templates.id", ondelete="SET NULL"), nullable=True)
    source: Mapped[str] = mapped_column(String(10), default="manual")
    reason: Mapped[str] = mapped_column(String(100), default="")
    due_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    message: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str] = mapped_column(String(12), default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    agent: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


# Indexes on the core tables for the customer list (created by revision 0002_crm).
CUSTOMER_SEARCH_INDEX = Index(
    "ix_customers_search", CustomerRow.shop_id, CustomerRow.nick, CustomerRow.name, CustomerRow.phone
)
CUSTOMER_LEVEL_INDEX = Index("ix_customers_level", CustomerRow.shop_id, CustomerRow.member_level)
CUSTOMER_SOURCE_INDEX = Index("ix_customers_source", CustomerRow.shop_id, CustomerRow.traffic_source)
CUSTOMER_TAG_INDEX = Index("ix_customer_tags_tag_customer", CustomerTagRow.tag_id, CustomerTagRow.customer_id)


class PhoneViewRow(Base):
    """A user looked at a customer's full phone number (查看): who, when, which customer. Phones show
    masked everywhere; each deliberate look is kept here, for the shop to see who looked."""

    __tablename__ = "phone_views"
    __table_args__ = (Index("ix_phone_views_customer", "customer_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    user_name: Mapped[str] = mapped_column(String(64), default="")  # kept when the account is removed
    viewed_at: Mapped[datetime] = mapped_column(DateTime)
