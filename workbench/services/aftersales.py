"""The after-sales desk: open and move cases on, complaints, disputes, evidence, drafts and reports.

Every method is one unit of work on the database (call it from a worker, never the UI thread).
Forms are validated here too (the UI checks the same rules as the agent types): a bad form raises
``FormInvalid`` with every problem and its field; a bad transition raises ``DomainError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from workbench.domain.aftersales import (
    FINAL_STATES,
    INITIAL_STATE,
    SERVICE_KINDS,
    AftersalesPolicy,
    AppealRecord,
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
    HandlingStep,
    HandlingStepKind,
    Payer,
    PlatformState,
    PolicyVerdict,
    RefundType,
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
from workbench.domain.conversations import ConversationState, Message
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, format_yuan
from workbench.services.clock import Clock, system_clock
from workbench.services.evidence import EvidencePacket, EvidenceStore
from workbench.services.orders import logistics_text, order_card_text
from workbench.storage.db import Database
from workbench.storage.repositories.aftersales import AftersalesRepository, CaseFilter
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository

PAGE_SIZE = 200
REMINDER_WINDOW = timedelta(hours=24)
REVIEW_FOLLOW_UP = timedelta(days=3)
MAX_NOTE_LENGTH = 1000

# How cases are named in messages to customers (customers read Chinese whatever the UI language).
KIND_NAMES: dict[CaseKind, str] = {
    CaseKind.RETURN: "退货",
    CaseKind.EXCHANGE: "换货",
    CaseKind.REFUND: "退款",
    CaseKind.REPAIR: "维修",
    CaseKind.COMPLAINT: "投诉",
    CaseKind.DISPUTE: "纠纷",
    CaseKind.REVIEW: "评价",
}
STATE_NAMES: dict[CaseState, str] = {
    CaseState.REQUESTED: "已提交申请，等待审核",
    CaseState.REVIEWING: "正在审核",
    CaseState.QUOTED: "等待您确认维修费用",
    CaseState.AWAITING_RETURN: "审核通过，等待您寄回商品",
    CaseState.RETURN_SHIPPED: "您已寄回，等待仓库签收",
    CaseState.RECEIVED: "仓库已收到退回的商品，正在处理",
    CaseState.REFUNDED: "已退款",
    CaseState.REPLACEMENT_SHIPPED: "新商品已发出",
    CaseState.REPAIRING: "正在维修",
    CaseState.REPAIRED_SHIPPED: "已修好寄回",
    CaseState.OPEN: "已登记，马上为您处理",
    CaseState.HANDLING: "正在处理",
    CaseState.RESOLVED: "已给出解决方案",
    CaseState.APPEALING: "平台处理中",
    CaseState.NEGOTIATING: "协商中",
    CaseState.PLATFORM: "平台已介入",
    CaseState.EVIDENCE_SUBMITTED: "已提交凭证，等待平台处理",
    CaseState.AGREED: "已达成一致",
    CaseState.RULED: "平台已判定",
    CaseState.PENDING: "待处理",
    CaseState.REPLIED: "已回复",
    CaseState.CONTACTED: "已联系",
    CaseState.FOLLOWED_UP: "已回访",
    CaseState.APPEAL_UPHELD: "已处理",
    CaseState.APPEAL_REJECTED: "已处理",
    CaseState.COMPLETED: "已完成",
    CaseState.REJECTED: "未通过",
    CaseState.CANCELLED: "已撤销",
}
SENDER_NAMES = {"agent": "客服", "bot": "机器人", "system": "系统"}
PAYER_PHRASES: dict[Payer, str] = {
    Payer.BUYER: "由买家承担",
    Payer.SELLER: "由店铺承担（寄出时先垫付，把运费凭证发给客服，我们会补给您）",
    Payer.NEGOTIATE: "由双方协商确定",
    Payer.NONE: "不涉及",
}


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


def _money(cents: int) -> str:
    return format_yuan(cents)


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
            changes = _describe_complaint_changes(case.details, details, case.flagged, form.nature)
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
            repo.add_event(case_id, now, EventAction.UPDATED, _describe_dispute_changes(case.details, details), actor)
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
            return repo.add_event(case_id, self.clock(), EventAction.NOTE, text, actor)

    def record_message(self, case_id: int, text: str, actor: str) -> CaseEvent:
        """Note in the timeline that `text` was sent to the customer."""
        with self.db.session() as s:
            repo = AftersalesRepository(s)
            self._case(repo, case_id)
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
            out.append(Reminder(case.id, case.case_no, _due_label(case), case.due_at, overdue))
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
            evidence = repo.add_evidence(case_id, EvidenceKind.NOTE, title.strip() or "情况说明", now, actor, text=text)
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

    def progress_text(self, case_id: int) -> str:
        with self.db.session() as s:
            case = self._case(AftersalesRepository(s), case_id)
        return progress_text(case)


# ------------------------------------------------------------------------------ helpers (pure)


def case_due_at(
    kind: CaseKind, state: CaseState, details: Any, created: datetime, policy: AftersalesPolicy
) -> datetime | None:
    """The next date the shop must act by: the review time limit of a request, a complaint's or a
    review's follow-up, a dispute's nearest open deadline; None once the case is closed."""
    if state in FINAL_STATES:
        return None
    if kind in SERVICE_KINDS:
        if state in (CaseState.REQUESTED, CaseState.REVIEWING):
            return created + timedelta(hours=policy.refund_review_hours)
        return None
    if isinstance(details, ComplaintDetails):
        follow = details.step(HandlingStepKind.FOLLOW_UP)
        return None if follow.done else details.follow_up_at
    if isinstance(details, DisputeDetails):
        nxt = details.next_deadline()
        return nxt.due_at if nxt else None
    if isinstance(details, ReviewDetails):
        return details.follow_up_at if state is CaseState.RESOLVED else None
    return None


def apply_transition(case: Case, to: CaseState, data: TransitionInput, now: datetime) -> Any:
    """The case's details after moving to `to`."""
    d = case.details
    if isinstance(d, ServiceDetails):
        if to is CaseState.RETURN_SHIPPED:
            return replace(d, return_carrier=data.carrier, return_tracking_no=data.tracking_no)
        if to in (CaseState.REPLACEMENT_SHIPPED, CaseState.REPAIRED_SHIPPED):
            return replace(d, outbound_carrier=data.carrier, outbound_tracking_no=data.tracking_no)
        if to is CaseState.REFUNDED:
            return replace(d, refunded_cents=data.amount_cents or 0)
        if to is CaseState.QUOTED:
            return replace(d, repair_fee_cents=data.amount_cents or 0)
        return d
    if isinstance(d, ComplaintDetails):
        if to is CaseState.HANDLING and not d.step(HandlingStepKind.LISTEN).done:
            return replace(d, steps=_tick(d.steps, HandlingStepKind.LISTEN, "", now))
        if to is CaseState.RESOLVED:
            return replace(d, steps=_tick(d.steps, HandlingStepKind.SOLUTION, data.reason, now))
        if to is CaseState.APPEALING:
            return replace(d, appeal=_submitted(d.appeal, data.reason, now))
        if to is CaseState.COMPLETED and d.follow_up_at is not None:
            return replace(d, steps=_tick(d.steps, HandlingStepKind.FOLLOW_UP, "", now))
        return d
    if isinstance(d, DisputeDetails):
        deadlines = d.deadlines
        if to is CaseState.PLATFORM:
            if not any(not x.done for x in deadlines):
                deadlines = (*deadlines, *default_deadlines(PlatformState.INTERVENED, now))
            return replace(d, platform=PlatformState.INTERVENED, deadlines=deadlines)
        if to is CaseState.EVIDENCE_SUBMITTED:
            return replace(
                d,
                platform=PlatformState.EVIDENCE_SUBMITTED,
                deadlines=tuple(replace(x, done=True) if "举证" in x.label else x for x in deadlines),
            )
        if to in (CaseState.AGREED, CaseState.RULED):
            return replace(d, agreed=data.reason, deadlines=deadlines)
        if to is CaseState.APPEALING:
            return replace(d, appeal=_submitted(d.appeal, data.reason, now))
        if to in FINAL_STATES:
            return replace(d, deadlines=tuple(replace(x, done=True) for x in deadlines))
        return d
    if isinstance(d, ReviewDetails):
        if to is CaseState.RESOLVED:
            return replace(d, follow_up_at=now + REVIEW_FOLLOW_UP)
        if to is CaseState.APPEALING:
            return replace(d, appeal=_submitted(d.appeal, data.reason, now))
        if to is CaseState.APPEAL_UPHELD:
            return replace(d, appeal=replace(d.appeal, state=AppealState.UPHELD))
        if to is CaseState.APPEAL_REJECTED:
            return replace(d, appeal=replace(d.appeal, state=AppealState.REJECTED))
        return d
    return d  # pragma: no cover - every kind has details


def _tick(steps: Iterable[HandlingStep], kind: HandlingStepKind, note: str, now: datetime) -> tuple[HandlingStep, ...]:
    by_kind = {s.step: s for s in steps}
    old = by_kind.get(kind, HandlingStep(kind))
    by_kind[kind] = HandlingStep(kind, True, note or old.note, old.at or now)
    return tuple(by_kind.get(k, HandlingStep(k)) for k in HandlingStepKind)


def _submitted(appeal: AppealRecord, reason: str, now: datetime) -> AppealRecord:
    return replace(
        appeal, state=AppealState.SUBMITTED, submitted_at=appeal.submitted_at or now, note=appeal.note or reason
    )


FOLLOW_UP_LABEL = "回访"
REVIEW_DEADLINE_LABEL = "审核时限"
"""The labels of the reminders the service names itself (the UI translates them); a dispute's
reminders carry the label of its deadline instead."""


def _due_label(case: Case) -> str:
    d = case.details
    if isinstance(d, DisputeDetails) and (nxt := d.next_deadline()) is not None:
        return nxt.label
    if isinstance(d, ComplaintDetails | ReviewDetails):
        return FOLLOW_UP_LABEL
    return REVIEW_DEADLINE_LABEL


def transition_text(data: TransitionInput, to: CaseState) -> str:
    parts = []
    if data.reason:
        parts.append(data.reason)
    if data.tracking_no:
        parts.append(f"运单号 {data.carrier} {data.tracking_no}".replace("  ", " "))
    if data.amount_cents:
        parts.append(("维修费用 " if to is CaseState.QUOTED else "金额 ") + _money(data.amount_cents))
    return "；".join(parts)


FINDING_SUMMARY = {
    "order_state": "订单状态：{state}",
    "not_shipped_yet": "订单还没发货，不需要寄回：建议改为仅退款",
    "not_signed_yet": "包裹还没签收：签收后才能寄回",
    "refund_only_needs_return": "已签收的商品需要寄回：建议改为退货退款",
    "signed_but_not_received": "物流显示 {signed} 已签收，请先核实签收情况",
    "already_shipped": "订单已发货：可拦截快递或拒收",
    "refund_before_shipping": "未发货订单可直接退款",
    "no_reason_excluded": "{categories}不支持七天无理由",
    "no_reason_window": "签收第 {days} 天（七天无理由期限 {limit} 天）",
    "goods_intact": "商品完好，吊牌在",
    "goods_not_intact": "商品已洗涤、穿着或吊牌已拆，不符合七天无理由",
    "seller_fault": "商品问题由店铺负责",
    "self_repaired": "买家未联系店铺自行维修：费用协商确定",
    "human_damage": "人为损坏：维修费用由买家承担",
    "in_warranty": "签收第 {days} 天，在 {limit} 天质保期内：维修免费",
    "out_of_warranty": "签收第 {days} 天，已过 {limit} 天质保期：维修费用由买家承担",
    "shipping_payer": "寄回运费：{payer}",
    "freight_insurance": "订单有运费险，可申请理赔",
    "amount_over_paid": "退款金额超过实付 {limit}",
    "amount_within_paid": "退款金额不超过实付 {limit}",
    "open_case_exists": "该订单已有 {count} 个未完结的售后单",
}
PAYER_SHORT = {Payer.BUYER: "买家承担", Payer.SELLER: "店铺承担", Payer.NEGOTIATE: "协商", Payer.NONE: "不涉及"}


def policy_summary(verdict: PolicyVerdict) -> str:
    """The verdict in one paragraph for the timeline (Chinese, like the rest of the case record)."""
    lines = []
    for f in verdict.findings:
        params = dict(f.params)
        if "payer" in params:
            params["payer"] = PAYER_SHORT[Payer(params["payer"])]
        if "limit" in params and f.code.startswith("amount"):
            params["limit"] = _money(int(params["limit"]))
        mark = {"ok": "✓", "info": "·", "warn": "!", "fail": "✗"}[f.level.value]
        lines.append(mark + " " + FINDING_SUMMARY.get(f.code, f.code).format(**params))
    head = "政策检查：符合" if verdict.eligible else "政策检查：不符合（客服可说明理由后仍受理）"
    return "\n".join([head, *lines])


def signals_summary(risk: RiskAssessment) -> str:
    hits = [s.code for s in risk.hits]
    return f"程序检查恶意投诉信号：{risk.score} 分（仅供参考）" + (f"；命中 {', '.join(hits)}" if hits else "；未发现")


def _describe_complaint_changes(
    old: ComplaintDetails, new: ComplaintDetails, was_flagged: bool, nature: ComplaintNature
) -> str:
    notes = []
    names = {"listen": "倾听", "apologise": "致歉", "solution": "方案", "compensation": "补偿", "follow_up": "跟进"}
    for step in new.steps:
        if step.done and not old.step(step.step).done:
            notes.append(f"完成「{names[step.step.value]}」" + (f"：{step.note}" if step.note else ""))
    if (new.compensation, new.compensation_cents) != (old.compensation, old.compensation_cents):
        notes.append(f"补偿：{new.compensation.value} {_money(new.compensation_cents)}")
    if new.follow_up_at != old.follow_up_at and new.follow_up_at is not None:
        notes.append(f"回访时间：{new.follow_up_at:%Y-%m-%d %H:%M}")
    if (nature is ComplaintNature.MALICIOUS) != was_flagged:
        notes.append("客服判定：疑似恶意投诉" if nature is ComplaintNature.MALICIOUS else "客服判定：正常投诉")
    if new.appeal != old.appeal and new.appeal.state is not AppealState.NONE:
        notes.append(f"平台申诉：{new.appeal.state.value} {new.appeal.reference}".strip())
    return "；".join(notes)


def _describe_dispute_changes(old: DisputeDetails, new: DisputeDetails) -> str:
    notes = []
    if new.platform is not old.platform:
        notes.append(f"平台状态：{new.platform.value}")
    if new.agreed and new.agreed != old.agreed:
        notes.append(f"约定/判定结果：{new.agreed}")
    if new.deadlines != old.deadlines:
        notes.append(f"时限 {len([d for d in new.deadlines if not d.done])} 个未完成")
    if new.appeal != old.appeal and new.appeal.state is not AppealState.NONE:
        notes.append(f"申诉：{new.appeal.state.value} {new.appeal.reference}".strip())
    return "；".join(notes) or "更新了纠纷记录"


def return_instructions_text(case: Case, policy: AftersalesPolicy) -> str:
    """The message with the return address and what to do (sent into the chat from the case file)."""
    d = case.details
    kind_name = KIND_NAMES[case.kind]
    if isinstance(d, ServiceDetails) and d.refund_type is RefundType.RETURN_REFUND:
        kind_name = "退货退款"
    lines = [f"亲，您的{kind_name}申请（售后单 {case.case_no}）已审核通过，麻烦按下面的方式寄回哦："]
    lines.append(f"寄回地址：{policy.return_address or '请向客服索取'}")
    lines.append("注意事项：")
    lines.append(f"1. 包裹里放一张纸条，写上您的旺旺名、售后单号和订单 {case.order_no}；")
    if case.kind is CaseKind.REPAIR:
        lines.append("2. 请写明故障情况，配件（如腰带、帽子）请一起寄回；")
    else:
        lines.append("2. 吊牌请保留，商品保持完好、干净，不影响二次销售；")
    lines.append("3. 请勿寄到付件；寄出后把快递公司和运单号发给我们，方便及时跟进。")
    payer = PAYER_PHRASES[Payer.NONE]
    if isinstance(d, ServiceDetails):
        payer = PAYER_PHRASES[d.policy.shipping_payer]
        if d.policy.shipping_payer is Payer.BUYER and policy.freight_insurance and case.kind is not CaseKind.REPAIR:
            payer += "；订单有运费险，寄出后可申请理赔"
    lines.append(f"寄回运费：{payer}。")
    if isinstance(d, ServiceDetails):
        if case.kind is CaseKind.EXCHANGE:
            wish = f"（{d.exchange_wish}）" if d.exchange_wish else ""
            lines.append(f"仓库收到退回件后 24 小时内为您发出新商品{wish}，发货后会第一时间告诉您运单号。")
        elif case.kind is CaseKind.REPAIR:
            fee = d.repair_fee_cents
            pay = d.policy.repair_payer
            if pay is Payer.SELLER:
                lines.append("在质保期内，维修费用由店铺承担，修好后包邮寄回给您。")
            elif fee:
                lines.append(f"维修费用 {_money(fee)}，修好后寄回给您。")
            else:
                lines.append("维修费用收到商品检测后再和您确认，确认前不会产生费用。")
        else:
            lines.append(f"仓库收到退回件后 {policy.refund_review_hours} 小时内为您办理退款。")
    return "\n".join(lines)


def progress_text(case: Case) -> str:
    """The case's progress in a sentence for the customer."""
    text = f"亲，您的{KIND_NAMES[case.kind]}（单号 {case.case_no}）目前进度：{STATE_NAMES[case.state]}。"
    d = case.details
    if isinstance(d, ServiceDetails):
        if case.state is CaseState.REPLACEMENT_SHIPPED and d.outbound_tracking_no:
            text += f"新商品的运单号：{d.outbound_carrier} {d.outbound_tracking_no}。"
        elif case.state is CaseState.REPAIRED_SHIPPED and d.outbound_tracking_no:
            text += f"寄回的运单号：{d.outbound_carrier} {d.outbound_tracking_no}。"
        elif case.state is CaseState.REFUNDED and d.refunded_cents:
            text += f"退款 {_money(d.refunded_cents)} 已原路退回，请留意到账。"
        elif case.state is CaseState.QUOTED and d.repair_fee_cents:
            text += f"维修费用 {_money(d.repair_fee_cents)}，您确认后我们就安排。"
    if isinstance(d, ComplaintDetails) and d.follow_up_at is not None and case.state not in FINAL_STATES:
        text += f"我们会在 {d.follow_up_at:%m月%d日} 前再联系您确认结果。"
    return text + "有任何问题随时找我们哦～"


def case_report(url: str, *, as_json: bool) -> str:
    """Cases by kind and state in the shop at `url` (an empty database starts as the demo shop)."""
    import json

    from workbench.composition import open_workspace

    ws = open_workspace(url)
    try:
        counts = ws.aftersales.counts()
    finally:
        ws.close()
    if as_json:
        return json.dumps(counts, ensure_ascii=False)
    lines = []
    for kind, states in counts.items():
        total = sum(states.values())
        detail = ", ".join(f"{state} {n}" for state, n in states.items())
        lines.append(f"{kind:<10} {total:>4}  {detail}")
    return "\n".join(lines)


def form_errors(exc: BaseException) -> tuple[FieldError, ...]:
    return exc.errors if isinstance(exc, FormInvalid) else ()


__all__ = [
    "AftersalesService",
    "CaseFile",
    "CaseFilter",
    "CasePage",
    "Deadline",
    "PolicyCheck",
    "case_report",
    "form_errors",
    "policy_summary",
    "progress_text",
    "return_instructions_text",
]
