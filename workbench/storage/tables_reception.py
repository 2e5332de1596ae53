"""The reception centre's conversation-level actions: transfers (转交), each agent's 置顶 / 星标 marks and
the 邀请评价 invitations. Registered on the shared `Base`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base


class ConversationTransferRow(Base):
    """One 转交: who handed the chat (`by_agent_id`, the chat's agent or a supervisor) from whom to whom
    (an agent, or a reception group and the agent its 分流 picked, if any), with the note."""

    __tablename__ = "conversation_transfers"
    __table_args__ = (Index("ix_conversation_transfers_conversation", "conversation_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    from_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    to_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    to_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("reception_groups.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ConversationMarkRow(Base):
    """One agent's 置顶 and 星标 of a conversation (each agent orders their own list, as in 千牛)."""

    __tablename__ = "conversation_marks"
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    starred: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class RatingInvitationRow(Base):
    """The 邀请评价 card sent in a conversation: at most one per conversation (the primary key), so
    satisfaction can be counted against the invitations sent."""

    __tablename__ = "rating_invitations"
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the card in the chat
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The buyer's answer (a `Satisfaction` value) and when it came; None while unanswered.
    rating: Mapped[str | None] = mapped_column(String(8), nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ConversationDraftRow(Base):
    """The reply one agent was typing in a conversation and has not sent (草稿): kept across restarts,
    deleted with the reply that sends it."""

    __tablename__ = "conversation_drafts"
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ResponseRunRow(Base):
    """One answered run of buyer messages (those since the agent's previous message, counted once a human
    serves the chat) with the agent message that ended it: written with that reply, in its transaction,
    so 客服绩效's response times are aggregated from these rows instead of every message of the range."""

    __tablename__ = "response_runs"
    __table_args__ = (
        # a report's days, read from the index alone (in day order: the runs per day without sorting)
        Index(
            "ix_response_runs_shop_day",
            "shop_id",
            "replied_day",
            "agent_id",
            "response_s",
            "started_at",
            "prev_replied_at",
            "conversation_id",
        ),
        Index("ix_response_runs_conversation", "conversation_id", "replied_at"),  # runs still open at its end
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"), nullable=True)
    # the run's first buyer message and the reply that ended it
    started_at: Mapped[datetime] = mapped_column(DateTime)
    replied_at: Mapped[datetime] = mapped_column(DateTime)
    replied_day: Mapped[date] = mapped_column(Date)
    reply_message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    response_s: Mapped[float] = mapped_column(Float)
    # the chat's previous run's reply (None: its first run): a run is the first of a report's range when
    # this falls before the range, with no look at the chat's other runs
    prev_replied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ContactDayRow(Base):
    """One chat's messages of one day from one side: the buyer's counted messages (those a human
    serves, as in `ResponseRunRow`; `agent_key` 0) or one agent's replies (`agent_key` their id, 0 when
    unknown). Kept up to date as the messages are written, so 客服绩效's buyer counts, 接待人数,
    suggestion use and open runs read a few rows per chat and day instead of every message. Keyed by
    shop and day first, and clustered that way on SQLite: a report's range is one contiguous read."""

    __tablename__ = "contact_days"
    __table_args__ = (
        # a chat's later days, read from the index alone (the runs still open at a range's end)
        Index("ix_contact_days_conversation", "conversation_id", "day", "sender", "last_at"),
        {"sqlite_with_rowid": False},
    )
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    sender: Mapped[str] = mapped_column(String(16), primary_key=True)  # 'customer' or 'agent'
    agent_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    customer_id: Mapped[int] = mapped_column(Integer)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(DateTime)
    # the newest message, by (created_at, id) as the chat orders them
    last_at: Mapped[datetime] = mapped_column(DateTime)
    last_id: Mapped[int] = mapped_column(Integer)
    # agent replies sent from a suggestion as is / edited (the rest were written without one)
    as_is: Mapped[int] = mapped_column(Integer, default=0)
    edited: Mapped[int] = mapped_column(Integer, default=0)
