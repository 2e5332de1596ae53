"""Managing quick phrases: the domain's checks, and add / update / delete in the shop and personal pools."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import copy_demo
from workbench.composition import open_workspace
from workbench.domain.conversations import MAX_MESSAGE_LENGTH
from workbench.domain.errors import DomainError
from workbench.domain.quick_phrases import (
    MAX_PHRASE_GROUP,
    MAX_SHORTCODE,
    PhraseDraft,
    PhrasePool,
    QuickPhrase,
    clean_phrase,
)
from workbench.services.workspace import Workspace
from workbench.storage.db import sqlite_url
from workbench.storage.repositories.shops import ShopRepository

HI = QuickPhrase(id=1, pool=PhrasePool.SHOP, group="欢迎", shortcode="hi", text="亲，在的～")


def _draft(
    text: str = "亲，稍等我查一下", shortcode: str = "", group: str = "", pool: PhrasePool = PhrasePool.PERSONAL
):
    return PhraseDraft(pool=pool, group=group, shortcode=shortcode, text=text)


@pytest.fixture
def ws(tmp_path: Path, demo_database: Path) -> Iterator[Workspace]:
    copy_demo(demo_database, tmp_path / "wb.sqlite3")
    workspace = open_workspace(sqlite_url(tmp_path / "wb.sqlite3"))
    yield workspace
    workspace.close()


def _other_agent(ws: Workspace) -> int:
    with ws.db.session() as s:
        return ShopRepository(s).add_agent(ws.shop.id, "xiaomei", "小美").id


@pytest.mark.parametrize(
    ("draft", "code", "field"),
    [
        (_draft(text="  \n "), "phrase.text_empty", "text"),
        (_draft(text="好" * (MAX_MESSAGE_LENGTH + 1)), "phrase.text_too_long", "text"),
        (_draft(group="组" * (MAX_PHRASE_GROUP + 1)), "phrase.group_too_long", "group"),
        (_draft(shortcode="hi there"), "phrase.shortcode_invalid", "shortcode"),
        (_draft(shortcode="你好"), "phrase.shortcode_invalid", "shortcode"),
        (_draft(shortcode="ｈｉ"), "phrase.shortcode_invalid", "shortcode"),  # full-width letters
        (_draft(shortcode="a" * (MAX_SHORTCODE + 1)), "phrase.shortcode_too_long", "shortcode"),
        (_draft(shortcode="HI"), "phrase.shortcode_taken", "shortcode"),  # case does not make it new
    ],
)
def test_a_bad_draft_names_its_field(draft: PhraseDraft, code: str, field: str) -> None:
    with pytest.raises(DomainError) as err:
        clean_phrase(draft, [HI])
    assert (err.value.code, err.value.field) == (code, field)


def test_a_good_draft_is_trimmed_and_optional_parts_may_be_empty() -> None:
    clean = clean_phrase(_draft(text=" 亲，在的 \n", shortcode=" ok2 ", group=" 欢迎 "), [HI])
    assert (clean.text, clean.shortcode, clean.group) == ("亲，在的", "ok2", "欢迎")
    assert clean_phrase(_draft(text="好" * MAX_MESSAGE_LENGTH), [HI]).shortcode == ""
    assert clean_phrase(_draft(shortcode="hi"), []).shortcode == "hi"  # editing itself: no clash


def test_add_update_delete_a_personal_phrase(ws: Workspace) -> None:
    me = ws.agent.id
    before = ws.quick_phrases.visible_to(me)
    added = ws.quick_phrases.add(me, _draft(text="亲，我是小蜜", shortcode="me1", group="自我介绍"))
    assert (added.pool, added.agent_id) == (PhrasePool.PERSONAL, me)
    assert added in ws.quick_phrases.visible_to(me)

    updated = ws.quick_phrases.update(me, added.id, _draft(text="亲，我是客服小蜜", shortcode="me2"))
    assert (updated.id, updated.text, updated.shortcode, updated.group) == (added.id, "亲，我是客服小蜜", "me2", "")
    assert [p.text for p in ws.quick_phrases.visible_to(me) if p.id == added.id] == ["亲，我是客服小蜜"]
    # Keeping its own shortcode is no clash; taking another phrase's is.
    ws.quick_phrases.update(me, added.id, _draft(text="亲～", shortcode="me2"))
    taken = next(p.shortcode for p in before if p.shortcode)
    with pytest.raises(DomainError) as err:
        ws.quick_phrases.update(me, added.id, _draft(shortcode=taken.upper()))
    assert err.value.field == "shortcode"

    ws.quick_phrases.delete(me, added.id)
    assert ws.quick_phrases.visible_to(me) == before
    with pytest.raises(DomainError) as err:
        ws.quick_phrases.delete(me, added.id)
    assert err.value.code == "phrase.missing"


def test_a_personal_phrase_is_invisible_and_untouchable_for_another_agent(ws: Workspace) -> None:
    me, other = ws.agent.id, _other_agent(ws)
    mine = ws.quick_phrases.add(me, _draft(text="我的私人短语", shortcode="mine"))
    assert mine not in ws.quick_phrases.visible_to(other)
    assert mine not in ws.quick_phrases.visible_to(None)
    for change in (
        lambda: ws.quick_phrases.update(other, mine.id, _draft(text="改掉")),
        lambda: ws.quick_phrases.delete(other, mine.id),
    ):
        with pytest.raises(DomainError) as err:
            change()
        assert err.value.code == "phrase.missing"
    # The other agent does not see "mine", so they may use the shortcode for their own phrase.
    theirs = ws.quick_phrases.add(other, _draft(text="小美的短语", shortcode="mine"))
    assert theirs.agent_id == other
    assert [p.text for p in ws.quick_phrases.visible_to(me) if p.shortcode == "mine"] == ["我的私人短语"]


def test_a_shop_phrase_is_seen_by_every_agent_and_may_move_pools(ws: Workspace) -> None:
    me, other = ws.agent.id, _other_agent(ws)
    shop = ws.quick_phrases.add(me, _draft(text="全店通用", shortcode="all", pool=PhrasePool.SHOP))
    assert shop.agent_id is None
    assert shop in ws.quick_phrases.visible_to(other)
    # A shop shortcode is taken for everyone.
    with pytest.raises(DomainError) as err:
        ws.quick_phrases.add(other, _draft(shortcode="ALL"))
    assert err.value.code == "phrase.shortcode_taken"
    moved = ws.quick_phrases.update(other, shop.id, _draft(text="全店通用", shortcode="all"))
    assert (moved.pool, moved.agent_id) == (PhrasePool.PERSONAL, other)
    assert all(p.id != shop.id for p in ws.quick_phrases.visible_to(me))
    with pytest.raises(DomainError) as err:
        ws.quick_phrases.add(None, _draft())
    assert (err.value.code, err.value.field) == ("phrase.no_agent", "pool")
