"""Small forms of the customer-management pages. Each validates before it closes and shows the
reason in place; none touches the database (the page runs the job with the dialog's result)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date, datetime, time

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.crm import (
    GENDERS,
    MAX_FOLLOWUP_NOTE,
    MAX_PREFERENCE_FIELD,
    MEMBER_LEVELS,
    PLACEHOLDERS,
    TRAFFIC_SOURCES,
    CareTemplate,
    CustomerFilter,
    CustomerGroup,
    FollowUpOutcome,
    FollowUpRule,
    GroupKind,
    ProfileEdit,
    RfmSettings,
    RuleTrigger,
    TagUsage,
    check_tag_assignable,
    clean_color,
    clean_group_name,
    clean_template,
    is_official_tag,
)
from workbench.domain.customers import Customer, Tag, clean_tag_name
from workbench.domain.errors import DomainError
from workbench.ui.crm.labels import (
    crm_error_text,
    gender_label,
    level_label,
    outcome_label,
    source_label,
    trigger_label,
)
from workbench.ui.theme import hex_colour, scope, swatch_button_style
from workbench.ui.widgets.tag_edit import TagEdit

MAX_SPIN = 10_000_000
# The widths of the customers table's columns (the customer import checks the same limits); longer
# text fails on PostgreSQL and would overflow the profile card.
MAX_NAME, MAX_CITY = 60, 40
MAX_REASON = 100  # FollowUpService.schedule keeps this much of a follow-up's reason


class CrmFormDialog(QDialog):
    """A titled form with an error line and 确定 / 取消. Subclasses implement ``collect``."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("crmDialog")
        scope(self, "sidebar")
        self.setMinimumWidth(420)
        self.result_value: object = None
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(18, 16, 18, 14)
        self.body.setSpacing(10)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(12)
        self.form.setVerticalSpacing(8)
        self.body.addLayout(self.form)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.body.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton(self.tr("取消"), self)
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button = QPushButton(self.tr("确定"), self)
        self.ok_button.setObjectName("primary")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.try_accept)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        self.body.addLayout(buttons)

    def collect(self) -> object:
        """The dialog's result; raise DomainError to keep the dialog open with the reason shown."""
        raise NotImplementedError

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def try_accept(self) -> None:
        try:
            self.result_value = self.collect()
        except DomainError as exc:
            self.show_error(crm_error_text(exc))
            return
        self.show_error("")
        self.accept()


def _muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


# ------------------------------------------------------------------------------------------ tags


class BulkTagDialog(CrmFormDialog):
    """Add a tag (new or from the library) to the selected customers. An official tag is refused beside
    the field, so the dialog stays open with the reason instead of failing after it closed."""

    def __init__(self, library: Sequence[Tag], count: int, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("批量打标签"), parent)
        self.body.insertWidget(
            0, _muted(self.tr("给选中的 {n} 位客户加上标签（没有的标签会自动新建）。").format(n=count))
        )
        self.tag_edit = TagEdit(self, button=False, placeholder=self.tr("输入或选择标签"))
        self.tag_edit.set_tags(library)
        self.form.addRow(self.tr("标签"), self.tag_edit)

    def show_error(self, text: str) -> None:
        self.tag_edit.show_error(text)  # the only field: its reason goes beside it

    def collect(self) -> str:
        return self.tag_edit.checked_name()


class RemoveTagDialog(CrmFormDialog):
    def __init__(self, library: Sequence[Tag], count: int, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("批量移除标签"), parent)
        self.body.insertWidget(0, _muted(self.tr("从选中的 {n} 位客户身上移除标签。").format(n=count)))
        self.tag_combo = QComboBox(self)
        for tag in library:
            if not is_official_tag(tag):  # the platform's tags are not the agent's to remove
                self.tag_combo.addItem(tag.name, tag.id)
        self.form.addRow(self.tr("标签"), self.tag_combo)

    def collect(self) -> int:
        tag_id = self.tag_combo.currentData()
        if not isinstance(tag_id, int):
            raise DomainError("tag.missing", name="")
        return tag_id


class TagEditDialog(CrmFormDialog):
    """New tag or edit one: name, colour, group."""

    def __init__(
        self, tag: TagUsage | None, groups: Sequence[str], parent: QWidget | None = None, taken: Collection[str] = ()
    ) -> None:
        super().__init__(self.tr("编辑标签") if tag else self.tr("新建标签"), parent)
        # Names of the other tags: a clash is shown here instead of after the dialog has closed.
        self.taken = set(taken) - {tag.name if tag else ""}
        self.name_edit = QLineEdit(tag.name if tag else "", self)
        self.group_combo = QComboBox(self)
        self.group_combo.setEditable(True)
        self.group_combo.addItems(["", *[g for g in groups if g]])
        self.group_combo.setCurrentText(tag.group if tag else "")
        self.color = tag.color if tag else hex_colour("tag_default")
        self.color_button = QPushButton(self)
        self.color_button.clicked.connect(self._pick_color)
        self._show_color()
        self.form.addRow(self.tr("名称"), self.name_edit)
        self.form.addRow(self.tr("分组"), self.group_combo)
        self.form.addRow(self.tr("颜色"), self.color_button)

    def _show_color(self) -> None:
        self.color_button.setText(self.color)
        self.color_button.setStyleSheet(swatch_button_style(self.color))

    def _pick_color(self) -> None:
        chosen = QColorDialog.getColor(QColor(self.color), self, self.tr("选择颜色"))
        if chosen.isValid():
            self.set_color(chosen.name())

    def set_color(self, color: str) -> None:
        self.color = color
        self._show_color()

    def collect(self) -> tuple[str, str, str]:
        name = clean_tag_name(self.name_edit.text())
        check_tag_assignable(name)  # refused here, as CrmService does, so the dialog stays open
        if name in self.taken:
            raise DomainError("tag.exists", field="tag", name=name)
        return (
            name,
            clean_color(self.color),
            " ".join(self.group_combo.currentText().split()),
        )


class MergeTagsDialog(CrmFormDialog):
    def __init__(self, sources: Sequence[TagUsage], library: Sequence[TagUsage], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("合并标签"), parent)
        names = "、".join(t.name for t in sources)
        moving = sum(t.count for t in sources)
        self.body.insertWidget(
            0,
            _muted(
                self.tr("把“{names}”（共 {n} 次使用）合并到下面的标签，原标签随后删除。").format(names=names, n=moving)
            ),
        )
        self.target_combo = QComboBox(self)
        source_ids = {t.id for t in sources}
        for tag in library:
            if tag.id and not is_official_tag(tag) and tag.id not in source_ids:
                self.target_combo.addItem(f"{tag.name}（{tag.count}）", tag.id)
        self.form.addRow(self.tr("合并到"), self.target_combo)

    def collect(self) -> int:
        target = self.target_combo.currentData()
        if not isinstance(target, int):
            raise DomainError("tag.merge_nothing")
        return target


# ---------------------------------------------------------------------------------------- groups


class SaveGroupDialog(CrmFormDialog):
    """Name a new group: a saved filter (动态) or an empty hand-picked list (静态)."""

    def __init__(
        self, kind: GroupKind, summary: str = "", parent: QWidget | None = None, taken: Collection[str] = ()
    ) -> None:
        title = self.tr("保存为动态分组") if kind is GroupKind.FILTER else self.tr("新建静态分组")
        super().__init__(title, parent)
        self.kind = kind
        self.taken = set(taken)  # the other groups' names, refused here rather than after closing
        hint = (
            self.tr("分组保存当前的筛选条件：{summary}。以后符合条件的客户会自动进入分组。").format(summary=summary)
            if kind is GroupKind.FILTER
            else self.tr("静态分组里的客户由你手动加入，可在客户列表中选中客户后“加入分组”。")
        )
        self.hint_label = _muted(hint)
        self.body.insertWidget(0, self.hint_label)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("例如：双11老客户"))
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText(self.tr("可选"))
        self.form.addRow(self.tr("分组名"), self.name_edit)
        self.form.addRow(self.tr("说明"), self.note_edit)

    def collect(self) -> tuple[str, str]:
        return _free_group_name(self.name_edit.text(), self.taken), self.note_edit.text().strip()


class AddToGroupDialog(CrmFormDialog):
    """Put the selected customers into a static group, or into a new one."""

    NEW = -1

    def __init__(self, groups: Sequence[CustomerGroup], count: int, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("加入分组"), parent)
        self.body.insertWidget(0, _muted(self.tr("把选中的 {n} 位客户加入静态分组。").format(n=count)))
        self.taken = {g.name for g in groups}  # a new group's name must not clash with any group
        self.group_combo = QComboBox(self)
        for group in groups:
            if group.kind is GroupKind.STATIC:
                self.group_combo.addItem(group.name, group.id)
        self.group_combo.addItem(self.tr("＋ 新建分组…"), self.NEW)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("新分组的名称"))
        self.group_combo.currentIndexChanged.connect(self._update)
        self.form.addRow(self.tr("分组"), self.group_combo)
        self.form.addRow(self.tr("新分组"), self.name_edit)
        self._update()

    def _update(self) -> None:
        new = self.group_combo.currentData() == self.NEW
        self.name_edit.setEnabled(new)
        if new:
            self.name_edit.setFocus()

    def collect(self) -> tuple[int | None, str]:
        group_id = self.group_combo.currentData()
        if group_id == self.NEW:
            return None, _free_group_name(self.name_edit.text(), self.taken)
        return int(group_id), ""


# -------------------------------------------------------------------------------------- filters


class MoreCustomerFiltersDialog(CrmFormDialog):
    """Ranges: last purchase date, total spend, order count."""

    def __init__(self, current: CustomerFilter, today: date, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("更多筛选条件"), parent)
        self.current = current

        def date_row(value: date | None, default: date) -> tuple[QCheckBox, QDateEdit]:
            check = QCheckBox(self)
            edit = QDateEdit(self)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            shown = value or default
            edit.setDate(QDate(shown.year, shown.month, shown.day))
            check.setChecked(value is not None)
            edit.setEnabled(value is not None)
            check.toggled.connect(edit.setEnabled)
            return check, edit

        self.from_check, self.from_edit = date_row(current.last_order_from, date(today.year, 1, 1))
        self.to_check, self.to_edit = date_row(current.last_order_to, today)
        dates = QGridLayout()
        dates.addWidget(self.from_check, 0, 0)
        dates.addWidget(self.from_edit, 0, 1)
        dates.addWidget(QLabel(self.tr("至")), 0, 2)
        dates.addWidget(self.to_check, 0, 3)
        dates.addWidget(self.to_edit, 0, 4)
        self.form.addRow(self.tr("最近购买"), dates)

        def money(value: int | None) -> QDoubleSpinBox:
            spin = QDoubleSpinBox(self)
            spin.setRange(-1, MAX_SPIN)
            spin.setDecimals(2)
            spin.setPrefix("¥")
            spin.setSpecialValueText(self.tr("不限"))
            spin.setValue(-1 if value is None else value / 100)
            return spin

        self.min_spent, self.max_spent = money(current.min_spent_cents), money(current.max_spent_cents)
        spent = QHBoxLayout()
        spent.addWidget(self.min_spent)
        spent.addWidget(QLabel(self.tr("至")))
        spent.addWidget(self.max_spent)
        self.form.addRow(self.tr("累计消费"), spent)

        def count(value: int | None) -> QSpinBox:
            spin = QSpinBox(self)
            spin.setRange(-1, 100_000)
            spin.setSpecialValueText(self.tr("不限"))
            spin.setValue(-1 if value is None else value)
            return spin

        self.min_orders, self.max_orders = count(current.min_orders), count(current.max_orders)
        orders = QHBoxLayout()
        orders.addWidget(self.min_orders)
        orders.addWidget(QLabel(self.tr("至")))
        orders.addWidget(self.max_orders)
        self.form.addRow(self.tr("订单数"), orders)

    def collect(self) -> CustomerFilter:
        def cents(spin: QDoubleSpinBox) -> int | None:
            return None if spin.value() < 0 else round(spin.value() * 100)

        def whole(spin: QSpinBox) -> int | None:
            return None if spin.value() < 0 else spin.value()

        def day(check: QCheckBox, edit: QDateEdit) -> date | None:
            return edit.date().toPython() if check.isChecked() else None  # type: ignore[return-value]

        return replace(
            self.current,
            last_order_from=day(self.from_check, self.from_edit),
            last_order_to=day(self.to_check, self.to_edit),
            min_spent_cents=cents(self.min_spent),
            max_spent_cents=cents(self.max_spent),
            min_orders=whole(self.min_orders),
            max_orders=whole(self.max_orders),
        ).validated()


# ------------------------------------------------------------------------------------- profile


class ProfileEditDialog(CrmFormDialog):
    def __init__(self, customer: Customer, style: str, size: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑客户资料"), parent)
        self.name_edit = QLineEdit(customer.name, self)
        self.name_edit.setMaxLength(MAX_NAME)
        self.phone_edit = QLineEdit(customer.phone, self)
        self.phone_edit.setPlaceholderText(self.tr("11 位手机号"))
        self.gender_combo = QComboBox(self)
        self.gender_combo.addItem(self.tr("未知"), "")
        for value in GENDERS:
            self.gender_combo.addItem(gender_label(value), value)
        self.gender_combo.setCurrentIndex(max(0, self.gender_combo.findData(customer.gender)))
        self.city_edit = QLineEdit(customer.city, self)
        self.city_edit.setMaxLength(MAX_CITY)
        self.source_combo = QComboBox(self)
        for value in ("", *TRAFFIC_SOURCES):
            self.source_combo.addItem(source_label(value), value)
        self.source_combo.setCurrentIndex(max(0, self.source_combo.findData(customer.traffic_source)))
        self.level_combo = QComboBox(self)
        for value in ("", *MEMBER_LEVELS):
            self.level_combo.addItem(level_label(value), value)
        self.level_combo.setCurrentIndex(max(0, self.level_combo.findData(customer.member_level)))
        self.points_spin = QSpinBox(self)
        self.points_spin.setRange(0, MAX_SPIN)
        self.points_spin.setValue(customer.points)
        self.style_edit = QLineEdit(style, self)
        self.style_edit.setMaxLength(MAX_PREFERENCE_FIELD)
        self.style_edit.setPlaceholderText(self.tr("例如：通勤、宽松、法式"))
        self.size_edit = QLineEdit(size, self)
        self.size_edit.setMaxLength(MAX_PREFERENCE_FIELD)
        self.size_edit.setPlaceholderText(self.tr("例如：上衣M、裤子27"))
        self.preferences_edit = QPlainTextEdit(customer.preferences, self)
        self.preferences_edit.setFixedHeight(self.preferences_edit.fontMetrics().lineSpacing() * 3 + 14)
        for label, widget in (
            (self.tr("姓名"), self.name_edit),
            (self.tr("手机"), self.phone_edit),
            (self.tr("性别"), self.gender_combo),
            (self.tr("城市"), self.city_edit),
            (self.tr("来源"), self.source_combo),
            (self.tr("会员等级"), self.level_combo),
            (self.tr("积分"), self.points_spin),
            (self.tr("风格偏好"), self.style_edit),
            (self.tr("常穿尺码"), self.size_edit),
            (self.tr("偏好备注"), self.preferences_edit),
        ):
            self.form.addRow(label, widget)

    def collect(self) -> ProfileEdit:
        return ProfileEdit(
            name=self.name_edit.text().strip(),
            phone=self.phone_edit.text().strip(),
            gender=str(self.gender_combo.currentData()),
            city=self.city_edit.text().strip(),
            traffic_source=str(self.source_combo.currentData()),
            member_level=str(self.level_combo.currentData()),
            points=self.points_spin.value(),
            preferences=self.preferences_edit.toPlainText().strip(),
            style=self.style_edit.text().strip(),
            size=self.size_edit.text().strip(),
        ).validated()


class FollowUpScheduleDialog(CrmFormDialog):
    """Plan a follow-up by hand."""

    def __init__(self, templates: Sequence[CareTemplate], today: date, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("安排回访"), parent)
        self.date_edit = QDateEdit(self)
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        tomorrow = QDate(today.year, today.month, today.day).addDays(1)
        self.date_edit.setDate(tomorrow)
        self.reason_edit = QLineEdit(self.tr("电话回访"), self)
        self.reason_edit.setMaxLength(MAX_REASON)
        self.template_combo = QComboBox(self)
        self.template_combo.addItem(self.tr("（不用话术）"), None)
        for template in templates:
            self.template_combo.addItem(template.name, template.id)
        self.form.addRow(self.tr("回访日期"), self.date_edit)
        self.form.addRow(self.tr("回访原因"), self.reason_edit)
        self.form.addRow(self.tr("关怀话术"), self.template_combo)

    def collect(self) -> tuple[datetime, str, int | None]:
        day: date = self.date_edit.date().toPython()  # type: ignore[assignment]
        template = self.template_combo.currentData()
        return datetime.combine(day, time(9, 0)), self.reason_edit.text().strip(), template


# ------------------------------------------------------------------------------------------ care


class CareDialog(CrmFormDialog):
    """Send a care message from a template; the preview shows it filled in for one customer."""

    preview_requested = Signal(str)
    """The chosen template changed; carries its text (the page renders it for one customer)."""

    def __init__(self, templates: Sequence[CareTemplate], count: int, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("发送关怀消息"), parent)
        self.setMinimumWidth(480)
        self.body.insertWidget(
            0, _muted(self.tr("消息会发到 {n} 位客户的聊天窗口，并记入回访，等待记录结果。").format(n=count))
        )
        self.template_combo = QComboBox(self)
        for template in templates:
            self.template_combo.addItem(template.name, template.id)
        self.template_text = {t.id: t.text for t in templates}
        self.preview_label = QLabel(self)
        self.preview_label.setObjectName("warningStrip")
        self.preview_label.setWordWrap(True)
        self.preview_label.setTextFormat(Qt.TextFormat.PlainText)
        self.form.addRow(self.tr("话术"), self.template_combo)
        self.form.addRow(self.tr("预览"), self.preview_label)
        self.ok_button.setText(self.tr("发送"))
        self.template_combo.currentIndexChanged.connect(lambda _i: self.refresh_preview())

    def refresh_preview(self) -> None:
        template_id = self.template_combo.currentData()
        text = self.template_text.get(template_id, "") if isinstance(template_id, int) else ""
        self.preview_label.setText(text)
        if text:
            self.preview_requested.emit(text)

    def show_preview(self, text: str) -> None:
        self.preview_label.setText(text)

    def collect(self) -> int:
        template_id = self.template_combo.currentData()
        if not isinstance(template_id, int):
            raise DomainError("template.missing")
        return template_id


class CareMessageDialog(CrmFormDialog):
    """The care message of one follow-up, editable before sending."""

    def __init__(self, nick: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("发送关怀：{nick}").format(nick=nick), parent)
        self.setMinimumWidth(460)
        self.text_edit = QPlainTextEdit(text, self)
        self.text_edit.setPlaceholderText(self.tr("写给客户的话…"))
        self.text_edit.setFixedHeight(self.text_edit.fontMetrics().lineSpacing() * 5 + 16)
        self.form.addRow(self.tr("消息"), self.text_edit)
        self.ok_button.setText(self.tr("发送"))

    def collect(self) -> str:
        text = self.text_edit.toPlainText().strip()
        if not text:
            raise DomainError("template.empty")
        return text


class OutcomeDialog(CrmFormDialog):
    def __init__(self, nick: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("记录回访结果：{nick}").format(nick=nick), parent)
        self.outcomes = QButtonGroup(self)
        row = QHBoxLayout()
        for i, outcome in enumerate(FollowUpOutcome):
            button = QRadioButton(outcome_label(outcome), self)
            button.setProperty("outcome", outcome.value)
            self.outcomes.addButton(button, i)
            row.addWidget(button)
            if i == 0:
                button.setChecked(True)
        row.addStretch(1)
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setPlaceholderText(self.tr("客户怎么说、后续要做什么…"))
        self.note_edit.setFixedHeight(self.note_edit.fontMetrics().lineSpacing() * 3 + 14)
        self.form.addRow(self.tr("结果"), row)
        self.form.addRow(self.tr("记录"), self.note_edit)

    def choose(self, outcome: FollowUpOutcome) -> None:
        for button in self.outcomes.buttons():
            if button.property("outcome") == outcome.value:
                button.setChecked(True)

    def collect(self) -> tuple[FollowUpOutcome, str]:
        checked: QAbstractButton | None = self.outcomes.checkedButton()
        value = checked.property("outcome") if checked is not None else FollowUpOutcome.SATISFIED.value
        note = self.note_edit.toPlainText().strip()
        # The service refuses it too, but only after the dialog (and the typed note) is gone.
        if len(note) > MAX_FOLLOWUP_NOTE:
            raise DomainError("followup.note_too_long", field="note", limit=MAX_FOLLOWUP_NOTE)
        return FollowUpOutcome(str(value)), note


class CareTemplateDialog(CrmFormDialog):
    """A care template with buttons that insert placeholders."""

    def __init__(self, template: CareTemplate | None, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("编辑关怀话术") if template else self.tr("新建关怀话术"), parent)
        self.setMinimumWidth(520)
        self.name_edit = QLineEdit(template.name if template else "", self)
        self.text_edit = QPlainTextEdit(template.text if template else "", self)
        self.text_edit.setFixedHeight(self.text_edit.fontMetrics().lineSpacing() * 5 + 16)
        chips = QHBoxLayout()
        chips.setSpacing(4)
        for name in PLACEHOLDERS:
            button = QPushButton("{" + name + "}", self)
            button.setObjectName("link")
            button.setToolTip(self.tr("插入占位符"))
            button.clicked.connect(lambda _checked=False, n=name: self.text_edit.insertPlainText("{" + n + "}"))
            chips.addWidget(button)
        chips.addStretch(1)
        self.form.addRow(self.tr("名称"), self.name_edit)
        self.form.addRow(self.tr("内容"), self.text_edit)
        self.form.addRow(self.tr("占位符"), chips)

    def collect(self) -> tuple[str, str]:
        return clean_template(self.name_edit.text(), self.text_edit.toPlainText())


class FollowUpRuleDialog(CrmFormDialog):
    def __init__(
        self, rule: FollowUpRule | None, templates: Sequence[CareTemplate], parent: QWidget | None = None
    ) -> None:
        super().__init__(self.tr("编辑回访规则") if rule else self.tr("新建回访规则"), parent)
        self.rule_id = rule.id if rule else 0
        self.name_edit = QLineEdit(rule.name if rule else self.tr("签收后回访"), self)
        self.trigger_combo = QComboBox(self)
        for trigger in RuleTrigger:
            self.trigger_combo.addItem(trigger_label(trigger), trigger.value)
        if rule:
            self.trigger_combo.setCurrentIndex(self.trigger_combo.findData(rule.trigger.value))
        self.min_spin = QSpinBox(self)
        self.min_spin.setRange(0, 365)
        self.min_spin.setValue(rule.min_days if rule else 1)
        self.max_spin = QSpinBox(self)
        self.max_spin.setRange(0, 365)
        self.max_spin.setValue(rule.max_days if rule else 3)
        days = QHBoxLayout()
        days.addWidget(self.min_spin)
        days.addWidget(QLabel(self.tr("至")))
        days.addWidget(self.max_spin)
        days.addWidget(QLabel(self.tr("天")))
        days.addStretch(1)
        self.hint = _muted("")
        self.template_combo = QComboBox(self)
        self.template_combo.addItem(self.tr("（不用话术）"), None)
        for template in templates:
            self.template_combo.addItem(template.name, template.id)
        if rule and rule.template_id is not None:
            self.template_combo.setCurrentIndex(max(0, self.template_combo.findData(rule.template_id)))
        self.enabled_check = QCheckBox(self.tr("启用"), self)
        self.enabled_check.setChecked(rule.enabled if rule else True)
        self.form.addRow(self.tr("名称"), self.name_edit)
        self.form.addRow(self.tr("触发"), self.trigger_combo)
        self.form.addRow(self.tr("天数"), days)
        self.form.addRow("", self.hint)
        self.form.addRow(self.tr("关怀话术"), self.template_combo)
        self.form.addRow("", self.enabled_check)
        self.trigger_combo.currentIndexChanged.connect(self._hint)
        self._hint()

    def _hint(self) -> None:
        if self.trigger_combo.currentData() == RuleTrigger.SIGNED.value:
            self.hint.setText(self.tr("订单签收后第 N 至 M 天内安排回访，每个订单只安排一次。"))
        else:
            self.hint.setText(self.tr("流失预警客户在 N 天后回访；M 天内不重复安排。"))

    def collect(self) -> FollowUpRule:
        template = self.template_combo.currentData()
        return FollowUpRule(
            id=self.rule_id,
            name=self.name_edit.text(),
            trigger=RuleTrigger(str(self.trigger_combo.currentData())),
            min_days=self.min_spin.value(),
            max_days=self.max_spin.value(),
            template_id=template if isinstance(template, int) else None,
            enabled=self.enabled_check.isChecked(),
        ).validated()


# --------------------------------------------------------------------------------------- segments


class RfmSettingsDialog(CrmFormDialog):
    """RFM thresholds, segment rules and member-level thresholds."""

    def __init__(self, settings: RfmSettings, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("分层规则"), parent)
        self.setMinimumWidth(560)

        def spins(values: Sequence[int], suffix: str, scale: float = 1.0) -> list[QSpinBox]:
            out = []
            for v in values:
                spin = QSpinBox(self)
                spin.setRange(1, MAX_SPIN)
                spin.setSuffix(suffix)
                spin.setValue(round(v / scale))
                out.append(spin)
            return out

        def row(widgets: Sequence[QWidget]) -> QHBoxLayout:
            layout = QHBoxLayout()
            for w in widgets:
                layout.addWidget(w)
            layout.addStretch(1)
            return layout

        day, times, yuan_ = self.tr(" 天"), self.tr(" 次"), self.tr(" 元")
        self.recency = spins(settings.recency_days, day)
        self.frequency = spins(settings.frequency_orders, times)
        self.monetary = spins(settings.monetary_cents, yuan_, 100)
        self.new_days, self.at_risk_days, self.churned_days = spins(
            (settings.new_days, settings.at_risk_days, settings.churned_days), day
        )
        self.high_orders = spins((settings.high_value_orders,), times)[0]
        self.high_cents = spins((settings.high_value_cents,), yuan_, 100)[0]
        self.levels = spins(settings.level_cents, yuan_, 100)
        self.body.insertWidget(0, _muted(self.tr("R：最近一次购买距今；F：购买次数；M：累计消费。分数 5 分最好。")))
        self.form.addRow(self.tr("R 得 5/4/3/2 分（天内）"), row(self.recency))
        self.form.addRow(self.tr("F 得 2/3/4/5 分（次起）"), row(self.frequency))
        self.form.addRow(self.tr("M 得 2/3/4/5 分（元起）"), row(self.monetary))
        self.form.addRow(self.tr("新客：首购在"), row([self.new_days, QLabel(self.tr("内"))]))
        self.form.addRow(self.tr("流失预警：超过"), row([self.at_risk_days, QLabel(self.tr("未购买"))]))
        self.form.addRow(self.tr("已流失：超过"), row([self.churned_days, QLabel(self.tr("未购买"))]))
        self.form.addRow(self.tr("高价值：至少"), row([self.high_orders, QLabel(self.tr("且累计")), self.high_cents]))
        self.form.addRow(self.tr("银卡 / 金卡 / 钻石 门槛"), row(self.levels))

    def collect(self) -> RfmSettings:
        return RfmSettings(
            recency_days=tuple(s.value() for s in self.recency),
            frequency_orders=tuple(s.value() for s in self.frequency),
            monetary_cents=tuple(s.value() * 100 for s in self.monetary),
            new_days=self.new_days.value(),
            at_risk_days=self.at_risk_days.value(),
            churned_days=self.churned_days.value(),
            high_value_orders=self.high_orders.value(),
            high_value_cents=self.high_cents.value() * 100,
            level_cents=tuple(s.value() * 100 for s in self.levels),
        ).validated()


class GroupNameDialog(CrmFormDialog):
    """Rename a group."""

    def __init__(
        self, title: str, label: str, current: str, parent: QWidget | None = None, taken: Collection[str] = ()
    ) -> None:
        super().__init__(title, parent)
        self.taken = set(taken) - {current}
        self.name_edit = QLineEdit(current, self)
        self.name_edit.selectAll()
        self.form.addRow(label, self.name_edit)

    def collect(self) -> str:
        return _free_group_name(self.name_edit.text(), self.taken)


def _free_group_name(text: str, taken: Collection[str]) -> str:
    name = clean_group_name(text)
    if name in taken:
        raise DomainError("group.exists", field="name", name=name)
    return name
