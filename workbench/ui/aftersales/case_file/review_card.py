"""The review a buyer left, the shop's reply to it, and the reply the agent is writing (with suggestions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import Case, ReviewDetails
from workbench.ui.aftersales.case_file.key_values import value_label
from workbench.ui.aftersales.models import stamp
from workbench.ui.aftersales.texts import RATING_COLORS, rating_label
from workbench.ui.theme import scope, text_style
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.pill import Pill
from workbench.ui.widgets.text import soft_wrap


class SuggestionCard(QFrame):
    """A suggested reply; clicking it puts the text into the reply box."""

    clicked = Signal()
    """The agent clicked the suggestion."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = text
        self.setObjectName("suggestion")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self.tr("点一下放进回复框"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        self.label = QLabel(soft_wrap(text))
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.label)

    def click(self) -> None:
        self.clicked.emit()

    def mouseReleaseEvent(self, event: Any) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mouseReleaseEvent(event)


def _clear(layout: QLayout) -> None:
    while (item := layout.takeAt(0)) is not None:
        if (w := item.widget()) is not None:
            w.hide()
            w.deleteLater()


class ReviewCard(Card):
    """评价内容: the rating, text, photos and the shop's reply, and a box to write or change that reply.

    The card only shows and collects text; the case file posts the reply and keeps its draft."""

    reply_edited = Signal()
    """The reply text changed (typed, or filled from a suggestion or a draft)."""

    reply_submitted = Signal(str)
    """The agent clicked 发布回复 / 修改回复; carries the reply text, stripped (may be empty)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("评价内容"), parent)
        scope(self, "review_card")
        self.rating_pill = Pill()
        self.header.insertWidget(1, self.rating_pill)
        self.review_text = value_label("")
        self.body.addWidget(self.review_text)
        self.review_meta = QLabel()
        self.review_meta.setObjectName("muted")
        self.body.addWidget(self.review_meta)
        self.images_row = QHBoxLayout()
        self.images_row.setSpacing(6)
        self.body.addLayout(self.images_row)
        self.reply_title = QLabel(self.tr("店铺回复"))
        self.reply_title.setObjectName("fieldName")
        self.body.addWidget(self.reply_title)
        self.reply_shown = value_label("")
        self.body.addWidget(self.reply_shown)
        self._build_reply_box()

    def _build_reply_box(self) -> None:
        self.reply_edit = QPlainTextEdit()
        self.reply_edit.setPlaceholderText(self.tr("写一条针对这条评价的回复，或点下面的建议再修改"))
        self.reply_edit.setFixedHeight(80)
        self.reply_edit.textChanged.connect(self._on_reply_typed)
        self.reply_edit.setAccessibleName(self.tr("回复"))
        self.body.addWidget(self.reply_edit)
        self.suggestions_title = QLabel(self.tr("根据评价内容生成的回复建议（点一下放进输入框）"))
        self.suggestions_title.setObjectName("muted")
        self.body.addWidget(self.suggestions_title)
        self.suggestions_box = QVBoxLayout()
        self.suggestions_box.setSpacing(4)
        self.body.addLayout(self.suggestions_box)
        reply_row = QHBoxLayout()
        self.reply_error = QLabel()
        self.reply_error.setObjectName("error")
        self.reply_error.setWordWrap(True)
        reply_row.addWidget(self.reply_error, 1)
        self.reply_button = QPushButton(self.tr("发布回复"))
        self.reply_button.setObjectName("primary")
        self.reply_button.clicked.connect(lambda: self.reply_submitted.emit(self.reply_edit.toPlainText().strip()))
        reply_row.addWidget(self.reply_button)
        self.body.addLayout(reply_row)

    def show_review(self, case: Case, review: ReviewDetails) -> None:
        """The review itself and the shop's current reply; the reply being written is left as it is."""
        self.rating_pill.set_pill(rating_label(review.rating), RATING_COLORS[review.rating])
        self.review_text.setText(soft_wrap(review.text))
        self.review_meta.setText(
            " · ".join(
                p for p in (case.customer_nick, review.product_title, review.product_spec, stamp(case.created_at)) if p
            )
        )
        self._show_image_tiles(review.images)
        self.reply_shown.setText(soft_wrap(review.reply) if review.reply else self.tr("还没有回复"))
        self.reply_shown.setStyleSheet("" if review.reply else text_style("text_muted"))
        self.reply_button.setText(self.tr("修改回复") if review.reply else self.tr("发布回复"))

    def _show_image_tiles(self, count: int) -> None:
        """A grey tile per photo of the review (the photos themselves are not in the records)."""
        _clear(self.images_row)
        for i in range(count):
            tile = QLabel(self.tr("图 {n}").format(n=i + 1))
            tile.setObjectName("imageTile")
            tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tile.setFixedSize(64, 64)
            self.images_row.addWidget(tile)
        self.images_row.addStretch(1)

    # -- the reply being written ---------------------------------------------------------------

    def reply_text(self) -> str:
        return self.reply_edit.toPlainText()

    def set_reply_text(self, text: str) -> None:
        self.reply_edit.setPlainText(text)

    def clear_reply(self) -> None:
        """An empty reply box and no error: a fresh start for another review."""
        self.reply_edit.setPlainText("")
        self.reply_error.setText("")

    def show_error(self, text: str) -> None:
        self.reply_error.setText(text)

    def set_posting(self, posting: bool) -> None:
        """While a reply is being posted the button waits for the answer."""
        self.reply_button.setEnabled(not posting)

    def _on_reply_typed(self) -> None:
        self.reply_error.setText("")
        self.reply_edited.emit()

    # -- suggestions -----------------------------------------------------------------------------

    def clear_suggestions(self) -> None:
        _clear(self.suggestions_box)

    def add_suggestions(self, replies: Sequence[str]) -> None:
        for reply in replies:
            card = SuggestionCard(reply)
            card.clicked.connect(lambda text=reply: self.reply_edit.setPlainText(text))
            self.suggestions_box.addWidget(card)

    def suggestions(self) -> list[str]:
        out = []
        for i in range(self.suggestions_box.count()):
            item = self.suggestions_box.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, SuggestionCard):
                out.append(widget.text)
        return out
