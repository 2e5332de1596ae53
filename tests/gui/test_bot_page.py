"""The 店小蜜 settings page over the demo shop: the seed's 实战 tasks done through the widgets, with
inline validation, and every list model checked with qtmodeltester."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from workbench.composition import open_workspace
from workbench.domain.auto_messages import AutoKind, LogStatus
from workbench.domain.bot import AutoStrategy, CardMode, ReceptionMode
from workbench.domain.errors import DomainError
from workbench.domain.routing import AgentRole, RoutingStrategy
from workbench.domain.shops import AgentStatus
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url
from workbench.ui.bot.accounts_tab import AccountDialog, GroupDialog
from workbench.ui.bot.page import BotSettingsPage
from workbench.ui.tasks import Tasks

NOW = datetime(2026, 11, 11, 10, 0, 0)


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("botdemo") / "demo.sqlite3"
    open_workspace(sqlite_url(path), clock=clock).close()
    return path


@pytest.fixture
def ws(tmp_path: Path, demo_file: Path) -> Iterator[Workspace]:
    path = tmp_path / "wb.sqlite3"
    shutil.copyfile(demo_file, path)
    workspace = open_workspace(sqlite_url(path), clock=clock)
    yield workspace
    workspace.close()


@pytest.fixture
def page(qtbot: QtBot, ws: Workspace) -> Iterator[BotSettingsPage]:
    tasks = Tasks()
    widget = BotSettingsPage(tasks, ws)
    qtbot.addWidget(widget)
    widget.resize(1300, 860)
    widget.show()
    for index in range(widget.tabs.count()):  # each tab is built when first shown: open them all
        widget.tabs.setCurrentIndex(index)
    widget.tabs.setCurrentIndex(BotSettingsPage.TAB_WELCOME)
    qtbot.waitUntil(lambda: not widget._pending, timeout=10_000)
    yield widget
    assert tasks.wait_idle()
    qtbot.waitUntil(lambda: tasks.pending() == 0)


def saved(qtbot: QtBot, page: BotSettingsPage, button_click) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.settings_changed, timeout=10_000):
        button_click()


# -- 欢迎语 ----------------------------------------------------------------------------------------


def test_rename_the_bot_and_set_welcome_texts_with_five_card_questions(
    qtbot: QtBot, page: BotSettingsPage, ws: Workspace
) -> None:
    tab = page.welcome
    assert tab.nickname.text() == "小栀"
    tab.nickname.setText("小南")
    tab.default_text.setPlainText("")
    qtbot.keyClicks(tab.default_text, "Hi! ")
    tab.insert_name.click()
    assert tab.default_text.toPlainText() == "Hi! {机器人昵称}"
    tab.mode_manual.setChecked(True)

    dialog = tab.open_picker()
    dialog.category.setCurrentIndex(dialog.category.findData("物流问题"))
    assert {e.category for e in dialog.model.records()} == {"物流问题"}
    assert dialog.select_question("什么时候发货")
    dialog.accept()
    for question in ("包邮吗", "支持七天无理由退换吗", "尺码标准吗，偏大还是偏小"):
        dialog = tab.open_picker()
        dialog.search.setText(question[:2])
        assert dialog.select_question(question), question
        dialog.accept()
    tab.custom_question.setText("可以刻字吗")
    tab.custom_question.returnPressed.emit()
    assert [q.question for q in tab.card_model.records()] == [
        "什么时候发货",
        "包邮吗",
        "支持七天无理由退换吗",
        "尺码标准吗，偏大还是偏小",
        "可以刻字吗",
    ]
    # the card's answer can be changed for one question
    tab.card_view.setCurrentIndex(tab.card_model.index(1, 0))
    tab.card_answer.setPlainText("全国包邮（偏远地区除外）")

    with qtbot.waitSignal(tab.preview_updated, timeout=5000):
        pass
    assert tab.preview.question_texts() == [q.question for q in tab.card_model.records()]
    assert tab.preview.bubble.text() == "Hi! 小南"
    assert tab.preview.name_label.text().startswith("小南")
    saved(qtbot, page, tab.save_button.click)

    welcome = page.bot_service.settings().welcome
    assert welcome.nickname == "小南" and welcome.default_text == "Hi! {机器人昵称}"
    assert welcome.card_mode is CardMode.MANUAL and len(welcome.card_questions) == 5
    assert welcome.card_questions[1].answer == "全国包邮（偏远地区除外）"
    assert welcome.card_questions[0].entry_id is not None and welcome.card_questions[4].entry_id is None
    assert "已保存" in tab.status.text()


def test_smart_card_previews_hot_questions_and_periods_are_edited_in_the_table(
    qtbot: QtBot, page: BotSettingsPage
) -> None:
    tab = page.welcome
    assert tab.mode_smart.isChecked()
    tab.update_preview()
    assert len(tab.preview.question_texts()) == 3  # 智能预测 fills three with no questions of the shop's own
    assert tab.preview.button_texts() == ["查订单", "查物流", "退换货", "转人工"]
    model = tab.period_model
    assert [(r.start, r.end) for r in model.records()] == [("00:00", "09:00")]  # outside the shop's service hours
    tab.add_period.click()
    index = model.index(1, 0)
    assert model.setData(index, "12:00") and model.setData(model.index(1, 1), "13:30")
    assert model.setData(model.index(1, 2), "午休时间，机器人为您服务")
    saved(qtbot, page, tab.save_button.click)
    periods = page.bot_service.settings().welcome.periods
    assert [(p.start.hour, p.end.hour, p.end.minute, p.text) for p in periods][1] == (
        12,
        13,
        30,
        "午休时间，机器人为您服务",
    )


def test_welcome_form_errors_show_next_to_their_fields_and_nothing_is_saved(
    qtbot: QtBot, page: BotSettingsPage
) -> None:
    tab = page.welcome
    tab.nickname.clear()
    tab.period_model.setData(tab.period_model.index(0, 0), "25:61")
    tab.mode_manual.setChecked(True)
    with qtbot.assertNotEmitted(page.settings_changed):
        tab.save_button.click()
    assert tab.errors.text("nickname") == "请填写机器人昵称。"
    assert "25:61" in tab.errors.text("periods")
    assert tab.status.objectName() == "error"  # the status line turns red
    assert tab.errors.text("card_questions") == "「全部人工配置」至少要添加一个卡片问题。"
    assert tab.nickname.property("invalid") is True
    assert page.bot_service.settings().version == 0
    tab.nickname.setText("小栀")
    tab.period_model.setData(tab.period_model.index(0, 0), "00:00")
    tab.mode_smart.setChecked(True)
    saved(qtbot, page, tab.save_button.click)
    assert tab.errors.text("nickname") == "" and tab.nickname.property("invalid") is False
    assert tab.status.objectName() == "okLine"


def test_dialogs_name_their_buttons_cancel_and_show_problems_no_field_takes(
    qtbot: QtBot, page: BotSettingsPage
) -> None:
    dialog = page.accounts.open_account_dialog(None)
    save, cancel = (
        dialog.buttons.button(b) for b in (QDialogButtonBox.StandardButton.Save, QDialogButtonBox.StandardButton.Cancel)
    )
    assert (save.text(), cancel.text()) == ("保存", "取消")
    dialog.show_problems([DomainError("account.missing"), DomainError("account.name_empty", field="display_name")])
    assert dialog.status.isVisibleTo(dialog) and dialog.status.text() == "找不到该子账号，可能已被删除。"
    assert dialog.errors.text("display_name") == "请填写昵称。" and save.isEnabled()
    with qtbot.waitSignal(dialog.rejected, timeout=5000):
        cancel.click()

    group_dialog = page.accounts.open_group_dialog(None)
    with qtbot.assertNotEmitted(group_dialog.submitted):
        group_dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert group_dialog.errors.text("name") == "请填写接待组名称。"
    assert not group_dialog.status.isVisibleTo(group_dialog)  # every problem found its field
    group_dialog.reject()

    picker = page.welcome.open_picker()
    buttons = picker.findChild(QDialogButtonBox)
    assert isinstance(buttons, QDialogButtonBox)
    ok, cancel = (
        buttons.button(b) for b in (QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel)
    )
    assert (ok.text(), cancel.text()) == ("添加", "取消")
    assert picker.select_question(picker.model.records()[0].question)
    with qtbot.waitSignal(picker.accepted, timeout=5000):
        ok.click()


# -- 转人工 and 接待模式 ---------------------------------------------------------------------------


def test_transfer_rules_are_saved_and_can_be_tried(qtbot: QtBot, page: BotSettingsPage) -> None:
    tab = page.transfer
    tab.keywords.setText("人工，投诉 退款")
    tab.max_misses.setValue(3)
    tab.repeat_limit.setValue(0)
    tab.sensitivity.setCurrentIndex(0)  # high
    tab.trial_input.setText("我要退款")
    assert tab.trial_result.text() == "会转人工：含关键词「退款」。"
    tab.trial_input.setText("你们这什么破服务，气死我了！！")
    assert tab.trial_result.text().startswith("会转人工：负面情绪")
    tab.trial_input.setText("什么时候发货")
    assert tab.trial_result.text() == "不会因关键词或情绪转人工；机器人会先按知识库回答。"
    tab.success_prompt.setPlainText("")
    with qtbot.assertNotEmitted(page.settings_changed):
        tab.save_button.click()
    assert tab.errors.text("success_prompt") == "内容不能为空。"
    tab.success_prompt.setPlainText("好的，马上为您转接人工～")
    saved(qtbot, page, tab.save_button.click)
    rules = page.bot_service.settings().transfer
    assert rules.keywords == ("人工", "投诉", "退款") and rules.max_misses == 3 and rules.repeat_limit == 0
    assert rules.emotion_threshold == 0.4 and rules.success_prompt == "好的，马上为您转接人工～"


def test_turn_on_full_auto_mixed(qtbot: QtBot, page: BotSettingsPage) -> None:
    tab = page.reception
    assert tab.summary.text() == "全自动：未开启 · 当前模式：智能辅助"
    assert not tab.strategy_buttons[AutoStrategy.MIXED].isEnabled()
    tab.mode_buttons[ReceptionMode.AUTO].setChecked(True)
    tab.strategy_buttons[AutoStrategy.MIXED].setChecked(True)
    assert tab.share.isEnabled()
    tab.share.setValue(30)
    saved(qtbot, page, tab.save_button.click)
    reception = page.bot_service.settings().reception
    assert (reception.mode, reception.strategy, reception.bot_share) == (ReceptionMode.AUTO, AutoStrategy.MIXED, 30)
    assert tab.summary.text() == "全自动：开启中 · 人机混合（机器人 30%）"


# -- 子账号与分流 -----------------------------------------------------------------------------------


def test_create_a_sub_account_with_the_routing_permission_and_a_group(qtbot: QtBot, page: BotSettingsPage) -> None:
    tab = page.accounts
    # the demo's sub-accounts, then its 主账号 (added after them)
    assert [a.username for a in tab.account_model.records()] == ["xiaozhao", "xiaolin", "azhen", "wangjing", "owner"]
    dialog = tab.open_account_dialog(None)
    assert isinstance(dialog, AccountDialog)
    dialog.username.setText("bad name")
    dialog.display_name.setText("")
    with qtbot.assertNotEmitted(dialog.submitted):
        dialog.submit()
    assert dialog.errors.text("username").startswith("账号名只能包含")
    assert dialog.errors.text("display_name") == "请填写昵称。"
    dialog.username.setText("xiaolin")  # taken: the service says so, the dialog stays open
    dialog.display_name.setText("小美")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.errors.text("username") == "账号名「xiaolin」已存在。", timeout=5000)
    assert dialog.isVisible()
    dialog.username.setText("nanzhi_xiaomei")
    dialog.role.setCurrentIndex(dialog.role.findData(AgentRole.AFTERSALES.value))
    dialog.capacity.setValue(3)
    dialog.simulated.setChecked(True)
    with qtbot.waitSignals([page.settings_changed, dialog.accepted], timeout=5000):
        dialog.submit()
    qtbot.waitUntil(lambda: tab.account_model.rowCount() == 6, timeout=5000)  # the 5 above and the new one
    created = tab.account_model.records()[-1]
    assert (created.display_name, created.role, created.capacity, created.simulated, created.can_route) == (
        "小美", AgentRole.AFTERSALES, 3, True, True,
    )  # fmt: skip

    group_dialog = tab.open_group_dialog(None)
    assert isinstance(group_dialog, GroupDialog)
    group_dialog.name.setText("售后组")
    group_dialog.keywords.setText("退货，退款 维修")
    group_dialog.member_boxes[created.id].setChecked(True)
    with qtbot.waitSignals([page.settings_changed, group_dialog.accepted], timeout=5000):
        group_dialog.submit()
    qtbot.waitUntil(lambda: tab.group_model.rowCount() == 1, timeout=5000)
    group = tab.group_model.records()[0]
    assert (group.name, group.keywords, group.agent_ids) == ("售后组", ("退货", "退款", "维修"), (created.id,))
    qtbot.waitUntil(lambda: tab.account_model.records()[-1].group_ids == (group.id,), timeout=5000)

    tab.enabled.setChecked(True)
    tab.strategy.setCurrentIndex(tab.strategy.findData(RoutingStrategy.LEAST_BUSY.value))
    saved(qtbot, page, tab.save_routing_button.click)
    config = page.routing_service.config()
    assert config.enabled and config.strategy is RoutingStrategy.LEAST_BUSY

    assert tab.select_account("azhen")
    tab.status_combo.setCurrentIndex(tab.status_combo.findData(AgentStatus.BUSY.value))
    saved(qtbot, page, tab.apply_status_button.click)
    qtbot.waitUntil(lambda: tab.account_model.records()[2].status is AgentStatus.BUSY, timeout=5000)


# -- 自动消息 ---------------------------------------------------------------------------------------


def test_template_errors_name_the_placeholder_and_rules_are_saved(qtbot: QtBot, page: BotSettingsPage) -> None:
    tab = page.auto
    tab.select_kind(AutoKind.UNPAID)
    assert tab.unpaid_box.isVisibleTo(tab) and not tab.delayed_box.isVisibleTo(tab)
    tab.template.set_text("亲爱的{买家名}，记得付款哦")
    assert tab.template.error.text() == "没有「买家名」这个变量，请从下方按钮插入。"
    with qtbot.assertNotEmitted(page.settings_changed):
        tab.save_rule_button.click()
    tab.template.set_text("")
    buttons = [tab.template.chips.itemAt(i).widget() for i in range(tab.template.chips.count())]  # type: ignore[union-attr]
    next(b for b in buttons if b.text() == "{买家昵称}").click()  # type: ignore[union-attr]
    qtbot.keyClicks(tab.template.edit, " ok")
    assert tab.template.text() == "{买家昵称} ok"
    assert tab.template.preview.text() == "预览：tb_小鹿同学 ok"
    tab.enabled.setChecked(True)
    tab.delay.setValue(45)
    tab.min_amount.setValue(99)
    saved(qtbot, page, tab.save_rule_button.click)
    rule = page.auto_service.rules()[AutoKind.UNPAID]
    assert (rule.enabled, rule.template, rule.delay_minutes, rule.min_amount_cents) == (True, "{买家昵称} ok", 45, 9900)
    assert rule.since == NOW
    row = tab.kind_model.row_of(AutoKind.UNPAID.value)
    assert tab.kind_model.index(row, 0).data() == "自动催付  ·  已开启"
    # an unsaved draft survives switching to another message and back
    tab.template.set_text("{买家昵称} draft")
    tab.select_kind(AutoKind.PAID)
    tab.select_kind(AutoKind.UNPAID)
    assert tab.template.text() == "{买家昵称} draft"


def test_bulk_message_to_vip_customers_shows_in_the_log(qtbot: QtBot, page: BotSettingsPage) -> None:
    tab = page.auto
    tab.select_kind(AutoKind.BULK)
    assert tab.stack.currentIndex() == 1
    tab.target_kind.setCurrentIndex(tab.target_kind.findData("vip"))
    qtbot.waitUntil(lambda: tab.recipients.text().startswith("将发给"), timeout=5000)
    n = int(tab.recipients.text().split()[1])
    assert n > 0
    tab.bulk_template.set_text("亲爱的{买家昵称}，88VIP专享券已到账～")
    with qtbot.waitSignal(tab.sent, timeout=5000) as blocker:
        tab.send_bulk()
    assert blocker.args == [n]
    qtbot.waitUntil(lambda: tab.log_model.rowCount() == n, timeout=5000)
    entry = tab.log_model.records()[0]
    assert entry.kind is AutoKind.BULK and entry.status is LogStatus.SENT
    assert entry.text == f"亲爱的{entry.customer_nick}，88VIP专享券已到账～"
    assert tab.log_count.text() == f"共 {n} 条，显示 {n} 条"


# -- models ---------------------------------------------------------------------------------------


def test_models_pass_the_model_tester(qtmodeltester, page: BotSettingsPage) -> None:  # type: ignore[no-untyped-def]
    page.welcome.add_card_question("包邮吗")
    for model in (
        page.welcome.period_model,
        page.welcome.card_model,
        page.welcome.button_model,
        page.accounts.account_model,
        page.accounts.group_model,
        page.auto.kind_model,
        page.auto.log_model,
    ):
        qtmodeltester.check(model)
    model = page.welcome.card_model
    assert model.index(0, 0).data(Qt.ItemDataRole.DisplayRole) == "包邮吗"
    assert model.roleNames()[Qt.ItemDataRole.UserRole + 1] == b"record"


def test_a_tab_is_built_when_first_shown(qtbot: QtBot, ws: Workspace) -> None:
    """Opening 店小蜜 builds 欢迎语 only; another tab is built, and reads its settings, when shown."""
    from workbench.ui.bot.transfer_tab import TransferTab

    tasks = Tasks()
    widget = BotSettingsPage(tasks, ws)
    qtbot.addWidget(widget)
    widget.show()
    assert list(widget._built) == [BotSettingsPage.TAB_WELCOME]
    assert not widget.findChildren(TransferTab)
    widget.tabs.setCurrentIndex(BotSettingsPage.TAB_TRANSFER)
    assert widget.findChildren(TransferTab) == [widget.transfer]
    qtbot.waitUntil(lambda: not widget._pending, timeout=10_000)
    saved = ws.bot.settings().transfer
    assert saved.keywords and widget.transfer.keywords.text().split() == list(saved.keywords)  # read on show
    with qtbot.waitSignal(widget.loaded, timeout=10_000):
        widget.reload()  # the tabs built so far read again
    assert set(widget._built) == {BotSettingsPage.TAB_WELCOME, BotSettingsPage.TAB_TRANSFER}
    assert tasks.wait_idle()
