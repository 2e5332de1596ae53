"""The record of a case as rows of "name  value": the request of a return, exchange, refund or repair,
the handling record of a complaint, or the record of a dispute."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QWidget

from workbench.domain.aftersales import (
    AppealRecord,
    Case,
    ComplaintDetails,
    DisputeDetails,
    ReviewDetails,
    ServiceDetails,
)
from workbench.ui.aftersales.case_file.key_values import KeyValues
from workbench.ui.aftersales.models import stamp
from workbench.ui.aftersales.texts import (
    appeal_state_label,
    compensation_label,
    complaint_type_label,
    dispute_cause_label,
    kind_label,
    money,
    nature_label,
    platform_label,
    reason_label,
    refund_type_label,
    step_label,
)
from workbench.ui.widgets.card import Card


def _appeal_text(appeal: AppealRecord) -> str:
    if appeal.state.value == "none":
        return ""
    return f"{appeal_state_label(appeal.state)} {appeal.reference}".strip()


def _amount(text: str, cents: int) -> str:
    """A demand or an agreement: its words and, if any, its amount."""
    return f"{text} {money(cents) if cents else ''}".strip()


class DetailsCard(Card):
    """详情: what was asked and what has been done, for every kind of case but reviews (hidden for those).

    Complaints and disputes are edited in their forms: the card's button asks for that."""

    edit_requested = Signal()
    """The agent clicked 编辑处理记录 / 编辑纠纷记录."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("详情"), parent)
        self.edit_button = QPushButton(self.tr("编辑处理记录"))
        self.edit_button.clicked.connect(self.edit_requested.emit)
        self.header.addWidget(self.edit_button)
        self.key_values = KeyValues()
        self.body.addWidget(self.key_values)

    def show_case(self, case: Case) -> None:
        d = case.details
        rows: list[tuple[str, str]] = []
        self.edit_button.setVisible(isinstance(d, ComplaintDetails | DisputeDetails))
        self.setVisible(not isinstance(d, ReviewDetails))
        if isinstance(d, ServiceDetails):
            self.set_title(self.tr("{kind}申请").format(kind=kind_label(case.kind)))
            rows = self._service_rows(case, d)
        elif isinstance(d, ComplaintDetails):
            self.set_title(self.tr("投诉记录"))
            self.edit_button.setText(self.tr("编辑处理记录"))
            rows = self._complaint_rows(case, d)
        elif isinstance(d, DisputeDetails):
            self.set_title(self.tr("纠纷记录"))
            self.edit_button.setText(self.tr("编辑纠纷记录"))
            rows = self._dispute_rows(case, d)
        self.key_values.set_rows(rows)

    def _service_rows(self, case: Case, d: ServiceDetails) -> list[tuple[str, str]]:
        return [
            (self.tr("原因"), reason_label(d.reason)),
            (self.tr("退款类型"), refund_type_label(d.refund_type) if d.refund_type else ""),
            (self.tr("问题描述"), case.description),
            (self.tr("售后商品"), "\n".join(d.items)),
            (self.tr("想换成"), d.exchange_wish),
            (self.tr("申请金额"), money(case.amount_cents) if case.amount_cents else ""),
            (self.tr("已退款"), money(d.refunded_cents) if d.refunded_cents else ""),
            (self.tr("维修费用"), money(d.repair_fee_cents) if d.repair_fee_cents else ""),
            (self.tr("买家寄回"), f"{d.return_carrier} {d.return_tracking_no}".strip()),
            (self.tr("店铺寄出"), f"{d.outbound_carrier} {d.outbound_tracking_no}".strip()),
            (self.tr("商品状态"), "" if d.goods_intact else self.tr("已洗涤 / 穿着 / 吊牌已拆")),
            (self.tr("自行维修"), self.tr("是") if d.self_repaired else ""),
        ]

    def _complaint_rows(self, case: Case, d: ComplaintDetails) -> list[tuple[str, str]]:
        steps = "\n".join(
            f"✓ {step_label(s.step)}" + (f"：{s.note}" if s.note else "") + (f"（{stamp(s.at)}）" if s.at else "")
            for s in d.steps
            if s.done
        )
        compensation_text = ""
        if d.compensation.value != "none":
            amount = money(d.compensation_cents) if d.compensation_cents else ""
            compensation_text = f"{compensation_label(d.compensation)} {amount} {d.compensation_note}".strip()
        return [
            (self.tr("投诉类型"), complaint_type_label(d.type)),
            (self.tr("问题描述"), case.description),
            (self.tr("客户诉求"), _amount(d.demand, d.demand_cents)),
            (self.tr("性质（客服判定）"), nature_label(d.nature)),
            (self.tr("已完成步骤"), steps or self.tr("还没有")),
            (self.tr("补偿"), compensation_text),
            (self.tr("回访时间"), stamp(d.follow_up_at)),
            (self.tr("平台申诉"), _appeal_text(d.appeal)),
            (self.tr("申诉说明"), d.appeal.note),
        ]

    def _dispute_rows(self, case: Case, d: DisputeDetails) -> list[tuple[str, str]]:
        now = datetime.now()
        deadlines = "\n".join(
            f"{'✓' if x.done else ('⚠' if x.due_at < now else '○')} {x.label} {stamp(x.due_at)}" for x in d.deadlines
        )
        return [
            (self.tr("纠纷原因"), dispute_cause_label(d.cause)),
            (self.tr("纠纷经过"), case.description),
            (self.tr("买家要求"), _amount(d.asked, d.asked_cents)),
            (self.tr("约定 / 判定"), _amount(d.agreed, d.agreed_cents)),
            (self.tr("平台介入"), platform_label(d.platform)),
            (self.tr("平台申诉"), _appeal_text(d.appeal)),
            (self.tr("时限"), deadlines),
        ]
