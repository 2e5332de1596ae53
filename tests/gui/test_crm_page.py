"""The 客户运营 page on the demo shop, used the way a new user would: tag a customer mid-chat, find
everyone with that tag, put them in a group, send them a care message, watch the segments move."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QItemSelection, QItemSelectionModel, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from tests.conftest import DemoTemplate, copy_demo
from workbench.composition import open_workspace
from workbench.domain.conversations import Sender
from workbench.domain.crm import CustomerFilter, FollowUpStatus, FollowUpView, GroupKind, MergePolicy, Segment
from workbench.domain.customers import masked_phone
from workbench.domain.orders import Order, OrderState
from workbench.services.workspace import Workspace
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.tables import ConversationRow
from workbench.ui.crm.dialogs import (
    AddToGroupDialog,
    BulkTagDialog,
    CareDialog,
    CareMessageDialog,
    FollowUpScheduleDialog,
    OutcomeDialog,
    ProfileEditDialog,
    SaveGroupDialog,
    TagEditDialog,
)
from workbench.ui.crm.io_dialogs import CrmExportDialog, CrmImportDialog
from workbench.ui.crm.list_model import Col, CustomerRoles
from workbench.ui.crm.page import CustomersPage
from workbench.ui.customers.profile_panel import CustomerPanel
from workbench.ui.tasks import Tasks
from workbench.ui.theme import install_translator

NOW = datetime(2026, 11, 24, 15, 30)


def clock() -> datetime:
    return NOW


@dataclass
class Env:
    ws: Workspace
    tasks: Tasks
    page: CustomersPage
    path: Path


@pytest.fixture
def env(qtbot: QtBot, tmp_path: Path, demo_template: DemoTemplate) -> Iterator[Env]:
    path = tmp_path / "wb.sqlite3"
    copy_demo(demo_template(NOW), path)
    ws = open_workspace(f"sqlite:///{path}", clock=clock)
    tasks = Tasks()
    page = CustomersPage(tasks, ws)
    qtbot.addWidget(page)
    page.resize(1440, 900)
    with qtbot.waitSignal(page.ready, timeout=20_000):
        page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and page.model.is_loaded(0), timeout=10_000)
    qtbot.waitUntil(lambda: page.groups_panel.list.count() > 1, timeout=10_000)
    yield Env(ws, tasks, page, path)
    page.hide()
    assert tasks.wait_idle()
    qtbot.waitUntil(lambda: tasks.pending() == 0)
    ws.close()


def dialog_of(qtbot: QtBot, page: Any, kind: type) -> Any:
    qtbot.waitUntil(lambda: isinstance(page.dialog, kind), timeout=10_000)
    return page.dialog


def settle(qtbot: QtBot, env: Env) -> None:
    qtbot.waitUntil(lambda: env.tasks.pending() == 0 and not env.page.model.is_loading(), timeout=10_000)


def list_rows(env: Env) -> list[Any]:
    model = env.page.model
    return [model.index(r, 0).data(CustomerRoles.ITEM) for r in range(model.rowCount())]


# -- the walk-through -----------------------------------------------------------------------------


def test_tag_in_chat_then_find_group_and_care(qtbot: QtBot, env: Env) -> None:
    page, ws = env.page, env.ws
    target = page.model.item(3)
    assert target is not None
    # 1. mid-chat: the sidebar's 客户 tab, keyboard only
    panel = CustomerPanel(env.tasks, ws.customers, ws.agent.display_name)
    qtbot.addWidget(panel)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=5000):
        panel.show_customer(target.id)
    panel.tag_edit.setText("双11回访")
    with qtbot.waitSignal(panel.tags_changed, timeout=5000):
        QTest.keyClick(panel.tag_edit.line_edit, Qt.Key.Key_Return)
    # 2. find everyone with that tag
    with qtbot.waitSignal(page.model.count_changed, timeout=5000) as counted:
        page.filter_by_tag("双11回访")
    assert counted.args == [1]
    settle(qtbot, env)
    assert [r.id for r in list_rows(env)] == [target.id]
    assert page.filter_bar.tag_button.text().startswith("标签 · 1")
    # 3. put them in a new static group
    page.all_check.setChecked(True)
    assert page.count_label.text().endswith("已选 1 位")
    page.group_button.click()
    dialog = dialog_of(qtbot, page, AddToGroupDialog)
    dialog.group_combo.setCurrentIndex(dialog.group_combo.findData(AddToGroupDialog.NEW))
    dialog.name_edit.setText("双11回访名单")
    with qtbot.waitSignal(page.action_finished, timeout=5000) as done:
        dialog.ok_button.click()
    assert "双11回访名单" in done.args[0]
    qtbot.waitUntil(lambda: any(g.group.name == "双11回访名单" for g in page._groups), timeout=5000)
    group = next(g for g in page._groups if g.group.name == "双11回访名单")
    assert group.group.kind is GroupKind.STATIC and group.count == 1
    # 4. the group's customers get a care message
    page.groups_panel.select(group.group.id)
    settle(qtbot, env)
    assert page.current_filter() == CustomerFilter(group_id=group.group.id)
    page.all_check.setChecked(True)
    page.care_button.click()
    care = dialog_of(qtbot, page, CareDialog)
    care.template_combo.setCurrentIndex(care.template_combo.findText("签收关怀"))
    with qtbot.waitSignal(page.care_sent, timeout=5000) as sent:
        care.ok_button.click()
    assert sent.args == [1]
    with ws.db.session() as s:
        conv = s.scalars(select(ConversationRow).where(ConversationRow.customer_id == target.id)).first()
        assert conv is not None
        messages = ConversationRepository(s).messages(conv.id)
    assert messages[-1].sender is Sender.AGENT and messages[-1].text.startswith(f"亲爱的{target.nick}")
    assert "{" not in messages[-1].text
    followups = page.followups.page(FollowUpView.AWAITING, 0, 10)
    assert [(f.customer_id, f.status) for f in followups] == [(target.id, FollowUpStatus.SENT)]


def test_segment_dashboard_changes_after_new_orders(qtbot: QtBot, env: Env) -> None:
    page, ws = env.page, env.ws
    page.tabs.setCurrentIndex(page.SEGMENTS)
    qtbot.waitUntil(lambda: page.segments_page.dashboard() is not None, timeout=10_000)
    before = page.segments_page.dashboard()
    assert before is not None
    assert sum(d.value for d in page.segments_page.segment_chart.data()) == before.customers
    quiet = page.crm.page_ids(CustomerFilter(segments=(Segment.NONE,)), page.model.sort_key, True, 0, 1)[0]
    with ws.db.session() as s:  # a never-buyer orders twice (e.g. from the simulator or an import)
        for i, cents in enumerate((59_900, 49_900, 39_900)):
            OrderRepository(s).add_order(
                ws.shop.id,
                Order(id=0, order_no=f"99990000{i}", customer_id=quiet, state=OrderState.COMPLETED,
                      total_cents=cents, created_at=NOW - timedelta(days=2 + i), paid_at=NOW - timedelta(days=2 + i)),
            )  # fmt: skip
    with qtbot.waitSignal(page.segments_page.loaded, timeout=10_000) as shown:
        page.segments_page.refresh_button.click()
    after = shown.args[0]
    assert after.segment_count(Segment.NONE) == before.segment_count(Segment.NONE) - 1
    assert after.segment_count(Segment.HIGH_VALUE) == before.segment_count(Segment.HIGH_VALUE) + 1
    assert after.repeat_buyers == before.repeat_buyers + 1
    assert page.segments_page.repurchase_kpi.value.text() == f"{after.repurchase_rate:.1%}"
    # a click on a bar lists that segment
    with qtbot.waitSignal(page.model.count_changed, timeout=5000) as counted:
        page.segments_page.segment_chart.item_clicked.emit(Segment.HIGH_VALUE.value)
    assert page.tabs.currentIndex() == page.LIST
    assert counted.args == [after.segment_count(Segment.HIGH_VALUE)]
    page.segments_page.projector_button.setChecked(True)
    assert page.segments_page.segment_chart._scale > 1


# -- list actions ---------------------------------------------------------------------------------


def test_bulk_tag_the_selected_rows_and_remove_again(qtbot: QtBot, env: Env) -> None:
    page = env.page
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    page.table.selectionModel().select(QItemSelection(page.model.index(0, 0), page.model.index(2, 0)), flags)
    assert page.selected_rows() == [0, 1, 2]
    assert page.count_label.text().endswith("已选 3 位")
    ids = [page.model.customer_id(r) for r in range(3)]
    page.tag_button.click()
    dialog = dialog_of(qtbot, page, BulkTagDialog)
    for official in ("88VIP", "3钻", "金冠"):  # platform tags are refused in the dialog, which stays open
        dialog.tag_edit.setText(official)
        dialog.ok_button.click()
        assert dialog.isVisible()
        assert dialog.tag_edit.error_label.text() == "官方标签（信用等级、88VIP）为只读，不能手动修改。"
    dialog.tag_edit.setText("直播间粉丝")
    with qtbot.waitSignal(page.action_finished, timeout=5000) as done:
        dialog.ok_button.click()
    assert "3 位" in done.args[0]
    qtbot.waitUntil(lambda: all("直播间粉丝" in (page.model.index(r, Col.TAGS).data() or "") for r in range(3)))
    assert page.crm.count(page.crm.filter_for_tag("直播间粉丝")) == 3
    page.untag_button.click()
    remove = dialog_of(qtbot, page, type(page.dialog)) if page.dialog else None
    assert remove is not None
    remove.tag_combo.setCurrentIndex(remove.tag_combo.findText("直播间粉丝"))
    with qtbot.waitSignal(page.action_finished, timeout=5000):
        remove.ok_button.click()
    assert page.crm.count(page.crm.filter_for_tag("直播间粉丝")) == 0
    assert None not in ids


def test_selection_of_rows_not_on_hand_is_looked_up(qtbot: QtBot, env: Env) -> None:
    page = env.page
    page.table.selectAll()
    got: list[Any] = []
    page.resolve_selection(lambda selection, count: got.append((selection, count)))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    selection, count = got[0]
    assert count == page.model.rowCount() == len(selection.ids)
    assert len(set(selection.ids)) == count


def test_search_sort_and_masked_phones(qtbot: QtBot, env: Env) -> None:
    page = env.page
    first = page.model.item(0)
    assert first is not None and "****" in page.model.index(0, Col.PHONE).data()
    with qtbot.waitSignal(page.model.count_changed, timeout=5000):
        page.filter_bar.set_filter(CustomerFilter(search=first.nick))
    settle(qtbot, env)
    assert first.id in [r.id for r in list_rows(env)]
    with qtbot.waitSignal(page.model.count_changed, timeout=5000):
        page.filter_bar.clear()
    with qtbot.waitSignal(page.model.page_loaded, timeout=5000):
        page.table.horizontalHeader().sectionClicked.emit(int(Col.SPENT))
    settle(qtbot, env)
    spent = [r.stats.total_cents for r in list_rows(env)[:30]]
    assert spent == sorted(spent, reverse=True)
    assert page.table.horizontalHeader().sortIndicatorSection() == Col.SPENT


def test_saved_filter_becomes_a_dynamic_group(qtbot: QtBot, env: Env) -> None:
    page = env.page
    with qtbot.waitSignal(page.model.count_changed, timeout=5000) as counted:
        page.filter_bar.set_filter(CustomerFilter(levels=("银卡",), segments=(Segment.CHURNED,)))
    page.groups_panel.save_button.click()
    dialog = dialog_of(qtbot, page, SaveGroupDialog)
    assert "会员：银卡" in dialog.hint_label.text() and "分层：已流失" in dialog.hint_label.text()
    dialog.name_edit.setText("流失银卡")
    with qtbot.waitSignal(page.action_finished, timeout=5000):
        dialog.ok_button.click()
    qtbot.waitUntil(lambda: any(g.group.name == "流失银卡" for g in page._groups), timeout=5000)
    info = next(g for g in page._groups if g.group.name == "流失银卡")
    assert info.count == counted.args[0]
    qtbot.waitUntil(lambda: page.groups_panel.current_id() == info.group.id)
    with qtbot.waitSignal(page.model.count_changed, timeout=5000):
        page.groups_panel.select(-1)
    assert page.current_filter() == CustomerFilter()


def test_a_group_or_tag_name_in_use_is_refused_in_its_dialog(qtbot: QtBot, env: Env) -> None:
    """The dialog stays open with the reason at the name instead of closing into a page error."""
    page = env.page
    page.groups_panel.new_button.click()
    dialog = dialog_of(qtbot, page, SaveGroupDialog)
    dialog.name_edit.setText(" 高价值老客户 ")
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.error.text() == "已有分组“高价值老客户”。"
    dialog.reject()
    page.table.selectRow(0)
    page.group_button.click()
    add = dialog_of(qtbot, page, AddToGroupDialog)
    add.group_combo.setCurrentIndex(add.group_combo.findData(AddToGroupDialog.NEW))
    add.name_edit.setText("重点维护")  # a static group of the demo shop
    add.ok_button.click()
    assert add.isVisible() and add.error.text() == "已有分组“重点维护”。"
    add.reject()
    tags = page.tags_page
    with qtbot.waitSignal(tags.loaded, timeout=5000):
        page.tabs.setCurrentIndex(page.TAGS)
    tags.new_button.click()
    tag_dialog = dialog_of(qtbot, tags, TagEditDialog)
    tag_dialog.name_edit.setText("宝妈")
    tag_dialog.ok_button.click()
    assert tag_dialog.isVisible() and tag_dialog.error.text().startswith("已有标签“宝妈”")
    tag_dialog.reject()
    tags.select_tag("宝妈")
    tags.edit_button.click()
    edit = dialog_of(qtbot, tags, TagEditDialog)
    with qtbot.waitSignal(tags.loaded, timeout=5000):  # its own name is not a clash
        edit.ok_button.click()


def test_import_reports_lines_then_imports(qtbot: QtBot, env: Env, tmp_path: Path) -> None:
    page = env.page
    total = page.model.rowCount()
    bad = tmp_path / "customers.csv"
    with bad.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["昵称", "手机"], ["新客户甲", "13900000001"], ["新客户乙", "139"]])
    page.import_button.click()
    dialog = dialog_of(qtbot, page, CrmImportDialog)
    dialog.path_edit.setText(str(bad))
    with qtbot.waitSignal(dialog.checked, timeout=5000) as checked:
        dialog.check_button.click()
    assert checked.args == [False]
    assert dialog.issue_lines() == ["第 3 行 · 手机：不是有效的 11 位手机号 “139”"]
    assert not dialog.import_button.isEnabled()
    with bad.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["昵称", "手机"], ["新客户甲", "13900000001"], ["lily_0521", ""]])
    with qtbot.waitSignal(dialog.checked, timeout=5000) as checked:
        dialog.check_button.click()
    assert checked.args == [True]
    assert "新客户 1 位" in dialog.summary.text() and "重复 1 位" in dialog.summary.text()
    dialog.set_policy(MergePolicy.SKIP)
    with qtbot.waitSignal(page.model.count_changed, timeout=10_000) as counted:
        dialog.import_button.click()
    assert counted.args == [total + 1]
    dialog.close()


def test_export_masks_phones(qtbot: QtBot, env: Env, tmp_path: Path) -> None:
    page = env.page
    page.table.selectRow(0)
    page.export_button.click()
    dialog = dialog_of(qtbot, page, CrmExportDialog)
    assert dialog.selected_radio.isChecked()
    target = tmp_path / "out.csv"
    with qtbot.waitSignal(dialog.exported, timeout=5000) as exported:
        dialog.export_to(target)
    assert exported.args == [str(target), 1]
    rows = list(csv.reader(target.open(encoding="utf-8-sig")))
    assert rows[0][:3] == ["昵称", "姓名", "手机"] and "****" in rows[1][2]
    dialog.close()


def test_file_errors_are_worded_in_the_ui_language(qtbot: QtBot, env: Env, tmp_path: Path) -> None:
    """Not the system's English "No such file or directory"."""
    page = env.page
    page.export_button.click()
    dialog = dialog_of(qtbot, page, CrmExportDialog)
    with qtbot.waitSignal(dialog.failed, timeout=5000) as failed:
        dialog.export_to(tmp_path / "missing" / "out.csv")
    assert failed.args == ["无法写入文件 out.csv：文件或文件夹不存在"]
    dialog.close()
    page.import_button.click()
    importer = dialog_of(qtbot, page, CrmImportDialog)
    importer.path_edit.setText(str(tmp_path / "gone.csv"))
    with qtbot.waitSignal(importer.checked, timeout=5000):
        importer.check_button.click()
    assert importer.summary.text() == "无法读取文件 gone.csv：文件或文件夹不存在"
    importer.close()


# -- the profile ------------------------------------------------------------------------------------


def test_profile_shows_the_full_phone_on_a_recorded_look_and_saves_edits(qtbot: QtBot, env: Env) -> None:
    page = env.page
    item = page.model.item(0)
    assert item is not None
    with qtbot.waitSignal(page.customer_opened, timeout=5000) as opened:
        page.show_customer(item.id)
    assert opened.args == [item.id]
    profile = page.profile.profile()
    assert profile is not None
    phone = profile.customer.phone
    assert "*" not in phone and phone not in page.profile.fields["phone"].text()
    assert masked_phone(phone) in page.profile.fields["phone"].text()  # masked, with 查看
    page.profile.fields["phone"].linkActivated.emit("reveal")
    qtbot.waitUntil(lambda: page.profile.fields["phone"].text() == phone, timeout=5000)
    assert [v.customer_id for v in page.profile._customers.phone_views(item.id)] == [item.id]
    assert page.profile.timeline.entries(), "the timeline shows the customer's history"
    page.profile.edit_button.click()
    dialog = dialog_of(qtbot, page, ProfileEditDialog)
    dialog.points_spin.setValue(4321)
    dialog.size_edit.setText("L")
    with qtbot.waitSignal(page.profile.loaded, timeout=5000):
        dialog.ok_button.click()
    qtbot.waitUntil(lambda: page.profile.fields["points"].text() == "4321", timeout=5000)
    assert page.profile.fields["size"].text() == "L"
    page.profile.schedule_button.click()
    schedule = dialog_of(qtbot, page, FollowUpScheduleDialog)
    schedule.reason_edit.setText("回访新品试穿")
    with qtbot.waitSignal(page.action_finished, timeout=5000):
        schedule.ok_button.click()
    qtbot.waitUntil(lambda: any(f.reason == "回访新品试穿" for f in page.profile.profile().followups), timeout=5000)  # type: ignore[union-attr]


def test_profile_edit_keeps_name_and_city_within_the_columns(qtbot: QtBot, env: Env) -> None:
    """姓名 String(60) and 城市 String(40): longer text fails on PostgreSQL and floods the profile card."""
    page = env.page
    item = page.model.item(0)
    assert item is not None
    with qtbot.waitSignal(page.customer_opened, timeout=5000):
        page.show_customer(item.id)
    page.profile.edit_button.click()
    dialog = dialog_of(qtbot, page, ProfileEditDialog)
    dialog.name_edit.setText("王" * 100)
    dialog.city_edit.setText("市" * 100)
    dialog.style_edit.setText("宽" * 100)
    with qtbot.waitSignal(page.profile.loaded, timeout=5000):
        dialog.ok_button.click()
    customer = page.profile.profile().customer  # type: ignore[union-attr]
    assert (len(customer.name), len(customer.city)) == (60, 40)
    assert page.profile.fields["style"].text() == "宽" * 50


def test_profile_tags_and_chip_click(qtbot: QtBot, env: Env) -> None:
    page = env.page
    item = page.model.item(1)
    assert item is not None
    with qtbot.waitSignal(page.customer_opened, timeout=5000):
        page.show_customer(item.id)
    page.profile.tag_edit.setText("回头客")
    with qtbot.waitSignal(page.tags_changed, timeout=5000):
        QTest.keyClick(page.profile.tag_edit.line_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "回头客" in [c.text() for c in page.profile.tag_chips()], timeout=5000)
    chip = next(c for c in page.profile.tag_chips() if c.text() == "回头客")
    qtbot.waitUntil(chip.isVisible)  # chips added to a shown layout appear on the next turn of the loop
    with qtbot.waitSignal(page.model.count_changed, timeout=5000) as counted:
        QTest.mouseClick(chip.label, Qt.MouseButton.LeftButton)
    assert counted.args == [1]
    page.profile.tag_edit.setText("88VIP")
    QTest.keyClick(page.profile.tag_edit.line_edit, Qt.Key.Key_Return)
    assert "官方标签" in page.profile.tag_edit.error_label.text()


# -- tag library, follow-ups ---------------------------------------------------------------------


def test_tag_library_create_merge_delete(qtbot: QtBot, env: Env) -> None:
    page = env.page
    tags = page.tags_page
    with qtbot.waitSignal(tags.loaded, timeout=5000):
        page.tabs.setCurrentIndex(page.TAGS)
    tags.select_tag("88VIP")
    assert not tags.edit_button.isEnabled() and not tags.delete_button.isEnabled()  # official: read-only
    tags.new_button.click()
    dialog = dialog_of(qtbot, tags, TagEditDialog)
    dialog.name_edit.setText("爱议价")
    dialog.group_combo.setCurrentText("沟通")
    dialog.set_color("#ff7a45")
    with qtbot.waitSignal(tags.loaded, timeout=5000):
        dialog.ok_button.click()
    usage = {t.name: t for t in tags.tags()}
    assert usage["爱议价"].color == "#ff7a45" and usage["爱议价"].group == "沟通"
    bargainers = usage["爱砍价"].count
    assert bargainers > 0
    tags.table.clearSelection()
    tags.select_tag("爱砍价")
    tags.merge_button.click()
    merge = dialog_of(qtbot, tags, type(tags.dialog))
    merge.target_combo.setCurrentIndex(merge.target_combo.findData(usage["爱议价"].id))
    with qtbot.waitSignal(tags.loaded, timeout=5000):
        merge.ok_button.click()
    usage = {t.name: t for t in tags.tags()}
    assert "爱砍价" not in usage and usage["爱议价"].count == bargainers
    tags.table.clearSelection()
    tags.select_tag("爱议价")
    tags.delete_button.click()
    box = dialog_of(qtbot, tags, QMessageBox)
    delete = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.DestructiveRole)
    with qtbot.waitSignal(tags.loaded, timeout=5000):
        delete.click()
    assert "爱议价" not in {t.name for t in tags.tags()}


def test_follow_up_list_send_and_record(qtbot: QtBot, env: Env) -> None:
    page = env.page
    followups = page.followups_page
    with qtbot.waitSignal(followups.counts_loaded, timeout=5000) as counts:
        page.tabs.setCurrentIndex(page.FOLLOWUPS)
    due = counts.args[0][FollowUpView.DUE]
    assert due > 0
    qtbot.waitUntil(lambda: followups.model.rowCount() == due and followups.model.is_loaded(0), timeout=5000)
    followups.select_row(0)
    chosen = followups.selected()
    assert chosen is not None and chosen.status is FollowUpStatus.PENDING
    followups.care_button.click()
    message = dialog_of(qtbot, followups, CareMessageDialog)
    assert chosen.customer_nick in message.text_edit.toPlainText()  # the template, filled in
    with qtbot.waitSignal(followups.care_sent, timeout=5000):
        message.ok_button.click()
    qtbot.waitUntil(lambda: followups.model.rowCount() == due - 1, timeout=5000)
    followups.set_view(FollowUpView.AWAITING)
    qtbot.waitUntil(lambda: followups.model.rowCount() == 1 and followups.model.is_loaded(0), timeout=5000)
    followups.select_row(0)
    followups.outcome_button.click()
    outcome = dialog_of(qtbot, followups, OutcomeDialog)
    with qtbot.waitSignal(followups.changed, timeout=5000):
        outcome.ok_button.click()
    done = page.followups.get(chosen.id)
    assert done.status is FollowUpStatus.DONE and done.outcome is not None
    with qtbot.waitSignal(followups.changed, timeout=5000):
        followups.run_button.click()
    assert "0" in followups.status.text()  # everything the rules call for is already scheduled


def test_an_over_long_follow_up_note_is_refused_in_the_dialog(qtbot: QtBot, env: Env) -> None:
    """The note stays on screen with the reason instead of vanishing with a closed dialog."""
    page = env.page
    followups = page.followups_page
    with qtbot.waitSignal(followups.counts_loaded, timeout=5000):
        page.tabs.setCurrentIndex(page.FOLLOWUPS)
    qtbot.waitUntil(lambda: followups.model.rowCount() > 0 and followups.model.is_loaded(0), timeout=5000)
    followups.select_row(0)
    chosen = followups.selected()
    assert chosen is not None
    followups.outcome_button.click()
    outcome = dialog_of(qtbot, followups, OutcomeDialog)
    outcome.note_edit.setPlainText("客户说" * 200)
    outcome.ok_button.click()
    assert outcome.isVisible() and outcome.error.text() == "回访记录最多 500 个字。"
    assert page.followups.get(chosen.id).status is FollowUpStatus.PENDING
    outcome.note_edit.setPlainText("客户很满意")
    with qtbot.waitSignal(followups.changed, timeout=5000):
        outcome.ok_button.click()
    assert page.followups.get(chosen.id).outcome_note == "客户很满意"


# -- English ---------------------------------------------------------------------------------------


def test_page_speaks_english(qtbot: QtBot, env: Env, qapp: QApplication) -> None:
    translator = install_translator(qapp, "en")
    assert translator is not None
    try:
        page = CustomersPage(env.tasks, env.ws)
        qtbot.addWidget(page)
        assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
            "Customers",
            "Tags",
            "Segments",
            "Follow-ups",
        ]
        assert page.tag_button.text() == "Tag"
        assert QCoreApplication.translate("CrmLabels", "高价值") == "High value"
    finally:
        qapp.removeTranslator(translator)
        from PySide6.QtCore import QLocale

        QLocale.setDefault(QLocale(QLocale.Language.Chinese))


def test_profile_lists_after_sales_cases_and_reviews(qtbot: QtBot, env: Env) -> None:
    from workbench.storage.repositories.aftersales import AftersalesRepository

    page, ws = env.page, env.ws
    with ws.db.session() as s:
        cases = AftersalesRepository(s).of_customer(3)
    assert cases, "the demo shop has after-sales cases for this customer"
    with qtbot.waitSignal(page.customer_opened, timeout=5000):
        page.show_customer(3)
    assert page.profile.tabs.tabText(4) == f"售后 {len(cases)}"
    assert page.profile.cases_tree.topLevelItem(0).text(0) == cases[0].case_no
    shown = [text for text, _when in page.profile.timeline.entries()]
    assert any(cases[0].case_no in text or text.startswith("评价") for text in shown)


def test_a_long_check_shows_progress_leaves_the_writer_free_and_can_be_cancelled(
    qtbot: QtBot, env: Env, tmp_path: Path
) -> None:
    from workbench.services.sheets import Stage
    from workbench.storage.tables_import import ImportCustomerRow, ImportJobRow

    page = env.page
    big = tmp_path / "big.csv"
    with big.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["昵称", "手机"], *([f"批量{i:06d}", f"137{i:08d}"] for i in range(100_000))])
    page.import_button.click()
    dialog = dialog_of(qtbot, page, CrmImportDialog)
    dialog.path_edit.setText(str(big))
    with qtbot.waitSignal(dialog.progressed, timeout=10_000) as progressed:
        dialog.check_button.click()
    assert progressed.args[0].stage is Stage.READING
    assert dialog.progress.isVisible() and dialog.cancel_button.isVisible() and not dialog.import_button.isEnabled()
    assert dialog.summary.text() == "正在读取文件…"
    written: list[str] = []
    env.tasks.write(lambda: "reply saved", written.append)  # what an agent's reply goes through
    qtbot.waitUntil(lambda: written == ["reply saved"], timeout=5000)
    assert dialog.cancel_button.isVisible()  # …while the check still runs on its own worker
    with qtbot.waitSignal(dialog.checked, timeout=10_000) as checked:
        dialog.cancel_button.click()
    assert checked.args == [False]
    assert dialog.summary.text() == "已取消，没有导入任何数据。"
    assert not dialog.progress.isVisible() and not dialog.cancel_button.isVisible()
    with env.ws.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ImportCustomerRow)) == 0
        assert s.scalar(select(func.count()).select_from(ImportJobRow)) == 0

    small = tmp_path / "small.csv"
    with small.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([["昵称", "手机"], ["进度甲", "13900000011"], ["进度乙", "13900000012"]])
    dialog.path_edit.setText(str(small))
    with qtbot.waitSignal(dialog.checked, timeout=10_000) as checked:
        dialog.check_button.click()
    assert checked.args == [True]
    stages: list[Stage] = []
    dialog.progressed.connect(lambda p: stages.append(p.stage))
    with qtbot.waitSignal(dialog.imported, timeout=10_000) as imported:
        dialog.import_button.click()
    assert imported.args[0].created == 2 and Stage.WRITING in stages
    assert not dialog.progress.isVisible()
    dialog.close()


def test_no_statistics_check_is_scheduled_while_shown(qtbot: QtBot, env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Statistics are kept as orders are written: nothing recounts or checks them on a timer (a check
    on the single write thread made agents' sends wait), and showing the page again the same day
    asks nothing."""
    page = env.page
    assert [t for t in page.findChildren(QTimer) if t.isActive() and t.interval() >= 1000] == []
    asked: list[bool] = []
    monkeypatch.setattr(page.crm, "refresh_if_stale", lambda: asked.append(True) or False)
    page.hide()
    page.show()
    qtbot.wait(50)
    settle(qtbot, env)
    assert asked == []
