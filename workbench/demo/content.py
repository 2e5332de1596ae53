"""The demo clothing shop (服饰): what a DemoShop holds, and its shipped content.

An empty database starts as this shop and classrooms reset to it. The hand-written content lives in
``workbench/assets/demo`` and is read through :mod:`importlib.resources`:

* ``shop.json``          shop name, agents (the first one served the demo's past chats), return address,
                         after-sales policies, promotions
* ``products.json``      the catalogue (sizes, colours, attributes, size charts)
* ``kb.json``            the starter knowledge base (standard question, answers, phrasings)
* ``quick_phrases.json`` quick phrases (快捷短语) in groups with shortcodes

:func:`load_demo_content` reads and checks those files; :func:`workbench.demo.generator.generate_demo_shop`
generates customers and orders around them and returns the whole :class:`DemoShop`.

Conventions used by every dataclass here:

* money is in integer cents (``*_cents``), like the domain layer; the JSON files hold yuan;
* optional timestamps are ``None`` when the event has not happened;
* optional strings are ``""`` rather than ``None``.

Pure standard library: no Qt, no SQLAlchemy. The database seeding reads these objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any, NoReturn

from workbench.domain.kb import MAX_CORE_WORDS, STANDARD_CATEGORIES, KbEntry, Phrasing, PhrasingKind
from workbench.domain.orders import OrderState
from workbench.domain.quick_phrases import PhrasePool

# ----------------------------------------------------------------------------------------- constants

DEMO_PACKAGE = "workbench.assets"
DEMO_DIR = "demo"
SHOP_FILE = "shop.json"
PRODUCTS_FILE = "products.json"
KB_FILE = "kb.json"
QUICK_PHRASES_FILE = "quick_phrases.json"
DEMO_FILES: tuple[str, ...] = (SHOP_FILE, PRODUCTS_FILE, KB_FILE, QUICK_PHRASES_FILE)

ORDER_STATES: tuple[OrderState, ...] = tuple(OrderState)
CARRIERS: tuple[str, ...] = ("中通", "圆通", "韵达", "顺丰", "申通", "邮政EMS")
TRAFFIC_SOURCES: tuple[str, ...] = ("站内免费", "站内付费", "自主访问", "站外")
MEMBER_LEVELS: tuple[str, ...] = ("普通会员", "银卡", "金卡", "钻石")
# Platform buyer credit (信用等级), lowest first: 1心..5心, 1钻..5钻, 1冠..5冠, 1金冠..5金冠.
CREDIT_LEVELS: tuple[str, ...] = tuple(f"{n}{icon}" for icon in ("心", "钻", "冠", "金冠") for n in range(1, 6))
AGENT_ROLES: tuple[str, ...] = ("agent", "supervisor")
PLACEHOLDERS: tuple[str, ...] = ("买家昵称", "订单号", "商品")
FLAGS: tuple[str, ...] = ("red", "yellow", "green", "blue", "purple")  # seller memo flags (旗帜)
SEASONS: tuple[str, ...] = ("春", "夏", "秋", "冬")
PROMOTION_KINDS: tuple[str, ...] = ("full_reduction", "new_customer_coupon", "gift")
REQUIRED_ATTRIBUTES: tuple[str, ...] = ("版型", "厚度", "弹力", "洗涤")
REFUND_TYPES: tuple[str, ...] = ("仅退款", "退货退款")
GENDERS: tuple[str, ...] = ("女", "男")


class LogisticsStatus(StrEnum):
    """What a logistics event means; the timeline of an order is ordered by time."""

    SHIPPED = "shipped"  # 商家已发货，等待揽收
    COLLECTED = "collected"  # 快递已揽收
    IN_TRANSIT = "in_transit"  # 转运中心到达 / 发出
    ARRIVED = "arrived"  # 到达派件网点
    DELIVERING = "delivering"  # 派送中
    STATION = "station"  # 已到菜鸟驿站，等待取件
    SIGNED = "signed"  # 已签收 (本人 / 家人 / 门卫 / 快递柜 / 驿站取件)
    REJECTED = "rejected"  # 收件人拒收
    RETURNING = "returning"  # 退回途中
    RETURNED = "returned"  # 退回件已被仓库签收


# ------------------------------------------------------------------------------------ dataclasses


@dataclass(frozen=True, slots=True)
class DemoAgent:
    """A shop sub-account (子账号). ``role`` is ``"agent"`` or ``"supervisor"``."""

    username: str
    display_name: str
    role: str


@dataclass(frozen=True, slots=True)
class DemoAddress:
    """A postal address: receiver, phone, province, city, district, detail (street and house) and an
    optional postcode. ``line`` is the one-line form shown in order details."""

    receiver: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    postcode: str = ""

    @property
    def region(self) -> str:
        """``浙江省 杭州市 西湖区`` (a municipality is not repeated: ``上海市 浦东新区``)."""
        parts = [self.province] if self.province == self.city else [self.province, self.city]
        return " ".join([*parts, self.district])

    @property
    def full(self) -> str:
        """Region and detail without spaces: ``浙江省杭州市西湖区文三路…``."""
        return self.region.replace(" ", "") + self.detail

    @property
    def line(self) -> str:
        """``王丽娟，13812345678，浙江省杭州市西湖区文三路…``."""
        return f"{self.receiver}，{self.phone}，{self.full}"


@dataclass(frozen=True, slots=True)
class DemoMemberLevel:
    """A shop membership level: reached at ``min_spent_cents`` of completed orders, with a price
    ``discount`` (Decimal, e.g. 0.95 for 95折)."""

    name: str
    min_spent_cents: int
    discount: Decimal


@dataclass(frozen=True, slots=True)
class DemoPolicies:
    """The shop's service rules, used by the after-sales checks and quoted by the KB answers.

    no_reason_days             七天无理由: days after signing for a no-reason return/exchange
    warranty_days              days after signing for free repair of workmanship faults
    ship_within_hours          promised shipping time after payment
    same_day_cutoff            "16:00": paid before it ships the same day
    unpaid_close_hours         unpaid orders close after this many hours
    auto_confirm_days          receipt is confirmed automatically this many days after shipping
    refund_review_hours        a returned parcel is checked and refunded within this time
    free_shipping              free shipping except to ``remote_regions``
    remote_regions             province name prefixes (新疆, 西藏, …) that pay ``remote_shipping_fee_cents``
    remote_shipping_fee_cents  shipping fee for remote regions
    default_carriers           carriers used when the buyer asks for nothing special
    sf_extra_fee_cents         surcharge for 顺丰
    freight_insurance          every order carries 退货运费险
    no_reason_return_shipping  who pays return shipping without a fault: "buyer" or "seller"
    quality_return_shipping    who pays return shipping for quality problems / wrong items
    price_protect_days         价保: price-drop refunds within this many days of payment
    invoice_types              invoice kinds the shop issues
    points_per_yuan            points earned per yuan spent
    points_per_yuan_off        points needed for one yuan off
    vip88_discount             88VIP price factor (Decimal 0.95)
    member_levels              membership levels, lowest first
    """

    no_reason_days: int
    warranty_days: int
    ship_within_hours: int
    same_day_cutoff: str
    unpaid_close_hours: int
    auto_confirm_days: int
    refund_review_hours: int
    free_shipping: bool
    remote_regions: tuple[str, ...]
    remote_shipping_fee_cents: int
    default_carriers: tuple[str, ...]
    sf_extra_fee_cents: int
    freight_insurance: bool
    no_reason_return_shipping: str
    quality_return_shipping: str
    price_protect_days: int
    invoice_types: tuple[str, ...]
    points_per_yuan: int
    points_per_yuan_off: int
    vip88_discount: Decimal
    member_levels: tuple[DemoMemberLevel, ...]

    def member_level_for(self, spent_cents: int) -> str:
        """The highest level whose threshold ``spent_cents`` reaches."""
        name = self.member_levels[0].name
        for level in self.member_levels:
            if spent_cents >= level.min_spent_cents:
                name = level.name
        return name


@dataclass(frozen=True, slots=True)
class DemoPromotion:
    """A running promotion. ``kind``: ``full_reduction`` (满 threshold 减 amount),
    ``new_customer_coupon`` (amount off a first order) or ``gift`` (``gift`` from threshold)."""

    name: str
    kind: str
    threshold_cents: int
    amount_cents: int
    gift: str = ""


@dataclass(frozen=True, slots=True)
class DemoShopInfo:
    """The shop itself: name, industry (服饰), 店小蜜 bot nickname, service hours ("09:00-24:00"),
    ship-from region, return address, policies and promotions."""

    name: str
    industry: str
    bot_nickname: str
    service_hours: str
    ship_from: str
    return_address: DemoAddress
    policies: DemoPolicies
    promotions: tuple[DemoPromotion, ...]


@dataclass(frozen=True, slots=True)
class DemoProduct:
    """A catalogue item.

    sku, title, category (连衣裙, T恤, …), price_cents, material, sizes, colors,
    attributes   (name, value) pairs; always has 版型, 厚度, 弹力, 洗涤
    size_chart   (size, measurements) pairs, one per size, e.g. ("M", "胸围90 腰围72 … 建议95-105斤")
    fit_note     sizing advice (偏小拍大一码 …)
    seasons      subset of 春夏秋冬 the item is worn in
    """

    sku: str
    title: str
    category: str
    price_cents: int
    material: str
    sizes: tuple[str, ...]
    colors: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...]
    size_chart: tuple[tuple[str, str], ...]
    fit_note: str = ""
    seasons: tuple[str, ...] = ()

    def attribute(self, name: str) -> str:
        return next((value for key, value in self.attributes if key == name), "")

    def chart_for(self, size: str) -> str:
        return next((value for key, value in self.size_chart if key == size), "")


@dataclass(frozen=True, slots=True)
class DemoPhrasing:
    """A 问法: ``text``; ``kind`` similar (a whole question) or keyword (space-separated words that
    must all appear); ``negative`` vetoes the entry; ``core_words`` (划词, ≤3, each inside text)."""

    text: str
    kind: PhrasingKind = PhrasingKind.SIMILAR
    negative: bool = False
    core_words: tuple[str, ...] = ()

    def to_phrasing(self) -> Phrasing:
        return Phrasing(text=self.text, kind=self.kind, negative=self.negative, core_words=self.core_words)


@dataclass(frozen=True, slots=True)
class DemoKbEntry:
    """A starter KB entry mirroring kb.json: category (one of the seven standard ones), standard
    question, answers (1–2), phrasings, and needs_human (the bot hands over instead of answering)."""

    category: str
    question: str
    answers: tuple[str, ...]
    phrasings: tuple[DemoPhrasing, ...]
    needs_human: bool = False

    def to_kb_entry(self, entry_id: int) -> KbEntry:
        return KbEntry(
            id=entry_id,
            category=self.category,
            question=self.question,
            answers=self.answers,
            phrasings=tuple(p.to_phrasing() for p in self.phrasings),
            needs_human=self.needs_human,
        )


@dataclass(frozen=True, slots=True)
class DemoQuickPhrase:
    """A quick phrase: group (欢迎, 催付, …), ASCII shortcode, text (may hold {买家昵称} {订单号}
    {商品}) and pool (shop-wide or the logged-in agent's personal phrases)."""

    group: str
    shortcode: str
    text: str
    pool: PhrasePool


@dataclass(frozen=True, slots=True)
class DemoCustomer:
    """A buyer in the shop's CRM.

    nick              Taobao nick, unique (the key orders refer to)
    name              real name as the shop knows it: a full name or 张女士 / 陈先生
    gender            女 / 男
    phone             11 digits, unique
    province, city    where the buyer lives (city also in ``address``)
    address           default shipping address
    credit_level      platform credit (CREDIT_LEVELS), skewed towards 钻
    is_88vip          official 88VIP tag
    traffic_source    站内免费 / 站内付费 / 自主访问 / 站外
    member_level      普通会员 / 银卡 / 金卡 / 钻石, from the total of the buyer's 交易成功 orders
    points            unspent shop points
    registered_at     when the Taobao account was registered (new accounts: days ago)
    joined_at         when the buyer first bought from / joined the shop
    birthday          or None
    height_cm, weight_jin   body data the buyer gave for sizing, or None (体重 in 斤)
    preferred_size    usual top size (S/M/L/XL/XXL) or ""
    preferences       free-text size and style notes ("" if none)
    tags              the shop's own tags (老客户, 爱砍价, …)
    refund_count      number of this buyer's orders with a refund (equals the orders' refund records)
    bad_review_count  negative reviews the buyer has left for the shop
    complaint_count   complaints the buyer has filed against the shop
    """

    nick: str
    name: str
    gender: str
    phone: str
    province: str
    city: str
    address: DemoAddress
    credit_level: str
    is_88vip: bool
    traffic_source: str
    member_level: str
    points: int
    registered_at: datetime
    joined_at: datetime
    birthday: date | None
    height_cm: int | None
    weight_jin: int | None
    preferred_size: str
    preferences: str
    tags: tuple[str, ...]
    refund_count: int
    bad_review_count: int
    complaint_count: int


@dataclass(frozen=True, slots=True)
class DemoOrderItem:
    """One line of an order: sku, title, size, color, quantity, unit price (list price) in cents."""

    sku: str
    title: str
    size: str
    color: str
    quantity: int
    price_cents: int

    @property
    def amount_cents(self) -> int:
        return self.price_cents * self.quantity


@dataclass(frozen=True, slots=True)
class DemoLogisticsEvent:
    """One logistics trace line: ``at``, ``description`` (``【杭州市】快件已揽收，…``), a machine-readable
    ``status`` (LogisticsStatus) and the ``location`` (city) shown in brackets."""

    at: datetime
    description: str
    status: LogisticsStatus
    location: str


@dataclass(frozen=True, slots=True)
class DemoOrder:
    """An order and everything the sidebar shows about it.

    order_no            19 digits, unique
    customer_nick       DemoCustomer.nick
    state               OrderState (待付款 … 退款中)
    items               order lines
    goods_cents         sum of the lines
    discount_cents      满减 / 新客券 / 88VIP
    shipping_cents      0, or the remote-region fee, or the 顺丰 surcharge
    total_cents         what the buyer pays: goods - discount + shipping
    created_at          拍下
    paid_at             付款 (None for unpaid orders)
    shipped_at          发货 (None before shipping); equals the first logistics event
    signed_at           签收 (None unless the parcel was signed); equals the signed event
    finished_at         交易成功 (confirmed by the buyer or automatically)
    closed_at           交易关闭
    close_reason        why the order closed ("" otherwise)
    address             shipping address of this order
    carrier, tracking_no    "" before shipping
    logistics           trace up to ``now``, oldest first; empty before shipping
    buyer_message       买家留言 ("" if none)
    memo, flag          seller memo and flag colour (FLAGS) ("" if none)
    refund_type         仅退款 / 退货退款, "" when the order never had a refund
    refund_reason       the buyer's stated reason
    refund_cents        amount asked for / refunded
    refund_requested_at when the refund was requested
    return_carrier, return_tracking_no   the parcel sent back by the buyer, if any
    """

    order_no: str
    customer_nick: str
    state: OrderState
    items: tuple[DemoOrderItem, ...]
    goods_cents: int
    discount_cents: int
    shipping_cents: int
    total_cents: int
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    signed_at: datetime | None
    finished_at: datetime | None
    closed_at: datetime | None
    close_reason: str
    address: DemoAddress
    carrier: str
    tracking_no: str
    logistics: tuple[DemoLogisticsEvent, ...]
    buyer_message: str
    memo: str
    flag: str
    refund_type: str
    refund_reason: str
    refund_cents: int
    refund_requested_at: datetime | None
    return_carrier: str
    return_tracking_no: str


@dataclass(frozen=True, slots=True)
class DemoContent:
    """The hand-written part of the demo shop (everything except customers and orders)."""

    shop: DemoShopInfo
    agents: tuple[DemoAgent, ...]
    products: tuple[DemoProduct, ...]
    kb_entries: tuple[DemoKbEntry, ...]
    quick_phrases: tuple[DemoQuickPhrase, ...]


@dataclass(frozen=True, slots=True)
class DemoShop:
    """The whole demo shop: content plus generated customers and orders (orders sorted by
    ``created_at``). ``agents[0]`` served the demo's past chats (the desk's user is the owner the
    seeding adds, see workbench.demo.seeding)."""

    seed: int
    now: datetime
    shop: DemoShopInfo
    agents: tuple[DemoAgent, ...]
    products: tuple[DemoProduct, ...]
    kb_entries: tuple[DemoKbEntry, ...]
    quick_phrases: tuple[DemoQuickPhrase, ...]
    customers: tuple[DemoCustomer, ...]
    orders: tuple[DemoOrder, ...]

    def customer(self, nick: str) -> DemoCustomer:
        for customer in self.customers:
            if customer.nick == nick:
                return customer
        raise KeyError(nick)

    def orders_of(self, nick: str) -> tuple[DemoOrder, ...]:
        return tuple(o for o in self.orders if o.customer_nick == nick)

    def product(self, sku: str) -> DemoProduct:
        for product in self.products:
            if product.sku == sku:
                return product
        raise KeyError(sku)


# ---------------------------------------------------------------------------- content loading


def read_demo_file(name: str) -> Any:
    """The parsed JSON of one demo file (floats as Decimal)."""
    if name not in DEMO_FILES:
        raise ValueError(f"unknown demo file: {name}")
    path = resources.files(DEMO_PACKAGE) / DEMO_DIR / name
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def _fail(where: str, problem: str) -> NoReturn:
    raise ValueError(f"{where}: {problem}")


def _check_keys(obj: Any, where: str, required: Iterable[str], optional: Iterable[str] = ()) -> None:
    if not isinstance(obj, dict):
        _fail(where, "expected an object")
    required = tuple(required)
    missing = [k for k in required if k not in obj]
    if missing:
        _fail(where, f"missing {', '.join(missing)}")
    allowed = set(required) | set(optional)
    unknown = sorted(k for k in obj if k not in allowed)
    if unknown:
        _fail(where, f"unknown field {', '.join(unknown)}")


def _text(obj: Mapping[str, Any], key: str, where: str, *, allow_empty: bool = False) -> str:
    value = obj.get(key, "")
    if not isinstance(value, str):
        _fail(where, f"{key} must be a string")
    if not allow_empty and not value.strip():
        _fail(where, f"empty {key}")
    if value != value.strip():
        _fail(where, f"{key} has leading or trailing spaces")
    return value


def _int(obj: Mapping[str, Any], key: str, where: str, *, minimum: int = 0) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        _fail(where, f"{key} must be an integer ≥ {minimum}")
    return value


def _bool(obj: Mapping[str, Any], key: str, where: str, default: bool | None = None) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        _fail(where, f"{key} must be true or false")
    return value


def _texts(obj: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = obj.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        _fail(where, f"{key} must be a list of non-empty strings")
    if not value:
        _fail(where, f"empty {key}")
    if len(set(value)) != len(value):
        _fail(where, f"duplicate value in {key}")
    return tuple(value)


def _cents(obj: Mapping[str, Any], key: str, where: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        _fail(where, f"{key} must be a number of yuan")
    try:
        cents = Decimal(value) * 100
    except InvalidOperation:  # pragma: no cover - json never gives such numbers
        _fail(where, f"{key} is not a number")
    if cents < 0 or cents != cents.to_integral_value():
        _fail(where, f"{key} must be a non-negative amount in whole cents")
    return int(cents)


def _str_pairs(obj: Mapping[str, Any], key: str, where: str) -> tuple[tuple[str, str], ...]:
    value = obj.get(key)
    if not isinstance(value, dict) or not value:
        _fail(where, f"{key} must be a non-empty object")
    for k, v in value.items():
        if not isinstance(v, str) or not v.strip() or not k.strip():
            _fail(where, f"{key}.{k} must be a non-empty string")
    return tuple(value.items())


def _parse_address(raw: Any, where: str) -> DemoAddress:
    _check_keys(raw, where, ("receiver", "phone", "province", "city", "district", "detail"), ("postcode",))
    return DemoAddress(
        receiver=_text(raw, "receiver", where),
        phone=_text(raw, "phone", where),
        province=_text(raw, "province", where),
        city=_text(raw, "city", where),
        district=_text(raw, "district", where),
        detail=_text(raw, "detail", where),
        postcode=_text(raw, "postcode", where, allow_empty=True),
    )


_POLICY_INTS = (
    "no_reason_days",
    "warranty_days",
    "ship_within_hours",
    "unpaid_close_hours",
    "auto_confirm_days",
    "refund_review_hours",
    "price_protect_days",
    "points_per_yuan",
    "points_per_yuan_off",
)
_POLICY_KEYS = (
    *_POLICY_INTS,
    "same_day_cutoff",
    "free_shipping",
    "remote_regions",
    "remote_shipping_fee",
    "default_carriers",
    "sf_extra_fee",
    "freight_insurance",
    "no_reason_return_shipping",
    "quality_return_shipping",
    "invoice_types",
    "vip88_discount",
    "member_levels",
)


def _parse_policies(raw: Any, where: str) -> DemoPolicies:
    _check_keys(raw, where, _POLICY_KEYS)
    ints = {key: _int(raw, key, where, minimum=1) for key in _POLICY_INTS}
    cutoff = _text(raw, "same_day_cutoff", where)
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", cutoff):
        _fail(where, "same_day_cutoff must look like 16:00")
    carriers = _texts(raw, "default_carriers", where)
    for carrier in carriers:
        if carrier not in CARRIERS:
            _fail(where, f"unknown carrier {carrier}")
    payers = {}
    for key in ("no_reason_return_shipping", "quality_return_shipping"):
        payers[key] = _text(raw, key, where)
        if payers[key] not in ("buyer", "seller"):
            _fail(where, f"{key} must be buyer or seller")
    discount = raw.get("vip88_discount")
    if not isinstance(discount, Decimal) or not Decimal(0) < discount <= 1:
        _fail(where, "vip88_discount must be a number in (0, 1]")
    levels_raw = raw.get("member_levels")
    if not isinstance(levels_raw, list):
        _fail(where, "member_levels must be a list")
    levels = []
    for i, level in enumerate(levels_raw):
        lw = f"{where}.member_levels[{i}]"
        _check_keys(level, lw, ("name", "min_spent", "discount"))
        rate = level["discount"]
        if not isinstance(rate, Decimal | int) or isinstance(rate, bool) or not 0 < rate <= 1:
            _fail(lw, "discount must be a number in (0, 1]")
        levels.append(DemoMemberLevel(_text(level, "name", lw), _cents(level, "min_spent", lw), Decimal(rate)))
    if tuple(level.name for level in levels) != MEMBER_LEVELS:
        _fail(where, f"member_levels must be {'/'.join(MEMBER_LEVELS)} in that order")
    if levels[0].min_spent_cents != 0 or any(a.min_spent_cents >= b.min_spent_cents for a, b in pairwise(levels)):
        _fail(where, "member level thresholds must start at 0 and increase")
    return DemoPolicies(
        no_reason_days=ints["no_reason_days"],
        warranty_days=ints["warranty_days"],
        ship_within_hours=ints["ship_within_hours"],
        unpaid_close_hours=ints["unpaid_close_hours"],
        auto_confirm_days=ints["auto_confirm_days"],
        refund_review_hours=ints["refund_review_hours"],
        price_protect_days=ints["price_protect_days"],
        points_per_yuan=ints["points_per_yuan"],
        points_per_yuan_off=ints["points_per_yuan_off"],
        same_day_cutoff=cutoff,
        free_shipping=_bool(raw, "free_shipping", where),
        remote_regions=_texts(raw, "remote_regions", where),
        remote_shipping_fee_cents=_cents(raw, "remote_shipping_fee", where),
        default_carriers=carriers,
        sf_extra_fee_cents=_cents(raw, "sf_extra_fee", where),
        freight_insurance=_bool(raw, "freight_insurance", where),
        no_reason_return_shipping=payers["no_reason_return_shipping"],
        quality_return_shipping=payers["quality_return_shipping"],
        invoice_types=_texts(raw, "invoice_types", where),
        vip88_discount=discount,
        member_levels=tuple(levels),
    )


def parse_shop(raw: Any, file: str = SHOP_FILE) -> tuple[DemoShopInfo, tuple[DemoAgent, ...]]:
    """shop.json → shop info and agents; ValueError names the file and the entry."""
    _check_keys(
        raw,
        file,
        ("name", "industry", "agents", "return_address", "policies", "promotions"),
        ("bot_nickname", "service_hours", "ship_from"),
    )
    agents_raw = raw["agents"]
    if not isinstance(agents_raw, list) or not agents_raw:
        _fail(file, "agents must be a non-empty list")
    agents: list[DemoAgent] = []
    for i, agent in enumerate(agents_raw):
        where = f"{file}[agents][{i}]"
        _check_keys(agent, where, ("username", "display_name", "role"))
        username = _text(agent, "username", where)
        if not re.fullmatch(r"[a-z][a-z0-9_]{1,29}", username):
            _fail(where, f"username {username!r} must be lowercase ASCII")
        if any(a.username == username for a in agents):
            _fail(where, f"duplicate username {username}")
        role = _text(agent, "role", where)
        if role not in AGENT_ROLES:
            _fail(where, f"unknown role {role}")
        agents.append(DemoAgent(username, _text(agent, "display_name", where), role))
    if agents[0].role != "agent":
        _fail(f"{file}[agents][0]", "the first (logged-in) agent must have the agent role")
    promotions: list[DemoPromotion] = []
    promos_raw = raw["promotions"]
    if not isinstance(promos_raw, list):
        _fail(file, "promotions must be a list")
    for i, promo in enumerate(promos_raw):
        where = f"{file}[promotions][{i}]"
        _check_keys(promo, where, ("name", "kind", "threshold", "amount"), ("gift",))
        kind = _text(promo, "kind", where)
        if kind not in PROMOTION_KINDS:
            _fail(where, f"unknown promotion kind {kind}")
        gift = _text(promo, "gift", where, allow_empty=True)
        if (kind == "gift") != bool(gift):
            _fail(where, "gift promotions (and only they) name a gift")
        promotions.append(
            DemoPromotion(
                name=_text(promo, "name", where),
                kind=kind,
                threshold_cents=_cents(promo, "threshold", where),
                amount_cents=_cents(promo, "amount", where),
                gift=gift,
            )
        )
    info = DemoShopInfo(
        name=_text(raw, "name", file),
        industry=_text(raw, "industry", file),
        bot_nickname=_text(raw, "bot_nickname", file, allow_empty=True),
        service_hours=_text(raw, "service_hours", file, allow_empty=True),
        ship_from=_text(raw, "ship_from", file, allow_empty=True),
        return_address=_parse_address(raw["return_address"], f"{file}[return_address]"),
        policies=_parse_policies(raw["policies"], f"{file}[policies]"),
        promotions=tuple(promotions),
    )
    return info, tuple(agents)


_WEIGHT_RANGE = re.compile(r"建议(\d+)-(\d+)斤")


def size_chart_weights(line: str) -> tuple[int, int]:
    """The 建议NN-NN斤 weight range of a size-chart line (every line has one: parse_products checks)."""
    match = _WEIGHT_RANGE.search(line)
    assert match is not None  # guaranteed by parse_products
    return int(match.group(1)), int(match.group(2))


def parse_products(raw: Any, file: str = PRODUCTS_FILE) -> tuple[DemoProduct, ...]:
    """products.json → products; every size needs a size-chart line with a 建议NN-NN斤 range."""
    if not isinstance(raw, list) or not raw:
        _fail(file, "expected a non-empty list of products")
    products: list[DemoProduct] = []
    for i, item in enumerate(raw):
        where = f"{file}[{i}]"
        _check_keys(
            item,
            where,
            ("sku", "title", "category", "price", "material", "sizes", "colors", "attributes", "size_chart"),
            ("fit_note", "seasons"),
        )
        sku = _text(item, "sku", where)
        if not re.fullmatch(r"[A-Z0-9-]{3,40}", sku):
            _fail(where, f"sku {sku!r} must be upper-case ASCII")
        if any(p.sku == sku for p in products):
            _fail(where, f"duplicate sku {sku}")
        price = _cents(item, "price", where)
        if price <= 0:
            _fail(where, "price must be positive")
        sizes = _texts(item, "sizes", where)
        attributes = _str_pairs(item, "attributes", where)
        for name in REQUIRED_ATTRIBUTES:
            if name not in dict(attributes):
                _fail(where, f"attributes lack {name}")
        chart = _str_pairs(item, "size_chart", where)
        if tuple(k for k, _ in chart) != sizes:
            _fail(where, "size_chart must have one line per size, in the order of sizes")
        for size, line in chart:
            if not _WEIGHT_RANGE.search(line):
                _fail(where, f"size_chart[{size}] lacks a 建议NN-NN斤 weight range")
        seasons = _texts(item, "seasons", where) if "seasons" in item else ()
        for season in seasons:
            if season not in SEASONS:
                _fail(where, f"unknown season {season}")
        products.append(
            DemoProduct(
                sku=sku,
                title=_text(item, "title", where),
                category=_text(item, "category", where),
                price_cents=price,
                material=_text(item, "material", where),
                sizes=sizes,
                colors=_texts(item, "colors", where),
                attributes=attributes,
                size_chart=chart,
                fit_note=_text(item, "fit_note", where, allow_empty=True),
                seasons=seasons,
            )
        )
    return tuple(products)


def _phrase_key(text: str) -> str:
    """Comparison key for duplicate phrasings: case, spaces and end punctuation do not count."""
    return re.sub(r"[\s?？!！。.,，~～]+", "", text).lower()


def parse_kb(raw: Any, file: str = KB_FILE) -> tuple[DemoKbEntry, ...]:
    """kb.json → KB entries, checking categories, answers, phrasings and 划词 core words."""
    if not isinstance(raw, list) or not raw:
        _fail(file, "expected a non-empty list of entries")
    entries: list[DemoKbEntry] = []
    questions: dict[str, int] = {}
    positives: dict[str, int] = {}
    for i, item in enumerate(raw):
        where = f"{file}[{i}]"
        _check_keys(item, where, ("category", "question", "answers", "phrasings"), ("needs_human",))
        category = _text(item, "category", where)
        if category not in STANDARD_CATEGORIES:
            _fail(where, f"unknown category {category}")
        question = _text(item, "question", where)
        qkey = _phrase_key(question)
        if qkey in questions:
            _fail(where, f"duplicate question {question!r} (also entry {questions[qkey]})")
        questions[qkey] = i
        answers = item["answers"]
        if not isinstance(answers, list) or not 1 <= len(answers) <= 3:
            _fail(where, "answers must be a list of 1 to 3 texts")
        for a, answer in enumerate(answers):
            if not isinstance(answer, str) or not answer.strip():
                _fail(where, f"empty answer {a}")
        phrasings_raw = item["phrasings"]
        if not isinstance(phrasings_raw, list):
            _fail(where, "phrasings must be a list")
        phrasings: list[DemoPhrasing] = []
        seen: set[str] = set()
        for p, phr in enumerate(phrasings_raw):
            pw = f"{where}.phrasings[{p}]"
            _check_keys(phr, pw, ("text",), ("kind", "negative", "core_words"))
            text = _text(phr, "text", pw)
            kind_raw = phr.get("kind", PhrasingKind.SIMILAR.value)
            if kind_raw not in {k.value for k in PhrasingKind}:
                _fail(pw, f"unknown kind {kind_raw!r}")
            negative = _bool(phr, "negative", pw, default=False)
            core = _texts(phr, "core_words", pw) if "core_words" in phr else ()
            if len(core) > MAX_CORE_WORDS:
                _fail(pw, f"more than {MAX_CORE_WORDS} core words")
            for word in core:
                if word not in text:
                    _fail(pw, f"core word {word!r} is not inside {text!r}")
            key = _phrase_key(text)
            if key in seen:
                _fail(pw, f"duplicate phrasing {text!r}")
            if key == qkey:
                _fail(pw, f"phrasing {text!r} repeats the standard question")
            seen.add(key)
            if not negative:
                other = positives.get(key)
                if other is not None and other != i:
                    _fail(pw, f"phrasing {text!r} is also a phrasing of entry {other}")
                if questions.get(key, i) != i:
                    _fail(pw, f"phrasing {text!r} is the question of entry {questions[key]}")
                positives[key] = i
            phrasings.append(DemoPhrasing(text, PhrasingKind(kind_raw), negative, core))
        if not any(not p.negative for p in phrasings):
            _fail(where, "needs at least one positive phrasing")
        entries.append(
            DemoKbEntry(
                category=category,
                question=question,
                answers=tuple(answers),
                phrasings=tuple(phrasings),
                needs_human=_bool(item, "needs_human", where, default=False),
            )
        )
    # A phrasing must not be another entry's question either (checked once all questions are known).
    for key, i in positives.items():
        owner = questions.get(key, i)
        if owner != i:
            _fail(f"{file}[{i}]", f"a phrasing repeats the question of entry {owner}")
    return tuple(entries)


_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def parse_quick_phrases(raw: Any, file: str = QUICK_PHRASES_FILE) -> tuple[DemoQuickPhrase, ...]:
    """quick_phrases.json → quick phrases: unique ASCII shortcodes, known placeholders only."""
    if not isinstance(raw, list) or not raw:
        _fail(file, "expected a non-empty list of quick phrases")
    phrases: list[DemoQuickPhrase] = []
    for i, item in enumerate(raw):
        where = f"{file}[{i}]"
        _check_keys(item, where, ("group", "shortcode", "text", "pool"))
        shortcode = _text(item, "shortcode", where)
        if not re.fullmatch(r"[a-z][a-z0-9]{0,9}", shortcode):
            _fail(where, f"shortcode {shortcode!r} must be short lowercase ASCII")
        if any(p.shortcode == shortcode for p in phrases):
            _fail(where, f"duplicate shortcode {shortcode}")
        text = _text(item, "text", where)
        for name in _PLACEHOLDER.findall(text):
            if name not in PLACEHOLDERS:
                _fail(where, f"unknown placeholder {{{name}}}")
        if text.count("{") != text.count("}"):
            _fail(where, "unbalanced braces")
        pool = _text(item, "pool", where)
        if pool not in {p.value for p in PhrasePool}:
            _fail(where, f"unknown pool {pool}")
        phrases.append(DemoQuickPhrase(_text(item, "group", where), shortcode, text, PhrasePool(pool)))
    return tuple(phrases)


def _parse_all(data: Mapping[str, Any]) -> DemoContent:
    missing = [name for name in DEMO_FILES if name not in data]
    if missing:
        raise ValueError(f"missing demo file {', '.join(missing)}")
    shop, agents = parse_shop(data[SHOP_FILE])
    content = DemoContent(
        shop=shop,
        agents=agents,
        products=parse_products(data[PRODUCTS_FILE]),
        kb_entries=parse_kb(data[KB_FILE]),
        quick_phrases=parse_quick_phrases(data[QUICK_PHRASES_FILE]),
    )
    for category in STANDARD_CATEGORIES:
        if not any(e.category == category for e in content.kb_entries):
            raise ValueError(f"{KB_FILE}: no entry in category {category}")
    return content


def validate_demo_content(data: Mapping[str, Any] | None = None) -> None:
    """Check the demo files (or ``data``: file name → parsed JSON) and raise ValueError naming the
    file and the entry index of the first problem: unknown/missing fields, unknown KB category,
    empty answer, core word not inside its phrasing, more than three core words, duplicate
    question/phrasing/shortcode/sku/username, unknown placeholder, size chart not matching sizes…"""
    _parse_all(data if data is not None else {name: read_demo_file(name) for name in DEMO_FILES})


@lru_cache(maxsize=1)
def load_demo_content() -> DemoContent:
    """The validated shop, agents, products, KB and quick phrases (read once, immutable)."""
    return _parse_all({name: read_demo_file(name) for name in DEMO_FILES})
