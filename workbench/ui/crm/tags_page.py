"""标签管理: the tag library with colours, groups and usage counts; new, edit, merge, delete; the
official tags (88VIP, credit tiers) are listed read-only."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.crm import TagUsage, is_official_tag
from workbench.services.crm import CrmService
from workbench.ui.crm.dialogs import MergeTagsDialog, TagEditDialog
from workbench.ui.crm.labels import crm_error_text
from workbench.ui.tasks import Tasks
from workbench.ui.theme import colour
from workbench.ui.widgets.guard import while_alive
from workbench.ui.widgets.pill import paint_pill, pill_size
from workbench.ui.widgets.style import adjusted_font

AnyIndex = QModelIndex | QPersistentModelIndex


class TagRoles(IntEnum):
    USAGE = Qt.ItemDataRole.UserRole + 1  # the TagUsage
    TAG_ID = Qt.ItemDataRole.UserRole + 2


class TagLibraryModel(QAbstractTableModel):
    """The library: official tags first, then the shop's own by group and name."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tags: list[TagUsage] = []
        self._headers = [self.tr("标签"), self.tr("分组"), self.tr("类型"), self.tr("客户数")]

    def set_tags(self, tags: Sequence[TagUsage]) -> None:
        self.beginResetModel()
        official = [t for t in tags if is_official_tag(t)]
        own = sorted((t for t in tags if not is_official_tag(t)), key=lambda t: (t.group == "", t.group, t.name))
        self._tags = official + own
        self.endResetModel()

    def tag(self, row: int) -> TagUsage | None:
        return self._tags[row] if 0 <= row < len(self._tags) else None

    def row_of(self, name: str) -> int:
        return next((i for i, t in enumerate(self._tags) if t.name == name), -1)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._tags)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._tags):
            return None
        tag = self._tags[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return tag.name
            if col == 1:
                return tag.group or (self.tr("官方") if is_official_tag(tag) else self.tr("未分组"))
            if col == 2:
                return self.tr("官方（只读）") if is_official_tag(tag) else self.tr("自定义")
            if col == 3:
                return f"{tag.count:,}"
        if role == Qt.ItemDataRole.ToolTipRole and is_official_tag(tag):
            return self.tr("由平台根据客户数据生成，不能改名、合并或删除")
        if role == Qt.ItemDataRole.ForegroundRole and col == 2 and is_official_tag(tag):
            return colour("tag_official")
        if role == TagRoles.USAGE:
            return tag
        if role == TagRoles.TAG_ID:
            return tag.id
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({TagRoles.USAGE: QByteArray(b"usage"), TagRoles.TAG_ID: QByteArray(b"tagId")})
        return names


class _TagDelegate(QStyledItemDelegate):
    """The name column as a chip in the tag's colour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        tag = index.data(TagRoles.USAGE)
        if index.column() != 0 or not isinstance(tag, TagUsage):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        if opt.widget is not None:
            opt.widget.style().drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        font = adjusted_font(opt.font, 0)
        w, h = pill_size(tag.name, font)
        rect = QRect(option.rect.left() + 8, option.rect.center().y() - h // 2, min(w, option.rect.width() - 12), h)
        paint_pill(painter, rect, tag.name, tag.color, font)


class TagLibraryPage(QWidget):
    """Manage the tag library."""

    tags_changed = Signal()
    """The library changed (a tag was created, edited, merged or deleted)."""

    show_customers_requested = Signal(str)
    """The user wants the customers with a tag; carries its name."""

    loaded = Signal()
    """The library with its counts is on screen."""

    def __init__(self, tasks: Tasks, crm: CrmService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._crm = crm
        self.dialog: QWidget | None = None
        self.setObjectName("tagsPage")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(10)
        head = QHBoxLayout()
        title = QLabel(self.tr("标签库"), self)
        title.setObjectName("paneTitle")
        head.addWidget(title)
        self.summary = QLabel(self)
        self.summary.setObjectName("muted")
        head.addWidget(self.summary)
        head.addStretch(1)
        self.new_button = QPushButton(self.tr("新建标签"), self)
        self.new_button.setObjectName("primary")
        self.new_button.clicked.connect(self.new_tag)
        self.edit_button = QPushButton(self.tr("编辑"), self)
        self.edit_button.clicked.connect(self.edit_tag)
        self.merge_button = QPushButton(self.tr("合并到…"), self)
        self.merge_button.clicked.connect(self.merge_tags)
        self.delete_button = QPushButton(self.tr("删除"), self)
        self.delete_button.clicked.connect(self.delete_tags)
        self.customers_button = QPushButton(self.tr("查看客户"), self)
        self.customers_button.clicked.connect(self._show_customers)
        for button in (self.customers_button, self.edit_button, self.merge_button, self.delete_button, self.new_button):
            head.addWidget(button)
        layout.addLayout(head)
        hint = QLabel(
            self.tr(
                "官方标签（88VIP、信用等级）由平台生成，只读。自定义标签可改名、换颜色、归入分组；"
                "把重复的标签合并后，客户和已保存的分组条件都会转到保留的标签上。"
            ),
            self,
        )
        hint.setObjectName("muted")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.model = TagLibraryModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setItemDelegate(_TagDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setShowGrid(False)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(True)
        for col, width in enumerate((280, 200, 200)):
            self.table.setColumnWidth(col, width)
        self.table.setObjectName("tagTable")
        self.table.doubleClicked.connect(lambda _i: self._show_customers())
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.table, 1)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        self._update_buttons()

    # -- data ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        crm = self._crm
        self._tasks.read(crm.tag_usage, while_alive(self, self._on_loaded), while_alive(self, self._on_failed))

    def _on_loaded(self, tags: list[TagUsage]) -> None:
        selected = {t.name for t in self.selected_tags()}
        self.model.set_tags(tags)
        own = [t for t in tags if not is_official_tag(t)]
        self.summary.setText(self.tr("自定义 {n} 个，官方 {m} 个").format(n=len(own), m=len(tags) - len(own)))
        for name in selected:
            row = self.model.row_of(name)
            if row >= 0:
                self.table.selectRow(row)
        self.error.setText("")
        self._update_buttons()
        self.loaded.emit()

    def _on_failed(self, exc: BaseException) -> None:
        self.error.setText(crm_error_text(exc))

    def tags(self) -> list[TagUsage]:
        return [t for row in range(self.model.rowCount()) if (t := self.model.tag(row)) is not None]

    def selected_tags(self) -> list[TagUsage]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [t for r in rows if (t := self.model.tag(r)) is not None]

    def select_tag(self, name: str) -> None:
        row = self.model.row_of(name)
        if row >= 0:
            self.table.selectRow(row)

    def _update_buttons(self) -> None:
        chosen = self.selected_tags()
        own = [t for t in chosen if not is_official_tag(t)]
        self.customers_button.setEnabled(len(chosen) == 1)
        self.edit_button.setEnabled(len(own) == 1 and len(chosen) == 1)
        self.merge_button.setEnabled(bool(own) and len(own) == len(chosen))
        self.delete_button.setEnabled(bool(own) and len(own) == len(chosen))

    def _show_customers(self) -> None:
        chosen = self.selected_tags()
        if len(chosen) == 1:
            self.show_customers_requested.emit(chosen[0].name)

    def _own_names(self) -> list[str]:
        """The shop's own tag names: a new or renamed tag may not take one of them."""
        return [t.name for t in self.tags() if not is_official_tag(t)]

    def _groups(self) -> list[str]:
        return sorted({t.group for t in self.tags() if t.group and not is_official_tag(t)})

    def _run(self, job: Any) -> None:
        def done(_result: object) -> None:
            self.error.setText("")
            self.tags_changed.emit()
            self.refresh()

        self._tasks.write(job, while_alive(self, done), while_alive(self, self._on_failed))

    # -- actions ---------------------------------------------------------------------------------

    def new_tag(self) -> None:
        dialog = TagEditDialog(None, self._groups(), self, taken=self._own_names())
        self._open(dialog, lambda v: self._run(lambda: self._crm.create_tag(v[0], v[1], v[2])))

    def edit_tag(self) -> None:
        chosen = self.selected_tags()
        if len(chosen) != 1 or is_official_tag(chosen[0]):
            return
        tag = chosen[0]
        dialog = TagEditDialog(tag, self._groups(), self, taken=self._own_names())
        crm = self._crm
        self._open(dialog, lambda v: self._run(lambda: crm.update_tag(tag.id, name=v[0], color=v[1], group=v[2])))

    def merge_tags(self) -> None:
        sources = [t for t in self.selected_tags() if not is_official_tag(t)]
        if not sources:
            return
        dialog = MergeTagsDialog(sources, self.tags(), self)
        ids = [t.id for t in sources]
        self._open(dialog, lambda target: self._run(lambda: self._crm.merge_tags(ids, target)))

    def delete_tags(self) -> None:
        chosen = [t for t in self.selected_tags() if not is_official_tag(t)]
        if not chosen:
            return
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("删除标签"))
        names = "、".join(t.name for t in chosen)
        used = sum(t.count for t in chosen)
        box.setText(self.tr("删除“{names}”？").format(names=names))
        box.setInformativeText(self.tr("这会从 {n} 位客户身上移除它们，不能恢复。").format(n=used))
        delete = box.addButton(self.tr("删除"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        ids = [t.id for t in chosen]
        crm = self._crm

        def answered(button: QAbstractButton) -> None:
            self.dialog = None
            if button is delete:
                self._run(lambda: [crm.delete_tag(i) for i in ids])

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = box
        box.open()

    def _open(self, dialog: Any, on_ok: Any) -> None:
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if result:
                on_ok(dialog.result_value)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()
