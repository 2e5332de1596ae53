"""Customer-management use cases end to end on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.unit.crm.conftest import NOW, Known, clock
from workbench.domain.conversations import ConversationState, Sender
from workbench.domain.crm import (
    MAX_CARE_RECIPIENTS,
    CustomerFilter,
    FollowUpOutcome,
    FollowUpRule,
    FollowUpSource,
    FollowUpStatus,
    FollowUpView,
    GroupKind,
    ProfileEdit,
    RfmSettings,
    RuleTrigger,
    Segment,
    Selection,
    TimelineKind,
)
from workbench.domain.customers import Customer
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, OrderState
from workbench.services import crm as crm_module
from workbench.services.crm import CrmService, register_timeline_source
from workbench.services.crm_followups import FollowUpService
from workbench.storage.db import Database
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.tables import ConversationRow

# Use cases that add no SQL of their own run on SQLite only; the storage tests and the flows marked
# below cover PostgreSQL.
sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def crm(db: Database, known: Known) -> CrmService:
    return CrmService(db, known.shop_id, clock)


@pytest.fixture
def followups(db: Database, known: Known) -> FollowUpService:
    return FollowUpService(db, known.shop_id, clock, shop_name="测试店")


def _new_customer(db: Database, known: Known, nick: str = "新朋友") -> int:
    with db.session() as s:
        return CustomerRepository(s).add(known.shop_id, Customer(id=0, nick=nick, phone="13900001111")).id


def _order(db: Database, known: Known, customer_id: int, no: str, days_ago: float, cents: int = 19900) -> None:
    created = NOW - timedelta(days=days_ago)
    with db.session() as s:
        OrderRepository(s).add_order(
            known.shop_id,
            Order(
                id=0,
                order_no=no,
                customer_id=customer_id,
                state=OrderState.SIGNED,
                total_cents=cents,
                created_at=created,
                paid_at=created,
                shipped_at=created + timedelta(hours=6),
                signed_at=created + timedelta(days=1),
            ),
        )


def test_segments_follow_new_orders(db: Database, known: Known, crm: CrmService) -> None:
    """The dashboard changes after new orders, without anyone asking for a recount."""
    assert crm.refresh_if_stale() is True
    assert crm.refresh_if_stale() is False
    before = crm.dashboard()
    cid = _new_customer(db, known)
    after_customer = crm.dashboard()
    assert after_customer.segment_count(Segment.NONE) == before.segment_count(Segment.NONE) + 1
    _order(db, known, cid, "5550001", days_ago=3)
    board = crm.dashboard()
    assert board.segment_count(Segment.NEW) == after_customer.segment_count(Segment.NEW) + 1
    assert crm.count(CustomerFilter(segments=(Segment.NEW,), search="新朋友")) == 1
    for i in range(2):
        _order(db, known, cid, f"555001{i}", days_ago=2, cents=50_000)
    board = crm.dashboard()
    assert board.segment_count(Segment.HIGH_VALUE) == after_customer.segment_count(Segment.HIGH_VALUE) + 1
    assert board.repeat_buyers == after_customer.repeat_buyers + 1


@sqlite_only
def test_new_thresholds_resegment_everyone(crm: CrmService) -> None:
    crm.refresh()
    loose = crm.save_settings(RfmSettings(high_value_orders=1, high_value_cents=1))
    assert loose.settings.high_value_cents == 1
    assert loose.segment_count(Segment.HIGH_VALUE) > 0
    assert loose.segment_count(Segment.NEW) == 0  # every active buyer is now high value
    with pytest.raises(DomainError) as info:
        crm.save_settings(RfmSettings(at_risk_days=200, churned_days=100))
    assert info.value.code == "rfm.churn_days"
    assert crm.settings().high_value_cents == 1


@sqlite_only
def test_profile_timeline_has_everything_newest_first(
    db: Database, known: Known, crm: CrmService, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = next(c for c in known.customers if len(known.orders[c]) >= 2)
    crm.refresh()
    with db.session() as s:
        conv = ConversationRepository(s).create(known.shop_id, cid, NOW - timedelta(hours=2))
        ConversationRepository(s).add_message(conv.id, Sender.CUSTOMER, "在吗", NOW - timedelta(hours=2))
        CustomerRepository(s).add_note(cid, "喜欢浅色", "小美", NOW - timedelta(hours=1))
    monkeypatch.setattr(crm_module, "_timeline_sources", [])  # registrations stay inside this test
    register_timeline_source(
        lambda _s, customer_id: [] if customer_id != cid else [_case_event(NOW - timedelta(minutes=30))]
    )
    profile = crm.profile(cid)
    kinds = {e.kind for e in profile.timeline}
    assert {TimelineKind.ORDER, TimelineKind.CHAT, TimelineKind.NOTE, TimelineKind.REGISTERED} <= kinds
    assert TimelineKind.CASE in kinds
    assert [e.at for e in profile.timeline] == sorted((e.at for e in profile.timeline), reverse=True)
    assert profile.timeline[0].kind is TimelineKind.CASE
    assert profile.chats[0].message_count == 1
    assert len(profile.orders) == len(known.orders[cid])
    assert profile.stats.order_count == len(known.purchases(cid))
    assert profile.customer.phone == known.customers[cid].phone  # the profile is the one place with the full number


def _case_event(at: datetime):  # type: ignore[no-untyped-def]
    from workbench.domain.crm import TimelineEvent

    return TimelineEvent(at, TimelineKind.CASE, "换货")


@sqlite_only
def test_profile_edit_validates_and_saves(known: Known, crm: CrmService) -> None:
    cid = next(iter(known.customers))
    profile = crm.edit_profile(
        cid, ProfileEdit(phone="13912345678", member_level="钻石", points=88, style="通勤", size="M", height_cm=165)
    )
    assert profile.customer.phone == "13912345678" and profile.customer.member_level == "钻石"
    assert profile.customer.points == 88
    assert (profile.extras.style, profile.extras.size, profile.extras.height_cm) == ("通勤", "M", 165)
    for bad, code in (
        (ProfileEdit(phone="12345"), "customer.phone"),
        (ProfileEdit(member_level="黑卡"), "customer.level"),
        (ProfileEdit(points=-1), "customer.points"),
        (ProfileEdit(height_cm=20), "customer.body"),
        (ProfileEdit(name="张" * 61), "customer.too_long"),  # wider than the column: PostgreSQL refuses it
        (ProfileEdit(city="市" * 41), "customer.too_long"),
    ):
        with pytest.raises(DomainError) as info:
            crm.edit_profile(cid, bad)
        assert info.value.code == code
    assert crm.edit_profile(cid, ProfileEdit(name="张" * 60, city="市" * 40)).customer.city == "市" * 40
    assert crm.profile(cid).customer.phone == "13912345678"


def test_tag_then_group_then_care_message(
    db: Database, known: Known, crm: CrmService, followups: FollowUpService
) -> None:
    """The issue's walk-through: tag customers, find them, group them, send them a care message."""
    some = list(known.customers)[:4]
    assert crm.bulk_tag(Selection.of(some), "双11回访") == 4
    f = crm.filter_for_tag("双11回访")
    assert crm.count(f) == 4
    group = crm.create_group("双11名单", GroupKind.STATIC)
    assert crm.add_to_group(group.id, Selection.matching(f)) == 4
    assert [g.count for g in crm.groups_with_counts()] == [4]
    template = followups.save_template(None, "节日关怀", "{买家昵称}您好，{店铺}祝您节日快乐！")
    with db.session() as s:  # one customer is chatting right now
        open_conv = ConversationRepository(s).create(known.shop_id, some[0], NOW)
    result = followups.send_care_to(Selection.matching(group.customer_filter()), template.id, None, "小美")
    assert result.sent == 4
    with db.session() as s:
        rows = s.scalars(select(ConversationRow).where(ConversationRow.customer_id.in_(some))).all()
        assert len(rows) == 4
        states = {r.customer_id: r.state for r in rows}
        assert states[some[0]] == ConversationState.WAITING.value  # the open chat got the message
        assert all(states[c] == ConversationState.ENDED.value for c in some[1:])
        messages = ConversationRepository(s).messages(open_conv.id)
    nick = known.customers[some[0]].nick
    assert [(m.sender, m.text) for m in messages] == [(Sender.AGENT, f"{nick}您好，测试店祝您节日快乐！")]
    awaiting = followups.page(FollowUpView.AWAITING, 0, 10)
    assert {f.customer_id for f in awaiting} == set(some)
    assert all(f.source is FollowUpSource.CARE and f.status is FollowUpStatus.SENT for f in awaiting)
    done = followups.complete(awaiting[0].id, FollowUpOutcome.SATISFIED, "很满意", "小美")
    assert done.status is FollowUpStatus.DONE and done.outcome is FollowUpOutcome.SATISFIED
    assert followups.count(FollowUpView.AWAITING) == 3
    timeline = crm.profile(done.customer_id).timeline
    assert {TimelineKind.CARE, TimelineKind.FOLLOWUP_DONE} <= {e.kind for e in timeline}


@sqlite_only
def test_care_needs_recipients_and_a_limit(known: Known, followups: FollowUpService) -> None:
    template = followups.save_template(None, "问候", "{买家昵称}您好")
    with pytest.raises(DomainError) as info:
        followups.send_care_to(Selection.of([]), template.id, None, "小美")
    assert info.value.code == "care.nobody"
    assert MAX_CARE_RECIPIENTS >= 1000
    for name, text, code in (
        ("", "x", "template.empty_name"),
        ("a", "", "template.empty"),
        ("b", "{不存在}", "template.placeholder"),
        ("问候", "重名", "template.exists"),
    ):
        with pytest.raises(DomainError) as info:
            followups.save_template(None, name, text)
        assert info.value.code == code


def test_rules_schedule_once_per_order(db: Database, known: Known, followups: FollowUpService, crm: CrmService) -> None:
    cid = _new_customer(db, known)
    _order(db, known, cid, "6660001", days_ago=2.5)  # signed 1.5 days ago: inside 1–3 days
    _order(db, known, cid, "6660002", days_ago=10)  # too old
    template = followups.save_template(None, "签收关怀", "{买家昵称}，{商品}还满意吗？")
    rule = followups.save_rule(FollowUpRule(0, "签收后回访", RuleTrigger.SIGNED, 1, 3, template.id))
    followups.save_rule(FollowUpRule(0, "停用的规则", RuleTrigger.SIGNED, 0, 30, None, enabled=False))
    created = followups.run_rules()
    due = followups.page(FollowUpView.ALL, 0, 100)
    mine = [f for f in due if f.customer_id == cid]
    assert [f.order_no for f in mine] == ["6660001"]
    assert all(f.rule_id == rule.id for f in due)
    assert mine[0].due_at == datetime.combine(NOW.date(), datetime.min.time())  # signed+1 day has passed: due today
    assert followups.run_rules() == 0
    assert created == len(due)
    text = followups.draft(mine[0].id)
    assert text.startswith("新朋友，")
    sent = followups.send_care(mine[0].id, text, None, "小美")
    assert sent.status is FollowUpStatus.SENT and sent.message == text
    cancelled = followups.cancel(followups.schedule(cid, NOW, "手动回访").id)
    assert cancelled.status is FollowUpStatus.CANCELLED
    with pytest.raises(DomainError) as info:
        followups.send_care(cancelled.id, "您好", None, "小美")
    assert info.value.code == "followup.closed"


@sqlite_only
def test_at_risk_rule_waits_for_its_cooldown(known: Known, followups: FollowUpService, crm: CrmService) -> None:
    crm.refresh()
    at_risk = crm.count(CustomerFilter(segments=(Segment.AT_RISK,)))
    assert at_risk > 0
    followups.save_rule(FollowUpRule(0, "召回", RuleTrigger.AT_RISK, 0, 30, None))
    assert followups.run_rules() == at_risk
    assert followups.run_rules() == 0
    later = FollowUpService(followups.db, known.shop_id, lambda: NOW + timedelta(days=31))
    assert later.run_rules() == at_risk


def test_follow_up_views(db: Database, known: Known, followups: FollowUpService) -> None:
    ids = list(known.customers)
    followups.schedule(ids[0], NOW - timedelta(days=2), "逾期")
    followups.schedule(ids[1], NOW.replace(hour=20), "今天")
    followups.schedule(ids[2], NOW + timedelta(days=3), "以后")
    counts = {v: followups.count(v) for v in FollowUpView}
    assert counts == {
        FollowUpView.DUE: 2, FollowUpView.OVERDUE: 1, FollowUpView.UPCOMING: 1, FollowUpView.AWAITING: 0,
        FollowUpView.DONE: 0, FollowUpView.ALL: 3,
    }  # fmt: skip
    assert [f.reason for f in followups.page(FollowUpView.DUE, 0, 10)] == ["逾期", "今天"]
    overdue = followups.page(FollowUpView.OVERDUE, 0, 10)[0]
    assert (overdue.is_overdue(NOW) and overdue.phone_masked.count("*") == 4) or overdue.phone_masked == ""
    with pytest.raises(DomainError):
        followups.schedule(10**6, NOW, "没有这个人")


@sqlite_only
def test_tag_names_for_the_list(known: Known, crm: CrmService) -> None:
    assert crm.filter_for_tag("88VIP") == CustomerFilter(vip88=True)
    assert crm.filter_for_tag("3钻") == CustomerFilter(credit_tiers=("钻",))
    assert crm.filter_for_tag("老客户") == CustomerFilter(tag_ids=(known.tags["老客户"],))
    with pytest.raises(DomainError):
        crm.filter_for_tag("没有的标签")
    for official in ("88VIP", "2金冠"):
        with pytest.raises(DomainError) as info:
            crm.bulk_tag(Selection.of(list(known.customers)[:1]), official)
        assert info.value.code == "tag.official"
