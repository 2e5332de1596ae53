"""What the desk says: where the data is in words, and quick phrases about the order being discussed."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory, show_current_lists
from workbench.credentials import server_of


def test_the_status_bar_names_the_data_not_its_path(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    shown = window._db_label()
    assert shown == "本机数据"
    assert str(window.config.paths.database) not in shown and "sqlite" not in shown
    assert server_of("postgresql+psycopg://kf:secret@db.shop.lan/workbench") == "db.shop.lan"
    assert server_of("postgresql+psycopg://kf@10.0.0.5:5433/workbench") == "10.0.0.5:5433"
    assert server_of("sqlite:////home/kf/.local/share/workbench/workbench.sqlite3") == ""


def test_quick_phrases_fill_the_order_the_chat_is_about(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    ws = window.workspace
    assert ws is not None and window.orders_panel is not None
    rows = ws.orders.page(limit=200).rows
    by_customer: dict[int, list[str]] = {}
    for order, *_ in rows:
        by_customer.setdefault(order.customer_id, []).append(order.order_no)
    customer_id = next(c for c, numbers in by_customer.items() if len(numbers) >= 2)
    orders = ws.orders.for_customer(customer_id)  # newest first
    newest, older = orders[0], orders[-1]
    assert newest.order_no != older.order_no
    conv = ws.reception.for_program().customer_arrives(customer_id, first_text=f"订单{older.order_no}的衣服有点小")
    ws.reception.for_program().customer_says(conv.id, "在吗？")  # the last line names no order
    show_current_lists(qtbot, window, timeout=10_000)
    with qtbot.waitSignal(window.conversation_opened, timeout=10_000):
        window.open_conversation(conv.id)
    panel = window.orders_panel
    qtbot.waitUntil(lambda: getattr(panel.current_order(), "order_no", "") == older.order_no, timeout=10_000)
    assert window.composer.placeholders.get("订单号") == older.order_no
