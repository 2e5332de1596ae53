"""Tables of the users' secrets: password hashes and the hashes of "记住我" tokens. Registered on the
shared `Base`. A user is a row of `agents` (its role says owner, supervisor, agent, ...); nothing here
holds a password or a token in clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workbench.storage.tables import Base


class CredentialRow(Base):
    """A user's password (an argon2id hash) and their failed logins in a row (a user without a row has
    no password and cannot log in on a shared database)."""

    __tablename__ = "credentials"
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class LoginTokenRow(Base):
    """A "记住我" token of one desk: the token lives in that desk's keyring, its SHA-256 here."""

    __tablename__ = "login_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
