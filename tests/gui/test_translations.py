"""The English UI: the .ts covers every string in the code, the .qm is built from it, and widgets speak English.

When a test here fails after a UI change, run `python scripts/update_translations.py`, translate the
entries it marks unfinished in resources/translations/workbench_en.ts, and run it again.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QTabWidget, QToolBar
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.domain.conversations import ConversationState
from workbench.domain.errors import DomainError
from workbench.domain.orders import OrderState
from workbench.ui.chat.composer import Composer
from workbench.ui.chat.conversation_list import state_label as conversation_state_label
from workbench.ui.errors import error_text
from workbench.ui.orders.states import state_label
from workbench.ui.theme import install_qt_translator, install_translator

ROOT = Path(__file__).resolve().parents[2]
UI_DIR = ROOT / "workbench" / "ui"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
UPDATE_HINT = (
    "run `python scripts/update_translations.py`, translate the unfinished entries in "
    "resources/translations/workbench_en.ts, then run it again"
)


def _load_update_script() -> ModuleType:
    path = ROOT / "scripts" / "update_translations.py"
    spec = importlib.util.spec_from_file_location("update_translations", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


update_translations = _load_update_script()
TS_FILE: Path = update_translations.TS_FILE
QM_FILE: Path = update_translations.QM_FILE


@dataclass(frozen=True, slots=True)
class Entry:
    context: str
    source: str
    comment: str
    translation: str
    kind: str  # the translation's type attribute: "" when finished, else unfinished / vanished / obsolete


def read_ts(path: Path) -> list[Entry]:
    entries = []
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None, f"{name}: {message.findtext('source')!r} has no <translation>"
            entries.append(
                Entry(
                    context=name,
                    source=message.findtext("source") or "",
                    comment=message.findtext("comment") or "",
                    translation=translation.text or "",
                    kind=translation.get("type", ""),
                )
            )
    return entries


def _key(entry: Entry) -> tuple[str, str, str]:
    return entry.context, entry.source, entry.comment


# -- the .ts and the .qm --------------------------------------------------------------------------


def test_every_string_in_the_code_is_translated(tmp_path: Path) -> None:
    committed = read_ts(TS_FILE)
    assert committed, "the .ts holds no messages"
    not_done = [f"{e.context}: {e.source!r} ({e.kind or 'empty'})" for e in committed if e.kind or not e.translation]
    assert not not_done, f"untranslated or vanished entries; {UPDATE_HINT}:\n" + "\n".join(not_done)

    # lupdate over the current code must find exactly the committed messages: nothing new, nothing gone.
    refreshed = tmp_path / TS_FILE.name
    shutil.copyfile(TS_FILE, refreshed)
    update_translations.run_lupdate(refreshed)
    current = {_key(e) for e in read_ts(refreshed)}
    stored = {_key(e) for e in committed}
    new = sorted(current - stored)
    gone = sorted(stored - current)
    assert not new and not gone, (
        f"the .ts is out of date; {UPDATE_HINT}.\nnot in the .ts: {new}\nno longer used: {gone}"
    )


def test_translations_keep_placeholders_and_read_as_english() -> None:
    problems = []
    for e in read_ts(TS_FILE):
        where = f"{e.context}: {e.source!r} → {e.translation!r}"
        if sorted(PLACEHOLDER.findall(e.source)) != sorted(PLACEHOLDER.findall(e.translation)):
            problems.append(f"placeholders differ: {where}")
        if HAN.search(e.translation):
            problems.append(f"Chinese left in the translation: {where}")
        if "&" in e.translation and "&" not in e.source:
            problems.append(f"'&' would become a keyboard mnemonic on buttons: {where}")
        if e.source != e.source.strip() and e.source[:1].isspace() != e.translation[:1].isspace():
            problems.append(f"leading space (a suffix or separator) lost: {where}")
    assert not problems, "\n".join(problems)


def test_committed_qm_is_compiled_from_the_ts(tmp_path: Path) -> None:
    compiled = tmp_path / QM_FILE.name
    update_translations.run_lrelease(TS_FILE, compiled)
    assert QM_FILE.read_bytes() == compiled.read_bytes(), f"workbench_en.qm is stale; {UPDATE_HINT}"


# -- English at run time --------------------------------------------------------------------------


@pytest.fixture
def english(qapp: QApplication) -> Iterator[None]:
    """The English translator, installed the way the app does it; removed again so other tests see Chinese."""
    locale = QLocale()
    translator = install_translator(qapp, "en")
    assert translator is not None, "workbench_en.qm did not load from workbench.assets.i18n"
    try:
        yield
    finally:
        qapp.removeTranslator(translator)
        translator.deleteLater()
        QLocale.setDefault(locale)


@pytest.mark.usefixtures("english")
def test_every_message_resolves_through_the_installed_translator() -> None:
    missing = []
    for e in read_ts(TS_FILE):
        shown = QCoreApplication.translate(e.context, e.source, e.comment or None)
        if shown != e.translation:
            missing.append(f"{e.context}: {e.source!r} shows {shown!r}")
    assert not missing, "\n".join(missing)


@pytest.mark.usefixtures("english")
def test_widgets_and_helpers_show_english(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    assert composer.send_button.text() == "Send"
    assert composer.phrase_button.text().startswith("Quick phrases")

    class ShopComposer(Composer):
        """tr() in a subclass still finds the strings lupdate filed under Composer."""

    subclassed = ShopComposer()
    qtbot.addWidget(subclassed)
    assert subclassed.send_button.text() == "Send"

    assert error_text(DomainError("message.empty")) == "You can't send an empty message."
    assert error_text(DomainError("message.too_long", length=2100, limit=2000)) == (
        "Message too long: 2100 characters (max 2000). Please split it into several messages."
    )
    assert conversation_state_label(ConversationState.WAITING) == "Waiting"
    assert conversation_state_label(ConversationState.ACTIVE) == "Serving"
    assert state_label(OrderState.AWAITING_SHIPMENT) == "Awaiting shipment"


def test_chinese_again_without_the_translator(qtbot: QtBot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    assert composer.send_button.text() == "发送"
    assert error_text(DomainError("message.empty")) == "不能发送空白消息。"


@pytest.mark.usefixtures("english")
def test_main_window_chrome_is_english(make_window: WindowFactory) -> None:
    window = make_window()
    assert window.customer_panel is not None and window.orders_panel is not None
    tabs = [window.sidebar.tabText(i) for i in range(window.sidebar.count())]
    assert tabs == ["Smart Assist", "Customer", "Orders", "After-sales"]
    assert [window.status_combo.itemText(i) for i in range(window.status_combo.count())] == [
        "● Online",
        "◐ Away",
        "○ Offline",
    ]
    assert window.list_model.index(0).data() == f"Waiting ({window.list_model.count(ConversationState.WAITING)})"
    assert window.agent_label.text().startswith("Agent: ")

    # Chrome shows no data (the quick-phrase menu does, so it is left out): no Chinese may be left on
    # toolbar actions, buttons, tabs, combos or placeholders.
    toolbar_actions = [a for bar in window.findChildren(QToolBar) for a in bar.actions()]
    assert any(a.text() == "Settings" for a in toolbar_actions)
    chinese = [f"action {a.text()!r}" for a in toolbar_actions if HAN.search(a.text())]
    for button in window.findChildren(QAbstractButton):
        chinese += [f"button {t!r}" for t in (button.text(), button.toolTip()) if HAN.search(t)]
    for tabs_widget in window.findChildren(QTabWidget):
        chinese += [f"tab {t!r}" for i in range(tabs_widget.count()) if HAN.search(t := tabs_widget.tabText(i))]
    for combo in window.findChildren(QComboBox):
        chinese += [f"combo item {t!r}" for i in range(combo.count()) if HAN.search(t := combo.itemText(i))]
    for edit in [*window.findChildren(QLineEdit), *window.findChildren(QPlainTextEdit)]:
        chinese += [f"placeholder {edit.placeholderText()!r}"] if HAN.search(edit.placeholderText()) else []
    assert not chinese, "\n".join(chinese)


# -- no visible Chinese outside tr() ----------------------------------------------------------------

# Chinese literals in workbench/ui that are data, not text for the user, keyed by (file, literal).
NOT_UI_TEXT: dict[tuple[str, str], str] = {
    # Platform credit tiers as the data spells them ("3钻"); parsed to pick a glyph, never shown as typed.
    ("customers/credit.py", "心"): "credit tier in customer data",
    ("customers/credit.py", "钻"): "credit tier in customer data",
    ("customers/credit.py", "冠"): "credit tier in customer data",
    ("customers/credit.py", "金冠"): "credit tier in customer data",
    ("customers/credit.py", r"^\s*(\d+)\s*(金冠|心|钻|冠)\s*$"): "parses the credit tier",
    # Colour words looked up in an order's flag (seller data such as 红旗) to tint it.
    ("orders/order_detail.py", "红"): "flag colour in order data",
    ("orders/order_detail.py", "黄"): "flag colour in order data",
    ("orders/order_detail.py", "绿"): "flag colour in order data",
    ("orders/order_detail.py", "蓝"): "flag colour in order data",
    ("orders/order_detail.py", "紫"): "flag colour in order data",
    ("chat/conversation_list.py", "普通会员"): "member level in customer data; the default level gets no mark",
    ("main_window.py", "买家昵称"): "placeholder name inside the shop's quick-phrase templates",
    ("settings_dialog.py", "简体中文"): "a language is listed under its own name",
}


APPLICATION_CLASSES = {"QCoreApplication", "QGuiApplication", "QApplication"}


def _text_args(call: ast.Call) -> int:
    """How many leading arguments lupdate needs as literals: 1 for tr(text), 2 for translate(context, text)."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "tr":
        return 1
    if isinstance(func, ast.Name) and func.id == "translate":
        return 2
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "translate"
        and isinstance(func.value, ast.Name)
        and func.value.id in APPLICATION_CLASSES
    ):
        return 2
    return 0  # not a translation call (QPainter.translate and the like)


def _is_str(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _scan(path: Path) -> tuple[list[tuple[int, str]], list[str]]:
    """Chinese literals outside tr()/translate() (line, text), and tr()/translate() calls lupdate cannot read."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    translated: set[int] = set()
    unreadable: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and _is_str(node.value):
            translated.add(id(node.value))  # docstrings, including attribute docstrings
        if not isinstance(node, ast.Call) or not (needed := _text_args(node)):
            continue
        if len(node.args) < needed or not all(_is_str(a) for a in node.args[:needed]):
            unreadable.append(f"{path.relative_to(UI_DIR)}:{node.lineno}: {ast.unparse(node)}")
        translated.update(id(a) for a in node.args if _is_str(a))  # text, context and disambiguation
    loose = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and HAN.search(node.value)
        and id(node) not in translated
    ]
    return loose, unreadable


def test_no_visible_chinese_outside_tr() -> None:
    found: set[tuple[str, str]] = set()
    loose_text = []
    unreadable = []
    for path in sorted(UI_DIR.rglob("*.py")):
        rel = path.relative_to(UI_DIR).as_posix()
        loose, calls = _scan(path)
        unreadable += calls
        for line, text in loose:
            if (rel, text) in NOT_UI_TEXT:
                found.add((rel, text))
            else:
                loose_text.append(f"{rel}:{line}: {text!r}")
    assert not loose_text, (
        "Chinese text outside self.tr()/QCoreApplication.translate(); wrap it (or, if it is data, "
        "add it to NOT_UI_TEXT with the reason):\n" + "\n".join(loose_text)
    )
    assert not unreadable, (
        "lupdate only extracts string literals: pass the literal itself to tr()/translate(), "
        "not a variable or a wrapper's parameter:\n" + "\n".join(unreadable)
    )
    stale = sorted(set(NOT_UI_TEXT) - found)
    assert not stale, f"NOT_UI_TEXT entries no longer in the code; remove them: {stale}"


def test_qt_standard_texts_follow_the_chinese_ui(qapp: QApplication) -> None:
    # buttons such as 确定/取消 and the copy/paste menu of text fields come from Qt's own catalogue
    translator = install_qt_translator(qapp, "zh_CN")
    assert translator is not None, "qtbase_zh_CN.qm did not load from Qt's translations folder"
    try:
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
        assert QCoreApplication.translate("QLineEdit", "Select All") == "全选"
    finally:
        qapp.removeTranslator(translator)
        translator.deleteLater()


def test_the_file_dialog_speaks_chinese(qapp: QApplication) -> None:
    """Qt's catalogue lacks the labels with accelerators (Look in, Files of type): ours fills them in."""
    from PySide6.QtWidgets import QFileDialog, QLabel

    translator = install_qt_translator(qapp, "zh_CN")
    assert translator is not None
    try:
        dialog = QFileDialog(None, "导入", "", "表格文件 (*.csv *.xlsx)")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        labels = [label.text() for label in dialog.findChildren(QLabel)]
        dialog.deleteLater()
        assert "查找范围(&L)：" in labels and "文件类型(&T)：" in labels
        assert not [text for text in labels if not HAN.search(text)], labels
    finally:
        for t in (getattr(translator, "extra", None), translator):
            if t is not None:
                qapp.removeTranslator(t)
                t.deleteLater()
