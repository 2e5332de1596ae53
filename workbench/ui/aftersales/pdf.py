"""The evidence packet of a case as a PDF (for a platform appeal): Qt lays out HTML and prints it.

Safe to run on a worker thread: it paints on a QPdfWriter (not a widget) and only reads files."""

from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from workbench.domain.aftersales import (
    CaseKind,
    ComplaintDetails,
    DisputeDetails,
    EvidenceKind,
    ReviewDetails,
    ServiceDetails,
)
from workbench.domain.customers import masked_phone
from workbench.services.evidence import EvidencePacket
from workbench.ui.aftersales.models import stamp
from workbench.ui.aftersales.texts import (
    appeal_state_label,
    compensation_label,
    complaint_type_label,
    dispute_cause_label,
    event_label,
    evidence_kind_label,
    kind_label,
    money,
    nature_label,
    platform_label,
    rating_label,
    reason_label,
    refund_type_label,
    risk_level_label,
    signal_name,
    signal_reason,
    state_label,
    step_label,
)

IMAGE_WIDTH = 420


def packet_css() -> str:
    """The packet's style: a printed document, so dark on white whatever the program's theme."""
    return (resources.files("workbench.assets") / "print" / "evidence_packet.css").read_text(encoding="utf-8")


def _kv(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><td class="k" width="20%">{escape(k)}</td><td width="80%">{escape(v).replace(chr(10), "<br/>")}</td></tr>'
        for k, v in rows
        if v
    )
    return f'<table class="kv" width="100%">{cells}</table>'


def packet_html(packet: EvidencePacket) -> str:
    """The packet as HTML with translated headings (pictures referenced as ``evidence:<sha256>``)."""
    case = packet.case
    out: list[str] = []
    title = QCoreApplication.translate("Packet", "{shop} 售后证据材料").format(shop=packet.shop_name)
    out.append(f"<h1>{escape(title)}</h1>")
    sub = QCoreApplication.translate("Packet", "单号 {no} · {kind} · 生成于 {time}").format(
        no=case.case_no, kind=kind_label(case.kind), time=stamp(packet.generated_at)
    )
    if packet.generated_by:
        sub += QCoreApplication.translate("Packet", " · 整理人 {name}").format(name=packet.generated_by)
    out.append(f'<p class="sub">{escape(sub)}</p>')

    # 1. the case
    out.append(f"<h2>{escape(QCoreApplication.translate('Packet', '一、案件概况'))}</h2>")
    rows = [
        (QCoreApplication.translate("Packet", "状态"), state_label(case.state)),
        (QCoreApplication.translate("Packet", "订单号"), case.order_no),
        (QCoreApplication.translate("Packet", "登记时间"), f"{stamp(case.created_at)} {case.created_by}".strip()),
        (QCoreApplication.translate("Packet", "问题描述"), case.description),
    ]
    d = case.details
    if isinstance(d, ReviewDetails):
        rows = [
            (QCoreApplication.translate("Packet", "评价"), f"{rating_label(d.rating)} · {stamp(case.created_at)}"),
            (QCoreApplication.translate("Packet", "评价内容"), d.text),
            (QCoreApplication.translate("Packet", "商品"), f"{d.product_title} {d.product_spec}".strip()),
            (QCoreApplication.translate("Packet", "晒图"), str(d.images) if d.images else ""),
            (QCoreApplication.translate("Packet", "店铺回复"), d.reply),
            (QCoreApplication.translate("Packet", "订单号"), case.order_no),
            (QCoreApplication.translate("Packet", "处理状态"), state_label(case.state)),
        ]
    elif isinstance(d, ComplaintDetails):
        steps = "；".join(
            f"{step_label(s.step)}{('：' + s.note) if s.note else ''}{(' ' + stamp(s.at)) if s.at else ''}"
            for s in d.steps
            if s.done
        )
        rows += [
            (QCoreApplication.translate("Packet", "投诉类型"), complaint_type_label(d.type)),
            (
                QCoreApplication.translate("Packet", "客户诉求"),
                f"{d.demand} {money(d.demand_cents) if d.demand_cents else ''}".strip(),
            ),
            (QCoreApplication.translate("Packet", "客服判定"), nature_label(d.nature)),
            (QCoreApplication.translate("Packet", "处理步骤"), steps),
            (
                QCoreApplication.translate("Packet", "补偿"),
                f"{compensation_label(d.compensation)} {money(d.compensation_cents) if d.compensation_cents else ''}"
                f" {d.compensation_note}".strip(),
            ),
            (
                QCoreApplication.translate("Packet", "平台申诉"),
                f"{appeal_state_label(d.appeal.state)} {d.appeal.reference}".strip(),
            ),
            (QCoreApplication.translate("Packet", "申诉说明"), d.appeal.note),
        ]
    elif isinstance(d, DisputeDetails):
        rows += [
            (QCoreApplication.translate("Packet", "纠纷原因"), dispute_cause_label(d.cause)),
            (
                QCoreApplication.translate("Packet", "买家要求"),
                f"{d.asked} {money(d.asked_cents) if d.asked_cents else ''}".strip(),
            ),
            (
                QCoreApplication.translate("Packet", "约定 / 判定"),
                f"{d.agreed} {money(d.agreed_cents) if d.agreed_cents else ''}".strip(),
            ),
            (QCoreApplication.translate("Packet", "平台介入"), platform_label(d.platform)),
            (
                QCoreApplication.translate("Packet", "平台申诉"),
                f"{appeal_state_label(d.appeal.state)} {d.appeal.reference}".strip(),
            ),
        ]
    elif isinstance(d, ServiceDetails):
        rows += [
            (QCoreApplication.translate("Packet", "原因"), reason_label(d.reason)),
            (
                QCoreApplication.translate("Packet", "退款类型"),
                refund_type_label(d.refund_type) if d.refund_type else "",
            ),
            (QCoreApplication.translate("Packet", "商品"), "\n".join(d.items)),
            (QCoreApplication.translate("Packet", "金额"), money(case.amount_cents) if case.amount_cents else ""),
        ]
    out.append(_kv(rows))

    # 2. the customer and the order
    out.append(f"<h2>{escape(QCoreApplication.translate('Packet', '二、买家与订单'))}</h2>")
    c = packet.customer
    customer_rows = [(QCoreApplication.translate("Packet", "买家"), case.customer_nick)]
    if c is not None:
        customer_rows += [
            (QCoreApplication.translate("Packet", "联系电话"), masked_phone(c.phone)),
            (QCoreApplication.translate("Packet", "信用等级"), c.credit_level),
            (QCoreApplication.translate("Packet", "注册时间"), stamp(c.registered_at)),
            (QCoreApplication.translate("Packet", "退款次数"), str(c.refund_count)),
            (QCoreApplication.translate("Packet", "差评次数"), str(c.bad_review_count)),
        ]
    o = packet.order
    if o is not None:
        items = "\n".join(f"{i.title}（{i.color}/{i.size}）× {i.quantity}  {money(i.price_cents)}" for i in o.items)
        customer_rows += [
            (QCoreApplication.translate("Packet", "订单"), f"{o.order_no} · {o.state.value} · {money(o.total_cents)}"),
            (QCoreApplication.translate("Packet", "商品明细"), items),
            (QCoreApplication.translate("Packet", "下单 / 付款"), f"{stamp(o.created_at)} / {stamp(o.paid_at)}"),
            (QCoreApplication.translate("Packet", "发货 / 签收"), f"{stamp(o.shipped_at)} / {stamp(o.signed_at)}"),
            (QCoreApplication.translate("Packet", "物流"), f"{o.carrier} {o.tracking_no}".strip()),
        ]
    out.append(_kv(customer_rows))

    # 3. the program's signals
    risk = packet.risk
    if risk is not None and risk.signals:
        out.append(f"<h2>{escape(QCoreApplication.translate('Packet', '三、程序检查的风险信号（仅供参考）'))}</h2>")
        head = QCoreApplication.translate(
            "Packet", "评分 {score} / 100，风险{level}。以下每一项都列出了依据；是否恶意由客服结合证据判断。"
        )
        out.append(f"<p>{escape(head.format(score=risk.score, level=risk_level_label(risk.level)))}</p>")
        body = "".join(
            f'<tr><td class="{"hit" if s.hit else "miss"}">{"●" if s.hit else "○"} {escape(signal_name(s))}</td>'
            f"<td>{s.weight if s.hit else '—'}</td><td>{escape(signal_reason(s))}</td></tr>"
            for s in sorted(risk.signals, key=lambda s: (not s.hit, -s.weight))
        )
        th = (
            QCoreApplication.translate("Packet", "信号"),
            QCoreApplication.translate("Packet", "分值"),
            QCoreApplication.translate("Packet", "依据"),
        )
        out.append(
            f'<table class="grid" width="100%"><tr><th>{escape(th[0])}</th><th>{escape(th[1])}</th>'
            f"<th>{escape(th[2])}</th></tr>{body}</table>"
        )

    # 4. evidence
    out.append(f"<h2>{escape(QCoreApplication.translate('Packet', '四、证据'))}</h2>")
    if not packet.evidence:
        out.append(f"<p>{escape(QCoreApplication.translate('Packet', '（无）'))}</p>")
    messages = [e for e in packet.evidence if e.kind is EvidenceKind.MESSAGE]
    if messages:
        out.append(f"<p><b>{escape(QCoreApplication.translate('Packet', '聊天记录'))}</b></p>")
        for e in messages:
            out.append(f'<p class="quote">{escape(e.title)}：{escape(e.text)}</p>')
    for e in packet.evidence:
        if e.kind is EvidenceKind.MESSAGE:
            continue
        kind = evidence_kind_label(e.kind)
        heading = e.title if e.title.startswith(kind) else f"{kind}：{e.title}"
        out.append(f"<p><b>{escape(heading)}</b></p>")
        if e.text:
            out.append(f"<p>{escape(e.text).replace(chr(10), '<br/>')}</p>")
        if e.sha256:
            out.append(f'<p class="note">{escape(e.file_name)} · {e.size} B · SHA-256 {e.sha256}</p>')
            if e.kind is EvidenceKind.IMAGE and packet.file_path(e.sha256) is not None:
                out.append(f'<p><img src="evidence:{e.sha256}" width="{IMAGE_WIDTH}"/></p>')

    # 5. what happened
    out.append(f"<h2>{escape(QCoreApplication.translate('Packet', '五、处理经过'))}</h2>")
    timeline = "".join(
        f"<tr><td>{stamp(ev.at)}</td><td>{escape(event_label(ev.action))}"
        f"{(' → ' + escape(state_label(ev.to_state))) if ev.to_state else ''}</td>"
        f"<td>{escape(ev.text).replace(chr(10), '<br/>')}</td><td>{escape(ev.actor)}</td></tr>"
        for ev in packet.events
    )
    th2 = (
        QCoreApplication.translate("Packet", "时间"),
        QCoreApplication.translate("Packet", "事项"),
        QCoreApplication.translate("Packet", "内容"),
        QCoreApplication.translate("Packet", "经办"),
    )
    out.append(
        f'<table class="grid" width="100%"><tr>{"".join(f"<th>{escape(h)}</th>" for h in th2)}</tr>{timeline}</table>'
    )
    note = QCoreApplication.translate(
        "Packet", "本材料由客服工作台根据店铺记录生成；附件以 SHA-256 校验值标识，可与原件核对。"
    )
    out.append(f'<p class="note">{escape(note)}</p>')
    if case.kind in (CaseKind.REVIEW, CaseKind.COMPLAINT):
        caveat = QCoreApplication.translate("Packet", "风险评分是程序依据公开规则给出的提示，不构成对买家的指控。")
        out.append(f'<p class="note">{escape(caveat)}</p>')
    return f"<html><head><style>{packet_css()}</style></head><body>{''.join(out)}</body></html>"


def write_packet_pdf(packet: EvidencePacket, path: Path) -> Path:
    """Lay the packet out on A4 pages and write the PDF to `path`."""
    doc = QTextDocument()
    doc.setDocumentMargin(0)
    for sha, file in packet.files:
        image = QImage(str(file))
        if not image.isNull():
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"evidence:{sha}"), image)
    doc.setHtml(packet_html(packet))
    writer = QPdfWriter(str(path))
    writer.setResolution(150)
    writer.setPageLayout(
        QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(16, 16, 16, 16))
    )
    writer.setTitle(QCoreApplication.translate("Packet", "售后证据材料") + f" {packet.case.case_no}")
    writer.setCreator("Workbench")
    doc.print_(writer)  # paginates on the writer's page rectangle, scaling the layout to its resolution
    return path
