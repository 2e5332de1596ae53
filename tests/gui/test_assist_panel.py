"""智能辅助's cards: their texts are fitted to the card once and reused by later paints."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from workbench.domain.kb import Suggestion
from workbench.ui.assist.panel import AssistPanel, SuggestionDelegate


def _suggestions() -> list[Suggestion]:
    return [
        Suggestion(
            i,
            f"第{i}个标准问题：这件衣服什么时候发货呢？",
            "亲，您好！" + "付款后四十八小时内从杭州仓发出，发货后可以在订单详情里查看物流。" * (1 + i % 3),
            0.9 - i * 0.1,
            "物流",
            matched_words=("发货", "什么时候"),
        )
        for i in range(1, 5)
    ]


def _panel(qtbot: QtBot) -> tuple[AssistPanel, SuggestionDelegate]:
    panel = AssistPanel()
    qtbot.addWidget(panel)
    panel.resize(320, 600)
    panel.show()
    qtbot.waitExposed(panel)
    delegate = panel.view.itemDelegate()
    assert isinstance(delegate, SuggestionDelegate)
    return panel, delegate


def _paint(panel: AssistPanel) -> None:
    QApplication.processEvents()  # the list's delayed layout
    panel.view.viewport().repaint()


def test_a_repaint_reuses_the_cards_fitted_texts(qtbot: QtBot) -> None:
    panel, delegate = _panel(qtbot)
    panel.show_for("什么时候发货", _suggestions())
    _paint(panel)
    fitted = delegate.fitted
    assert fitted == 4  # each card's texts fitted once
    for _ in range(3):  # hover, selection, a new list of the same cards: painted again
        _paint(panel)
    panel.show_for("什么时候发货呀", _suggestions())
    _paint(panel)
    assert delegate.fitted == fitted


def test_a_narrower_card_fits_its_texts_again(qtbot: QtBot) -> None:
    panel, delegate = _panel(qtbot)
    suggestion = _suggestions()[2]
    panel.show_for("什么时候发货", [suggestion])
    _paint(panel)
    wide = next(iter(delegate._texts.values()))
    panel.resize(240, 600)
    _paint(panel)
    assert delegate.fitted == 2
    narrow = delegate._texts[next(reversed(delegate._texts))]
    assert narrow.answer != wide.answer  # broken into lines at the new width
    assert narrow.question.endswith("…") and len(narrow.question) < len(wide.question)
