"""Desk sessions: one heartbeat row per open desk (presence). Registered on the shared `Base`."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base


class DeskSessionRow(Base):
    __tablename__ = "desk_sessions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the desk's session id (random)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(String(100), default="")  # computer and process, for people reading it
    started_at: Mapped[float] = mapped_column(Float)  # seconds since the epoch, by the database server's clock
    last_seen: Mapped[float] = mapped_column(Float)  # the last heartbeat, same clock
