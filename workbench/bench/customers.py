"""Customer list operations on a large shop: ours (statistics kept as orders are written, a search
index, paged SQL, timed through the page's list model) against plain indexed SQL (the obvious queries
with the schema's indexes: purchase totals aggregated from the orders, LIKE search) and a naive
implementation (load everything, filter in Python), side by side in one run.

    python -m workbench.bench customers --json [--customers 100000 --orders 1000000] [--db POSTGRES_URL]

The data is bulk-inserted (Core executemany) into a migrated temp SQLite file or a new database on
the PostgreSQL server ``--db`` names; the bulk load bypasses the repositories, so the statistics are
rebuilt once (the maintenance command, timed). List operations are what the page does when the user
filters, searches or sorts: a new query on ``CustomerTableModel`` (offscreen Qt), counted and the
page with the row on screen fetched by its workers; the profile and a bulk tag of 1,000 go through
``CrmService``. p95 in milliseconds over distinct inputs. Then, for ``--stall-seconds``, the list is
used while a writer thread adds orders and chat messages (40 a second, one transaction each) and a
5 ms UI-thread timer records the longest stall; finally the model is scrolled top to bottom.
"""

from __future__ import annotations

import cProfile
import io
import logging
import os
import pstats
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, create_engine, func, insert, make_url, or_, select, text

from workbench.domain.conversations import Sender
from workbench.domain.crm import (
    PURCHASE_STATES,
    CustomerFilter,
    RfmSettings,
    Segment,
    Selection,
    SortKey,
    segment_of,
)
from workbench.domain.orders import Order, OrderState
from workbench.services.crm import CrmService
from workbench.storage.db import Database, sqlite_url
from workbench.storage.repositories.conversations import ConversationRepository
from workbench.storage.repositories.customer_sql import PURCHASE_VALUES
from workbench.storage.repositories.customer_stats import CustomerStatsRepository
from workbench.storage.repositories.orders import OrderRepository
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
        if conn.dialect.name == "postgresql":  # explicit ids above: move the sequences past them
            for table in ("customers", "orders"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
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


LIST_OPS = ("filter_by_tags", "filter_by_segment", "search", "sort")


def list_inputs(tag_ids: list[int], customers: int, rng: random.Random, runs: int) -> dict[str, list[ListInput]]:
    """Distinct inputs for the list operations, shared by every side of the comparison."""
    segments = list(Segment)
    return {
        "filter_by_tags": [(CustomerFilter(tag_ids=tuple(rng.sample(tag_ids, 2))), SortKey.ID, 0) for _ in range(runs)],
        "filter_by_segment": [
            (CustomerFilter(segments=(segments[i % len(segments)],)), SortKey.ID, 0) for i in range(runs)
        ],
        "search": [(CustomerFilter(search=_search_term(rng, customers)), SortKey.ID, 0) for _ in range(runs)],
        "sort": [(CustomerFilter(), SORTS[i % len(SORTS)], rng.randrange(0, customers)) for i in range(runs)],
    }


ListInput = tuple[CustomerFilter, SortKey, int]


def run_ours(
    crm: CrmService, inputs: dict[str, list[ListInput]], customers: int, rng: random.Random, runs: int
) -> tuple[dict[str, float], float | None]:
    """The list operations through the page's list model (offscreen Qt); the profile and a bulk tag
    through the service the page calls. Also the UI thread's longest stall during the list operations."""
    from workbench.ui.bench.customer_model import time_list_operations

    timed = time_list_operations(crm, {name: inputs[name] for name in LIST_OPS})
    results = {name: p95(samples) for name, samples in timed["samples"].items()}
    results["open_profile"] = _time(lambda i: crm.profile(rng.randrange(1, customers + 1)), runs)
    results["bulk_tag_1000"] = _time(
        lambda i: crm.bulk_tag(Selection.of(rng.sample(range(1, customers + 1), 1000)), f"批量{i}"), runs
    )
    return results, timed["max_ui_stall_ms"]


def _search_term(rng: random.Random, customers: int) -> str:
    kind = rng.randrange(4)
    cid = rng.randrange(1, customers + 1)
    if kind == 0:
        return f"{rng.choice(NICK_WORDS)}{cid}"[: rng.randrange(3, 8)]  # a nick fragment
    if kind == 1:
        return f"{(cid * 7919) % 10**9:09d}"[-4:]  # the last four digits of a phone
    if kind == 2:
        return rng.choice(SURNAMES) + rng.choice(GIVEN)  # a 2-character name
    return rng.choice(SURNAMES)  # a surname alone


# ------------------------------------------------------------------------------ plain indexed SQL


def run_indexed(
    db: Database, shop_id: int, inputs: dict[str, list[ListInput]], customers: int, rng: random.Random, runs: int
) -> dict[str, float]:
    """The fair baseline: the obvious SQL for each operation, using the schema's indexes (the orders'
    customer index, the tag index, the phone index), with no statistics table and no search index:
    purchase totals aggregated from the orders when a filter or sort needs them, LIKE for search."""
    settings = RfmSettings()
    purchases = (
        select(
            OrderRow.customer_id.label("customer_id"),
            func.count().label("n"),
            func.sum(OrderRow.total_cents).label("cents"),
            func.max(OrderRow.created_at).label("last"),
        )
        .where(OrderRow.shop_id == shop_id, OrderRow.state.in_(PURCHASE_VALUES))
        .group_by(OrderRow.customer_id)
        .subquery("purchases")
    )
    customers_t = CustomerRow.__table__

    def since(days: int) -> datetime:
        return NOW - timedelta(days=days)

    segment = case(
        (purchases.c.n.is_(None), Segment.NONE.value),
        (purchases.c.last < since(settings.churned_days), Segment.CHURNED.value),
        (purchases.c.last < since(settings.at_risk_days), Segment.AT_RISK.value),
        (
            and_(purchases.c.n >= settings.high_value_orders, purchases.c.cents >= settings.high_value_cents),
            Segment.HIGH_VALUE.value,
        ),
        (and_(purchases.c.n == 1, purchases.c.last >= since(settings.new_days)), Segment.NEW.value),
        else_=Segment.POTENTIAL.value,
    )
    with_purchases = customers_t.outerjoin(purchases, purchases.c.customer_id == CustomerRow.id)
    sort_columns = {
        SortKey.SPENT: purchases.c.cents,
        SortKey.LAST_ORDER: purchases.c.last,
        SortKey.ORDERS: purchases.c.n,
    }
    sqlite = db.engine.dialect.name == "sqlite"

    def listing(query_from: Any, conds: list[Any], order: list[Any], offset: int) -> None:
        with db.session() as s:
            total = s.execute(select(func.count()).select_from(query_from).where(*conds)).scalar_one()
            s.execute(
                select(CustomerRow.__table__)
                .select_from(query_from)
                .where(*conds)
                .order_by(*order)
                .offset(min(offset, max(total - PAGE, 0)))
                .limit(PAGE)
            ).all()

    def op(name: str) -> Callable[[int], None]:
        def run(i: int) -> None:
            f, sort, offset = inputs[name][i]
            shop = CustomerRow.shop_id == shop_id
            if name == "filter_by_tags":
                tagged = select(CustomerTagRow.customer_id).where(CustomerTagRow.tag_id.in_(f.tag_ids))
                listing(customers_t, [shop, CustomerRow.id.in_(tagged)], [CustomerRow.id.desc()], 0)
            elif name == "filter_by_segment":
                wanted = f.segments[0].value
                listing(with_purchases, [shop, segment == wanted], [CustomerRow.id.desc()], 0)
            elif name == "search":
                term = f.search
                like = (lambda c, t: c.like(f"%{t}%")) if sqlite else (lambda c, t: c.ilike(f"%{t}%"))
                other = like(CustomerRow.phone, term) if term.isdigit() else like(CustomerRow.name, term)
                listing(customers_t, [shop, or_(like(CustomerRow.nick, term), other)], [CustomerRow.id.desc()], 0)
            else:
                column = func.coalesce(sort_columns[sort], 0) if sort is not SortKey.LAST_ORDER else sort_columns[sort]
                listing(with_purchases, [shop], [column.desc(), CustomerRow.id.desc()], offset)

        return run

    results = {name: _time(op(name), len(inputs[name])) for name in LIST_OPS}

    def profile(_i: int) -> None:
        cid = rng.randrange(1, customers + 1)
        with db.session() as s:
            s.execute(select(CustomerRow.__table__).where(CustomerRow.id == cid)).one()
            order_ids = [r.id for r in s.execute(select(OrderRow.__table__).where(OrderRow.customer_id == cid)).all()]
            s.execute(select(OrderItemRow.__table__).where(OrderItemRow.order_id.in_(order_ids))).all()
            s.execute(select(LogisticsEventRow.__table__).where(LogisticsEventRow.order_id.in_(order_ids))).all()
            s.execute(select(CustomerTagRow.__table__).where(CustomerTagRow.customer_id == cid)).all()

    def bulk_tag(i: int) -> None:
        ids = rng.sample(range(1, customers + 1), 1000)
        with db.session() as s:
            tag_id = s.execute(
                insert(TagRow)
                .values(shop_id=shop_id, name=f"直接{i}", color="#1677ff", group_name="", official=False)
                .returning(TagRow.id)
            ).scalar_one()
            s.execute(insert(CustomerTagRow), [{"customer_id": c, "tag_id": tag_id, "created_at": NOW} for c in ids])

    results["open_profile"] = _time(profile, runs)
    results["bulk_tag_1000"] = _time(bulk_tag, runs)
    return results


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


def profile_hottest(crm: CrmService, inputs: dict[str, list[ListInput]], ours: dict[str, float]) -> dict[str, Any]:
    """cProfile of the slowest list operation: the jobs the list model runs on its workers (count,
    then the page), here on this thread; the functions with the most cumulative time."""
    name = max(LIST_OPS, key=lambda k: ours[k])
    profiler = cProfile.Profile()
    profiler.enable()
    for f, sort, row in inputs[name]:
        total = crm.count(f, sort)
        crm.page(f, sort, True, (min(row, max(total - 1, 0)) // PAGE) * PAGE, PAGE)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
    return {"operation": name, "runs": len(inputs[name]), "top": out.getvalue().splitlines()[-24:]}


# -------------------------------------------------------------------------------------------- run


@contextmanager
def _database(server_url: str | None) -> Iterator[Database]:
    """A temp SQLite file, or a new database on the PostgreSQL server ``server_url`` (dropped after)."""
    if server_url is None:
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
            db = Database(sqlite_url(Path(tmp) / "bench.sqlite3"))
            try:
                yield db
            finally:
                db.dispose()
        return
    name = f"wb_bench_customers_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        db = Database(make_url(server_url).set(database=name).render_as_string(hide_password=False))
        try:
            yield db
        finally:
            db.dispose()
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _writer(db: Database, shop_id: int, customers: int) -> Callable[[int], None]:
    """What arrives while an agent looks at 客户: orders (each recounting its buyer's statistics in
    its transaction) and chat messages, one unit of work each, through the app's repositories."""
    rng = random.Random(7)
    with db.session() as s:
        conversation = ConversationRepository(s).create(shop_id, 1, NOW)

    def write(n: int) -> None:
        at = NOW + timedelta(seconds=n)
        with db.session() as s:
            if n % 2:
                ConversationRepository(s).add_message(conversation.id, Sender.CUSTOMER, f"在吗，第{n}条", at)
            else:
                buyer, cents = rng.randrange(1, customers + 1), rng.choice((5900, 12900, 29900))
                order = Order(0, f"W{os.getpid()}{n:09d}", buyer, OrderState.AWAITING_SHIPMENT, cents, at, paid_at=at)
                OrderRepository(s).add_order(shop_id, order)

    return write


def run(
    customers: int = 100_000,
    orders: int = 1_000_000,
    *,
    db_url: str | None = None,
    naive: bool = True,
    model: bool = True,
    stall_seconds: float = 20.0,
    profile: bool = False,
) -> dict[str, Any]:
    rng = random.Random(2024)
    with _database(db_url) as db:
        started = time.perf_counter()
        db.migrate()
        shop_id, tag_ids = generate(db, customers, orders)
        generated = time.perf_counter() - started
        crm = CrmService(db, shop_id, lambda: NOW)
        started = time.perf_counter()
        crm.refresh()  # a bulk load around the repositories: the maintenance recount, once
        rebuilt = time.perf_counter() - started
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        started = time.perf_counter()
        crm.refresh_if_stale()  # what opening 客户 costs now (scores current: one read)
        open_check_ms = (time.perf_counter() - started) * 1000
        inputs = list_inputs(tag_ids, customers, rng, OURS_RUNS)
        ours, list_stall = run_ours(crm, inputs, customers, rng, OURS_RUNS)
        indexed = run_indexed(db, shop_id, inputs, customers, rng, OURS_RUNS)
        result: dict[str, Any] = {"ours": ours, "indexed_sql": indexed}
        if naive:
            result["naive"] = run_naive(db, shop_id, tag_ids, customers, rng)
        from workbench.ui.bench.customer_model import stall_during_writes

        ops = [op for name in LIST_OPS for op in inputs[name][:5]]
        writes = stall_during_writes(crm, ops, _writer(db, shop_id, customers), stall_seconds, writes_per_s=40)
        meta: dict[str, Any] = {
            "backend": db.engine.dialect.name,
            "customers": customers,
            "orders": orders,
            "generate_s": round(generated, 1),
            "statistics_rebuild_s": round(rebuilt, 2),
            "open_check_ms": round(open_check_ms, 2),
            "runs": {"ours": OURS_RUNS, "indexed_sql": OURS_RUNS, "naive": NAIVE_RUNS if naive else 0},
            "speedup_vs_indexed": {k: round(indexed[k] / max(ours[k], 0.01), 2) for k in ours},
            "max_ui_stall_ms_list_ops": list_stall,
            "during_writes": writes,
            "includes": "list ops: set_query → count → page with the row looked at, through CustomerTableModel and "
            "its worker pool; profile and bulk tag through CrmService; p95 of distinct inputs",
            "excludes": "painting (offscreen), generating the data, the one-off statistics rebuild after the bulk load",
        }
        with db.session() as s:
            meta["segments"] = {
                s_.segment.value: s_.customers
                for s_ in CustomerStatsRepository(s).dashboard(shop_id, RfmSettings(), NOW).segments
            }
        if model:
            meta["list_model"] = model_check(crm, customers)
        if profile:
            meta["profile"] = profile_hottest(crm, inputs, ours)
    result["meta"] = meta
    return result
