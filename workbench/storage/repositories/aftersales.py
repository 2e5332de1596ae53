"""After-sales cases, their timeline, evidence and form drafts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from workbench.domain.aftersales import (
    FINAL_STATES,
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    Details,
    Draft,
    EventAction,
    Evidence,
    EvidenceKind,
    case_number,
    details_from_json,
    to_jsonable,
)
from workbench.storage.like import escape_like
from workbench.storage.tables import ConversationRow, CustomerRow, MessageRow, OrderRow, ShopRow
from workbench.storage.tables_aftersales import CaseEventRow, CaseRow, DraftRow, EvidenceRow

FINAL_VALUES = tuple(s.value for s in FINAL_STATES)


def _case(row: CaseRow, customer: CustomerRow) -> Case:
    kind = CaseKind(row.kind)
    return Case(
        id=row.id,
        case_no=row.case_no,
        kind=kind,
        subtype=row.subtype,
        state=CaseState(row.state),
        customer_id=row.customer_id,
        customer_nick=customer.nick,
        order_no=row.order_no,
        conversation_id=row.conversation_id,
        summary=row.summary,
        description=row.description,
        amount_cents=row.amount_cents,
        flagged=row.flagged,
        risk_score=row.risk_score,
        due_at=row.due_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        details=details_from_json(kind, json.loads(row.details_json or "{}")),
    )


def _event(row: CaseEventRow) -> CaseEvent:
    return CaseEvent(
        id=row.id,
        case_id=row.case_id,
        at=row.at,
        action=EventAction(row.action),
        from_state=CaseState(row.from_state) if row.from_state else None,
        to_state=CaseState(row.to_state) if row.to_state else None,
        text=row.text,
        actor=row.actor,
    )


def _evidence(row: EvidenceRow) -> Evidence:
    return Evidence(
        id=row.id,
        case_id=row.case_id,
        kind=EvidenceKind(row.kind),
        title=row.title,
        text=row.text,
        sha256=row.sha256,
        file_name=row.file_name,
        size=row.size,
        mime=row.mime,
        source_id=row.source_id,
        added_at=row.added_at,
        added_by=row.added_by,
    )


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Which cases a list shows: words to find, kinds, states, one customer, open ones only."""

    query: str = ""
    kinds: tuple[CaseKind, ...] = ()
    states: tuple[CaseState, ...] = ()
    customer_id: int | None = None
    open_only: bool = False
    flagged_only: bool = False
    subtypes: tuple[str, ...] = ()


class AftersalesRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- cases ---------------------------------------------------------------------------------

    def _select(
        self,
    ) -> Any:  # Select of (CaseRow, CustomerRow); its generic form differs between SQLAlchemy 2.0 and 2.1
        return select(CaseRow, CustomerRow).join(CustomerRow, CustomerRow.id == CaseRow.customer_id)

    def _search_text(self, row: CaseRow) -> str:
        customer = self.s.get_one(CustomerRow, row.customer_id)
        parts = (row.case_no, customer.nick, customer.name, row.order_no, row.summary, row.description)
        return " ".join(p for p in parts if p).lower()

    def add(
        self,
        shop_id: int,
        *,
        kind: CaseKind,
        subtype: str,
        state: CaseState,
        customer_id: int,
        order_no: str,
        conversation_id: int | None,
        summary: str,
        description: str,
        amount_cents: int,
        details: Details,
        at: datetime,
        actor: str,
        flagged: bool = False,
        risk_score: int = 0,
        due_at: datetime | None = None,
    ) -> Case:
        order_id = self.s.scalar(select(OrderRow.id).where(OrderRow.order_no == order_no)) if order_no else None
        row = CaseRow(
            shop_id=shop_id,
            case_no=f"new-{uuid.uuid4().hex[:24]}",  # numbered once the id is known
            kind=kind.value,
            subtype=subtype,
            state=state.value,
            customer_id=customer_id,
            order_id=order_id,
            order_no=order_no,
            conversation_id=conversation_id,
            summary=summary,
            description=description,
            amount_cents=amount_cents,
            flagged=flagged,
            risk_score=risk_score,
            due_at=due_at,
            details_json=json.dumps(to_jsonable(details), ensure_ascii=False),
            search_text="",
            created_at=at,
            updated_at=at,
            created_by=actor,
        )
        self.s.add(row)
        self.s.flush()
        row.case_no = case_number(kind, at, row.id)
        row.search_text = self._search_text(row)
        self.s.flush()
        return _case(row, self.s.get_one(CustomerRow, row.customer_id))  # no query: both are in the session

    def get(self, case_id: int) -> Case | None:
        found = self.s.execute(self._select().where(CaseRow.id == case_id)).first()
        return _case(*found) if found else None

    def by_number(self, case_no: str) -> Case | None:
        found = self.s.execute(self._select().where(CaseRow.case_no == case_no)).first()
        return _case(*found) if found else None

    def update(self, case_id: int, at: datetime, **changes: Any) -> Case:
        """Change a case's columns (and `details`); `updated_at` becomes `at`."""
        row = self.s.get_one(CaseRow, case_id)
        for name, value in changes.items():
            if name == "details":
                row.details_json = json.dumps(to_jsonable(value), ensure_ascii=False)
            elif name in ("state",):
                row.state = value.value
            elif name in ("subtype", "summary", "description", "amount_cents", "flagged", "risk_score", "due_at"):
                setattr(row, name, value)
            elif name in ("order_no", "conversation_id"):
                setattr(row, name, value)
                if name == "order_no":
                    row.order_id = (
                        self.s.scalar(select(OrderRow.id).where(OrderRow.order_no == value)) if value else None
                    )
            else:
                raise ValueError(f"unknown case field {name}")
        row.updated_at = at
        row.search_text = self._search_text(row)
        self.s.flush()
        return _case(row, self.s.get_one(CustomerRow, row.customer_id))  # no query: both are in the session

    def _filtered(self, shop_id: int, f: CaseFilter) -> Any:
        query = self._select().where(CaseRow.shop_id == shop_id)
        for word in f.query.lower().split():
            query = query.where(CaseRow.search_text.like(f"%{escape_like(word)}%", escape="\\"))
        if f.kinds:
            query = query.where(CaseRow.kind.in_([k.value for k in f.kinds]))
        if f.states:
            query = query.where(CaseRow.state.in_([s.value for s in f.states]))
        if f.subtypes:
            query = query.where(CaseRow.subtype.in_(list(f.subtypes)))
        if f.customer_id is not None:
            query = query.where(CaseRow.customer_id == f.customer_id)
        if f.open_only:
            query = query.where(CaseRow.state.not_in(FINAL_VALUES))
        if f.flagged_only:
            query = query.where(CaseRow.flagged.is_(True))
        return query

    def search(self, shop_id: int, f: CaseFilter, *, limit: int = 200, offset: int = 0) -> list[Case]:
        """Matching cases, most recently changed first."""
        query = self._filtered(shop_id, f).order_by(CaseRow.updated_at.desc(), CaseRow.id.desc())
        return [_case(c, cu) for c, cu in self.s.execute(query.limit(limit).offset(offset))]

    def count(self, shop_id: int, f: CaseFilter) -> int:
        matching_cases = self._filtered(shop_id, f).with_only_columns(CaseRow.id).subquery("matching_cases")
        return self.s.scalar(select(func.count()).select_from(matching_cases)) or 0

    def counts(self, shop_id: int) -> dict[tuple[CaseKind, CaseState], int]:
        rows = self.s.execute(
            select(CaseRow.kind, CaseRow.state, func.count())
            .where(CaseRow.shop_id == shop_id)
            .group_by(CaseRow.kind, CaseRow.state)
        )
        return {(CaseKind(k), CaseState(s)): n for k, s, n in rows}

    def open_on_order(self, order_no: str, kinds: Iterable[CaseKind] = ()) -> list[Case]:
        query = self._select().where(CaseRow.order_no == order_no, CaseRow.state.not_in(FINAL_VALUES))
        kinds = tuple(kinds)
        if kinds:
            query = query.where(CaseRow.kind.in_([k.value for k in kinds]))
        return [_case(c, cu) for c, cu in self.s.execute(query.order_by(CaseRow.id))]

    def order_numbers(self, shop_id: int) -> set[str]:
        """The orders the shop has any after-sales case on (open or closed)."""
        return set(self.s.scalars(select(CaseRow.order_no).where(CaseRow.shop_id == shop_id).distinct()))

    def of_customer(self, customer_id: int, kinds: Iterable[CaseKind] = ()) -> list[Case]:
        query = self._select().where(CaseRow.customer_id == customer_id)
        kinds = tuple(kinds)
        if kinds:
            query = query.where(CaseRow.kind.in_([k.value for k in kinds]))
        return [_case(c, cu) for c, cu in self.s.execute(query.order_by(CaseRow.created_at.desc(), CaseRow.id.desc()))]

    def due(self, shop_id: int, until: datetime) -> list[Case]:
        """Open cases with a deadline or follow-up on or before `until`, earliest first."""
        query = (
            self._select()
            .where(
                CaseRow.shop_id == shop_id,
                CaseRow.due_at.is_not(None),
                CaseRow.due_at <= until,
                CaseRow.state.not_in(FINAL_VALUES),
            )
            .order_by(CaseRow.due_at, CaseRow.id)
        )
        return [_case(c, cu) for c, cu in self.s.execute(query)]

    def customer_messages(self, customer_id: int, limit: int = 500) -> list[str]:
        """What a customer wrote in their chats with the shop, newest first."""
        rows = self.s.scalars(
            select(MessageRow.text)
            .join(ConversationRow, ConversationRow.id == MessageRow.conversation_id)
            .where(ConversationRow.customer_id == customer_id, MessageRow.sender == "customer")
            .order_by(MessageRow.id.desc())
            .limit(limit)
        )
        return list(rows)

    def conversation_ids(self, customer_id: int) -> list[int]:
        """The customer's conversations, newest first."""
        rows = self.s.scalars(
            select(ConversationRow.id)
            .where(ConversationRow.customer_id == customer_id)
            .order_by(ConversationRow.id.desc())
        )
        return list(rows)

    def texts_of_kind(self, shop_id: int, kind: CaseKind, subtypes: Sequence[str], exclude_id: int) -> list[str]:
        rows = self.s.scalars(
            select(CaseRow.description).where(
                CaseRow.shop_id == shop_id,
                CaseRow.kind == kind.value,
                CaseRow.subtype.in_(list(subtypes)),
                CaseRow.id != exclude_id,
            )
        )
        return [r for r in rows if r]

    # -- timeline ------------------------------------------------------------------------------

    def add_event(
        self,
        case_id: int,
        at: datetime,
        action: EventAction,
        text: str = "",
        actor: str = "",
        *,
        from_state: CaseState | None = None,
        to_state: CaseState | None = None,
    ) -> CaseEvent:
        row = CaseEventRow(
            case_id=case_id,
            at=at,
            action=action.value,
            from_state=from_state.value if from_state else "",
            to_state=to_state.value if to_state else "",
            text=text,
            actor=actor,
        )
        self.s.add(row)
        self.s.flush()
        return _event(row)

    def queue_event(
        self,
        case_id: int,
        at: datetime,
        action: EventAction,
        text: str = "",
        actor: str = "",
        *,
        from_state: CaseState | None = None,
        to_state: CaseState | None = None,
    ) -> None:
        """`add_event` written with the session's next flush, together with the events queued before
        it (one statement for a whole timeline: the demo shop's seeding)."""
        self.s.add(
            CaseEventRow(
                case_id=case_id,
                at=at,
                action=action.value,
                from_state=from_state.value if from_state else "",
                to_state=to_state.value if to_state else "",
                text=text,
                actor=actor,
            )
        )

    def events(self, case_id: int) -> list[CaseEvent]:
        rows = self.s.scalars(
            select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(CaseEventRow.at, CaseEventRow.id)
        )
        return [_event(r) for r in rows]

    # -- evidence ------------------------------------------------------------------------------

    def add_evidence(
        self,
        case_id: int,
        kind: EvidenceKind,
        title: str,
        at: datetime,
        actor: str,
        *,
        text: str = "",
        sha256: str = "",
        file_name: str = "",
        size: int = 0,
        mime: str = "",
        source_id: int | None = None,
    ) -> Evidence:
        row = EvidenceRow(
            case_id=case_id,
            kind=kind.value,
            title=title,
            text=text,
            sha256=sha256,
            file_name=file_name,
            size=size,
            mime=mime,
            source_id=source_id,
            added_at=at,
            added_by=actor,
        )
        self.s.add(row)
        self.s.flush()
        return _evidence(row)

    def evidence(self, case_id: int) -> list[Evidence]:
        rows = self.s.scalars(select(EvidenceRow).where(EvidenceRow.case_id == case_id).order_by(EvidenceRow.id))
        return [_evidence(r) for r in rows]

    def find_evidence(
        self, case_id: int, kind: EvidenceKind, *, sha256: str = "", source_id: int | None = None
    ) -> Evidence | None:
        query = select(EvidenceRow).where(EvidenceRow.case_id == case_id, EvidenceRow.kind == kind.value)
        if sha256:
            query = query.where(EvidenceRow.sha256 == sha256)
        if source_id is not None:
            query = query.where(EvidenceRow.source_id == source_id)
        row = self.s.scalars(query.limit(1)).first()
        return _evidence(row) if row else None

    def remove_evidence(self, evidence_id: int) -> Evidence | None:
        row = self.s.get(EvidenceRow, evidence_id)
        if row is None:
            return None
        gone = _evidence(row)
        self.s.delete(row)
        self.s.flush()
        return gone

    def files_in_use(self, sha256: str) -> int:
        return self.s.scalar(select(func.count()).select_from(EvidenceRow).where(EvidenceRow.sha256 == sha256)) or 0

    # -- drafts --------------------------------------------------------------------------------

    def save_draft(self, shop_id: int, key: str, payload: Mapping[str, Any], at: datetime) -> Draft:
        row = self.s.scalars(select(DraftRow).where(DraftRow.shop_id == shop_id, DraftRow.key == key)).first()
        # ASCII JSON: a draft keeps the fields exactly as typed, even half a surrogate pair from a broken
        # paste, which no database encoding takes as text (the form's validation refuses it on saving).
        text = json.dumps(dict(payload), ensure_ascii=True, sort_keys=True)
        if row is None:
            row = DraftRow(shop_id=shop_id, key=key, payload_json=text, updated_at=at)
            self.s.add(row)
        else:
            row.payload_json = text
            row.updated_at = at
        self.s.flush()
        return Draft(row.key, json.loads(row.payload_json), row.updated_at)

    def draft(self, shop_id: int, key: str) -> Draft | None:
        row = self.s.scalars(select(DraftRow).where(DraftRow.shop_id == shop_id, DraftRow.key == key)).first()
        return Draft(row.key, json.loads(row.payload_json), row.updated_at) if row else None

    def drafts(self, shop_id: int, prefix: str = "") -> list[Draft]:
        query = select(DraftRow).where(DraftRow.shop_id == shop_id)
        if prefix:
            query = query.where(DraftRow.key.like(f"{escape_like(prefix)}%", escape="\\"))
        rows = self.s.scalars(query.order_by(DraftRow.updated_at.desc()))
        return [Draft(r.key, json.loads(r.payload_json), r.updated_at) for r in rows]

    def delete_draft(self, shop_id: int, key: str) -> None:
        self.s.execute(delete(DraftRow).where(DraftRow.shop_id == shop_id, DraftRow.key == key))

    # -- shop settings -------------------------------------------------------------------------

    def merge_shop_settings(self, shop_id: int, patch: Mapping[str, Any]) -> None:
        """Add keys to the shop's settings JSON (the after-sales policy), keeping the others."""
        row = self.s.get_one(ShopRow, shop_id)
        settings = json.loads(row.settings_json or "{}")
        settings.update(patch)
        row.settings_json = json.dumps(settings, ensure_ascii=False)
        self.s.flush()
