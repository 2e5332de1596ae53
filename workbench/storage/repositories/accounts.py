"""The shop's users with their password hashes, failed logins and "记住我" token hashes.

Hashes are computed by the services; this module stores and compares what it is given and never
sees a password or a token in clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workbench.domain.identity import Role
from workbench.domain.shops import Agent
from workbench.storage.repositories.shops import agent_of
from workbench.storage.tables import AgentRow
from workbench.storage.tables_identity import CredentialRow, LoginTokenRow


@dataclass(frozen=True, slots=True)
class StoredCredential:
    password_hash: str
    failed_logins: int
    last_failed_at: datetime | None


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- users ------------------------------------------------------------------------------------

    def users(self, shop_id: int) -> list[Agent]:
        rows = self.s.scalars(select(AgentRow).where(AgentRow.shop_id == shop_id).order_by(AgentRow.id))
        return [agent_of(r) for r in rows]

    def user(self, user_id: int) -> Agent | None:
        row = self.s.get(AgentRow, user_id)
        return agent_of(row) if row is not None else None

    def by_username(self, shop_id: int, username: str) -> Agent | None:
        row = self.s.scalars(select(AgentRow).where(AgentRow.shop_id == shop_id, AgentRow.username == username)).first()
        return agent_of(row) if row is not None else None

    def owner(self, shop_id: int) -> Agent | None:
        """The shop's first owner (主账号)."""
        row = self.s.scalars(
            select(AgentRow).where(AgentRow.shop_id == shop_id, AgentRow.role == Role.OWNER.value).order_by(AgentRow.id)
        ).first()
        return agent_of(row) if row is not None else None

    def role_of(self, user_id: int) -> Role | None:
        """The user's role as stored now; None when the user no longer exists."""
        role = self.s.scalar(select(AgentRow.role).where(AgentRow.id == user_id))
        return Role.parse(role) if role is not None else None

    def add_user(self, shop_id: int, username: str, display_name: str, role: Role) -> Agent:
        row = AgentRow(shop_id=shop_id, username=username, display_name=display_name, role=role.value, status="online")
        self.s.add(row)
        self.s.flush()
        return agent_of(row)

    def set_display_name(self, user_id: int, display_name: str) -> Agent:
        row = self.s.get_one(AgentRow, user_id)
        row.display_name = display_name
        self.s.flush()
        return agent_of(row)

    def usernames(self, shop_id: int) -> set[str]:
        return set(self.s.scalars(select(AgentRow.username).where(AgentRow.shop_id == shop_id)))

    def with_password(self, shop_id: int) -> set[int]:
        """The ids of the shop's users who have a password."""
        return set(
            self.s.scalars(
                select(CredentialRow.agent_id)
                .join(AgentRow, AgentRow.id == CredentialRow.agent_id)
                .where(AgentRow.shop_id == shop_id)
            )
        )

    # -- passwords --------------------------------------------------------------------------------

    def credential(self, user_id: int) -> StoredCredential | None:
        row = self.s.get(CredentialRow, user_id)
        if row is None:
            return None
        return StoredCredential(row.password_hash, row.failed_logins, row.last_failed_at)

    def set_password_hash(self, user_id: int, password_hash: str, at: datetime) -> None:
        row = self.s.get(CredentialRow, user_id)
        if row is None:
            row = CredentialRow(agent_id=user_id, password_hash=password_hash, changed_at=at, failed_logins=0)
            self.s.add(row)
        row.password_hash = password_hash
        row.changed_at = at
        row.failed_logins = 0
        row.last_failed_at = None
        self.s.flush()

    def record_failure(self, user_id: int, at: datetime) -> int:
        """One more failed login in a row; returns how many there are now."""
        row = self.s.get(CredentialRow, user_id, with_for_update=True)
        if row is None:
            return 0
        row.failed_logins += 1
        row.last_failed_at = at
        self.s.flush()
        return row.failed_logins

    def reset_failures(self, user_id: int) -> None:
        row = self.s.get(CredentialRow, user_id)
        if row is not None and row.failed_logins:
            row.failed_logins = 0
            row.last_failed_at = None
            self.s.flush()

    # -- "记住我" tokens --------------------------------------------------------------------------

    def add_token(self, user_id: int, token_hash: str, at: datetime, expires_at: datetime) -> None:
        self.s.add(LoginTokenRow(agent_id=user_id, token_hash=token_hash, created_at=at, expires_at=expires_at))
        self.s.flush()

    def user_for_token(self, token_hash: str, at: datetime) -> Agent | None:
        """The user a token that has not expired belongs to (its use is noted); None for any other token."""
        token = self.s.scalars(select(LoginTokenRow).where(LoginTokenRow.token_hash == token_hash)).first()
        if token is None or token.expires_at <= at:
            return None
        token.last_used_at = at
        self.s.flush()
        return self.user(token.agent_id)

    def delete_token(self, token_hash: str) -> None:
        self.s.execute(delete(LoginTokenRow).where(LoginTokenRow.token_hash == token_hash))

    def delete_tokens(self, user_id: int) -> int:
        """Revoke every token of a user; returns how many there were."""
        ids = list(self.s.scalars(select(LoginTokenRow.id).where(LoginTokenRow.agent_id == user_id)))
        if ids:
            self.s.execute(delete(LoginTokenRow).where(LoginTokenRow.id.in_(ids)))
        return len(ids)

    def delete_expired_tokens(self, at: datetime) -> None:
        self.s.execute(delete(LoginTokenRow).where(LoginTokenRow.expires_at <= at))
