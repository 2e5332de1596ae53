"""知识库 tab (专业问答知识配置): category tree, entries by 热度 with search, the entry editor, and
import / export / template."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QStringListModel, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.kb import KbEntry
from workbench.domain.kb_admin import (
    ALL_CATEGORIES,
    FALLBACK_CATEGORY,
    CategoryInfo,
    EntryDraft,
    EntrySort,
    KbValidationError,
    KnowledgeEntry,
)
from workbench.services.kb_admin import ClosePhrasing, KbChange, close_phrasings
from workbench.services.kb_io import ImportResult
from workbench.services.sheets import Cancel, ImportCancelled, Progress
from workbench.ui.kb_admin.common import (
    Confirm,
    OpenFile,
    ask_open_file,
    ask_yes_no,
    panel,
    row_table,
    split_root,
    style_tab,
)
from workbench.ui.kb_admin.editor import EntryEditor
from workbench.ui.kb_admin.models import CategoryRoles, CategoryTreeModel, EntryColumn, EntryTableModel
from workbench.ui.kb_admin.session import KbSession
from workbench.ui.kb_admin.texts import category_label, failure_text, issue_text
from workbench.ui.widgets.guard import while_alive

SaveFile = Callable[[str, str, str], str]  # (title, suggested name, filter) -> path or ""


class KnowledgeTab(QWidget):
    """The editor's main screen. Writes go through the session, which updates the live matcher."""

    entries_loaded = Signal()
    """The category tree and the entry list show the database's current state."""
    categories_loaded = Signal()
    """The category tree was reloaded (after an edit: new counts or names)."""
    entry_saved = Signal(int)
    """An entry was created or saved (entry id); the matcher already has it."""
    close_checked = Signal(list)
    """After a save, its 问法 were compared with the other entries'; carries the ClosePhrasing found."""
    entry_deleted = Signal(int)
    """An entry was deleted (entry id)."""
    import_finished = Signal(bool)
    """An import ended: True when every row was imported, False when the file was refused or the
    import cancelled."""
    import_progressed = Signal(object)
    """A running import read further into its file; carries a `Progress`."""
    file_written = Signal(str)
    """An export or the template was written (the path)."""
    category_changed = Signal(str)
    """A custom category was added, renamed or deleted (its new name, "" when deleted)."""

    def __init__(self, session: KbSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        style_tab(self, "knowledgeTab", "kb_knowledge")
        self.session = session
        self.choose_open_file: OpenFile = lambda title, file_filter: ask_open_file(self, title, file_filter)
        self.choose_save_file: SaveFile = self._save_dialog
        self.confirm: Confirm = lambda title, text: ask_yes_no(self, title, text)
        self._renaming: str | None = None
        self._pending_select: int | None = None
        self._want_category: str | None = None
        self._category_loads = 0
        self._import_cancel: Cancel | None = None  # the running import's, None when idle
        self._build()
        self.editor.today = session.admin.today()
        self.editor.save_requested.connect(self._save)
        self.editor.delete_requested.connect(self._delete)
        self.entries.enabled_toggled.connect(self._toggle)
        session.changed.connect(self._on_changed)

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        split = split_root(self)

        # Left: categories.
        left, lv = panel(split, 8, 10, 8, 8)
        title = QLabel(self.tr("知识分类"), left)
        title.setObjectName("panelTitle")
        lv.addWidget(title)
        self.categories = CategoryTreeModel(self)
        self.tree = QTreeView(left)
        self.tree.setModel(self.categories)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setItemsExpandable(False)
        self.tree.setIndentation(14)
        self.tree.selectionModel().currentChanged.connect(self._category_selected)
        lv.addWidget(self.tree, 1)
        self.category_form = QWidget(left)
        cf = QVBoxLayout(self.category_form)
        cf.setContentsMargins(0, 0, 0, 0)
        cf.setSpacing(4)
        self.category_name = QLineEdit(self.category_form)
        self.category_name.setPlaceholderText(self.tr("分类名，如：尺码专区"))
        self.category_name.returnPressed.connect(self._submit_category)
        cf.addWidget(self.category_name)
        self.category_error = QLabel(self.category_form)
        self.category_error.setObjectName("fieldError")
        self.category_error.setWordWrap(True)
        self.category_error.hide()
        cf.addWidget(self.category_error)
        row = QHBoxLayout()
        self.category_ok = QPushButton(self.tr("确定"), self.category_form)
        self.category_ok.setObjectName("primary")
        self.category_ok.clicked.connect(self._submit_category)
        cancel = QPushButton(self.tr("取消"), self.category_form)
        cancel.clicked.connect(self._close_category_form)
        row.addWidget(self.category_ok)
        row.addWidget(cancel)
        cf.addLayout(row)
        self.category_form.hide()
        lv.addWidget(self.category_form)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        self.add_category_button = QPushButton(self.tr("新建分类"), left)
        self.add_category_button.clicked.connect(self.start_add_category)
        self.rename_category_button = QPushButton(self.tr("重命名"), left)
        self.rename_category_button.clicked.connect(self.start_rename_category)
        self.delete_category_button = QPushButton(self.tr("删除"), left)
        self.delete_category_button.clicked.connect(self.delete_category)
        for b in (self.add_category_button, self.rename_category_button, self.delete_category_button):
            buttons.addWidget(b)
        lv.addLayout(buttons)

        # Centre: search, sort, actions and the entry list.
        centre, cv = panel(split, 10, 10, 10, 8)
        cv.setSpacing(8)
        bar = QHBoxLayout()
        self.search = QLineEdit(centre)
        self.search.setPlaceholderText(self.tr("搜索问题、问法或答案"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda text: self.entries.set_filter(search=text))
        bar.addWidget(self.search, 1)
        self.sort_combo = QComboBox(centre)
        for sort, label in (
            (EntrySort.HOT_YESTERDAY, self.tr("按昨日热度")),
            (EntrySort.HOT_WEEK, self.tr("按近7天热度")),
            (EntrySort.HITS, self.tr("按累计命中")),
            (EntrySort.UPDATED, self.tr("按最近修改")),
            (EntrySort.QUESTION, self.tr("按标准问题")),
        ):
            self.sort_combo.addItem(label, sort.value)
        self.sort_combo.currentIndexChanged.connect(
            lambda _i: self.entries.set_sort(EntrySort(self.sort_combo.currentData()))
        )
        bar.addWidget(self.sort_combo)
        self.new_button = QPushButton(self.tr("新建自定义问题"), centre)
        self.new_button.setObjectName("primary")
        self.new_button.clicked.connect(self.new_entry)
        bar.addWidget(self.new_button)
        self.io_button = QToolButton(centre)
        self.io_button.setText(self.tr("导入 / 导出 ▾"))
        self.io_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.io_button)
        self.import_action = menu.addAction(self.tr("导入 CSV / XLSX…"), self.import_file)
        self.export_csv_action = menu.addAction(self.tr("导出为 CSV…"), lambda: self.export_file(".csv"))
        self.export_xlsx_action = menu.addAction(self.tr("导出为 XLSX…"), lambda: self.export_file(".xlsx"))
        menu.addSeparator()
        self.template_action = menu.addAction(self.tr("下载导入模板…"), self.save_template)
        self.io_button.setMenu(menu)
        bar.addWidget(self.io_button)
        cv.addLayout(bar)

        self.entries: EntryTableModel = EntryTableModel(self)
        self.table = row_table(centre, self.entries, 34)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(False)
        self.table.setSortingEnabled(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(EntryColumn.QUESTION, QHeaderView.ResizeMode.Stretch)
        for column in (EntryColumn.CATEGORY, EntryColumn.PHRASINGS, EntryColumn.YESTERDAY, EntryColumn.WEEK,
                       EntryColumn.ENABLED, EntryColumn.SOURCE):  # fmt: skip
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)
        header.setHighlightSections(False)
        self.table.selectionModel().currentRowChanged.connect(self._entry_selected)
        cv.addWidget(self.table, 1)

        self.import_panel = QFrame(centre)
        self.import_panel.setObjectName("importPanel")
        ip = QVBoxLayout(self.import_panel)
        ip.setContentsMargins(10, 8, 10, 8)
        head = QHBoxLayout()
        self.import_title = QLabel(self.import_panel)
        self.import_title.setObjectName("statusError")
        self.import_title.setWordWrap(True)
        head.addWidget(self.import_title, 1)
        close = QPushButton(self.tr("关闭"), self.import_panel)
        close.setObjectName("link")
        close.clicked.connect(self.import_panel.hide)
        head.addWidget(close)
        ip.addLayout(head)
        self.import_issues = QStringListModel(self)
        issues_view = QListView(self.import_panel)
        issues_view.setObjectName("importIssues")
        issues_view.setModel(self.import_issues)
        issues_view.setMaximumHeight(140)
        ip.addWidget(issues_view)
        self.import_panel.hide()
        cv.addWidget(self.import_panel)
        status_row = QHBoxLayout()
        self.status = QLabel(centre)
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        status_row.addWidget(self.status, 1)
        self.import_progress = QProgressBar(centre)
        self.import_progress.setMaximumWidth(220)
        status_row.addWidget(self.import_progress)
        self.cancel_import_button = QPushButton(self.tr("取消导入"), centre)
        self.cancel_import_button.clicked.connect(self.cancel_import)
        status_row.addWidget(self.cancel_import_button)
        cv.addLayout(status_row)
        # a saved 问法 that another entry already has (or nearly): the bot may answer with either
        self.close_warning = QLabel(centre)
        self.close_warning.setObjectName("closeWarning")
        self.close_warning.setWordWrap(True)
        self.close_warning.hide()
        cv.addWidget(self.close_warning)
        self._show_import_running(False)

        # Right: the editor.
        self.editor: EntryEditor = EntryEditor(self.session.tasks, split)
        self.editor.setMinimumWidth(420)

        split.addWidget(left)
        split.addWidget(centre)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 0)
        split.setSizes([210, 660, 500])

    # -- loading -----------------------------------------------------------------------------

    def refresh(self, select_entry: int | None = None) -> None:
        """Reload categories and entries from the database (in the background)."""
        admin = self.session.admin
        self._pending_select = select_entry

        def load() -> tuple[list[CategoryInfo], list[KnowledgeEntry]]:
            return admin.categories(), admin.entries()

        self.session.read(load, self._loaded, self._show_failure)

    def _loaded(self, result: tuple[list[CategoryInfo], list[KnowledgeEntry]]) -> None:
        categories, entries = result
        current = self.entries.category
        self._set_categories(categories)
        self.entries.set_entries(entries)
        self._select_category(current if current in {c.name for c in categories} else ALL_CATEGORIES)
        target = self._pending_select if self._pending_select is not None else (
            self.editor.entry.id if self.editor.entry else None
        )  # fmt: skip
        self._pending_select = None
        if target is not None:
            self.select_entry(target)
        self.status.setText(self.tr("共 {n} 条知识").format(n=len(entries)))
        self.entries_loaded.emit()

    def _set_categories(self, categories: Sequence[CategoryInfo]) -> None:
        self.categories.set_categories(categories)
        self.tree.expandAll()
        self.editor.set_categories([c.name for c in categories])

    def _reload_categories(self, select: str | None = None) -> None:
        """Reload the tree (counts, names); select `select`, else keep the current category. Only the
        latest reload is applied, so an older one finishing late cannot undo a newer selection."""
        if select is not None:
            self._want_category = select
        self._category_loads += 1
        generation = self._category_loads

        def loaded(categories: list[CategoryInfo]) -> None:
            if generation != self._category_loads:
                return
            wanted = self._want_category if self._want_category is not None else self.entries.category
            self._want_category = None
            self._set_categories(categories)
            self._select_category(wanted if wanted in {c.name for c in categories} else ALL_CATEGORIES)
            self.categories_loaded.emit()

        self.session.read(self.session.admin.categories, loaded)

    # -- categories --------------------------------------------------------------------------

    def _select_category(self, name: str) -> None:
        index = self.categories.index_of(name)
        if index.isValid():
            self.tree.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._update_category_buttons()

    def select_category(self, name: str) -> None:
        self._select_category(name)

    def _category_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        name = current.data(CategoryRoles.CATEGORY) if current.isValid() else None
        if isinstance(name, str):
            self.entries.set_filter(category=name)
        self._update_category_buttons()

    def current_category(self) -> str:
        index = self.tree.currentIndex()
        name = index.data(CategoryRoles.CATEGORY) if index.isValid() else None
        return name if isinstance(name, str) else ALL_CATEGORIES

    def _update_category_buttons(self) -> None:
        index = self.tree.currentIndex()
        custom = bool(index.isValid() and index.data(CategoryRoles.CUSTOM))
        self.rename_category_button.setEnabled(custom)
        self.delete_category_button.setEnabled(custom)

    def start_add_category(self) -> None:
        self._renaming = None
        self.category_name.clear()
        self._open_category_form()

    def start_rename_category(self) -> None:
        name = self.current_category()
        if not name:
            return
        self._renaming = name
        self.category_name.setText(name)
        self._open_category_form()

    def _open_category_form(self) -> None:
        self.category_error.hide()
        self.category_form.show()
        self.category_name.setFocus()
        self.category_name.selectAll()

    def _close_category_form(self) -> None:
        self.category_form.hide()
        self.category_error.hide()
        self._renaming = None

    def _submit_category(self) -> None:
        name = self.category_name.text()
        old = self._renaming
        admin = self.session.admin

        def failed(exc: BaseException) -> None:
            self.category_error.setText(
                "\n".join(issue_text(i) for i in exc.issues)
                if isinstance(exc, KbValidationError)
                else failure_text(exc)
            )
            self.category_error.show()

        if old is None:

            def added(info: CategoryInfo) -> None:
                self._close_category_form()
                self._want_category = info.name
                self.session.changed.emit(KbChange())  # a write without matcher changes; reloads the tree
                self.category_changed.emit(info.name)

            self.session.tasks.write(lambda: admin.add_category(name), added, failed)
            return

        def renamed(change: KbChange) -> None:
            self._close_category_form()
            new = name.strip()
            self._want_category = new  # the tree reloads on the session's change signal
            self.category_changed.emit(new)

        self.session.write(lambda: admin.rename_category(old, name), lambda c: c, renamed, failed)

    def delete_category(self) -> None:
        name = self.current_category()
        if not name:
            return
        text = self.tr("删除分类「{name}」？其中的知识会移到「{fallback}」。").format(
            name=name, fallback=category_label(FALLBACK_CATEGORY)
        )
        if not self.confirm(self.tr("删除分类"), text):
            return
        admin = self.session.admin

        def deleted(_: KbChange) -> None:
            self._want_category = ALL_CATEGORIES
            self.category_changed.emit("")

        self.session.write(lambda: admin.delete_category(name), lambda c: c, deleted, self._show_failure)

    # -- entries -----------------------------------------------------------------------------

    def _header_clicked(self, section: int) -> None:
        self.entries.sort(section)
        self.sort_combo.blockSignals(True)
        self.sort_combo.setCurrentIndex(max(0, self.sort_combo.findData(self.entries.sort_order.value)))
        self.sort_combo.blockSignals(False)

    def select_entry(self, entry_id: int) -> bool:
        row = self.entries.row_of(entry_id)
        if row < 0 and self.entries.category != ALL_CATEGORIES:
            self._select_category(ALL_CATEGORIES)
            row = self.entries.row_of(entry_id)
        if row < 0:
            return False
        self.table.selectionModel().setCurrentIndex(
            self.entries.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(self.entries.index(row, 0))
        entry = self.entries.entry(row)
        if entry is not None and (self.editor.entry is None or self.editor.entry.id != entry.id):
            self.editor.edit_entry(entry)
        return True

    def _entry_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.entries.entry(current.row()) if current.isValid() else None
        if entry is None or (self.editor.entry is not None and self.editor.entry.id == entry.id):
            return
        if self.editor.is_dirty() and not self.confirm(
            self.tr("放弃修改"), self.tr("当前知识有未保存的修改，放弃这些修改？")
        ):
            return
        self.editor.edit_entry(entry)

    def new_entry(self) -> None:
        if self.editor.is_dirty() and not self.confirm(
            self.tr("放弃修改"), self.tr("当前知识有未保存的修改，放弃这些修改？")
        ):
            return
        self.table.clearSelection()
        self.editor.new_entry(self.current_category() or FALLBACK_CATEGORY)

    def _save(self, entry_id: int | None, draft: EntryDraft) -> None:
        admin = self.session.admin
        self.editor.save_button.setEnabled(False)

        def job() -> KbChange:
            return admin.create_entry(draft) if entry_id is None else admin.update_entry(entry_id, draft)

        def done(change: KbChange) -> None:
            self.editor.save_button.setEnabled(True)
            saved = change.entries[0]
            self.editor.edit_entry(saved)
            self.select_entry(saved.id)
            self.status.setText(
                self.tr("已保存「{question}」，问答测试和智能辅助立即生效").format(question=saved.question)
            )
            self.entry_saved.emit(saved.id)
            if change.upserts:
                self._check_close(change.upserts[0])

        def failed(exc: BaseException) -> None:
            self.editor.save_button.setEnabled(True)
            if isinstance(exc, KbValidationError):
                self.editor.show_issues(exc.issues)
            else:
                self._show_failure(exc)

        self.session.write(job, lambda c: c, done, failed)

    def _check_close(self, entry: KbEntry) -> None:
        """Warn (after the save) about a 问法 of `entry` that another entry has, naming that entry.
        Only against a matcher the desk has built: a save never starts building one (a big KB takes
        seconds), and the desk builds it at start anyway."""
        self.close_warning.hide()
        matcher = self.session.current_matcher()
        if matcher is None:
            return
        self.session.read(lambda: close_phrasings(matcher, entry), self._show_close)

    def _show_close(self, close: list[ClosePhrasing]) -> None:
        if not close:
            self.close_warning.hide()
            self.close_checked.emit([])
            return
        lines = [
            (
                self.tr(
                    "注意：问法「{phrasing}」与知识「{question}」（编号 {id}）的问法「{other}」相同，"
                    "买家这样问时可能由那条知识回答。"
                )
                if c.score >= 1.0
                else self.tr(
                    "注意：问法「{phrasing}」与知识「{question}」（编号 {id}）的问法「{other}」非常接近（{score}），"
                    "买家这样问时可能由那条知识回答。"
                )
            ).format(
                phrasing=c.phrasing,
                question=c.other_question,
                id=c.other_id,
                other=c.other_phrasing,
                score=f"{c.score:.0%}",
            )
            for c in close[:3]
        ]
        self.close_warning.setText("\n".join(lines))
        self.close_warning.show()
        self.close_checked.emit(close)

    def _delete(self, entry_id: int) -> None:
        entry = self.editor.entry
        question = entry.question if entry else ""
        if not self.confirm(
            self.tr("删除知识"), self.tr("删除「{question}」？删除后机器人不再回答这个问题。").format(question=question)
        ):
            return
        admin = self.session.admin

        def done(_: KbChange) -> None:
            self.editor.clear()
            self.status.setText(self.tr("已删除「{question}」").format(question=question))
            self.entry_deleted.emit(entry_id)

        self.session.write(lambda: admin.delete_entry(entry_id), lambda c: c, done, self._show_failure)

    def _toggle(self, entry_id: int, on: bool) -> None:
        admin = self.session.admin
        self.session.write(lambda: admin.set_enabled(entry_id, on), lambda c: c, None, self._show_failure)

    def _on_changed(self, change: KbChange) -> None:
        """Any write on the page: the list, the counts and (if untouched) the editor follow."""
        if change.removed:
            self.entries.remove(change.removed)
        if change.entries:
            self.entries.upsert(change.entries)
        current = self.editor.entry
        if current is not None:
            if current.id in change.removed:
                self.editor.clear()
            else:
                fresh = next((e for e in change.entries if e.id == current.id), None)
                if fresh is not None and not self.editor.is_dirty():
                    self.editor.edit_entry(fresh)
            if self.editor.entry is not None:
                row = self.entries.row_of(self.editor.entry.id)
                if row >= 0:
                    self.table.selectionModel().setCurrentIndex(
                        self.entries.index(row, 0),
                        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                    )
        self._reload_categories()

    # -- import / export ---------------------------------------------------------------------

    def import_file(self) -> None:
        path = self.choose_open_file(self.tr("导入知识"), self.tr("表格文件 (*.csv *.xlsx)"))
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> None:
        """Read and check the file on the long-job worker (progress shown, can be cancelled), then save
        every entry in one write; a refused or cancelled file writes nothing."""
        io, cancel = self.session.io, Cancel()
        if self._import_cancel is not None:
            self._import_cancel.set()
        self._import_cancel = cancel
        self.import_panel.hide()
        self.status.setText(self.tr("正在导入 {name}…").format(name=path.name))
        self.import_progress.setRange(0, 0)
        self._show_import_running(True)

        def current() -> bool:
            return self._import_cancel is cancel

        def done(result: ImportResult) -> None:
            if not current():
                return
            self._import_ended()
            self.status.setText(
                self.tr("导入完成：新增 {added} 条，更新 {updated} 条").format(
                    added=result.added, updated=result.updated
                )
            )
            self.import_finished.emit(True)

        def failed(exc: BaseException) -> None:
            if not current():
                return
            self._import_ended()
            if isinstance(exc, ImportCancelled):
                self.status.setText(failure_text(exc))
                self.import_finished.emit(False)
                return
            if isinstance(exc, KbValidationError):
                lines = [issue_text(i) for i in exc.issues]
                self.import_title.setText(
                    self.tr("{name} 有 {n} 处问题，没有导入任何内容。改好后再导入：").format(
                        name=path.name, n=len(lines)
                    )
                )
                self.import_issues.setStringList(lines)
            else:
                self.import_title.setText(self.tr("导入失败，没有导入任何内容："))
                self.import_issues.setStringList([failure_text(exc)])
            self.import_panel.show()
            self.status.setText("")
            self.import_finished.emit(False)

        def checked(drafts: Any) -> None:
            if current():
                self.import_progress.setRange(0, 0)
                self.session.write(lambda: io.save_import(drafts, cancel), lambda r: r.change, done, failed)

        def progressed(progress: Progress) -> None:
            if current() and not cancel.is_set() and progress.percent is not None:
                self.import_progress.setRange(0, 100)
                self.import_progress.setValue(progress.percent)
                self.import_progressed.emit(progress)

        self.session.tasks.long(
            lambda report: io.read_import(path, report, cancel),
            while_alive(self, checked),
            while_alive(self, failed),
            progress=while_alive(self, progressed),
            cancel=cancel,
        )

    def cancel_import(self) -> None:
        """Stop the running import: nothing of the file is saved."""
        if self._import_cancel is not None:
            self._import_cancel.set()
            self.cancel_import_button.setEnabled(False)
            self.status.setText(self.tr("正在取消导入…"))

    def _import_ended(self) -> None:
        self._import_cancel = None
        self._show_import_running(False)

    def _show_import_running(self, running: bool) -> None:
        self.import_progress.setVisible(running)
        self.cancel_import_button.setVisible(running)
        self.cancel_import_button.setEnabled(running)

    def import_problems(self) -> list[str]:
        return self.import_issues.stringList() if not self.import_panel.isHidden() else []

    def export_file(self, suffix: str) -> None:
        name = self.tr("知识库") + suffix
        path = self.choose_save_file(self.tr("导出知识"), name, self._filter(suffix))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        io = self.session.io

        def done(n: int) -> None:
            self.status.setText(self.tr("已导出 {n} 条知识到 {path}").format(n=n, path=str(path)))
            self.file_written.emit(str(path))

        self.session.read(lambda: io.export(path), done, self._show_failure)

    def save_template(self) -> None:
        path = self.choose_save_file(self.tr("下载导入模板"), self.tr("知识导入模板") + ".xlsx", self._filter(".xlsx"))
        if path:
            self.template_to(Path(path))

    def template_to(self, path: Path) -> None:
        io = self.session.io

        def done(_: object) -> None:
            self.status.setText(self.tr("模板已保存到 {path}").format(path=str(path)))
            self.file_written.emit(str(path))

        self.session.read(lambda: io.write_template(path), done, self._show_failure)

    def _filter(self, suffix: str) -> str:
        return self.tr("Excel 表格 (*.xlsx)") if suffix == ".xlsx" else self.tr("CSV 文件 (*.csv)")

    # -- dialogs -----------------------------------------------------------------------------

    def _show_failure(self, exc: BaseException) -> None:
        self.status.setText(failure_text(exc))

    def _save_dialog(self, title: str, name: str, file_filter: str) -> str:
        path = QFileDialog.getSaveFileName(self, title, name, file_filter)[0]
        if path and not Path(path).suffix:
            path += Path(name).suffix
        return path
