"""The chat view on its own: heights measured once per message and width, a bounded window of rows
paged both ways, the reader's place kept, and the bottom followed only when the reader is there."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workbench.domain.conversations import Message, Sender
from workbench.ui.chat.chat_view import BubbleDelegate, ChatView

CONV = 7
PAGE = 200
T0 = datetime(2026, 3, 1, 9, 0)


def _messages(first_id: int, count: int) -> list[Message]:
    """Messages `first_id`… of varied length (some long, some multi-line), a minute apart."""
    out = []
    for i in range(first_id, first_id + count):
        text = f"第{i}条：" + "亲，这件衣服什么时候发货？" * (1 + i % 5) + ("\n第二行" if i % 7 == 0 else "")
        out.append(Message(i, CONV, Sender.CUSTOMER if i % 2 else Sender.AGENT, text, T0 + timedelta(minutes=i)))
    return out


def _view(qtbot: QtBot, total: int, shown: int = PAGE) -> ChatView:
    """A view showing the newest `shown` of `total` messages (ids 1…total), at its bottom."""
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    view.message_model.set_messages(CONV, _messages(total - shown + 1, shown))
    view.has_older = total > shown
    QApplication.processEvents()
    return view


def _show_older_page(qtbot: QtBot, view: ChatView) -> int:
    """Scroll to the top and prepend the page asked for (as the controller would); how many texts
    were measured for it."""
    asked: list[tuple[int, int]] = []
    view.older_requested.connect(lambda conv, before: asked.append((conv, before)))
    view.verticalScrollBar().setValue(0)
    oldest = view.message_model.oldest_id()
    assert oldest is not None and asked == [(CONV, oldest)]
    view.older_requested.disconnect()
    first = max(1, oldest - PAGE)
    before = view.bubbles.measured
    view.show_older(_messages(first, oldest - first), has_more=first > 1)
    qtbot.waitUntil(lambda: view.message_model.oldest_id() == first, timeout=30_000)  # measured, then added
    QApplication.processEvents()
    return view.bubbles.measured - before


def test_an_older_page_measures_only_its_own_rows_however_many_came_before(qtbot: QtBot) -> None:
    # 5,000 messages: beyond the 4,000 documents after which the old delegate dropped its cache and
    # measured every loaded bubble again for each page.
    total = 5000
    view = _view(qtbot, total)
    pages = 0
    while view.has_older:
        assert _show_older_page(qtbot, view) == PAGE  # the rows already shown are not laid out again
        assert view.message_model.rowCount() <= ChatView.WINDOW_ROWS
        pages += 1
    assert pages == total // PAGE - 1
    assert view.message_model.oldest_id() == 1


def test_an_older_page_is_measured_a_slice_at_a_time_before_it_joins_the_view(qtbot: QtBot) -> None:
    # Measuring a page's 200 rows and laying out the window's 600 in one go held the UI thread for
    # the whole page: now each turn of the event loop measures a slice (here one row: a zero budget)
    # and the page joins the model once all its rows are measured, so laying it out measures none.
    view = _view(qtbot, 1000)
    view.MEASURE_SLICE_S = 0.0  # type: ignore[misc]
    view.verticalScrollBar().setValue(0)
    oldest = view.message_model.oldest_id()
    assert oldest is not None
    shown = view.message_model.messages()
    measured = view.bubbles.measured
    view.show_older(_messages(oldest - PAGE, PAGE), has_more=True)
    assert view.message_model.messages() == shown  # not yet: its rows are being measured
    assert view.bubbles.measured == measured + 1  # one row in this turn
    view._measure_some()  # the next turn (its timer runs it)
    assert view.bubbles.measured == measured + 2 and view.message_model.messages() == shown
    in_layout: list[int] = []
    layout = view.doItemsLayout

    def counted_layout() -> None:
        before = view.bubbles.measured
        layout()
        in_layout.append(view.bubbles.measured - before)

    view.doItemsLayout = counted_layout  # type: ignore[method-assign]
    qtbot.waitUntil(lambda: view.message_model.oldest_id() == oldest - PAGE, timeout=30_000)
    assert view.bubbles.measured - measured == PAGE  # each row measured once
    assert in_layout and set(in_layout) == {0}  # the relayout found every height in the cache


def test_a_page_measured_for_a_chat_left_meanwhile_is_not_shown(qtbot: QtBot) -> None:
    view = _view(qtbot, 1000)
    view.MEASURE_SLICE_S = 0.0  # type: ignore[misc]
    oldest = view.message_model.oldest_id()
    assert oldest is not None
    view.show_older(_messages(oldest - PAGE, PAGE), has_more=True)
    other = [Message(50_000, CONV + 1, Sender.CUSTOMER, "另一位买家", T0)]
    view.message_model.set_messages(CONV + 1, other)  # the agent opens another chat
    for _ in range(PAGE + 5):
        QApplication.processEvents()
    assert view.message_model.messages() == other


def test_heights_are_reused_when_pages_come_back(qtbot: QtBot) -> None:
    view = _view(qtbot, 2000)
    for _ in range(4):  # 1,000 rows above the newest page: the window drops the newest ones
        _show_older_page(qtbot, view)
    assert view.has_newer and view.message_model.rowCount() == ChatView.WINDOW_ROWS
    requests: list[tuple[int, int]] = []
    view.newer_requested.connect(lambda conv, after: requests.append((conv, after)))
    measured = view.bubbles.measured
    while view.has_newer:
        view.scrollToBottom()  # the reader scrolls down to the end of the window: the next page, please
        newest = view.message_model.newest_id()
        assert newest is not None and requests[-1] == (CONV, newest)
        view.show_newer(newest, _messages(newest + 1, min(PAGE, 2000 - newest)), has_more=newest + PAGE < 2000)
        qtbot.waitUntil(lambda n=newest: view.message_model.newest_id() != n, timeout=30_000)
    assert view.message_model.newest_id() == 2000 and view.message_model.rowCount() == ChatView.WINDOW_ROWS
    assert view.bubbles.measured == measured  # every height came from the cache
    assert view.has_older


def test_an_older_page_keeps_the_bubble_under_the_reader_in_place(qtbot: QtBot) -> None:
    view = _view(qtbot, 3000)
    for _ in range(4):  # past the window's size, so the far end is dropped as the pages come
        view.verticalScrollBar().setValue(0)  # the reader at the top: the page is asked for
        first = view.message_model.message_at(0)
        y = view.visualRect(view.message_model.index(0)).top()
        oldest = first.id
        view.show_older(_messages(oldest - PAGE, PAGE), has_more=True)
        qtbot.waitUntil(lambda m=first.id: view.message_model.row_of(m) == PAGE, timeout=30_000)
        row = view.message_model.row_of(first.id)
        assert row == PAGE  # the page went above it
        assert view.visualRect(view.message_model.index(row)).top() == y  # and it did not move
        QApplication.processEvents()
        assert view.visualRect(view.message_model.index(row)).top() == y
    assert view.message_model.rowCount() == ChatView.WINDOW_ROWS


def test_a_width_change_lays_the_rows_out_again(qtbot: QtBot) -> None:
    view = _view(qtbot, 400)
    view.message_model.append(
        Message(10_000, CONV, Sender.CUSTOMER, "这是一条很长很长的消息，" * 30, T0 + timedelta(days=1))
    )
    QApplication.processEvents()
    long_row = view.message_model.rowCount() - 1
    wide = view.visualRect(view.message_model.index(long_row)).height()
    measured = view.bubbles.measured
    view.resize(420, 500)
    QApplication.processEvents()
    assert view.bubbles.measured > measured  # measured again at the new width
    view.scrollToBottom()
    QApplication.processEvents()
    narrow = view.visualRect(view.message_model.index(long_row)).height()
    assert narrow > wide  # narrower bubbles, more lines
    # Back to the first width: the heights are still known.
    measured = view.bubbles.measured
    view.resize(600, 500)
    QApplication.processEvents()
    assert view.bubbles.measured == measured
    assert view.visualRect(view.message_model.index(long_row)).height() == wide


def test_a_width_change_measures_the_rows_on_screen_at_once_and_the_rest_while_idle(qtbot: QtBot) -> None:
    view = _view(qtbot, 1000, shown=ChatView.WINDOW_ROWS)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 2)  # reading in the middle
    QApplication.processEvents()
    top = view.indexAt(view.viewport().rect().topLeft())
    reading = view.message_model.message_at(top.row())
    offset = view.visualRect(top).top()
    measured = view.bubbles.measured
    view.resize(420, 500)
    view.doItemsLayout()  # the relayout Qt would do 100 ms after the resize
    on_screen = view.bubbles.measured - measured
    assert 0 < on_screen < ChatView.WINDOW_ROWS // 4  # the rows around the reader, not all 600
    assert view.bubbles.estimated
    row = view.message_model.row_of(reading.id)
    assert row is not None and view.visualRect(view.message_model.index(row)).top() == offset  # still read
    qtbot.waitUntil(lambda: not view.bubbles.estimated)  # measured a few at a time while idle
    # Every row now has its exact height at the new width, and the bubble read did not move meanwhile.
    width = view.bubbles._text_width(view.viewport().width())
    font = view.font()
    for message in view.message_model.messages():
        assert view.bubbles._heights[(message.id, width)] == view.bubbles._measure_text(message, width, font)
    row = view.message_model.row_of(reading.id)
    assert row is not None and view.visualRect(view.message_model.index(row)).top() == offset


def test_the_measured_height_is_the_painted_bubbles(qtbot: QtBot) -> None:
    delegate = BubbleDelegate()
    font = QApplication.font()
    texts = [
        "好",
        "亲，这件衣服什么时候发货？" * 7,
        "第一行\n第二行\n\n第四行",
        "订单号 1234567890123456 已发货",
        "👍" * 40,
    ]
    for i, text in enumerate(texts, 1):
        message = Message(i, CONV, Sender.CUSTOMER, text, T0)
        for width in (120, 233, 400):
            _doc, size = delegate._document(message, width, font)
            assert delegate.text_height(message, width, font) == size.height(), (text, width)


def test_a_bubble_measured_otherwise_than_painted_gets_the_painted_height(qtbot: QtBot) -> None:
    view = _view(qtbot, 10, shown=10)
    row = view.message_model.rowCount() - 1
    message = view.message_model.message_at(row)
    height = view.visualRect(view.message_model.index(row)).height()
    width = view.bubbles._text_width(view.viewport().width())
    right = view.bubbles._heights[(message.id, width)]
    view.bubbles._heights[(message.id, width)] = right + 40  # as if the metrics wrapped it otherwise
    view.doItemsLayout()
    assert view.visualRect(view.message_model.index(row)).height() == height + 40
    view.viewport().repaint()  # painting lays out its document, which has the last word
    qtbot.waitUntil(lambda: view.visualRect(view.message_model.index(row)).height() == height)
    assert view.bubbles._heights[(message.id, width)] == right


def test_documents_are_dropped_least_recently_used_first(qtbot: QtBot) -> None:
    delegate = BubbleDelegate()
    font = QApplication.font()
    messages = _messages(1, BubbleDelegate.DOC_CACHE + 1)
    first = delegate._document(messages[0], 300, font)[0]
    for message in messages[1:-1]:
        delegate._document(message, 300, font)
    assert delegate._document(messages[0], 300, font)[0] is first  # used again: now the most recent
    delegate._document(messages[-1], 300, font)  # one too many: the least recently used goes
    assert len(delegate._docs) == BubbleDelegate.DOC_CACHE
    assert delegate._document(messages[0], 300, font)[0] is first
    assert (messages[1].id, 300) not in delegate._docs


def test_a_new_message_keeps_the_view_at_the_bottom_only_when_it_was_there(qtbot: QtBot) -> None:
    view = _view(qtbot, 200)
    bar = view.verticalScrollBar()
    assert bar.value() == bar.maximum() > 0
    view.append(_messages(201, 1)[0])
    QApplication.processEvents()
    assert bar.value() == bar.maximum()
    bar.setValue(bar.maximum() // 2)  # the reader scrolls up to read
    reading = bar.value()
    view.append(_messages(202, 1)[0])
    QApplication.processEvents()
    assert view.message_model.newest_id() == 202 and bar.value() == reading
    view.append(_messages(203, 1)[0], own=True)  # the agent's own reply brings the view down
    QApplication.processEvents()
    assert bar.value() == bar.maximum()


def test_a_reply_sent_far_back_in_a_long_chat_shows_the_newest_page(qtbot: QtBot) -> None:
    view = _view(qtbot, 2000)
    for _ in range(3):
        _show_older_page(qtbot, view)
    assert view.has_newer
    requests: list[tuple[int, int]] = []
    view.newer_requested.connect(lambda conv, after: requests.append((conv, after)))
    arrived = _messages(2001, 1)[0]
    view.append(arrived)  # a customer's message waits for the newer pages
    assert view.message_model.newest_id() != 2001 and requests == []
    sent = _messages(2002, 1)[0]
    view.append(sent, own=True)
    assert requests == [(CONV, ChatView.LATEST)]
    view.show_newer(ChatView.LATEST, _messages(1803, PAGE), has_more=False)
    QApplication.processEvents()
    bar = view.verticalScrollBar()
    assert view.message_model.newest_id() == 2002 and not view.has_newer and view.has_older
    assert bar.value() == bar.maximum()


def test_the_model_stays_consistent_while_paging(qtbot: QtBot, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    view = _view(qtbot, 1200)
    qtmodeltester.check(view.message_model)
    for _ in range(4):
        _show_older_page(qtbot, view)
    view.show_newer(view.message_model.newest_id() or 0, _messages(601, PAGE), has_more=True)
    qtmodeltester.check(view.message_model)
