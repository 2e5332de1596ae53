"""The 客户 tab: profile header, official and custom tags, notes — against a real SQLite database."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.gui.conftest import Env
from tests.gui.seed_helpers import Seeded, clock, open_db
from workbench.domain.customers import MAX_TAG_LENGTH, Customer
from workbench.domain.errors import DomainError
from workbench.domain.identity import Actor
from workbench.services.customers import CustomerProfile, CustomerService
from workbench.storage.db import Database
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.shops import ShopRepository
from workbench.ui.customers.credit import COLORS, CreditBadge, parse_credit
from workbench.ui.customers.notes import NoteListModel, NoteRoles
from workbench.ui.customers.profile_panel import CustomerPanel
from workbench.ui.errors import error_text
from workbench.ui.widgets.tag_chip import TagChip

AUTHOR = "小美"


@pytest.fixture
def panel(qtbot: QtBot, env: Env) -> CustomerPanel:
    widget = CustomerPanel(env.tasks, CustomerService(env.db, env.data.shop_id, clock), AUTHOR)
    qtbot.addWidget(widget)
    widget.resize(340, 800)
    widget.show()
    return widget


def load(qtbot: QtBot, panel: CustomerPanel, customer_id: int) -> None:
    with qtbot.waitSignal(panel.loaded, timeout=5000) as blocker:
        panel.show_customer(customer_id)
    assert blocker.args == [customer_id]
    assert panel.pages.currentIndex() == CustomerPanel.PAGE_PROFILE


def fresh_profile(data: Seeded) -> CustomerProfile:
    """Re-read through a new connection and service: proves the change was committed."""
    db = open_db(data.db_path)
    try:
        return CustomerService(db, data.shop_id).profile(data.customer_id)
    finally:
        db.dispose()


def chip_texts(panel: CustomerPanel, *, official: bool) -> list[str]:
    return [c.text() for c in panel.tag_chips() if c.is_official == official]


def chip(panel: CustomerPanel, text: str) -> TagChip:
    return next(c for c in panel.tag_chips() if c.text() == text)


def completions(panel: CustomerPanel, prefix: str) -> list[str]:
    completer = panel.tag_edit.completer
    completer.setCompletionPrefix(prefix)
    found = []
    for row in range(completer.completionCount()):
        completer.setCurrentRow(row)
        found.append(completer.currentCompletion())
    return found


# -- profile ----------------------------------------------------------------------------------


def test_empty_state_before_and_after_a_customer(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    assert panel.pages.currentIndex() == CustomerPanel.PAGE_EMPTY
    load(qtbot, panel, env.data.customer_id)
    with qtbot.assertNotEmitted(panel.loaded):
        panel.show_customer(None)
    assert panel.pages.currentIndex() == CustomerPanel.PAGE_EMPTY
    assert panel.customer_id() is None


def test_profile_header_shows_the_customer(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)

    assert panel.nick_label.text() == "tb_小鹿同学"
    assert panel.identity_label.text() == "林晓 · 女 · 浙江 杭州"
    assert panel.phone_label.text() == "138****5678"  # masked, as in every list and export
    assert panel.credit_badge.glyphs() == "◆◆◆"
    assert panel.credit_badge.isVisibleTo(panel)
    assert "3钻" in panel.credit_badge.toolTip()
    assert panel.vip_badge.isVisibleTo(panel)
    assert panel.vip_badge.text() == "88VIP"
    assert panel.member_label.text() == "金卡 · 1,280 积分"
    assert panel.source_label.text() == "站内付费"
    assert panel.registered_label.text() == "2016-03-09"
    assert "纯棉" in panel.preferences_label.text()
    assert panel.hint_label.isVisibleTo(panel)
    assert "退款 2 次" in panel.hint_label.text()
    assert "差评 1 次" in panel.hint_label.text()


def test_plain_customer_has_no_badges_or_hints(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.other_customer_id)

    assert panel.nick_label.text() == "momo2008"
    assert panel.credit_badge.glyphs() == "♥♥"
    assert not panel.vip_badge.isVisibleTo(panel)
    assert not panel.hint_label.isVisibleTo(panel)
    assert not panel.identity_label.isVisibleTo(panel)
    assert chip_texts(panel, official=True) == ["信用等级 2心"]
    assert chip_texts(panel, official=False) == []


def test_missing_customer_shows_an_error_page(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    with qtbot.assertNotEmitted(panel.loaded):
        panel.show_customer(999_999)
        qtbot.waitUntil(lambda: panel.pages.currentIndex() == CustomerPanel.PAGE_ERROR)
    assert panel.error_page_label.text() == error_text(DomainError("customer.missing"))


def test_only_the_last_requested_customer_is_shown(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    shown: list[int] = []
    panel.loaded.connect(shown.append)
    with qtbot.waitSignal(panel.loaded, timeout=5000):
        panel.show_customer(env.data.customer_id)
        panel.show_customer(env.data.other_customer_id)
    assert env.tasks.wait_idle()
    qtbot.waitUntil(lambda: env.tasks.pending() == 0)
    assert shown == [env.data.other_customer_id]
    assert panel.nick_label.text() == "momo2008"


@pytest.mark.parametrize(
    ("level", "glyphs", "tier"),
    [("1心", "♥", "心"), ("3钻", "◆◆◆", "钻"), ("5冠", "♛♛♛♛♛", "冠"), ("2金冠", "♛♛", "金冠")],
)
def test_credit_levels_render_as_platform_glyphs(qtbot: QtBot, level: str, glyphs: str, tier: str) -> None:
    parsed = parse_credit(level)
    assert parsed is not None
    assert (parsed.glyphs, parsed.tier, parsed.color) == (glyphs, tier, COLORS[tier])
    badge = CreditBadge(level)
    qtbot.addWidget(badge)
    assert badge.glyphs() == glyphs
    assert badge.sizeHint().width() > 0


def test_credit_colours_tell_crown_from_gold_crown() -> None:
    assert len({COLORS["心"], COLORS["钻"], COLORS["冠"], COLORS["金冠"]}) == 4
    assert parse_credit("") is None
    assert parse_credit("钻石") is None
    assert parse_credit("0钻") is None


# -- tags -------------------------------------------------------------------------------------


def test_official_and_custom_tags_are_shown_apart(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)

    assert chip_texts(panel, official=True) == ["信用等级 3钻", "88VIP"]
    assert sorted(chip_texts(panel, official=False)) == ["爱砍价", "老客户"]
    for c in panel.tag_chips():
        assert (c.remove_button is None) == c.is_official


def test_adding_a_tag_with_enter_saves_it(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    panel.tag_edit.setText("尺码偏小")
    with qtbot.waitSignal(panel.tags_changed, timeout=5000) as blocker:
        qtbot.keyClick(panel.tag_edit.line_edit, Qt.Key.Key_Return)
    assert blocker.args == [env.data.customer_id]

    assert "尺码偏小" in chip_texts(panel, official=False)
    assert panel.tag_edit.text() == ""
    assert not panel.tag_edit.error_label.isVisibleTo(panel)
    assert "尺码偏小" in {t.name for t in fresh_profile(env.data).tags}
    assert "尺码偏小" not in completions(panel, "")  # the customer has it now


def test_a_new_tag_joins_the_shop_library(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    panel.tag_edit.setText("  夏季   新客 ")
    with qtbot.waitSignal(panel.tags_changed, timeout=5000):
        panel.tag_edit.add_button.click()

    assert "夏季 新客" in chip_texts(panel, official=False)
    db = open_db(env.data.db_path)
    try:
        assert "夏季 新客" in {t.name for t in CustomerService(db, env.data.shop_id).tag_library()}
    finally:
        db.dispose()


def test_completion_lists_the_shop_tags(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)

    everything = completions(panel, "")
    assert set(everything) == {"尺码偏小", "高价值", "已回访", "老客户推荐"}  # not 88VIP, not own tags
    assert completions(panel, "回访") == ["已回访"]
    assert completions(panel, "老客") == ["老客户推荐"]
    assert panel.tag_edit.completer.filterMode() == Qt.MatchFlag.MatchContains


def test_removing_a_tag_saves_it(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    button = chip(panel, "爱砍价").remove_button
    assert button is not None
    with qtbot.waitSignal(panel.tags_changed, timeout=5000) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args == [env.data.customer_id]

    assert chip_texts(panel, official=False) == ["老客户"]
    assert {t.name for t in fresh_profile(env.data).tags} == {"88VIP", "老客户"}
    assert "爱砍价" in completions(panel, "")  # back in the suggestions


def test_official_tags_cannot_be_removed_or_added(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    assert all(c.remove_button is None for c in panel.tag_chips() if c.is_official)
    before = fresh_profile(env.data).tags

    with qtbot.assertNotEmitted(panel.tags_changed):
        panel.tag_edit.setText("88VIP")
        qtbot.keyClick(panel.tag_edit.line_edit, Qt.Key.Key_Return)
        assert env.tasks.pending() == 0  # rejected before any write

    assert panel.tag_edit.error_label.isVisibleTo(panel)
    assert panel.tag_edit.error_label.text() == error_text(DomainError("tag.official"))
    assert panel.tag_edit.text() == "88VIP"  # kept, so the agent can fix it
    assert fresh_profile(env.data).tags == before


def test_service_refusal_is_shown_inline(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    """An official tag the panel does not know about yet is refused by the service, shown inline."""
    load(qtbot, panel, env.data.customer_id)
    with env.db.session() as s:
        CustomerRepository(s).ensure_tag(env.data.shop_id, "天猫认证", official=True)

    with qtbot.assertNotEmitted(panel.tags_changed):
        panel.tag_edit.setText("天猫认证")
        qtbot.keyClick(panel.tag_edit.line_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: panel.tag_edit.error_label.isVisibleTo(panel))
    assert panel.tag_edit.error_label.text() == error_text(DomainError("tag.official"))
    assert "天猫认证" not in {t.name for t in fresh_profile(env.data).tags}


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "tag.empty"), ("    ", "tag.empty"), ("长" * (MAX_TAG_LENGTH + 1), "tag.too_long")],
)
def test_invalid_tag_shows_inline_error_and_writes_nothing(
    qtbot: QtBot, env: Env, panel: CustomerPanel, text: str, code: str
) -> None:
    load(qtbot, panel, env.data.customer_id)
    before = fresh_profile(env.data).tags

    with qtbot.assertNotEmitted(panel.tags_changed):
        panel.tag_edit.setText(text)
        qtbot.keyClick(panel.tag_edit.line_edit, Qt.Key.Key_Return)
        assert env.tasks.pending() == 0

    expected = error_text(DomainError(code, limit=MAX_TAG_LENGTH))
    assert panel.tag_edit.error_label.isVisibleTo(panel)
    assert panel.tag_edit.error_label.text() == expected
    assert panel.tag_edit.line_edit.property("invalid") is True
    assert fresh_profile(env.data).tags == before

    qtbot.keyClicks(panel.tag_edit.line_edit, "a")  # typing clears the message
    assert not panel.tag_edit.error_label.isVisibleTo(panel)
    assert panel.tag_edit.line_edit.property("invalid") is False


def test_a_tag_the_customer_has_is_not_added_twice(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    with qtbot.assertNotEmitted(panel.tags_changed):
        panel.tag_edit.setText("老客户")
        qtbot.keyClick(panel.tag_edit.line_edit, Qt.Key.Key_Return)
    assert "老客户" in panel.tag_edit.error_label.text()
    assert env.tasks.pending() == 0


def test_tags_work_from_the_keyboard(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    panel.activateWindow()
    buttons = [c.remove_button for c in panel.tag_chips() if c.remove_button is not None]
    assert len(buttons) == 2
    buttons[-1].setFocus()
    qtbot.waitUntil(buttons[-1].hasFocus)
    qtbot.keyClick(buttons[-1], Qt.Key.Key_Tab)  # the last × leads into the tag field
    assert panel.tag_edit.hasFocus()
    qtbot.keyClick(panel.tag_edit.line_edit, Qt.Key.Key_Tab)
    assert panel.tag_edit.add_button.hasFocus()
    qtbot.keyClick(panel.tag_edit.add_button, Qt.Key.Key_Tab)
    assert panel.note_edit.hasFocus()

    first = buttons[0]
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    with qtbot.waitSignal(panel.tags_changed, timeout=5000):
        qtbot.keyClick(first, Qt.Key.Key_Space)
    assert len(chip_texts(panel, official=False)) == 1
    assert panel.tag_edit.hasFocus()  # focus is not lost with the removed chip


# -- notes ------------------------------------------------------------------------------------


def test_notes_are_listed_newest_first(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    model = panel.notes_model
    assert model.rowCount() == 2
    first = model.index(0, 0)
    assert first.data(NoteRoles.AUTHOR) == "小美"
    assert first.data(NoteRoles.CREATED_AT) == "2024-06-01 14:20"
    assert "电子发票" in first.data(NoteRoles.TEXT)
    assert model.index(1, 0).data(NoteRoles.AUTHOR) == "阿青"
    assert panel.notes_view.isVisibleTo(panel)
    assert not panel.notes_empty.isVisibleTo(panel)


def test_adding_a_note_saves_it(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    panel.note_edit.setPlainText("客户想要加急发货，已备注仓库。")
    with qtbot.waitSignal(panel.notes_changed, timeout=5000) as blocker:
        qtbot.mouseClick(panel.add_note_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [env.data.customer_id]

    assert panel.note_edit.toPlainText() == ""
    assert panel.add_note_button.isEnabled()
    top = panel.notes_model.index(0, 0)
    assert top.data(NoteRoles.TEXT) == "客户想要加急发货，已备注仓库。"
    assert top.data(NoteRoles.AUTHOR) == AUTHOR
    notes = fresh_profile(env.data).notes
    assert (notes[0].text, notes[0].author, notes[0].created_at) == (
        "客户想要加急发货，已备注仓库。",
        AUTHOR,
        clock(),
    )
    assert len(notes) == 3


def test_ctrl_enter_adds_a_note(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    panel.activateWindow()
    panel.note_edit.setFocus()
    qtbot.waitUntil(lambda: panel.note_edit.hasFocus())
    panel.note_edit.setPlainText("回访：满意")
    with qtbot.waitSignal(panel.notes_changed, timeout=5000):
        qtbot.keyClick(panel.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert fresh_profile(env.data).notes[0].text == "回访：满意"


def test_empty_note_shows_inline_error(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    panel.note_edit.setPlainText("   \n ")
    with qtbot.assertNotEmitted(panel.notes_changed):
        qtbot.mouseClick(panel.add_note_button, Qt.MouseButton.LeftButton)
        assert env.tasks.pending() == 0
    assert panel.note_error.text() == error_text(DomainError("note.empty"))
    assert len(fresh_profile(env.data).notes) == 2


def _click_delete(qtbot: QtBot, panel: CustomerPanel, row: int) -> QMessageBox:
    view = panel.notes_view
    rect = view.visualRect(panel.notes_model.index(row, 0))
    assert rect.isValid()
    target: QPoint = panel.notes_delegate.delete_rect(rect).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=target)
    qtbot.waitUntil(lambda: panel.findChild(QMessageBox) is not None)
    box = panel.findChild(QMessageBox)
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible)
    return box


def _button(box: QMessageBox, role: QMessageBox.ButtonRole) -> QAbstractButton:
    return next(b for b in box.buttons() if box.buttonRole(b) == role)


def test_deleting_a_note_asks_first_and_saves(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    qtbot.waitUntil(lambda: panel.notes_view.visualRect(panel.notes_model.index(0, 0)).isValid())

    box = _click_delete(qtbot, panel, 0)
    assert "电子发票" in box.informativeText()
    with qtbot.assertNotEmitted(panel.notes_changed):
        _button(box, QMessageBox.ButtonRole.RejectRole).click()
        assert env.tasks.pending() == 0
    assert len(fresh_profile(env.data).notes) == 2

    qtbot.waitUntil(lambda: panel.findChild(QMessageBox) is None)
    box = _click_delete(qtbot, panel, 0)
    with qtbot.waitSignal(panel.notes_changed, timeout=5000) as blocker:
        _button(box, QMessageBox.ButtonRole.DestructiveRole).click()
    assert blocker.args == [env.data.customer_id]

    assert panel.notes_model.rowCount() == 1
    notes = fresh_profile(env.data).notes
    assert [n.author for n in notes] == ["阿青"]


def test_deleting_the_last_note_shows_the_empty_hint(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    with env.db.session() as s:
        repo = CustomerRepository(s)
        lone = repo.add(env.data.shop_id, Customer(id=0, nick="new_buyer"))
        repo.add_note(lone.id, "首次咨询", "阿青", clock())
    load(qtbot, panel, lone.id)
    note_id = panel.notes_model.index(0, 0).data(NoteRoles.NOTE_ID)

    panel.confirm_delete_note(note_id)
    box = panel.findChild(QMessageBox)
    assert isinstance(box, QMessageBox)
    with qtbot.waitSignal(panel.notes_changed, timeout=5000):
        _button(box, QMessageBox.ButtonRole.DestructiveRole).click()
    assert panel.notes_model.rowCount() == 0
    assert panel.notes_empty.isVisibleTo(panel)
    assert not panel.notes_view.isVisibleTo(panel)


# -- models -----------------------------------------------------------------------------------


def test_notes_model_passes_the_model_tester(qtbot: QtBot, qtmodeltester: ModelTester, env: Env) -> None:
    model = NoteListModel()
    qtmodeltester.check(model)
    model.set_notes(fresh_profile(env.data).notes)
    qtmodeltester.check(model)
    assert model.roleNames()[NoteRoles.AUTHOR].data() == b"author"
    assert model.row_of(model.notes()[1].id) == 1


def test_panel_notes_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, env: Env, panel: CustomerPanel
) -> None:
    load(qtbot, panel, env.data.customer_id)
    qtmodeltester.check(panel.notes_model)


class _SlowService(CustomerService):
    """Holds `profile` until released, so a test controls when the read finishes."""

    def __init__(self, db: Database, shop_id: int) -> None:
        super().__init__(db, shop_id, clock)
        self.release = threading.Event()

    def profile(self, customer_id: int) -> CustomerProfile:
        assert self.release.wait(10)
        return super().profile(customer_id)


def test_a_closed_panel_ignores_late_results(qtbot: QtBot, env: Env) -> None:
    service = _SlowService(env.db, env.data.shop_id)
    widget = CustomerPanel(env.tasks, service, AUTHOR)
    widget.show_customer(env.data.customer_id)
    with qtbot.waitSignal(widget.destroyed, timeout=1000):
        widget.deleteLater()
    service.release.set()
    assert env.tasks.wait_idle()
    qtbot.waitUntil(lambda: env.tasks.pending() == 0)  # the callback ran and touched nothing


def test_reloading_the_same_customer_keeps_what_is_being_typed(qtbot: QtBot, env: Env, panel: CustomerPanel) -> None:
    load(qtbot, panel, env.data.customer_id)
    panel.tag_edit.setText("回头客")
    panel.note_edit.setPlainText("想要大一码，周五前发货")
    load(qtbot, panel, env.data.customer_id)  # e.g. the agent ends the chat or clicks it again
    assert panel.tag_edit.text() == "回头客"
    assert panel.note_edit.toPlainText() == "想要大一码，周五前发货"
    load(qtbot, panel, env.data.other_customer_id)
    assert panel.tag_edit.text() == ""
    assert panel.note_edit.toPlainText() == ""


def test_the_full_phone_shows_only_on_a_recorded_look(qtbot: QtBot, env: Env) -> None:
    with env.db.session() as s:
        user = ShopRepository(s).add_agent(env.data.shop_id, "xiaomei", AUTHOR)
    service = CustomerService(env.db, env.data.shop_id, clock, actor=Actor(user.id))
    panel = CustomerPanel(env.tasks, service, AUTHOR)
    qtbot.addWidget(panel)
    panel.resize(340, 800)
    panel.show()
    load(qtbot, panel, env.data.customer_id)
    assert panel.phone_label.text() == "138****5678"
    assert panel.phone_reveal.isVisibleTo(panel) and service.phone_views(env.data.customer_id) == []
    with qtbot.waitSignal(panel.phone_revealed, timeout=5000):
        panel.phone_reveal.click()
    assert panel.phone_label.text() == "13812345678" and not panel.phone_reveal.isVisibleTo(panel)
    [look] = service.phone_views(env.data.customer_id)
    assert (look.customer_id, look.user_id, look.user_name, look.viewed_at) == (
        env.data.customer_id,
        user.id,
        AUTHOR,
        clock(),
    )
    # Another customer, or the same one shown again: masked until the next deliberate look.
    load(qtbot, panel, env.data.customer_id)
    assert panel.phone_label.text() == "138****5678" and panel.phone_reveal.isVisibleTo(panel)
