"""A lab's reset (see `workbench.domain.exercises.lab_areas`): the rows of the areas an exercise has
students change are removed or set back to their defaults, in the caller's transaction; the demo's
own content is then written again by the demo package (`workbench.demo.labs`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workbench.domain.exercises import LabArea
from workbench.storage.repositories.bot import BotRepository, StoredConfig
from workbench.storage.tables import (
    ConversationRow,
    CustomerRow,
    CustomerTagRow,
    KbCategoryRow,
    KbEntryRow,
    NoteRow,
    TagRow,
)
from workbench.storage.tables_aftersales import CaseRow
from workbench.storage.tables_bot import AutoMessageLogRow, ReceptionGroupRow
from workbench.storage.tables_crm import CareTemplateRow, CustomerGroupRow, FollowUpRow, FollowUpRuleRow
from workbench.storage.tables_kb_admin import KbPackSubscriptionRow


class LabResetRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def clear(self, shop_id: int, areas: frozenset[LabArea], since: datetime | None, at: datetime) -> None:
        """Clear `areas` of the shop. Chats and cases go only when newer than `since` (the lab's first
        start since its last reset; None: the lab never ran, so it made none)."""
        if LabArea.BOT in areas or LabArea.AUTO_MESSAGES in areas:
            self._bot_settings(shop_id, areas, at)
        if LabArea.BOT in areas:
            self.s.execute(delete(ReceptionGroupRow).where(ReceptionGroupRow.shop_id == shop_id))
        if LabArea.AUTO_MESSAGES in areas:
            self.s.execute(delete(AutoMessageLogRow).where(AutoMessageLogRow.shop_id == shop_id))
        if LabArea.KB in areas:
            self.s.execute(delete(KbPackSubscriptionRow).where(KbPackSubscriptionRow.shop_id == shop_id))
            self.s.execute(delete(KbEntryRow).where(KbEntryRow.shop_id == shop_id))
            self.s.execute(
                delete(KbCategoryRow).where(KbCategoryRow.shop_id == shop_id, KbCategoryRow.standard.is_(False))
            )
        if LabArea.CRM in areas:
            for table in (FollowUpRow, FollowUpRuleRow, CareTemplateRow, CustomerGroupRow):
                self.s.execute(delete(table).where(table.shop_id == shop_id))
            shop_tags = select(TagRow.id).where(TagRow.shop_id == shop_id)
            self.s.execute(delete(CustomerTagRow).where(CustomerTagRow.tag_id.in_(shop_tags)))
            self.s.execute(delete(TagRow).where(TagRow.shop_id == shop_id))
            if since is not None:
                shop_customers = select(CustomerRow.id).where(CustomerRow.shop_id == shop_id)
                self.s.execute(
                    delete(NoteRow).where(NoteRow.customer_id.in_(shop_customers), NoteRow.created_at >= since)
                )
        if LabArea.CHATS in areas and since is not None:
            self.s.execute(delete(CaseRow).where(CaseRow.shop_id == shop_id, CaseRow.created_at >= since))
            self.s.execute(
                delete(ConversationRow).where(ConversationRow.shop_id == shop_id, ConversationRow.started_at >= since)
            )
        self.s.flush()
        self.s.expire_all()  # rows deleted in bulk: nothing stale stays in the session

    def _bot_settings(self, shop_id: int, areas: frozenset[LabArea], at: datetime) -> None:
        """店小蜜's settings (welcome, cards, transfer, reception mode, 分流) and/or the auto messages'
        rules back to a new shop's; the other part is kept."""
        bot = BotRepository(self.s)
        current, defaults = bot.config(shop_id), bot.defaults(shop_id)
        fresh_bot = LabArea.BOT in areas
        fresh_auto = LabArea.AUTO_MESSAGES in areas
        bot.save_config(
            shop_id,
            StoredConfig(
                bot=defaults.bot if fresh_bot else current.bot,
                routing=defaults.routing if fresh_bot else current.routing,
                rules=defaults.rules if fresh_auto else current.rules,
                order_events_per_min=current.order_events_per_min,
            ),
            at,
        )
