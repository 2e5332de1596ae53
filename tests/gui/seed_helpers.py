"""Realistic sidebar data for GUI tests: a shop, one customer with tags and notes, and their orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workbench.domain.customers import Customer
from workbench.domain.orders import LogisticsEvent, Order, OrderItem, OrderState
from workbench.storage.db import Database, sqlite_url
from workbench.storage.repositories.customers import CustomerRepository
from workbench.storage.repositories.orders import OrderRepository
from workbench.storage.repositories.shops import ShopRepository

NOW = datetime(2024, 6, 18, 15, 30)


@dataclass(frozen=True)
class Seeded:
    db_path: Path
    shop_id: int
    customer_id: int
    other_customer_id: int
    order_nos: tuple[str, ...]  # the customer's orders, newest first
    foreign_order_no: str  # an order of the other customer


def open_db(path: Path) -> Database:
    db = Database(sqlite_url(path))
    db.migrate()
    return db


def clock() -> datetime:
    return NOW


def _order(
    order_no: str,
    customer_id: int,
    state: OrderState,
    created: datetime,
    items: tuple[OrderItem, ...],
    total_cents: int,
    **extra: object,
) -> Order:
    return Order(
        id=0,
        order_no=order_no,
        customer_id=customer_id,
        state=state,
        total_cents=total_cents,
        created_at=created,
        items=items,
        **extra,  # type: ignore[arg-type]
    )


def seed(db: Database, path: Path) -> Seeded:
    with db.session() as s:
        shop = ShopRepository(s).add("优衣阁旗舰店", "服饰")
        customers = CustomerRepository(s)
        customer = customers.add(
            shop.id,
            Customer(
                id=0,
                nick="tb_小鹿同学",
                name="林晓",
                phone="13812345678",
                gender="女",
                city="浙江 杭州",
                credit_level="3钻",
                is_88vip=True,
                traffic_source="站内付费",
                member_level="金卡",
                points=1280,
                registered_at=datetime(2016, 3, 9),
                preferences="偏爱宽松版型、浅色系；对面料敏感，优先纯棉",
                refund_count=2,
                bad_review_count=1,
            ),
        )
        other = customers.add(shop.id, Customer(id=0, nick="momo2008", credit_level="2心"))
        vip = customers.ensure_tag(shop.id, "88VIP", color="#d46b08", official=True)
        customers.add_tag(customer.id, vip.id, datetime(2024, 1, 1))
        for name, color in (("老客户", "#1677ff"), ("爱砍价", "#fa8c16")):
            tag = customers.ensure_tag(shop.id, name, color=color)
            customers.add_tag(customer.id, tag.id, datetime(2024, 2, 1))
        for name in ("尺码偏小", "高价值", "已回访", "老客户推荐"):
            customers.ensure_tag(shop.id, name)
        customers.add_note(customer.id, "上次反馈领口起球，已补发一件，注意回访。", "阿青", datetime(2024, 5, 2, 10, 5))
        customers.add_note(customer.id, "要求开具电子发票，抬头：林晓", "小美", datetime(2024, 6, 1, 14, 20))

        orders = OrderRepository(s)
        orders.add_order(
            shop.id,
            _order(
                "3671009988776655",
                customer.id,
                OrderState.SHIPPED,
                datetime(2024, 6, 15, 20, 12),
                (
                    OrderItem("T-001", "纯棉宽松圆领短袖T恤 夏季新款", "M", "燕麦白", 2, 7900),
                    OrderItem("P-201", "高腰阔腿休闲裤 垂感", "L", "雾霾蓝", 1, 15900),
                ),
                29700,
                paid_at=datetime(2024, 6, 15, 20, 13),
                shipped_at=datetime(2024, 6, 16, 9, 30),
                address="浙江省杭州市西湖区文三路 398 号 东信大厦 5 楼 林晓 138****5678",
                carrier="中通快递",
                tracking_no="ZT78451236985",
                memo="客户要求用纸箱包装",
                flag="红旗",
                logistics=(
                    LogisticsEvent(datetime(2024, 6, 16, 9, 30), "【杭州市】商家已发货，包裹已揽收"),
                    LogisticsEvent(datetime(2024, 6, 16, 21, 4), "【杭州转运中心】已发出，下一站【杭州西湖区】"),
                    LogisticsEvent(
                        datetime(2024, 6, 17, 8, 15), "【杭州西湖区】派件员 王师傅 正在派件，电话 139****0021"
                    ),
                ),
            ),
        )
        orders.add_order(
            shop.id,
            _order(
                "3671009988770001",
                customer.id,
                OrderState.AWAITING_PAYMENT,
                datetime(2024, 6, 17, 11, 2),
                (OrderItem("K-330", "冰丝针织开衫 薄款防晒", "均码", "奶咖", 1, 12900),),
                12900,
                address="浙江省杭州市西湖区文三路 398 号",
            ),
        )
        orders.add_order(
            shop.id,
            _order(
                "3671009988760002",
                customer.id,
                OrderState.COMPLETED,
                datetime(2024, 4, 2, 9, 45),
                (OrderItem("D-118", "法式碎花连衣裙", "S", "蓝色碎花", 1, 19900),),
                18900,
                paid_at=datetime(2024, 4, 2, 9, 46),
                shipped_at=datetime(2024, 4, 2, 17, 0),
                signed_at=datetime(2024, 4, 4, 12, 30),
                carrier="顺丰速运",
                tracking_no="SF1400233344",
                logistics=(
                    LogisticsEvent(datetime(2024, 4, 2, 17, 0), "已揽收"),
                    LogisticsEvent(datetime(2024, 4, 4, 12, 30), "已签收，签收人：本人"),
                ),
            ),
        )
        orders.add_order(
            shop.id,
            _order(
                "3671009988750003",
                customer.id,
                OrderState.REFUNDING,
                datetime(2024, 3, 20, 16, 0),
                (OrderItem("T-002", "基础款打底衫", "M", "黑色", 1, 5900),),
                5900,
            ),
        )
        orders.add_order(
            shop.id,
            _order(
                "3671009988740004",
                customer.id,
                OrderState.CLOSED,
                datetime(2024, 2, 11, 10, 0),
                (OrderItem("H-009", "渔夫帽", "均码", "卡其", 1, 3900),),
                3900,
            ),
        )
        orders.add_order(
            shop.id,
            _order(
                "4200000000000099",
                other.id,
                OrderState.AWAITING_SHIPMENT,
                datetime(2024, 6, 18, 9, 0),
                (OrderItem("T-001", "纯棉宽松圆领短袖T恤 夏季新款", "S", "黑色", 1, 7900),),
                7900,
                paid_at=datetime(2024, 6, 18, 9, 1),
            ),
        )
        return Seeded(
            db_path=path,
            shop_id=shop.id,
            customer_id=customer.id,
            other_customer_id=other.id,
            order_nos=(
                "3671009988770001",
                "3671009988776655",
                "3671009988760002",
                "3671009988750003",
                "3671009988740004",
            ),
            foreign_order_no="4200000000000099",
        )
