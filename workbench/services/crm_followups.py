"""Follow-up visits (回访) and care messages (关怀): templates, scheduling rules, the due list, sending a
care message into the customer's chat and recording the outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from workbench.domain.conversations import ConversationState, Sender, validate_message_text
from workbench.domain.crm import (
    MAX_CARE_RECIPIENTS,
    MAX_FOLLOWUP_NOTE,
    CareTemplate,
    FollowUp,
    FollowUpOutcome,
    FollowUpRule,
    FollowUpSource,
    FollowUpStatus,
    FollowUpView,
    Selection,
    clean_template,
    render_care,
)
from workbench.domain.errors import DomainError
from workbench.domain.text import clean_text
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.care_templates import CareTemplateRepository
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customer_list import CustomerListRepository
from workbench.storage.repositories.followup_rules import FollowUpRuleRepository
from workbench.storage.repositories.followups import FollowUpRepository

log = logging.getLogger(__name__)

CARE_END_REASON = "care"


@dataclass(frozen=True, slots=True)
class CareResult:
    """A batch of care messages: how many were sent, and the follow-up records that log them."""

    sent: int
    followup_ids: tuple[int, ...]


def post_care_message(s: Session, shop_id: int, customer_id: int, text: str, agent_id: int | None, at: datetime) -> int:
    """Put a care message into the customer's open chat, or into a new chat that is closed at once
    (it shows under 已结束 until the customer answers). Returns the conversation id."""
    conversations = ConversationRepository(s)
    conv = conversations.open_for_customer(customer_id)
    if conv is not None:
        conversations.add_message(conv.id, Sender.AGENT, text, at, agent_id)
        return conv.id
    conv = conversations.create(shop_id, customer_id, at)
    conversations.add_message(conv.id, Sender.AGENT, text, at, agent_id)
    conversations.set_state(conv.id, ConversationState.ENDED, at, agent_id=agent_id, reason=CARE_END_REASON)
    return conv.id


def schedule_by_rules(s: Session, shop_id: int, now: datetime) -> int:
    """Create the follow-ups every enabled rule calls for at ``now``, in the caller's session; returns how many."""
    rules = FollowUpRuleRepository(s)
    followups = FollowUpRepository(s)
    created = 0
    for rule in rules.rules(shop_id):
        if not rule.enabled:
            continue
        rows = [
            {
                "customer_id": customer_id,
                "order_id": order_id,
                "rule_id": rule.id,
                "template_id": rule.template_id,
                "source": FollowUpSource.RULE.value,
                "reason": rule.name,
                "due_at": due,
                "status": FollowUpStatus.PENDING.value,
                "message": "",
                "outcome": "",
                "outcome_note": "",
                "agent": "",
                "created_at": now,
            }
            for customer_id, order_id, due in rules.rule_candidates(shop_id, rule, now)
        ]
        created += followups.add_followups(shop_id, rows)
    return created


class FollowUpService:
    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock, shop_name: str = "") -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock
        self.shop_name = shop_name

    # -- templates ------------------------------------------------------------------------------

    def templates(self) -> list[CareTemplate]:
        with self.db.session() as s:
            return CareTemplateRepository(s).templates(self.shop_id)

    def save_template(self, template_id: int | None, name: str, text: str) -> CareTemplate:
        name, text = clean_template(name, text)
        with self.db.session() as s:
            self.db.notify(s, Topic.CUSTOMERS)
            return CareTemplateRepository(s).save_template(self.shop_id, template_id, name, text)

    def delete_template(self, template_id: int) -> None:
        with self.db.session() as s:
            CareTemplateRepository(s).delete_template(self.shop_id, template_id)
            self.db.notify(s, Topic.CUSTOMERS)

    # -- rules ------------------------------------------------------------------------------------

    def rules(self) -> list[FollowUpRule]:
        with self.db.session() as s:
            return FollowUpRuleRepository(s).rules(self.shop_id)

    def save_rule(self, rule: FollowUpRule) -> FollowUpRule:
        with self.db.session() as s:
            self.db.notify(s, Topic.CUSTOMERS)
            return FollowUpRuleRepository(s).save_rule(self.shop_id, rule)

    def delete_rule(self, rule_id: int) -> None:
        with self.db.session() as s:
            FollowUpRuleRepository(s).delete_rule(self.shop_id, rule_id)
            self.db.notify(s, Topic.CUSTOMERS)

    def run_rules(self) -> int:
        """Schedule what the enabled rules call for now (never twice for the same order / period)."""
        with self.db.session() as s:
            created = schedule_by_rules(s, self.shop_id, self.clock())
            if created:
                self.db.notify(s, Topic.CUSTOMERS)
        if created:
            log.info("follow-up rules scheduled %d visits", created)
        return created

    # -- the due list -----------------------------------------------------------------------------

    def count(self, view: FollowUpView) -> int:
        with self.db.session() as s:
            return FollowUpRepository(s).followup_count(self.shop_id, view, self.clock())

    def page(self, view: FollowUpView, offset: int, limit: int) -> list[FollowUp]:
        with self.db.session() as s:
            return FollowUpRepository(s).followups(self.shop_id, view, self.clock(), offset, limit)

    def get(self, followup_id: int) -> FollowUp:
        with self.db.session() as s:
            return FollowUpRepository(s).followup(self.shop_id, followup_id)

    def schedule(
        self,
        customer_id: int,
        due_at: datetime,
        reason: str,
        template_id: int | None = None,
        agent: str = "",
        order_id: int | None = None,
    ) -> FollowUp:
        """A follow-up planned by hand."""
        reason = " ".join(reason.split())[:100]
        with self.db.session() as s:
            templates = CareTemplateRepository(s)
            followups = FollowUpRepository(s)
            templates.care_values(customer_id, None)  # the customer must exist
            if template_id is not None:
                templates.template(self.shop_id, template_id)
            followup_id = followups.add_followup(
                self.shop_id,
                customer_id=customer_id,
                order_id=order_id,
                template_id=template_id,
                source=FollowUpSource.MANUAL.value,
                reason=reason,
                due_at=due_at,
                status=FollowUpStatus.PENDING.value,
                agent=agent,
                created_at=self.clock(),
            )
            self.db.notify(s, Topic.CUSTOMERS, customer_id)
            return followups.followup(self.shop_id, followup_id)

    def render(self, text: str, customer_id: int, order_id: int | None = None) -> str:
        """The care text with this customer's values (for a preview, or before sending)."""
        with self.db.session() as s:
            values = CareTemplateRepository(s).care_values(customer_id, order_id)
        values["店铺"] = self.shop_name
        return render_care(text, values)

    def draft(self, followup_id: int) -> str:
        """The follow-up's care message from its template ("" without one)."""
        with self.db.session() as s:
            templates = CareTemplateRepository(s)
            fu = FollowUpRepository(s).followup(self.shop_id, followup_id)
            if fu.template_id is None:
                return ""
            template = templates.template(self.shop_id, fu.template_id)
            values = templates.care_values(fu.customer_id, fu.order_id)
        values["店铺"] = self.shop_name
        return render_care(template.text, values)

    def send_care(self, followup_id: int, text: str, agent_id: int | None, agent_name: str) -> FollowUp:
        """Send the care message into the customer's chat; the follow-up waits for its outcome."""
        text = validate_message_text(text)
        now = self.clock()
        with self.db.session() as s:
            repo = FollowUpRepository(s)
            fu = repo.followup(self.shop_id, followup_id)
            if fu.status in (FollowUpStatus.DONE, FollowUpStatus.CANCELLED):
                raise DomainError("followup.closed")
            conv_id = post_care_message(s, self.shop_id, fu.customer_id, text, agent_id, now)
            self.db.notify(s, Topic.CONVERSATIONS, conv_id)
            self.db.notify(s, Topic.CUSTOMERS, fu.customer_id)
            return repo.update_followup(
                self.shop_id,
                followup_id,
                message=text,
                sent_at=now,
                status=FollowUpStatus.SENT.value,
                agent=agent_name,
            )

    def complete(self, followup_id: int, outcome: FollowUpOutcome, note: str, agent_name: str) -> FollowUp:
        note = clean_text(note, field="note")
        if len(note) > MAX_FOLLOWUP_NOTE:
            raise DomainError("followup.note_too_long", field="note", limit=MAX_FOLLOWUP_NOTE)
        with self.db.session() as s:
            repo = FollowUpRepository(s)
            fu = repo.followup(self.shop_id, followup_id)
            if fu.status is FollowUpStatus.CANCELLED:
                raise DomainError("followup.closed")
            self.db.notify(s, Topic.CUSTOMERS, fu.customer_id)
            return repo.update_followup(
                self.shop_id,
                followup_id,
                outcome=outcome.value,
                outcome_note=note,
                done_at=self.clock(),
                status=FollowUpStatus.DONE.value,
                agent=agent_name or fu.agent,
            )

    def cancel(self, followup_id: int) -> FollowUp:
        with self.db.session() as s:
            repo = FollowUpRepository(s)
            fu = repo.followup(self.shop_id, followup_id)
            if fu.status is FollowUpStatus.DONE:
                raise DomainError("followup.closed")
            self.db.notify(s, Topic.CUSTOMERS, fu.customer_id)
            return repo.update_followup(
                self.shop_id, followup_id, status=FollowUpStatus.CANCELLED.value, done_at=self.clock()
            )

    def send_care_to(self, selection: Selection, template_id: int, agent_id: int | None, agent_name: str) -> CareResult:
        """A care message from a template to every selected customer, each logged as a follow-up that
        waits for its outcome. All or nothing."""
        now = self.clock()
        with self.db.session() as s:
            templates = CareTemplateRepository(s)
            followups = FollowUpRepository(s)
            template = templates.template(self.shop_id, template_id)
            ids = CustomerListRepository(s).selection_ids(self.shop_id, selection, limit=MAX_CARE_RECIPIENTS + 1)
            if not ids:
                raise DomainError("care.nobody")
            if len(ids) > MAX_CARE_RECIPIENTS:
                raise DomainError("care.too_many", limit=MAX_CARE_RECIPIENTS)
            created: list[int] = []
            for customer_id in ids:
                values = templates.care_values(customer_id, None)
                values["店铺"] = self.shop_name
                text = validate_message_text(render_care(template.text, values))
                conv_id = post_care_message(s, self.shop_id, customer_id, text, agent_id, now)
                self.db.notify(s, Topic.CONVERSATIONS, conv_id)
                self.db.notify(s, Topic.CUSTOMERS, customer_id)
                created.append(
                    followups.add_followup(
                        self.shop_id,
                        customer_id=customer_id,
                        template_id=template.id,
                        source=FollowUpSource.CARE.value,
                        reason=template.name,
                        due_at=now,
                        status=FollowUpStatus.SENT.value,
                        message=text,
                        sent_at=now,
                        agent=agent_name,
                        created_at=now,
                    )
                )
            return CareResult(len(created), tuple(created))
