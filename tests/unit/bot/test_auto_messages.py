"""Auto messages over the demo shop: order events, 自动催付 and 延迟发货 with their rules, 批量发消息,
the log, and the order-event generator driven by the channel."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from tests.unit.bot.conftest import FakeClock
from workbench.composition import build_channel
from workbench.domain.auto_messages import AutoKind, BulkTarget, LogStatus, OrderEvent, OrderEventKind
from workbench.domain.conversations import Sender
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, OrderItem, OrderState
from workbench.services.auto_messages import AutoMessageService, OrderEventSimulator
from workbench.services.workspace import Workspace
from workbench.storage.repositories.bot import BotRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository


@pytest.fixture
def auto(ws: Workspace) -> AutoMessageService:
    return AutoMessageService(ws.db, ws.shop.id, ws.clock, actor=ws.actor)


def enable(auto: AutoMessageService, kind: AutoKind, **changes: object) -> None:
    auto.save_rule(replace(auto.rules()[kind], enabled=True, **changes))  # type: ignore[arg-type]


_numbers = iter(range(900000000000000001, 900000000000001000))


def new_order(
    ws: Workspace,
    state: OrderState,
    created: datetime,
    *,
    customer: int | None = None,
    cents: int = 19900,
    **extra: object,
) -> Order:
    item = OrderItem("S1", "南栀 法式碎花连衣裙 夏", "M", "米白", 1, cents)
    with ws.db.session() as s:
        customer_id = customer or CustomerRepository(s).ids(ws.shop.id)[0]
        order = Order(0, str(next(_numbers)), customer_id, state, cents, created, items=(item,), **extra)  # type: ignore[arg-type]
        return OrderRepository(s).add_order(ws.shop.id, order)


def test_saving_a_rule_checks_the_template_and_starts_it_from_now(auto: AutoMessageService, clock: FakeClock) -> None:
    with pytest.raises(DomainError) as info:
        auto.save_rule(replace(auto.rules()[AutoKind.PAID], template="亲爱的{买家名}"))
    assert (info.value.code, info.value.params["name"]) == ("template.unknown_placeholder", "买家名")
    enable(auto, AutoKind.PAID)
    assert auto.rules()[AutoKind.PAID].since == clock.now
    clock.now += timedelta(hours=1)
    enable(auto, AutoKind.PAID, template="{买家昵称}，付款成功～")
    assert auto.rules()[AutoKind.PAID].since == clock.now - timedelta(hours=1)  # still on: keeps its start
    auto.save_rule(replace(auto.rules()[AutoKind.PAID], enabled=False))
    assert auto.rules()[AutoKind.PAID].since is None


def test_paid_shipped_and_good_review_messages_follow_their_events(
    ws: Workspace, auto: AutoMessageService, clock: FakeClock
) -> None:
    order = new_order(ws, OrderState.AWAITING_SHIPMENT, clock.now, carrier="中通快递", tracking_no="78000111")
    paid = OrderEvent(OrderEventKind.PAID, order.id, order.order_no, order.customer_id, clock.now)
    assert auto.handle([paid]).log == ()  # the rule is off
    enable(auto, AutoKind.PAID)
    enable(auto, AutoKind.SHIPPED)
    enable(auto, AutoKind.GOOD_REVIEW)
    conv = ws.reception.customer_arrives(order.customer_id)  # the buyer is chatting: the message shows there too
    result = auto.handle(
        [
            paid,
            OrderEvent(OrderEventKind.SHIPPED, order.id, order.order_no, order.customer_id, clock.now),
            OrderEvent(OrderEventKind.REVIEWED, order.id, order.order_no, order.customer_id, clock.now, "good"),
            OrderEvent(OrderEventKind.REVIEWED, order.id, order.order_no, order.customer_id, clock.now, "bad"),
        ]
    )
    kinds = [e.kind for e in result.log]
    assert kinds == [AutoKind.PAID, AutoKind.SHIPPED, AutoKind.GOOD_REVIEW]
    shipped = result.log[1]
    assert shipped.text == "亲，您的法式碎花连衣裙已经发货啦！中通快递，运单号 78000111，请留意查收哦～"
    assert "{" not in result.log[0].text and order.order_no in result.log[0].text
    assert [m.sender for m in result.messages] == [Sender.BOT] * 3
    assert [m.text for m in ws.reception.messages(conv.id)] == [e.text for e in result.log]
    assert auto.handle([paid]).log == ()  # each order at most once per kind
    assert [e.kind for e in auto.log()] == list(reversed(kinds)) and auto.log_count() == 3


def test_unpaid_reminder_waits_skips_and_respects_quiet_hours(
    ws: Workspace, auto: AutoMessageService, clock: FakeClock
) -> None:
    enable(auto, AutoKind.UNPAID, delay_minutes=30, min_amount_cents=10000, skip_bad_reviewers=True)
    with ws.db.session() as s:
        ids = CustomerRepository(s).ids(ws.shop.id)
        bad = next(i for i in ids if (c := CustomerRepository(s).get(i)) and c.bad_review_count > 0)
        good = next(i for i in ids if (c := CustomerRepository(s).get(i)) and c.bad_review_count == 0)
    fresh = new_order(ws, OrderState.AWAITING_PAYMENT, clock.now, customer=good)
    small = new_order(ws, OrderState.AWAITING_PAYMENT, clock.now, customer=good, cents=5900)
    reviewer = new_order(ws, OrderState.AWAITING_PAYMENT, clock.now, customer=bad, cents=29900)
    first = auto.run_due()
    assert {(e.order_no, e.status, e.reason) for e in first.log} == {
        (small.order_no, LogStatus.SKIPPED, "订单金额低于 100.00 元"),
        (reviewer.order_no, LogStatus.SKIPPED, "买家有过差评，不催付"),
    }
    clock.now += timedelta(minutes=31)
    second = auto.run_due()
    assert [(e.order_no, e.status) for e in second.log] == [(fresh.order_no, LogStatus.SENT)]
    assert auto.run_due().log == ()
    # an order placed late in the evening is reminded after the quiet hours
    clock.now = datetime.combine(clock.now.date(), time(21, 45))
    late = new_order(ws, OrderState.AWAITING_PAYMENT, clock.now, customer=good, cents=30000)
    clock.now += timedelta(minutes=40)  # 22:25, quiet
    assert auto.run_due().log == ()
    clock.now = datetime.combine(clock.now.date() + timedelta(days=1), time(8, 1))
    assert [e.order_no for e in auto.run_due().log] == [late.order_no]


def test_delayed_shipment_notice_for_orders_overdue_since_the_rule_started(
    ws: Workspace, auto: AutoMessageService, clock: FakeClock
) -> None:
    enable(auto, AutoKind.DELAYED, delay_minutes=48 * 60)
    start = clock.now
    overdue_before = new_order(
        ws, OrderState.AWAITING_SHIPMENT, start - timedelta(days=5), paid_at=start - timedelta(days=5)
    )
    soon = new_order(ws, OrderState.AWAITING_SHIPMENT, start - timedelta(hours=47), paid_at=start - timedelta(hours=47))
    assert auto.run_due().log == ()
    clock.now += timedelta(hours=2)
    sent = auto.run_due().log
    assert [e.order_no for e in sent] == [soon.order_no] and overdue_before.order_no not in [e.order_no for e in sent]


def test_bulk_message_to_a_group_of_customers(ws: Workspace, auto: AutoMessageService) -> None:
    target = BulkTarget("vip")
    recipients = auto.bulk_recipients(target)
    assert recipients
    result = auto.bulk_send(target, "亲爱的{买家昵称}，88VIP专享券已到账～")
    assert result.sent == len(recipients) and result.skipped == 0
    assert {e.customer_nick for e in result.log} == {nick for _, nick in recipients}
    assert all(e.text == f"亲爱的{e.customer_nick}，88VIP专享券已到账～" for e in result.log)
    with pytest.raises(DomainError) as unknown:
        auto.bulk_send(target, "{订单号}")
    assert unknown.value.code == "template.unavailable_placeholder"
    with pytest.raises(DomainError) as nobody:
        auto.bulk_send(BulkTarget("tag", "没有这个标签"), "你好")
    assert nobody.value.code == "bulk.nobody"


def test_bulk_message_refuses_too_many_recipients_and_sends_nothing(
    ws: Workspace, auto: AutoMessageService, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.services.auto_messages as module

    monkeypatch.setattr(module, "MAX_BULK_RECIPIENTS", 3)
    with pytest.raises(DomainError) as too_many:
        auto.bulk_send(BulkTarget("all"), "你好")
    assert (too_many.value.code, too_many.value.params["limit"]) == ("bulk.too_many", 3)
    assert auto.log_count() == 0


def test_the_order_event_generator_moves_orders_along(ws: Workspace, clock: FakeClock) -> None:
    sim = OrderEventSimulator(ws.db, ws.shop.id, ws.clock, random.Random(4))
    events = [sim.next_event() for _ in range(40)]
    assert all(e is not None for e in events)
    kinds = {e.kind for e in events if e}
    assert kinds == set(OrderEventKind)
    with ws.db.session() as s:
        repo = BotRepository(s)
        for event in events:
            assert event is not None
            state = repo.order_facts(ws.shop.id, order_ids=[event.order_id])[0].state
            if event.kind is OrderEventKind.SHIPPED:
                order = OrderRepository(s).get(event.order_id)
                assert order is not None and order.tracking_no and order.carrier
            if event.kind is OrderEventKind.CREATED:
                assert event.at <= clock.now
            assert state in {s.value for s in OrderState}


def test_the_channel_generates_order_events_and_sends_auto_messages(ws: Workspace, auto: AutoMessageService) -> None:
    t = [0.0]
    channel = build_channel(ws, rate_per_min=0.0, seed=8)
    channel.monotonic = lambda: t[0]
    for _ in range(30):
        t[0] += 10.0
        channel.tick()
    assert auto.log_count() == 0  # every rule off: no events, nothing sent
    enable(auto, AutoKind.PAID)
    enable(auto, AutoKind.SHIPPED)
    auto.set_order_events_per_min(30)
    channel.reload_settings()
    for _ in range(60):
        t[0] += 10.0
        channel.tick()
    kinds = {e.kind for e in auto.log(limit=500)}
    assert kinds == {AutoKind.PAID, AutoKind.SHIPPED}
