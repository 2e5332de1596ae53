"""Building blocks shared by the knowledge page's tabs (知识库, 行业包, 问答测试): the white panels,
read-only tables, and the file and yes/no dialogs the tabs let tests replace."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMessageBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.ui.theme import scope

OpenFile = Callable[[str, str], str]  # (title, filter) -> path or ""
Confirm = Callable[[str, str], bool]  # (title, text) -> yes


def style_tab(tab: QWidget, name: str, block: str) -> None:
    """Name the tab and style it with the style sheet's panel block (panels and table headers look
    the same on every tab) and its own `block`; without WA_StyledBackground a plain QWidget would
    not paint the sheet's background."""
    tab.setObjectName(name)
    tab.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    scope(tab, "kb_panel", block)


def split_root(tab: QWidget) -> QSplitter:
    """Fill the tab with a left-to-right splitter whose panes can be narrowed but never hidden."""
    root = QHBoxLayout(tab)
    root.setContentsMargins(12, 12, 12, 12)
    split = QSplitter(Qt.Orientation.Horizontal, tab)
    split.setChildrenCollapsible(False)
    root.addWidget(split)
    return split


def panel(parent: QWidget, left: int, top: int, right: int, bottom: int) -> tuple[QFrame, QVBoxLayout]:
    """A white panel (the style sheet's kb_panel block) and the column layout inside it, with these margins."""
    frame = QFrame(parent)
    frame.setObjectName("panel")
    column = QVBoxLayout(frame)
    column.setContentsMargins(left, top, right, bottom)
    return frame, column


def row_table(parent: QWidget, model: QAbstractItemModel, row_height: int) -> QTableView:
    """A table of one-line rows, selected whole, without grid lines or row numbers."""
    view = QTableView(parent)
    view.setModel(model)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(row_height)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    return view


def ask_open_file(parent: QWidget, title: str, file_filter: str) -> str:
    """The path the user picked, or "" when cancelled."""
    return QFileDialog.getOpenFileName(parent, title, "", file_filter)[0]


def ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    return QMessageBox.question(parent, title, text) == QMessageBox.StandardButton.Yes
