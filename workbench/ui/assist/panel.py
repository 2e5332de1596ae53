"""智能辅助: KB suggestions for the customer's latest message."""

from __future__ import annotations

from collections import OrderedDict
from enum import IntEnum
from typing import NamedTuple

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.kb import Suggestion
from workbench.ui.theme import colour

AnyIndex = QModelIndex | QPersistentModelIndex


class SuggestionRoles(IntEnum):
    SUGGESTION = Qt.ItemDataRole.UserRole + 1
    SCORE = Qt.ItemDataRole.UserRole + 2
    ANSWER = Qt.ItemDataRole.UserRole + 3


class SuggestionModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._items: list[Suggestion] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        item = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.question
        if role == Qt.ItemDataRole.ToolTipRole:
            return item.answer
        if role == Qt.ItemDataRole.AccessibleTextRole:  # the card is painted: what a screen reader reads
            return self.tr("建议 {n}（Alt+{n} 直接发送），匹配度 {score:.0%}：{question}。回复：{answer}").format(
                n=index.row() + 1, score=item.score, question=item.question, answer=item.answer
            )
        if role == SuggestionRoles.SUGGESTION:
            return item
        if role == SuggestionRoles.SCORE:
            return item.score
        if role == SuggestionRoles.ANSWER:
            return item.answer
        return None

    def set_suggestions(self, items: list[Suggestion]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def suggestions(self) -> list[Suggestion]:
        return list(self._items)


def score_colour(score: float) -> QColor:
    if score >= 0.75:
        return colour("score_high")
    if score >= 0.45:
        return colour("score_medium")
    return colour("score_low")


class _CardTexts(NamedTuple):
    """A card's texts fitted to its width: what painting it draws, measured once."""

    pill: str
    pill_width: int
    question: str
    meta: str
    answer: str


class SuggestionDelegate(QStyledItemDelegate):
    """A card: standard question with score pill, category, matched words and answer preview."""

    PAD = 10
    HEIGHT = 112
    TEXT_CACHE = 64  # cards' fitted texts kept: a few lists of suggestions

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Fitting a card's texts (eliding the question, breaking the answer into lines) measured
        # text piece by piece on every paint: hover, selection and each new list repainted them all.
        # They are kept per (suggestion, width, font) and measured once.
        self._texts: OrderedDict[tuple[Suggestion, int, str], _CardTexts] = OrderedDict()
        self.fitted = 0  # cards whose texts were fitted (how often the cache missed)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        # No width of its own: the list gives each card the viewport's width. A width taken from the
        # option went stale when the vertical scroll bar appeared and cut the cards on the right.
        return QSize(0, self.HEIGHT)

    @staticmethod
    def _fonts(font: QFont) -> tuple[QFont, QFont]:
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        bold = QFont(font)
        bold.setBold(True)
        return small, bold

    def card_texts(self, item: Suggestion, inner: QRect, font: QFont) -> _CardTexts:
        """The card's texts fitted to `inner` (its area inside the padding): cached."""
        key = (item, inner.width() * 10_000 + inner.height(), font.key())
        cached = self._texts.get(key)
        if cached is not None:
            self._texts.move_to_end(key)
            return cached
        small, bold = self._fonts(font)
        fm_small, fm_bold, fm = QFontMetrics(small), QFontMetrics(bold), QFontMetrics(font)
        pill = f"{round(item.score * 100)}%"
        pill_width = fm_small.horizontalAdvance(pill) + 12
        question = fm_bold.elidedText(item.question, Qt.TextElideMode.ElideRight, inner.width() - pill_width - 8)
        meta = item.category
        if item.matched_words:
            meta += "  ·  " + " ".join(item.matched_words[:5])
        meta = fm_small.elidedText(meta, Qt.TextElideMode.ElideRight, inner.width())
        answer_top = inner.top() + fm_bold.height() + 4 + fm_small.height() + 4
        lines = max(1, (inner.bottom() - answer_top) // fm.lineSpacing())
        answer = _elide_lines(" ".join(item.answer.split()), fm, inner.width(), lines)
        texts = _CardTexts(pill, pill_width, question, meta, answer)
        self.fitted += 1
        self._texts[key] = texts
        if len(self._texts) > self.TEXT_CACHE:
            self._texts.popitem(last=False)
        return texts

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        item: Suggestion = index.data(SuggestionRoles.SUGGESTION)
        rect: QRect = option.rect.adjusted(8, 4, -8, -4)
        font: QFont = option.font
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour("accent" if selected else ("accent_hover_border" if hovered else "border"))))
        painter.setBrush(colour("accent_faint" if selected else "surface"))
        painter.drawRoundedRect(rect, 6, 6)
        inner = rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        texts = self.card_texts(item, inner, font)
        small, bold = self._fonts(font)
        fm_small, fm_bold = QFontMetrics(small), QFontMetrics(bold)

        pill = QRect(inner.right() - texts.pill_width, inner.top(), texts.pill_width, fm_small.height() + 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(score_colour(item.score))
        painter.drawRoundedRect(pill, 8, 8)
        painter.setFont(small)
        painter.setPen(colour("on_accent"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, texts.pill)

        painter.setFont(bold)
        painter.setPen(colour("text_strong"))
        question_width = inner.width() - texts.pill_width - 8
        painter.drawText(QRect(inner.left(), inner.top(), question_width, fm_bold.height()), 0, texts.question)

        y = inner.top() + fm_bold.height() + 4
        painter.setFont(small)
        painter.setPen(colour("text_subtle"))
        painter.drawText(QRect(inner.left(), y, inner.width(), fm_small.height()), 0, texts.meta)
        y += fm_small.height() + 4
        painter.setFont(font)
        painter.setPen(colour("text_body"))
        painter.drawText(QRect(inner.left(), y, inner.width(), inner.bottom() - y), 0, texts.answer)
        painter.restore()


def _elide_lines(text: str, fm: QFontMetrics, width: int, lines: int) -> str:
    """Break `text` into at most `lines` lines of `width`; the last one ends with an ellipsis when cut."""
    out: list[str] = []
    rest = text
    for line in range(lines):
        if not rest:
            break
        if line == lines - 1:
            out.append(fm.elidedText(rest, Qt.TextElideMode.ElideRight, width))
            break
        n = 1
        while n < len(rest) and fm.horizontalAdvance(rest[: n + 1]) <= width:
            n += 1
        out.append(rest[:n])
        rest = rest[n:]
    return "\n".join(out)


class AssistPanel(QWidget):
    """Shows suggestions; a click inserts into the composer, a double-click (or 发送) sends."""

    suggestion_chosen = Signal(object)  # Suggestion: insert its answer for editing
    suggestion_send = Signal(object)  # Suggestion: send its answer as is

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QLabel(self)
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        self.query_label = QLabel(self)
        self.query_label.setWordWrap(True)
        self.query_label.setObjectName("paneTitle")
        self.model = SuggestionModel(self)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegate(SuggestionDelegate(self.view))
        self.view.setAccessibleName(self.tr("智能辅助建议"))
        self.view.setMouseTracking(True)
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.view.clicked.connect(self._on_clicked)
        self.view.doubleClicked.connect(self._on_double_clicked)
        self.insert_button = QPushButton(self.tr("插入编辑"), self)
        self.send_button = QPushButton(self.tr("直接发送"), self)
        self.send_button.setObjectName("primary")
        self.insert_button.clicked.connect(lambda: self._emit_current(self.suggestion_chosen))
        self.send_button.clicked.connect(lambda: self._emit_current(self.suggestion_send))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.insert_button)
        buttons.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.status)
        layout.addWidget(self.query_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self._shown_text: str | None = None  # the buyer lines the suggestions shown answer
        self._showing = False  # show_for is moving the selection
        self._agent_pick = False  # the agent moved the selection off the one shown first
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.set_loading(True)
        self._update_buttons()

    def set_loading(self, loading: bool) -> None:
        self._loading = loading
        self.status.setText(
            self.tr("正在加载分词词典与知识库，稍后即可给出推荐回复…")
            if loading
            else self.tr("根据买家尚未回复的消息推荐回复；点聊天里的买家消息，看针对它的推荐")
        )

    def show_for(self, customer_text: str, suggestions: list[Suggestion]) -> None:
        """Show `suggestions` for the buyer's lines, the best one selected. The same lines again
        (suggestions refreshed once the sentence model is ready) keep the suggestion the agent selected
        themselves while it is still offered; the one selected by default follows the new best."""
        picked = self.current() if customer_text == self._shown_text and self._agent_pick else None
        self._shown_text = customer_text
        lines = " / ".join(line for line in customer_text.splitlines() if line.strip())  # several unanswered lines
        self.query_label.setText(self.tr("买家：{text}").format(text=_short(lines, 60)))
        ids = [s.entry_id for s in suggestions]
        row = ids.index(picked.entry_id) if picked is not None and picked.entry_id in ids else None
        self._showing = True  # the selection moves below: not the agent's doing
        try:
            self.model.set_suggestions(suggestions)
            if suggestions:
                self.view.setCurrentIndex(self.model.index(row or 0))
        finally:
            self._showing = False
        self._agent_pick = row is not None
        # Set the status both ways: a "nothing found" must not stay above the next customer's matches.
        self.set_loading(False)
        if not suggestions and customer_text:
            self.status.setText(self.tr("知识库里没有找到合适的回复，请人工回答。"))
        self._update_buttons()

    def clear(self) -> None:
        self._shown_text = None
        self._agent_pick = False
        self.query_label.setText("")
        self.model.set_suggestions([])
        self.set_loading(self._loading)  # drop the previous chat's "nothing found"
        self._update_buttons()

    def current(self) -> Suggestion | None:
        index = self.view.currentIndex()
        item = index.data(SuggestionRoles.SUGGESTION) if index.isValid() else None
        return item if isinstance(item, Suggestion) else None

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._showing and current.isValid():
            self._agent_pick = True

    def _update_buttons(self) -> None:
        has = self.model.rowCount() > 0
        self.insert_button.setEnabled(has)
        self.send_button.setEnabled(has)

    def _emit_current(self, signal: SignalInstance) -> None:
        item = self.current()
        if item is not None:
            signal.emit(item)

    def _on_clicked(self, index: QModelIndex) -> None:
        self.suggestion_chosen.emit(index.data(SuggestionRoles.SUGGESTION))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        self.suggestion_send.emit(index.data(SuggestionRoles.SUGGESTION))


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
