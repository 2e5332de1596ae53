"""Customer list operations on a large shop: ours (indexes, statistics table, paged SQL) against a naive
implementation (no index, load everything, filter in Python), timed side by side in one run.

    python -m workbench.bench customers --json [--customers 100000 --orders 1000000]

A temp SQLite file is filled with bulk inserts (Core executemany), migrated like a real database, and
the order statistics are computed once. Every operation is what the customer list does when the user
acts: count the matches and fetch the page on screen (100 rows), open a profile, or tag 1,000
selected customers. p95 in milliseconds. The paged Qt model is then scrolled from the first to the
last row to show it never holds more than a few pages.
"""

from __future__ import annotations

import logging
import random
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from workbench.domain.crm import (
    PURCHASE_STATES,
    CustomerFilter,
    RfmSettings,
    Segment,
    Selection,
    SortKey,
    segment_of,
)
from workbench.domain.orders import OrderState
from workbench.services.crm import CrmService
from workbench.storage.db import Database, sqlite_url
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.tables import (
    CustomerRow,
    CustomerTagRow,
    LogisticsEventRow,
    OrderItemRow,
    OrderRow,
    ShopRow,
    TagRow,
)

log = logging.getLogger(__name__)

NOW = datetime(2026, 11, 11, 12, 0)
PAGE = 100
OURS_RUNS = 30
NAIVE_RUNS = 5
BATCH = 50_000

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = (
    "丽娟敏静秀英华慧巧美娜婷雪琳晶妍茜秋珊莎黛青倩悦露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗"
    "琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
)
NICK_WORDS = (
    "小鹿", "momo", "tb", "lily", "奶茶", "晚风", "橘子", "猫咪", "nana", "阿宝", "糖糖", "兔子", "summer", "喵喵",
    "星星", "豆豆", "kiki", "果果", "柠檬", "麻薯", "小鱼", "丸子", "cc", "大白", "樱桃", "椰子", "雨天", "芒果",
)  # fmt: skip
TAG_NAMES = (
    "老客户", "爱砍价", "尺码纠结", "上班族", "宝妈", "学生党", "晒图达人", "偏爱连衣裙", "喜欢宽松款", "大码",
    "送礼", "退货较多", "差评记录", "小个子", "已回访", "待召回", "直播间", "双11", "会员日", "新品尝鲜",
)  # fmt: skip
STATES = (
    (OrderState.COMPLETED, 60), (OrderState.SIGNED, 10), (OrderState.SHIPPED, 8), (OrderState.AWAITING_SHIPMENT, 5),
    (OrderState.AWAITING_PAYMENT, 5), (OrderState.CLOSED, 9), (OrderState.REFUNDING, 3),
)  # fmt: skip
SOURCES = ("站内免费", "站内付费", "自主访问", "站外")
LEVELS = ("普通会员", "银卡", "金卡", "钻石")
SORTS = (SortKey.SPENT, SortKey.LAST_ORDER, SortKey.ORDERS)
CREDITS = tuple(f"{n}{tier}" for tier in ("心", "钻", "冠", "金冠") for n in range(1, 6))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(0.95 * (len(ordered) - 1))))
    return round(ordered[k], 2)


# ------------------------------------------------------------------------------------------ the data


def generate(db: Database, customers: int, orders: int, seed: int = 11) -> tuple[int, list[int]]:
    """Fill the database with one shop; returns (shop id, tag ids)."""
    rng = random.Random(seed)
    with db.engine.begin() as conn:
        shop_id = conn.execute(
            insert(ShopRow).values(name="压测旗舰店", industry="服饰", settings_json="{}").returning(ShopRow.id)
        ).scalar_one()
        tag_ids = [
            conn.execute(
                insert(TagRow)
                .values(shop_id=shop_id, name=name, color="#1677ff", group_name="", official=False)
                .returning(TagRow.id)
            ).scalar_one()
            for name in TAG_NAMES
        ]
        rows: list[dict[str, Any]] = []
        for i in range(1, customers + 1):
            rows.append(
                {
                    "id": i,
                    "shop_id": shop_id,
                    "nick": f"{rng.choice(NICK_WORDS)}{i}",
                    "name": rng.choice(SURNAMES)
                    + rng.choice(GIVEN)
                    + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
                    "phone": f"1{rng.choice('3456789')}{(i * 7919) % 10**9:09d}",
                    "gender": "女" if rng.random() < 0.8 else "男",
                    "city": rng.choice(("杭州市", "上海市", "北京市", "广州市", "成都市", "武汉市")),
                    "credit_level": rng.choice(CREDITS[:12]),
                    "is_88vip": rng.random() < 0.12,
                    "traffic_source": rng.choices(SOURCES, (40, 30, 20, 10))[0],
                    "member_level": rng.choices(LEVELS, (60, 25, 12, 3))[0],
                    "points": rng.randrange(0, 5000),
                    "registered_at": NOW - timedelta(days=rng.randrange(30, 4000)),
                    "preferences": "",
                    "refund_count": 0,
                    "bad_review_count": 0,
                }
            )
            if len(rows) >= BATCH:
                conn.execute(insert(CustomerRow), rows)
                rows = []
        if rows:
            conn.execute(insert(CustomerRow), rows)
        popularity = [1.0 / (k + 1) for k in range(len(tag_ids))]
        tag_rows: list[dict[str, Any]] = []
        for cid in range(1, customers + 1):
            k = rng.choices((0, 1, 2, 3), (40, 30, 20, 10))[0]
            for tag_id in set(rng.choices(tag_ids, popularity, k=k)):
                tag_rows.append({"customer_id": cid, "tag_id": tag_id, "created_at": NOW - timedelta(days=3)})
            if len(tag_rows) >= BATCH:
                conn.execute(insert(CustomerTagRow), tag_rows)
                tag_rows = []
        if tag_rows:
            conn.execute(insert(CustomerTagRow), tag_rows)
        weights = [0.0 if rng.random() < 0.15 else rng.expovariate(1.0) for _ in range(customers)]
        owners = rng.choices(range(1, customers + 1), weights, k=orders)
        states = [s for s, _ in STATES]
        state_weights = [w for _, w in STATES]
        order_rows: list[dict[str, Any]] = []
        for n, cid in enumerate(owners, start=1):
            state = rng.choices(states, state_weights)[0]
            created = NOW - timedelta(minutes=rng.randrange(0, 730 * 24 * 60))
            paid = None if state is OrderState.AWAITING_PAYMENT else created + timedelta(minutes=3)
            shipped = created + timedelta(hours=20) if state not in _UNSHIPPED else None
            signed = created + timedelta(days=3) if state in (OrderState.SIGNED, OrderState.COMPLETED) else None
            order_rows.append(
                {
                    "id": n,
                    "shop_id": shop_id,
                    "order_no": f"{3000000000000000 + n * 7}",
                    "customer_id": cid,
                    "state": state.value,
                    "total_cents": rng.choice((5900, 7900, 12900, 19900, 29900, 45900, 89900)),
                    "created_at": created,
                    "paid_at": paid,
                    "shipped_at": shipped,
                    "signed_at": signed,
                    "address": "",
                    "carrier": "中通" if shipped else "",
                    "tracking_no": f"ZT{n:012d}" if shipped else "",
                    "memo": "",
                    "flag": "",
                }
            )
            if len(order_rows) >= BATCH:
                conn.execute(insert(OrderRow), order_rows)
                order_rows = []
        if order_rows:
            conn.execute(insert(OrderRow), order_rows)
    with db.engine.begin() as conn:
        # every order has one line, inserted in SQL (a million Python dicts less)
        conn.execute(
            text(
                "INSERT INTO order_items (order_id, sku, title, size, color, quantity, price_cents) "
                "SELECT id, 'NZ-TX-001', '纯棉宽松圆领短袖T恤', 'M', '白色', 1, total_cents FROM orders"
            )
        )
        conn.exec_driver_sql("ANALYZE")
    return shop_id, tag_ids


_UNSHIPPED = (OrderState.AWAITING_PAYMENT, OrderState.AWAITING_SHIPMENT, OrderState.CLOSED)


# ------------------------------------------------------------------------------------------ ours


def _time(fn: Callable[[int], Any], runs: int) -> float:
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - started) * 1000)
    return p95(samples)


def run_ours(crm: CrmService, tag_ids: list[int], customers: int, rng: random.Random) -> dict[str, float]:
    def listing(f: CustomerFilter, sort: SortKey = SortKey.ID, offset: int = 0) -> None:
        total = crm.count(f, sort)
        crm.page(f, sort, True, min(offset, max(total - PAGE, 0)), PAGE)

    searches = [_search_term(rng, customers) for _ in range(OURS_RUNS)]
    segments = list(Segment)
    results = {
        "filter_by_tags": _time(lambda i: listing(CustomerFilter(tag_ids=tuple(rng.sample(tag_ids, 2)))), OURS_RUNS),
        "filter_by_segment": _time(
            lambda i: listing(CustomerFilter(segments=(segments[i % len(segments)],))), OURS_RUNS
        ),
        "search": _time(lambda i: listing(CustomerFilter(search=searches[i])), OURS_RUNS),
        "sort": _time(
            lambda i: listing(
                CustomerFilter(),
                SORTS[i % len(SORTS)],
                offset=rng.randrange(0, customers),
            ),
            OURS_RUNS,
        ),
        "open_profile": _time(lambda i: crm.profile(rng.randrange(1, customers + 1)), OURS_RUNS),
        "bulk_tag_1000": _time(
            lambda i: crm.bulk_tag(Selection.of(rng.sample(range(1, customers + 1), 1000)), f"批量{i}"), OURS_RUNS
        ),
    }
    return results


def _search_term(rng: random.Random, customers: int) -> str:
    kind = rng.randrange(3)
    cid = rng.randrange(1, customers + 1)
    if kind == 0:
        return f"{rng.choice(NICK_WORDS)}{cid}"[: rng.randrange(3, 8)]  # a nick fragment
    if kind == 1:
        return f"{(cid * 7919) % 10**9:09d}"[-4:]  # the last four digits of a phone
    return rng.choice(SURNAMES) + rng.choice(GIVEN)  # a name


# ------------------------------------------------------------------------------------------ naive


def run_naive(db: Database, shop_id: int, tag_ids: list[int], customers: int, rng: random.Random) -> dict[str, float]:
    """What a first implementation does: read everything, then filter and sort in Python."""
    settings = RfmSettings()
    purchase = {s.value for s in PURCHASE_STATES}

    def all_customers() -> list[Any]:
        with db.session() as s:
            return list(s.execute(select(CustomerRow.__table__)).all())

    def stats() -> dict[int, tuple[int, int, datetime]]:
        out: dict[int, list[Any]] = defaultdict(lambda: [0, 0, datetime.min])
        with db.session() as s:
            for cid, state, cents, created in s.execute(
                select(OrderRow.customer_id, OrderRow.state, OrderRow.total_cents, OrderRow.created_at)
            ):
                if state in purchase:
                    entry = out[cid]
                    entry[0] += 1
                    entry[1] += cents
                    entry[2] = max(entry[2], created)
        return {k: (v[0], v[1], v[2]) for k, v in out.items()}

    def filter_tags(_i: int) -> None:
        wanted = set(rng.sample(tag_ids, 2))
        with db.session() as s:
            tagged = {
                cid
                for cid, tag in s.execute(select(CustomerTagRow.customer_id, CustomerTagRow.tag_id))
                if tag in wanted
            }
        rows = [r for r in all_customers() if r.id in tagged]
        rows.sort(key=lambda r: -r.id)
        _ = len(rows), rows[:PAGE]

    segments = list(Segment)

    def filter_segment(i: int) -> None:
        wanted = segments[i % len(segments)]
        st = stats()
        rows = []
        for r in all_customers():
            n, cents, last = st.get(r.id, (0, 0, datetime.min))
            if segment_of(last if n else None, n, cents, NOW, settings) is wanted:
                rows.append(r)
        rows.sort(key=lambda r: -r.id)
        _ = len(rows), rows[:PAGE]

    searches = [_search_term(rng, customers) for _ in range(NAIVE_RUNS)]

    def search(i: int) -> None:
        term = searches[i].lower()
        rows = [r for r in all_customers() if term in r.nick.lower() or term in r.name.lower() or term in r.phone]
        rows.sort(key=lambda r: -r.id)
        _ = len(rows), rows[:PAGE]

    def sort(_i: int) -> None:
        st = stats()
        rows = all_customers()
        rows.sort(key=lambda r: -st.get(r.id, (0, 0, datetime.min))[1])
        offset = rng.randrange(0, max(len(rows) - PAGE, 1))
        _ = len(rows), rows[offset : offset + PAGE]

    def profile(_i: int) -> None:
        cid = rng.randrange(1, customers + 1)
        with db.session() as s:
            s.execute(select(CustomerRow.__table__).where(CustomerRow.id == cid)).one()
            # no index: a full scan of the orders, then each order's lines and trace one by one
            orders = s.execute(text("SELECT * FROM orders WHERE customer_id + 0 = :c"), {"c": cid}).all()
            for o in orders:
                s.execute(select(OrderItemRow.__table__).where(OrderItemRow.order_id == o.id)).all()
                s.execute(select(LogisticsEventRow.__table__).where(LogisticsEventRow.order_id == o.id)).all()
            s.execute(text("SELECT * FROM customer_tags WHERE customer_id + 0 = :c"), {"c": cid}).all()

    def bulk_tag(i: int) -> None:
        ids = rng.sample(range(1, customers + 1), 1000)
        with db.session() as s:
            tag = TagRow(shop_id=shop_id, name=f"逐个{i}", color="#1677ff", group_name="", official=False)
            s.add(tag)
            s.flush()
            for cid in ids:  # one round trip per customer, then the insert
                exists = s.execute(
                    select(CustomerTagRow.customer_id).where(
                        CustomerTagRow.customer_id == cid, CustomerTagRow.tag_id == tag.id
                    )
                ).first()
                if exists is None:
                    s.add(CustomerTagRow(customer_id=cid, tag_id=tag.id, created_at=NOW))
                    s.flush()

    return {
        "filter_by_tags": _time(filter_tags, NAIVE_RUNS),
        "filter_by_segment": _time(filter_segment, NAIVE_RUNS),
        "search": _time(search, NAIVE_RUNS),
        "sort": _time(sort, NAIVE_RUNS),
        "open_profile": _time(profile, NAIVE_RUNS),
        "bulk_tag_1000": _time(bulk_tag, NAIVE_RUNS),
    }


# -------------------------------------------------------------------------------------- the model


def model_check(crm: CrmService, customers: int) -> dict[str, Any]:
    """Scroll the customer list model (offscreen Qt) top to bottom; report the most rows it held."""
    try:
        from workbench.ui.bench.customer_model import scroll_customer_model
    except ImportError:  # pragma: no cover - no Qt in this environment
        return {}
    return scroll_customer_model(crm, customers)


# -------------------------------------------------------------------------------------------- run


def run(customers: int = 100_000, orders: int = 1_000_000, *, model: bool = True) -> dict[str, Any]:
    rng = random.Random(2024)
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        db = Database(sqlite_url(Path(tmp) / "bench.sqlite3"))
        try:
            started = time.perf_counter()
            db.migrate()
            shop_id, tag_ids = generate(db, customers, orders)
            generated = time.perf_counter() - started
            crm = CrmService(db, shop_id, lambda: NOW)
            started = time.perf_counter()
            crm.refresh()
            refreshed = time.perf_counter() - started
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            ours = run_ours(crm, tag_ids, customers, rng)
            naive = run_naive(db, shop_id, tag_ids, customers, rng)
            meta: dict[str, Any] = {
                "customers": customers,
                "orders": orders,
                "generate_s": round(generated, 1),
                "statistics_refresh_s": round(refreshed, 2),
                "runs": {"ours": OURS_RUNS, "naive": NAIVE_RUNS},
                "speedup_median": round(statistics.median(naive[k] / max(ours[k], 0.01) for k in ours), 1),
            }
            with db.session() as s:
                meta["segments"] = {
                    s_.segment.value: s_.customers
                    for s_ in CustomerStatsRepository(s).dashboard(shop_id, RfmSettings(), NOW).segments
                }
            if model:
                meta["list_model"] = model_check(crm, customers)
        finally:
            db.dispose()
    return {"ours": ours, "naive": naive, "meta": meta}
