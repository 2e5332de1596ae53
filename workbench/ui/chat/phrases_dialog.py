"""管理快捷短语: the shop's and the agent's own quick phrases in a table, with a form to add, edit and
delete them. Reads and writes run on the window's Tasks; a field's error is shown beside it."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.errors import DomainError
from workbench.domain.quick_phrases import (
    MAX_PHRASE_GROUP,
    MAX_SHORTCODE,
    PHRASE_PLACEHOLDERS,
    PhraseDraft,
    PhrasePool,
    QuickPhrase,
    clean_phrase,
)
from workbench.services.quick_phrases import QuickPhraseService
from workbench.ui.errors import error_text
from workbench.ui.tasks import Tasks

AnyIndex = QModelIndex | QPersistentModelIndex
FIELDS = ("group", "shortcode", "text", "pool")


class PhraseTableModel(QAbstractTableModel):
    """The phrases the agent sees: 分组, 快捷编码, 内容, 范围."""

    PHRASE_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._phrases: list[QuickPhrase] = []
        self._headers = (self.tr("分组"), self.tr("快捷编码"), self.tr("内容"), self.tr("范围"))
        self._pools = {PhrasePool.SHOP: self.tr("店铺"), PhrasePool.PERSONAL: self.tr("个人")}

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._phrases)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        horizontal = orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
        if horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._phrases):
            return None
        phrase = self._phrases[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            match index.column():
                case 0:
                    return phrase.group
                case 1:
                    return f"/{phrase.shortcode}" if phrase.shortcode else ""
                case 2:
                    return " ".join(phrase.text.split())
                case 3:
                    return self._pools[phrase.pool]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2:
            return phrase.text
        if role == self.PHRASE_ROLE:
            return phrase
        return None

    def set_phrases(self, phrases: list[QuickPhrase]) -> None:
        self.beginResetModel()
        self._phrases = list(phrases)
        self.endResetModel()

    def phrases(self) -> list[QuickPhrase]:
        return list(self._phrases)

    def row_of(self, phrase_id: int) -> int:
        return next((i for i, p in enumerate(self._phrases) if p.id == phrase_id), -1)


class PhrasesDialog(QDialog):
    """Add, edit and delete quick phrases; `phrases_changed` after each saved change."""

    phrases_changed = Signal()  # a phrase was added, edited or deleted (the composer should reload)
    phrases_loaded = Signal()  # the table shows the latest phrases

    def __init__(self, tasks: Tasks, service: QuickPhraseService, agent_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.tasks = tasks
        self.service = service
        self.agent_id = agent_id
        self.editing: QuickPhrase | None = None  # None while the form makes a new phrase
        self.setWindowTitle(self.tr("管理快捷短语"))
        self.setObjectName("phrasesDialog")
        self.resize(720, 560)

        self.model = PhraseTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())

        self.new_button = QPushButton(self.tr("新建"), self)
        self.edit_button = QPushButton(self.tr("编辑"), self)
        self.delete_button = QPushButton(self.tr("删除"), self)
        self.close_button = QPushButton(self.tr("关闭"), self)
        self.new_button.clicked.connect(self.new_phrase)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.close_button.clicked.connect(self.accept)
        actions = QHBoxLayout()
        actions.addWidget(self.new_button)
        actions.addWidget(self.edit_button)
        actions.addWidget(self.delete_button)
        actions.addStretch(1)

        # The form: each field with its error right under it.
        self.form_box = QFrame(self)
        self.form_box.setObjectName("phraseForm")
        self.form_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.form_title = QLabel(self.form_box)
        self.form_title.setObjectName("phraseFormTitle")
        self.group_edit = QLineEdit(self.form_box)
        self.group_edit.setPlaceholderText(self.tr("可不填，如：欢迎、售后"))
        self.group_edit.setMaxLength(MAX_PHRASE_GROUP * 2)  # longer text reaches the domain's message
        self.shortcode_edit = QLineEdit(self.form_box)
        self.shortcode_edit.setPlaceholderText(self.tr("可不填，英文字母或数字，如 hi"))
        self.shortcode_edit.setMaxLength(MAX_SHORTCODE * 2)
        self.text_edit = QPlainTextEdit(self.form_box)
        # The placeholders are what the agent types, in every language.
        self.text_edit.setPlaceholderText(
            self.tr("短语内容，可用 {names}").format(names=" ".join("{" + name + "}" for name in PHRASE_PLACEHOLDERS))
        )
        self.text_edit.setTabChangesFocus(True)
        self.text_edit.setFixedHeight(90)
        self.pool_combo = QComboBox(self.form_box)
        self.pool_combo.addItem(self.tr("个人（仅自己可见）"), PhrasePool.PERSONAL.value)
        self.pool_combo.addItem(self.tr("店铺（全店客服可见）"), PhrasePool.SHOP.value)
        self.field_errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setVerticalSpacing(4)
        form.addRow(self.form_title)
        for field, label, widget in (
            ("group", self.tr("分组"), self.group_edit),
            ("shortcode", self.tr("快捷编码"), self.shortcode_edit),
            ("text", self.tr("内容"), self.text_edit),
            ("pool", self.tr("范围"), self.pool_combo),
        ):
            form.addRow(label, self._with_error(field, widget))
        self.form_error = QLabel(self.form_box)
        self.form_error.setObjectName("error")
        self.form_error.setWordWrap(True)
        self.form_error.hide()
        self.save_button = QPushButton(self.tr("保存"), self.form_box)
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(self.tr("取消"), self.form_box)
        self.cancel_button.clicked.connect(self.close_form)
        form_buttons = QHBoxLayout()
        form_buttons.addStretch(1)
        form_buttons.addWidget(self.cancel_button)
        form_buttons.addWidget(self.save_button)
        box_layout = QVBoxLayout(self.form_box)
        box_layout.addLayout(form)
        box_layout.addWidget(self.form_error)
        box_layout.addLayout(form_buttons)
        self.form_box.hide()

        self.status = QLabel(self)  # a failed load or delete, in place of a blocking message box
        self.status.setObjectName("error")
        self.status.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addWidget(self.form_box)
        layout.addLayout(bottom)
        self._busy = False
        self._update_buttons()
        self.reload()

    def _with_error(self, field: str, widget: QWidget) -> QWidget:
        holder = QWidget(self.form_box)
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        error = QLabel(holder)
        error.setObjectName("error")
        error.setWordWrap(True)
        error.hide()
        column.addWidget(error)
        self.field_errors[field] = error
        return holder

    # -- loading ----------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        service, agent_id = self.service, self.agent_id
        self.tasks.read(
            lambda: service.visible_to(agent_id), lambda phrases: self._loaded(phrases, select_id), self._failed
        )

    def _loaded(self, phrases: list[QuickPhrase], select_id: int | None) -> None:
        self.status.setText("")
        self.model.set_phrases(phrases)
        row = self.model.row_of(select_id) if select_id is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        self._update_buttons()
        self.phrases_loaded.emit()

    def selected(self) -> QuickPhrase | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        phrase = rows[0].data(PhraseTableModel.PHRASE_ROLE)
        return phrase if isinstance(phrase, QuickPhrase) else None

    def _update_buttons(self) -> None:
        has = self.selected() is not None
        self.edit_button.setEnabled(has and not self._busy)
        self.delete_button.setEnabled(has and not self._busy)
        self.new_button.setEnabled(not self._busy)
        self.save_button.setEnabled(not self._busy)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    # -- the form ---------------------------------------------------------------------------------

    def new_phrase(self) -> None:
        self._open_form(None)

    def edit_selected(self) -> None:
        phrase = self.selected()
        if phrase is not None:
            self._open_form(phrase)

    def _open_form(self, phrase: QuickPhrase | None) -> None:
        self.editing = phrase
        self.form_title.setText(self.tr("编辑短语") if phrase else self.tr("新建短语"))
        self.group_edit.setText(phrase.group if phrase else "")
        self.shortcode_edit.setText(phrase.shortcode if phrase else "")
        self.text_edit.setPlainText(phrase.text if phrase else "")
        pool = phrase.pool if phrase else PhrasePool.PERSONAL
        self.pool_combo.setCurrentIndex(max(0, self.pool_combo.findData(pool.value)))
        self.show_errors(None)
        self.form_box.show()
        self.shortcode_edit.setFocus() if phrase is None else self.text_edit.setFocus()

    def close_form(self) -> None:
        self.editing = None
        self.show_errors(None)
        self.form_box.hide()

    def draft(self) -> PhraseDraft:
        return PhraseDraft(
            pool=PhrasePool(self.pool_combo.currentData()),
            group=self.group_edit.text(),
            shortcode=self.shortcode_edit.text(),
            text=self.text_edit.toPlainText(),
        )

    def show_errors(self, exc: BaseException | None) -> None:
        """The error beside its field (or under the form when it belongs to none); None clears."""
        field = exc.field if isinstance(exc, DomainError) and exc.field in FIELDS else ""
        for name, label in self.field_errors.items():
            label.setText(error_text(exc) if exc is not None and name == field else "")
            label.setVisible(exc is not None and name == field)
        general = exc is not None and not field
        self.form_error.setText(error_text(exc) if general and exc is not None else "")
        self.form_error.setVisible(general)

    def save(self) -> None:
        editing = self.editing
        try:  # checked here first, so a slip is shown at once without a round trip
            draft = clean_phrase(
                self.draft(), [p for p in self.model.phrases() if editing is None or p.id != editing.id]
            )
        except DomainError as exc:
            self.show_errors(exc)
            return
        self.show_errors(None)
        service, agent_id = self.service, self.agent_id
        if editing is None:
            job = lambda: service.add(agent_id, draft)  # noqa: E731
        else:
            phrase_id = editing.id
            job = lambda: service.update(agent_id, phrase_id, draft)  # noqa: E731
        self._set_busy(True)
        self.tasks.write(job, self._saved, self._save_failed)

    def _saved(self, phrase: QuickPhrase) -> None:
        self._set_busy(False)
        self.close_form()
        self.reload(select_id=phrase.id)
        self.phrases_changed.emit()

    def _save_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.show_errors(exc)

    # -- deleting ---------------------------------------------------------------------------------

    def confirm_delete(self, phrase: QuickPhrase) -> bool:
        label = f"/{phrase.shortcode} " if phrase.shortcode else ""
        answer = QMessageBox.question(
            self,
            self.tr("删除快捷短语"),
            self.tr("确定删除短语「{label}{text}」吗？").format(label=label, text=phrase.text[:30]),
        )
        return answer == QMessageBox.StandardButton.Yes

    def delete_selected(self) -> None:
        phrase = self.selected()
        if phrase is None or not self.confirm_delete(phrase):
            return
        if self.editing is not None and self.editing.id == phrase.id:
            self.close_form()
        service, agent_id, phrase_id = self.service, self.agent_id, phrase.id
        self._set_busy(True)
        self.tasks.write(lambda: service.delete(agent_id, phrase_id), self._deleted, self._failed)

    def _deleted(self, _result: object) -> None:
        self._set_busy(False)
        self.reload()
        self.phrases_changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.status.setText(error_text(exc))
