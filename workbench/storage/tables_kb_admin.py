"""Tables of the knowledge editor: hits per day (热度), answer validity windows, industry-pack
subscriptions and which entries came from which pack."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base


class KbHitDayRow(Base):
    """How often an entry was used on one day (an agent sent its answer, or the bot did)."""

    __tablename__ = "kb_hit_days"
    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_entries.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


class KbAnswerWindowRow(Base):
    """An answer used only from `valid_from` to `valid_to` (both inclusive, either open)."""

    __tablename__ = "kb_answer_windows"
    answer_id: Mapped[int] = mapped_column(ForeignKey("kb_answers.id", ondelete="CASCADE"), primary_key=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)


class KbPackSubscriptionRow(Base):
    __tablename__ = "kb_pack_subscriptions"
    __table_args__ = (UniqueConstraint("shop_id", "pack_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    pack_id: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(20))
    subscribed_at: Mapped[datetime] = mapped_column(DateTime)
    upgraded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class KbPackEntryRow(Base):
    """One pack entry installed in a shop's KB. `entry_id` is NULL once the shop deleted the entry,
    so an upgrade does not bring it back."""

    __tablename__ = "kb_pack_entries"
    __table_args__ = (UniqueConstraint("subscription_id", "entry_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("kb_pack_subscriptions.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(60))
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_entries.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    pack_version: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the pack content installed
    edited: Mapped[bool] = mapped_column(Boolean, default=False)


class KbRevisionRow(Base):
    """One row: a random token that every change of what the KB matcher reads replaces (database
    triggers, migration 0020), so a desk knows its stored copy of the KB is current without reading
    the KB (`workbench.kb.index_cache`). Hit counts (热度) do not change it."""

    __tablename__ = "kb_revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
