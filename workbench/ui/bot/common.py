"""Building blocks shared by the bot page's tabs: the look, form rows with inline errors, cards,
status lines and dialog buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.errors import DomainError


def muted(text: str, *, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(wrap)
    return label


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("error")
    label.setWordWrap(True)
    label.hide()
    return label


def repolish(widget: QWidget) -> None:
    """Apply the style sheet again after a property or object name it selects on has changed."""
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Toggle the red border of an input (the `invalid` style-sheet property)."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    repolish(widget)


def status_line() -> QLabel:
    """The line beside a Save button that says how saving went (see `show_status`)."""
    label = QLabel()
    label.setObjectName("statusLine")
    label.setWordWrap(True)
    return label


def show_status(label: QLabel, text: str, kind: str) -> None:
    """Show `text` in a status line coloured by `kind`: "statusLine", "okLine" or "error"."""
    label.setObjectName(kind)
    label.setText(text)
    repolish(label)


def primary_button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName("primary")
    return button


def dialog_buttons(
    dialog: QDialog, ok: QDialogButtonBox.StandardButton, ok_text: str, cancel_text: str, on_ok: Callable[[], None]
) -> QDialogButtonBox:
    """An ok-type button and Cancel, named with our own texts (Qt's follow the system's language, not
    the app's); Cancel rejects the dialog, the other button calls `on_ok`."""
    buttons = QDialogButtonBox(ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(cancel_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons


class FieldErrors:
    """Inline errors of one form: each field name has an error label and the inputs to mark red.
    A field "periods.2" shows under "periods" when no label is registered for the exact name."""

    def __init__(self, describe: Callable[[BaseException], str]) -> None:
        self._labels: dict[str, QLabel] = {}
        self._inputs: dict[str, list[QWidget]] = {}
        self._describe = describe

    def add(self, field: str, label: QLabel, *inputs: QWidget) -> QLabel:
        self._labels[field] = label
        self._inputs[field] = list(inputs)
        return label

    def clear(self) -> None:
        for label in self._labels.values():
            label.clear()
            label.hide()
        for inputs in self._inputs.values():
            for widget in inputs:
                set_invalid(widget, False)

    def show(self, problems: list[DomainError]) -> list[str]:
        """Show each problem under its field; returns the texts no field took (for the status line)."""
        self.clear()
        loose: list[str] = []
        shown: dict[str, list[str]] = {}
        for problem in problems:
            name = self._field_for(problem.field)
            text = self._describe(problem)
            if name is None:
                loose.append(text)
                continue
            shown.setdefault(name, []).append(text)
        for name, texts in shown.items():
            label = self._labels[name]
            label.setText("\n".join(dict.fromkeys(texts)))
            label.show()
            for widget in self._inputs.get(name, ()):
                set_invalid(widget, True)
        return loose

    def text(self, field: str) -> str:
        label = self._labels.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    def _field_for(self, field: str) -> str | None:
        while field:
            if field in self._labels:
                return field
            field = field.rpartition(".")[0]
        return None


class Section(QFrame):
    """A white card with a bold title, an optional hint, and a body layout."""

    def __init__(self, title: str, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 14)
        outer.setSpacing(8)
        header = QHBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("cardTitle")
        header.addWidget(self.title)
        header.addStretch(1)
        self.header = header
        outer.addLayout(header)
        if hint:
            outer.addWidget(muted(hint))
        self.body = QVBoxLayout()
        self.body.setSpacing(8)
        outer.addLayout(self.body)


class FormGrid(QGridLayout):
    """Label | input rows; each row may have an inline error under the input."""

    def __init__(self) -> None:
        super().__init__()
        self.setContentsMargins(0, 0, 0, 0)
        self.setHorizontalSpacing(12)
        self.setVerticalSpacing(6)
        self.setColumnStretch(1, 1)

    def add_row(self, label: str, field: QWidget | QLayout, error: QLabel | None = None) -> None:
        row = self.rowCount()
        name = QLabel(label)
        name.setObjectName("formLabel")
        name.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        name.setMinimumWidth(96)
        self.addWidget(name, row, 0)
        if isinstance(field, QWidget):
            self.addWidget(field, row, 1)
        else:
            self.addLayout(field, row, 1)
        if error is not None:
            self.addWidget(error, row + 1, 1)


def page_column() -> tuple[QWidget, QVBoxLayout]:
    """A tab's content and the column of sections in it; `fill_tab` then puts it on the tab."""
    content = QWidget()
    column = QVBoxLayout(content)
    column.setContentsMargins(16, 16, 16, 16)
    column.setSpacing(12)
    return content, column


def fill_tab(tab: QWidget, content: QWidget) -> None:
    """Make `content` the whole of `tab`, scrolling up and down when the tab is too short."""
    layout = QVBoxLayout(tab)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(scroll_page(content))


def scroll_page(content: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    content.setObjectName("botTabPage")
    area.setWidget(content)
    area.viewport().setObjectName("botTabPage")
    return area


def hbox(*widgets: QWidget | int | tuple[QWidget, int], spacing: int = 8) -> QHBoxLayout:
    """A row of widgets; an int adds a stretch with that factor, (widget, n) a widget stretching n."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(spacing)
    for w in widgets:
        if isinstance(w, int):
            row.addStretch(w)
        elif isinstance(w, tuple):
            row.addWidget(w[0], w[1])
        else:
            row.addWidget(w)
    return row


def fixed_width(widget: QWidget, width: int) -> QWidget:
    widget.setFixedWidth(width)
    widget.setSizePolicy(QSizePolicy.Policy.Fixed, widget.sizePolicy().verticalPolicy())
    return widget
