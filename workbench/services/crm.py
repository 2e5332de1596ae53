"""Customer management (客户运营): the customer list, profiles with a timeline, the tag library, groups,
RFM segments and member levels.

Every method is one unit of work and returns plain dataclasses; the UI calls them from worker threads.
Order statistics behind segments and the spend / order-count filters are kept by the repositories
that write orders and customers (see ``storage.repositories.customer_stats``); ``refresh_if_stale``
only moves scores on when the day changed, ``refresh`` recounts everything (maintenance).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from workbench.domain.aftersales import Case, CaseKind
from workbench.domain.crm import (
    CREDIT_TIERS,
    VIP_TAG,
    ChatSummary,
    CustomerExtras,
    CustomerFilter,
    CustomerGroup,
    CustomerListItem,
    CustomerStats,
    Dashboard,
    FollowUp,
    GroupKind,
    ProfileEdit,
    RfmSettings,
    Selection,
    SortKey,
    TagUsage,
    TimelineEvent,
    TimelineKind,
    check_tag_assignable,
    clean_color,
    clean_group_name,
    credit_tier,
    sorted_timeline,
)
from workbench.domain.customers import Customer, Note, Tag, clean_tag_name
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, OrderState
from workbench.domain.text import clean_line, clean_text
from workbench.services.clock import Clock, system_clock
from workbench.services.notifications import Topic
from workbench.storage.db import Database
from workbench.storage.repositories.aftersales import AftersalesRepository
from workbench.storage.repositories.customer_groups import CustomerGroupRepository
from workbench.storage.repositories.customer_list import CustomerListRepository
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.followups import FollowUpRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.tags import TagRepository

log = logging.getLogger(__name__)

TimelineSource = Callable[[Session, int], Iterable[TimelineEvent]]
"""Adds a customer's events from another module (after-sales cases, reviews): (session, customer id)."""

_timeline_sources: list[TimelineSource] = []


def register_timeline_source(source: TimelineSource) -> None:
    """Let another module (after-sales, reviews) put its events on the customer timeline."""
    if source not in _timeline_sources:
        _timeline_sources.append(source)


@dataclass(frozen=True, slots=True)
class CrmProfile:
    """Everything the 客户档案 view shows about one customer."""

    customer: Customer
    extras: CustomerExtras
    stats: CustomerStats
    tags: tuple[Tag, ...]
    notes: tuple[Note, ...]
    orders: tuple[Order, ...]
    chats: tuple[ChatSummary, ...]
    followups: tuple[FollowUp, ...]
    groups: tuple[CustomerGroup, ...]
    timeline: tuple[TimelineEvent, ...]
    cases: tuple[Case, ...] = ()  # after-sales cases, complaints, disputes and reviews


@dataclass(frozen=True, slots=True)
class GroupInfo:
    group: CustomerGroup
    count: int


def order_events(order: Order) -> list[TimelineEvent]:
    """下单 / 付款 / 发货 / 签收 / 退款 / 关闭 events of one order."""
    title = order.items[0].title if order.items else ""
    params = (("total", str(order.total_cents)), ("items", str(sum(i.quantity for i in order.items))))
    events = [TimelineEvent(order.created_at, TimelineKind.ORDER, order.order_no, title, order.id, params)]
    for at, kind in (
        (order.paid_at, TimelineKind.PAID),
        (order.shipped_at, TimelineKind.SHIPPED),
        (order.signed_at, TimelineKind.SIGNED),
    ):
        if at is not None:
            events.append(TimelineEvent(at, kind, order.order_no, title, order.id, params))
    if order.state in (OrderState.REFUNDING, OrderState.CLOSED):
        kind = TimelineKind.REFUND if order.state is OrderState.REFUNDING else TimelineKind.CLOSED
        last = max(t for t in (order.created_at, order.paid_at, order.shipped_at, order.signed_at) if t is not None)
        events.append(TimelineEvent(last, kind, order.order_no, title, order.id, params))
    return events


class CrmService:
    def __init__(self, db: Database, shop_id: int, clock: Clock = system_clock) -> None:
        self.db = db
        self.shop_id = shop_id
        self.clock = clock

    # -- statistics -----------------------------------------------------------------------------

    def refresh_if_stale(self) -> bool:
        """Move scores and segments on to today if the day changed since they were scored (a small
        update through the last-order index, never a recount: the counts are kept as orders are
        written). True if anything was rescored."""
        with self.db.session() as s:
            changed = CustomerStatsRepository(s).age(self.shop_id, self.clock())
        if changed:
            log.info("customer scores moved on to today")
        return changed

    def refresh(self) -> None:
        """Recount every customer's statistics from the orders (maintenance: ``workbench customers
        rebuild-stats``, and after loads that bypass the repositories). Runs on a worker, never the
        UI thread."""
        with self.db.session() as s:
            CustomerStatsRepository(s).rebuild(self.shop_id, self.clock())
            self.db.notify(s, Topic.CUSTOMERS)
        log.info("customer statistics rebuilt")

    def refresh_customers(self, customer_ids: Iterable[int]) -> None:
        ids = list(customer_ids)
        if ids:
            with self.db.session() as s:
                CustomerStatsRepository(s).touch(self.shop_id, ids)

    def settings(self) -> RfmSettings:
        with self.db.session() as s:
            return CustomerStatsRepository(s).settings(self.shop_id)

    def save_settings(self, settings: RfmSettings) -> Dashboard:
        """Store new thresholds, recompute every segment and return the new dashboard."""
        settings = settings.validated()
        with self.db.session() as s:
            repo = CustomerStatsRepository(s)
            repo.save_settings(self.shop_id, settings)
            repo.age(self.shop_id, self.clock())  # rescores every row (statistics only, not the orders)
            self.db.notify(s, Topic.CUSTOMERS)
        return self.dashboard()

    def dashboard(self) -> Dashboard:
        self.refresh_if_stale()
        with self.db.session() as s:
            repo = CustomerStatsRepository(s)
            return repo.dashboard(self.shop_id, repo.settings(self.shop_id), repo.computed(self.shop_id))

    def apply_member_levels(self) -> int:
        """Set member levels from total spend by the thresholds in the settings; returns customers changed."""
        self.refresh_if_stale()
        with self.db.session() as s:
            repo = CustomerStatsRepository(s)
            self.db.notify(s, Topic.CUSTOMERS)
            return repo.apply_member_levels(self.shop_id, repo.settings(self.shop_id))

    # -- list -----------------------------------------------------------------------------------

    def count(self, customer_filter: CustomerFilter, sort: SortKey = SortKey.ID) -> int:
        with self.db.session() as s:
            return CustomerListRepository(s).count(self.shop_id, customer_filter.validated(), sort)

    def page(
        self, customer_filter: CustomerFilter, sort: SortKey, descending: bool, offset: int, limit: int
    ) -> list[CustomerListItem]:
        with self.db.session() as s:
            return CustomerListRepository(s).page(
                self.shop_id, customer_filter.validated(), sort, descending, offset, limit
            )

    def page_ids(
        self, customer_filter: CustomerFilter, sort: SortKey, descending: bool, offset: int, limit: int
    ) -> list[int]:
        with self.db.session() as s:
            return CustomerListRepository(s).page_ids(
                self.shop_id, customer_filter.validated(), sort, descending, offset, limit
            )

    def selection_count(self, selection: Selection) -> int:
        if selection.filter is not None:  # the search text is cleaned like a list's
            selection = replace(selection, filter=selection.filter.validated())
        with self.db.session() as s:
            return CustomerListRepository(s).selection_count(self.shop_id, selection)

    # -- profile --------------------------------------------------------------------------------

    def profile(self, customer_id: int) -> CrmProfile:
        with self.db.session() as s:
            customers = CustomerRepository(s)
            customer = customers.get(customer_id)
            if customer is None:
                raise DomainError("customer.missing")
            tags = tuple(customers.tags_of(customer_id))
            notes = tuple(customers.notes_of(customer_id))
            orders = tuple(OrderRepository(s).for_customer(customer_id))
            chats = tuple(customers.chats(customer_id))
            followups = tuple(FollowUpRepository(s).followups_of(customer_id))
            events: list[TimelineEvent] = []
            if customer.registered_at is not None:
                events.append(TimelineEvent(customer.registered_at, TimelineKind.REGISTERED))
            for order in orders:
                events.extend(order_events(order))
            for chat in chats:
                events.append(
                    TimelineEvent(
                        chat.started_at,
                        TimelineKind.CHAT,
                        chat.last_message,
                        ref_id=chat.id,
                        params=(("messages", str(chat.message_count)),),
                    )
                )
            for note in notes:
                events.append(TimelineEvent(note.created_at, TimelineKind.NOTE, note.text, note.author, note.id))
            for at, tag in TagRepository(s).tag_events(customer_id):
                events.append(TimelineEvent(at, TimelineKind.TAG, tag.name, ref_id=tag.id))
            for fu in followups:
                events.extend(_followup_events(fu))
            cases = tuple(AftersalesRepository(s).of_customer(customer_id))
            for case in cases:
                events.append(_case_event(case))
            for source in _timeline_sources:
                try:
                    events.extend(source(s, customer_id))
                except Exception:  # another module's bug must not hide the profile
                    log.exception("timeline source failed")
            return CrmProfile(
                customer=customer,
                extras=customers.extras(customer_id),
                stats=CustomerStatsRepository(s).stats_of(customer_id),
                tags=tags,
                notes=notes,
                orders=orders,
                chats=chats,
                followups=followups,
                groups=tuple(CustomerGroupRepository(s).static_groups_of(customer_id)),
                timeline=sorted_timeline(events),
                cases=cases,
            )

    def edit_profile(self, customer_id: int, edit: ProfileEdit) -> CrmProfile:
        edit = edit.validated()
        with self.db.session() as s:
            CustomerRepository(s).edit_customer(self.shop_id, customer_id, edit)
            self.db.notify(s, Topic.CUSTOMERS, customer_id)
        return self.profile(customer_id)

    # -- tag library ----------------------------------------------------------------------------

    def tag_usage(self) -> list[TagUsage]:
        with self.db.session() as s:
            return TagRepository(s).tag_usage(self.shop_id)

    def tag_library(self) -> list[Tag]:
        with self.db.session() as s:
            return CustomerRepository(s).all_tags(self.shop_id)

    def create_tag(self, name: str, color: str = "#1677ff", group: str = "") -> Tag:
        name = self._custom_name(name)
        with self.db.session() as s:
            self.db.notify(s, Topic.CUSTOMERS)
            return TagRepository(s).create_tag(self.shop_id, name, clean_color(color), clean_line(group, field="group"))

    def update_tag(
        self, tag_id: int, *, name: str | None = None, color: str | None = None, group: str | None = None
    ) -> Tag:
        with self.db.session() as s:
            self._check_custom(s, [tag_id])
            self.db.notify(s, Topic.CUSTOMERS)
            return TagRepository(s).update_tag(
                self.shop_id,
                tag_id,
                name=self._custom_name(name) if name is not None else None,
                color=clean_color(color) if color is not None else None,
                group=clean_line(group, field="group") if group is not None else None,
            )

    def merge_tags(self, source_ids: Iterable[int], target_id: int) -> int:
        """Move the sources' customers to the target tag and delete the sources; saved filters follow."""
        sources = [i for i in source_ids if i != target_id]
        if not sources:
            raise DomainError("tag.merge_nothing")
        with self.db.session() as s:
            self._check_custom(s, [*sources, target_id])
            moved = TagRepository(s).merge_tags(self.shop_id, sources, target_id)
            CustomerGroupRepository(s).rewrite_group_filters(self.shop_id, sources, target_id)
            self.db.notify(s, Topic.CUSTOMERS)
            return moved

    def delete_tag(self, tag_id: int) -> int:
        """Delete a tag from the library and from every customer; returns how many customers had it."""
        with self.db.session() as s:
            self._check_custom(s, [tag_id])
            used = TagRepository(s).delete_tag(self.shop_id, tag_id)
            CustomerGroupRepository(s).rewrite_group_filters(self.shop_id, [tag_id], None)
            self.db.notify(s, Topic.CUSTOMERS)
            return used

    def tag_by_name(self, name: str) -> Tag | None:
        with self.db.session() as s:
            return TagRepository(s).tag_by_name(self.shop_id, clean_line(name, field="tag"))

    def bulk_tag(self, selection: Selection, name: str) -> int:
        """Add a custom tag (created if new) to every selected customer; returns how many got it."""
        name = self._custom_name(name)
        with self.db.session() as s:
            tag = CustomerRepository(s).ensure_tag(self.shop_id, name)
            check_tag_assignable(tag)  # the library may flag other names official
            self.db.notify(s, Topic.CUSTOMERS)
            return TagRepository(s).bulk_tag(self.shop_id, selection, tag.id, self.clock())

    def bulk_untag(self, selection: Selection, tag_id: int) -> int:
        """Take a custom tag off every selected customer; returns how many lost it."""
        with self.db.session() as s:
            self._check_custom(s, [tag_id])
            self.db.notify(s, Topic.CUSTOMERS)
            return TagRepository(s).bulk_untag(self.shop_id, selection, tag_id)

    @staticmethod
    def _custom_name(name: str) -> str:
        """A name the shop may give a tag of its own: official names (88VIP, 3钻, …) are refused."""
        name = clean_tag_name(name)
        check_tag_assignable(name)
        return name

    @staticmethod
    def _check_custom(s: Session, tag_ids: Iterable[int]) -> None:
        """Refuse to change official tags (by flag or by name); unknown ids are left to the repository."""
        repo = TagRepository(s)
        for tag_id in tag_ids:
            tag = repo.tag(tag_id)
            if tag is not None:
                check_tag_assignable(tag)

    def filter_for_tag(self, name: str) -> CustomerFilter:
        """The list filter for one tag name: 88VIP and credit tiers are customer fields, others tag ids."""
        name = clean_line(name, field="tag")
        if name == VIP_TAG:
            return CustomerFilter(vip88=True)
        tier = name if name in CREDIT_TIERS else credit_tier(name)
        if tier:
            return CustomerFilter(credit_tiers=(tier,))
        tag = self.tag_by_name(name)
        if tag is None:
            raise DomainError("tag.missing", field="tag", name=name)
        return CustomerFilter(tag_ids=(tag.id,))

    # -- groups ---------------------------------------------------------------------------------

    def groups(self) -> list[CustomerGroup]:
        with self.db.session() as s:
            return CustomerGroupRepository(s).groups(self.shop_id)

    def groups_with_counts(self) -> list[GroupInfo]:
        with self.db.session() as s:
            customer_list = CustomerListRepository(s)
            return [
                GroupInfo(g, customer_list.count(self.shop_id, g.customer_filter()))
                for g in CustomerGroupRepository(s).groups(self.shop_id)
            ]

    def create_group(
        self, name: str, kind: GroupKind, customer_filter: CustomerFilter | None = None, note: str = ""
    ) -> CustomerGroup:
        name = clean_group_name(name)
        f = (customer_filter or CustomerFilter()).validated()
        if kind is GroupKind.FILTER and f.group_id is not None:
            raise DomainError("group.nested")
        with self.db.session() as s:
            self.db.notify(s, Topic.CUSTOMERS)
            return CustomerGroupRepository(s).create_group(
                self.shop_id, name, kind, f, self.clock(), clean_text(note, field="note")[:200]
            )

    def rename_group(self, group_id: int, name: str) -> CustomerGroup:
        with self.db.session() as s:
            self.db.notify(s, Topic.CUSTOMERS)
            return CustomerGroupRepository(s).update_group(self.shop_id, group_id, name=clean_group_name(name))

    def update_group_filter(self, group_id: int, customer_filter: CustomerFilter) -> CustomerGroup:
        f = customer_filter.validated()
        if f.group_id is not None:
            raise DomainError("group.nested")
        with self.db.session() as s:
            self.db.notify(s, Topic.CUSTOMERS)
            return CustomerGroupRepository(s).update_group(self.shop_id, group_id, f=f)

    def delete_group(self, group_id: int) -> None:
        with self.db.session() as s:
            CustomerGroupRepository(s).delete_group(self.shop_id, group_id)
            self.db.notify(s, Topic.CUSTOMERS)

    def add_to_group(self, group_id: int, selection: Selection) -> int:
        with self.db.session() as s:
            self.db.notify(s, Topic.CUSTOMERS)
            return CustomerGroupRepository(s).add_members(self.shop_id, group_id, selection, self.clock())

    def remove_from_group(self, group_id: int, customer_ids: Iterable[int]) -> int:
        with self.db.session() as s:
            self.db.notify(s, Topic.CUSTOMERS)
            return CustomerGroupRepository(s).remove_members(self.shop_id, group_id, list(customer_ids))


def _case_event(case: Case) -> TimelineEvent:
    """An after-sales case (退货, 换货, 投诉, 纠纷…) or a review on the timeline."""
    kind = TimelineKind.REVIEW if case.kind is CaseKind.REVIEW else TimelineKind.CASE
    params = (("kind", case.kind.value), ("state", case.state.value), ("no", case.case_no))
    return TimelineEvent(case.created_at, kind, case.summary or case.case_no, case.order_no, case.id, params)


def _followup_events(fu: FollowUp) -> list[TimelineEvent]:
    params = (("status", fu.status.value), ("outcome", fu.outcome.value if fu.outcome else ""))
    title = fu.reason or fu.order_no
    events = [TimelineEvent(fu.created_at or fu.due_at, TimelineKind.FOLLOWUP, title, fu.order_no, fu.id, params)]
    if fu.sent_at is not None:
        events.append(TimelineEvent(fu.sent_at, TimelineKind.CARE, fu.message, fu.agent, fu.id, params))
    if fu.done_at is not None and fu.outcome is not None:
        events.append(TimelineEvent(fu.done_at, TimelineKind.FOLLOWUP_DONE, title, fu.outcome_note, fu.id, params))
    return events
