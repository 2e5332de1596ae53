"""The welcome card as the customer sees it: a phone-sized chat with the bot's greeting, the card's
questions (those added by 智能预测 marked) and the quick buttons."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from workbench.domain.bot import WelcomeCard
from workbench.ui.theme import hex_colour, scope
from workbench.ui.widgets.avatar import Avatar
from workbench.ui.widgets.flow_layout import FlowLayout
from workbench.ui.widgets.pill import Pill


class WelcomePreview(QFrame):
    """Shows a `WelcomeCard`; `show_card` rebuilds the chat."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("phone")
        scope(self, "phone")
        self.setMinimumWidth(320)
        self.setMaximumWidth(380)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(1, 1, 1, 1)
        outer.setSpacing(0)

        header = QWidget()
        header.setObjectName("phoneHeader")
        header.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        head = QVBoxLayout(header)
        head.setContentsMargins(14, 10, 14, 10)
        head.setSpacing(0)
        self.shop_label = QLabel()
        self.shop_label.setObjectName("phoneTitle")
        self.shop_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sub_label = QLabel()
        self.sub_label.setObjectName("phoneSub")
        self.sub_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        head.addWidget(self.shop_label)
        head.addWidget(self.sub_label)
        outer.addWidget(header)

        chat = QWidget()
        chat.setObjectName("phoneChat")
        chat.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.chat_layout = QVBoxLayout(chat)
        self.chat_layout.setContentsMargins(12, 14, 12, 14)
        self.chat_layout.setSpacing(10)
        outer.addWidget(chat, 1)

        row = QHBoxLayout()
        row.setSpacing(8)
        self.avatar = Avatar("", 34)
        row.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(4)
        self.name_label = QLabel()
        self.name_label.setObjectName("botName")
        column.addWidget(self.name_label)
        self.bubble = QLabel()
        self.bubble.setObjectName("bubble")
        self.bubble.setWordWrap(True)
        self.bubble.setTextFormat(Qt.TextFormat.PlainText)
        self.bubble.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        column.addWidget(self.bubble)

        self.card = QFrame()
        self.card.setObjectName("welcomeCard")
        card_layout = QVBoxLayout(self.card)
        card_layout.setContentsMargins(10, 8, 10, 8)
        card_layout.setSpacing(6)
        self.card_heading = QLabel(self.tr("猜你想问"))
        self.card_heading.setObjectName("cardHeading")
        card_layout.addWidget(self.card_heading)
        self.questions_layout = QVBoxLayout()
        self.questions_layout.setSpacing(4)
        card_layout.addLayout(self.questions_layout)
        column.addWidget(self.card)

        self.buttons_host = QWidget()
        self.buttons_layout = FlowLayout(self.buttons_host, 6, 6)
        column.addWidget(self.buttons_host)
        row.addLayout(column, 1)
        self.chat_layout.addLayout(row)
        self.chat_layout.addStretch(1)

        self.input_label = QLabel(self.tr("请输入消息…"))
        self.input_label.setObjectName("phoneInput")
        outer.addWidget(self.input_label)
        self._question_labels: list[QLabel] = []

    # -- our API -------------------------------------------------------------------------------

    def show_card(self, card: WelcomeCard, shop_name: str) -> None:
        self.shop_label.setText(shop_name)
        self.sub_label.setText(self.tr("官方客服 · {name}").format(name=card.nickname))
        self.avatar.set_name(card.nickname)
        self.name_label.setText(self.tr("{name}（智能客服）").format(name=card.nickname))
        self.bubble.setText(card.text)
        self._clear(self.questions_layout)
        self._question_labels = []
        for i, (question, predicted) in enumerate(zip(card.questions, card.predicted, strict=True)):
            if i:
                line = QFrame()
                line.setObjectName("cardLine")
                self.questions_layout.addWidget(line)
            row = QHBoxLayout()
            row.setSpacing(6)
            label = QLabel(question.question)
            label.setObjectName("cardQuestion")
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self._question_labels.append(label)
            row.addWidget(label, 1)
            if predicted:
                row.addWidget(Pill(self.tr("智能预测"), hex_colour("bot_accent")))
            self.questions_layout.addLayout(row)
        self.card.setVisible(bool(card.questions))
        self.buttons_layout.clear()
        for button in card.buttons:
            chip = QLabel(button.label)
            chip.setObjectName("quickButton")
            chip.setToolTip(self.tr("点击发送：{text}").format(text=button.sends))
            self.buttons_layout.addWidget(chip)
        self.buttons_host.setVisible(bool(card.buttons))

    def question_texts(self) -> list[str]:
        return [label.text() for label in self._question_labels]

    def button_texts(self) -> list[str]:
        texts = []
        for i in range(self.buttons_layout.count()):
            item = self.buttons_layout.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                texts.append(widget.text())
        return texts

    @staticmethod
    def _clear(layout: QVBoxLayout | QHBoxLayout) -> None:
        while layout.count():
            item = layout.takeAt(0)
            if item is None:
                break
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
            elif item.layout() is not None:
                WelcomePreview._clear(item.layout())  # type: ignore[arg-type]
