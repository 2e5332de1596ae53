"""The demo clothing shop: shipped content and the deterministic customer/order generator."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from datetime import datetime, timedelta
from importlib import resources

import pytest

from workbench.demo.content import (
    CARRIERS,
    CREDIT_LEVELS,
    DEMO_FILES,
    FLAGS,
    MEMBER_LEVELS,
    PLACEHOLDERS,
    REFUND_TYPES,
    TRAFFIC_SOURCES,
    DemoOrder,
    DemoShop,
    LogisticsStatus,
    load_demo_content,
    read_demo_file,
    validate_demo_content,
)
from workbench.demo.generator import DEFAULT_CUSTOMERS, DEFAULT_SEED, generate_demo_shop
from workbench.domain.kb import MAX_CORE_WORDS, STANDARD_CATEGORIES, KbEntry, PhrasingKind
from workbench.domain.orders import OrderState
from workbench.domain.quick_phrases import PhrasePool

NOW = datetime(2025, 11, 11, 10, 30)
# Different seeds and awkward clock times (night, midnight, New Year) for the invariant checks.
SCENARIOS = [
    (DEFAULT_SEED, NOW),
    (1, datetime(2025, 3, 2, 3, 7)),
    (42, datetime(2026, 1, 1, 0, 0)),
    (7, datetime(2025, 7, 20, 23, 59)),
]


@pytest.fixture(scope="module")
def shop() -> DemoShop:
    return generate_demo_shop(now=NOW)


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda s: f"seed{s[0]}-{s[1]:%Y%m%d%H%M}")
def any_shop(request: pytest.FixtureRequest) -> DemoShop:
    seed, now = request.param
    return generate_demo_shop(seed=seed, now=now)


def raw_files() -> dict[str, object]:
    return {name: read_demo_file(name) for name in DEMO_FILES}


# ------------------------------------------------------------------------------------- files


def test_files_are_pretty_printed_utf8_json_read_through_importlib_resources() -> None:
    for name in DEMO_FILES:
        text = (resources.files("workbench.assets") / "demo" / name).read_text(encoding="utf-8")
        assert "\\u" not in text, f"{name} escapes non-ASCII characters"
        assert text.startswith(("{\n  ", "[\n  ")), f"{name} is not pretty-printed"
        json.loads(text)


def test_shipped_content_validates() -> None:
    validate_demo_content()
    validate_demo_content(raw_files())


def test_unknown_demo_file_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown demo file"):
        read_demo_file("../pyproject.toml")


# ------------------------------------------------------------------------------ validation


def _kb_index(data: dict, question: str) -> int:
    return next(i for i, e in enumerate(data["kb.json"]) if e["question"] == question)


def test_validation_reports_core_word_outside_its_phrasing_with_file_and_index() -> None:
    data = raw_files()
    i = _kb_index(data, "什么时候发货")
    data["kb.json"][i]["phrasings"][0]["core_words"] = ["顺丰"]
    with pytest.raises(ValueError, match=rf"kb\.json\[{i}\]\.phrasings\[0\]: core word '顺丰' is not inside"):
        validate_demo_content(data)


def test_validation_refuses_more_than_three_core_words() -> None:
    data = raw_files()
    i = _kb_index(data, "怎么退货")
    data["kb.json"][i]["phrasings"].append(
        {"text": "我要怎么申请退货退款", "core_words": ["我", "申请", "退货", "退款"]}
    )
    with pytest.raises(ValueError, match=rf"kb\.json\[{i}\]\.phrasings\[\d+\]: more than {MAX_CORE_WORDS} core words"):
        validate_demo_content(data)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["kb.json"][5].update(category="闲聊"), r"kb\.json\[5\]: unknown category 闲聊"),
        (lambda d: d["kb.json"][6]["answers"].__setitem__(0, "  "), r"kb\.json\[6\]: empty answer 0"),
        (lambda d: d["kb.json"][7].update(answers=[]), r"kb\.json\[7\]: answers must be"),
        (
            lambda d: d["kb.json"][8]["phrasings"][0].update(kind="regex"),
            r"kb\.json\[8\]\.phrasings\[0\]: unknown kind",
        ),
        (
            lambda d: d["kb.json"][9]["phrasings"][0].update(core_word=["x"]),
            r"kb\.json\[9\]\.phrasings\[0\]: unknown field",
        ),
        (
            lambda d: d["kb.json"][10]["phrasings"].append(dict(d["kb.json"][11]["phrasings"][0])),
            r"kb\.json\[11\]\.phrasings\[0\]: phrasing .* is also a phrasing of entry 10",
        ),
        (lambda d: d["kb.json"].append(copy.deepcopy(d["kb.json"][0])), r"kb\.json\[\d+\]: duplicate question"),
        (
            lambda d: d["quick_phrases.json"][3].update(shortcode=d["quick_phrases.json"][0]["shortcode"]),
            r"quick_phrases\.json\[3\]: duplicate shortcode",
        ),
        (
            lambda d: d["quick_phrases.json"][2].update(text="亲，{收货人}您好"),
            r"quick_phrases\.json\[2\]: unknown placeholder \{收货人\}",
        ),
        (lambda d: d["quick_phrases.json"][1].update(pool="team"), r"quick_phrases\.json\[1\]: unknown pool"),
        (
            lambda d: d["products.json"][4]["size_chart"].pop("S"),
            r"products\.json\[4\]: size_chart must have one line per size",
        ),
        (
            lambda d: d["products.json"][2].update(sku=d["products.json"][0]["sku"]),
            r"products\.json\[2\]: duplicate sku",
        ),
        (
            lambda d: d["products.json"][3]["attributes"].pop("洗涤"),
            r"products\.json\[3\]: attributes lack 洗涤",
        ),
        (lambda d: d["shop.json"]["agents"][1].update(role="boss"), r"shop\.json\[agents\]\[1\]: unknown role boss"),
        (lambda d: d["shop.json"]["policies"].pop("warranty_days"), r"shop\.json\[policies\]: missing warranty_days"),
        (lambda d: d.pop("kb.json"), r"missing demo file kb\.json"),
    ],
)
def test_validation_pinpoints_problems(mutate, message: str) -> None:
    data = raw_files()
    mutate(data)
    with pytest.raises(ValueError, match=message):
        validate_demo_content(data)


def test_validation_requires_every_standard_category() -> None:
    data = raw_files()
    data["kb.json"] = [e for e in data["kb.json"] if e["category"] != "更多问题"]
    with pytest.raises(ValueError, match="no entry in category 更多问题"):
        validate_demo_content(data)


# --------------------------------------------------------------------------------- content


def test_shop_agents_and_policies() -> None:
    content = load_demo_content()
    assert content.shop.industry == "服饰"
    assert content.shop.name.endswith("旗舰店")
    assert 3 <= len(content.agents) <= 4
    assert content.agents[0].username == "xiaozhao" and content.agents[0].display_name == "小赵"
    assert content.agents[0].role == "agent"
    assert any(a.role == "supervisor" for a in content.agents)
    assert len({a.username for a in content.agents}) == len(content.agents)
    policies = content.shop.policies
    assert policies.no_reason_days == 7
    assert policies.warranty_days == 90
    assert [level.name for level in policies.member_levels] == list(MEMBER_LEVELS)
    assert policies.member_level_for(0) == "普通会员"
    assert policies.member_level_for(policies.member_levels[2].min_spent_cents) == "金卡"
    address = content.shop.return_address
    assert address.province and address.city and address.district and address.detail and address.phone


def test_products() -> None:
    products = load_demo_content().products
    assert 20 <= len(products) <= 25
    categories = {p.category for p in products}
    assert {"连衣裙", "T恤", "衬衫", "牛仔裤", "外套", "针织衫", "半身裙", "卫衣"} <= categories
    assert len({p.sku for p in products}) == len(products)
    for p in products:
        assert p.price_cents > 0 and p.price_cents % 100 == 0
        assert p.sizes and p.colors and p.material and p.seasons
        assert [size for size, _ in p.size_chart] == list(p.sizes)
        for name in ("版型", "厚度", "弹力", "洗涤"):
            assert p.attribute(name), (p.sku, name)
        assert p.chart_for(p.sizes[0])


def test_kb_counts_categories_and_phrasings() -> None:
    entries = load_demo_content().kb_entries
    assert len(entries) >= 70
    per_category = Counter(e.category for e in entries)
    assert set(per_category) == set(STANDARD_CATEGORIES)
    assert min(per_category.values()) >= 7, per_category
    phrasings = [p for e in entries for p in e.phrasings]
    assert len(phrasings) / len(entries) >= 5
    assert all(len([p for p in e.phrasings if not p.negative]) >= 4 for e in entries)
    assert sum(p.negative for p in phrasings) >= 8
    assert sum(p.kind == PhrasingKind.KEYWORD for p in phrasings) >= 10
    assert sum(bool(p.core_words) for p in phrasings) >= 100
    for entry in entries:
        assert entry.category in STANDARD_CATEGORIES
        assert 1 <= len(entry.answers) <= 2
        assert all(answer.strip() for answer in entry.answers)
        assert any("亲" in answer for answer in entry.answers), entry.question
        for p in entry.phrasings:
            assert len(p.core_words) <= MAX_CORE_WORDS
            for word in p.core_words:
                assert word in p.text, (entry.question, p.text, word)


def test_kb_phrasings_are_unique_across_entries() -> None:
    seen: dict[str, str] = {}
    for entry in load_demo_content().kb_entries:
        for p in entry.phrasings:
            if p.negative:
                continue
            key = re.sub(r"[\s?？!！。，,~～]", "", p.text).lower()
            assert seen.setdefault(key, entry.question) == entry.question, (p.text, seen[key], entry.question)


def test_kb_has_the_entries_a_clothing_shop_needs() -> None:
    entries = {e.question: e for e in load_demo_content().kb_entries}
    for question in (
        "你好，在吗",
        "什么时候发货",
        "发什么快递",
        "包邮吗",
        "有运费险吗",
        "我穿什么码合适",
        "实物有色差吗",
        "衣服是什么面料的",
        "会不会起球、掉毛",
        "洗了会缩水吗",
        "衣服怎么洗",
        "有没有货，什么时候补货",
        "有没有优惠券",
        "满减活动怎么算",
        "88VIP有折扣吗",
        "能便宜点吗",
        "有赠品吗",
        "下单后怎么修改地址",
        "拍错尺码了怎么改",
        "拍下了还没付款怎么办",
        "可以开发票吗",
        "支持七天无理由退换吗",
        "怎么退货",
        "怎么换货",
        "退款多久到账",
        "收到的衣服有质量问题",
        "收到的货少了一件",
        "物流一直不更新怎么办",
        "我的快递到哪了",
        "怎么还没发货",
        "可以拒收吗",
        "衣服坏了能修吗",
        "会员积分怎么用",
        "转人工客服",
        "我要投诉",
    ):
        assert question in entries, question
    assert entries["拍错尺码了怎么改"].needs_human
    assert entries["转人工客服"].needs_human
    assert entries["我要投诉"].needs_human
    assert not entries["什么时候发货"].needs_human
    assert {p.text for p in entries["怎么退货"].phrasings if p.negative} >= {"不退了"}
    assert {"啥时候能发", "今天下单能发吗", "几天能发出来", "发货要多久"} <= {
        p.text for p in entries["什么时候发货"].phrasings
    }


def test_kb_answers_quote_the_shop_policies() -> None:
    content = load_demo_content()
    entries = {e.question: e for e in content.kb_entries}
    policies = content.shop.policies
    address = content.shop.return_address

    def answers(question: str) -> str:
        return " ".join(entries[question].answers)

    assert address.full in answers("退货地址是多少") and address.phone in answers("退货地址是多少")
    assert f"{policies.sf_extra_fee_cents // 100}元" in answers("能发顺丰吗")
    assert f"{policies.sf_extra_fee_cents // 100}元" in answers("发什么快递")
    assert f"{policies.remote_shipping_fee_cents // 100}元" in answers("新疆西藏能发吗")
    for region in policies.remote_regions:
        assert region in answers("包邮吗")
    assert f"{policies.unpaid_close_hours}小时" in answers("拍下了还没付款怎么办")
    assert f"{policies.ship_within_hours}小时" in answers("什么时候发货")
    assert f"{policies.warranty_days}天" in answers("衣服坏了能修吗")
    assert f"{policies.price_protect_days}天" in answers("买完降价了能补差价吗")
    assert f"{policies.refund_review_hours}小时" in answers("退款多久到账")
    assert f"{policies.no_reason_days}天" in answers("支持七天无理由退换吗")
    assert f"{policies.points_per_yuan_off}积分" in answers("会员积分怎么用")
    vip = policies.vip88_discount * 100
    assert f"{vip:.0f}折" in answers("88VIP有折扣吗")
    start, end = content.shop.service_hours.split("-")
    assert f"{start.lstrip('0')}到晚上{end}" in answers("客服几点上班")
    for promo in content.shop.promotions:
        if promo.kind == "full_reduction":
            quoted = f"满{promo.threshold_cents // 100}减{promo.amount_cents // 100}"
            assert quoted in answers("有没有优惠券") and quoted in answers("满减活动怎么算")
    for level in policies.member_levels[1:]:
        assert f"满{level.min_spent_cents // 100}元" in answers("会员有什么优惠")


def test_kb_entries_convert_to_domain_entries() -> None:
    entry = load_demo_content().kb_entries[0]
    domain = entry.to_kb_entry(17)
    assert isinstance(domain, KbEntry)
    assert domain.id == 17 and domain.question == entry.question and domain.answers == entry.answers
    assert [p.text for p in domain.phrasings] == [p.text for p in entry.phrasings]
    assert all(isinstance(p.kind, PhrasingKind) for p in domain.phrasings)


def test_quick_phrases() -> None:
    content = load_demo_content()
    phrases = content.quick_phrases
    assert len(phrases) >= 30
    assert len({p.shortcode for p in phrases}) == len(phrases)
    assert all(re.fullmatch(r"[a-z][a-z0-9]*", p.shortcode) for p in phrases)
    assert {"欢迎", "催付", "售后", "物流", "尺码", "结束语"} <= {p.group for p in phrases}
    assert {p.pool for p in phrases} == {PhrasePool.SHOP, PhrasePool.PERSONAL}
    used = {name for p in phrases for name in re.findall(r"\{([^{}]+)\}", p.text)}
    assert used == set(PLACEHOLDERS)
    by_code = {p.shortcode: p for p in phrases}
    assert content.shop.return_address.full in by_code["thdz"].text


# ------------------------------------------------------------------------------- generator


def test_generation_is_deterministic() -> None:
    first = generate_demo_shop(seed=123, now=NOW)
    second = generate_demo_shop(seed=123, now=NOW)
    assert first == second
    assert [o.order_no for o in first.orders] == [o.order_no for o in second.orders]
    other = generate_demo_shop(seed=124, now=NOW)
    assert [c.nick for c in other.customers] != [c.nick for c in first.customers]


def test_timestamps_follow_now() -> None:
    base = generate_demo_shop(seed=5, now=NOW)
    later = generate_demo_shop(seed=5, now=NOW + timedelta(days=30))
    assert [c.nick for c in later.customers] == [c.nick for c in base.customers]
    assert max(o.created_at for o in later.orders) > NOW


def test_default_now_is_the_current_minute() -> None:
    before = datetime.now().replace(second=0, microsecond=0)
    shop = generate_demo_shop(customers=15)
    after = datetime.now().replace(second=0, microsecond=0)
    assert before <= shop.now <= after
    assert shop.now.second == 0 and shop.now.microsecond == 0
    assert all(o.created_at <= shop.now for o in shop.orders)


def test_counts(shop: DemoShop) -> None:
    assert len(shop.customers) == DEFAULT_CUSTOMERS == 200
    assert shop.agents[0].username == "xiaozhao"
    with_orders = {o.customer_nick for o in shop.orders}
    assert len(with_orders) >= 0.75 * len(shop.customers)
    per_customer = Counter(o.customer_nick for o in shop.orders)
    assert max(per_customer.values()) <= 10
    assert sum(1 for n in per_customer.values() if n <= 5) >= 0.95 * len(per_customer)
    assert 300 <= len(shop.orders) <= 700
    vip = sum(c.is_88vip for c in shop.customers) / len(shop.customers)
    assert 0.08 <= vip <= 0.22


def test_customer_count_is_honoured() -> None:
    assert generate_demo_shop(customers=0, now=NOW).customers == ()
    small = generate_demo_shop(customers=5, now=NOW)
    assert len(small.customers) == 5
    assert len(generate_demo_shop(customers=60, now=NOW).customers) == 60
    with pytest.raises(ValueError):
        generate_demo_shop(customers=-1, now=NOW)


def test_every_order_state_is_present(any_shop: DemoShop) -> None:
    assert {o.state for o in any_shop.orders} == set(OrderState)
    small = generate_demo_shop(seed=any_shop.seed, customers=30, now=any_shop.now)
    assert {o.state for o in small.orders} == set(OrderState)


def test_customers_are_realistic_and_unique(any_shop: DemoShop) -> None:
    customers = any_shop.customers
    assert len({c.nick for c in customers}) == len(customers)
    assert len({c.phone for c in customers}) == len(customers)
    for c in customers:
        assert re.fullmatch(r"1[3-9]\d{9}", c.phone), c.phone
        assert c.nick.strip() == c.nick and c.nick
        assert c.name and c.gender in ("女", "男")
        assert c.credit_level in CREDIT_LEVELS
        assert c.traffic_source in TRAFFIC_SOURCES
        assert c.member_level in MEMBER_LEVELS
        assert c.points >= 0
        assert c.address.city == c.city and c.address.province == c.province
        assert c.address.phone == c.phone and c.address.receiver
        assert c.registered_at <= c.joined_at <= any_shop.now
        assert all(len(tag) <= 20 for tag in c.tags)
        assert len(c.city) <= 40 and len(c.gender) <= 4 and len(c.traffic_source) <= 10
    genders = Counter(c.gender for c in customers)
    assert genders["女"] > 3 * genders["男"]
    credit = Counter(c.credit_level[-1] if not c.credit_level.endswith("金冠") else "金" for c in customers)
    assert credit["钻"] > credit["冠"] > credit["金"]
    assert credit["心"] > credit["冠"]


def test_customers_carry_history_signals(shop: DemoShop) -> None:
    customers = shop.customers
    orders_by_nick = Counter(o.customer_nick for o in shop.orders)
    new_without_orders = [
        c for c in customers if shop.now - c.registered_at <= timedelta(days=10) and orders_by_nick[c.nick] == 0
    ]
    assert new_without_orders
    assert any(c.refund_count >= 4 for c in customers)
    assert any(c.bad_review_count >= 2 for c in customers)
    suspect = shop.customer("路过的风2023")
    assert suspect.bad_review_count >= 3 and suspect.complaint_count >= 1
    assert shop.now - suspect.registered_at < timedelta(days=60)
    assert any(c.preferences for c in customers) and any(c.preferred_size for c in customers)
    assert {c.member_level for c in customers} == set(MEMBER_LEVELS)
    assert {c.traffic_source for c in customers} == set(TRAFFIC_SOURCES)


def test_featured_stories(shop: DemoShop) -> None:
    dress = shop.orders_of("小鹿乱撞77")[-1]
    assert dress.state == OrderState.SIGNED and dress.items[0].sku == "NZ-LYQ-001"
    assert shop.now - dress.signed_at <= timedelta(days=2)
    stuck = shop.orders_of("七七很忙")[-1]
    assert stuck.state == OrderState.SHIPPED
    assert shop.now - stuck.logistics[-1].at >= timedelta(hours=48)
    late = shop.orders_of("一颗酸橙")[-1]
    assert late.state == OrderState.AWAITING_SHIPMENT
    assert shop.now - late.paid_at > timedelta(hours=shop.shop.policies.ship_within_hours)
    unpaid = shop.orders_of("给老婆买衣服")[-1]
    assert unpaid.state == OrderState.AWAITING_PAYMENT and unpaid.paid_at is None
    missing = shop.orders_of("程序员的老婆")[-1]
    assert missing.state == OrderState.REFUNDING and len(missing.items) == 2 and missing.refund_reason
    assert shop.customer("lily_0521").member_level == "钻石"
    assert shop.customer("晚风与你").member_level == "金卡"
    assert max(o.created_at for o in shop.orders_of("晚风与你")) < shop.now - timedelta(days=240)
    assert shop.orders_of("tb8273645091") == ()


def test_member_level_points_and_refund_count_match_orders(any_shop: DemoShop) -> None:
    policies = any_shop.shop.policies
    for c in any_shop.customers:
        own = any_shop.orders_of(c.nick)
        spent = sum(o.total_cents for o in own if o.state == OrderState.COMPLETED)
        assert c.member_level == policies.member_level_for(spent), c.nick
        assert c.points <= spent // 100 * policies.points_per_yuan
        assert c.refund_count == sum(1 for o in own if o.refund_type), c.nick
        for o in own:
            assert o.created_at >= c.registered_at, (c.nick, o.order_no)
        if own:
            assert c.joined_at <= own[0].created_at


def _times(order: DemoOrder) -> list[datetime]:
    fields = ("created_at", "paid_at", "shipped_at", "signed_at", "finished_at", "closed_at", "refund_requested_at")
    return [t for t in (getattr(order, f) for f in fields) if t is not None] + [e.at for e in order.logistics]


def test_orders_are_consistent(any_shop: DemoShop) -> None:
    now, products = any_shop.now, {p.sku: p for p in any_shop.products}
    nicks = {c.nick for c in any_shop.customers}
    assert len({o.order_no for o in any_shop.orders}) == len(any_shop.orders)
    tracking = [o.tracking_no for o in any_shop.orders if o.tracking_no]
    assert len(set(tracking)) == len(tracking)
    assert [o.created_at for o in any_shop.orders] == sorted(o.created_at for o in any_shop.orders)
    for o in any_shop.orders:
        assert re.fullmatch(r"\d{19}", o.order_no)
        assert o.customer_nick in nicks
        for t in _times(o):
            assert t <= now, (o.order_no, t)
            assert t.second == 0 and t.microsecond == 0, (o.order_no, t)
        assert o.items
        for item in o.items:
            product = products[item.sku]
            assert item.title == product.title and item.price_cents == product.price_cents
            assert item.size in product.sizes and item.color in product.colors and item.quantity >= 1
        assert o.goods_cents == sum(i.amount_cents for i in o.items)
        assert o.total_cents == o.goods_cents - o.discount_cents + o.shipping_cents > 0
        assert o.discount_cents >= 0 and o.shipping_cents >= 0
        assert o.flag in ("", *FLAGS) and bool(o.flag) == bool(o.memo)
        assert o.address.receiver and o.address.detail and len(o.address.line) <= 300
        chain = [t for t in (o.created_at, o.paid_at, o.shipped_at, o.signed_at, o.finished_at) if t]
        assert chain == sorted(chain), o.order_no
        if o.closed_at:
            assert o.closed_at >= max(t for t in (o.created_at, o.paid_at, o.shipped_at) if t)
        if o.refund_type:
            assert o.refund_type in REFUND_TYPES and o.refund_reason
            assert 0 < o.refund_cents <= o.total_cents
            assert o.paid_at and o.paid_at <= o.refund_requested_at <= (o.closed_at or now)
        else:
            assert not o.refund_reason and not o.refund_cents and o.refund_requested_at is None
        if o.return_tracking_no:
            assert o.return_carrier in CARRIERS and o.refund_type == "退货退款"
        shipped = o.shipped_at is not None
        assert bool(o.carrier) == bool(o.tracking_no) == bool(o.logistics) == shipped
        if shipped:
            assert o.carrier in CARRIERS


def test_order_states_have_matching_timestamps(any_shop: DemoShop) -> None:
    now, policies = any_shop.now, any_shop.shop.policies
    for o in any_shop.orders:
        s = o.state
        if s == OrderState.AWAITING_PAYMENT:
            assert o.paid_at is None and o.shipped_at is None and o.closed_at is None
            assert now - o.created_at < timedelta(hours=policies.unpaid_close_hours)
        elif s == OrderState.AWAITING_SHIPMENT:
            assert o.paid_at and o.shipped_at is None and not o.refund_type
        elif s == OrderState.SHIPPED:
            assert o.shipped_at and o.signed_at is None and o.finished_at is None
        elif s == OrderState.SIGNED:
            assert o.signed_at and o.finished_at is None and o.closed_at is None
            assert now - o.shipped_at < timedelta(days=policies.auto_confirm_days)
        elif s == OrderState.COMPLETED:
            assert o.signed_at and o.finished_at and not o.refund_type and o.closed_at is None
            assert o.finished_at <= o.shipped_at + timedelta(days=policies.auto_confirm_days)
        elif s == OrderState.CLOSED:
            assert o.closed_at and o.close_reason and o.finished_at is None
            assert o.paid_at is not None or o.refund_type == ""
        else:
            assert s == OrderState.REFUNDING
            assert o.refund_type and o.refund_requested_at and o.closed_at is None and o.finished_at is None
        if s != OrderState.CLOSED:
            assert o.closed_at is None and not o.close_reason


def test_logistics_timelines_end_consistently_with_the_state(any_shop: DemoShop) -> None:
    terminal = {LogisticsStatus.SIGNED, LogisticsStatus.RETURNED}
    for o in any_shop.orders:
        events = o.logistics
        if not events:
            continue
        assert events[0].status == LogisticsStatus.SHIPPED and events[0].at == o.shipped_at
        assert [e.at for e in events] == sorted(e.at for e in events)
        for e in events:
            assert e.description.startswith(f"【{e.location}】"), e.description
        assert events[0].location == "杭州市"
        assert sum(e.status == LogisticsStatus.SIGNED for e in events) <= 1
        last = events[-1]
        if o.state == OrderState.SHIPPED:
            assert last.status not in terminal | {LogisticsStatus.REJECTED, LogisticsStatus.RETURNING}
            assert o.signed_at is None
        elif o.signed_at is not None:
            assert last.status == LogisticsStatus.SIGNED and last.at == o.signed_at
            assert "签收" in last.description
            assert last.location == o.address.city
        else:
            assert o.state == OrderState.CLOSED and last.status == LogisticsStatus.RETURNED
            assert any(e.status == LogisticsStatus.REJECTED for e in events)
            assert o.closed_at >= last.at
        if o.state in (OrderState.SIGNED, OrderState.COMPLETED):
            assert last.status == LogisticsStatus.SIGNED
        for e in events:
            if e.status == LogisticsStatus.DELIVERING:
                assert re.search(r"派送员 \S+师傅 1\d{10}", e.description)


def test_timelines_cover_stuck_and_in_transit_parcels(shop: DemoShop) -> None:
    shipped = [o for o in shop.orders if o.state == OrderState.SHIPPED]
    gaps = [shop.now - o.logistics[-1].at for o in shipped]
    assert any(gap >= timedelta(hours=48) for gap in gaps)
    assert any(gap < timedelta(hours=24) for gap in gaps)
    statuses = Counter(e.status for o in shop.orders for e in o.logistics)
    assert set(statuses) == set(LogisticsStatus)
    carriers = Counter(o.carrier for o in shop.orders if o.carrier)
    assert set(carriers) == set(CARRIERS)
    assert carriers.most_common(1)[0][0] == "中通"


def test_remote_addresses_pay_shipping(shop: DemoShop) -> None:
    policies = shop.shop.policies
    for o in shop.orders:
        remote = any(o.address.province.startswith(r) for r in policies.remote_regions)
        if remote:
            assert o.shipping_cents == policies.remote_shipping_fee_cents
        else:
            assert o.shipping_cents in (0, policies.sf_extra_fee_cents)
            if o.shipping_cents and o.carrier:
                assert o.carrier == "顺丰"
