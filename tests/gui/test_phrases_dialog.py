"""管理快捷短语: opened from the composer's menu; what it saves reaches the composer, errors sit at their field."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.domain.quick_phrases import PhrasePool
from workbench.ui.chat.phrases_dialog import PhrasesDialog
from workbench.ui.main_window import MainWindow


def _open(qtbot: QtBot, window: MainWindow) -> PhrasesDialog:
    """Through the composer's last menu item, as the agent does."""
    actions = window.composer.phrase_menu.actions()
    assert actions[-1] is window.composer.manage_action
    with qtbot.waitSignal(window.composer.manage_requested):
        window.composer.manage_action.trigger()
    dialog = window.phrases_dialog
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=10_000)
    return dialog


def _composer_texts(window: MainWindow) -> list[str]:
    return [p.text for p in window.composer.phrase_model.phrases()]


def test_add_edit_and_delete_a_phrase_reach_the_composer(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.composer.phrase_model.rowCount() > 0, timeout=10_000)
    dialog = _open(qtbot, window)
    assert dialog.model.rowCount() == window.composer.phrase_model.rowCount()
    assert not dialog.edit_button.isEnabled() and not dialog.delete_button.isEnabled()

    dialog.new_button.click()
    assert dialog.form_box.isVisible()
    dialog.group_edit.setText("测试组")
    qtbot.keyClicks(dialog.shortcode_edit, "zz1")
    dialog.text_edit.setPlainText("亲，这是一条新的快捷短语")
    with qtbot.waitSignal(dialog.phrases_loaded, timeout=10_000):
        dialog.save_button.click()
    assert not dialog.form_box.isVisible()
    qtbot.waitUntil(lambda: "亲，这是一条新的快捷短语" in _composer_texts(window), timeout=10_000)
    added = dialog.selected()
    assert added is not None
    assert (added.shortcode, added.group, added.pool) == ("zz1", "测试组", PhrasePool.PERSONAL)
    row = dialog.model.row_of(added.id)
    assert [dialog.model.index(row, c).data() for c in range(4)] == ["测试组", "/zz1", added.text, "个人"]
    # The composer's menu has the new group, and 管理快捷短语… is still its last item.
    titles = [a.text() for a in window.composer.phrase_menu.actions()]
    assert "测试组" in titles
    assert window.composer.phrase_menu.actions()[-1] is window.composer.manage_action

    dialog.edit_button.click()
    assert dialog.text_edit.toPlainText() == added.text
    dialog.text_edit.setPlainText("亲，改过的短语")
    dialog.pool_combo.setCurrentIndex(dialog.pool_combo.findData(PhrasePool.SHOP.value))
    with qtbot.waitSignal(dialog.phrases_loaded, timeout=10_000):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: "亲，改过的短语" in _composer_texts(window), timeout=10_000)
    assert "亲，这是一条新的快捷短语" not in _composer_texts(window)
    edited = dialog.selected()
    assert edited is not None and (edited.id, edited.pool) == (added.id, PhrasePool.SHOP)

    dialog.confirm_delete = lambda phrase: True  # type: ignore[method-assign]
    with qtbot.waitSignal(dialog.phrases_loaded, timeout=10_000):
        dialog.delete_button.click()
    qtbot.waitUntil(lambda: "亲，改过的短语" not in _composer_texts(window), timeout=10_000)
    assert dialog.model.row_of(added.id) == -1


def test_errors_are_shown_at_their_field_and_nothing_is_saved(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path
) -> None:
    window = make_window()
    dialog = _open(qtbot, window)
    count = dialog.model.rowCount()
    taken = next(p.shortcode for p in dialog.model.phrases() if p.shortcode)
    dialog.new_button.click()
    dialog.text_edit.setPlainText("亲，您好")
    errors = dialog.field_errors

    dialog.shortcode_edit.setText("hi!")
    dialog.save_button.click()
    assert errors["shortcode"].isVisible()
    assert "字母和数字" in errors["shortcode"].text()
    assert not errors["text"].isVisible() and not dialog.form_error.isVisible()

    dialog.shortcode_edit.setText(taken.upper())
    dialog.save_button.click()
    assert f"/{taken.upper()}" in errors["shortcode"].text()

    dialog.shortcode_edit.setText("ok")
    dialog.text_edit.setPlainText("   ")
    dialog.save_button.click()
    assert errors["text"].isVisible() and not errors["shortcode"].isVisible()
    assert errors["text"].text() == "短语内容不能为空。"

    dialog.resize(720, 620)
    dialog.grab().save(str(tmp_path / "phrases_dialog.png"))
    dialog.close_form()
    assert not any(label.isVisible() for label in errors.values())
    window.tasks.wait_idle()
    qtbot.wait(50)
    assert dialog.model.rowCount() == count
