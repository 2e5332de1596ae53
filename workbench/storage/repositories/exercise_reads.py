"""Read-only queries for the classroom exercises' checks: what a student did in customer management
since a moment (tags given, notes written, groups made, follow-ups sent and completed, RFM state)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench.storage.tables import AgentRow, CustomerRow, CustomerTagRow, NoteRow, TagRow
from workbench.storage.tables_crm import (
    CrmStateRow,
    CustomerGroupMemberRow,
    CustomerGroupRow,
    CustomerStatsRow,
    FollowUpRow,
)
from workbench.storage.tables_identity import CredentialRow


@dataclass(frozen=True, slots=True)
class TagGiven:
    customer_id: int
    nick: str
    tag: str
    at: datetime


@dataclass(frozen=True, slots=True)
class NoteWritten:
    id: int
    nick: str
    text: str
    author: str
    at: datetime


@dataclass(frozen=True, slots=True)
class GroupMade:
    id: int
    name: str
    kind: str
    filter: dict[str, object]
    members: int  # hand-picked members (a filter group has none of its own)
    at: datetime


@dataclass(frozen=True, slots=True)
class FollowUpDone:
    id: int
    customer_id: int
    nick: str
    status: str
    message: str
    sent_at: datetime | None
    outcome: str
    outcome_note: str
    done_at: datetime | None
    agent: str
    segment: str  # the customer's RFM segment now


class ExerciseReadRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def setup_time(self, shop_id: int) -> datetime | None:
        """When the shop was set up: its accounts' first passwords (the demo seeding and `admin init`
        write them all at once); the checks count the work done after it."""
        return self.s.scalar(
            select(func.min(CredentialRow.changed_at))
            .join(AgentRow, AgentRow.id == CredentialRow.agent_id)
            .where(AgentRow.shop_id == shop_id)
        )

    def tags_given(self, shop_id: int, since: datetime | None) -> list[TagGiven]:
        query = (
            select(CustomerTagRow.customer_id, CustomerRow.nick, TagRow.name, CustomerTagRow.created_at)
            .join(CustomerRow, CustomerRow.id == CustomerTagRow.customer_id)
            .join(TagRow, TagRow.id == CustomerTagRow.tag_id)
            .where(CustomerRow.shop_id == shop_id)
        )
        if since is not None:
            query = query.where(CustomerTagRow.created_at > since)
        return [TagGiven(*row) for row in self.s.execute(query.order_by(CustomerTagRow.created_at))]

    def notes(self, shop_id: int, since: datetime | None) -> list[NoteWritten]:
        query = (
            select(NoteRow.id, CustomerRow.nick, NoteRow.text, NoteRow.author, NoteRow.created_at)
            .join(CustomerRow, CustomerRow.id == NoteRow.customer_id)
            .where(CustomerRow.shop_id == shop_id)
        )
        if since is not None:
            query = query.where(NoteRow.created_at > since)
        return [NoteWritten(*row) for row in self.s.execute(query.order_by(NoteRow.id))]

    def groups(self, shop_id: int, since: datetime | None) -> list[GroupMade]:
        members = (
            select(func.count())
            .select_from(CustomerGroupMemberRow)
            .where(CustomerGroupMemberRow.group_id == CustomerGroupRow.id)
            .scalar_subquery()
        )
        query = select(CustomerGroupRow, members).where(CustomerGroupRow.shop_id == shop_id)
        if since is not None:
            query = query.where(CustomerGroupRow.created_at > since)
        return [
            GroupMade(g.id, g.name, g.kind, json.loads(g.filter_json or "{}"), int(n or 0), g.created_at)
            for g, n in self.s.execute(query.order_by(CustomerGroupRow.id))
        ]

    def followups(self, shop_id: int, since: datetime | None) -> list[FollowUpDone]:
        """Follow-ups sent or completed after `since`, oldest first."""
        query = (
            select(
                FollowUpRow.id,
                FollowUpRow.customer_id,
                CustomerRow.nick,
                FollowUpRow.status,
                FollowUpRow.message,
                FollowUpRow.sent_at,
                FollowUpRow.outcome,
                FollowUpRow.outcome_note,
                FollowUpRow.done_at,
                FollowUpRow.agent,
                func.coalesce(CustomerStatsRow.segment, "none"),
            )
            .join(CustomerRow, CustomerRow.id == FollowUpRow.customer_id)
            .outerjoin(CustomerStatsRow, CustomerStatsRow.customer_id == FollowUpRow.customer_id)
            .where(FollowUpRow.shop_id == shop_id)
        )
        if since is not None:
            query = query.where(
                (FollowUpRow.sent_at > since) | (FollowUpRow.done_at > since)  # either happened after it
            )
        return [FollowUpDone(*row) for row in self.s.execute(query.order_by(FollowUpRow.id))]

    def rfm_computed_at(self, shop_id: int) -> datetime | None:
        return self.s.scalar(select(CrmStateRow.computed_at).where(CrmStateRow.shop_id == shop_id))

    def segment_counts(self, shop_id: int) -> dict[str, int]:
        rows = self.s.execute(
            select(CustomerStatsRow.segment, func.count())
            .where(CustomerStatsRow.shop_id == shop_id)
            .group_by(CustomerStatsRow.segment)
        )
        return {str(segment): int(n) for segment, n in rows}
