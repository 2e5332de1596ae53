"""Tables of the reception bot: its settings, sub-account 分流 settings, reception groups, which
conversations the bot serves, and the auto-message log. Registered on the shared `Base`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base


class BotSettingsRow(Base):
    """One row per shop: welcome, transfer, reception, routing and auto-message settings as JSON."""

    __tablename__ = "bot_settings"
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    settings_json: Mapped[str] = mapped_column(Text, default="{}")
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every change, also of accounts/groups
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class AgentProfileRow(Base):
    """分流 settings of a sub-account (an agent without a row has the defaults)."""

    __tablename__ = "agent_profiles"
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    can_route: Mapped[bool] = mapped_column(Boolean, default=True)
    capacity: Mapped[int] = mapped_column(Integer, default=8)
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_suspended: Mapped[bool] = mapped_column(Boolean, default=False)


class ReceptionGroupRow(Base):
    __tablename__ = "reception_groups"
    __table_args__ = (UniqueConstraint("shop_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(30))
    keywords: Mapped[str] = mapped_column(String(400), default="")  # "|"-joined
    position: Mapped[int] = mapped_column(Integer, default=0)


class ReceptionGroupMemberRow(Base):
    __tablename__ = "reception_group_members"
    group_id: Mapped[int] = mapped_column(ForeignKey("reception_groups.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True, index=True)


class BotConversationRow(Base):
    """A conversation the bot took: who serves it now, the bot's counters, and why it was handed off."""

    __tablename__ = "bot_conversations"
    __table_args__ = (Index("ix_bot_conversations_owner", "owner"),)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(10), default="bot")  # "bot" | "human"
    misses: Mapped[int] = mapped_column(Integer, default=0)
    last_key: Mapped[str] = mapped_column(String(120), default="")
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    handoff_reason: Mapped[str] = mapped_column(String(20), default="")
    handoff_detail: Mapped[str] = mapped_column(String(120), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime)
    handed_off_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AutoMessageLogRow(Base):
    """What the auto messages sent (or skipped, and why)."""

    __tablename__ = "auto_message_log"
    __table_args__ = (
        Index("ix_auto_message_log_shop", "shop_id", "id"),
        Index("ix_auto_message_log_order", "kind", "order_no"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=True, index=True
    )
    order_no: Mapped[str] = mapped_column(String(30), default="")
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )


class BotReplyRow(Base):
    """What the bot did with one customer message (answer, 你可能想问, fallback, hand-off), with the
    entry and score: the 店小蜜 figures and the 训练 loop's unresolved messages are read from here."""

    __tablename__ = "bot_replies"
    __table_args__ = (
        Index("ix_bot_replies_shop_at", "shop_id", "created_at"),
        Index("ix_bot_replies_conversation", "conversation_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    action: Mapped[str] = mapped_column(String(10))  # BotAction: answer | clarify | fallback | handoff
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("kb_entries.id", ondelete="SET NULL"), nullable=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reason: Mapped[str] = mapped_column(String(20), default="")  # HandoffReason of a hand-off
    text: Mapped[str] = mapped_column(Text)  # the customer's message


class TrainingDecisionRow(Base):
    """A 训练 proposal the shop approved or dismissed, by its cluster key (a dismissed cluster is not
    proposed again)."""

    __tablename__ = "training_decisions"
    __table_args__ = (UniqueConstraint("shop_id", "cluster_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    cluster_key: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(10))  # approved | dismissed
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("kb_entries.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
