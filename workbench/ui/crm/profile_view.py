"""客户档案: one customer's profile — identity, full phone, preferences, purchase statistics and RFM,
tags, groups — with a timeline of everything that happened, orders, chats and follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.domain.crm import VIP_TAG, Segment, TimelineEvent, is_official_tag
from workbench.domain.customers import Tag, masked_phone
from workbench.domain.orders import format_yuan
from workbench.services.crm import CrmProfile, CrmService
from workbench.services.customers import CustomerService
from workbench.ui.aftersales.texts import kind_label as case_kind_label
from workbench.ui.aftersales.texts import state_label as case_state_label
from workbench.ui.crm.labels import (
    SEGMENT_COLORS,
    crm_error_text,
    gender_label,
    level_color,
    level_label,
    outcome_label,
    segment_hint,
    segment_label,
    source_label,
    status_label,
    timeline_text,
)
from workbench.ui.customers.credit import CreditBadge
from workbench.ui.orders.states import state_label
from workbench.ui.tasks import Tasks
from workbench.ui.theme import scope
from workbench.ui.widgets.avatar import Avatar
from workbench.ui.widgets.card import Card
from workbench.ui.widgets.elided_label import ElidedLabel
from workbench.ui.widgets.flow_layout import FlowLayout
from workbench.ui.widgets.guard import while_alive
from workbench.ui.widgets.pill import Pill
from workbench.ui.widgets.style import adjusted_font
from workbench.ui.widgets.tag_chip import TagChip
from workbench.ui.widgets.tag_edit import TagEdit
from workbench.ui.widgets.timeline import Timeline

TIMELINE_SHOWN = 60  # entries drawn at first; 显示更多 adds more


class ClickableTagChip(TagChip):
    """A custom tag chip that can be clicked (its × still removes the tag)."""

    clicked = Signal(str)
    """The chip (not its ×) was clicked; carries the tag name."""

    def __init__(self, text: str, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()  # so the release comes here too (the label inside passes clicks up)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.text())
        event.accept()


class _Kpi(QWidget):
    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        self.value = QLabel("—", self)
        self.value.setObjectName("value")
        self.value.setFont(adjusted_font(self.font(), 3, bold=True))
        caption_label = QLabel(caption, self)
        caption_label.setObjectName("muted")
        layout.addWidget(self.value)
        layout.addWidget(caption_label)


class CustomerProfileView(QWidget):
    """Loads and shows one customer; tags and preferences are edited here and saved at once."""

    loaded = Signal(int)
    """A customer's profile is on screen; carries the customer id."""

    closed = Signal()
    """The user closed the profile."""

    tags_changed = Signal(int)
    """A tag was added to or removed from the customer; carries the customer id."""

    profile_edited = Signal(int)
    """The customer's details were saved; carries the customer id."""

    edit_requested = Signal(object)
    """The user asked to edit the details; carries the CrmProfile (the page opens the form)."""

    schedule_requested = Signal(int)
    """The user asked to plan a follow-up; carries the customer id."""

    care_requested = Signal(int)
    """The user asked to send a care message; carries the customer id."""

    tag_clicked = Signal(str)
    """A tag chip was clicked (show everyone with this tag); carries the tag name."""

    PAGE_EMPTY, PAGE_LOADING, PAGE_ERROR, PAGE_PROFILE = range(4)

    def __init__(
        self, tasks: Tasks, crm: CrmService, customers: CustomerService, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._crm = crm
        self._customers = customers
        self._customer_id: int | None = None
        self._profile: CrmProfile | None = None
        self._library: list[Tag] = []
        self._generation = 0
        self._timeline_shown = TIMELINE_SHOWN
        self.setObjectName("crmProfile")
        scope(self, "sidebar")
        self.setMinimumWidth(360)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pages = QStackedWidget(self)
        layout.addWidget(self.pages)
        self.pages.addWidget(self._message(self.tr("在左侧列表中选择一位客户，查看档案。")))
        self.pages.addWidget(self._message(self.tr("正在加载客户档案…")))
        self.error_label = QLabel(self)
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        error_page = self._message("")
        error_layout = error_page.layout()
        assert isinstance(error_layout, QVBoxLayout)
        error_layout.insertWidget(1, self.error_label)
        self.pages.addWidget(error_page)
        self.pages.addWidget(self._profile_page())

    # -- public --------------------------------------------------------------------------------

    def customer_id(self) -> int | None:
        return self._customer_id

    def profile(self) -> CrmProfile | None:
        return self._profile

    def show_customer(self, customer_id: int | None) -> None:
        self._generation += 1
        generation = self._generation
        self._customer_id = customer_id
        if customer_id is None:
            self._profile = None
            self.pages.setCurrentIndex(self.PAGE_EMPTY)
            return
        if self._profile is None or self._profile.customer.id != customer_id:
            self.pages.setCurrentIndex(self.PAGE_LOADING)
            self._timeline_shown = TIMELINE_SHOWN
        crm, customers = self._crm, self._customers

        def job() -> tuple[CrmProfile, list[Tag]]:
            return crm.profile(customer_id), customers.tag_library()

        self._tasks.read(
            job,
            while_alive(self, lambda result: self._on_loaded(generation, *result)),
            while_alive(self, lambda exc: self._on_failed(generation, exc)),
        )

    def reload(self) -> None:
        self.show_customer(self._customer_id)

    # -- building ------------------------------------------------------------------------------

    def _message(self, text: str) -> QWidget:
        page = QWidget()
        page.setObjectName("sidebarPage")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(1)
        if text:
            label = QLabel(text)
            label.setObjectName("emptyTitle")
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(2)
        return page

    def _profile_page(self) -> QWidget:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        content.setObjectName("sidebarPage")
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        layout.addWidget(self._header_card())
        layout.addWidget(self._details_card())
        layout.addWidget(self._tags_card())
        layout.addWidget(self._history_card(), 1)
        scroll.setWidget(content)
        self.scroll_area = scroll
        return scroll

    def _header_card(self) -> Card:
        card = Card()
        top = QHBoxLayout()
        top.setSpacing(10)
        self.avatar = Avatar(size=46)
        top.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(3)
        self.nick_label = ElidedLabel()
        self.nick_label.setObjectName("value")
        self.nick_label.setFont(adjusted_font(self.font(), 4, bold=True))
        self.nick_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        titles.addWidget(self.nick_label)
        marks = QHBoxLayout()
        marks.setSpacing(6)
        self.credit_badge = CreditBadge()
        marks.addWidget(self.credit_badge)
        self.vip_badge = QLabel(VIP_TAG)
        self.vip_badge.setObjectName("vipBadge")
        self.vip_badge.setFont(adjusted_font(self.font(), -1, bold=True))
        marks.addWidget(self.vip_badge)
        self.level_pill = Pill()
        marks.addWidget(self.level_pill)
        self.segment_pill = Pill()
        marks.addWidget(self.segment_pill)
        marks.addStretch(1)
        titles.addLayout(marks)
        top.addLayout(titles, 1)
        self.close_button = QPushButton("×")
        self.close_button.setObjectName("link")
        self.close_button.setToolTip(self.tr("关闭档案"))
        self.close_button.setAccessibleName(self.tr("关闭档案"))
        self.close_button.setFont(adjusted_font(self.font(), 6))
        self.close_button.clicked.connect(self.closed)
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        card.body.addLayout(top)

        kpis = QHBoxLayout()
        kpis.setSpacing(8)
        self.orders_kpi = _Kpi(self.tr("购买次数"))
        self.spent_kpi = _Kpi(self.tr("累计消费"))
        self.average_kpi = _Kpi(self.tr("客单价"))
        self.last_kpi = _Kpi(self.tr("最近购买"))
        for kpi in (self.orders_kpi, self.spent_kpi, self.average_kpi, self.last_kpi):
            kpis.addWidget(kpi, 1)
        card.body.addLayout(kpis)
        self.rfm_label = QLabel()
        self.rfm_label.setObjectName("secondary")
        self.rfm_label.setWordWrap(True)
        card.body.addWidget(self.rfm_label)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.care_button = QPushButton(self.tr("发送关怀"))
        self.care_button.setObjectName("primary")
        self.care_button.clicked.connect(self._request_care)
        self.schedule_button = QPushButton(self.tr("安排回访"))
        self.schedule_button.clicked.connect(self._request_schedule)
        self.edit_button = QPushButton(self.tr("编辑资料"))
        self.edit_button.clicked.connect(lambda: self.edit_requested.emit(self._profile) if self._profile else None)
        for button in (self.care_button, self.schedule_button, self.edit_button):
            actions.addWidget(button)
        actions.addStretch(1)
        card.body.addLayout(actions)
        return card

    def _request_care(self) -> None:
        if self._customer_id is not None:
            self.care_requested.emit(self._customer_id)

    def _request_schedule(self) -> None:
        if self._customer_id is not None:
            self.schedule_requested.emit(self._customer_id)

    def _show_masked_phone(self, phone: str) -> None:
        """Masked, as everywhere; a 查看 link shows the full number (the look is recorded)."""
        label = self.fields["phone"]
        if len(phone) < 7:  # nothing hidden
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setText(phone or "—")
            return
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setText(f'{masked_phone(phone)}&nbsp;&nbsp;<a href="reveal">{self.tr("查看")}</a>')

    def _reveal_phone(self, _link: str) -> None:
        customer_id, generation = self._customer_id, self._generation
        if customer_id is None:
            return

        def show(phone: str) -> None:
            if generation == self._generation:
                self.fields["phone"].setTextFormat(Qt.TextFormat.PlainText)
                self.fields["phone"].setText(phone)

        self._tasks.write(lambda: self._customers.reveal_phone(customer_id), while_alive(self, show))

    def _details_card(self) -> Card:
        card = Card(self.tr("基本信息"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.fields: dict[str, QLabel] = {}
        rows = (
            ("name", self.tr("姓名"), "phone", self.tr("手机")),
            ("gender", self.tr("性别"), "city", self.tr("城市")),
            ("source", self.tr("来源"), "points", self.tr("积分")),
            ("registered", self.tr("注册"), "birthday", self.tr("生日")),
            ("style", self.tr("风格"), "size", self.tr("尺码")),
            ("body", self.tr("身材"), "groups", self.tr("分组")),
        )
        for r, (k1, l1, k2, l2) in enumerate(rows):
            for c, (key, label) in enumerate(((k1, l1), (k2, l2))):
                name = QLabel(label)
                name.setObjectName("fieldLabel")
                value = QLabel()
                value.setObjectName("value")
                value.setWordWrap(True)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                grid.addWidget(name, r, c * 2)
                grid.addWidget(value, r, c * 2 + 1)
                self.fields[key] = value
        self.fields["phone"].setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.fields["phone"].linkActivated.connect(self._reveal_phone)
        card.body.addLayout(grid)
        self.preferences_label = QLabel()
        self.preferences_label.setObjectName("secondary")
        self.preferences_label.setWordWrap(True)
        self.preferences_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        card.body.addWidget(self.preferences_label)
        return card

    def _tags_card(self) -> Card:
        card = Card(self.tr("标签"))
        self.tag_flow = FlowLayout()
        holder = QWidget()
        holder.setLayout(self.tag_flow)
        card.body.addWidget(holder)
        self.tag_edit = TagEdit()
        self.tag_edit.tag_entered.connect(self._add_tag)
        card.body.addWidget(self.tag_edit)
        return card

    def _history_card(self) -> Card:
        card = Card()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        timeline_page = QWidget()
        timeline_layout = QVBoxLayout(timeline_page)
        timeline_layout.setContentsMargins(4, 8, 4, 4)
        self.timeline = Timeline()
        timeline_layout.addWidget(self.timeline)
        self.more_button = QPushButton(self.tr("显示更早的记录"))
        self.more_button.setObjectName("link")
        self.more_button.clicked.connect(self._more_timeline)
        timeline_layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignHCenter)
        timeline_layout.addStretch(1)
        self.tabs.addTab(timeline_page, self.tr("时间线"))
        self.orders_tree = self._tree([self.tr("订单号"), self.tr("状态"), self.tr("金额"), self.tr("下单时间")])
        self.tabs.addTab(self.orders_tree, self.tr("订单"))
        self.chats_tree = self._tree([self.tr("开始"), self.tr("消息"), self.tr("最后一句")])
        self.tabs.addTab(self.chats_tree, self.tr("会话"))
        self.followups_tree = self._tree([self.tr("日期"), self.tr("原因"), self.tr("状态"), self.tr("结果")])
        self.tabs.addTab(self.followups_tree, self.tr("回访"))
        self.cases_tree = self._tree([self.tr("编号"), self.tr("类型"), self.tr("状态"), self.tr("日期")])
        self.tabs.addTab(self.cases_tree, self.tr("售后"))
        card.body.addWidget(self.tabs)
        return card

    def _tree(self, headers: Sequence[str]) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setHeaderLabels(list(headers))
        tree.setRootIsDecorated(False)
        tree.setAlternatingRowColors(True)
        tree.setMinimumHeight(260)
        tree.setObjectName("historyTree")
        return tree

    # -- filling -------------------------------------------------------------------------------

    def _on_loaded(self, generation: int, profile: CrmProfile, library: list[Tag]) -> None:
        if generation != self._generation:
            return
        self._profile = profile
        self._library = library
        c, st, ex = profile.customer, profile.stats, profile.extras
        self.avatar.set_name(c.nick)
        self.nick_label.setText(c.nick)
        self.credit_badge.set_level(c.credit_level)
        self.vip_badge.setVisible(c.is_88vip)
        self.level_pill.set_pill(level_label(c.member_level), level_color(c.member_level))
        self.segment_pill.set_pill(segment_label(st.segment), SEGMENT_COLORS[st.segment])
        self.segment_pill.setToolTip(segment_hint(st.segment))
        self.orders_kpi.value.setText(str(st.order_count))
        self.spent_kpi.value.setText(format_yuan(st.total_cents))
        self.average_kpi.value.setText(format_yuan(st.average_cents) if st.order_count else "—")
        self.last_kpi.value.setText(f"{st.last_order_at:%Y-%m-%d}" if st.last_order_at else "—")
        if st.segment is Segment.NONE:
            self.rfm_label.setText(self.tr("还没有购买记录。"))
        else:
            self.rfm_label.setText(self.tr("RFM 评分：R{r} · F{f} · M{m}（5 分最好）").format(r=st.r, f=st.f, m=st.m))
        dash = "—"
        self.fields["name"].setText(c.name or dash)
        self._show_masked_phone(c.phone)
        self.fields["gender"].setText(gender_label(c.gender) if c.gender else dash)
        self.fields["city"].setText(c.city or dash)
        self.fields["source"].setText(source_label(c.traffic_source))
        self.fields["points"].setText(str(c.points))
        self.fields["registered"].setText(f"{c.registered_at:%Y-%m-%d}" if c.registered_at else dash)
        self.fields["birthday"].setText(f"{ex.birthday:%m-%d}" if ex.birthday else dash)
        self.fields["style"].setText(ex.style or dash)
        self.fields["size"].setText(ex.size or dash)
        body = []
        if ex.height_cm:
            body.append(self.tr("{n} cm").format(n=ex.height_cm))
        if ex.weight_jin:
            body.append(self.tr("{n} 斤").format(n=ex.weight_jin))
        self.fields["body"].setText(" · ".join(body) or dash)
        self.fields["groups"].setText("、".join(g.name for g in profile.groups) or dash)
        self.preferences_label.setText(c.preferences)
        self.preferences_label.setVisible(bool(c.preferences))
        self._render_tags()
        self._render_timeline()
        self._render_lists()
        self.pages.setCurrentIndex(self.PAGE_PROFILE)
        self.loaded.emit(c.id)

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.error_label.setText(crm_error_text(exc))
        self.pages.setCurrentIndex(self.PAGE_ERROR)

    def tag_chips(self) -> list[TagChip]:
        chips = []
        for i in range(self.tag_flow.count()):
            item = self.tag_flow.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, TagChip):
                chips.append(widget)
        return chips

    def _render_tags(self) -> None:
        profile = self._profile
        if profile is None:
            return
        self.tag_flow.clear()
        c = profile.customer
        if c.is_88vip:
            self.tag_flow.addWidget(TagChip(VIP_TAG, official=True))
        if c.credit_level:
            self.tag_flow.addWidget(TagChip(c.credit_level, official=True))
        for tag in profile.tags:
            if is_official_tag(tag):
                if tag.name not in (VIP_TAG, c.credit_level):
                    self.tag_flow.addWidget(TagChip(tag.name, tag_id=tag.id, official=True))
                continue
            chip = ClickableTagChip(tag.name, color=tag.color, tag_id=tag.id, removable=True)
            chip.remove_requested.connect(self._remove_tag)
            chip.clicked.connect(self.tag_clicked)
            chip.setToolTip(self.tr("点击查看所有带“{name}”标签的客户").format(name=tag.name))
            self.tag_flow.addWidget(chip)
        self.tag_edit.set_tags(self._library, profile.tags)

    def _render_timeline(self) -> None:
        profile = self._profile
        if profile is None:
            return
        events: Sequence[TimelineEvent] = profile.timeline[: self._timeline_shown]
        self.timeline.set_entries([(timeline_text(e), f"{e.at:%Y-%m-%d %H:%M}") for e in events])
        self.more_button.setVisible(len(profile.timeline) > self._timeline_shown)

    def _more_timeline(self) -> None:
        self._timeline_shown += TIMELINE_SHOWN
        self._render_timeline()

    def _render_lists(self) -> None:
        profile = self._profile
        if profile is None:
            return
        self.orders_tree.clear()
        for order in profile.orders:
            self.orders_tree.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        order.order_no,
                        state_label(order.state),
                        format_yuan(order.total_cents),
                        f"{order.created_at:%Y-%m-%d}",
                    ]
                )
            )
        self.chats_tree.clear()
        for chat in profile.chats:
            self.chats_tree.addTopLevelItem(
                QTreeWidgetItem([f"{chat.started_at:%Y-%m-%d %H:%M}", str(chat.message_count), chat.last_message])
            )
        self.followups_tree.clear()
        for fu in profile.followups:
            self.followups_tree.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        f"{fu.due_at:%Y-%m-%d}",
                        fu.reason,
                        status_label(fu.status),
                        outcome_label(fu.outcome) if fu.outcome else "",
                    ]
                )
            )
        self.cases_tree.clear()
        for case in profile.cases:
            self.cases_tree.addTopLevelItem(
                QTreeWidgetItem(
                    [
                        case.case_no,
                        case_kind_label(case.kind),
                        case_state_label(case.state),
                        f"{case.created_at:%Y-%m-%d}",
                    ]
                )
            )
        for tree in (self.orders_tree, self.chats_tree, self.followups_tree, self.cases_tree):
            for col in range(tree.columnCount()):
                tree.resizeColumnToContents(col)
        self.tabs.setTabText(1, self.tr("订单 {n}").format(n=len(profile.orders)))
        self.tabs.setTabText(2, self.tr("会话 {n}").format(n=len(profile.chats)))
        self.tabs.setTabText(3, self.tr("回访 {n}").format(n=len(profile.followups)))
        self.tabs.setTabText(4, self.tr("售后 {n}").format(n=len(profile.cases)))

    # -- tags ----------------------------------------------------------------------------------

    def _add_tag(self, name: str) -> None:
        """The tag field accepted ``name`` (checked against the rule and the customer's tags): save it."""
        customer_id = self._customer_id
        if customer_id is None or self._profile is None:
            return
        service = self._customers
        self._tasks.write(
            lambda: service.add_tag(customer_id, name),
            while_alive(self, lambda _tags: self._after_tags(customer_id, clear=name)),
            while_alive(self, lambda exc: self.tag_edit.show_error(crm_error_text(exc))),
        )

    def _remove_tag(self, tag_id: int) -> None:
        customer_id = self._customer_id
        if customer_id is None:
            return
        service = self._customers
        self._tasks.write(
            lambda: service.remove_tag(customer_id, tag_id),
            while_alive(self, lambda _tags: self._after_tags(customer_id)),
            while_alive(self, lambda exc: self.tag_edit.show_error(crm_error_text(exc))),
        )

    def _after_tags(self, customer_id: int, clear: str = "") -> None:
        self.tag_edit.entry_saved(clear)
        self.tags_changed.emit(customer_id)
        if customer_id == self._customer_id:
            self.reload()
