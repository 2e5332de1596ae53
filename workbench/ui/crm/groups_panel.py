"""分组: all customers, then the shop's groups (saved filters and hand-picked lists) with counts."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QMenu, QPushButton, QVBoxLayout, QWidget

from workbench.domain.crm import CustomerGroup, GroupKind
from workbench.services.crm import GroupInfo

ALL = -1


class CustomerGroupsPanel(QWidget):
    group_selected = Signal(object)
    """The user picked a group; carries the CustomerGroup, or None for 全部客户."""

    rename_requested = Signal(object)
    """Rename was chosen in a group's menu; carries the CustomerGroup."""

    delete_requested = Signal(object)
    """Delete was chosen in a group's menu; carries the CustomerGroup."""

    update_requested = Signal(object)
    """"Save the current filter into this group" was chosen; carries the CustomerGroup."""

    save_filter_requested = Signal()
    """The user wants the current filter saved as a new dynamic group."""

    new_static_requested = Signal()
    """The user wants a new, empty static group."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("groupsPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._groups: dict[int, CustomerGroup] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 10)
        layout.setSpacing(6)
        title = QLabel(self.tr("客户分组"), self)
        title.setObjectName("paneTitle")
        title.setContentsMargins(14, 0, 0, 2)
        layout.addWidget(title)
        self.list = QListWidget(self)
        self.list.setObjectName("groupList")
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.currentItemChanged.connect(self._changed)
        layout.addWidget(self.list, 1)
        self.save_button = QPushButton(self.tr("保存筛选为分组"), self)
        self.save_button.clicked.connect(self.save_filter_requested)
        self.new_button = QPushButton(self.tr("新建静态分组"), self)
        self.new_button.clicked.connect(self.new_static_requested)
        for button in (self.save_button, self.new_button):
            wrap = QVBoxLayout()
            wrap.setContentsMargins(10, 0, 10, 0)
            wrap.addWidget(button)
            layout.addLayout(wrap)
        self._muted = False
        self.set_groups([], total=None)

    def set_groups(self, groups: Sequence[GroupInfo], total: int | None) -> None:
        """Show the groups (keeps the current choice when it still exists)."""
        current = self.current_id()
        self._muted = True
        self.list.clear()
        self._groups = {g.group.id: g.group for g in groups}
        everyone = QListWidgetItem(self._caption(self.tr("全部客户"), total))
        everyone.setData(Qt.ItemDataRole.UserRole, ALL)
        everyone.setSizeHint(QSize(0, 34))
        self.list.addItem(everyone)
        for info in groups:
            mark = "◎" if info.group.kind is GroupKind.FILTER else "●"
            item = QListWidgetItem(self._caption(f"{mark} {info.group.name}", info.count))
            item.setData(Qt.ItemDataRole.UserRole, info.group.id)
            kind = (
                self.tr("动态分组：按条件自动更新")
                if info.group.kind is GroupKind.FILTER
                else self.tr("静态分组：手动加入的客户")
            )
            item.setToolTip("\n".join(x for x in (kind, info.group.note) if x))
            item.setSizeHint(QSize(0, 34))
            self.list.addItem(item)
        self.select(current if current in self._groups else ALL, announce=False)
        self._muted = False

    def _caption(self, name: str, count: int | None) -> str:
        return name if count is None else f"{name}  ({count:,})"

    def current_id(self) -> int:
        item = self.list.currentItem()
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else ALL
        return int(data) if isinstance(data, int) else ALL

    def current_group(self) -> CustomerGroup | None:
        return self._groups.get(self.current_id())

    def groups(self) -> list[CustomerGroup]:
        return list(self._groups.values())

    def select(self, group_id: int, *, announce: bool = True) -> None:
        muted = self._muted
        self._muted = not announce
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == group_id:
                self.list.setCurrentItem(item)
                break
        self._muted = muted

    def _changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if self._muted or current is None:
            return
        self.group_selected.emit(self._groups.get(int(current.data(Qt.ItemDataRole.UserRole))))

    def _menu(self, pos: QPoint) -> None:
        item = self.list.itemAt(pos)
        group = self._groups.get(int(item.data(Qt.ItemDataRole.UserRole))) if item is not None else None
        if group is None:
            return
        menu = QMenu(self)
        rename = QAction(self.tr("重命名…"), menu)
        rename.triggered.connect(lambda: self.rename_requested.emit(group))
        menu.addAction(rename)
        if group.kind is GroupKind.FILTER:
            update = QAction(self.tr("用当前筛选条件更新"), menu)
            update.triggered.connect(lambda: self.update_requested.emit(group))
            menu.addAction(update)
        delete = QAction(self.tr("删除分组"), menu)
        delete.triggered.connect(lambda: self.delete_requested.emit(group))
        menu.addAction(delete)
        menu.popup(self.list.viewport().mapToGlobal(pos))
