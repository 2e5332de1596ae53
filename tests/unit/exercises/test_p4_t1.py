"""项目4 任务1 (店小蜜) checked from what a student did through the desk's own services."""

from __future__ import annotations

from dataclasses import replace

from workbench.domain.bot import CardQuestion, ReceptionConfig, ReceptionMode
from workbench.domain.exercises import ExerciseResult, ItemResult
from workbench.domain.kb import Phrasing
from workbench.domain.kb_admin import Answer, EntryDraft
from workbench.services.routing import AccountForm
from workbench.services.workspace import Workspace

SECTIONS = ("聊天互动", "商品问题", "活动优惠", "购买操作", "物流问题", "售后问题")
AUTO = ("welcome", "knowledge", "routing")


def item(result: ExerciseResult, item_id: str) -> ItemResult:
    return next(i for i in result.items if i.id == item_id)


def auto_total(result: ExerciseResult) -> int:
    return sum(item(result, i).points for i in AUTO)


def do_welcome(ws: Workspace, *, cards: int) -> None:
    welcome = ws.bot.settings().welcome
    hot = ws.bot.hot_questions(limit=8)
    assert len(hot) >= cards
    chosen = tuple(CardQuestion(q.question, q.entry_id) for q in hot[:cards])
    ws.bot.save_welcome(
        replace(welcome, nickname="南栀小助手", default_text="亲，欢迎光临～我是{机器人昵称}", card_questions=chosen)
    )


def edit_answers(ws: Workspace, section: str, count: int) -> None:
    entries = [e for e in ws.kb_admin.entries() if e.category == section][:count]
    assert len(entries) == count
    for entry in entries:
        ws.kb_admin.edit_answer(entry.id, 0, f"亲，{entry.question}——这是我们店的回答～")


def do_routing(ws: Workspace) -> None:
    account = next(a for a in ws.routing.accounts() if a.username == "xiaozhao")
    ws.routing.update_account(account.id, AccountForm(account.username, account.display_name, can_route=True))
    ws.routing.save_config(replace(ws.routing.config(), enabled=True))


def do_full_auto(ws: Workspace) -> None:
    ws.bot.save_reception(ReceptionConfig(mode=ReceptionMode.AUTO))


def test_a_fresh_demo_shop_scores_what_the_demo_already_has(ws: Workspace) -> None:
    result = ws.exercises.check("p4-t1")
    assert [i.id for i in result.items] == [*AUTO, "attitude", "discipline", "teamwork", "civility", "quiz"]
    welcome = item(result, "welcome")
    # the demo's 转人工 rules are set up: 5 of 20, nothing else
    assert (welcome.points, welcome.max, welcome.passed) == (5, 20, False)
    assert welcome.why == (
        "昵称未修改 (仍是 小栀) ✗ · 默认欢迎语未修改 ✗ · 卡片问题 0/5 ✗ · 转人工 (关键词 7 个, 连续 2 次未答) ✓"
    )
    knowledge = item(result, "knowledge")
    assert (knowledge.points, knowledge.max) == (0, 40)
    assert knowledge.why.startswith("6 个版块各 10 条答案已编辑 → 0/6 ✗ (缺: 聊天互动 0/10, 商品问题 0/10")
    routing = item(result, "routing")
    assert (routing.points, routing.why) == (0, "分流未开启 ✗ · 全自动未开启 ✗")
    assert auto_total(result) == 5
    teacher = [i for i in result.items if i.id in ("attitude", "discipline", "teamwork", "civility")]
    assert [(i.points, i.max, i.why) for i in teacher] == [(0, 5, "待教师评定")] * 4
    assert result.max == 100 + 5  # the rubric and the quiz's auto-marked question


def test_a_student_who_does_everything_gets_full_marks_on_the_automatic_items(ws: Workspace) -> None:
    do_welcome(ws, cards=6)
    for section in SECTIONS:
        edit_answers(ws, section, 10)
    draft = EntryDraft(
        "售后问题",
        "需要维修的时候怎么办",
        phrasings=(Phrasing("坏了需要维修怎么办", core_words=("维修",)),),
        answers=(Answer("亲，质保期内寄回我们免费维修哦～"),),
    )
    ws.kb_admin.create_entry(draft)
    do_routing(ws)
    do_full_auto(ws)

    result = ws.exercises.check("p4-t1")

    assert [(item(result, i).points, item(result, i).passed) for i in AUTO] == [(20, True), (40, True), (20, True)]
    assert auto_total(result) == 80
    assert item(result, "welcome").why == (
        "昵称已修改 ✓ · 默认欢迎语已修改 ✓ · 卡片问题 6/5 ✓ · 转人工 (关键词 7 个, 连续 2 次未答) ✓"
    )
    assert item(result, "knowledge").why == "6 个版块各 10 条答案已编辑 → 6/6 ✓ · 自定义问题 1 条 (含划词)"
    assert any("需要维修的时候怎么办 (划词: 维修)" in e for e in item(result, "knowledge").evidence)
    assert item(result, "routing").why.startswith("分流已开启 (")
    assert item(result, "routing").why.endswith("✓ · 全自动已开启 ✓")
    assert any(e.startswith("子账号 xiaozhao ") for e in item(result, "routing").evidence)


def test_a_half_done_task_scores_exactly_its_share_with_what_is_missing(ws: Workspace) -> None:
    do_welcome(ws, cards=3)  # nickname and text changed, 3 of 5 cards
    for section in SECTIONS[:4]:
        edit_answers(ws, section, 10)
    edit_answers(ws, "物流问题", 3)
    do_routing(ws)  # 分流 on, 全自动 not

    result = ws.exercises.check("p4-t1")

    welcome = item(result, "welcome")
    assert (welcome.points, welcome.passed) == (15, False)
    assert welcome.why == "昵称已修改 ✓ · 默认欢迎语已修改 ✓ · 卡片问题 3/5 ✗ · 转人工 (关键词 7 个, 连续 2 次未答) ✓"
    knowledge = item(result, "knowledge")
    # 43 of the 60 answers counted: 40 × 43 ÷ 60 = 28.67 → 28
    assert (knowledge.points, knowledge.passed) == (28, False)
    assert knowledge.why == "6 个版块各 10 条答案已编辑 → 4/6 ✗ (缺: 物流问题 3/10, 售后问题 0/10)"
    routing = item(result, "routing")
    assert (routing.points, routing.passed) == (10, False)
    assert routing.why.endswith("✓ · 全自动未开启 ✗")
    assert auto_total(result) == 15 + 28 + 10


def test_an_answer_edited_back_to_the_original_does_not_count(ws: Workspace) -> None:
    entry = next(e for e in ws.kb_admin.entries() if e.category == "售后问题")
    original = entry.answers[0].text
    ws.kb_admin.edit_answer(entry.id, 0, "改过的答案")
    assert "售后问题 1/10" in item(ws.exercises.check("p4-t1"), "knowledge").why
    ws.kb_admin.edit_answer(entry.id, 0, original)
    assert "售后问题 0/10" in item(ws.exercises.check("p4-t1"), "knowledge").why


def test_routing_on_without_any_account_allowed_to_take_customers_does_not_count(ws: Workspace) -> None:
    for account in ws.routing.accounts():
        ws.routing.update_account(
            account.id, AccountForm(account.username, account.display_name, account.role, can_route=False)
        )
    ws.routing.save_config(replace(ws.routing.config(), enabled=True))
    routing = item(ws.exercises.check("p4-t1"), "routing")
    assert (routing.points, routing.why) == (0, "分流已开启, 但没有子账号有分流权限 ✗ · 全自动未开启 ✗")
