"""客户运营: the customer-management workspace — customer list with filters and groups, the profile
with its timeline, the tag library, the segment dashboard and follow-ups.

The page uses the workspace's services and does all database work through ``Tasks``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.crm import (
    CustomerFilter,
    CustomerGroup,
    FollowUp,
    GroupKind,
    ProfileEdit,
    Segment,
    Selection,
    SortKey,
)
from workbench.domain.customers import Tag
from workbench.services.crm import CrmProfile, CrmService, GroupInfo
from workbench.services.crm_followups import CareResult, FollowUpService
from workbench.services.crm_io import CrmImportExport
from workbench.services.workspace import Workspace
from workbench.ui.crm.customer_table import CustomerTable
from workbench.ui.crm.dialogs import (
    AddToGroupDialog,
    BulkTagDialog,
    CareDialog,
    FollowUpScheduleDialog,
    GroupNameDialog,
    ProfileEditDialog,
    RemoveTagDialog,
    SaveGroupDialog,
)
from workbench.ui.crm.filter_bar import CustomerFilterBar
from workbench.ui.crm.followups_page import FollowUpsPage
from workbench.ui.crm.groups_panel import ALL, CustomerGroupsPanel
from workbench.ui.crm.io_dialogs import CrmExportDialog, CrmImportDialog
from workbench.ui.crm.labels import crm_error_text
from workbench.ui.crm.list_model import SORTABLE, Col, CustomerTableModel
from workbench.ui.crm.profile_view import CustomerProfileView
from workbench.ui.crm.segments_page import SegmentDashboardPage
from workbench.ui.crm.tags_page import TagLibraryPage
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.guard import while_alive

log = logging.getLogger(__name__)


class CustomersPage(QWidget):
    """The 客户运营 workspace; put it on the main window's navigation rail."""

    ready = Signal()
    """The first load finished: statistics are current and the list shows its first page."""

    customer_opened = Signal(int)
    """A customer's profile is on screen; carries the customer id."""

    tags_changed = Signal()
    """Customers' tags or the tag library changed (the chat sidebar may want to reload)."""

    care_sent = Signal(int)
    """Care messages went into customers' chats; carries how many (the conversation list may refresh)."""

    action_finished = Signal(str)
    """A bulk action, import or group change finished; carries the message shown to the user."""

    action_failed = Signal(str)
    """An action failed; carries the translated reason."""

    LIST, TAGS, SEGMENTS, FOLLOWUPS = range(4)

    def __init__(self, tasks: Tasks, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._workspace = workspace
        self.crm: CrmService = workspace.crm
        self.followups: FollowUpService = workspace.followups
        self.io: CrmImportExport = workspace.crm_io
        self._library: list[Tag] = []
        self._groups: list[GroupInfo] = []
        self._started = False
        self._pending_customer: int | None = None
        self._select_after_load: int | None = None
        self.dialog: QWidget | None = None
        self.setObjectName("customersPage")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        scope(self, "customers")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._list_tab(), self.tr("客户列表"))
        self.tags_page = TagLibraryPage(tasks, self.crm, self)
        self.tags_page.tags_changed.connect(self._on_library_changed)
        self.tags_page.show_customers_requested.connect(self.filter_by_tag)
        self.tabs.addTab(self.tags_page, self.tr("标签管理"))
        self.segments_page = SegmentDashboardPage(tasks, self.crm, self)
        self.segments_page.segment_clicked.connect(self._show_segment)
        self.segments_page.source_clicked.connect(lambda s: self._show_filter(CustomerFilter(sources=(s,))))
        self.segments_page.level_clicked.connect(lambda v: self._show_filter(CustomerFilter(levels=(v,))))
        self.segments_page.levels_applied.connect(lambda _n: self.model.refresh_rows())
        self.tabs.addTab(self.segments_page, self.tr("会员分层"))
        self.followups_page = FollowUpsPage(
            tasks, self.followups, workspace.agent.id, workspace.agent.display_name, workspace.clock, self
        )
        self.followups_page.customer_requested.connect(self.show_customer)
        self.followups_page.changed.connect(self._on_followups_changed)
        self.followups_page.care_sent.connect(lambda _cid: self.care_sent.emit(1))
        self.tabs.addTab(self.followups_page, self.tr("客户回访"))
        self.tabs.currentChanged.connect(self._tab_changed)
        # Statistics are kept as orders are written; only the day moving on changes scores, so the
        # page asks for that when it is shown on a new day (no timer, nothing periodic on the writer).
        self._scored_on: date | None = None

    # -- public API ----------------------------------------------------------------------------

    def show_customer(self, customer_id: int) -> None:
        """Open a customer's profile beside the list (switches to the list)."""
        self.tabs.setCurrentIndex(self.LIST)
        self._open_profile(customer_id)
        row = self.model.row_of(customer_id)
        if row >= 0:
            self.table.selectRow(row)

    def filter_by_tag(self, tag_name: str) -> None:
        """Show every customer with this tag (custom tags, 88VIP or a credit tier such as 钻)."""
        crm = self.crm
        self.tabs.setCurrentIndex(self.LIST)
        self._tasks.read(
            lambda: crm.filter_for_tag(tag_name),
            while_alive(self, self._show_filter),
            while_alive(self, self._failed),
        )

    def refresh(self) -> None:
        """Recompute statistics if the data changed, then reload whatever is on screen."""
        crm = self.crm

        def done(_changed: bool) -> None:
            self.model.reload()
            self._load_side_data()
            index = self.tabs.currentIndex()
            if index == self.SEGMENTS:
                self.segments_page.refresh()
            elif index == self.FOLLOWUPS:
                self.followups_page.refresh()
            elif index == self.TAGS:
                self.tags_page.refresh()
            if self.profile.customer_id() is not None:
                self.profile.reload()

        self._tasks.write(crm.refresh_if_stale, while_alive(self, done), while_alive(self, self._failed))

    def current_filter(self) -> CustomerFilter:
        return self.filter_bar.current()

    # -- building ------------------------------------------------------------------------------

    def _list_tab(self) -> QWidget:
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.groups_panel = CustomerGroupsPanel(self.splitter)
        self.groups_panel.setMinimumWidth(170)
        self.groups_panel.group_selected.connect(self._group_selected)
        self.groups_panel.save_filter_requested.connect(lambda: self._new_group(GroupKind.FILTER))
        self.groups_panel.new_static_requested.connect(lambda: self._new_group(GroupKind.STATIC))
        self.groups_panel.rename_requested.connect(self._rename_group)
        self.groups_panel.delete_requested.connect(self._delete_group)
        self.groups_panel.update_requested.connect(self._update_group)

        centre = QWidget(self.splitter)
        centre.setObjectName("listCentre")
        box = QVBoxLayout(centre)
        box.setContentsMargins(12, 10, 12, 8)
        box.setSpacing(8)
        self.filter_bar = CustomerFilterBar(centre)
        self.filter_bar.set_today(self._workspace.clock().date())
        self.filter_bar.filter_changed.connect(self._on_filter)
        box.addWidget(self.filter_bar)

        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.count_label = QLabel(centre)
        self.count_label.setObjectName("paneTitle")
        actions.addWidget(self.count_label)
        self.all_check = QCheckBox(self.tr("选中全部筛选结果"), centre)
        self.all_check.toggled.connect(lambda _on: self._update_actions())
        actions.addWidget(self.all_check)
        actions.addStretch(1)
        self.tag_button = QPushButton(self.tr("打标签"), centre)
        self.tag_button.clicked.connect(self.bulk_tag)
        self.untag_button = QPushButton(self.tr("移除标签"), centre)
        self.untag_button.clicked.connect(self.bulk_untag)
        self.group_button = QPushButton(self.tr("加入分组"), centre)
        self.group_button.clicked.connect(self.add_to_group)
        self.care_button = QPushButton(self.tr("发送关怀"), centre)
        self.care_button.setObjectName("primary")
        self.care_button.clicked.connect(lambda: self.send_care())
        self.export_button = QPushButton(self.tr("导出"), centre)
        self.export_button.clicked.connect(self.export)
        self.import_button = QPushButton(self.tr("导入"), centre)
        self.import_button.clicked.connect(self.import_file)
        self.selection_buttons = (self.tag_button, self.untag_button, self.group_button, self.care_button)
        for button in (*self.selection_buttons, self.export_button, self.import_button):
            actions.addWidget(button)
        box.addLayout(actions)

        self.model = CustomerTableModel(self._tasks, self.crm, self)
        self.model.count_changed.connect(self._on_count)
        self.model.load_failed.connect(self._failed_text)
        self.model.page_loaded.connect(self._on_page_loaded)
        self.table = CustomerTable(centre)
        self.table.setModel(self.model)
        self.table.apply_widths()
        self.table.horizontalHeader().sectionClicked.connect(self._header_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self._show_sort_indicator()
        box.addWidget(self.table, 1)
        self.status = QLabel(centre)
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        box.addWidget(self.status)

        self.profile = CustomerProfileView(self._tasks, self.crm, self._workspace.customers, self.splitter)
        self.profile.closed.connect(self._close_profile)
        self.profile.loaded.connect(self.customer_opened)
        self.profile.tags_changed.connect(self._on_profile_tags)
        self.profile.tag_clicked.connect(self.filter_by_tag)
        self.profile.edit_requested.connect(self.edit_profile)
        self.profile.schedule_requested.connect(self.schedule_followup)
        self.profile.care_requested.connect(lambda cid: self.send_care(Selection.of([cid]), 1))
        self.profile.hide()
        self.splitter.addWidget(self.groups_panel)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.profile)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([180, 860, 400])
        self.splitter.setChildrenCollapsible(False)
        self._update_actions()
        return self.splitter

    # -- loading -------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self._started = True
            self._first_load()
        else:
            self._check_day()

    def start(self) -> None:
        """Load now (otherwise the first show does)."""
        if not self._started:
            self._started = True
            self._first_load()

    def _first_load(self) -> None:
        crm = self.crm
        self.status.setText(self.tr("正在统计客户数据…"))
        self._scored_on = self._workspace.clock().date()

        def done(_changed: bool) -> None:
            self.status.setText("")
            self.model.reload()
            self._load_side_data()
            self.ready.emit()

        self._tasks.write(crm.refresh_if_stale, while_alive(self, done), while_alive(self, self._failed))

    def _check_day(self) -> None:
        """Shown again on another day: move scores and segments on (a small update, see
        `CrmService.refresh_if_stale`)."""
        today = self._workspace.clock().date()
        if not self._started or self._scored_on == today:
            return
        self._scored_on = today
        crm = self.crm

        def done(changed: bool) -> None:
            if changed:
                self.model.reload()
                self._load_side_data()
                if self.tabs.currentIndex() == self.SEGMENTS:
                    self.segments_page.refresh()

        self._tasks.write(crm.refresh_if_stale, while_alive(self, done), while_alive(self, self._failed))

    def _load_side_data(self) -> None:
        crm = self.crm

        def job() -> tuple[list[GroupInfo], int, list[Any], list[Tag]]:
            return crm.groups_with_counts(), crm.count(CustomerFilter()), crm.tag_usage(), crm.tag_library()

        def done(result: tuple[list[GroupInfo], int, list[Any], list[Tag]]) -> None:
            groups, total, usage, library = result
            self._groups = groups
            self._library = library
            self.groups_panel.set_groups(groups, total)
            if self._select_after_load is not None:
                self.groups_panel.select(self._select_after_load, announce=False)
                self._select_after_load = None
            self.filter_bar.set_tags(usage)

        self._tasks.read(job, while_alive(self, done), while_alive(self, self._failed))

    def _tab_changed(self, index: int) -> None:
        if not self._started:
            return
        if index == self.TAGS:
            self.tags_page.refresh()
        elif index == self.SEGMENTS:
            self.segments_page.refresh()
        elif index == self.FOLLOWUPS:
            self.followups_page.refresh()

    # -- the list ------------------------------------------------------------------------------

    def _on_filter(self, customer_filter: CustomerFilter) -> None:
        group = self.groups_panel.current_group()
        if (
            group is not None
            and group.customer_filter() != customer_filter
            and (group.kind is GroupKind.FILTER or customer_filter.group_id != group.id)
        ):
            self.groups_panel.select(ALL, announce=False)
        self.all_check.setChecked(False)
        self.model.set_query(customer_filter)

    def _show_filter(self, customer_filter: CustomerFilter) -> None:
        self.tabs.setCurrentIndex(self.LIST)
        self.groups_panel.select(ALL, announce=False)
        self.filter_bar.set_filter(customer_filter)

    def _show_segment(self, segment: Segment) -> None:
        self._show_filter(CustomerFilter(segments=(segment,)))

    def _group_selected(self, group: CustomerGroup | None) -> None:
        self.filter_bar.set_filter(group.customer_filter() if group is not None else CustomerFilter())

    def _on_count(self, total: int) -> None:
        self._update_actions()
        if total == 0:
            self.status.setText(
                self.tr("没有符合条件的客户。") if not self.current_filter().is_empty() else self.tr("还没有客户。")
            )
        else:
            self.status.setText("")

    def _on_page_loaded(self, _page: int) -> None:
        if self._pending_customer is not None:
            row = self.model.row_of(self._pending_customer)
            if row >= 0:
                self.table.selectRow(row)
                self._pending_customer = None

    def _header_clicked(self, column: int) -> None:
        key = SORTABLE.get(Col(column)) if 0 <= column < len(Col) else None
        if key is None:
            self._show_sort_indicator()
            return
        descending = not self.model.descending if key is self.model.sort_key else key is not SortKey.NICK
        self.model.set_query(self.current_filter(), key, descending)
        self._show_sort_indicator()

    def _show_sort_indicator(self) -> None:
        header = self.table.horizontalHeader()
        column = self.model.sort_column()
        order = Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder
        header.setSortIndicatorShown(column >= 0)
        if column >= 0:
            header.setSortIndicator(column, order)

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_actions()

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid() or len(self.selected_rows()) > 1:
            return
        customer_id = self.model.customer_id(current.row())
        if customer_id is not None and customer_id != self.profile.customer_id():
            self._open_profile(customer_id)

    def _open_profile(self, customer_id: int) -> None:
        if self.profile.isHidden():
            self.profile.show()
            self.table.apply_widths(compact=True)
        self.profile.show_customer(customer_id)

    def _close_profile(self) -> None:
        self.profile.show_customer(None)
        self.profile.hide()
        self.table.apply_widths(compact=False)

    def selection_size(self) -> int:
        return self.model.rowCount() if self.all_check.isChecked() else len(self.selected_rows())

    def _update_actions(self) -> None:
        total = self.model.rowCount()
        chosen = self.selection_size()
        text = self.tr("共 {n} 位客户").format(n=f"{total:,}")
        if chosen:
            text += self.tr(" · 已选 {n} 位").format(n=f"{chosen:,}")
        self.count_label.setText(text)
        for button in self.selection_buttons:
            button.setEnabled(chosen > 0)
        self.export_button.setEnabled(total > 0)

    def resolve_selection(self, then: Callable[[Selection, int], None]) -> None:
        """The chosen customers as a Selection: every filtered customer, or the selected rows (ids of
        rows not on hand are looked up page by page in the background)."""
        if self.all_check.isChecked():
            then(Selection.matching(self.current_filter()), self.model.rowCount())
            return
        rows = self.selected_rows()
        ids = [self.model.customer_id(r) for r in rows]
        if all(i is not None for i in ids):
            then(Selection.of([i for i in ids if i is not None]), len(rows))
            return
        ranges: list[tuple[int, int]] = []
        for row in rows:
            if ranges and ranges[-1][0] + ranges[-1][1] == row:
                ranges[-1] = (ranges[-1][0], ranges[-1][1] + 1)
            else:
                ranges.append((row, 1))
        crm, f, key, desc = self.crm, self.current_filter(), self.model.sort_key, self.model.descending

        def job() -> list[int]:
            found: list[int] = []
            for start, length in ranges:
                found += crm.page_ids(f, key, desc, start, length)
            return found

        self._tasks.read(job, while_alive(self, lambda found: then(Selection.of(found), len(found))), self._failed)

    # -- bulk actions --------------------------------------------------------------------------

    def _open(self, dialog: Any, on_ok: Callable[[Any], None]) -> None:
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            if result:
                on_ok(dialog.result_value)
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()

    def _done(self, message: str, *, tags: bool = False, groups: bool = False, rows: bool = True) -> None:
        self.status.setText(message)
        if rows:
            self.model.refresh_rows()
        if tags or groups:
            self._load_side_data()
        if tags:
            self.tags_changed.emit()
            if self.profile.customer_id() is not None:
                self.profile.reload()
        self.action_finished.emit(message)

    def bulk_tag(self) -> None:
        def chosen(selection: Selection, count: int) -> None:
            dialog = BulkTagDialog(self._library, count, self)
            crm = self.crm

            def run(name: str) -> None:
                self._tasks.write(
                    lambda: crm.bulk_tag(selection, name),
                    while_alive(
                        self,
                        lambda n: self._done(
                            self.tr("已给 {n} 位客户加上标签“{tag}”。").format(n=n, tag=name), tags=True
                        ),
                    ),
                    while_alive(self, self._failed),
                )

            self._open(dialog, run)

        self.resolve_selection(chosen)

    def bulk_untag(self) -> None:
        def chosen(selection: Selection, count: int) -> None:
            dialog = RemoveTagDialog(self._library, count, self)
            crm = self.crm

            def run(tag_id: int) -> None:
                self._tasks.write(
                    lambda: crm.bulk_untag(selection, tag_id),
                    while_alive(
                        self, lambda n: self._done(self.tr("已从 {n} 位客户身上移除标签。").format(n=n), tags=True)
                    ),
                    while_alive(self, self._failed),
                )

            self._open(dialog, run)

        self.resolve_selection(chosen)

    def add_to_group(self) -> None:
        def chosen(selection: Selection, count: int) -> None:
            dialog = AddToGroupDialog([g.group for g in self._groups], count, self)
            crm = self.crm

            def run(value: tuple[int | None, str]) -> None:
                group_id, new_name = value

                def job() -> tuple[str, int]:
                    target = group_id
                    name = new_name
                    if target is None:
                        group = crm.create_group(new_name, GroupKind.STATIC)
                        target = group.id
                    else:
                        name = next((g.group.name for g in self._groups if g.group.id == target), "")
                    return name, crm.add_to_group(target, selection)

                self._tasks.write(
                    job,
                    while_alive(
                        self,
                        lambda r: self._done(
                            self.tr("已把 {n} 位客户加入分组“{group}”。").format(n=r[1], group=r[0]),
                            groups=True,
                            rows=False,
                        ),
                    ),
                    while_alive(self, self._failed),
                )

            self._open(dialog, run)

        self.resolve_selection(chosen)

    def send_care(self, selection: Selection | None = None, count: int = 0) -> None:
        """Send a care message from a template to the chosen customers (or the given ones)."""
        if selection is None:
            self.resolve_selection(self.send_care)
            return
        followups, crm = self.followups, self.crm
        agent = self._workspace.agent
        first = selection.ids[0] if selection.ids else None
        sort_key, descending = self.model.sort_key, self.model.descending

        def with_templates(templates: list[Any]) -> None:
            if not templates:
                self._failed_text(self.tr("还没有关怀话术，请先在“客户回访 → 关怀话术”中新建。"))
                return
            dialog = CareDialog(templates, count, self)

            def preview(text: str) -> None:
                chosen = selection.filter

                def job() -> str:
                    sample = first
                    if sample is None and chosen is not None:
                        found = crm.page_ids(chosen, sort_key, descending, 0, 1)
                        sample = found[0] if found else None
                    return followups.render(text, sample) if sample is not None else text

                self._tasks.read(job, while_alive(dialog, dialog.show_preview))

            dialog.preview_requested.connect(preview)
            dialog.refresh_preview()

            def run(template_id: int) -> None:
                def done(result: CareResult) -> None:
                    self._done(
                        self.tr("已向 {n} 位客户发送关怀消息，可在“客户回访 → 待记录结果”中跟进。").format(
                            n=result.sent
                        )
                    )
                    self.care_sent.emit(result.sent)
                    if self.profile.customer_id() is not None:
                        self.profile.reload()

                self._tasks.write(
                    lambda: followups.send_care_to(selection, template_id, agent.id, agent.display_name),
                    while_alive(self, done),
                    while_alive(self, self._failed),
                )

            self._open(dialog, run)

        self._tasks.read(followups.templates, while_alive(self, with_templates), while_alive(self, self._failed))

    def export(self) -> None:
        def chosen(selection: Selection, count: int) -> None:
            everyone = Selection.matching(self.current_filter())
            dialog = CrmExportDialog(self._tasks, self.io, selection, count, everyone, self.model.rowCount(), self)
            dialog.exported.connect(
                lambda path, n: self.action_finished.emit(self.tr("已导出 {n} 行：{path}").format(n=n, path=path))
            )
            self.dialog = dialog
            dialog.finished.connect(lambda _r: self._forget(dialog))
            dialog.open()

        if self.selected_rows() or self.all_check.isChecked():
            self.resolve_selection(chosen)
        else:
            chosen(Selection.of([]), 0)

    def import_file(self) -> None:
        dialog = CrmImportDialog(self._tasks, self.io, self)

        def imported(result: Any) -> None:
            self._done(
                self.tr("导入完成：新增 {a}，更新 {b}，跳过 {c}。").format(
                    a=result.created, b=result.updated, c=result.skipped
                ),
                tags=True,
                groups=True,
                rows=False,
            )
            self.model.reload()

        dialog.imported.connect(imported)
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._forget(dialog))
        dialog.open()

    def _forget(self, dialog: QWidget) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    # -- profile actions -----------------------------------------------------------------------

    def edit_profile(self, profile: CrmProfile) -> None:
        dialog = ProfileEditDialog(profile.customer, profile.extras.style, profile.extras.size, self)
        crm, customer_id = self.crm, profile.customer.id

        def saved(_profile: CrmProfile) -> None:
            self.profile.reload()
            self._done(self.tr("客户资料已保存。"))

        def run(edit: ProfileEdit) -> None:
            self._tasks.write(
                lambda: crm.edit_profile(customer_id, edit), while_alive(self, saved), while_alive(self, self._failed)
            )

        self._open(dialog, run)

    def schedule_followup(self, customer_id: int) -> None:
        followups = self.followups
        agent = self._workspace.agent.display_name
        today = self._workspace.clock().date()

        def with_templates(templates: list[Any]) -> None:
            dialog = FollowUpScheduleDialog(templates, today, self)

            def scheduled(fu: FollowUp) -> None:
                self.profile.reload()
                self._done(self.tr("已安排 {d} 回访。").format(d=f"{fu.due_at:%Y-%m-%d}"), rows=False)

            def run(value: tuple[Any, str, int | None]) -> None:
                due, reason, template_id = value
                self._tasks.write(
                    lambda: followups.schedule(customer_id, due, reason, template_id, agent),
                    while_alive(self, scheduled),
                    while_alive(self, self._failed),
                )

            self._open(dialog, run)

        self._tasks.read(followups.templates, while_alive(self, with_templates), while_alive(self, self._failed))

    def _on_profile_tags(self, _customer_id: int) -> None:
        self.model.refresh_rows()
        self._load_side_data()
        self.tags_changed.emit()

    def _on_library_changed(self) -> None:
        self.model.reload()
        self._load_side_data()
        self.tags_changed.emit()

    def _on_followups_changed(self) -> None:
        if self.profile.customer_id() is not None:
            self.profile.reload()

    # -- groups --------------------------------------------------------------------------------

    def _new_group(self, kind: GroupKind) -> None:
        dialog = SaveGroupDialog(kind, self.filter_bar.summary(), self, taken=[g.group.name for g in self._groups])
        crm = self.crm
        current = self.current_filter()

        def run(value: tuple[str, str]) -> None:
            name, note = value

            def done(group: CustomerGroup) -> None:
                if group.kind is GroupKind.FILTER:
                    self._select_after_load = group.id
                self._done(self.tr("已创建分组“{name}”。").format(name=group.name), groups=True, rows=False)

            self._tasks.write(
                lambda: crm.create_group(name, kind, current if kind is GroupKind.FILTER else None, note),
                while_alive(self, done),
                while_alive(self, self._failed),
            )

        self._open(dialog, run)

    def _rename_group(self, group: CustomerGroup) -> None:
        taken = [g.group.name for g in self._groups]
        dialog = GroupNameDialog(self.tr("重命名分组"), self.tr("分组名"), group.name, self, taken=taken)
        crm = self.crm
        self._open(
            dialog,
            lambda name: self._tasks.write(
                lambda: crm.rename_group(group.id, name),
                while_alive(self, lambda _g: self._done(self.tr("分组已重命名。"), groups=True, rows=False)),
                while_alive(self, self._failed),
            ),
        )

    def _update_group(self, group: CustomerGroup) -> None:
        crm, current = self.crm, self.current_filter()
        self._tasks.write(
            lambda: crm.update_group_filter(group.id, current),
            while_alive(
                self,
                lambda _g: self._done(
                    self.tr("分组“{name}”的条件已更新。").format(name=group.name), groups=True, rows=False
                ),
            ),
            while_alive(self, self._failed),
        )

    def _delete_group(self, group: CustomerGroup) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(self.tr("删除分组"))
        box.setText(self.tr("删除分组“{name}”？客户本身不会被删除。").format(name=group.name))
        delete = box.addButton(self.tr("删除"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        crm = self.crm

        def answered(button: QAbstractButton) -> None:
            self.dialog = None
            if button is delete:
                if self.groups_panel.current_id() == group.id:
                    self.groups_panel.select(ALL)
                self._tasks.write(
                    lambda: crm.delete_group(group.id),
                    while_alive(self, lambda _r: self._done(self.tr("分组已删除。"), groups=True, rows=False)),
                    while_alive(self, self._failed),
                )

        box.buttonClicked.connect(answered)
        self.dialog = box
        box.open()

    # -- errors --------------------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        log.warning("customer management action failed: %r", exc)
        self._failed_text(crm_error_text(exc))

    def _failed_text(self, text: str) -> None:
        self.status.setText(text)
        self.action_failed.emit(text)
