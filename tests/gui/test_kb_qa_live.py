"""问答测试 shows what the live bot would do (its transfer rules), explains why a chosen entry is not the
answer; the editor marks any span as a core word and warns when a saved 问法 is another entry's."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.gui.test_kb_admin_page import WAIT, Env, ask, env, page, save  # noqa: F401  (fixtures)
from workbench.ui.kb_admin.page import KnowledgePage
from workbench.ui.kb_admin.texts import reason_text


def test_a_transfer_rule_is_shown_as_the_live_bot_acts(qtbot: QtBot, page: KnowledgePage) -> None:  # noqa: F811  (the page fixture)
    tester = page.tester
    ask(qtbot, page, "什么时候发货？再不发我就投诉了")
    assert tester.outcome.text() == "转人工"
    assert tester.human_note.isVisible()
    assert "转人工关键词「投诉」" in tester.human_note.text()
    assert tester.bubble.text() == "亲，正在为您转接人工客服，请稍候～"  # the shop's success prompt

    tester.new_chat()
    for text in ("什么时候发货", "什么时候发货啊"):
        ask(qtbot, page, text)
        assert tester.outcome.text() != "转人工", text
    ask(qtbot, page, "到底什么时候发货")
    assert tester.outcome.text() == "转人工"
    assert "重复询问同一问题" in tester.human_note.text()
    assert "第 3 条消息" in tester.chat_note.text()
    tester.new_chat()
    ask(qtbot, page, "到底什么时候发货")
    assert tester.outcome.text() != "转人工"  # a new chat: the first time this is asked
    assert not tester.human_note.isVisible()


def test_why_not_this_entry(qtbot: QtBot, page: KnowledgePage) -> None:  # noqa: F811  (the page fixture)
    tester = page.tester
    outcome = ask(qtbot, page, "什么时候发货")
    assert outcome.best is not None
    other = next(e for e in page.session.admin.live_entries() if e.id != outcome.best.entry_id and e.enabled)
    tester.why_input.setText(other.question)
    with qtbot.waitSignal(tester.checked, timeout=WAIT) as got:
        tester.why_button.click()
    check = got.args[0]
    assert check is not None and check.entry_id == other.id and check.rank != 1
    text = tester.why_result.text()
    assert f"「{other.question}」" in text
    assert f"胜出的知识：{outcome.best.question}" in text

    tester.why_input.setText("没有这条知识")
    with qtbot.waitSignal(tester.checked, timeout=WAIT):
        tester.explain()
    assert "没有这条知识" in tester.why_result.text()


def test_any_span_becomes_a_core_word(qtbot: QtBot, page: KnowledgePage) -> None:  # noqa: F811  (the page fixture)
    k, editor = page.knowledge, page.knowledge.editor
    k.select_category("商品问题")
    k.new_entry()
    editor.question.setText("毛衣会不会勾丝")
    editor.add_phrasing()
    with qtbot.waitSignal(editor.words_shown, timeout=WAIT):
        editor.phrasing_text.setText("挂到会勾丝吗")
        editor.phrasing_text.textEdited.emit("挂到会勾丝吗")
    assert "勾丝" not in [c.text() for c in editor.word_chips()]  # jieba cuts 勾 / 丝
    editor.phrasing_text.setSelection(3, 2)
    with qtbot.waitSignal(editor.words_shown, timeout=WAIT):
        editor.mark_span_button.click()
    chips = {c.text(): c for c in editor.word_chips()}
    assert chips["勾丝"].isChecked()
    assert editor.core_count.text() == "已选 1/3"
    editor.answer_cards[0].text.setPlainText("亲，毛衣是紧密针织，正常穿不容易勾丝哦～")
    saved_id = save(qtbot, page)
    saved = page.session.admin.entry(saved_id)
    assert saved is not None and saved.phrasings[0].core_words == ("勾丝",)
    outcome = ask(qtbot, page, "这件毛衣穿着会勾丝吗")
    assert outcome.best is not None and outcome.best.entry_id == saved_id
    assert "勾丝" in outcome.best.matched_words  # the span is a word of the tokenizer now

    editor.phrasing_text.deselect()
    editor.mark_span_button.click()
    assert editor.error_texts() == ["先在问法里选中要设为核心词的文字"]


def test_saving_another_entrys_phrasing_warns_and_names_it(qtbot: QtBot, page: KnowledgePage) -> None:  # noqa: F811  (the page fixture)
    k, editor = page.knowledge, page.knowledge.editor
    shipping = ask(qtbot, page, "什么时候发货").best
    assert shipping is not None
    k.select_category("售后问题")
    k.new_entry()
    editor.question.setText("新品预约说明")
    editor.add_phrasing()
    editor.phrasing_text.setText("什么时候发货呀")
    editor.phrasing_text.textEdited.emit("什么时候发货呀")
    editor.answer_cards[0].text.setPlainText("亲，质量问题我们承担运费哦～")
    with qtbot.waitSignal(k.close_checked, timeout=WAIT) as got:
        save(qtbot, page)
    assert [c.other_id for c in got.args[0]][:1] == [shipping.entry_id]
    assert not k.close_warning.isHidden()
    assert f"知识「{shipping.question}」（编号 {shipping.entry_id}）" in k.close_warning.text()


def test_the_reasons_of_long_messages_and_typos_read_as_sentences(qtbot: QtBot) -> None:
    assert reason_text("clause:尾款啥时候交") == "长消息里的这一句：尾款啥时候交"
    assert reason_text("homophone:再=在,卷=券") == "按同音字纠正：「再」→「在」、「卷」→「券」"


def test_a_long_question_shows_whole_in_its_bubble(qtbot: QtBot, page: KnowledgePage) -> None:  # noqa: F811  (the page fixture)
    page.resize(1360, 840)
    page.show()
    page.tabs.setCurrentIndex(page.tabs.count() - 1)
    ask(qtbot, page, "我之前在别家买的纯棉T恤洗一次就短了一大截，穿都穿不了，这次真的不敢乱买了，你们这件洗了会缩水吗")
    asked = page.tester.asked
    qtbot.waitUntil(lambda: asked.isVisible() and asked.width() > 0, timeout=WAIT)
    assert asked.height() >= asked.heightForWidth(asked.width())  # no line of the question is cut off
