"""Knowledge editor and industry packs over a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import inspect

from tests.unit.kb_admin.conftest import FakeClock, draft
from workbench.domain.errors import DomainError
from workbench.domain.identity import PROGRAM
from workbench.domain.kb import Phrasing
from workbench.domain.kb_admin import Answer, EntrySort, KbValidationError, PackLink
from workbench.domain.packs import ChangeKind, load_pack
from workbench.kb.matcher import Matcher, OutcomeKind
from workbench.services.kb_admin import KbAdminService, QaCase, apply_change, batch_test
from workbench.services.packs import PackService
from workbench.storage.db import Database
from workbench.storage.repositories.kb import KbRepository


@pytest.fixture
def svc(db: Database, shop_id: int, clock: FakeClock) -> KbAdminService:
    return KbAdminService(db, shop_id, clock, actor=PROGRAM)


@pytest.fixture
def packs(db: Database, shop_id: int, clock: FakeClock) -> PackService:
    return PackService(db, shop_id, clock, actor=PROGRAM)


EDITOR_TABLES = {"kb_hit_days", "kb_answer_windows", "kb_pack_subscriptions", "kb_pack_entries"}


def test_migration_adds_the_editor_tables_and_downgrades(db_url: str) -> None:
    from alembic import command

    from workbench.storage.db import _alembic_config

    database = Database(db_url)
    try:
        cfg = _alembic_config(database.engine)
        command.upgrade(cfg, "0004_assistant")
        assert set(inspect(database.engine).get_table_names()) >= EDITOR_TABLES
        command.downgrade(cfg, "0003_aftersales")
        assert not EDITOR_TABLES & set(inspect(database.engine).get_table_names())
        database.migrate()
        assert set(inspect(database.engine).get_table_names()) >= EDITOR_TABLES
    finally:
        database.dispose()


def test_hits_per_day_give_yesterday_and_the_last_seven_days(db: Database, svc: KbAdminService) -> None:
    a = svc.create_entry(draft()).entries[0]
    b = svc.create_entry(draft("发什么快递", phrasings=(Phrasing("用哪家快递"),))).entries[0]
    today = svc.today()
    with db.session() as s:
        repo = KbRepository(s)
        for days_ago, entry_id, times in ((1, a.id, 2), (3, a.id, 1), (8, a.id, 5), (0, b.id, 4), (1, b.id, 1)):
            for _ in range(times):
                repo.count_hit(entry_id, today - timedelta(days=days_ago))
        repo.count_hit(999_999, today)  # an entry deleted meanwhile: nothing happens
    got = {e.question: (e.hits, e.hits_yesterday, e.hits_week) for e in svc.entries()}
    assert got == {"什么时候发货": (8, 2, 3), "发什么快递": (5, 1, 5)}
    assert [e.id for e in svc.entries(sort=EntrySort.HOT_YESTERDAY)] == [a.id, b.id]
    assert [e.id for e in svc.entries(sort=EntrySort.HOT_WEEK)] == [b.id, a.id]
    assert [e.id for e in svc.entries(search="快递")] == [b.id]


def test_create_edit_toggle_delete_keep_the_matcher_live(svc: KbAdminService) -> None:
    matcher = Matcher(svc.live_entries())
    change = svc.create_entry(draft(answers=(Answer("亲，48小时内发货"), Answer("亲，预售按页面时间发"))))
    created = change.entries[0]
    assert created.custom and created.phrasings[1].core_words == ("今天", "发")
    apply_change([matcher, None], change)
    assert matcher.answer("啥时候能发").best.answer == "亲，48小时内发货"  # type: ignore[union-attr]

    edited = svc.update_entry(created.id, replace(created.draft(), answers=(Answer("亲，24小时内发货"),)))
    apply_change([matcher], edited)
    assert matcher.answer("啥时候能发").best.answer == "亲，24小时内发货"  # type: ignore[union-attr]

    apply_change([matcher], svc.set_enabled(created.id, False))
    assert matcher.answer("啥时候能发").kind is OutcomeKind.FALLBACK
    apply_change([matcher], svc.set_enabled(created.id, True))
    apply_change([matcher], svc.edit_answer(created.id, 0, "亲，今天下单今天发"))
    assert matcher.answer("啥时候能发").best.answer == "亲，今天下单今天发"  # type: ignore[union-attr]

    apply_change([matcher], svc.delete_entry(created.id))
    assert matcher.answer("啥时候能发").kind is OutcomeKind.FALLBACK and svc.entry(created.id) is None
    with pytest.raises(DomainError) as info:
        svc.delete_entry(created.id)
    assert info.value.code == "kb.entry.missing"


def test_invalid_drafts_are_refused_with_every_issue(svc: KbAdminService) -> None:
    bad = draft(phrasings=(Phrasing("能包邮吗", core_words=("顺丰",)),), answers=())
    with pytest.raises(KbValidationError) as info:
        svc.create_entry(bad)
    assert [(i.field.value, i.code) for i in info.value.issues] == [
        ("core_words", "kb.core.not_in_phrasing"),
        ("answer", "kb.answer.none"),
    ]
    assert svc.entries() == []


def test_a_standard_question_belongs_to_one_entry(svc: KbAdminService) -> None:
    """Import replaces by 标准问题 and packs skip questions the KB has, so twins are refused."""
    first = svc.create_entry(draft()).entries[0]
    other = svc.create_entry(draft("发什么快递", phrasings=(Phrasing("用哪家快递"),))).entries[0]
    for attempt in (
        lambda: svc.create_entry(draft("什么时候发货？")),
        lambda: svc.update_entry(other.id, draft("什么时候 发货", phrasings=(Phrasing("用哪家快递"),))),
    ):
        with pytest.raises(KbValidationError) as info:
            attempt()
        assert [(i.field.value, i.code) for i in info.value.issues] == [("question", "kb.question.duplicate")]
    assert sorted(e.question for e in svc.entries()) == ["什么时候发货", "发什么快递"]
    svc.update_entry(first.id, draft(answers=(Answer("亲，24小时内发货"),)))  # its own question is fine
    assert svc.entry(first.id).answers[0].text == "亲，24小时内发货"  # type: ignore[union-attr]


def test_answer_windows_are_stored_and_applied(svc: KbAdminService, clock: FakeClock) -> None:
    window = Answer("亲，双11满300减50", date(2026, 11, 1), date(2026, 11, 11))
    change = svc.create_entry(
        draft("双十一有什么活动", "活动优惠", (Phrasing("双11优惠多少"),), (window, Answer("亲，关注店铺")))
    )
    assert svc.entry(change.entries[0].id).answers[0] == window  # type: ignore[union-attr]
    assert change.upserts[0].answers == ("亲，双11满300减50", "亲，关注店铺")
    clock.now = clock.now.replace(month=12)
    assert svc.live_entries()[0].answers == ("亲，关注店铺",)


def test_a_new_day_brings_the_entries_whose_windows_opened_or_closed(svc: KbAdminService, clock: FakeClock) -> None:
    opens = Answer("亲，双12满200减30", date(2026, 12, 12))
    sale = svc.create_entry(draft("双十二有什么活动", "活动优惠", (Phrasing("双12优惠多少"),), (opens,))).entries[0]
    old = svc.create_entry(
        draft("双十一有什么活动", "活动优惠", (), (Answer("亲，双11满300减50", None, date(2026, 12, 11)),))
    ).entries[0]
    svc.create_entry(draft())  # no window: never part of a day change
    matcher = Matcher(svc.live_entries())
    assert not matcher.match("双十二有什么活动") or matcher.match("双十二有什么活动")[0].entry_id != sale.id

    clock.now = datetime(2026, 12, 12, 0, 0, 30)
    change = svc.day_change(date(2026, 12, 11))
    assert sorted(e.id for e in change.upserts) == sorted([sale.id, old.id])
    apply_change([matcher], change)
    assert matcher.match("双十二有什么活动")[0].entry_id == sale.id
    assert all(s.entry_id != old.id for s in matcher.match("双十一有什么活动", top=10))
    assert svc.day_change(date(2026, 12, 12)).upserts == ()  # the same day again: nothing


def test_the_test_window_edits_the_answer_the_bot_gives_today(svc: KbAdminService) -> None:
    past = Answer("亲，双11满300减50", date(2026, 11, 1), date(2026, 11, 10))
    created = svc.create_entry(
        draft("有什么活动", "活动优惠", (Phrasing("最近有啥活动"),), (past, Answer("亲，关注店铺")))
    )
    entry_id = created.entries[0].id
    change = svc.edit_shown_answer(entry_id, "亲，今天全场包邮")  # 11-11: the first answer is out of its window
    assert [a.text for a in change.entries[0].answers] == ["亲，双11满300减50", "亲，今天全场包邮"]
    assert change.upserts[0].answers == ("亲，今天全场包邮",)
    with pytest.raises(DomainError):
        svc.edit_shown_answer(999_999, "x")


def test_custom_categories_add_rename_delete(svc: KbAdminService) -> None:
    svc.add_category("尺码专区")
    with pytest.raises(KbValidationError):
        svc.add_category("尺码专区")
    entry = svc.create_entry(draft("童装怎么选码", "尺码专区", (Phrasing("孩子穿多大"),))).entries[0]
    names = [c.name for c in svc.categories()]
    assert names[:7] == ["聊天互动", "商品问题", "活动优惠", "购买操作", "物流问题", "售后问题", "更多问题"]
    assert names[7:] == ["尺码专区"]
    renamed = svc.rename_category("尺码专区", "尺码助手")
    assert renamed.upserts[0].category == "尺码助手" and svc.entry(entry.id).category == "尺码助手"  # type: ignore[union-attr]
    for standard in ("物流问题", "不存在"):
        with pytest.raises(DomainError):
            svc.rename_category(standard, "x")
    moved = svc.delete_category("尺码助手")
    assert [e.id for e in moved.entries] == [entry.id] and moved.upserts[0].category == "更多问题"
    info = {c.name: c for c in svc.categories()}
    assert "尺码助手" not in info and info["更多问题"].entries == 1


def test_subscribe_edit_upgrade_keeps_the_edit_and_reports(svc: KbAdminService, packs: PackService) -> None:
    old, new = load_pack("apparel", "1.0"), load_pack("apparel")
    svc.create_entry(draft("你好，在吗", "聊天互动", (Phrasing("在吗"),)))
    sub = packs.subscribe("apparel", "1.0")
    assert sub.report.to_version == "1.0" and len(sub.report.added) == len(old.entries) - 1
    assert [c.key for c in sub.report.skipped] == ["greet"]
    assert len(sub.change.upserts) == len(old.entries) - 1
    status = {s.pack.id: s for s in packs.catalog()}["apparel"]
    assert status.subscription is not None and status.subscription.version == "1.0" and status.upgradable

    by_key = {e.pack.key: e for e in svc.entries() if e.pack}  # type: ignore[union-attr]
    ship = by_key["ship-when"]
    assert ship.pack == PackLink("apparel", "ship-when", "1.0", edited=False)
    mine = "亲，本店下午4点前付款当天发货哦"
    svc.edit_answer(ship.id, 0, mine)
    assert svc.entry(ship.id).pack.edited  # type: ignore[union-attr]
    svc.set_enabled(by_key["fit"].id, False)  # switching off is not an edit
    svc.delete_entry(by_key["wash"].id)  # deleted by the shop: not brought back

    result = packs.upgrade("apparel")
    report = result.report
    assert (report.from_version, report.to_version) == ("1.0", new.version)
    kinds = {c.key: c.kind for c in report.changes}
    assert kinds["ship-when"] is ChangeKind.KEPT_EDITED and [c.key for c in report.conflicts] == ["ship-when"]
    assert {"return-7days", "free-shipping", "exchange", "member"} <= {c.key for c in report.updated}
    assert {c.key for c in report.added} == {"kids-size", "down-fill", "down-leak", "exchange-freight"}
    assert [c.key for c in report.removed] == ["follow"]
    assert kinds["wash"] is ChangeKind.SKIPPED_DELETED
    assert kinds["fit"] is ChangeKind.UPDATED  # switched off, not edited: it takes the new content
    assert "greet" not in kinds  # skipped when subscribing (the shop's own 你好，在吗): not reported again

    after = {e.pack.key: e for e in svc.entries() if e.pack}  # type: ignore[union-attr]
    assert after["ship-when"].answer == mine and after["ship-when"].pack.version == new.version  # type: ignore[union-attr]
    assert after["return-7days"].answer == new.entry("return-7days").answers[0]  # type: ignore[union-attr]
    assert not after["fit"].enabled  # the shop's switch survives
    assert "wash" not in after and "follow" not in after and "kids-size" in after
    assert by_key["follow"].id in result.change.removed
    assert {e.id for e in result.change.entries} >= {after["return-7days"].id, after["kids-size"].id}

    with pytest.raises(DomainError) as info:
        packs.upgrade("apparel", "1.0")
    assert info.value.code == "pack.not_newer"
    with pytest.raises(DomainError):
        packs.subscribe("apparel")


def test_edit_reverted_to_the_pack_content_is_no_longer_edited(svc: KbAdminService, packs: PackService) -> None:
    packs.subscribe("apparel", "1.0")
    entry = next(e for e in svc.entries() if e.pack and e.pack.key == "bye")
    original = entry.answers[0].text
    svc.edit_answer(entry.id, 0, "拜拜亲")
    svc.edit_answer(entry.id, 0, original)
    assert not svc.entry(entry.id).pack.edited  # type: ignore[union-attr]


def test_subscribe_skips_questions_the_shop_has_and_unsubscribe_keeps_edits(
    svc: KbAdminService, packs: PackService
) -> None:
    own = svc.create_entry(draft("什么时候发货")).entries[0]
    sub = packs.subscribe("food")
    assert [c.key for c in sub.report.skipped] == ["ship-when"]
    food = {e.pack.key: e for e in svc.entries() if e.pack}  # type: ignore[union-attr]
    assert "ship-when" not in food and svc.entry(own.id).pack is None  # type: ignore[union-attr]
    svc.edit_answer(food["spicy"].id, 0, "亲，我们家微辣是真的微辣，放心买～")

    gone = packs.unsubscribe("food")
    assert [c.key for c in gone.report.kept] == ["spicy"]
    assert len(gone.report.removed) == len(food) - 1 and len(gone.change.removed) == len(food) - 1
    left = svc.entries()
    assert {e.question for e in left} == {"什么时候发货", "辣不辣"}
    spicy = next(e for e in left if e.question == "辣不辣")
    assert spicy.pack is None and spicy.custom
    assert {s.pack.id: s.subscription for s in packs.catalog()}["food"] is None
    with pytest.raises(DomainError) as info:
        packs.unsubscribe("food")
    assert info.value.code == "pack.not_subscribed"


def test_batch_test_counts_hits_and_lists_misses(svc: KbAdminService) -> None:
    svc.create_entry(draft())
    svc.create_entry(draft("发什么快递", phrasings=(Phrasing("用哪家快递"), Phrasing("能发顺丰吗"))))
    entries = svc.live_entries()
    matcher = Matcher(entries)
    cases = [
        QaCase("啥时候能发", "什么时候发货", 2),
        QaCase("能发顺丰吗", "什么时候发货", 3),  # answered, but by another entry
        QaCase("能开发票吗", "", 4),  # nothing in the KB
        QaCase("用哪家快递", str(entries[1].id), 5),  # expected given as an id
        QaCase("包邮吗", "包邮吗", 6),  # expected entry not in the KB
    ]
    report = batch_test(matcher, cases, entries)
    assert (report.total, report.hits) == (5, 2) and report.hit_rate == pytest.approx(0.4)
    assert [r.case.line for r in report.misses] == [3, 4, 6]
    assert report.misses[0].answered_by == "发什么快递"
    assert [c.line for c in report.unknown_expected] == [6]
    assert report.count(OutcomeKind.DIRECT) >= 3
