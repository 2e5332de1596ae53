"""The reception window end to end: a simulated customer is served, and everything survives a restart."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from workbench.domain.conversations import MAX_MESSAGE_LENGTH, ConversationState, Sender
from workbench.storage.db import Database, sqlite_url
from workbench.ui.main_window import MainWindow


def _serve_new_customer(qtbot: QtBot, window: MainWindow, scenario: str) -> int:
    channel = window.channel
    assert channel is not None
    window.tasks.write(lambda: channel.spawn(scenario), window.controller.apply_updates)
    qtbot.waitUntil(lambda: window.list_model.count(ConversationState.WAITING) >= 1, timeout=10_000)
    conv = window.list_model.conversations(ConversationState.WAITING)[0]

    # The customer types its opening after a short human delay; tick the channel until it arrives.
    def has_customer_message() -> bool:
        window.controller.tick_channel()
        return conv.id in window.controller.last_customer_text

    qtbot.waitUntil(has_customer_message, timeout=30_000)
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(conv.id)
    return conv.id


def test_window_opens_on_the_demo_shop(make_window: WindowFactory) -> None:
    window = make_window()
    assert window.workspace is not None
    assert window.shop_label.text() == window.workspace.shop.name
    assert window.matcher is not None and len(window.matcher) >= 60
    assert window.composer.phrase_model.rowCount() >= 30


def test_serve_a_simulated_customer_end_to_end(qtbot: QtBot, make_window: WindowFactory, tmp_path: Path) -> None:
    window = make_window()
    conv_id = _serve_new_customer(qtbot, window, "where_is_parcel")
    ws = window.workspace
    assert ws is not None

    # Suggestions for the customer's message appear in the sidebar.
    qtbot.waitUntil(lambda: window.assist.model.rowCount() > 0, timeout=10_000)
    suggestion = window.assist.model.suggestions()[0]
    assert 0.0 <= suggestion.score <= 1.0

    # Click inserts for editing; the agent edits and sends.
    window.assist.suggestion_chosen.emit(suggestion)
    assert window.composer.text() == suggestion.answer
    window.composer.set_text(suggestion.answer + "（已为您加急）")
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        window.composer.send_button.click()
    assert window.composer.text() == ""
    uses = ws.reception.suggestion_uses(conv_id)
    assert [(u.entry_id, u.edited) for u in uses] == [(suggestion.entry_id, True)]

    # Sending a suggestion unchanged is recorded as not edited.
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        window.assist.suggestion_send.emit(suggestion)
    uses = ws.reception.suggestion_uses(conv_id)
    assert [u.edited for u in uses] == [True, False]
    conv = ws.reception.get(conv_id)
    assert conv is not None and conv.state is ConversationState.ACTIVE

    # Tag the customer and look at their orders.
    panel = window.customer_panel
    assert panel is not None
    customer_id = conv.customer_id
    qtbot.waitUntil(lambda: panel.customer_id() == customer_id and panel._customer is not None, timeout=10_000)
    window.sidebar.setCurrentWidget(panel)
    panel.tag_edit.setText("催过物流")
    with qtbot.waitSignal(panel.tags_changed, timeout=10_000):
        qtbot.keyClick(panel.tag_edit.line_edit, Qt.Key.Key_Return)
    assert "催过物流" in [t.name for t in ws.customers.profile(customer_id).tags]
    assert window.orders_panel is not None
    assert ws.orders.for_customer(customer_id)

    # Close and reopen on the same data: the conversation, its messages and the tag are all there.
    data_dir = window.config.paths.data
    window.close()
    again = make_window(data_dir)
    ws2 = again.workspace
    assert ws2 is not None
    messages = ws2.reception.messages(conv_id)
    assert [m.sender for m in messages].count(Sender.AGENT) == 2
    assert "催过物流" in [t.name for t in ws2.customers.profile(customer_id).tags]
    assert len(ws2.reception.suggestion_uses(conv_id)) == 2


def test_empty_and_oversized_messages_are_refused_with_a_clear_error(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    conv_id = _serve_new_customer(qtbot, window, "when_ship")
    ws = window.workspace
    assert ws is not None
    before = len(ws.reception.messages(conv_id))

    window.composer.set_text("   \n  ")
    window.composer.send_button.click()
    qtbot.waitUntil(lambda: window.composer.error.text() != "", timeout=10_000)
    assert "空白" in window.composer.error.text()

    huge = "很长的内容" * 20_000  # 100k characters pasted
    window.composer.set_text(huge)
    window.composer.send_button.click()
    qtbot.waitUntil(lambda: window.composer.error.text() != "", timeout=10_000)
    assert str(MAX_MESSAGE_LENGTH) in window.composer.error.text()
    assert window.composer.text() == huge  # nothing the agent typed is lost
    assert len(ws.reception.messages(conv_id)) == before


def test_enter_sends_and_shift_enter_adds_a_line(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    _serve_new_customer(qtbot, window, "size_advice")
    window.composer.set_text("hello")
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert window.composer.text() == "hello\n"
    window.composer.edit.insertPlainText("world")
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)


def test_quick_phrase_picker_inserts_by_shortcode(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    _serve_new_customer(qtbot, window, "coupon_discount")
    phrase = window.composer.phrase_model.phrases()[0]
    window.composer.set_text("/" + phrase.shortcode)
    assert window.composer.picker.isVisible()
    qtbot.keyClick(window.composer.edit, Qt.Key.Key_Return)
    assert not window.composer.picker.isVisible()
    assert "{买家昵称}" not in window.composer.text()
    assert window.composer.text().startswith(phrase.text.split("{")[0])


def test_database_from_a_newer_version_is_refused(qtbot: QtBot, make_window: WindowFactory, tmp_path: Path) -> None:
    data_dir = tmp_path / "newer"
    data_dir.mkdir()
    db = Database(sqlite_url(data_dir / "workbench.sqlite3"))
    db.migrate()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    db.dispose()
    window = make_window(data_dir, wait_ready=False)
    with qtbot.waitSignal(window.workspace_failed, timeout=30_000) as blocker:
        window.start()
    assert "更新版本" in blocker.args[0]
    db = Database(sqlite_url(data_dir / "workbench.sqlite3"))
    assert db.current_revision() == "9999_future"  # untouched
    db.dispose()


def _make_read_only(path: Path) -> Callable[[], None]:
    """Make `path` unwritable even for root (immutable flag); returns the undo."""
    path.chmod(0o555)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)]).returncode != 0:
            pytest.skip("running as root without chattr: cannot make a directory read-only")
        return lambda: subprocess.run(["chattr", "-i", str(path)], check=False) and None
    return lambda: path.chmod(0o755)


def test_read_only_data_dir_gets_a_clear_message(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    undo = _make_read_only(ro)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "workbench", "--smoke-test", "--data-dir", str(ro)],
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            capture_output=True,
            timeout=120,
        )
    finally:
        undo()
    assert result.returncode == 2, result.stderr.decode()
    assert "数据目录不可写" in result.stderr.decode()
    assert list(ro.iterdir()) == []


def test_long_chat_loads_older_pages_when_scrolled_to_top(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    customer_id = ws.orders.by_number(_first_order_no(window)).customer_id  # type: ignore[union-attr]
    conv = ws.reception.customer_arrives(customer_id)
    with ws.db.session() as s:
        from workbench.storage.repositories.conversations import ConversationRepository

        repo = ConversationRepository(s)
        for i in range(450):
            repo.add_message(conv.id, Sender.CUSTOMER if i % 2 else Sender.AGENT, f"第{i}条消息", ws.clock())
    window.refresh_lists()
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(conv.id)
    model = window.chat.message_model
    assert model.rowCount() == 200 and window.chat.has_older
    for expected in (400, 450):
        window.chat.verticalScrollBar().setValue(0)
        qtbot.waitUntil(lambda n=expected: model.rowCount() == n, timeout=10_000)
    assert model.messages()[0].text == "第0条消息"
    assert not window.chat.has_older


def test_a_chat_scrolled_to_its_top_comes_back_down_to_its_newest_message(
    qtbot: QtBot, make_window: WindowFactory
) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None
    customer_id = ws.orders.by_number(_first_order_no(window)).customer_id  # type: ignore[union-attr]
    conv = ws.reception.customer_arrives(customer_id)
    with ws.db.session() as s:
        from workbench.storage.repositories.conversations import ConversationRepository

        repo = ConversationRepository(s)
        for i in range(1000):
            repo.add_message(conv.id, Sender.CUSTOMER if i % 2 else Sender.AGENT, f"第{i}条消息", ws.clock())
    window.refresh_lists()
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(conv.id)
    chat, model = window.chat, window.chat.message_model
    bar = chat.verticalScrollBar()
    for _ in range(10):
        if not chat.has_older:
            break
        bar.setValue(0)
        assert chat._loading_older  # the page was asked for
        qtbot.waitUntil(lambda: not chat._loading_older, timeout=10_000)  # and is shown
    assert not chat.has_older and model.messages()[0].text == "第0条消息"
    assert model.rowCount() <= chat.WINDOW_ROWS and chat.has_newer  # the newest rows were let go
    for _ in range(10):  # the reader scrolls back down: the newer pages are read again
        if not chat.has_newer:
            break
        bar.setValue(bar.maximum())
        assert chat._loading_newer
        qtbot.waitUntil(lambda: not chat._loading_newer, timeout=10_000)
    assert not chat.has_newer
    assert model.messages()[-1].text == "第999条消息"
    texts = [m.text for m in model.messages()]
    assert texts == [f"第{i}条消息" for i in range(1000 - len(texts), 1000)]  # no gap, no repeat
    with qtbot.waitSignal(window.message_sent, timeout=10_000):
        window.send_text("好的亲")
    assert model.messages()[-1].text == "好的亲"
    qtbot.waitUntil(lambda: bar.value() == bar.maximum())


def _first_order_no(window: MainWindow) -> str:
    ws = window.workspace
    assert ws is not None
    with ws.db.session() as s:
        from workbench.storage.repositories.orders import OrderRepository

        return OrderRepository(s).recent(ws.shop.id, 1)[0].order_no


def test_navigation_opens_each_workspace_and_the_customer_file(qtbot: QtBot, make_window: WindowFactory) -> None:
    from workbench.ui.crm.page import CustomersPage
    from workbench.ui.kb_admin.page import KnowledgePage

    window = make_window()
    assert window.nav.count() >= 3
    window.nav.setCurrentRow(window.page_index["knowledge"])
    assert isinstance(window.pages.currentWidget(), KnowledgePage)
    conv_id = _serve_new_customer(qtbot, window, "size_advice")
    window.nav.setCurrentRow(0)
    assert window.current_id == conv_id
    window.profile_button.click()
    page = window.pages.currentWidget()
    assert isinstance(page, CustomersPage)
    with qtbot.waitSignal(page.customer_opened, timeout=10_000):
        conv = window.list_model.conversation(conv_id)
        assert conv is not None
        page.show_customer(conv.customer_id)


def test_aftersales_case_from_the_chat_and_its_text_back_in_the_chat(qtbot: QtBot, make_window: WindowFactory) -> None:
    from workbench.ui.aftersales.page import AftersalesPage

    window = make_window()
    conv_id = _serve_new_customer(qtbot, window, "exchange_colour_size")
    orders = window.orders_panel
    assert orders is not None and window.workspace is not None
    conv = window.list_model.conversation(conv_id)
    assert conv is not None
    order_no = window.workspace.orders.for_customer(conv.customer_id)[0].order_no
    orders.aftersales_requested.emit("exchange", order_no)
    # the form opens in the sidebar's 售后 tab, beside the chat (the agent stays in 接待)
    panel = window.aftersales_panel
    assert panel is not None and window.sidebar.currentWidget() is panel
    assert window.pages.currentIndex() == 0 and panel.stack.currentWidget() is panel.service_form
    assert panel.service_form.kind().value == "exchange" and panel.service_form.order_edit.text() == order_no
    page = window.page(window.page_index["aftersales"])
    assert isinstance(page, AftersalesPage)

    # The page asks to put the return instructions into this chat: they land in the composer.
    window.nav.setCurrentRow(window.page_index["customers"])
    page.send_text_requested.emit(conv_id, "亲，退回地址：杭州市余杭区…")
    assert window.pages.currentIndex() == 0
    qtbot.waitUntil(lambda: window.composer.text() == "亲，退回地址：杭州市余杭区…", timeout=10_000)


def test_a_new_day_opens_the_answers_whose_window_starts_today(make_window: WindowFactory, qtbot: QtBot) -> None:
    from datetime import timedelta

    from workbench.domain.kb import Phrasing
    from workbench.domain.kb_admin import Answer, EntryDraft
    from workbench.services.kb_admin import KbAdminService

    window = make_window()
    ws, matcher = window.workspace, window.matcher
    assert ws is not None and matcher is not None and window.controller.day_timer.isActive()
    today = ws.clock().date()
    # an answer valid from today, written behind the matcher's back: as if it was built yesterday
    service = KbAdminService(ws.db, ws.shop.id, ws.clock, actor=ws.actor)
    opens = Answer("亲，年货节满199减20", today)
    draft = EntryDraft("活动优惠", "年货节有什么活动", (Phrasing("年货节优惠多少"),), (opens,))
    entry_id = service.create_entry(draft).entries[0].id
    assert all(s.entry_id != entry_id for s in matcher.match("年货节有什么活动", top=10))

    window.controller.check_new_day()  # the same day: nothing to do
    window.tasks.wait_idle()
    assert all(s.entry_id != entry_id for s in matcher.match("年货节有什么活动", top=10))

    ws.matcher.day = today - timedelta(days=1)
    window.controller.check_new_day()
    qtbot.waitUntil(lambda: matcher.match("年货节有什么活动")[0].entry_id == entry_id, timeout=10_000)
    assert ws.matcher.day == today


def test_follow_up_rules_schedule_when_the_desk_opens_and_each_new_day(make_window: WindowFactory) -> None:
    from datetime import timedelta

    from workbench.domain.crm import FollowUpRule, FollowUpView, RuleTrigger
    from workbench.services.crm_followups import FollowUpService

    window = make_window()
    ws = window.workspace
    assert ws is not None and window.controller.day_timer.isActive()
    window.tasks.wait_idle()
    followups = FollowUpService(ws.db, ws.shop.id, ws.clock)
    assert followups.run_rules() == 0  # the desk ran the demo shop's rules when it opened
    before = followups.count(FollowUpView.ALL)

    # a rule added during the day is picked up at the next date change
    followups.save_rule(FollowUpRule(0, "签收一月回访", RuleTrigger.SIGNED, 0, 30, None))
    window.controller.rules_day = ws.clock().date() - timedelta(days=1)
    window.controller.check_new_day()
    window.tasks.wait_idle()
    assert followups.count(FollowUpView.ALL) > before
    assert window.controller.rules_day == ws.clock().date()
    assert followups.run_rules() == 0


def test_new_simulated_reviews_show_in_an_open_after_sales_page(
    make_window: WindowFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.ui.aftersales.page import AftersalesPage

    window = make_window()
    channel = window.channel
    assert channel is not None
    window.controller.tick_channel()  # the 售后 page is not built yet: nothing to refresh, nothing fails
    qtbot.waitUntil(lambda: not window.controller.tick_running, timeout=10_000)
    page = window.show_page(window.page_index["aftersales"])
    assert isinstance(page, AftersalesPage)
    window.tasks.wait_idle()
    refreshed: list[str] = []
    monkeypatch.setattr(page.reviews_view, "refresh", lambda: refreshed.append("reviews"))
    monkeypatch.setattr(page, "refresh", lambda: refreshed.append("cases"))
    monkeypatch.setattr(channel, "take_new_reviews", lambda: [])
    window.controller.tick_channel()
    qtbot.waitUntil(lambda: not window.controller.tick_running, timeout=10_000)
    assert refreshed == []
    monkeypatch.setattr(channel, "take_new_reviews", lambda: ["a review"])
    window.controller.tick_channel()
    qtbot.waitUntil(lambda: not window.controller.tick_running, timeout=10_000)
    assert sorted(refreshed) == ["cases", "reviews"]


def test_after_sales_from_the_orders_page_opens_the_form_for_that_order(make_window: WindowFactory) -> None:
    from workbench.ui.aftersales.page import AftersalesPage
    from workbench.ui.orders.orders_page import OrdersPage

    window = make_window()
    orders = window.show_page(window.page_index["orders"])
    assert isinstance(orders, OrdersPage)
    assert orders.detail.aftersales_button.isVisibleTo(orders)  # wired: the buttons are offered
    ws = window.workspace
    assert ws is not None
    customer_id = _customers_with_orders(ws.db)[0]
    orders.aftersales_requested.emit("exchange", customer_id, "")
    page = window.pages.currentWidget()
    assert isinstance(page, AftersalesPage) and page.stack.currentIndex() == page.PAGE_SERVICE
    orders.aftersales_requested.emit("complaint", customer_id, "")
    assert page.stack.currentIndex() == page.PAGE_COMPLAINT
    window.tasks.wait_idle()


def _customers_with_orders(db: Database) -> list[int]:
    from sqlalchemy import select

    from workbench.storage.tables import OrderRow

    with db.session() as s:
        return list(s.scalars(select(OrderRow.customer_id).limit(1)))


def test_quick_phrases_fill_the_buyers_order_and_unfilled_ones_are_not_sent(
    make_window: WindowFactory, qtbot: QtBot
) -> None:
    from workbench.domain.quick_phrases import PhrasePool, QuickPhrase

    window = make_window()
    conv_id = _serve_new_customer(qtbot, window, "where_is_parcel")
    ws = window.workspace
    assert ws is not None
    conv = window.list_model.conversation(conv_id)
    assert conv is not None
    orders = ws.orders.for_customer(conv.customer_id)
    assert orders, "the parcel scenario's buyer has orders"
    qtbot.waitUntil(lambda: window.composer.placeholders.get("订单号") == orders[0].order_no, timeout=10_000)

    phrase = QuickPhrase(0, PhrasePool.SHOP, "物流", "wl", "{买家昵称}亲，订单{订单号}的{商品}已经在路上啦")
    window.composer.insert_phrase(phrase)
    text = window.composer.text()
    assert "{" not in text and orders[0].order_no in text and conv.customer_nick in text

    # a placeholder the desk cannot fill stays selected, and the reply is not sent with it
    window.composer.set_text("")
    window.composer.insert_phrase(QuickPhrase(0, PhrasePool.SHOP, "物流", "x", "亲，{商品}明天到，{商品}请签收"))
    window.composer.placeholders.pop("商品", None)
    window.composer.set_text("亲，{商品}明天到")
    sent: list[int] = []
    window.message_sent.connect(sent.append)
    window.send_text(window.composer.text())
    window.tasks.wait_idle()
    assert sent == [] and "{商品}" in window.composer.error.text()
    assert window.composer.edit.textCursor().selectedText() == "{商品}"
