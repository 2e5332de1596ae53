"""新增卡片问题: pick knowledge-base questions by category or words, as in 店小蜜's card editor."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.kb import KbEntry
from workbench.ui.bot.common import dialog_buttons, muted
from workbench.ui.bot.models import Column, RecordRoles, RecordTableModel
from workbench.ui.theme import scope


class KbPickerDialog(QDialog):
    """Lists the enabled KB entries; `chosen()` are the selected ones after Ok."""

    def __init__(self, entries: Sequence[KbEntry], taken: set[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("新增卡片问题"))
        scope(self, "sidebar", "bot")
        self.resize(560, 520)
        self._entries = [e for e in entries if e.enabled and e.id not in taken]
        layout = QVBoxLayout(self)
        layout.addWidget(muted(self.tr("在各版块中查找客户最关心的问题，可多选；添加后可在右侧修改卡片里的答案。")))
        filters = QHBoxLayout()
        self.category = QComboBox()
        self.category.addItem(self.tr("全部版块"), "")
        for name in dict.fromkeys(e.category for e in self._entries):
            self.category.addItem(name, name)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("搜索问题"))
        self.search.setClearButtonEnabled(True)
        filters.addWidget(self.category)
        filters.addWidget(self.search, 1)
        layout.addLayout(filters)
        self.model: RecordTableModel[KbEntry] = RecordTableModel(
            [Column(self.tr("问题"), lambda e: f"{e.question}", tooltip=lambda e: e.answer)],
            key=lambda e: e.id,
            parent=self,
        )
        self.view = QListView()
        self.view.setObjectName("cardList")
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.doubleClicked.connect(lambda _i: self.accept())
        layout.addWidget(self.view, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("hint")
        layout.addWidget(self.count_label)
        ok = QDialogButtonBox.StandardButton.Ok
        layout.addWidget(dialog_buttons(self, ok, self.tr("添加"), self.tr("取消"), self.accept))
        self.category.currentIndexChanged.connect(self._refilter)
        self.search.textChanged.connect(self._refilter)
        self._refilter()

    def _refilter(self) -> None:
        category = self.category.currentData() or ""
        words = self.search.text().strip().lower()
        shown = [
            e
            for e in self._entries
            if (not category or e.category == category)
            and (not words or words in e.question.lower() or any(words in p.text.lower() for p in e.phrasings))
        ]
        self.model.set_records(shown)
        self.count_label.setText(self.tr("{n} 个问题").format(n=len(shown)))

    def chosen(self) -> list[KbEntry]:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedRows())
        found = [self.model.index(r, 0).data(RecordRoles.RECORD) for r in rows]
        return [e for e in found if isinstance(e, KbEntry)]

    def select_question(self, question: str) -> bool:
        """Select an entry by its question (keyboard users and tests)."""
        row = next((r for r, e in enumerate(self.model.records()) if e.question == question), -1)
        if row < 0:
            return False
        self.view.setCurrentIndex(self.model.index(row, 0))
        self.view.selectionModel().select(
            self.model.index(row, 0),
            self.view.selectionModel().SelectionFlag.Select | self.view.selectionModel().SelectionFlag.Rows,
        )
        return True
