"""子账号与分流: sub-accounts with roles, the 分流 permission and a capacity; reception groups; how
new customers are shared out."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.bot import clean_keywords
from workbench.domain.errors import DomainError
from workbench.domain.identity import Role, assignable_roles
from workbench.domain.routing import (
    DEFAULT_CAPACITY,
    MAX_CAPACITY,
    MIN_CAPACITY,
    AgentRole,
    ReceptionGroup,
    RoutingConfig,
    RoutingStrategy,
    SubAccount,
)
from workbench.domain.shops import AgentStatus
from workbench.services.routing import AccountForm, RoutingService, account_problems
from workbench.ui.bot.common import (
    FieldErrors,
    FormGrid,
    Section,
    dialog_buttons,
    error_label,
    fill_tab,
    hbox,
    muted,
    page_column,
)
from workbench.ui.bot.labels import agent_status_label, bot_error_text, role_label, routing_label
from workbench.ui.bot.models import Column, R, RecordTableModel
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.guard import while_alive

# colour roles of the theme
STATUS_ROLES = {AgentStatus.ONLINE: "success_text", AgentStatus.BUSY: "warning", AgentStatus.OFFLINE: "text_muted"}


class FormDialog(QDialog):
    """A form in a dialog: problems show beside their fields, the others in `status` above the
    Save / Cancel buttons. Subclasses build their rows, then call `add_buttons`; Save calls `submit`."""

    def __init__(self, min_width: int, parent: QWidget | None) -> None:
        super().__init__(parent)
        scope(self, "sidebar", "bot")
        self.setMinimumWidth(min_width)
        self.errors = FieldErrors(bot_error_text)
        self.status = error_label()

    def add_buttons(self, layout: QVBoxLayout, save_text: str, cancel_text: str) -> None:
        layout.addWidget(self.status)
        save = QDialogButtonBox.StandardButton.Save
        self.buttons = dialog_buttons(self, save, save_text, cancel_text, self.submit)
        layout.addWidget(self.buttons)

    def submit(self) -> None:
        raise NotImplementedError

    def show_problems(self, problems: list[DomainError]) -> None:
        """Show the problems and let the user press Save again (the tab also calls this when saving failed)."""
        self.buttons.setEnabled(True)
        loose = self.errors.show(problems)
        self.status.setText(" ".join(loose))
        self.status.setVisible(bool(loose))


class AccountDialog(FormDialog):
    """New or edit a sub-account; `submitted` carries the form, the tab saves it and closes us."""

    submitted = Signal(object)
    """The user pressed Save with a form that passed the checks (an AccountForm)."""

    def __init__(
        self,
        groups: Sequence[ReceptionGroup],
        account: SubAccount | None = None,
        parent: QWidget | None = None,
        *,
        roles: Sequence[Role] = tuple(Role),
    ) -> None:
        """`roles`: the roles the desk's user may give (workbench.domain.identity.assignable_roles)."""
        super().__init__(460, parent)
        self.setWindowTitle(self.tr("编辑子账号") if account else self.tr("新建子账号"))
        layout = QVBoxLayout(self)
        grid = FormGrid()
        self.username = QLineEdit(account.username if account else "")
        self.username.setPlaceholderText(self.tr("例如：南栀女装旗舰店:小美"))
        self.username.setEnabled(account is None)
        grid.add_row(self.tr("账号名"), self.username, self.errors.add("username", error_label(), self.username))
        self.display_name = QLineEdit(account.display_name if account else "")
        self.display_name.setPlaceholderText(self.tr("聊天里显示的名字"))
        grid.add_row(
            self.tr("昵称"), self.display_name, self.errors.add("display_name", error_label(), self.display_name)
        )
        self.role = QComboBox()
        for role in AgentRole:
            if role in roles or (account is not None and role is account.role):
                self.role.addItem(role_label(role), role.value)
        if account:
            self.role.setCurrentIndex(self.role.findData(account.role.value))
        else:  # a new account: a 客服 in a shop, a student in a class
            agent = self.role.findData(AgentRole.AGENT.value)
            self.role.setCurrentIndex(agent if agent >= 0 else self.role.count() - 1)
        grid.add_row(self.tr("角色"), self.role)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("至少 8 个字符；留空则暂时不能登录共享数据库"))
        if account is None:  # a new account's first password (later ones: workbench admin set-password)
            grid.add_row(self.tr("初始密码"), self.password, self.errors.add("password", error_label(), self.password))
        self.can_route = QCheckBox(self.tr("开通「分流」权限：可以分到新进店的买家"))
        self.can_route.setChecked(account.can_route if account else True)
        grid.add_row(self.tr("分流权限"), self.can_route)
        self.capacity = QSpinBox()
        self.capacity.setRange(MIN_CAPACITY, MAX_CAPACITY)
        self.capacity.setValue(account.capacity if account else DEFAULT_CAPACITY)
        self.capacity.setSuffix(self.tr(" 个会话"))
        grid.add_row(
            self.tr("接待上限"),
            hbox(self.capacity, muted(self.tr("达到后自动挂起")), 1),
            self.errors.add("capacity", error_label(), self.capacity),
        )
        self.simulated = QCheckBox(self.tr("模拟同事（课堂练习：程序扮演这位客服，自动接待分给他的买家）"))
        self.simulated.setChecked(account.simulated if account else False)
        grid.add_row(self.tr("模拟同事"), self.simulated)
        self.group_boxes: dict[int, QCheckBox] = {}
        group_column = QVBoxLayout()
        group_column.setSpacing(2)
        for group in groups:
            box = QCheckBox(group.name)
            box.setChecked(account is not None and group.id in account.group_ids)
            self.group_boxes[group.id] = box
            group_column.addWidget(box)
        if not groups:
            group_column.addWidget(muted(self.tr("还没有接待组")))
        grid.add_row(self.tr("接待组"), group_column)
        layout.addLayout(grid)
        self.add_buttons(layout, self.tr("保存"), self.tr("取消"))

    def form(self) -> AccountForm:
        return AccountForm(
            username=self.username.text(),
            display_name=self.display_name.text(),
            role=AgentRole(self.role.currentData()),
            can_route=self.can_route.isChecked(),
            capacity=self.capacity.value(),
            simulated=self.simulated.isChecked(),
            group_ids=tuple(gid for gid, box in self.group_boxes.items() if box.isChecked()),
            password=self.password.text() if self.username.isEnabled() else "",
        )

    def submit(self) -> None:
        form = self.form()
        problems = account_problems(form)
        if not self.username.isEnabled():
            problems = [p for p in problems if p.field != "username"]
        if problems:
            self.show_problems(problems)
            return
        self.errors.clear()
        self.buttons.setEnabled(False)
        self.submitted.emit(form)


class GroupDialog(FormDialog):
    """New or edit a reception group: name, keywords of the customers it takes, members."""

    submitted = Signal(str, object, object)
    """Save pressed: name, keywords (tuple of str), member agent ids (tuple of int)."""

    def __init__(
        self, accounts: Sequence[SubAccount], group: ReceptionGroup | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(440, parent)
        self.setWindowTitle(self.tr("编辑接待组") if group else self.tr("新建接待组"))
        layout = QVBoxLayout(self)
        grid = FormGrid()
        self.name = QLineEdit(group.name if group else "")
        self.name.setPlaceholderText(self.tr("例如：售后组"))
        grid.add_row(self.tr("名称"), self.name, self.errors.add("name", error_label(), self.name))
        self.keywords = QLineEdit(" ".join(group.keywords) if group else "")
        self.keywords.setPlaceholderText(self.tr("例如：退货 退款 维修 换货"))
        grid.add_row(self.tr("分组关键词"), self.keywords, self.errors.add("keywords", error_label(), self.keywords))
        layout.addLayout(grid)
        layout.addWidget(muted(self.tr("买家的第一句话含这些词时分到本组；不填关键词的组接待其余买家。")))
        self.member_boxes: dict[int, QCheckBox] = {}
        members = Section(self.tr("组员"))
        for account in accounts:
            box = QCheckBox(f"{account.display_name}（{role_label(account.role)}）")
            box.setChecked(group is not None and account.id in group.agent_ids)
            self.member_boxes[account.id] = box
            members.body.addWidget(box)
        layout.addWidget(members)
        self.add_buttons(layout, self.tr("保存"), self.tr("取消"))

    def submit(self) -> None:
        if not self.name.text().strip():
            self.show_problems([DomainError("group.name_empty", field="name")])
            return
        self.errors.clear()
        self.buttons.setEnabled(False)
        members = tuple(aid for aid, box in self.member_boxes.items() if box.isChecked())
        self.submitted.emit(self.name.text(), clean_keywords(self.keywords.text()), members)


class AccountsTab(QWidget):
    loaded = Signal()
    """Accounts, groups and the 分流 settings are on screen."""

    saved = Signal()
    """An account, a group or the 分流 settings changed and were saved."""

    def __init__(
        self,
        tasks: Tasks,
        service: RoutingService,
        desk_agent_id: int,
        parent: QWidget | None = None,
        *,
        desk_role: Role = Role.OWNER,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._service = service
        self._desk_agent_id = desk_agent_id
        self._roles = assignable_roles(desk_role)  # the service checks them too
        self._groups: list[ReceptionGroup] = []
        self.dialog: QDialog | None = None
        content, column = page_column()

        routing = Section(
            self.tr("分流设置"),
            self.tr("开启后，每位新进店的买家按规则分给一位在线且未挂起的客服，进入他的「待接待」。"),
        )
        self.enabled = QCheckBox(self.tr("开启分流"))
        self.strategy = QComboBox()
        for strategy in RoutingStrategy:
            self.strategy.addItem(routing_label(strategy), strategy.value)
        self.by_group = QCheckBox(self.tr("按接待组分配"))
        self.auto_suspend = QCheckBox(self.tr("达到接待上限自动挂起，接待数下降后自动恢复在线"))
        self.overflow = QCheckBox(self.tr("组内无人可接时分给其他客服"))
        routing.body.addLayout(hbox(self.enabled, self.strategy, 1, spacing=16))
        routing.body.addWidget(self.by_group)
        routing.body.addWidget(self.overflow)
        routing.body.addWidget(self.auto_suspend)
        self.routing_status = QLabel()
        self.routing_status.setObjectName("statusLine")
        self.save_routing_button = QPushButton(self.tr("保存分流设置"))
        self.save_routing_button.setObjectName("primary")
        self.save_routing_button.clicked.connect(self.save_routing)
        routing.body.addLayout(hbox(self.routing_status, 1, self.save_routing_button))
        column.addWidget(routing)

        accounts = Section(self.tr("子账号"))
        self.account_model: RecordTableModel[SubAccount] = RecordTableModel(
            [
                Column(self.tr("账号"), lambda a: a.username),
                Column(self.tr("昵称"), lambda a: a.display_name),
                Column(self.tr("角色"), lambda a: role_label(a.role)),
                Column(
                    self.tr("状态"),
                    lambda a: agent_status_label(a.status) + (self.tr("（满额）") if a.auto_suspended else ""),
                    foreground=lambda a: STATUS_ROLES[a.status],
                ),
                Column(self.tr("分流"), lambda a: self.tr("已开通") if a.can_route else self.tr("未开通")),
                Column(self.tr("接待中/上限"), lambda a: f"{a.open_chats}/{a.capacity}"),
                Column(self.tr("接待组"), lambda a: self._group_names(a.group_ids)),
                Column(self.tr("模拟同事"), lambda a: self.tr("是") if a.simulated else ""),
            ],
            key=lambda a: a.id,
            parent=self,
        )
        self.account_view = self._table(self.account_model)
        self.account_view.doubleClicked.connect(lambda _i: self.edit_account())
        accounts.body.addWidget(self.account_view)
        self.new_account_button = QPushButton(self.tr("新建子账号"))
        self.new_account_button.setObjectName("primary")
        self.new_account_button.clicked.connect(lambda: self.open_account_dialog(None))
        self.edit_account_button = QPushButton(self.tr("编辑"))
        self.edit_account_button.clicked.connect(self.edit_account)
        self.status_combo = QComboBox()
        for status in AgentStatus:
            self.status_combo.addItem(self.tr("设为{status}").format(status=agent_status_label(status)), status.value)
        self.apply_status_button = QPushButton(self.tr("更改状态"))
        self.apply_status_button.clicked.connect(self.apply_status)
        self.delete_account_button = QPushButton(self.tr("删除"))
        self.delete_account_button.clicked.connect(self.delete_account)
        accounts.body.addLayout(
            hbox(
                self.new_account_button,
                self.edit_account_button,
                self.status_combo,
                self.apply_status_button,
                1,
                self.delete_account_button,
            )
        )
        self.account_status = QLabel()
        self.account_status.setObjectName("statusLine")
        accounts.body.addWidget(self.account_status)
        column.addWidget(accounts)

        groups = Section(
            self.tr("接待组"), self.tr("例如「售后组」接待说到退货、退款、维修的买家，「售前组」接待其余买家。")
        )
        self.group_model: RecordTableModel[ReceptionGroup] = RecordTableModel(
            [
                Column(self.tr("名称"), lambda g: g.name),
                Column(self.tr("分组关键词"), lambda g: " ".join(g.keywords) or self.tr("（其余买家）")),
                Column(self.tr("组员"), lambda g: self._member_names(g.agent_ids)),
            ],
            key=lambda g: g.id,
            parent=self,
        )
        self.group_view = self._table(self.group_model)
        self.group_view.setFixedHeight(140)
        self.group_view.doubleClicked.connect(lambda _i: self.edit_group())
        groups.body.addWidget(self.group_view)
        self.new_group_button = QPushButton(self.tr("新建接待组"))
        self.new_group_button.clicked.connect(lambda: self.open_group_dialog(None))
        self.edit_group_button = QPushButton(self.tr("编辑"))
        self.edit_group_button.clicked.connect(self.edit_group)
        self.delete_group_button = QPushButton(self.tr("删除"))
        self.delete_group_button.clicked.connect(self.delete_group)
        groups.body.addLayout(hbox(self.new_group_button, self.edit_group_button, 1, self.delete_group_button))
        column.addWidget(groups)
        column.addStretch(1)
        fill_tab(self, content)

    def _table(self, model: QAbstractItemModel) -> QTableView:
        view = QTableView()
        view.setModel(model)
        view.verticalHeader().hide()
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        view.setMinimumHeight(200)
        return view

    # -- loading ---------------------------------------------------------------------------------

    def load(self) -> None:
        service = self._service

        def job() -> tuple[RoutingConfig, list[SubAccount], list[ReceptionGroup]]:
            return service.config(), service.accounts(), service.groups()

        self._tasks.read(job, while_alive(self, self._on_loaded))

    def _on_loaded(self, result: tuple[RoutingConfig, list[SubAccount], list[ReceptionGroup]]) -> None:
        config, accounts, groups = result
        self._groups = groups
        self.enabled.setChecked(config.enabled)
        self.strategy.setCurrentIndex(self.strategy.findData(config.strategy.value))
        self.by_group.setChecked(config.by_group)
        self.auto_suspend.setChecked(config.auto_suspend)
        self.overflow.setChecked(config.overflow)
        selected = self._selected(self.account_view, self.account_model)
        self.account_model.set_records(accounts)
        self.group_model.set_records(groups)
        if selected is not None:
            row = self.account_model.row_of(selected.id)
            if row >= 0:
                self.account_view.selectRow(row)
        self.loaded.emit()

    def _group_names(self, ids: tuple[int, ...]) -> str:
        names = {g.id: g.name for g in self._groups}
        return "、".join(names[i] for i in ids if i in names)

    def _member_names(self, ids: tuple[int, ...]) -> str:
        names = {a.id: a.display_name for a in self.account_model.records()}
        return "、".join(names[i] for i in ids if i in names)

    @staticmethod
    def _selected(view: QTableView, model: RecordTableModel[R]) -> R | None:
        rows = view.selectionModel().selectedRows() if view.selectionModel() else []
        return model.record(rows[0].row()) if rows else None

    def select_account(self, username: str) -> bool:
        row = next((i for i, a in enumerate(self.account_model.records()) if a.username == username), -1)
        if row >= 0:
            self.account_view.selectRow(row)
        return row >= 0

    # -- 分流 settings ----------------------------------------------------------------------------

    def routing_form(self) -> RoutingConfig:
        return RoutingConfig(
            enabled=self.enabled.isChecked(),
            strategy=RoutingStrategy(self.strategy.currentData()),
            by_group=self.by_group.isChecked(),
            auto_suspend=self.auto_suspend.isChecked(),
            overflow=self.overflow.isChecked(),
        )

    def save_routing(self) -> None:
        config = self.routing_form()
        service = self._service
        self.save_routing_button.setEnabled(False)

        def done(_result: object) -> None:
            self.save_routing_button.setEnabled(True)
            self.routing_status.setText(self.tr("分流设置已保存。"))
            self.saved.emit()

        def failed(exc: BaseException) -> None:
            self.save_routing_button.setEnabled(True)
            self.routing_status.setText(bot_error_text(exc))

        self._tasks.write(lambda: service.save_config(config), while_alive(self, done), while_alive(self, failed))

    # -- accounts --------------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        """Show `dialog` without blocking the window; it is deleted once closed. Tests reach it as `self.dialog`."""
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        self.dialog = dialog
        dialog.open()

    def open_account_dialog(self, account: SubAccount | None) -> AccountDialog:
        dialog = AccountDialog(self._groups, account, self, roles=self._roles)
        dialog.submitted.connect(lambda form: self._save_account(dialog, account, form))
        self._open(dialog)
        return dialog

    def edit_account(self) -> AccountDialog | None:
        account = self._selected(self.account_view, self.account_model)
        if not isinstance(account, SubAccount):
            self.account_status.setText(self.tr("请先在表格里选中一个子账号。"))
            return None
        return self.open_account_dialog(account)

    def _save_account(self, dialog: AccountDialog, account: SubAccount | None, form: AccountForm) -> None:
        service = self._service

        def job() -> SubAccount:
            return service.update_account(account.id, form) if account else service.create_account(form)

        def done(saved: SubAccount) -> None:
            dialog.accept()
            self.account_status.setText(self.tr("子账号「{name}」已保存。").format(name=saved.display_name))
            self.saved.emit()
            self.load()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, DomainError):
                dialog.show_problems([exc])
            else:
                dialog.show_problems([])
                dialog.status.setText(bot_error_text(exc))
                dialog.status.show()

        self._tasks.write(job, while_alive(dialog, done), while_alive(dialog, failed))

    def apply_status(self) -> None:
        account = self._selected(self.account_view, self.account_model)
        if not isinstance(account, SubAccount):
            self.account_status.setText(self.tr("请先在表格里选中一个子账号。"))
            return
        status = AgentStatus(self.status_combo.currentData())
        service = self._service

        def done(_saved: object) -> None:
            self.account_status.setText(
                self.tr("「{name}」已设为{status}。").format(
                    name=account.display_name, status=agent_status_label(status)
                )
            )
            self.saved.emit()
            self.load()

        self._tasks.write(lambda: service.set_status(account.id, status), while_alive(self, done))

    def delete_account(self) -> None:
        account = self._selected(self.account_view, self.account_model)
        if not isinstance(account, SubAccount):
            self.account_status.setText(self.tr("请先在表格里选中一个子账号。"))
            return
        if account.id == self._desk_agent_id:
            self.account_status.setText(bot_error_text(DomainError("account.is_desk")))
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("删除子账号"),
            self.tr("删除「{name}」？他正在接待的会话会回到待接待。").format(name=account.display_name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("删除"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("取消"))
        service, desk = self._service, self._desk_agent_id

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Yes:
                self._tasks.write(lambda: service.delete_account(account.id, desk), while_alive(self, deleted))

        def deleted(_result: object) -> None:
            self.account_status.setText(self.tr("子账号「{name}」已删除。").format(name=account.display_name))
            self.saved.emit()
            self.load()

        box.finished.connect(answered)
        self._open(box)

    # -- groups ----------------------------------------------------------------------------------

    def open_group_dialog(self, group: ReceptionGroup | None) -> GroupDialog:
        dialog = GroupDialog(self.account_model.records(), group, self)
        dialog.submitted.connect(lambda name, words, members: self._save_group(dialog, group, name, words, members))
        self._open(dialog)
        return dialog

    def edit_group(self) -> GroupDialog | None:
        group = self._selected(self.group_view, self.group_model)
        if not isinstance(group, ReceptionGroup):
            self.account_status.setText(self.tr("请先选中一个接待组。"))
            return None
        return self.open_group_dialog(group)

    def _save_group(
        self,
        dialog: GroupDialog,
        group: ReceptionGroup | None,
        name: str,
        keywords: tuple[str, ...],
        members: tuple[int, ...],
    ) -> None:
        service = self._service

        def done(_saved: object) -> None:
            dialog.accept()
            self.saved.emit()
            self.load()

        def failed(exc: BaseException) -> None:
            dialog.show_problems([exc] if isinstance(exc, DomainError) else [])

        self._tasks.write(
            lambda: service.save_group(group.id if group else None, name, keywords, members),
            while_alive(dialog, done),
            while_alive(dialog, failed),
        )

    def delete_group(self) -> None:
        group = self._selected(self.group_view, self.group_model)
        if not isinstance(group, ReceptionGroup):
            return
        service = self._service

        def done(_result: object) -> None:
            self.saved.emit()
            self.load()

        self._tasks.write(lambda: service.delete_group(group.id), while_alive(self, done))
