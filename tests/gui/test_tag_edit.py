"""TagEdit, the one tag-entry field (sidebar 客户 tab, CRM profile, bulk-tag dialog): completion from
the library, and the official-tag rule applied beside the field before anything is written."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from workbench.domain.customers import Tag
from workbench.domain.errors import DomainError
from workbench.ui.crm.dialogs import BulkTagDialog
from workbench.ui.errors import error_text
from workbench.ui.widgets.tag_edit import TagEdit

LIBRARY = (
    Tag(1, "老客户"),
    Tag(2, "爱砍价"),
    Tag(3, "尺码偏小"),
    Tag(4, "88VIP", official=True),
    Tag(5, "天猫认证", official=True),  # the platform's, though its name says nothing
)
MINE = (Tag(1, "老客户"), Tag(4, "88VIP", official=True))
OFFICIAL = error_text(DomainError("tag.official"))


@pytest.fixture
def edit(qtbot: QtBot) -> TagEdit:
    widget = TagEdit()
    qtbot.addWidget(widget)
    widget.set_tags(LIBRARY, MINE)
    widget.show()
    return widget


def test_completion_offers_the_custom_tags_the_customer_lacks(edit: TagEdit) -> None:
    assert edit.model.stringList() == ["爱砍价", "尺码偏小"]
    assert edit.completer.filterMode() == Qt.MatchFlag.MatchContains
    assert edit.completer.caseSensitivity() == Qt.CaseSensitivity.CaseInsensitive


@pytest.mark.parametrize("enter", ["return", "button"])
def test_an_allowed_tag_is_entered_cleaned(qtbot: QtBot, edit: TagEdit, enter: str) -> None:
    edit.setText("  夏季   新客 ")
    with qtbot.waitSignal(edit.tag_entered, timeout=1000) as entered:
        if enter == "return":
            qtbot.keyClick(edit.line_edit, Qt.Key.Key_Return)
        else:
            edit.add_button.click()
    assert entered.args == ["夏季 新客"]
    assert not edit.error_label.isVisibleTo(edit)
    assert edit.text() == "  夏季   新客 "  # kept until the owner has saved it
    edit.entry_saved("夏季 新客")
    assert edit.text() == ""


@pytest.mark.parametrize(
    "text",
    [
        "88VIP",
        "88vip",  # the sidebar compared case-sensitively
        "5冠",  # a level the customer does not have: the sidebar and the CRM profile let it through
        "钻",  # a bare tier: the CRM profile let it through
        "天猫认证",  # flagged in the library: the CRM profile and the bulk-tag dialog let it through
    ],
)
def test_official_tags_are_refused_beside_the_field(qtbot: QtBot, edit: TagEdit, text: str) -> None:
    edit.setText(text)
    with qtbot.assertNotEmitted(edit.tag_entered):
        qtbot.keyClick(edit.line_edit, Qt.Key.Key_Return)
    assert edit.error_label.isVisibleTo(edit) and edit.error_label.text() == OFFICIAL
    assert edit.line_edit.property("invalid") is True
    assert edit.text() == text  # kept, so the agent can fix it
    qtbot.keyClicks(edit.line_edit, "x")  # typing clears the reason
    assert not edit.error_label.isVisibleTo(edit)
    assert edit.line_edit.property("invalid") is False


def test_a_tag_the_customer_has_is_refused(qtbot: QtBot, edit: TagEdit) -> None:
    edit.setText("老客户")
    with qtbot.assertNotEmitted(edit.tag_entered):
        edit.add_button.click()
    assert "老客户" in edit.error_label.text()


def test_in_a_dialog_enter_is_left_to_the_default_button(qtbot: QtBot) -> None:
    dialog = BulkTagDialog(LIBRARY, 3)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.tag_edit.add_button.isVisibleTo(dialog)
    assert dialog.tag_edit.model.stringList() == ["老客户", "爱砍价", "尺码偏小"]
    dialog.tag_edit.setText("天猫认证")
    with qtbot.assertNotEmitted(dialog.tag_edit.tag_entered):
        qtbot.keyClick(dialog.tag_edit.line_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.tag_edit.error_label.text() == OFFICIAL
    assert not dialog.error.isVisibleTo(dialog)  # the reason is beside the field, not twice
    dialog.tag_edit.setText("直播间粉丝")
    qtbot.keyClick(dialog.tag_edit.line_edit, Qt.Key.Key_Return)
    assert not dialog.isVisible() and dialog.result_value == "直播间粉丝"
