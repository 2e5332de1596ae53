"""The after-sales desk: open and move cases on, complaints, disputes, evidence, drafts and reports.

Every method is one unit of work on the database (call it from a worker, never the UI thread).
Forms are validated here too (the UI checks the same rules as the agent types): a bad form raises
``FormInvalid`` with every problem and its field; a bad transition raises ``DomainError``. The rules
and texts applied here are in the domain (:mod:`workbench.domain.case_rules`, ``case_texts``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from workbench.domain.aftersales import (
    FINAL_STATES,
    INITIAL_STATE,
    SERVICE_KINDS,
    AftersalesPolicy,
    AppealState,
    Case,
    CaseEvent,
    CaseKind,
    CaseState,
    ComplaintDetails,
    ComplaintNature,
    Deadline,
    DisputeDetails,
    Draft,
    EventAction,
    Evidence,
    EvidenceKind,
    FieldError,
    FormInvalid,
    PlatformState,
    PolicyVerdict,
    ReviewDetails,
    RiskAssessment,
    ServiceDetails,
    ServiceRequest,
    TransitionInput,
    check_policy,
    check_transition,
    clean_text,
    raise_if,
    summary_line,
    validate_service_request,
)
from workbench.domain.case_rules import apply_transition, case_due_at, due_label
from workbench.domain.case_texts import (
    describe_complaint_changes,
    describe_dispute_changes,
    policy_summary,
    progress_text,
    return_instructions_text,
    signals_summary,
    transition_text,
)
from workbench.domain.complaints import (
    ComplaintFacts,
    ComplaintForm,
    DisputeForm,
    EarlierComplaint,
    Reminder,
    complaint_signals,
    complete_steps,
    default_deadlines,
    reminder_for,
    validate_complaint,
    validate_dispute,
)
from workbench.domain.conversations import ConversationState, Message, Sender, validate_message_text
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order
from workbench.domain.text import clean_search
from workbench.domain.text import clean_text as clean_typed_text
from workbench.services.clock import Clock, system_clock
from workbench.services.evidence import EvidencePacket, EvidenceStore
from workbench.services.notifications import Topic
from workbench.services.orders import logistics_text, order_card_text
from workbench.storage.db import Database
from workbench.storage.repositories.aftersales import AftersalesRepository, CaseFilter
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository

PAGE_SIZE = 200
# A text sent to a buyer who is not in a chat (see AftersalesService.send_offline): the note the chat
# shows under it, in the shop's language like the other stored lines, and the end reason of a chat
# opened only to hold it.
OFFLINE_NOTE = "离线消息：买家下次进店时可以看到"
OFFLINE_REASON = "offline"
REMINDER_WINDOW = timedelta(hours=24)
MAX_NOTE_LENGTH = 1000

SENDER_NAMES = {"agent": "客服", "bot": "机器人", "system": "系统"}


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A case with everything its page shows."""

    case: Case
    events: tuple[CaseEvent, ...]
    evidence: tuple[Evidence, ...]
    order: Order | None
    customer: Customer | None
    open_conversation_id: int | None  # where texts to the customer go


@dataclass(frozen=True, slots=True)
class CasePage:
    cases: tuple[Case, ...]
    total: int
    offset: int


@dataclass(frozen=True, slots=True)
class PolicyCheck:
    """A live check of a request form: the order found, the form's problems and the policy verdict."""

    order: Order | None
    errors: tuple[FieldError, ...]
    verdict: PolicyVerdict


class AftersalesService:
    def __init__(
        self,
        db: Database,
        shop_id: int,
        clock: Clock = system_clock,
        evidence_dir: Path | None = None,
    ) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.store = EvidenceStore(evidence_dir) if evidence_dir is not None else None

    # -- policy ---------------------------------------------------------------------------------

    def policy(self) -> AftersalesPolicy:
        with self.db.session() as s:
            return AftersalesPolicy.from_settings(ShopRepository(s).settings(self.shop_id))

    def lookup_order(self, order_no: str) -> Order | None:
        number = order_no.strip()
        if not number:
            return None
        with self.db.session() as s:
            return OrderRepository(s).by_number(number)

    def _categories(self, s: Any, order: Order | None) -> dict[str, str]:
        if order is None:
            return {}
        return {p.sku: p.category for p in OrderRepository(s).products(self.shop_id)}

    def check(self, request: ServiceRequest) -> PolicyCheck:
        """The form's problems and the policy verdict, for the form to show as the agent types."""
        with self.db.session() as s:
            order = OrderRepository(s).by_number(request.order_no.strip()) if request.order_no.strip() else None
            policy = AftersalesPolicy.from_settings(ShopRepository(s).settings(self.shop_id))
            open_cases = len(AftersalesRepository(s).open_on_order(order.order_no, SERVICE_KINDS)) if order else 0
            verdict = check_policy(
                request, order, self._categories(s, order), policy, self.clock(), open_cases_on_order=open_cases
            )
        return PolicyCheck(order, tuple(validate_service_request(request, order)), verdict)

    # -- opening cases --------------------------------------------------------------------------

    def open_case(self, request: ServiceRequest, actor: str) -> Case:
        """Open a 退货 / 换货 / 退款 / 维修 case (the policy verdict is stored with it)."""
        now = self.clock()
        with self.db.session() as s:
            orders = OrderRepository(s)
            order = orders.by_number(request.order_no.strip()) if request.order_no.strip() else None
            raise_if(validate_service_request(request, order))
            assert order is not None and request.reason is not None
            policy = AftersalesPolicy.from_settings(ShopRepository(s).settings(self.shop_id))
            repo = AftersalesRepository(s)
            verdict = check_policy(
                request,
                order,
                self._categories(s, order),
                policy,
                now,
                open_cases_on_order=len(repo.open_on_order(order.order_no, SERVICE_KINDS)),
            )
            details = ServiceDetails(
                reason=request.reason,
                refund_type=request.refund_type if request.kind is CaseKind.REFUND else None,
                items=request.items,
                exchange_wish=clean_text(request.exchange_wish),
                goods_intact=request.goods_intact,
                self_repaired=request.self_repaired,
                policy=verdict,
            )
            description = clean_text(request.description)
            subtype = (
                request.refund_type.value
                if request.kind is CaseKind.REFUND and request.refund_type
                else request.reason.value
            )
            state = INITIAL_STATE[request.kind]
            case = repo.add(
                self.shop_id,
                kind=request.kind,
                subtype=subtype,
                state=state,
                customer_id=order.customer_id,
                order_no=order.order_no,
                conversation_id=request.conversation_id,
                summary=summary_line(description),
                description=description,
                amount_cents=request.amount_cents or 0,
                details=details,
                at=now,
                actor=actor,
                due_at=case_due_at(request.kind, state, details, now, policy),
            )
            self.db.notify(s, Topic.CASES, case.id)
            repo.add_event(case.id, now, EventAction.CREATED, description, actor, to_state=state)
            repo.add_event(case.id, now, EventAction.POLICY, policy_summary(verdict), actor)
            return case

    def complaint_signals(
        self,
        customer_id: int,
        order_no: str,
        text: str,
        type_: Any = None,
        demand_cents: int = 0,
        *,
        exclude_case_id: int = 0,
    ) -> RiskAssessment:
        """The malicious-complaint marks for a complaint being written (the agent decides)."""
        with self.db.session() as s:
            return self._complaint_signals(s, customer_id, order_no, text, type_, demand_cents, exclude_case_id)

    def _complaint_signals(
        self, s: Any, customer_id: int, order_no: str, text: str, type_: Any, demand_cents: int, exclude: int
    ) -> RiskAssessment:
        customer = CustomerRepository(s).get(customer_id)
        order = OrderRepository(s).by_number(order_no.strip()) if order_no.strip() else None
        policy_hours = AftersalesPolicy.from_settings(ShopRepository(s).settings(self.shop_id)).ship_within_hours
        earlier = tuple(
            EarlierComplaint(c.details.type, c.description, c.created_at)
            for c in AftersalesRepository(s).of_customer(customer_id, (CaseKind.COMPLAINT,))
            if c.id != exclude and isinstance(c.details, ComplaintDetails)
        )
        return complaint_signals(
            ComplaintFacts(
                text=text,
                type=type_,
                demand_cents=demand_cents,
                order=order,
                ship_within_hours=policy_hours,
                earlier=earlier,
                refund_count=customer.refund_count if customer else 0,
                bad_review_count=customer.bad_review_count if customer else 0,
            )
        )

    def _complaint_details(
        self, form: ComplaintForm, previous: ComplaintDetails | None, signals: RiskAssessment, now: datetime
    ) -> ComplaintDetails:
        assert form.type is not None
        appeal = form.appeal
        if appeal.state not in (AppealState.NONE, AppealState.PREPARING) and appeal.submitted_at is None:
            appeal = replace(appeal, submitted_at=now)
        return ComplaintDetails(
            type=form.type,
            demand=clean_text(form.demand),
            demand_cents=form.demand_cents,
            nature=form.nature,
            signals=signals.signals,
            steps=complete_steps(form.steps, previous.steps if previous else (), now),
            compensation=form.compensation,
            compensation_cents=form.compensation_cents,
            compensation_note=clean_text(form.compensation_note),
            follow_up_at=form.follow_up_at,
            appeal=replace(appeal, reference=appeal.reference.strip(), note=clean_text(appeal.note)),
        )

    def file_complaint(self, form: ComplaintForm, actor: str) -> Case:
        """Register a complaint with the signals found now; `form.nature` is the agent's own call."""
        now = self.clock()
        with self.db.session() as s:
            order = OrderRepository(s).by_number(form.order_no.strip()) if form.order_no.strip() else None
            raise_if(validate_complaint(form, order))
            signals = self._complaint_signals(
                s, form.customer_id, form.order_no, form.description + "\n" + form.demand, form.type,
                form.demand_cents, 0,
            )  # fmt: skip
            details = self._complaint_details(form, None, signals, now)
            description = clean_text(form.description)
            state = INITIAL_STATE[CaseKind.COMPLAINT]
            repo = AftersalesRepository(s)
            case = repo.add(
                self.shop_id,
                kind=CaseKind.COMPLAINT,
                subtype=details.type.value,
                state=state,
                customer_id=form.customer_id,
                order_no=order.order_no if order else "",
                conversation_id=form.conversation_id,
                summary=summary_line(description),
                description=description,
                amount_cents=form.demand_cents,
                details=details,
                at=now,
                actor=actor,
                flagged=form.nature is ComplaintNature.MALICIOUS,
                risk_score=signals.score,
                due_at=details.follow_up_at,
            )
            self.db.notify(s, Topic.CASES, case.id)
            repo.add_event(case.id, now, EventAction.CREATED, description, actor, to_state=state)
            repo.add_event(case.id, now, EventAction.SIGNALS, signals_summary(signals), actor)
            if form.nature is ComplaintNature.MALICIOUS:
                repo.add_event(case.id, now, EventAction.NOTE, "客服判定：疑似恶意投诉", actor)
            return case

    def update_complaint(self, case_id: int, form: ComplaintForm, actor: str) -> Case:
        """Save the handling record of a complaint (steps, compensation, follow-up, appeal)."""
        now = self.clock()
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._case(repo, case_id, CaseKind.COMPLAINT)
            order = OrderRepository(s).by_number(form.order_no.strip()) if form.order_no.strip() else None
            form = replace(form, customer_id=case.customer_id)
            raise_if(validate_complaint(form, order))
            assert isinstance(case.details, ComplaintDetails)
            signals = self._complaint_signals(
                s, case.customer_id, form.order_no, form.description + "\n" + form.demand, form.type,
                form.demand_cents, case.id,
            )  # fmt: skip
            details = self._complaint_details(form, case.details, signals, now)
            description = clean_text(form.description)
            changes = describe_complaint_changes(case.details, details, case.flagged, form.nature)
            policy = AftersalesPolicy.from_settings(ShopRepository(s).settings(self.shop_id))
            updated = repo.update(
                case_id,
                now,
                subtype=details.type.value,
                order_no=order.order_no if order else "",
                summary=summary_line(description),
                description=description,
                amount_cents=form.demand_cents,
                details=details,
                flagged=form.nature is ComplaintNature.MALICIOUS,
                risk_score=signals.score,
                due_at=case_due_at(CaseKind.COMPLAINT, case.state, details, case.created_at, policy),
            )
            self.db.notify(s, Topic.CASES, case_id)
            repo.add_event(case_id, now, EventAction.UPDATED, changes or "更新了投诉记录", actor)
            return updated

    def open_dispute(self, form: DisputeForm, actor: str) -> Case:
        now = self.clock()
        with self.db.session() as s:
            order = OrderRepository(s).by_number(form.order_no.strip()) if form.order_no.strip() else None
            raise_if(validate_dispute(form, order))
            assert form.cause is not None and order is not None
            deadlines = form.deadlines or default_deadlines(form.platform, now)
            details = DisputeDetails(
                cause=form.cause,
                asked=clean_text(form.asked),
                asked_cents=form.asked_cents,
                agreed=clean_text(form.agreed),
                agreed_cents=form.agreed_cents,
                platform=form.platform,
                appeal=form.appeal,
                deadlines=tuple(replace(d, label=d.label.strip()) for d in deadlines),
            )
            state = CaseState.PLATFORM if form.platform is PlatformState.INTERVENED else INITIAL_STATE[CaseKind.DISPUTE]
            description = clean_text(form.description)
            repo = AftersalesRepository(s)
            nxt = details.next_deadline()
            case = repo.add(
                self.shop_id,
                kind=CaseKind.DISPUTE,
                subtype=form.cause.value,
                state=state,
                customer_id=form.customer_id,
                order_no=order.order_no,
                conversation_id=form.conversation_id,
                summary=summary_line(description),
                description=description,
                amount_cents=form.asked_cents,
                details=details,
                at=now,
                actor=actor,
                due_at=nxt.due_at if nxt else None,
            )
            self.db.notify(s, Topic.CASES, case.id)
            repo.add_event(case.id, now, EventAction.CREATED, description, actor, to_state=state)
            return case

    def update_dispute(self, case_id: int, form: DisputeForm, actor: str) -> Case:
        now = self.clock()
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._case(repo, case_id, CaseKind.DISPUTE)
            form = replace(form, customer_id=case.customer_id)
            order = OrderRepository(s).by_number(form.order_no.strip()) if form.order_no.strip() else None
            raise_if(validate_dispute(form, order))
            assert form.cause is not None and order is not None and isinstance(case.details, DisputeDetails)
            details = DisputeDetails(
                cause=form.cause,
                asked=clean_text(form.asked),
                asked_cents=form.asked_cents,
                agreed=clean_text(form.agreed),
                agreed_cents=form.agreed_cents,
                platform=form.platform,
                appeal=form.appeal,
                deadlines=tuple(replace(d, label=d.label.strip()) for d in form.deadlines),
            )
            description = clean_text(form.description)
            nxt = details.next_deadline()
            updated = repo.update(
                case_id,
                now,
                subtype=form.cause.value,
                order_no=order.order_no,
                summary=summary_line(description),
                description=description,
                amount_cents=form.asked_cents,
                details=details,
                due_at=None if case.state in FINAL_STATES else (nxt.due_at if nxt else None),
            )
            self.db.notify(s, Topic.CASES, case_id)
            repo.add_event(case_id, now, EventAction.UPDATED, describe_dispute_changes(case.details, details), actor)
            return updated

    # -- moving cases on ------------------------------------------------------------------------

    def _case(self, repo: AftersalesRepository, case_id: int, kind: CaseKind | None = None) -> Case:
        case = repo.get(case_id)
        if case is None:
            raise DomainError("case.missing")
        if kind is not None and case.kind is not kind:
            raise DomainError("case.wrong_kind", kind=case.kind.value)
        return case

    def transition(self, case_id: int, to: CaseState, data: TransitionInput, actor: str) -> Case:
        """Move a case on, if its workflow allows it; the reason goes into the timeline."""
        now = self.clock()
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._case(repo, case_id)
            order = OrderRepository(s).by_number(case.order_no) if case.order_no else None
            limit = order.total_cents if order is not None else None
            clean = check_transition(case.kind, case.subtype, case.state, to, data, amount_limit_cents=limit)
            if to is CaseState.APPEALING and case.kind in (CaseKind.COMPLAINT, CaseKind.REVIEW) and not case.flagged:
                raise DomainError("case.appeal_needs_flag", field="reason")
            if to is CaseState.REPLIED:
                raise DomainError("review.reply_required", field="reply")
            details = apply_transition(case, to, clean, now)
            policy = AftersalesPolicy.from_settings(ShopRepository(s).settings(self.shop_id))
            changes: dict[str, Any] = {"state": to, "details": details}
            changes["due_at"] = case_due_at(case.kind, to, details, case.created_at, policy)
            if to is CaseState.REFUNDED and clean.amount_cents is not None:
                changes["amount_cents"] = case.amount_cents or clean.amount_cents
            updated = repo.update(case_id, now, **changes)
            self.db.notify(s, Topic.CASES, case_id)
            repo.add_event(
                case_id,
                now,
                EventAction.TRANSITION,
                transition_text(clean, to),
                actor,
                from_state=case.state,
                to_state=to,
            )
            return updated

    def set_flag(self, case_id: int, flagged: bool, note: str, actor: str) -> Case:
        """The agent's own judgement: 疑似恶意投诉 / 疑似职业差评师 (or taking it back)."""
        now = self.clock()
        note = clean_text(note)
        if flagged and not note:
            raise DomainError("case.flag_reason_required", field="reason")
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._case(repo, case_id)
            changes: dict[str, Any] = {"flagged": flagged}
            if isinstance(case.details, ComplaintDetails):
                changes["details"] = replace(
                    case.details, nature=ComplaintNature.MALICIOUS if flagged else ComplaintNature.NORMAL
                )
            updated = repo.update(case_id, now, **changes)
            text = ("客服标记为疑似恶意：" if flagged else "客服取消了疑似恶意标记：") + (note or "—")
            self.db.notify(s, Topic.CASES, case_id)
            repo.add_event(case_id, now, EventAction.NOTE, text, actor)
            return updated

    def add_note(self, case_id: int, text: str, actor: str) -> CaseEvent:
        text = clean_text(text)
        if not text:
            raise DomainError("note.empty", field="note")
        if len(text) > MAX_NOTE_LENGTH:
            raise DomainError("note.too_long", field="note", limit=MAX_NOTE_LENGTH)
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            self._case(repo, case_id)
            repo.update(case_id, self.clock())
            self.db.notify(s, Topic.CASES, case_id)
            return repo.add_event(case_id, self.clock(), EventAction.NOTE, text, actor)

    def record_message(self, case_id: int, text: str, actor: str) -> CaseEvent:
        """Note in the timeline that `text` was sent to the customer."""
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            self._case(repo, case_id)
            self.db.notify(s, Topic.CASES, case_id)
            return repo.add_event(case_id, self.clock(), EventAction.MESSAGE, text, actor)

    # -- reading --------------------------------------------------------------------------------

    def get(self, case_id: int) -> Case | None:
        with self.db.session() as s:
            return AftersalesRepository(s).get(case_id)

    def case_file(self, case_id: int) -> CaseFile:
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._case(repo, case_id)
            order = OrderRepository(s).by_number(case.order_no) if case.order_no else None
            customer = CustomerRepository(s).get(case.customer_id)
            return CaseFile(
                case=case,
                events=tuple(repo.events(case_id)),
                evidence=tuple(repo.evidence(case_id)),
                order=order,
                customer=customer,
                open_conversation_id=self._open_conversation(s, case),
            )

    def _open_conversation(self, s: Any, case: Case) -> int | None:
        convs = ConversationRepository(s)
        if case.conversation_id is not None:
            conv = convs.get(case.conversation_id)
            if conv is not None and conv.state is not ConversationState.ENDED:
                return conv.id
        current = convs.open_for_customer(case.customer_id)
        return current.id if current is not None else None

    def search(self, f: CaseFilter, *, limit: int = PAGE_SIZE, offset: int = 0) -> CasePage:
        f = replace(f, query=clean_search(f.query))
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            return CasePage(
                tuple(repo.search(self.shop_id, f, limit=limit, offset=offset)), repo.count(self.shop_id, f), offset
            )

    def of_customer(self, customer_id: int) -> list[Case]:
        with self.db.session() as s:
            return AftersalesRepository(s).of_customer(customer_id)

    def counts(self) -> dict[str, dict[str, int]]:
        """Cases by kind and state: ``{"return": {"requested": 2, …}, …, "review": {…}}``."""
        with self.db.session() as s:
            raw = AftersalesRepository(s).counts(self.shop_id)
        out: dict[str, dict[str, int]] = {k.value: {} for k in CaseKind}
        for (kind, state), n in sorted(raw.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value)):
            out[kind.value][state.value] = n
        return out

    def reminders(self, window: timedelta = REMINDER_WINDOW) -> list[Reminder]:
        """Deadlines and follow-ups due within `window` or overdue, earliest first."""
        now = self.clock()
        with self.db.session() as s:
            due = AftersalesRepository(s).due(self.shop_id, now + window)
        out = []
        for case in due:
            overdue = reminder_for(case.due_at, now, window)
            if overdue is None or case.due_at is None:
                continue
            out.append(Reminder(case.id, case.case_no, due_label(case), case.due_at, overdue))
        return out

    def conversation_messages(self, conversation_id: int, limit: int = 500) -> list[Message]:
        with self.db.session() as s:
            return ConversationRepository(s).messages(conversation_id, limit=limit)

    def customer_conversations(self, customer_id: int) -> list[int]:
        """The customer's conversations, newest first (to pick chat messages as evidence)."""
        with self.db.session() as s:
            return AftersalesRepository(s).conversation_ids(customer_id)[:20]

    # -- evidence -------------------------------------------------------------------------------

    def _require_store(self) -> EvidenceStore:
        if self.store is None:
            raise DomainError("evidence.no_storage")
        return self.store

    def attach_file(self, case_id: int, path: Path, actor: str, title: str = "") -> Evidence:
        """Copy a file into managed storage (by content hash) and attach it; once per case."""
        return self.attach_files(case_id, [path], actor, title)[0]

    def attach_files(self, case_id: int, paths: Sequence[Path], actor: str, title: str = "") -> list[Evidence]:
        """Attach several files in one go: every file is read and stored first, so one that cannot be
        read leaves the case as it was instead of half of the files attached."""
        store = self._require_store()
        stored_files = [store.put(path) for path in paths]
        now = self.clock()
        attached: list[Evidence] = []
        added = False
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            self._case(repo, case_id)
            for stored in stored_files:
                kind = EvidenceKind.IMAGE if stored.mime.startswith("image/") else EvidenceKind.FILE
                existing = repo.find_evidence(case_id, kind, sha256=stored.sha256)
                if existing is not None:
                    attached.append(existing)
                    continue
                evidence = repo.add_evidence(
                    case_id, kind, title or stored.file_name, now, actor, sha256=stored.sha256,
                    file_name=stored.file_name, size=stored.size, mime=stored.mime,
                )  # fmt: skip
                self.db.notify(s, Topic.CASES, case_id)
                repo.add_event(case_id, now, EventAction.EVIDENCE, f"添加附件：{stored.file_name}", actor)
                attached.append(evidence)
                added = True
            if added:
                repo.update(case_id, now)
        return attached

    def attach_messages(self, case_id: int, message_ids: Sequence[int], actor: str) -> list[Evidence]:
        """Chat messages as evidence (a copy of the text, with sender and time)."""
        now = self.clock()
        added = []
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._case(repo, case_id)
            wanted = set(message_ids)
            for conv_id in repo.conversation_ids(case.customer_id):
                messages: Sequence[Message] = ConversationRepository(s).messages(conv_id, limit=10_000)
                for message in messages:
                    if message.id not in wanted:
                        continue
                    if repo.find_evidence(case_id, EvidenceKind.MESSAGE, source_id=message.id) is not None:
                        continue
                    who = SENDER_NAMES.get(message.sender.value, "") or case.customer_nick
                    added.append(
                        repo.add_evidence(
                            case_id,
                            EvidenceKind.MESSAGE,
                            f"{message.created_at:%Y-%m-%d %H:%M:%S} {who}",
                            now,
                            actor,
                            text=message.text,
                            source_id=message.id,
                        )
                    )
            if added:
                self.db.notify(s, Topic.CASES, case_id)
                repo.add_event(case_id, now, EventAction.EVIDENCE, f"添加聊天记录 {len(added)} 条", actor)
                repo.update(case_id, now)
        return added

    def attach_order(self, case_id: int, actor: str, *, logistics: bool = False) -> Evidence:
        """A snapshot of the linked order (or its logistics trace) as it is now."""
        now = self.clock()
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._case(repo, case_id)
            order = OrderRepository(s).by_number(case.order_no) if case.order_no else None
            if order is None:
                raise DomainError("case.no_order")
            if logistics:
                lines = [logistics_text(order)] + [f"{e.at:%Y-%m-%d %H:%M} {e.description}" for e in order.logistics]
                kind, title = EvidenceKind.LOGISTICS, f"物流轨迹 {order.carrier} {order.tracking_no}".strip()
            else:
                lines = [order_card_text(order), f"下单时间：{order.created_at:%Y-%m-%d %H:%M}"]
                for label, at in (("付款", order.paid_at), ("发货", order.shipped_at), ("签收", order.signed_at)):
                    if at is not None:
                        lines.append(f"{label}时间：{at:%Y-%m-%d %H:%M}")
                kind, title = EvidenceKind.ORDER, f"订单快照 {order.order_no}"
            evidence = repo.add_evidence(case_id, kind, title, now, actor, text="\n".join(lines))
            self.db.notify(s, Topic.CASES, case_id)
            repo.add_event(case_id, now, EventAction.EVIDENCE, f"添加{title}", actor)
            repo.update(case_id, now)
            return evidence

    def attach_note(self, case_id: int, title: str, text: str, actor: str) -> Evidence:
        """A written statement as evidence (情况说明)."""
        text = clean_text(text)
        if not text:
            raise DomainError("note.empty", field="note")
        now = self.clock()
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            self._case(repo, case_id)
            evidence = repo.add_evidence(
                case_id,
                EvidenceKind.NOTE,
                clean_typed_text(title, multiline=False, field="title") or "情况说明",
                now,
                actor,
                text=text,
            )
            self.db.notify(s, Topic.CASES, case_id)
            repo.add_event(case_id, now, EventAction.EVIDENCE, f"添加{evidence.title}", actor)
            return evidence

    def remove_evidence(self, case_id: int, evidence_id: int, actor: str) -> None:
        now = self.clock()
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            self._case(repo, case_id)
            gone = repo.remove_evidence(evidence_id)
            if gone is None or gone.case_id != case_id:
                raise DomainError("evidence.missing")
            self.db.notify(s, Topic.CASES, case_id)
            repo.add_event(case_id, now, EventAction.EVIDENCE, f"移除证据：{gone.title}", actor)
            users = repo.files_in_use(gone.sha256) if gone.sha256 else 1
        if gone.sha256 and self.store is not None:
            self.store.remove_if_unused(gone.sha256, users)

    def evidence_path(self, evidence: Evidence) -> Path | None:
        if not evidence.sha256 or self.store is None:
            return None
        return self.store.path_of(evidence.sha256)

    def packet(
        self, case_id: int, shop_name: str = "", actor: str = "", risk: RiskAssessment | None = None
    ) -> EvidencePacket:
        """Everything for a platform appeal about one case."""
        file = self.case_file(case_id)
        details = file.case.details
        if risk is None and isinstance(details, ComplaintDetails | ReviewDetails) and details.signals:
            risk = RiskAssessment(details.signals)
        files = tuple(
            (e.sha256, path) for e in file.evidence if e.sha256 and (path := self.evidence_path(e)) is not None
        )
        with self.db.session() as s:
            if not shop_name:
                shop = ShopRepository(s).first()
                shop_name = shop.name if shop else ""
        return EvidencePacket(
            shop_name=shop_name,
            generated_at=self.clock(),
            case=file.case,
            customer=file.customer,
            order=file.order,
            events=file.events,
            evidence=file.evidence,
            risk=risk,
            files=files,
            generated_by=actor,
        )

    # -- drafts ---------------------------------------------------------------------------------

    def save_draft(self, key: str, payload: Mapping[str, Any]) -> Draft:
        """Keep a form's fields as typed (committed at once: a kill loses nothing saved)."""
        with self.db.session() as s:
            return AftersalesRepository(s).save_draft(self.shop_id, key, payload, self.clock())

    def draft(self, key: str) -> Draft | None:
        with self.db.session() as s:
            return AftersalesRepository(s).draft(self.shop_id, key)

    def drafts(self, prefix: str = "") -> list[Draft]:
        with self.db.session() as s:
            return AftersalesRepository(s).drafts(self.shop_id, prefix)

    def discard_draft(self, key: str) -> None:
        with self.db.session() as s:
            AftersalesRepository(s).delete_draft(self.shop_id, key)

    # -- texts for the customer -----------------------------------------------------------------

    def return_instructions(self, case_id: int) -> str:
        """Where and how to send the goods back, and who pays (from the case's policy verdict)."""
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._case(repo, case_id)
            policy = AftersalesPolicy.from_settings(ShopRepository(s).settings(self.shop_id))
        return return_instructions_text(case, policy)

    def send_offline(self, case_id: int, text: str, actor: str, agent_id: int | None = None) -> int:
        """发送寄回地址 / 处理进度 while the buyer has no chat open: the text goes into the case's chat (else
        the buyer's latest; a new, closed one if they never wrote) as the agent's 离线消息, which the buyer
        reads when back, and into the case's timeline. Returns the chat's id."""
        text = validate_message_text(text)
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            case = self._case(repo, case_id)
            convs = ConversationRepository(s)
            now = self.clock()
            conv = convs.get(case.conversation_id) if case.conversation_id is not None else None
            conv = conv or convs.latest_for_customer(case.customer_id)
            if conv is None:
                created = convs.create(self.shop_id, case.customer_id, now)
                convs.set_state(created.id, ConversationState.ENDED, now, reason=OFFLINE_REASON)
                conv = convs.get(created.id)
                assert conv is not None
            convs.add_message(conv.id, Sender.AGENT, text, now, agent_id)
            if conv.state is ConversationState.ENDED:
                convs.add_message(conv.id, Sender.SYSTEM, OFFLINE_NOTE, now)
            repo.add_event(case_id, now, EventAction.MESSAGE, text, actor)
            self.db.notify(s, Topic.CASES, case_id)
            self.db.notify(s, Topic.CONVERSATIONS, conv.id)
            return conv.id

    def progress_text(self, case_id: int) -> str:
        with self.db.session() as s:
            case = self._case(AftersalesRepository(s), case_id)
        return progress_text(case)


def form_errors(exc: BaseException) -> tuple[FieldError, ...]:
    return exc.errors if isinstance(exc, FormInvalid) else ()


__all__ = [
    "AftersalesService",
    "CaseFile",
    "CaseFilter",
    "CasePage",
    "Deadline",
    "PolicyCheck",
    "form_errors",
]
