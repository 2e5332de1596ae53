"""The customer list's filter bar: search, tags (any / all / none), segment, member level, source,
official tags (88VIP, credit tiers) and ranges (last purchase, spend, order count)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMenu, QPushButton, QToolButton, QWidget

from workbench.domain.crm import (
    CREDIT_TIERS,
    MEMBER_LEVELS,
    TRAFFIC_SOURCES,
    VIP_TAG,
    CustomerFilter,
    Segment,
    TagMatch,
    TagUsage,
)
from workbench.domain.orders import format_yuan
from workbench.ui.crm.dialogs import MoreCustomerFiltersDialog
from workbench.ui.crm.labels import (
    level_label,
    segment_label,
    source_label,
    tag_match_label,
    tag_match_option,
    tier_label,
)

SEARCH_DELAY_MS = 300


class CustomerFilterBar(QWidget):
    """Edits a CustomerFilter; every change is announced at once (search after a short pause)."""

    filter_changed = Signal(object)
    """The filter changed; carries the new CustomerFilter."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filter = CustomerFilter()
        self._tags: list[TagUsage] = []
        self._today = date.today()
        self.more_dialog: MoreCustomerFiltersDialog | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(self.tr("搜索昵称、姓名或手机号"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(180)
        self.search_edit.setAccessibleName(self.tr("搜索客户"))
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search_edit.textEdited.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._apply_search)
        self.search_edit.textChanged.connect(self._on_search_cleared)
        layout.addWidget(self.search_edit, 2)

        self.tag_button = self._menu_button(self.tr("标签"))
        self.segment_button = self._menu_button(self.tr("分层"))
        self.level_button = self._menu_button(self.tr("会员等级"))
        self.source_button = self._menu_button(self.tr("来源"))
        self.official_button = self._menu_button(self.tr("官方标签"))
        for button in (
            self.tag_button,
            self.segment_button,
            self.level_button,
            self.source_button,
            self.official_button,
        ):
            layout.addWidget(button)
        self.more_button = QPushButton(self.tr("更多条件"), self)
        self.more_button.clicked.connect(self.open_more)
        layout.addWidget(self.more_button)
        self.clear_button = QPushButton(self.tr("清空"), self)
        self.clear_button.setObjectName("link")
        self.clear_button.clicked.connect(self.clear)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self._build_static_menus()
        self._build_tag_menu()
        self._sync()

    # -- public --------------------------------------------------------------------------------

    def current(self) -> CustomerFilter:
        return self._filter

    def set_filter(self, customer_filter: CustomerFilter, *, announce: bool = True) -> None:
        self._filter = customer_filter
        self._search_timer.stop()
        self.search_edit.blockSignals(True)
        self.search_edit.setText(customer_filter.search)
        self.search_edit.blockSignals(False)
        self._sync()
        if announce:
            self.filter_changed.emit(self._filter)

    def set_tags(self, tags: Sequence[TagUsage]) -> None:
        self._tags = [t for t in tags if t.id and not t.official]
        self._build_tag_menu()
        self._sync()

    def set_today(self, today: date) -> None:
        self._today = today

    def clear(self) -> None:
        self.set_filter(CustomerFilter())

    def summary(self) -> str:
        """The filter in words (shown when saving it as a group)."""
        f = self._filter
        parts: list[str] = []
        if f.search:
            parts.append(self.tr("搜索“{text}”").format(text=f.search))
        if f.tag_ids:
            names = "、".join(t.name for t in self._tags if t.id in f.tag_ids) or str(len(f.tag_ids))
            parts.append(f"{tag_match_label(f.tag_match)} {names}")
        if f.segments:
            parts.append(self.tr("分层：{v}").format(v="、".join(segment_label(s) for s in f.segments)))
        if f.levels:
            parts.append(self.tr("会员：{v}").format(v="、".join(level_label(v) for v in f.levels)))
        if f.sources:
            parts.append(self.tr("来源：{v}").format(v="、".join(source_label(v) for v in f.sources)))
        if f.vip88 is not None:
            parts.append(VIP_TAG if f.vip88 else self.tr("非88VIP"))
        if f.credit_tiers:
            parts.append(self.tr("信用：{v}").format(v="、".join(f.credit_tiers)))
        if f.last_order_from or f.last_order_to:
            parts.append(self.tr("最近购买 {a} 至 {b}").format(a=f.last_order_from or "…", b=f.last_order_to or "…"))
        if f.min_spent_cents is not None or f.max_spent_cents is not None:
            low = format_yuan(f.min_spent_cents) if f.min_spent_cents is not None else "…"
            high = format_yuan(f.max_spent_cents) if f.max_spent_cents is not None else "…"
            parts.append(self.tr("消费 {a} 至 {b}").format(a=low, b=high))
        if f.min_orders is not None or f.max_orders is not None:
            parts.append(
                self.tr("订单 {a} 至 {b} 单").format(
                    a=f.min_orders if f.min_orders is not None else "…",
                    b=f.max_orders if f.max_orders is not None else "…",
                )
            )
        return "；".join(parts) if parts else self.tr("全部客户")

    def open_more(self) -> None:
        dialog = MoreCustomerFiltersDialog(self._filter, self._today, self)
        self.more_dialog = dialog

        def done(result: int) -> None:
            self.more_dialog = None
            if result and isinstance(dialog.result_value, CustomerFilter):
                self.set_filter(dialog.result_value)
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    # -- building ------------------------------------------------------------------------------

    def _menu_button(self, text: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setProperty("base_text", text)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setMenu(QMenu(button))
        return button

    def _build_static_menus(self) -> None:
        def fill(button: QToolButton, items: Sequence[tuple[str, str]], slot: str) -> None:
            menu = button.menu()
            assert menu is not None
            for value, text in items:
                action = menu.addAction(text)
                action.setCheckable(True)
                action.setData(value)
                action.triggered.connect(lambda _on=False, s=slot: self._from_menus(s))

        fill(self.segment_button, [(s.value, segment_label(s)) for s in Segment], "segments")
        fill(self.level_button, [(v, level_label(v)) for v in MEMBER_LEVELS], "levels")
        fill(self.source_button, [(v, source_label(v)) for v in TRAFFIC_SOURCES], "sources")
        menu = self.official_button.menu()
        assert menu is not None
        self.vip_group = QActionGroup(self)
        self.vip_group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        for value, text in (("yes", VIP_TAG), ("no", self.tr("非88VIP"))):
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setData(value)
            self.vip_group.addAction(action)
            action.triggered.connect(lambda _on=False: self._from_menus("vip88"))
        menu.addSection(self.tr("信用等级"))
        for tier in CREDIT_TIERS:
            action = menu.addAction(tier_label(tier))
            action.setCheckable(True)
            action.setData(tier)
            action.triggered.connect(lambda _on=False: self._from_menus("credit_tiers"))

    def _build_tag_menu(self) -> None:
        menu = self.tag_button.menu()
        assert menu is not None
        menu.clear()
        self.mode_group = QActionGroup(menu)
        for mode, text in tag_match_option.texts().items():
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setData(mode.value)
            self.mode_group.addAction(action)
            action.triggered.connect(lambda _on=False: self._from_menus("tag_match"))
        group = None
        if not self._tags:
            empty = menu.addAction(self.tr("标签库是空的"))
            empty.setEnabled(False)
        for tag in sorted(self._tags, key=lambda t: (t.group, t.name)):
            if tag.group != group or group is None:
                group = tag.group
                menu.addSection(group or self.tr("未分组"))
            action = menu.addAction(self.tr("{name}（{n}）").format(name=tag.name, n=tag.count))
            action.setCheckable(True)
            action.setData(tag.id)
            action.triggered.connect(lambda _on=False: self._from_menus("tag_ids"))

    def _actions(self, button: QToolButton) -> list[QAction]:
        menu = button.menu()
        return [a for a in menu.actions() if a.isCheckable()] if menu is not None else []

    # -- state ---------------------------------------------------------------------------------

    def _from_menus(self, slot: str) -> None:
        if getattr(self, "_syncing", False):
            return
        f = self._filter
        if slot == "segments":
            f = replace(
                f, segments=tuple(Segment(a.data()) for a in self._actions(self.segment_button) if a.isChecked())
            )
        elif slot == "levels":
            f = replace(f, levels=tuple(a.data() for a in self._actions(self.level_button) if a.isChecked()))
        elif slot == "sources":
            f = replace(f, sources=tuple(a.data() for a in self._actions(self.source_button) if a.isChecked()))
        elif slot == "vip88":
            checked = self.vip_group.checkedAction()
            f = replace(f, vip88=None if checked is None else checked.data() == "yes")
        elif slot == "credit_tiers":
            tiers = [
                a.data() for a in self._actions(self.official_button) if a.isChecked() and a.data() in CREDIT_TIERS
            ]
            f = replace(f, credit_tiers=tuple(tiers))
        elif slot == "tag_match":
            checked = self.mode_group.checkedAction()
            f = replace(f, tag_match=TagMatch(checked.data()) if checked is not None else TagMatch.ANY)
        elif slot == "tag_ids":
            ids = [a.data() for a in self._actions(self.tag_button) if a.isChecked() and isinstance(a.data(), int)]
            f = replace(f, tag_ids=tuple(ids))
        self.set_filter(f.validated())

    def _apply_search(self) -> None:
        self._search_timer.stop()
        text = " ".join(self.search_edit.text().split())
        if text != self._filter.search:
            self.set_filter(replace(self._filter, search=text))

    def _on_search_cleared(self, text: str) -> None:
        if not text and self._filter.search:
            self._apply_search()

    def _sync(self) -> None:
        """Menus and button captions follow the filter."""
        self._syncing = True
        f = self._filter
        try:
            for button, chosen in (
                (self.segment_button, {s.value for s in f.segments}),
                (self.level_button, set(f.levels)),
                (self.source_button, set(f.sources)),
            ):
                for action in self._actions(button):
                    action.setChecked(action.data() in chosen)
            for action in self._actions(self.official_button):
                if action.data() in ("yes", "no"):
                    action.setChecked(f.vip88 is not None and (action.data() == "yes") == f.vip88)
                else:
                    action.setChecked(action.data() in f.credit_tiers)
            for action in self._actions(self.tag_button):
                data = action.data()
                if isinstance(data, int):
                    action.setChecked(data in f.tag_ids)
                else:
                    action.setChecked(data == f.tag_match.value)
        finally:
            self._syncing = False
        counts = {
            self.tag_button: len(f.tag_ids),
            self.segment_button: len(f.segments),
            self.level_button: len(f.levels),
            self.source_button: len(f.sources),
            self.official_button: len(f.credit_tiers) + (f.vip88 is not None),
        }
        for button, n in counts.items():
            base = str(button.property("base_text"))
            button.setText(f"{base} · {n} ▾" if n else f"{base} ▾")
            button.setProperty("active", bool(n))
            button.style().unpolish(button)
            button.style().polish(button)
        ranges = sum(
            v is not None
            for v in (
                f.last_order_from,
                f.last_order_to,
                f.min_spent_cents,
                f.max_spent_cents,
                f.min_orders,
                f.max_orders,
            )
        )
        self.more_button.setText(self.tr("更多条件 · {n}").format(n=ranges) if ranges else self.tr("更多条件"))
        self.clear_button.setEnabled(not f.is_empty())
