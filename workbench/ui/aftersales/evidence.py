"""Evidence widgets: picking chat messages, files and snapshots for a new complaint or dispute, and the
evidence card of a case file (list, add, remove, export the packet as PDF)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.aftersales import Evidence
from workbench.domain.conversations import Message
from workbench.ui.aftersales.models import EvidenceListModel, MessagePickModel
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.flow_layout import FlowLayout

FILE_FILTER_IMAGES = "*.png *.jpg *.jpeg *.gif *.bmp *.webp"


def pick_files(parent: QWidget) -> list[Path]:
    files, _ = QFileDialog.getOpenFileNames(
        parent,
        QCoreApplication.translate("Evidence", "选择图片或文件"),
        "",
        QCoreApplication.translate("Evidence", "图片 ({patterns});;所有文件 (*)").format(patterns=FILE_FILTER_IMAGES),
    )
    return [Path(f) for f in files]


class MessagePicker(QWidget):
    """A chat's messages with check boxes (the customer's own lines ticked by default)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.model = MessagePickModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.setWordWrap(True)
        self.view.setMinimumHeight(120)
        self.view.setMaximumHeight(200)
        self.view.setAccessibleName(self.tr("聊天记录"))
        self.view.setObjectName("chatEvidence")
        layout.addWidget(self.view)
        self.empty = QLabel(self.tr("该客户没有聊天记录。"))
        self.empty.setObjectName("muted")
        layout.addWidget(self.empty)
        self.set_messages((), "")

    def set_messages(self, messages: Sequence[Message], nick: str) -> None:
        self.model.set_messages(messages, nick)
        self.model.check_customer_messages()
        has = self.model.rowCount() > 0
        self.view.setVisible(has)
        self.empty.setVisible(not has)
        if has:
            self.view.scrollToBottom()

    def checked_ids(self) -> list[int]:
        return self.model.checked_ids()


class NewEvidenceBox(Card):
    """Evidence gathered with a new complaint or dispute: chat lines, the order and logistics, files."""

    files_changed = Signal()
    """Files were added to or removed from the list to attach."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("证据"), parent)
        self.hint = QLabel(self.tr("提交时一并保存；提交后也可以在工单里继续添加。"))
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        self.body.addWidget(self.hint)
        self.messages_title = QLabel(self.tr("从聊天中选择消息"))
        self.messages_title.setObjectName("fieldName")
        self.body.addWidget(self.messages_title)
        self.picker = MessagePicker()
        self.body.addWidget(self.picker)
        row = QHBoxLayout()
        self.order_check = QCheckBox(self.tr("附上订单快照"))
        self.order_check.setChecked(True)
        self.logistics_check = QCheckBox(self.tr("附上物流轨迹"))
        self.logistics_check.setChecked(True)
        row.addWidget(self.order_check)
        row.addWidget(self.logistics_check)
        row.addStretch(1)
        self.body.addLayout(row)
        files_row = QHBoxLayout()
        self.files_label = QLabel(self.tr("未选择文件"))
        self.files_label.setObjectName("muted")
        self.files_label.setWordWrap(True)
        files_row.addWidget(self.files_label, 1)
        self.add_files_button = QPushButton(self.tr("添加图片 / 文件…"))
        self.add_files_button.clicked.connect(lambda: self.add_files(pick_files(self)))
        files_row.addWidget(self.add_files_button)
        self.clear_files_button = QPushButton(self.tr("清空"))
        self.clear_files_button.setObjectName("link")
        self.clear_files_button.clicked.connect(self.clear_files)
        files_row.addWidget(self.clear_files_button)
        self.body.addLayout(files_row)
        self._files: list[Path] = []
        self._refresh_files()

    def reset(self, messages: Sequence[Message] = (), nick: str = "", *, has_order: bool = True) -> None:
        self.picker.set_messages(messages, nick)
        self.messages_title.setVisible(bool(messages))
        self.order_check.setChecked(has_order)
        self.logistics_check.setChecked(has_order)
        self.clear_files()

    def add_files(self, paths: Sequence[Path]) -> None:
        for path in paths:
            if path not in self._files:
                self._files.append(path)
        self._refresh_files()
        self.files_changed.emit()

    def clear_files(self) -> None:
        self._files.clear()
        self._refresh_files()
        self.files_changed.emit()

    def files(self) -> list[Path]:
        return list(self._files)

    def _refresh_files(self) -> None:
        if self._files:
            self.files_label.setText("、".join(p.name for p in self._files))
        else:
            self.files_label.setText(self.tr("未选择文件"))
        self.clear_files_button.setVisible(bool(self._files))


class EvidenceCard(Card):
    """A case's evidence with buttons to add more and to export the packet for a platform appeal.

    The card only asks; the case file does the work (signals carry what was asked)."""

    files_chosen = Signal(object)
    """The agent picked files to attach; carries a list of Paths."""

    messages_wanted = Signal()
    """The agent wants to pick chat messages."""

    snapshot_wanted = Signal(bool)
    """Attach the order snapshot (False) or the logistics trace (True)."""

    remove_wanted = Signal(int)
    """Remove the evidence with this id."""

    export_wanted = Signal()
    """Export the evidence packet as PDF."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("证据"), parent)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        self.header.insertWidget(1, self.count_label)
        self.model = EvidenceListModel(self)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setAccessibleName(self.tr("证据列表"))
        self.view.setObjectName("evidenceList")
        self.view.selectionModel().currentChanged.connect(lambda *_: self._sync())
        self.body.addWidget(self.view)
        self.empty = QLabel(self.tr("还没有证据。聊天记录、订单信息和照片能帮助平台判断。"))
        self.empty.setObjectName("muted")
        self.empty.setWordWrap(True)
        self.body.addWidget(self.empty)
        buttons = QWidget()
        row = FlowLayout(buttons, 6, 6)
        self.messages_button = QPushButton(self.tr("聊天记录…"))
        self.messages_button.clicked.connect(self.messages_wanted.emit)
        self.order_button = QPushButton(self.tr("订单快照"))
        self.order_button.clicked.connect(lambda: self.snapshot_wanted.emit(False))
        self.logistics_button = QPushButton(self.tr("物流轨迹"))
        self.logistics_button.clicked.connect(lambda: self.snapshot_wanted.emit(True))
        self.files_button = QPushButton(self.tr("图片 / 文件…"))
        self.files_button.clicked.connect(lambda: self._choose_files())
        self.remove_button = QPushButton(self.tr("移除"))
        self.remove_button.setObjectName("link")
        self.remove_button.clicked.connect(self._remove)
        self.export_button = QPushButton(self.tr("导出证据包 PDF…"))
        self.export_button.setObjectName("primary")
        self.export_button.clicked.connect(self.export_wanted.emit)
        for button in (
            self.messages_button,
            self.order_button,
            self.logistics_button,
            self.files_button,
            self.remove_button,
            self.export_button,
        ):
            row.addWidget(button)
        self.body.addWidget(buttons)
        # what went wrong adding or removing evidence shows here, beside the buttons that did it
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.body.addWidget(self.error_label)
        self.picker_box = QWidget()
        picker_layout = QVBoxLayout(self.picker_box)
        picker_layout.setContentsMargins(0, 4, 0, 0)
        picker_layout.setSpacing(4)
        self.picker = MessagePicker()
        picker_layout.addWidget(self.picker)
        picker_row = QHBoxLayout()
        picker_row.addStretch(1)
        self.picker_cancel = QPushButton(self.tr("取消"))
        self.picker_cancel.clicked.connect(lambda: self.picker_box.hide())
        self.picker_add = QPushButton(self.tr("添加所选消息"))
        self.picker_add.setObjectName("primary")
        picker_row.addWidget(self.picker_cancel)
        picker_row.addWidget(self.picker_add)
        picker_layout.addLayout(picker_row)
        self.picker_box.hide()
        self.body.addWidget(self.picker_box)
        self.set_evidence(())

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def set_evidence(self, items: Sequence[Evidence]) -> None:
        self.show_error("")
        evidence = list(items)
        self.model.set_items(evidence)
        self.count_label.setText(str(len(evidence)) if evidence else "")
        self.view.setVisible(bool(evidence))
        self._fit_height()
        self.empty.setVisible(not evidence)
        self._sync()

    def _fit_height(self) -> None:
        """As tall as its rows, up to a limit (then it scrolls)."""
        rows = self.model.rowCount()
        wanted = sum(self.view.sizeHintForRow(r) for r in range(min(rows, 6))) + 2 * self.view.frameWidth() + 8
        self.view.setFixedHeight(max(40, min(wanted, 170)))

    def set_has_order(self, has_order: bool) -> None:
        self.order_button.setEnabled(has_order)
        self.logistics_button.setEnabled(has_order)

    def _sync(self) -> None:
        self.remove_button.setEnabled(self.view.currentIndex().isValid())

    def _choose_files(self) -> None:
        files = pick_files(self)
        if files:
            self.files_chosen.emit(files)

    def _remove(self) -> None:
        item = self.model.item_at(self.view.currentIndex().row())
        if item is not None:
            self.remove_wanted.emit(item.id)

    def show_picker(self, messages: Sequence[Message], nick: str) -> None:
        self.picker.set_messages(messages, nick)
        self.picker_box.show()
        self.picker_add.setEnabled(bool(messages))
