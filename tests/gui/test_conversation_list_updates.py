"""Re-reading the lists updates only the rows that changed when the same chats stay in the same order
(no model reset: a reset lays out and repaints every row of a busy desk on every read)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from workbench.domain.conversations import Conversation, ConversationState
from workbench.services.reception import ConversationLists
from workbench.ui.chat.conversation_list import ConversationListModel

NOW = datetime(2024, 6, 18, 15, 30)


def _conv(i: int, state: ConversationState = ConversationState.WAITING) -> Conversation:
    at = NOW + timedelta(minutes=i)
    return Conversation(i, i, f"买家{i}", state, None, at, at, at if state is ConversationState.WAITING else None)


def test_a_changed_row_is_updated_in_place(qtbot: QtBot, qtmodeltester: ModelTester) -> None:
    model = ConversationListModel()
    waiting = (_conv(1), _conv(2), _conv(3))
    active = (_conv(4, ConversationState.ACTIVE),)
    model.set_lists(ConversationLists(waiting, active, ()))
    qtmodeltester.check(model)
    resets: list[None] = []
    changed: list[tuple[int, int]] = []
    model.modelReset.connect(lambda: resets.append(None))
    model.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), bottom.row())))
    newer = dataclasses.replace(waiting[1], unread=3, last_message="有货吗")
    model.set_lists(ConversationLists((waiting[0], newer, waiting[2]), active, ()))
    assert resets == []
    row = model.row_of(2)
    assert changed == [(row, row)]
    assert model.conversation(2) == newer
    assert model.index(row).data() == "买家2"
    model.set_lists(ConversationLists((waiting[0], newer, waiting[2]), active, ()))  # nothing changed
    assert resets == [] and changed == [(row, row)]


def test_new_gone_or_reordered_rows_reset_the_model(qtbot: QtBot, qtmodeltester: ModelTester) -> None:
    model = ConversationListModel()
    waiting = (_conv(1), _conv(2))
    model.set_lists(ConversationLists(waiting, (), ()))
    resets: list[None] = []
    model.modelReset.connect(lambda: resets.append(None))
    model.set_lists(ConversationLists((*waiting, _conv(3)), (), ()))  # a new buyer
    model.set_lists(ConversationLists((_conv(3), *waiting), (), ()))  # another order
    model.set_lists(
        ConversationLists((_conv(3),), (dataclasses.replace(waiting[0], state=ConversationState.ACTIVE),), ())
    )
    assert len(resets) == 3
    assert [c.id for c in model.conversations(ConversationState.ACTIVE)] == [1]
    qtmodeltester.check(model)
