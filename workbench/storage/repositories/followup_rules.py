"""Follow-up rules (回访规则): e.g. 1–3 days after signing, or 流失预警 customers not contacted lately,
and the customers (and orders) a rule should schedule now."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from workbench.domain.crm import FollowUpRule, RuleTrigger, Segment
from workbench.domain.errors import DomainError
from workbench.storage.repositories.care_templates import CareTemplateRepository
from workbench.storage.repositories.customer_sql import FOLLOWUP, ORDER, PURCHASE_VALUES, STATS, table
from workbench.storage.tables_crm import FollowUpRuleRow

RULES = table(FollowUpRuleRow)


def _rule(row: FollowUpRuleRow) -> FollowUpRule:
    return FollowUpRule(
        row.id, row.name, RuleTrigger(row.trigger), row.min_days, row.max_days, row.template_id, row.enabled
    )


class FollowUpRuleRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def rules(self, shop_id: int) -> list[FollowUpRule]:
        rows = self.s.scalars(
            select(FollowUpRuleRow).where(FollowUpRuleRow.shop_id == shop_id).order_by(FollowUpRuleRow.id)
        )
        return [_rule(r) for r in rows]

    def save_rule(self, shop_id: int, rule: FollowUpRule) -> FollowUpRule:
        rule = rule.validated()
        if rule.template_id is not None:
            CareTemplateRepository(self.s).template(shop_id, rule.template_id)  # raises if not the shop's
        if rule.id:
            row = self.s.get(FollowUpRuleRow, rule.id)
            if row is None or row.shop_id != shop_id:
                raise DomainError("rule.missing")
        else:
            row = FollowUpRuleRow(shop_id=shop_id)
            self.s.add(row)
        row.name, row.trigger = rule.name, rule.trigger.value
        row.min_days, row.max_days = rule.min_days, rule.max_days
        row.template_id, row.enabled = rule.template_id, rule.enabled
        self.s.flush()
        return _rule(row)

    def delete_rule(self, shop_id: int, rule_id: int) -> None:
        row = self.s.get(FollowUpRuleRow, rule_id)
        if row is None or row.shop_id != shop_id:
            raise DomainError("rule.missing")
        self.s.execute(delete(RULES).where(FollowUpRuleRow.id == rule_id))

    def rule_candidates(
        self, shop_id: int, rule: FollowUpRule, now: datetime
    ) -> list[tuple[int, int | None, datetime]]:
        """(customer id, order id, due) for what a rule should schedule now and has not scheduled yet."""
        today = datetime.combine(now.date(), time())
        if rule.trigger is RuleTrigger.SIGNED:
            scheduled = exists().where(FOLLOWUP.order_id == ORDER.id, FOLLOWUP.rule_id == rule.id)
            rows = self.s.execute(
                select(ORDER.customer_id, ORDER.id, ORDER.signed_at)
                .where(
                    ORDER.shop_id == shop_id,
                    ORDER.signed_at.is_not(None),
                    ORDER.signed_at <= now,
                    ORDER.signed_at >= now - timedelta(days=rule.max_days),
                    ORDER.state.in_(PURCHASE_VALUES),
                    ~scheduled,
                )
                .order_by(ORDER.signed_at, ORDER.id)
            ).all()
            return [(cid, oid, max(signed + timedelta(days=rule.min_days), today)) for cid, oid, signed in rows]
        contacted_lately = exists().where(
            FOLLOWUP.customer_id == STATS.customer_id,
            FOLLOWUP.rule_id == rule.id,
            FOLLOWUP.created_at >= now - timedelta(days=rule.max_days),
        )
        ids = self.s.scalars(
            select(STATS.customer_id)
            .where(STATS.shop_id == shop_id, STATS.segment == Segment.AT_RISK.value, ~contacted_lately)
            .order_by(STATS.customer_id)
        )
        return [(cid, None, today + timedelta(days=rule.min_days)) for cid in ids]
