"""The after-sales page over the demo shop: lists, case files, the forms, reviews, drafts and evidence."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Literal

import pytest
from PySide6.QtCore import QModelIndex, Qt, QTranslator
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from workbench.composition import open_workspace
from workbench.domain.aftersales import (
    AftersalesReason,
    CaseKind,
    CaseState,
    ComplaintCategory,
    ComplaintNature,
    EvidenceKind,
    ReviewDetails,
    ServiceDetails,
    ServiceRequest,
    TransitionInput,
)
from workbench.domain.complaints import Reminder
from workbench.domain.conversations import Sender
from workbench.domain.orders import Order, OrderState
from workbench.services.aftersales import AftersalesService, CaseFilter
from workbench.services.workspace import Workspace
from workbench.storage.db import Database, sqlite_url
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.ui.aftersales.complaint_form import ComplaintFormView
from workbench.ui.aftersales.dispute_form import DisputeFormView
from workbench.ui.aftersales.models import CaseRoles, CaseTableModel, EvidenceListModel, MessagePickModel
from workbench.ui.aftersales.page import AftersalesPage
from workbench.ui.aftersales.service_form import ServiceForm, item_text
from workbench.ui.tasks import Tasks
from workbench.ui.theme import install_translator

NOW = datetime(2026, 11, 24, 12, 0)


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo shop, seeded once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("demo") / "wb.sqlite3"
    ws = open_workspace(sqlite_url(path), clock=clock)
    ws.close()
    return path


@dataclass
class Env:
    ws: Workspace
    tasks: Tasks
    page: AftersalesPage
    evidence: Path

    def customer(self, nick: str) -> int:
        with self.ws.db.session() as s:
            found = CustomerRepository(s).by_nick(self.ws.shop.id, nick)
        assert found is not None
        return found.id

    def orders(self, customer_id: int) -> list[Order]:
        with self.ws.db.session() as s:
            return OrderRepository(s).for_customer(customer_id)


@pytest.fixture
def env(qtbot: QtBot, tmp_path: Path, demo_db: Path) -> Iterator[Env]:
    path = tmp_path / "wb.sqlite3"
    shutil.copyfile(demo_db, path)
    evidence = tmp_path / "evidence"
    ws = open_workspace(sqlite_url(path), clock=clock, evidence_dir=evidence)
    tasks = Tasks()
    page = AftersalesPage(tasks, ws)
    qtbot.addWidget(page)
    page.resize(1364, 860)
    with qtbot.waitSignal(page.cases_listed, timeout=10_000):
        page.show()
    yield Env(ws, tasks, page, evidence)
    # pytest-qt closes and deletes the page; no job may outlive the test
    assert tasks.wait_idle()
    qtbot.waitUntil(lambda: tasks.pending() == 0)
    ws.close()


def idle(qtbot: QtBot, env: Env) -> None:
    """Every background job done and its callback delivered."""
    qtbot.waitUntil(lambda: env.tasks.pending() == 0, timeout=10_000)


def open_case(qtbot: QtBot, env: Env, case_id: int) -> None:
    with qtbot.waitSignal(env.page.case_file.case_loaded, timeout=5000):
        env.page.open_case(case_id)


# -- models ------------------------------------------------------------------------------------------


def test_case_models_pass_the_model_tester(qtmodeltester: ModelTester, env: Env) -> None:
    model = env.page.model
    assert model.rowCount() > 50
    qtmodeltester.check(model)
    index = model.index(0, 0)
    case = index.data(CaseRoles.CASE)
    assert index.data(CaseRoles.CASE_NO) == case.case_no == index.data()
    assert index.data(CaseRoles.KIND) == case.kind.value
    assert model.index(0, 4).data() in {"待处理", "已申请", "审核中", "处理中", "买家已寄回", "待寄回"} or case.state
    assert b"caseNo" in model.roleNames().values()

    fresh = CaseTableModel(clock)
    svc = env.page.service
    page = svc.search(CaseFilter(), limit=10)
    fresh.set_cases(page.cases, page.total)
    root = QModelIndex()
    assert fresh.canFetchMore(root)
    requested: list[int] = []
    fresh.more_requested.connect(requested.append)
    fresh.fetchMore(root)
    assert requested == [10] and not fresh.canFetchMore(root)  # one page at a time
    fresh.append(svc.search(CaseFilter(), limit=10, offset=10).cases, 10)
    assert fresh.rowCount() == 20 and fresh.canFetchMore(root)
    fresh.append(page.cases, 5)  # a late answer for an old offset is ignored
    assert fresh.rowCount() == 20
    qtmodeltester.check(fresh)

    evidence = EvidenceListModel()
    qtmodeltester.check(evidence)
    wind = env.customer("路过的风2023")
    appealing = next(c for c in svc.of_customer(wind) if c.kind is CaseKind.REVIEW and c.state is CaseState.APPEALING)
    evidence.set_items(svc.case_file(appealing.id).evidence)
    qtmodeltester.check(evidence)
    assert evidence.index(0).data().startswith("[聊天记录]")

    messages = MessagePickModel()
    conv = appealing.conversation_id
    assert conv is not None
    messages.set_messages(svc.conversation_messages(conv), "路过的风2023")
    messages.check_customer_messages()
    qtmodeltester.check(messages)
    customer_lines = [m.id for m in svc.conversation_messages(conv) if m.sender is Sender.CUSTOMER]
    assert messages.checked_ids() == customer_lines
    assert messages.index(0).data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked


# -- list --------------------------------------------------------------------------------------------


def test_filter_search_and_a_customers_cases(qtbot: QtBot, env: Env) -> None:
    page = env.page
    everything = page.model.total()
    with qtbot.waitSignal(page.cases_listed) as listed:
        page.kind_combo.setCurrentIndex(page.kind_combo.findData("complaint"))
    assert 0 < listed.args[0] < everything
    assert {page.model.case_at(r).kind for r in range(page.model.rowCount())} == {CaseKind.COMPLAINT}  # type: ignore[union-attr]
    states = [page.state_combo.itemData(i) for i in range(page.state_combo.count())]
    assert states[:3] == ["", "open", "handling"]
    with qtbot.waitSignal(page.cases_listed) as appealing:
        page.state_combo.setCurrentIndex(page.state_combo.findData("appealing"))
    assert appealing.args == [1]
    with qtbot.waitSignal(page.cases_listed):
        page.kind_combo.setCurrentIndex(0)
    with qtbot.waitSignal(page.cases_listed, timeout=3000) as found:
        page.search_edit.setText("路过的风")
    assert found.args[0] >= 3
    with qtbot.waitSignal(page.cases_listed):
        page.search_edit.setText("")
    momo = env.customer("momo酱")
    with qtbot.waitSignal(page.cases_listed) as mine:
        page.show_cases_of(momo)
    assert mine.args[0] >= 3 and all(c.customer_id == momo for c in page.model.cases())
    qtbot.waitUntil(lambda: "momo酱" in page.customer_chip.text())
    with qtbot.waitSignal(page.cases_listed) as back:
        page.clear_customer_button.click()
    assert back.args == [everything]
    assert page.reminder_label.isVisible() and "个时限" in page.reminder_label.full_text()


# -- the textbook exchange, from the chat to the end ---------------------------------------------------


def test_each_form_is_built_when_it_is_first_opened(qtbot: QtBot, env: Env) -> None:
    page = env.page
    kinds = (ServiceForm, ComplaintFormView, DisputeFormView)
    forms = (page.PAGE_SERVICE, page.PAGE_COMPLAINT, page.PAGE_DISPUTE)
    assert not any(isinstance(page.stack.widget(i), kinds) for i in forms)
    zhang = env.customer("小鹿乱撞77")
    order = next(o for o in env.orders(zhang) if o.state.value == "已签收")
    page.open_complaint(zhang, order.order_no, None)
    complaint = page.stack.currentWidget()
    assert isinstance(complaint, ComplaintFormView) and page.stack.currentIndex() == page.PAGE_COMPLAINT
    assert not isinstance(page.stack.widget(page.PAGE_SERVICE), ServiceForm)
    page.open_new_case("refund", zhang, order.order_no, None)
    assert isinstance(page.stack.currentWidget(), ServiceForm) and page.stack.currentIndex() == page.PAGE_SERVICE
    page.open_complaint(zhang, order.order_no, None)  # the same form again, in its own place
    assert page.stack.currentWidget() is complaint and page.stack.count() == 5
    idle(qtbot, env)


def test_the_textbook_exchange_from_a_chat(qtbot: QtBot, env: Env) -> None:
    page = env.page
    zhang = env.customer("小鹿乱撞77")
    order = next(o for o in env.orders(zhang) if o.state.value == "已签收")
    conv = env.ws.reception.customer_arrives(zhang, "exchange_colour_size")
    env.ws.reception.customer_says(conv.id, "你好，我收到的裙子颜色和图片上的不太一样，而且有点大，我想换货")

    form = page.service_form
    with qtbot.waitSignal(form.checked, timeout=5000) as checked:
        page.open_new_case("exchange", zhang, order.order_no, conv.id)
    assert page.stack.currentWidget() is form
    assert checked.args[0].order.order_no == order.order_no
    qtbot.waitUntil(lambda: "小鹿乱撞77" in form.customer_label.text())
    assert form.kind_combo.currentData() == "exchange"
    assert [b.text() for b in form.item_boxes if b.isChecked()] == ["法式碎花茶歇连衣裙女（蓝色碎花/L）×1"]

    # inline validation: nothing filled in yet
    form.submit()
    errors = form.grid.errors_shown()
    assert errors == {"exchange_wish": "想换的颜色 / 尺码：必填", "description": "问题描述：必填"}
    form.description_edit.setPlainText("颜色和图片上的不太一样，而且有点大")
    form.wish_edit.setText("米白 M码")
    form.wish_edit.textEdited.emit("米白 M码")
    assert form.grid.errors_shown() == {}
    with qtbot.waitSignal(form.checked, timeout=5000) as rechecked:
        form.reason_combo.setCurrentIndex(form.reason_combo.findData("not_as_described"))
    assert rechecked.args[0].verdict.eligible
    assert any("由店铺负责" in t for t in form.policy_panel.finding_texts())

    with qtbot.waitSignal(page.case_saved, timeout=5000) as saved:
        form.submit()
    case_id = saved.args[0]
    qtbot.waitUntil(lambda: page.case_file.case() is not None and page.case_file.case().id == case_id)  # type: ignore[union-attr]
    assert page.stack.currentWidget() is page.case_file
    cf = page.case_file
    assert cf.header_card.state_pill.text() == "已申请"
    assert isinstance(cf.case().details, ServiceDetails)  # type: ignore[union-attr]

    def move(state: CaseState) -> None:
        with qtbot.waitSignal(cf.case_changed, timeout=5000):
            cf.actions_card.action_buttons[state].click()
        qtbot.waitUntil(lambda: cf.case() is not None and cf.case().state is state)  # type: ignore[union-attr]

    move(CaseState.REVIEWING)
    move(CaseState.AWAITING_RETURN)
    assert cf.actions_card.send_return_button.isVisible() and cf.actions_card.send_return_button.isEnabled()
    with qtbot.waitSignal(page.send_text_requested, timeout=5000) as sent:
        cf.actions_card.send_return_button.click()
    conv_id, text = sent.args
    assert conv_id == conv.id and "寄回地址" in text and "米白 M码" in text and "店铺承担" in text

    # registering the parcel sent back needs a tracking number
    cf.actions_card.action_buttons[CaseState.RETURN_SHIPPED].click()
    assert cf.actions_card.panel.isVisible() and cf.actions_card.panel.tracking_holder.isVisibleTo(
        cf.actions_card.panel
    )
    cf.actions_card.panel.confirm()
    assert cf.actions_card.panel.error_label.text() == "请填写运单号。"
    cf.actions_card.panel.carrier_edit.setText("圆通")
    cf.actions_card.panel.tracking_edit.setText("YT1234567890")
    with qtbot.waitSignal(cf.case_changed, timeout=5000):
        cf.actions_card.panel.confirm_button.click()
    qtbot.waitUntil(lambda: cf.case() is not None and cf.case().state is CaseState.RETURN_SHIPPED)  # type: ignore[union-attr]
    move(CaseState.RECEIVED)
    cf.actions_card.action_buttons[CaseState.REPLACEMENT_SHIPPED].click()
    cf.actions_card.panel.tracking_edit.setText("ZT9988776655")
    with qtbot.waitSignal(cf.case_changed, timeout=5000):
        cf.actions_card.panel.confirm_button.click()
    qtbot.waitUntil(lambda: CaseState.COMPLETED in cf.actions_card.action_buttons)
    cf.actions_card.action_buttons[CaseState.COMPLETED].click()
    cf.actions_card.panel.reason_edit.setPlainText("张女士收到新裙子，很满意")
    with qtbot.waitSignal(cf.case_changed, timeout=5000):
        cf.actions_card.panel.confirm_button.click()
    qtbot.waitUntil(lambda: cf.case() is not None and cf.case().state is CaseState.COMPLETED)  # type: ignore[union-attr]
    assert cf.actions_card.final_label.isVisible()
    entries = [text for text, _time in cf.timeline_card.entries()]
    assert entries[0].startswith("状态变更：换新已发出 → 已完成") and "很满意" in entries[0]
    assert any(e.startswith("发送给买家") for e in entries)
    assert entries[-1].startswith("创建：已申请")


def test_refunding_a_partial_return_offers_the_items_share_not_the_whole_order(qtbot: QtBot, env: Env) -> None:
    """One dress of a two-item order comes back: 退款 starts from what the buyer paid for that dress."""
    order = next(
        o
        for o, _nick in env.ws.orders.page(OrderState.SIGNED, limit=500).rows
        if len(o.items) >= 2 and len({i.price_cents for i in o.items}) > 1
    )
    service, actor = env.page.service, "测试"
    case = service.open_case(
        ServiceRequest(
            kind=CaseKind.RETURN,
            customer_id=order.customer_id,
            order_no=order.order_no,
            reason=AftersalesReason.NO_REASON,
            description="不喜欢这一件，想退掉",
            items=(item_text(order, 0),),
        ),
        actor,
    )
    for state in (CaseState.REVIEWING, CaseState.AWAITING_RETURN, CaseState.RECEIVED):
        service.transition(case.id, state, TransitionInput(), actor)
    open_case(qtbot, env, case.id)
    cf = env.page.case_file
    cf.actions_card.action_buttons[CaseState.REFUNDED].click()
    subtotal = sum(i.price_cents * i.quantity for i in order.items)
    first = order.items[0].price_cents * order.items[0].quantity
    amount = cf.actions_card.panel.amount_edit
    assert amount.cents() == round(order.total_cents * first / subtotal)  # its share of the discount too
    assert amount.cents() < order.total_cents


def test_a_refund_request_offers_what_the_ticked_items_cost(qtbot: QtBot, env: Env) -> None:
    """The 退款 form's amount follows the ticked items, until the agent types an amount of their own."""
    order = next(
        o
        for o, _nick in env.ws.orders.page(OrderState.SIGNED, limit=500).rows
        if len(o.items) >= 2 and len({i.price_cents for i in o.items}) > 1
    )
    page, form = env.page, env.page.service_form
    with qtbot.waitSignal(form.checked, timeout=5000):
        page.open_new_case("refund", order.customer_id, order.order_no, None)
    assert form.amount_edit.cents() == order.total_cents  # every item ticked: the whole order
    form.item_boxes[1].setChecked(False)
    subtotal = sum(i.price_cents * i.quantity for i in order.items)
    first = order.items[0].price_cents * order.items[0].quantity
    assert form.amount_edit.cents() == round(order.total_cents * first / subtotal)
    form.amount_edit.set_cents(1000)  # the agent's own amount stays
    form.item_boxes[1].setChecked(True)
    assert form.amount_edit.cents() == 1000


def test_rejecting_needs_a_reason(qtbot: QtBot, env: Env) -> None:
    svc = env.page.service
    requested = svc.search(CaseFilter(kinds=(CaseKind.EXCHANGE,), states=(CaseState.REQUESTED,))).cases[0]
    open_case(qtbot, env, requested.id)
    cf = env.page.case_file
    cf.actions_card.action_buttons[CaseState.REJECTED].click()
    assert "拒绝原因" in cf.actions_card.panel.reason_edit.placeholderText()
    cf.actions_card.panel.confirm()
    assert cf.actions_card.panel.error_label.text() == "请写明原因（会记录在工单的时间线上）。"
    assert svc.get(requested.id).state is CaseState.REQUESTED  # type: ignore[union-attr]
    cf.actions_card.panel.reason_edit.setPlainText("已超过七天无理由期限")
    with qtbot.waitSignal(cf.case_changed, timeout=5000):
        cf.actions_card.panel.confirm_button.click()
    assert svc.get(requested.id).state is CaseState.REJECTED  # type: ignore[union-attr]


# -- complaints, disputes, drafts ----------------------------------------------------------------------


def test_malicious_complaint_signals_the_agent_decides_with_evidence(qtbot: QtBot, env: Env) -> None:
    page = env.page
    wind = env.customer("路过的风2023")
    order = next(o for o in env.orders(wind) if o.state.value == "交易成功")
    convs = AftersalesService(env.ws.db, env.ws.shop.id).customer_conversations(wind)
    form = page.complaint_form
    page.open_complaint(wind, order.order_no, convs[0])
    qtbot.waitUntil(lambda: form.evidence_box.picker.model.rowCount() > 0, timeout=5000)
    assert form.evidence_box.picker.checked_ids()  # the customer's own lines are ticked
    with qtbot.waitSignal(form.signals_checked, timeout=5000) as checked:
        form.description_edit.setPlainText("衣服全是线头，根本没法穿，你们就是黑店")
    risk = checked.args[0]
    hits = {s.code for s in risk.hits}
    assert {"exaggerated", "complaint_history", "review_history"} <= hits
    assert "发现" in form.suggestion_label.text()
    texts = form.risk_panel.signal_texts()
    assert "黑店" in texts["exaggerated"] and "此前投诉" in texts["complaint_history"]
    assert form.normal_radio.isChecked()  # the program suggests; the agent decides
    assert not form.appeal.reference_edit.isVisibleTo(form)
    form.malicious_radio.setChecked(True)
    assert form.appeal.reference_edit.isVisibleTo(form)
    with qtbot.waitSignal(page.case_saved, timeout=5000) as saved:
        form.submit()
    case = page.service.get(saved.args[0])
    assert case is not None and case.flagged and case.details.nature is ComplaintNature.MALICIOUS  # type: ignore[union-attr]
    evidence = page.service.case_file(case.id).evidence
    assert {e.kind for e in evidence} >= {EvidenceKind.MESSAGE, EvidenceKind.ORDER, EvidenceKind.LOGISTICS}


def test_complaint_form_validates_inline_and_keeps_a_draft(qtbot: QtBot, env: Env) -> None:
    page = env.page
    zhang = env.customer("小鹿乱撞77")
    form = page.complaint_form
    page.open_complaint(zhang, None, None)
    qtbot.waitUntil(lambda: "小鹿乱撞77" in form.customer_label.text())
    form.submit()
    assert form.grid.errors_shown() == {"order_no": "订单号：必填", "description": "问题描述：必填"}
    form.category_buttons[ComplaintCategory.SERVICE].setChecked(True)
    assert form.type_combo.currentData() == "slow_response"
    with qtbot.waitSignal(form.drafts.saved, timeout=5000):
        form.description_edit.setPlainText("客服一直不回消息，问了三次")
    qtbot.waitUntil(lambda: "order_no" not in form.grid.errors_shown())
    # the draft is in the database: another instance of the service reads it back
    fresh = AftersalesService(Database(env.ws.db.url), env.ws.shop.id)
    draft = fresh.draft(form.drafts.key())
    assert draft is not None and draft.payload["description"] == "客服一直不回消息，问了三次"
    assert draft.payload["category"] == "service"
    fresh.db.dispose()
    # opening the same form again brings the draft back
    page.open_new_case("return", zhang, None, None)
    with qtbot.waitSignal(form.drafts.restored, timeout=5000):
        page.open_complaint(zhang, None, None)
    qtbot.waitUntil(lambda: form.description_edit.toPlainText() == "客服一直不回消息，问了三次")
    assert form.type_combo.currentData() == "slow_response"
    assert form.discard_button.isVisible()
    key = form.drafts.key()
    with qtbot.waitSignal(page.case_saved, timeout=5000):
        form.submit()
    idle(qtbot, env)
    assert page.service.draft(key) is None  # submitted: the draft is gone


def test_the_complaint_order_field_is_marked_required_only_for_product_quality(qtbot: QtBot, env: Env) -> None:
    """商品质量 complaints must name the order, so its label carries the * like every other required field."""
    form = env.page.complaint_form
    env.page.open_complaint(0, None, None)
    idle(qtbot, env)
    assert form.category_buttons[ComplaintCategory.PRODUCT].isChecked()
    assert form.grid.caption_text("order_no") == "订单号 *"
    form.category_buttons[ComplaintCategory.SERVICE].setChecked(True)
    assert form.grid.caption_text("order_no") == "订单号"
    form.category_buttons[ComplaintCategory.PRODUCT].setChecked(True)
    assert form.grid.caption_text("order_no") == "订单号 *"


def test_dispute_with_a_deadline_shows_in_the_reminders(qtbot: QtBot, env: Env) -> None:
    page = env.page
    zhang = env.customer("小鹿乱撞77")
    order = next(o for o in env.orders(zhang) if o.state.value == "已签收")
    page.open_new_case("dispute", zhang, order.order_no, None)
    form = page.dispute_form
    qtbot.waitUntil(lambda: page.stack.currentWidget() is form and "小鹿乱撞77" in form.customer_label.text())
    assert [r.value().label for r in form._rows()] == ["回应买家"]
    form.cause_combo.setCurrentIndex(form.cause_combo.findData("not_received"))
    form.description_edit.setPlainText("买家说没收到货，申请平台介入")
    form.asked_edit.setText("全额退款")
    form.platform_combo.setCurrentIndex(form.platform_combo.findData("intervened"))
    form.add_deadline("举证截止", datetime(2026, 11, 24, 20, 0))
    with qtbot.waitSignal(page.case_saved, timeout=5000) as saved:
        form.submit()
    case = page.service.get(saved.args[0])
    assert case is not None and case.state is CaseState.PLATFORM
    assert case.due_at == datetime(2026, 11, 24, 20, 0)
    with qtbot.waitSignal(page.reminders_changed, timeout=5000):
        page.refresh_reminders()
    assert any(r.case_id == case.id and r.label == "举证截止" and not r.overdue for r in page.reminders())
    assert page.reminder_label.isVisible()


FormName = Literal["service", "complaint", "dispute"]
AnyForm = ServiceForm | ComplaintFormView | DisputeFormView


def open_form(qtbot: QtBot, env: Env, name: FormName, customer_id: int, order_no: str) -> AnyForm:
    """Open one of the three case forms for a customer's order and wait until it shows the customer."""
    page = env.page
    form: AnyForm
    if name == "service":
        form = page.service_form
        page.open_new_case("exchange", customer_id, order_no, None)
    elif name == "complaint":
        form = page.complaint_form
        page.open_complaint(customer_id, order_no, None)
    else:
        form = page.dispute_form
        page.open_new_case("dispute", customer_id, order_no, None)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is form and "小鹿乱撞77" in form.customer_label.text())
    return form


@pytest.mark.parametrize("name", ["service", "complaint", "dispute"])
def test_each_form_brings_its_draft_back_and_can_discard_it(qtbot: QtBot, env: Env, name: FormName) -> None:
    page = env.page
    zhang = env.customer("小鹿乱撞77")
    order = next(o for o in env.orders(zhang) if o.state.value == "已签收")
    form = open_form(qtbot, env, name, zhang, order.order_no)
    key = form.drafts.key()
    assert not form.discard_button.isVisible()
    with qtbot.waitSignal(form.drafts.saved, timeout=5000):
        form.description_edit.setPlainText("买家的原话，晚点再接着填")
    assert form.draft_note.text() == "草稿已自动保存"

    page.open_new_case("return", zhang, None, None)  # away to another form, then back to the same one
    with qtbot.waitSignal(form.drafts.restored, timeout=5000):
        open_form(qtbot, env, name, zhang, order.order_no)
    assert form.drafts.key() == key
    assert form.description_edit.toPlainText() == "买家的原话，晚点再接着填"
    assert form.draft_note.text() == f"已恢复未提交的草稿（{NOW:%m-%d %H:%M} 保存）"
    assert form.discard_button.isVisible()

    form.discard_button.click()
    assert form.draft_note.text() == "草稿已丢弃" and not form.discard_button.isVisible()
    idle(qtbot, env)
    assert page.service.draft(key) is None


@pytest.mark.parametrize("name", ["service", "complaint", "dispute"])
def test_each_form_counts_its_problems_on_submit_and_keeps_the_draft_on_cancel(
    qtbot: QtBot, env: Env, name: FormName
) -> None:
    page = env.page
    zhang = env.customer("小鹿乱撞77")
    order = next(o for o in env.orders(zhang) if o.state.value == "已签收")
    form = open_form(qtbot, env, name, zhang, order.order_no)
    idle(qtbot, env)  # the order is looked up
    form.submit()
    problems = form.errors()
    assert problems and "description" in {e.field for e in problems}
    assert form.form_error.isVisible()
    assert form.form_error.text() == f"还有 {len(problems)} 处需要填写或修改。"
    first = next(f for f in form.grid.fields() if f in form.grid.errors_shown())
    assert form.focusWidget() is form.grid.editor(first)

    # after a submit every problem shows; the count goes once none is left
    form.description_edit.setPlainText("颜色和图片上的不太一样")
    assert "description" not in form.grid.errors_shown()
    assert form.form_error.isVisible() == bool(form.errors())

    key = form.drafts.key()
    with qtbot.waitSignal(form.cancelled, timeout=5000):
        form.cancel_button.click()
    idle(qtbot, env)
    draft = page.service.draft(key)
    assert draft is not None and draft.payload["description"] == "颜色和图片上的不太一样"


# -- reviews -------------------------------------------------------------------------------------------


def test_reviews_reply_with_a_suggestion_and_the_risk_of_a_professional(qtbot: QtBot, env: Env) -> None:
    page = env.page
    view = page.reviews_view
    with qtbot.waitSignal(view.listed, timeout=5000) as listed:
        page.tabs.setCurrentIndex(1)
    assert listed.args[0] >= 30 and "好评率" in view.stats_label.text()
    cf = view.case_file
    pro = page.reviews.find(state=CaseState.APPEALING)[0]
    with qtbot.waitSignal(cf.case_loaded, timeout=5000):
        view.select(pro.id)
    texts = cf.risk_panel.signal_texts()
    assert "删评" in texts["money_request"] and "注册 " in texts["new_account"]
    assert "仅供参考" in cf.risk_panel.note.text()
    assert cf.header_card.flag_badge.isVisible()

    good = next(c for c in page.reviews.find() if c.customer_nick == "lily_0521")
    with qtbot.waitSignal(cf.case_loaded, timeout=5000):
        view.select(good.id)
    assert not cf.risk_panel.isVisibleTo(cf) and not cf.actions_card.buttons_holder.isVisibleTo(cf)
    qtbot.waitUntil(lambda: len(cf.review_card.suggestions()) == 3, timeout=5000)
    assert all("lily_0521" in s and "3张" in s for s in cf.review_card.suggestions())
    cf.review_card.suggestions_box.itemAt(1).widget().click()  # type: ignore[union-attr]
    assert cf.review_card.reply_edit.toPlainText() == cf.review_card.suggestions()[1]
    with qtbot.waitSignal(cf.case_changed, timeout=5000) as changed:
        cf.review_card.reply_button.click()
    replied = changed.args[0]
    assert replied.state is CaseState.REPLIED and isinstance(replied.details, ReviewDetails)
    assert replied.details.reply == cf.review_card.suggestions()[1]


def test_a_review_search_without_matches_says_so_in_the_lists_place(qtbot: QtBot, env: Env) -> None:
    view = env.page.reviews_view
    with qtbot.waitSignal(view.listed, timeout=5000):
        env.page.tabs.setCurrentIndex(1)
    with qtbot.waitSignal(view.listed, timeout=5000) as listed:
        view.search_edit.setText("没有这样的评价xyz")
    assert listed.args[0] == 0
    qtbot.waitUntil(lambda: view.empty_label.isVisible())
    # the message stands where the list was, whole, not squeezed under the empty list at the window's edge
    assert not view.list_view.isVisible()
    assert view.empty_label.height() > 4 * view.empty_label.sizeHint().height()
    with qtbot.waitSignal(view.listed, timeout=5000):
        view.search_edit.setText("")
    assert view.list_view.isVisible() and not view.empty_label.isVisible()


def test_flagging_a_review_needs_the_agents_reason(qtbot: QtBot, env: Env) -> None:
    page = env.page
    bad = next(c for c in page.reviews.find() if c.subtype == "bad" and not c.flagged and c.state is CaseState.PENDING)
    page.tabs.setCurrentIndex(1)
    cf = page.reviews_view.case_file
    with qtbot.waitSignal(cf.case_loaded, timeout=5000):
        page.reviews_view.select(bad.id)
    assert cf.actions_card.flag_button.text() == "标记为疑似职业差评师…"
    cf.actions_card.flag_button.click()
    cf.actions_card.panel.confirm()
    assert "判断依据" in cf.actions_card.panel.error_label.text()
    cf.actions_card.panel.reason_edit.setPlainText("买家在聊天中以删评为条件要钱")
    with qtbot.waitSignal(cf.case_changed, timeout=5000) as changed:
        cf.actions_card.panel.confirm_button.click()
    assert changed.args[0].flagged


# -- evidence ------------------------------------------------------------------------------------------


def test_evidence_files_and_the_pdf_packet(qtbot: QtBot, env: Env, tmp_path: Path) -> None:
    page = env.page
    pro = page.reviews.find(state=CaseState.APPEALING)[0]
    open_case(qtbot, env, pro.id)
    cf = page.case_file
    before = cf.evidence_card.model.rowCount()
    image = QImage(120, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("#f5f0e6"))
    shot = tmp_path / "聊天截图.png"
    assert image.save(str(shot))
    with qtbot.waitSignal(cf.case_loaded, timeout=5000):
        cf.attach_files([shot, shot])
    qtbot.waitUntil(lambda: cf.evidence_card.model.rowCount() == before + 1)
    stored = [p for p in env.evidence.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() == shot.read_bytes()
    with qtbot.waitSignal(cf.case_loaded, timeout=5000):
        cf.attach_snapshot(False)
    assert cf.evidence_card.model.rowCount() == before + 2
    pdf = tmp_path / "packet.pdf"
    with qtbot.waitSignal(cf.packet_exported, timeout=20_000) as exported:
        cf.export_packet(pdf)
    assert exported.args == [str(pdf)]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000


def test_a_file_that_cannot_be_attached_is_reported_in_the_evidence_card(
    qtbot: QtBot, env: Env, tmp_path: Path
) -> None:
    """Two files picked, one unreadable: neither is attached, and the message stands under the evidence
    buttons, not in the 处理 card."""
    page = env.page
    pro = page.reviews.find(state=CaseState.APPEALING)[0]
    open_case(qtbot, env, pro.id)
    cf = page.case_file
    before = len(page.service.case_file(pro.id).evidence)
    photo = tmp_path / "差评截图.png"
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("#ffffff"))
    assert image.save(str(photo))
    with qtbot.waitSignal(cf.action_failed, timeout=5000) as failed:
        cf.attach_files([photo, tmp_path / "已删除.jpg"])
    assert failed.args == ["「已删除.jpg」不是文件。"]
    assert cf.evidence_card.error_label.isVisible() and cf.evidence_card.error_label.text() == failed.args[0]
    assert not cf.actions_card.error_label.isVisible()
    assert len(page.service.case_file(pro.id).evidence) == before  # the readable one was not attached alone
    with qtbot.waitSignal(cf.case_loaded, timeout=5000):
        cf.attach_files([photo])
    assert cf.evidence_card.model.rowCount() == before + 1 and not cf.evidence_card.error_label.isVisible()


def test_a_long_reminder_is_elided_and_does_not_widen_the_case_list(qtbot: QtBot, env: Env) -> None:
    """A dispute deadline's label is the agent's own text: a long one must not push the forms off screen."""
    page = env.page
    label = "联系快递公司核实签收底单并把照片上传到平台" * 8
    page._on_reminders([Reminder(1, "JF2611240001", label, NOW, overdue=True)])
    assert label in page.reminder_label.full_text() and label in page.reminder_label.toolTip()
    assert page.reminder_label.text().endswith("…")
    assert page.table.parentWidget().minimumSizeHint().width() < 400


class _ReminderTranslator(QTranslator):
    """Stands in for the English catalogue for the labels the service gives its own reminders."""

    WORDS: ClassVar[dict[str, str]] = {"回访": "Follow-up", "审核时限": "Review deadline"}

    def translate(self, context: str, source: str, disambiguation: str | None = None, n: int = -1) -> str | None:
        # None: no translation here (an empty string would be taken as one)
        return self.WORDS.get(source) if context == "Aftersales" else None


def test_the_reminder_bar_translates_the_labels_the_service_gives(qtbot: QtBot, env: Env, qapp: QApplication) -> None:
    translator = _ReminderTranslator()
    qapp.installTranslator(translator)
    try:
        with qtbot.waitSignal(env.page.reminders_changed, timeout=5000):
            env.page.refresh_reminders()
        first = env.page.reminders()[0]
        assert first.label in _ReminderTranslator.WORDS  # the demo's earliest is a follow-up or a review limit
        text = env.page.reminder_label.full_text()
        assert f"{first.case_no} {_ReminderTranslator.WORDS[first.label]} " in text and first.label not in text
    finally:
        qapp.removeTranslator(translator)


def test_the_page_speaks_english(qtbot: QtBot, env: Env, qapp: QApplication) -> None:
    translator = install_translator(qapp, "en")
    assert translator is not None
    try:
        page = AftersalesPage(env.tasks, env.ws)
        qtbot.addWidget(page)
        assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == ["After-sales cases", "Reviews"]
        assert page.kind_combo.itemText(0) == "All kinds"
        assert page.service_form.submit_button.text() == "Submit"
        idle(qtbot, env)
    finally:
        qapp.removeTranslator(translator)


def test_the_texts_the_forms_share_speak_english(qtbot: QtBot, env: Env, qapp: QApplication) -> None:
    translator = install_translator(qapp, "en")
    assert translator is not None
    try:
        page = AftersalesPage(env.tasks, env.ws)
        qtbot.addWidget(page)
        for form in (page.service_form, page.complaint_form, page.dispute_form):
            assert (form.discard_button.text(), form.cancel_button.text()) == ("Discard draft", "Cancel")
            form.submit()  # nothing filled in
            assert form.form_error.text() == f"{len(form.errors())} fields still need filling in or fixing."
        idle(qtbot, env)
    finally:
        qapp.removeTranslator(translator)


def test_a_complaint_opened_without_the_chat_offers_the_buyers_live_chat(qtbot: QtBot, env: Env) -> None:
    """From 订单 or 售后 (no chat given) the complaint and dispute forms read the buyer's live chat:
    not 该客户没有聊天记录 while the buyer is talking to the shop."""
    page = env.page
    wind = env.customer("路过的风2023")
    order = env.orders(wind)[0]
    live = env.ws.reception.customer_arrives(wind, first_text="衣服起球了，我要投诉")
    page.open_new_case("complaint", wind, order.order_no, None)
    form = page.complaint_form
    qtbot.waitUntil(lambda: form.evidence_box.picker.model.rowCount() > 0, timeout=30_000)
    model = form.evidence_box.picker.model
    texts = [m.text for m in model._messages]
    assert "衣服起球了，我要投诉" in texts and not form.evidence_box.picker.empty.isVisibleTo(form)
    assert form._conversation_id == live.id  # the case is linked to that chat
    page.open_new_case("dispute", wind, order.order_no, None)
    dispute = page.dispute_form
    qtbot.waitUntil(lambda: dispute.evidence_box.picker.model.rowCount() > 0, timeout=30_000)


def test_the_customer_line_follows_the_order_looked_up(qtbot: QtBot, env: Env) -> None:
    """A form opened without a customer (售后's 新建) names the buyer once the order number is found,
    and a complaint then offers that buyer's live chat."""
    page = env.page
    wind = env.customer("路过的风2023")
    order = env.orders(wind)[0]
    env.ws.reception.customer_arrives(wind, first_text="我要投诉你们的客服")
    for kind in ("return", "complaint"):
        page.open_new_case(kind, 0, None, None)
        form = page.service_form if kind == "return" else page.complaint_form
        qtbot.waitUntil(lambda f=form: "由订单号确定" in f.customer_label.text(), timeout=30_000)
        form.order_edit.setText(order.order_no)
        form.order_edit.textEdited.emit(order.order_no)
        qtbot.waitUntil(lambda f=form: "路过的风2023" in f.customer_label.text(), timeout=30_000)
    qtbot.waitUntil(lambda: page.complaint_form.evidence_box.picker.model.rowCount() > 0, timeout=30_000)


def test_the_case_files_send_buttons_reach_a_buyer_not_in_a_chat_as_an_offline_message(qtbot: QtBot, env: Env) -> None:
    """发送处理进度 with no chat open: not a dead button but a 离线消息 the buyer reads when back."""
    order = next(o for o, _nick in env.ws.orders.page(OrderState.SIGNED, limit=500).rows if o.items)
    service = env.page.service
    case = service.open_case(
        ServiceRequest(
            kind=CaseKind.RETURN,
            customer_id=order.customer_id,
            order_no=order.order_no,
            reason=AftersalesReason.NO_REASON,
            description="不想要了",
            items=(item_text(order, 0),),
        ),
        "测试",
    )
    open_case(qtbot, env, case.id)
    cf = env.page.case_file
    assert cf.file is not None and cf.file.open_conversation_id is None
    assert cf.actions_card.send_progress_button.isEnabled()
    with qtbot.waitSignal(cf.offline_sent, timeout=30_000) as sent:
        cf.actions_card.send_progress_button.click()
    messages = env.ws.reception.messages(sent.args[0])
    assert len(messages) >= 2, (sent.args, messages)
    assert messages[-2].sender is Sender.AGENT and messages[-1].text == "离线消息：买家下次进店时可以看到"
    conv = env.ws.reception.get(sent.args[0])
    assert conv is not None and conv.customer_id == order.customer_id
