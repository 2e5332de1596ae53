"""Tag entry: a field completing from the shop's tag library, 添加, and the reason a tag is refused.

Used wherever an agent tags customers: the reception sidebar's 客户 tab, the CRM profile and the
bulk-tag dialog. It refuses before any write what it can judge from the library it was given (empty,
too long, an official tag, a tag the customer already has); the services check the same rule again.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from workbench.domain.crm import check_tag_assignable, is_official_tag
from workbench.domain.customers import Tag, clean_tag_name
from workbench.domain.errors import DomainError
from workbench.ui.errors import error_text


class TagEdit(QWidget):
    """A line edit with completion over the library's custom tags the customer lacks, an optional 添加
    button, and an error line under them. Saving is the owner's job: it listens to ``tag_entered``.

    With ``button=False`` (inside a form dialog) Enter is left to the dialog's default button, which
    calls ``checked_name``.
    """

    tag_entered = Signal(str)
    """The agent pressed Enter or 添加 on a tag that may be added; carries the cleaned name."""

    def __init__(self, parent: QWidget | None = None, *, button: bool = True, placeholder: str | None = None) -> None:
        super().__init__(parent)
        self._library: tuple[Tag, ...] = ()
        self._current: tuple[Tag, ...] = ()  # the customer's tags (none for a bulk edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.line_edit = QLineEdit(self)
        self.line_edit.setPlaceholderText(placeholder if placeholder is not None else self.tr("输入标签，回车添加"))
        self.line_edit.setAccessibleName(self.tr("添加标签"))
        self.line_edit.setClearButtonEnabled(True)
        self.line_edit.textEdited.connect(lambda _text: self.show_error(""))
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(8)
        self.line_edit.setCompleter(self.completer)
        row.addWidget(self.line_edit, 1)
        self.add_button = QPushButton(self.tr("添加"), self)
        self.add_button.clicked.connect(self.submit)
        self.add_button.setVisible(button)
        row.addWidget(self.add_button)
        if button:
            self.line_edit.returnPressed.connect(self.submit)
        layout.addLayout(row)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.setFocusProxy(self.line_edit)

    # -- what it offers -------------------------------------------------------------------------

    def set_tags(self, library: Sequence[Tag], current: Sequence[Tag] = ()) -> None:
        """The shop's tag library and the tags the customer has: completion offers the custom library
        tags the customer lacks; ``current`` also lets a tag the customer has be refused as a duplicate."""
        self._library = tuple(library)
        self._current = tuple(current)
        mine = {t.name for t in self._current}
        self.model.setStringList([t.name for t in self._library if not is_official_tag(t) and t.name not in mine])

    # -- the text ---------------------------------------------------------------------------------

    def text(self) -> str:
        return self.line_edit.text()

    def setText(self, text: str) -> None:  # named like QLineEdit's, as the field stands in for one
        self.line_edit.setText(text)

    def clear(self) -> None:
        self.line_edit.clear()
        self.show_error("")

    def entry_saved(self, name: str) -> None:
        """The owner saved ``name``: empty the field unless the agent has typed something else since."""
        if name and " ".join(self.text().split()) == name:
            self.line_edit.clear()
        self.show_error("")

    # -- checking ---------------------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        """Show why the tag was refused under the field ("" hides it) and mark the field red."""
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))
        invalid = bool(text)
        if bool(self.line_edit.property("invalid")) != invalid:
            self.line_edit.setProperty("invalid", invalid)
            self.line_edit.style().unpolish(self.line_edit)
            self.line_edit.style().polish(self.line_edit)

    def checked_name(self) -> str:
        """The entered tag, cleaned; raises DomainError (and shows it) when it may not be added."""
        try:
            name = clean_tag_name(self._chosen_text())
            known = {t.name: t for t in (*self._library, *self._current)}
            check_tag_assignable(known.get(name, name))  # a library tag brings its official flag
        except DomainError as exc:
            self.show_error(error_text(exc))
            raise
        if any(t.name == name for t in self._current):
            self.show_error(self.tr("该客户已有标签“{name}”。").format(name=name))
            raise DomainError("tag.exists", field="tag", name=name)
        self.show_error("")
        return name

    def submit(self) -> None:
        """Enter or 添加: emit ``tag_entered`` with the name, or show why not."""
        try:
            name = self.checked_name()
        except DomainError:
            return
        self.tag_entered.emit(name)

    def _chosen_text(self) -> str:
        """The text, or the suggestion highlighted in the open completion list."""
        text = self.text()
        popup = self.completer.popup()
        if popup is not None and popup.isVisible():
            current = popup.currentIndex()
            if current.isValid():
                text = str(current.data())
            popup.hide()
        return text
