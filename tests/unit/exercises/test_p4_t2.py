"""店小秘-style auto messages: rules switched on with the shop's own templates, and a bulk message sent."""

from __future__ import annotations

from dataclasses import replace

from workbench.domain.auto_messages import AutoKind, BulkTarget
from workbench.services.workspace import Workspace


def test_auto_messages_score_what_is_switched_on_edited_and_sent(ws: Workspace) -> None:
    fresh = {i.id: (i.points, i.why) for i in ws.exercises.check("p4-t2").items[:4]}
    assert fresh == {
        "paid_shipped": (0, "付款消息未开启 ✗ · 付款消息模板未修改 ✗ · 发货提醒未开启 ✗ · 发货提醒模板未修改 ✗"),
        "unpaid": (0, "自动催付未开启 ✗ · 自动催付模板未修改 ✗"),
        "delayed_review": (0, "延迟发货未开启 ✗ · 延迟发货模板未修改 ✗ · 自动评价未开启 ✗ · 自动评价模板未修改 ✗"),
        "bulk": (0, "批量发消息已发送 0 条 ✗"),
    }
    rules = ws.auto_messages.rules()
    ws.auto_messages.save_rule(
        replace(rules[AutoKind.PAID], enabled=True, template="亲，{订单号}已付款，南栀马上安排～")
    )
    ws.auto_messages.save_rule(replace(rules[AutoKind.SHIPPED], enabled=True))  # default template kept
    ws.auto_messages.save_rule(replace(rules[AutoKind.UNPAID], enabled=True, template="亲，{商品}还没付款哦～"))
    ws.auto_messages.bulk_send(BulkTarget("all"), "亲爱的{买家昵称}，南栀上新啦～")

    result = {i.id: i for i in ws.exercises.check("p4-t2").items}

    assert (result["paid_shipped"].points, result["paid_shipped"].why) == (
        15,
        "付款消息已开启 ✓ · 付款消息模板已修改 ✓ · 发货提醒已开启 ✓ · 发货提醒模板未修改 ✗",
    )
    assert (result["unpaid"].points, result["unpaid"].passed) == (20, True)
    assert result["delayed_review"].points == 0
    assert result["bulk"].passed and result["bulk"].points == 20
    assert result["bulk"].why.startswith("批量发消息已发送 ")
    assert result["bulk"].evidence[0].startswith("批量发消息 #")
