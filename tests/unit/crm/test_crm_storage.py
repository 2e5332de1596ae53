"""The customer list, statistics, tags and groups in SQL agree with the rules in plain Python, on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from tests.unit.crm.conftest import NOW, TAGS, Known
from workbench.domain.crm import (
    CustomerFilter,
    CustomerListItem,
    GroupKind,
    RfmSettings,
    Segment,
    Selection,
    SortKey,
    TagMatch,
    credit_tier,
    member_level_for,
    rfm_scores,
    segment_of,
)
from workbench.domain.customers import masked_phone
from workbench.domain.errors import DomainError
from workbench.storage.db import Database
from workbench.storage.repositories.customer_groups import CustomerGroupRepository
from workbench.storage.repositories.customer_list import CustomerListRepository
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.tags import TagRepository
from workbench.storage.tables_crm import CustomerStatsRow

SETTINGS = RfmSettings()


@pytest.fixture
def computed(db: Database, known: Known) -> Known:
    with db.session() as s:
        CustomerStatsRepository(s).refresh_stats(known.shop_id, NOW, SETTINGS)
    return known


def expected_stats(known: Known, cid: int) -> tuple[int, int, datetime | None]:
    bought = known.purchases(cid)
    last = max((o.created_at for o in bought), default=None)
    return len(bought), sum(o.total_cents for o in bought), last


def all_rows(db: Database, known: Known, f: CustomerFilter, sort: SortKey, desc: bool, size: int = 7) -> list:
    """Every row of a filter, read page by page the way the list model does."""
    rows: list[CustomerListItem] = []
    with db.session() as s:
        repo = CustomerListRepository(s)
        total = repo.count(known.shop_id, f, sort)
        for offset in range(0, total + size, size):
            rows += repo.page(known.shop_id, f, sort, desc, offset, size)
    assert len(rows) == total
    assert len({r.id for r in rows}) == total, "a customer appeared on two pages"
    return rows


def matches(known: Known, cid: int, f: CustomerFilter) -> bool:
    """The filter's meaning, written plainly."""
    c = known.customers[cid]
    tags = {known.tags[t] for t in known.tags_of[cid]}
    count, total, last = expected_stats(known, cid)
    seg = segment_of(last, count, total, NOW, SETTINGS)
    term = f.search
    if term and not (
        term.lower() in c.nick.lower()
        or (term.isdigit() and term in c.phone)
        or (not term.isdigit() and term.lower() in c.name.lower())
    ):
        return False
    if f.tag_ids:
        wanted = set(f.tag_ids)
        ok = {
            TagMatch.ANY: bool(tags & wanted),
            TagMatch.ALL: wanted <= tags,
            TagMatch.NONE: not tags & wanted,
        }[f.tag_match]
        if not ok:
            return False
    checks = [
        not f.levels or c.member_level in f.levels,
        not f.sources or c.traffic_source in f.sources,
        f.vip88 is None or c.is_88vip == f.vip88,
        not f.credit_tiers or credit_tier(c.credit_level) in f.credit_tiers,
        not f.segments or seg in f.segments,
        f.min_spent_cents is None or total >= f.min_spent_cents,
        f.max_spent_cents is None or total <= f.max_spent_cents,
        f.min_orders is None or count >= f.min_orders,
        f.max_orders is None or count <= f.max_orders,
        f.last_order_from is None or (last is not None and last.date() >= f.last_order_from),
        f.last_order_to is None or (last is not None and last.date() <= f.last_order_to),
    ]
    return all(checks)


# -- statistics and segments ------------------------------------------------------------------------


def test_sql_statistics_and_segments_agree_with_the_python_rules(shared_db: Database, shared: Known) -> None:
    known = shared
    with shared_db.session() as s:
        repo = CustomerStatsRepository(s)
        for cid in known.customers:
            stats = repo.stats_of(cid)
            count, total, last = expected_stats(known, cid)
            assert (stats.order_count, stats.total_cents, stats.last_order_at) == (count, total, last)
            assert (stats.r, stats.f, stats.m) == rfm_scores(last, count, total, NOW, SETTINGS)
            assert stats.segment is segment_of(last, count, total, NOW, SETTINGS)
    segments = {repo_seg for repo_seg in (s.segment for s in _all_stats(shared_db, known))}
    assert {Segment.NONE, Segment.CHURNED} <= segments and len(segments) >= 4, "the data exercises the segments"


def _all_stats(db: Database, known: Known) -> list:
    with db.session() as s:
        return [CustomerStatsRepository(s).stats_of(cid) for cid in known.customers]


def test_refresh_for_some_customers_leaves_the_others(db: Database, computed: Known) -> None:
    known = computed
    first, second = list(known.customers)[:2]
    later = NOW + timedelta(days=400)  # everyone churned by then
    with db.session() as s:
        CustomerStatsRepository(s).refresh_stats(known.shop_id, later, SETTINGS, [first])
    with db.session() as s:
        repo = CustomerStatsRepository(s)
        count, total, last = expected_stats(known, first)
        assert repo.stats_of(first).segment is segment_of(last, count, total, later, SETTINGS)
        count, total, last = expected_stats(known, second)
        assert repo.stats_of(second).segment is segment_of(last, count, total, NOW, SETTINGS)


def test_other_shops_are_not_counted(shared_db: Database, shared: Known) -> None:
    with shared_db.session() as s:
        assert CustomerListRepository(s).count(shared.shop_id, CustomerFilter()) == len(shared.customers)
        other = CustomerStatsRepository(s).stats_of(shared.other_customer_id)
        assert (other.order_count, other.total_cents) == (1, 999900)  # its own shop's order, kept as it was written
        rows = s.execute(
            select(func.count()).select_from(CustomerStatsRow).where(CustomerStatsRow.shop_id == shared.shop_id)
        ).scalar_one()
        assert rows == len(shared.customers)
        board = CustomerStatsRepository(s).dashboard(shared.shop_id, SETTINGS, NOW)
        assert board.customers == len(shared.customers)
        assert board.total_cents == sum(expected_stats(shared, cid)[1] for cid in shared.customers)


def test_scores_age_with_the_date_and_new_settings(db: Database, known: Known) -> None:
    """Scores move on once a day (only within a day: nothing to do) and after new settings, and then
    equal a recount from the orders at that moment."""
    with db.session() as s:
        repo = CustomerStatsRepository(s)
        assert repo.age(known.shop_id, NOW) is True  # never scored: every row
        assert repo.age(known.shop_id, NOW + timedelta(hours=1)) is False
    for moment, settings in (
        (NOW + timedelta(days=1), SETTINGS),
        (NOW + timedelta(days=75), SETTINGS),
        (NOW + timedelta(days=75), RfmSettings(at_risk_days=60)),
    ):
        with db.session() as s:
            repo = CustomerStatsRepository(s)
            if settings != repo.settings(known.shop_id):
                repo.save_settings(known.shop_id, settings)
            assert repo.age(known.shop_id, moment) is True
        for cid, stats in zip(known.customers, _all_stats(db, known), strict=True):
            count, total, last = expected_stats(known, cid)
            assert stats.segment is segment_of(last, count, total, moment, settings), cid
    with db.session() as s:
        assert CustomerStatsRepository(s).settings(known.shop_id).at_risk_days == 60


def test_dashboard_adds_up(shared_db: Database, shared: Known) -> None:
    known = shared
    with shared_db.session() as s:
        board = CustomerStatsRepository(s).dashboard(known.shop_id, SETTINGS, NOW)
    assert board.customers == len(known.customers)
    assert sum(s.customers for s in board.sources) == board.customers
    buyers = [cid for cid in known.customers if known.purchases(cid)]
    repeat = [cid for cid in buyers if len(known.purchases(cid)) >= 2]
    assert (board.buyers, board.repeat_buyers) == (len(buyers), len(repeat))
    assert board.repurchase_rate == pytest.approx(len(repeat) / len(buyers))
    assert board.total_cents == sum(expected_stats(known, cid)[1] for cid in known.customers)
    assert sum(n for _, n in board.levels) == len(known.customers)
    for stat in board.segments:
        expected = [cid for cid in known.customers if segment_of(*_seg_args(known, cid), NOW, SETTINGS) is stat.segment]
        assert stat.customers == len(expected)


def _seg_args(known: Known, cid: int) -> tuple[datetime | None, int, int]:
    count, total, last = expected_stats(known, cid)
    return last, count, total


def test_member_levels_follow_spend(db: Database, computed: Known) -> None:
    known = computed
    with db.session() as s:
        changed = CustomerStatsRepository(s).apply_member_levels(known.shop_id, SETTINGS)
    assert changed > 0
    with db.session() as s:
        customers = CustomerRepository(s)
        for cid in known.customers:
            customer = customers.get(cid)
            assert customer is not None
            assert customer.member_level == member_level_for(expected_stats(known, cid)[1], SETTINGS)
        other = customers.get(known.other_customer_id)
        assert other is not None and other.member_level == ""
    with db.session() as s:
        assert CustomerStatsRepository(s).apply_member_levels(known.shop_id, SETTINGS) == 0


# -- the list -----------------------------------------------------------------------------------------

FILTERS: list[Callable[[Known], CustomerFilter]] = [
    lambda k: CustomerFilter(),
    lambda k: CustomerFilter(tag_ids=(k.tags["老客户"], k.tags["大码"])),
    lambda k: CustomerFilter(tag_ids=(k.tags["老客户"], k.tags["大码"]), tag_match=TagMatch.ALL),
    lambda k: CustomerFilter(tag_ids=(k.tags["老客户"],), tag_match=TagMatch.NONE),
    lambda k: CustomerFilter(tag_ids=(k.tags["学生党"],)),
    lambda k: CustomerFilter(levels=("金卡", "钻石")),
    lambda k: CustomerFilter(sources=("站外",), vip88=False),
    lambda k: CustomerFilter(vip88=True),
    lambda k: CustomerFilter(credit_tiers=("冠",)),
    lambda k: CustomerFilter(credit_tiers=("心", "金冠")),
    lambda k: CustomerFilter(segments=(Segment.CHURNED, Segment.AT_RISK)),
    lambda k: CustomerFilter(segments=(Segment.NONE,)),
    lambda k: CustomerFilter(min_spent_cents=50_000, max_orders=4),
    lambda k: CustomerFilter(min_orders=2),
    lambda k: CustomerFilter(last_order_from=date(2026, 3, 1), last_order_to=date(2026, 5, 22)),
    lambda k: CustomerFilter(search="小鹿"),
    lambda k: CustomerFilter(search="王丽"),
    lambda k: CustomerFilter(search="00000012"),
    lambda k: CustomerFilter(search="BUYER_01"),
    lambda k: CustomerFilter(search="buyer", segments=(Segment.POTENTIAL, Segment.NEW), sources=("站内免费",)),
]


@pytest.mark.parametrize("make_filter", FILTERS)
@pytest.mark.parametrize(
    ("sort", "desc"),
    [(SortKey.ID, True), (SortKey.NICK, False), (SortKey.SPENT, True), (SortKey.LAST_ORDER, False)],
)
def test_pages_hold_exactly_the_matching_customers_in_order(
    shared_db: Database, shared: Known, make_filter: Callable[[Known], CustomerFilter], sort: SortKey, desc: bool
) -> None:
    known = shared
    f = make_filter(known).validated()
    rows = all_rows(shared_db, known, f, sort, desc)
    assert {r.id for r in rows} == {cid for cid in known.customers if matches(known, cid, f)}
    keys = {
        SortKey.ID: lambda r: r.id,
        SortKey.NICK: lambda r: r.nick,
        SortKey.SPENT: lambda r: (r.stats.total_cents, r.id),
        SortKey.LAST_ORDER: lambda r: (r.stats.last_order_at or datetime.min, r.id),
    }
    assert rows == sorted(rows, key=keys[sort], reverse=desc)


def test_rows_carry_masked_phones_tags_and_statistics(shared_db: Database, shared: Known) -> None:
    known = shared
    rows = all_rows(shared_db, known, CustomerFilter(), SortKey.ID, False)
    for row in rows:
        customer = known.customers[row.id]
        assert row.phone_masked == masked_phone(customer.phone)
        assert customer.phone == "" or customer.phone not in repr(row)
        assert {t.name for t in row.tags} == known.tags_of[row.id]
        assert row.stats.order_count == len(known.purchases(row.id))


def test_search_treats_wildcards_literally(shared_db: Database, shared: Known) -> None:
    with shared_db.session() as s:
        repo = CustomerListRepository(s)
        assert repo.count(shared.shop_id, CustomerFilter(search="%")) == 0
        assert repo.count(shared.shop_id, CustomerFilter(search="_")) == len(shared.customers)  # all nicks have _


def test_customers_without_statistics_are_consistent(db: Database, known: Known) -> None:
    """Customers without a statistics row (written around the repositories): plain filters list
    everyone, statistics sorts list no one — never a mismatch."""
    with db.session() as s:
        s.execute(delete(CustomerStatsRow))
    with db.session() as s:
        repo = CustomerListRepository(s)
        assert repo.count(known.shop_id, CustomerFilter()) == len(known.customers)
        assert len(repo.page(known.shop_id, CustomerFilter(), SortKey.ID, False, 0, 1000)) == len(known.customers)
        assert repo.count(known.shop_id, CustomerFilter(), SortKey.SPENT) == 0
        assert repo.page(known.shop_id, CustomerFilter(), SortKey.SPENT, True, 0, 10) == []


def test_selection_ids_stay_inside_the_shop(shared_db: Database, shared: Known) -> None:
    known = shared
    mine = list(known.customers)[:3]
    with shared_db.session() as s:
        repo = CustomerListRepository(s)
        assert repo.selection_ids(known.shop_id, Selection.of([*mine, known.other_customer_id])) == mine
        f = CustomerFilter(vip88=True)
        assert repo.selection_ids(known.shop_id, Selection.matching(f)) == sorted(
            cid for cid in known.customers if known.customers[cid].is_88vip
        )
        assert repo.selection_count(known.shop_id, Selection.matching(f)) == repo.count(known.shop_id, f)


# -- tags -------------------------------------------------------------------------------------------


def test_bulk_tag_by_ids_and_by_filter(db: Database, computed: Known) -> None:
    known = computed
    ids = list(known.customers)[:10]
    with db.session() as s:
        repo = TagRepository(s)
        tag = repo.create_tag(known.shop_id, "双11", "#ff0000", "活动")
        added = repo.bulk_tag(known.shop_id, Selection.of([*ids, known.other_customer_id]), tag.id, NOW)
        assert added == 10
        assert repo.bulk_tag(known.shop_id, Selection.of(ids), tag.id, NOW) == 0  # already tagged
        vip = CustomerFilter(vip88=True)
        vips = {cid for cid in known.customers if known.customers[cid].is_88vip}
        assert repo.bulk_tag(known.shop_id, Selection.matching(vip), tag.id, NOW) == len(vips - set(ids))
    with db.session() as s:
        customer_list = CustomerListRepository(s)
        tagged = set(customer_list.selection_ids(known.shop_id, Selection.matching(CustomerFilter(tag_ids=(tag.id,)))))
        assert tagged == set(ids) | vips
        assert CustomerRepository(s).tags_of(known.other_customer_id) == []
        removed = TagRepository(s).bulk_untag(known.shop_id, Selection.matching(vip), tag.id)
        assert removed == len(vips)
        assert customer_list.count(known.shop_id, CustomerFilter(tag_ids=(tag.id,))) == len(set(ids) - vips)


def test_tag_library_usage_rename_merge_delete(db: Database, computed: Known) -> None:
    known = computed
    usage_of = {t: sum(1 for tags in known.tags_of.values() if t in tags) for t in TAGS}
    with db.session() as s:
        repo = TagRepository(s)
        groups = CustomerGroupRepository(s)
        usage = {u.name: u for u in repo.tag_usage(known.shop_id)}
        for name, count in usage_of.items():
            assert usage[name].count == count and not usage[name].official
        assert usage["88VIP"].official and usage["88VIP"].count == sum(c.is_88vip for c in known.customers.values())
        assert usage["冠"].count == sum(credit_tier(c.credit_level) == "冠" for c in known.customers.values())
        with pytest.raises(DomainError) as info:
            repo.update_tag(known.shop_id, known.tags["爱砍价"], name="老客户")
        assert info.value.code == "tag.exists"
        repo.update_tag(known.shop_id, known.tags["爱砍价"], name="议价型", color="#123456", group="沟通")
        group = groups.create_group(
            known.shop_id, "议价客户", GroupKind.FILTER, CustomerFilter(tag_ids=(known.tags["爱砍价"],)), NOW
        )
        moved = repo.merge_tags(known.shop_id, [known.tags["爱砍价"]], known.tags["老客户"])
        groups.rewrite_group_filters(known.shop_id, [known.tags["爱砍价"]], known.tags["老客户"])
        expected_union = {cid for cid, tags in known.tags_of.items() if tags & {"爱砍价", "老客户"}}
        bargainers = {cid for cid, t in known.tags_of.items() if "爱砍价" in t}
        regulars = {cid for cid, t in known.tags_of.items() if "老客户" in t}
        assert moved == len(bargainers - regulars)
    with db.session() as s:
        repo = TagRepository(s)
        groups = CustomerGroupRepository(s)
        names = {u.name: u.count for u in repo.tag_usage(known.shop_id)}
        assert "议价型" not in names and names["老客户"] == len(expected_union)
        assert groups.group(known.shop_id, group.id).filter.tag_ids == (known.tags["老客户"],)
        used = repo.delete_tag(known.shop_id, known.tags["大码"])
        groups.rewrite_group_filters(known.shop_id, [known.tags["大码"]], None)
        assert used == usage_of["大码"]
        assert repo.tag_by_name(known.shop_id, "大码") is None


def test_official_tags_cannot_be_changed(db: Database, computed: Known) -> None:
    with db.session() as s:
        vip = CustomerRepository(s).ensure_tag(computed.shop_id, "信用极好", official=True)
        repo = TagRepository(s)
        for action in (
            lambda: repo.update_tag(computed.shop_id, vip.id, name="x"),
            lambda: repo.delete_tag(computed.shop_id, vip.id),
            lambda: repo.merge_tags(computed.shop_id, [vip.id], computed.tags["老客户"]),
            lambda: repo.bulk_tag(computed.shop_id, Selection.of(list(computed.customers)), vip.id, NOW),
        ):
            with pytest.raises(DomainError) as info:
                action()
            assert info.value.code == "tag.official"


# -- groups -------------------------------------------------------------------------------------------


def test_static_group_members_and_group_filter(db: Database, computed: Known) -> None:
    known = computed
    ids = list(known.customers)[5:12]
    with db.session() as s:
        repo = CustomerGroupRepository(s)
        group = repo.create_group(known.shop_id, "重点维护", GroupKind.STATIC, CustomerFilter(), NOW)
        assert repo.add_members(known.shop_id, group.id, Selection.of(ids), NOW) == len(ids)
        assert repo.add_members(known.shop_id, group.id, Selection.of(ids[:2]), NOW) == 0
        vip = Selection.matching(CustomerFilter(vip88=True))
        vips = {cid for cid in known.customers if known.customers[cid].is_88vip}
        assert repo.add_members(known.shop_id, group.id, vip, NOW) == len(vips - set(ids))
        with pytest.raises(DomainError):
            repo.create_group(known.shop_id, "重点维护", GroupKind.FILTER, CustomerFilter(), NOW)
    with db.session() as s:
        repo = CustomerGroupRepository(s)
        customer_list = CustomerListRepository(s)
        members = set(customer_list.selection_ids(known.shop_id, Selection.matching(group.customer_filter())))
        assert members == set(ids) | vips
        assert [g.name for g in repo.static_groups_of(ids[0])] == ["重点维护"]
        assert repo.remove_members(known.shop_id, group.id, ids) == len(ids)
        assert customer_list.count(known.shop_id, group.customer_filter()) == len(vips - set(ids))
        repo.delete_group(known.shop_id, group.id)
        assert repo.groups(known.shop_id) == []


def test_dynamic_groups_keep_their_filter(db: Database, computed: Known) -> None:
    f = CustomerFilter(segments=(Segment.CHURNED,), levels=("金卡",))
    with db.session() as s:
        repo = CustomerGroupRepository(s)
        group = repo.create_group(computed.shop_id, "流失金卡", GroupKind.FILTER, f, NOW)
        with pytest.raises(DomainError) as info:
            repo.add_members(computed.shop_id, group.id, Selection.of(list(computed.customers)), NOW)
        assert info.value.code == "group.not_static"
    with db.session() as s:
        loaded = CustomerGroupRepository(s).groups(computed.shop_id)
    assert [(g.name, g.kind, g.customer_filter()) for g in loaded] == [("流失金卡", GroupKind.FILTER, f)]


def test_crm_revision_downgrades_and_upgrades_cleanly(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from workbench.storage.db import _alembic_config

    database = Database(db_url)
    try:
        cfg = _alembic_config(database.engine)
        command.upgrade(cfg, "0002_crm")
        assert "customer_stats" in inspect(database.engine).get_table_names()
        command.downgrade(cfg, "0001")
        tables = set(inspect(database.engine).get_table_names())
        assert not tables & {"customer_stats", "followups", "customer_groups", "care_templates"}
        assert "ix_customers_search" not in {i["name"] for i in inspect(database.engine).get_indexes("customers")}
        command.upgrade(cfg, "0002_crm")
        assert "ix_customers_search" in {i["name"] for i in inspect(database.engine).get_indexes("customers")}
    finally:
        database.dispose()
