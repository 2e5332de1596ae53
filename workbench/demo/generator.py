"""The demo shop's buyers and orders: a deterministic generator around the shipped content.

:func:`generate_demo_shop` loads the content (:mod:`workbench.demo.content`) and generates customers
and their orders, with logistics timelines, memos, refunds and the classroom stories. The result
depends only on ``seed``, ``customers`` and ``now``: the same arguments always give equal objects.
Timestamps are naive local datetimes relative to ``now``.

Pure standard library: no Qt, no SQLAlchemy.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from workbench.demo.content import (
    CREDIT_LEVELS,
    ORDER_STATES,
    SEASONS,
    TRAFFIC_SOURCES,
    DemoAddress,
    DemoContent,
    DemoCustomer,
    DemoLogisticsEvent,
    DemoOrder,
    DemoOrderItem,
    DemoProduct,
    DemoShop,
    LogisticsStatus,
    load_demo_content,
    size_chart_weights,
)
from workbench.domain.orders import OrderState

DEFAULT_SEED = 20251111
DEFAULT_CUSTOMERS = 200


# --------------------------------------------------------------------------- generator tables


@dataclass(frozen=True, slots=True)
class _City:
    province: str
    city: str
    districts: tuple[str, ...]
    distance: int  # 0 same city as the warehouse … 4 remote
    weight: float
    via: str = ""  # intermediate hub on long routes

    @property
    def stem(self) -> str:
        return self.city.removesuffix("市")


def _cities() -> tuple[_City, ...]:
    rows = (
        "浙江省|杭州市|西湖区,拱墅区,上城区,滨江区,余杭区,萧山区|0|10|",
        "浙江省|宁波市|鄞州区,海曙区,江北区|1|4|",
        "浙江省|温州市|鹿城区,瓯海区,龙湾区|1|3|",
        "浙江省|金华市|婺城区,金东区|1|2|",
        "上海市|上海市|浦东新区,闵行区,徐汇区,静安区,杨浦区,宝山区|1|10|",
        "江苏省|南京市|鼓楼区,玄武区,江宁区,建邺区|1|5|",
        "江苏省|苏州市|姑苏区,吴中区,相城区,虎丘区,吴江区|1|5|",
        "江苏省|无锡市|梁溪区,滨湖区,新吴区|1|2|",
        "安徽省|合肥市|蜀山区,包河区,庐阳区|1|3|",
        "北京市|北京市|朝阳区,海淀区,丰台区,东城区,通州区|2|7|",
        "天津市|天津市|南开区,河西区,和平区|2|2|",
        "广东省|广州市|天河区,越秀区,海珠区,番禺区,白云区|2|6|",
        "广东省|深圳市|南山区,福田区,宝安区,龙岗区,罗湖区|2|6|",
        "广东省|佛山市|禅城区,南海区,顺德区|2|2|",
        "福建省|厦门市|思明区,湖里区,集美区|2|2|",
        "福建省|福州市|鼓楼区,台江区,仓山区|2|2|",
        "山东省|济南市|历下区,市中区,槐荫区|2|2|",
        "山东省|青岛市|市南区,市北区,崂山区,黄岛区|2|3|",
        "河南省|郑州市|金水区,二七区,中原区|2|3|",
        "湖北省|武汉市|武昌区,洪山区,江汉区,江岸区|2|4|",
        "湖南省|长沙市|岳麓区,天心区,芙蓉区,雨花区|2|3|",
        "江西省|南昌市|东湖区,红谷滩区,青山湖区|2|2|",
        "河北省|石家庄市|长安区,桥西区,裕华区|2|2|",
        "山西省|太原市|小店区,迎泽区,杏花岭区|3|1|郑州",
        "四川省|成都市|武侯区,锦江区,青羊区,金牛区,成华区|3|4|武汉",
        "重庆市|重庆市|渝中区,江北区,南岸区,沙坪坝区,九龙坡区|3|3|武汉",
        "陕西省|西安市|雁塔区,碑林区,未央区,莲湖区|3|2|郑州",
        "辽宁省|沈阳市|和平区,沈河区,浑南区|3|2|天津",
        "辽宁省|大连市|中山区,沙河口区,甘井子区|3|1|天津",
        "吉林省|长春市|朝阳区,南关区|3|1|沈阳",
        "黑龙江省|哈尔滨市|南岗区,道里区,香坊区|3|1|沈阳",
        "云南省|昆明市|五华区,盘龙区,官渡区|3|1|长沙",
        "贵州省|贵阳市|南明区,云岩区,观山湖区|3|1|长沙",
        "广西壮族自治区|南宁市|青秀区,兴宁区,西乡塘区|3|1|广州",
        "海南省|海口市|龙华区,美兰区|3|1|广州",
        "新疆维吾尔自治区|乌鲁木齐市|天山区,沙依巴克区,新市区|4|1|西安",
        "内蒙古自治区|呼和浩特市|新城区,赛罕区|4|1|北京",
        "甘肃省|兰州市|城关区,七里河区|4|1|郑州",
        "宁夏回族自治区|银川市|兴庆区,金凤区|4|0.5|西安",
    )
    cities = []
    for row in rows:
        province, city, districts, distance, weight, via = row.split("|")
        cities.append(_City(province, city, tuple(districts.split(",")), int(distance), float(weight), via))
    return tuple(cities)


_CITIES = _cities()
_TRANSIT_HOURS = {0: (3, 8), 1: (8, 16), 2: (16, 30), 3: (30, 48), 4: (55, 85)}
_HUB_WORD = {"中通": "转运中心", "圆通": "转运中心", "韵达": "分拨中心", "申通": "转运中心",
             "顺丰": "中转场", "邮政EMS": "邮件处理中心"}  # fmt: skip
_SITE_WORD = {"中通": "营业部", "圆通": "营业部", "韵达": "网点", "申通": "网点", "顺丰": "营业点",
              "邮政EMS": "揽投部"}  # fmt: skip
_CARRIER_WEIGHTS = (("中通", 34), ("圆通", 22), ("韵达", 22), ("申通", 8), ("顺丰", 10), ("邮政EMS", 4))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐韩冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_FEMALE_GIVEN = _words(
    "婷婷 静 雪梅 丽娟 晓燕 思雨 雨涵 佳怡 欣怡 梦琪 慧敏 秀英 玉兰 晓琳 诗涵 可馨 悦 丹 琳 倩 芳 敏 娜 颖 洁 璐 莉"
    " 晶 蕾 薇 晓雯 雅琴 美玲 春燕 海燕 艳 红霞 文静 嘉怡 子涵 一诺 梓萱 若曦 紫琪 心怡 婉清 小雨 佳琪 雪 露"
)
_MALE_GIVEN = _words("伟 强 磊 军 洋 勇 杰 涛 斌 超 明 刚 建国 志强 浩然 子轩 宇航 俊杰 文博 鹏 凯 晨")

_NICK_WORDS = _words(
    "糖糖不吃糖 阿狸的尾巴 南方姑娘 柠檬不萌 月亮邮递员 鱼干儿 喵了个咪 冬日暖阳 三月桃花 是阿梨呀 早睡早起"
    " 快乐小肥羊 芝士就是力量 人间水蜜桃 今天也要加油 追风少女 甜甜圈圈 小太阳 一只胖丁 菠萝味的夏天 橘子汽水"
    " 栗子糕 云朵朵 木木夕 陌上花开 半夏微凉 浅笑安然 小确幸 兔兔那么可爱 奶盖少女 梨涡浅笑 大白不白 西柚不甜"
)
_NICK_ADJ = _words(
    "爱吃鱼的 不吃香菜的 会飞的 想睡觉的 慢吞吞的 晒太阳的 迷路的 努力搬砖的 熬夜的 发呆的 减肥中的 爱笑的"
)
_NICK_NOUN = _words("猫 小鹿 兔子 橘子 考拉 布丁 团子 汤圆 小熊 咸鱼 蘑菇 棉花糖 芒果 樱桃 企鹅 仓鼠")
_NICK_EN = _words(
    "lily amy cindy jessie vivian coco nana sunny echo grace yoyo kiki tina lucky winnie annie mia zoe ivy"
)
_NICK_PINYIN = _words("xiaoyu wangjing lixue zhangmin chenchen tingting yangyang lanlan huanhuan xinxin yueyue jiajia")
_NICK_MOM = _words(
    "豆豆妈 乐乐妈咪 果果妈 糖宝妈 朵朵妈妈 小米粒妈 安安妈 西西妈咪 橙子妈妈 二宝妈 一一妈 皮皮妈 小鱼儿妈 多多妈咪"
)
_NICK_MALE = _words(
    "老王不在家 安静的美男子 孤独的旅人 程序猿阿杰 我是宇哥 大熊同学 阿飞正传 夜猫子老李 跑步的胖子 钓鱼佬阿强"
    " 路人甲乙丙 一只大白鲨 奶爸日记 陈皮不是皮 老实人小张"
)
_NICK_MALE_EN = _words("jack tony leo kevin eric david jason steven")
_NICK_MALE_PINYIN = _words("zhangwei liuyang wanglei chenhao lijun zhaopeng sunqiang")

_STREETS = _words(
    "人民路 解放路 中山路 建设路 文化路 长江路 和平路 新华路 青年路 学府路 光明路 幸福路 滨江路 科技路 花园路 东风路"
)
_COMMUNITIES = _words(
    "阳光花园 锦绣家园 翠苑小区 金色家园 碧水湾 御景华府 幸福里 春江花月 书香门第 桂花园 东方名苑 世纪新城"
    " 香树花城 城市花园 橡树湾 香槟国际 新城花园 和平里小区"
)
_TOWERS = _words("国际大厦 科技园A座 时代广场 金融中心 创业大厦 万达广场B座")

_PHONE_PREFIXES = _words(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 177 180 181 182 183"
    " 185 186 187 188 189 191 198 199"
)

_BUYER_MESSAGES = (
    "尽量早点发，周末要穿",
    "送人的，不要放价格单",
    "白天家里没人，放驿站就行",
    "麻烦帮忙检查一下有没有线头",
    "包装好一点，谢谢",
    "能放个试穿建议吗，第一次买",
)
_SELLER_MEMOS = (
    ("随单送发圈一个", "green"),
    ("顾客要求周六前到，已催仓库", "red"),
    ("地址已和顾客核对", "blue"),
    ("发货前再确认一次尺码", "yellow"),
    ("顾客说上次线头多，发货前仔细检查", "purple"),
)
_CUSTOM_TAGS = ("爱砍价", "尺码纠结", "上班族", "宝妈", "学生党", "晒图达人", "偏爱连衣裙", "喜欢宽松款")
_STYLE_NOTES = (
    "喜欢宽松款",
    "通勤风，不穿太短的",
    "偏爱连衣裙",
    "肩宽，上衣要宽松一点",
    "不喜欢太紧身的",
    "喜欢浅色系",
    "小个子，裤子要短款",
    "胯宽，裤子按腰围拍大一码",
)

# Order states for a buyer's latest order when it is still in progress (weights).
_RECENT_STATES = (
    (OrderState.AWAITING_PAYMENT, 10),
    (OrderState.AWAITING_SHIPMENT, 16),
    (OrderState.SHIPPED, 18),
    (OrderState.SIGNED, 12),
    (OrderState.COMPLETED, 22),
    (OrderState.CLOSED, 9),
    (OrderState.REFUNDING, 13),
)
_CLOSE_VARIANTS = (("unpaid", 40), ("cancel", 25), ("return", 25), ("reject", 10))
_REFUND_VARIANTS = (("cancel", 35), ("return", 45), ("missing", 8), ("quality", 12))
_CANCEL_REASONS = ("拍错了/多拍了", "不想要了", "尺码拍错了，重新拍", "地址填错了，重新拍", "发货太慢了")
_RETURN_REASONS = ("尺码不合适", "颜色和图片有差异", "不喜欢/上身效果不好", "面料和预期不一样", "尺码偏大")
_QUALITY_REASONS = ("质量问题：袖口开线", "质量问题：有污渍", "质量问题：拉链拉不上", "质量问题：有破洞")


@dataclass(frozen=True, slots=True)
class _OrderSpec:
    """What the generator should make: a state, a variant of it and optionally when and what."""

    state: OrderState
    variant: str = ""
    days_ago: float | None = None  # approximate creation time for finished orders
    items: tuple[tuple[str, str, str, int], ...] = ()  # (sku, size, color, quantity)
    buyer_message: str = ""


@dataclass(frozen=True, slots=True)
class _Featured:
    """A hand-made customer behind one of the classroom stories."""

    nick: str
    name: str
    full_name: str
    gender: str
    city: str
    district: str
    credit_level: str
    is_88vip: bool
    traffic_source: str
    account_days: int
    height_cm: int | None
    weight_jin: int | None
    orders: tuple[_OrderSpec, ...]
    tags: tuple[str, ...] = ()
    preferences: str = ""
    bad_review_count: int = 0
    complaint_count: int = 0
    detail: str = ""  # fixed street address instead of a generated one
    station: str = ""  # the 驿站 / 丰巢 near ``detail``


_S = OrderState
# fmt: off
_FEATURED: tuple[_Featured, ...] = (
    # 教材引导案例：连衣裙有色差、偏大，申请换货。
    _Featured(
        nick="小鹿乱撞77", name="张女士", full_name="张晓雯", gender="女", city="宁波市", district="鄞州区",
        credit_level="3钻", is_88vip=False, traffic_source="站内免费", account_days=2900,
        height_cm=163, weight_jin=102, preferences="身高163 体重102斤，平时上衣M，连衣裙拍了L码",
        orders=(
            _OrderSpec(_S.COMPLETED, days_ago=120, items=(("NZ-TX-001", "M", "白色", 2),)),
            _OrderSpec(_S.SIGNED, "recent", items=(("NZ-LYQ-001", "L", "蓝色碎花", 1),)),
        ),
    ),
    # 高价值老客户（钻石会员、88VIP）。
    _Featured(
        nick="lily_0521", name="李婷婷", full_name="李婷婷", gender="女", city="上海市", district="浦东新区",
        credit_level="5钻", is_88vip=True, traffic_source="自主访问", account_days=3900,
        height_cm=165, weight_jin=93, preferences="身高165 体重93斤，上衣S、裤子26；通勤风，喜欢真丝和大衣",
        tags=("老客户", "晒图达人"),
        orders=(
            _OrderSpec(_S.COMPLETED, days_ago=410, items=(("NZ-WT-001", "S", "驼色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=350, items=(("NZ-CS-001", "S", "香槟色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=300, items=(("NZ-LYQ-003", "S", "黑色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=240, items=(("NZ-WT-003", "S", "卡其色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=200, items=(("NZ-NZK-001", "26", "浅蓝色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=150, items=(("NZ-CS-001", "S", "墨绿色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=90, items=(("NZ-WT-004", "S", "奶白色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=45, items=(("NZ-ZZS-002", "S", "米白色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=20, items=(("NZ-LYQ-004", "S", "白色", 1),)),
            _OrderSpec(_S.SHIPPED, "normal", items=(("NZ-BSQ-001", "S", "黑色", 1), ("NZ-CS-002", "S", "白色", 1))),
        ),
    ),
    # 退货很多的买家。
    _Featured(
        nick="momo酱", name="王女士", full_name="王梦婷", gender="女", city="广州市", district="天河区",
        credit_level="4钻", is_88vip=False, traffic_source="站内付费", account_days=2100,
        height_cm=158, weight_jin=98, preferences="身高158 体重98斤，说阔腿裤总是太长", tags=("尺码纠结",),
        orders=(
            _OrderSpec(_S.CLOSED, "return", days_ago=160),
            _OrderSpec(_S.COMPLETED, days_ago=130),
            _OrderSpec(_S.CLOSED, "return", days_ago=95),
            _OrderSpec(_S.CLOSED, "cancel", days_ago=60),
            _OrderSpec(_S.CLOSED, "return", days_ago=30),
            _OrderSpec(_S.REFUNDING, "return", items=(("NZ-NZK-002", "26", "浅蓝色", 1),)),
        ),
    ),
    # 疑似职业差评师：新号、低信用、连续小额购买后差评、多次投诉。
    _Featured(
        nick="路过的风2023", name="刘先生", full_name="刘伟", gender="男", city="深圳市", district="宝安区",
        credit_level="2心", is_88vip=False, traffic_source="站外", account_days=38,
        height_cm=None, weight_jin=None, bad_review_count=4, complaint_count=2,
        orders=(
            _OrderSpec(_S.COMPLETED, days_ago=33, items=(("NZ-TX-003", "M", "黑色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=29, items=(("NZ-TX-001", "L", "白色", 1),)),
            _OrderSpec(_S.CLOSED, "return", days_ago=27, items=(("NZ-TX-002", "M", "白色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=24, items=(("NZ-TX-003", "L", "白色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=21, items=(("NZ-BSQ-002", "M", "黑色", 1),)),
            _OrderSpec(_S.REFUNDING, "quality", items=(("NZ-CS-002", "M", "白色", 1),)),
        ),
    ),
    # 刚注册、还没买过东西的新号。
    _Featured(
        nick="tb8273645091", name="", full_name="赵敏", gender="女", city="合肥市", district="蜀山区",
        credit_level="1心", is_88vip=False, traffic_source="站内付费", account_days=3,
        height_cm=None, weight_jin=None, orders=(),
    ),
    # 拍下未付款（催付）。
    _Featured(
        nick="给老婆买衣服", name="陈先生", full_name="陈建国", gender="男", city="北京市", district="朝阳区",
        credit_level="2冠", is_88vip=True, traffic_source="站内免费", account_days=4800,
        height_cm=None, weight_jin=None, preferences="给老婆买，老婆身高160 体重100斤左右", tags=("送礼",),
        orders=(
            _OrderSpec(_S.COMPLETED, days_ago=330, items=(("NZ-ZZS-001", "均码", "燕麦色", 1),)),
            _OrderSpec(_S.AWAITING_PAYMENT, "fresh",
                       items=(("NZ-WT-001", "M", "驼色", 1), ("NZ-ZZS-001", "均码", "奶白色", 1))),
        ),
    ),
    # 物流三天没有更新。
    _Featured(
        nick="七七很忙", name="周女士", full_name="周琪", gender="女", city="成都市", district="武侯区",
        credit_level="1冠", is_88vip=False, traffic_source="站内免费", account_days=3300,
        height_cm=160, weight_jin=93, preferences="身高160 体重93斤，上衣S",
        orders=(
            _OrderSpec(_S.COMPLETED, days_ago=70),
            _OrderSpec(_S.SHIPPED, "stalled", items=(("NZ-WY-001", "S", "杏色", 1),)),
        ),
    ),
    # 付款两天多还没发货（催发货 / 延迟发货）。
    _Featured(
        nick="一颗酸橙", name="孙女士", full_name="孙佳怡", gender="女", city="郑州市", district="金水区",
        credit_level="4钻", is_88vip=False, traffic_source="站内付费", account_days=2600,
        height_cm=168, weight_jin=116, preferences="身高168 体重116斤，上衣L",
        orders=(
            _OrderSpec(_S.AWAITING_SHIPMENT, "late", items=(("NZ-LYQ-002", "L", "燕麦色", 1),),
                       buyer_message="周末要穿，麻烦尽快发"),
        ),
    ),
    # 流失的金卡老客户。
    _Featured(
        nick="晚风与你", name="赵女士", full_name="赵雅琴", gender="女", city="南京市", district="鼓楼区",
        credit_level="5钻", is_88vip=False, traffic_source="自主访问", account_days=4200,
        height_cm=162, weight_jin=104, preferences="身高162 体重104斤，上衣M", tags=("老客户",),
        orders=(
            _OrderSpec(_S.COMPLETED, days_ago=470, items=(("NZ-WT-001", "M", "燕麦色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=420, items=(("NZ-WT-004", "M", "黑色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=380, items=(("NZ-CS-001", "M", "珍珠白", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=330, items=(("NZ-LYQ-003", "M", "黑色", 1),)),
            _OrderSpec(_S.COMPLETED, days_ago=290, items=(("NZ-WT-003", "M", "黑色", 1),)),
        ),
    ),
    # 给过差评、最近拒收过一次快递。
    _Featured(
        nick="桃桃乌龙", name="杨女士", full_name="杨雪", gender="女", city="深圳市", district="南山区",
        credit_level="3钻", is_88vip=False, traffic_source="站内免费", account_days=1500,
        height_cm=157, weight_jin=92, preferences="身高157 体重92斤，小个子", bad_review_count=1,
        orders=(
            _OrderSpec(_S.COMPLETED, days_ago=200),
            _OrderSpec(_S.CLOSED, "reject", days_ago=12, items=(("NZ-NZK-002", "25", "浅蓝色", 1),)),
        ),
    ),
    # 大学生，快递放丰巢。
    _Featured(
        nick="奶茶续命", name="黄同学", full_name="黄可馨", gender="女", city="武汉市", district="洪山区",
        credit_level="1钻", is_88vip=False, traffic_source="站外", account_days=900,
        height_cm=158, weight_jin=90, preferences="身高158 体重90斤，喜欢宽松款", tags=("学生党", "爱砍价"),
        detail="珞喻路1037号华中科技大学紫菘学生公寓7栋", station="紫菘学生公寓",
        orders=(
            _OrderSpec(_S.COMPLETED, days_ago=50, items=(("NZ-TX-002", "S", "杏色", 1),)),
            _OrderSpec(_S.SIGNED, "locker", items=(("NZ-WY-002", "S", "牛油果绿", 1),)),
        ),
    ),
    # 买了两件只收到一件（少件漏发）。
    _Featured(
        nick="程序员的老婆", name="吴女士", full_name="吴欣怡", gender="女", city="杭州市", district="滨江区",
        credit_level="3钻", is_88vip=True, traffic_source="站内免费", account_days=2400,
        height_cm=165, weight_jin=112, preferences="身高165 体重112斤，上衣L、裤子28", tags=("上班族",),
        orders=(
            _OrderSpec(_S.COMPLETED, days_ago=140),
            _OrderSpec(_S.COMPLETED, days_ago=85),
            _OrderSpec(_S.COMPLETED, days_ago=40),
            _OrderSpec(_S.REFUNDING, "missing",
                       items=(("NZ-NZK-001", "28", "深蓝色", 1), ("NZ-TX-003", "L", "燕麦色", 1))),
        ),
    ),
)
# fmt: on


# --------------------------------------------------------------------------------- generator


def _minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def _part(span: timedelta, fraction: float) -> timedelta:
    """``fraction`` of ``span``, in whole minutes (every generated time is on a minute)."""
    return _minutes(round(span / timedelta(minutes=1) * fraction))


def _shift(events: Sequence[DemoLogisticsEvent], delta: timedelta) -> list[DemoLogisticsEvent]:
    return [replace(e, at=e.at + delta) for e in events]


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs], k=1)[0]


@dataclass(slots=True)
class _Draft:
    """A customer while their orders are being generated."""

    nick: str
    name: str
    full_name: str
    gender: str
    city: _City
    address: DemoAddress
    station: str  # 驿站 / 丰巢 name near home, "" for office addresses
    registered_at: datetime
    credit_level: str
    is_88vip: bool
    traffic_source: str
    height_cm: int | None
    weight_jin: int | None
    birthday: date | None
    tags: list[str]
    preferences: str
    bad_review_count: int
    complaint_count: int


class _Generator:
    def __init__(self, content: DemoContent, seed: int, now: datetime) -> None:
        self.content = content
        self.policies = content.shop.policies
        self.rng = random.Random(seed)
        self.now = now
        self.nicks: set[str] = set()
        self.phones: set[str] = set()
        self.order_nos: set[str] = set()
        self.tracking_nos: set[str] = set()
        self.products = {p.sku: p for p in content.products}

    # ---- small helpers

    def phone(self) -> str:
        while True:
            number = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def daytime(self, t: datetime, start: int = 8, end: int = 19) -> datetime:
        """``t`` if it falls in working hours, else the next morning shortly after ``start``."""
        if start <= t.hour < end:
            return t
        day = t.date() if t.hour < start else t.date() + timedelta(days=1)
        return datetime.combine(day, time(start)) + _minutes(self.rng.randint(0, 100))

    def is_remote(self, city: _City) -> bool:
        return any(city.province.startswith(region) for region in self.policies.remote_regions)

    def tracking_no(self, carrier: str) -> str:
        rng = self.rng
        while True:
            if carrier == "中通":
                number = "78" + "".join(str(rng.randrange(10)) for _ in range(12))
            elif carrier == "圆通":
                number = "YT" + "".join(str(rng.randrange(10)) for _ in range(13))
            elif carrier == "韵达":
                number = "43" + "".join(str(rng.randrange(10)) for _ in range(13))
            elif carrier == "申通":
                number = "77" + "".join(str(rng.randrange(10)) for _ in range(13))
            elif carrier == "顺丰":
                number = "SF" + "".join(str(rng.randrange(10)) for _ in range(13))
            else:
                number = "11" + "".join(str(rng.randrange(10)) for _ in range(11))
            if number not in self.tracking_nos:
                self.tracking_nos.add(number)
                return number

    def order_no(self) -> str:
        while True:
            number = str(self.rng.randrange(2 * 10**18, 5 * 10**18))
            if number not in self.order_nos:
                self.order_nos.add(number)
                return number

    # ---- people

    def full_name(self, gender: str) -> tuple[str, str]:
        surname = self.rng.choice(_SURNAMES)
        given = self.rng.choice(_FEMALE_GIVEN if gender == "女" else _MALE_GIVEN)
        return surname, surname + given

    def unique_nick(self, base: str) -> str:
        nick = base
        while nick in self.nicks:
            nick = base + str(self.rng.randint(1, 999))
        self.nicks.add(nick)
        return nick

    def random_nick(self, gender: str, birthday: date | None) -> str:
        rng = self.rng
        if gender == "男":
            style = rng.random()
            if style < 0.5:
                base = rng.choice(_NICK_MALE)
            elif style < 0.75:
                base = rng.choice(_NICK_MALE_EN) + rng.choice(("_", "")) + str(rng.randint(1985, 2003))
            else:
                base = rng.choice(_NICK_MALE_PINYIN) + str(rng.choice((rng.randint(1, 99), rng.randint(1985, 2003))))
        else:
            style = rng.random()
            if style < 0.25:
                base = rng.choice(_NICK_WORDS)
            elif style < 0.40:
                base = rng.choice(_NICK_ADJ) + rng.choice(_NICK_NOUN)
            elif style < 0.60:
                name = rng.choice(_NICK_EN)
                if rng.random() < 0.3:
                    name = name.capitalize()
                if birthday is not None and rng.random() < 0.5:
                    suffix = f"{birthday.month:02d}{birthday.day:02d}"
                else:
                    suffix = str(birthday.year if birthday else rng.randint(1988, 2004))
                base = name + rng.choice(("_", "", "_", ".")) + suffix
            elif style < 0.72:
                base = rng.choice(_NICK_PINYIN) + str(rng.choice((rng.randint(1, 99), rng.randint(1988, 2004))))
            elif style < 0.78:
                base = rng.choice(_NICK_MOM)
            else:
                base = "tb" + str(rng.randrange(10**8, 10**10))
        return self.unique_nick(base)

    def home_address(self, receiver: str, phone: str, city: _City, district: str = "") -> tuple[DemoAddress, str]:
        rng = self.rng
        district = district or rng.choice(city.districts)
        street = rng.choice(_STREETS)
        if rng.random() < 0.12:
            detail = f"{street}{rng.randint(1, 399)}号{rng.choice(_TOWERS)}{rng.randint(3, 28)}楼"
            station = ""
        else:
            community = rng.choice(_COMMUNITIES)
            detail = (
                f"{street}{rng.randint(1, 899)}号{community}"
                f"{rng.randint(1, 30)}幢{rng.randint(1, 4)}单元{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
            )
            station = community
        address = DemoAddress(receiver, phone, city.province, city.city, district, detail)
        return address, station

    def credit_for(self, account_days: int) -> str:
        years = account_days / 365
        index = round(0.5 + years * 0.85 + self.rng.gauss(0, 1.4))
        return CREDIT_LEVELS[max(0, min(index, 15))]

    def random_draft(self) -> _Draft:
        rng = self.rng
        gender = "女" if rng.random() < 0.88 else "男"
        surname, full = self.full_name(gender)
        age = max(18, min(55, round(rng.gauss(30, 7))))
        birthday = None
        if rng.random() < 0.7:
            birthday = date(self.now.year - age, rng.randint(1, 12), rng.randint(1, 28))
        nick = self.random_nick(gender, birthday)
        city = _weighted(rng, [(c, c.weight) for c in _CITIES])
        phone = self.phone()
        address, station = self.home_address(full, phone, city)
        new_account = rng.random() < 0.02
        account_days = rng.randint(1, 10) if new_account else round(rng.uniform(0.5, 12) * 365)
        credit = "1心" if new_account else self.credit_for(account_days)
        polite = surname + ("女士" if gender == "女" else "先生")
        name = polite if rng.random() < 0.35 else full
        height = weight = None
        if gender == "女" and rng.random() < 0.7:
            height = max(148, min(178, round(rng.gauss(161, 5.5))))
            weight = max(82, min(160, round(rng.gauss(104 + (height - 161) * 1.6, 12))))
        tags = [t for t in _CUSTOM_TAGS if rng.random() < 0.06]
        preferences = ""
        if gender == "男":
            tags = [t for t in tags if t not in ("宝妈", "偏爱连衣裙", "晒图达人")]
            preferences = rng.choice(("给老婆买", "给女朋友买", "给妈妈买", "给女儿买"))
            if rng.random() < 0.5:
                tags.append("送礼")
        if "学生党" in tags and age > 24:
            tags.remove("学生党")
        if "宝妈" in tags and (gender == "男" or age < 24):
            tags.remove("宝妈")
        return _Draft(
            nick=nick,
            name=name,
            full_name=full,
            gender=gender,
            city=city,
            address=address,
            station=station,
            registered_at=self.now - timedelta(days=account_days, minutes=rng.randint(0, 1439)),
            credit_level=credit,
            is_88vip=(not new_account) and rng.random() < 0.15,
            traffic_source=_weighted(rng, list(zip(TRAFFIC_SOURCES, (45, 25, 20, 10), strict=True))),
            height_cm=height,
            weight_jin=weight,
            birthday=birthday,
            tags=tags,
            preferences=preferences,
            bad_review_count=1 if rng.random() < 0.04 else 0,
            complaint_count=1 if rng.random() < 0.01 else 0,
        )

    def featured_draft(self, f: _Featured) -> _Draft:
        city = next(c for c in _CITIES if c.city == f.city)
        self.nicks.add(f.nick)
        phone = self.phone()
        address, station = self.home_address(f.full_name, phone, city, f.district)
        if f.detail:
            address, station = replace(address, detail=f.detail), f.station
        return _Draft(
            nick=f.nick,
            name=f.name or f.full_name,
            full_name=f.full_name,
            gender=f.gender,
            city=city,
            address=address,
            station=station,
            registered_at=self.now - timedelta(days=f.account_days, minutes=self.rng.randint(0, 600)),
            credit_level=f.credit_level,
            is_88vip=f.is_88vip,
            traffic_source=f.traffic_source,
            height_cm=f.height_cm,
            weight_jin=f.weight_jin,
            birthday=None,
            tags=list(f.tags),
            preferences=f.preferences,
            bad_review_count=f.bad_review_count,
            complaint_count=f.complaint_count,
        )

    # ---- what was bought

    def pick_size(self, product: DemoProduct, draft: _Draft) -> str:
        if len(product.sizes) == 1:
            return product.sizes[0]
        if draft.weight_jin is not None:
            for size, line in product.size_chart:
                low, high = size_chart_weights(line)
                if low <= draft.weight_jin < high:
                    return size
            ranges = [(size_chart_weights(line), size) for size, line in product.size_chart]
            return ranges[0][1] if draft.weight_jin < ranges[0][0][0] else ranges[-1][1]
        middle = len(product.sizes) // 2
        weights = [3 if i in (middle - 1, middle) else 1 for i in range(len(product.sizes))]
        return self.rng.choices(product.sizes, weights=weights, k=1)[0]

    def pick_items(self, draft: _Draft, when: datetime) -> tuple[DemoOrderItem, ...]:
        rng = self.rng
        season = SEASONS[((when.month - 3) % 12) // 3]
        candidates = [p for p in self.content.products if not p.seasons or season in p.seasons]
        candidates = candidates or list(self.content.products)
        count = _weighted(rng, ((1, 65), (2, 25), (3, 10)))
        chosen = rng.sample(candidates, k=min(count, len(candidates)))
        items = []
        for product in chosen:
            quantity = 2 if product.price_cents < 10000 and rng.random() < 0.12 else 1
            items.append(
                DemoOrderItem(
                    sku=product.sku,
                    title=product.title,
                    size=self.pick_size(product, draft),
                    color=rng.choice(product.colors),
                    quantity=quantity,
                    price_cents=product.price_cents,
                )
            )
        return tuple(items)

    def spec_items(self, spec: _OrderSpec, draft: _Draft, when: datetime) -> tuple[DemoOrderItem, ...]:
        items = []
        for sku, size, color, quantity in spec.items:
            product = self.products[sku]
            items.append(
                DemoOrderItem(
                    sku=sku,
                    title=product.title,
                    size=size if size in product.sizes else self.pick_size(product, draft),
                    color=color if color in product.colors else product.colors[0],
                    quantity=quantity,
                    price_cents=product.price_cents,
                )
            )
        return tuple(items) or self.pick_items(draft, when)

    def amounts(self, items: Sequence[DemoOrderItem], draft: _Draft, first: bool, carrier: str) -> tuple[int, int, int]:
        goods = sum(i.amount_cents for i in items)
        discount = 0
        reductions = [
            p.amount_cents
            for p in self.content.shop.promotions
            if p.kind == "full_reduction" and goods >= p.threshold_cents
        ]
        if reductions:
            discount = max(reductions)
        elif first and self.rng.random() < 0.5:
            discount = max(
                (p.amount_cents for p in self.content.shop.promotions if p.kind == "new_customer_coupon"),
                default=0,
            )
        if draft.is_88vip:
            factor = 1 - self.policies.vip88_discount
            discount += int((Decimal(goods - discount) * factor).to_integral_value(rounding=ROUND_FLOOR))
        shipping = 0
        if self.is_remote(draft.city):
            shipping = self.policies.remote_shipping_fee_cents
        elif carrier == "顺丰":
            shipping = self.policies.sf_extra_fee_cents
        return goods, discount, shipping

    def carrier_for(self, draft: _Draft) -> str:
        if self.is_remote(draft.city):
            return "邮政EMS" if self.rng.random() < 0.8 else "中通"
        return _weighted(self.rng, _CARRIER_WEIGHTS)

    # ---- logistics

    def route(
        self,
        shipped_at: datetime,
        carrier: str,
        city: _City,
        address: DemoAddress,
        station: str,
        finish: str,
        hold_until: datetime | None = None,
    ) -> list[DemoLogisticsEvent]:
        """The complete trace of a parcel leaving the Hangzhou warehouse at ``shipped_at``.

        ``station`` names the 驿站 / 丰巢 near the address ("" for offices, signed by the front desk).
        ``finish``: "self" (signed by a person), "station" (驿站, picked up later), "locker" (丰巢)
        or "reject" (refused and sent back). ``hold_until`` delays the first long-haul leg (a stuck
        parcel)."""
        rng = self.rng
        hub, site = _HUB_WORD[carrier], _SITE_WORD[carrier]
        origin, dest = "杭州市", city.city
        district = address.district
        events: list[DemoLogisticsEvent] = []

        def add(at: datetime, status: LogisticsStatus, where: str, text: str) -> None:
            events.append(DemoLogisticsEvent(at=at, description=f"【{where}】{text}", status=status, location=where))

        def leg(start: datetime, hours: tuple[int, int]) -> datetime:
            """The first long-haul leg out of Hangzhou (where a stuck parcel waits)."""
            end = start + _minutes(rng.randint(hours[0] * 60, hours[1] * 60))
            return max(end, hold_until) if hold_until is not None else end

        t = shipped_at
        add(t, LogisticsStatus.SHIPPED, origin, f"商家已发货，包裹等待{carrier}快递员揽收")
        t += _minutes(rng.randint(40, 300))
        add(t, LogisticsStatus.COLLECTED, origin, f"快件已揽收，揽收网点：余杭仓前{site}")
        t += _minutes(rng.randint(60, 180))
        add(t, LogisticsStatus.IN_TRANSIT, origin, f"快件已到达【杭州{hub}】")
        t += _minutes(rng.randint(50, 150))
        hours = _TRANSIT_HOURS[city.distance]
        if city.distance == 0:
            add(t, LogisticsStatus.IN_TRANSIT, origin, f"快件已从【杭州{hub}】发出，发往【{district}{site}】")
            t = leg(t, hours)
        else:
            first_stop = city.via or city.stem
            add(t, LogisticsStatus.IN_TRANSIT, origin, f"快件已从【杭州{hub}】发出，发往【{first_stop}{hub}】")
            if city.via:
                half = (hours[0] // 2, max(hours[1] // 2, hours[0] // 2 + 1))
                t = leg(t, half)
                via = f"{city.via}市"
                add(t, LogisticsStatus.IN_TRANSIT, via, f"快件已到达【{city.via}{hub}】")
                t += _minutes(rng.randint(60, 180))
                add(t, LogisticsStatus.IN_TRANSIT, via, f"快件已从【{city.via}{hub}】发出，发往【{city.stem}{hub}】")
                t += _minutes(rng.randint(half[0] * 60, half[1] * 60))
            else:
                t = leg(t, hours)
            add(t, LogisticsStatus.IN_TRANSIT, dest, f"快件已到达【{city.stem}{hub}】")
            t += _minutes(rng.randint(60, 180))
            add(t, LogisticsStatus.IN_TRANSIT, dest, f"快件已从【{city.stem}{hub}】发出，发往【{district}{site}】")
            t += _minutes(rng.randint(120, 360))
        add(t, LogisticsStatus.ARRIVED, dest, f"快件已到达【{district}{site}】")
        t = self.daytime(t + _minutes(rng.randint(30, 120)))
        courier = rng.choice(_SURNAMES) + "师傅"
        add(t, LogisticsStatus.DELIVERING, dest, f"派送中，派送员 {courier} {self.phone()}，请保持电话畅通")
        t += _minutes(rng.randint(20, 120))
        thanks = f"感谢使用{carrier}，期待再次为您服务"
        if finish == "reject":
            add(t, LogisticsStatus.REJECTED, dest, "收件人拒收，快件将退回寄件人")
            t += _minutes(rng.randint(4 * 60, 20 * 60))
            if city.distance == 0:
                add(t, LogisticsStatus.RETURNING, dest, f"退回件已从【{district}{site}】发出，退回【杭州{hub}】")
            else:
                add(t, LogisticsStatus.RETURNING, dest, f"退回件已从【{city.stem}{hub}】发出，退回【杭州{hub}】")
            t = self.daytime(t + _minutes(rng.randint(hours[0] * 60, hours[1] * 60) + 240))
            add(t, LogisticsStatus.RETURNED, origin, "退回件已签收，签收人：南栀仓库")
        elif finish == "station":
            code = f"{rng.randint(1, 9)}-{rng.randint(1, 6)}-{rng.randint(1001, 9999)}"
            add(
                t,
                LogisticsStatus.STATION,
                dest,
                f"快件已到达【菜鸟驿站·{station or district}店】，请凭取件码 {code} 及时取件",
            )
            t = self.daytime(t + _minutes(rng.randint(60, 30 * 60)), start=9, end=22)
            add(t, LogisticsStatus.SIGNED, dest, f"已签收，签收人凭取件码签收。{thanks}")
        elif finish == "locker":
            place = station or district
            add(
                t,
                LogisticsStatus.SIGNED,
                dest,
                f"已签收，快件已存入【{place}丰巢智能柜】，取件码 {rng.randint(100000, 999999)}",
            )
        else:
            who = "前台" if not station else rng.choice(("本人", "本人", "本人", "家人", "门卫"))
            add(t, LogisticsStatus.SIGNED, dest, f"已签收，签收人：{who}。{thanks}")
        return events

    def finish_style(self, station: str) -> str:
        if not station:
            return "self"
        return _weighted(self.rng, (("self", 50), ("station", 30), ("locker", 20)))

    def delivered_route(
        self,
        anchor: datetime,
        carrier: str,
        city: _City,
        address: DemoAddress,
        station: str,
        finish: str,
        deadline: datetime,
    ) -> list[DemoLogisticsEvent]:
        """A complete trace shipped around ``anchor`` that ends no later than ``deadline`` (moved back
        by whole days, which keeps every event at the same time of day)."""
        events = self.route(self.daytime(anchor, 9, 20), carrier, city, address, station, finish)
        if events[-1].at > deadline:
            days = (events[-1].at - deadline) // timedelta(days=1) + 1
            events = _shift(events, -timedelta(days=days))
        return events

    # ---- orders

    def payment_times(self, shipped_at: datetime) -> tuple[datetime, datetime]:
        rng = self.rng
        paid = shipped_at - _minutes(rng.randint(60, 40 * 60))
        created = paid - _minutes(rng.randint(1, 25) if rng.random() < 0.75 else rng.randint(30, 12 * 60))
        return created, paid

    def order_address(self, draft: _Draft) -> tuple[DemoAddress, str]:
        """Mostly the default address; now and then the buyer's office in the same city."""
        rng = self.rng
        if rng.random() < 0.92 or not draft.station:
            return draft.address, draft.station
        detail = f"{rng.choice(_STREETS)}{rng.randint(1, 399)}号{rng.choice(_TOWERS)}{rng.randint(3, 28)}楼"
        district = rng.choice(draft.city.districts)
        return replace(draft.address, district=district, detail=detail), ""

    def make_order(self, draft: _Draft, spec: _OrderSpec, first: bool, earliest: datetime) -> DemoOrder:
        """One order of ``draft`` in ``spec.state``, every timestamp consistent with the state and ≤ now.

        Variants: 待付款 fresh; 待发货 late (paid > 48 h ago); 已发货 stalled (no update for days)
        or normal; 已签收 recent / locker; 交易关闭 unpaid / cancel / return / reject;
        退款中 cancel / return / missing / quality. An empty variant is drawn at random."""
        rng, now, pol = self.rng, self.now, self.policies
        state, variant = spec.state, spec.variant
        if not variant:
            if state == OrderState.AWAITING_SHIPMENT and rng.random() < 0.12:
                variant = "late"
            elif state == OrderState.SHIPPED and rng.random() < 0.15:
                variant = "stalled"
            elif state == OrderState.CLOSED:
                variant = _weighted(rng, _CLOSE_VARIANTS)
            elif state == OrderState.REFUNDING:
                variant = _weighted(rng, _REFUND_VARIANTS)
        anchor = None
        if spec.days_ago is not None:
            anchor = now - _minutes(round(spec.days_ago * 24 * 60) + rng.randint(-600, 600))
            anchor = max(anchor, earliest + timedelta(days=3))
        items = self.spec_items(spec, draft, anchor or now)
        if variant == "missing" and len(items) < 2:
            variant = "quality"
        address, station = self.order_address(draft)
        city = draft.city
        carrier = self.carrier_for(draft)
        goods, discount, shipping = self.amounts(items, draft, first, carrier)
        total = goods - discount + shipping
        finish = "locker" if variant == "locker" and station else self.finish_style(station)
        out: dict[str, Any] = {
            "created_at": None,
            "paid_at": None,
            "shipped_at": None,
            "signed_at": None,
            "finished_at": None,
            "closed_at": None,
            "close_reason": "",
            "carrier": "",
            "tracking_no": "",
            "logistics": (),
            "refund_type": "",
            "refund_reason": "",
            "refund_cents": 0,
            "refund_requested_at": None,
            "return_carrier": "",
            "return_tracking_no": "",
        }

        def delivered(start: datetime, deadline: datetime, how: str = finish) -> list[DemoLogisticsEvent]:
            return self.delivered_route(start, carrier, city, address, station, how, deadline)

        def ship(events: Sequence[DemoLogisticsEvent]) -> None:
            """Fill the shipping fields from the part of the trace that happened by now."""
            visible = [e for e in events if e.at <= now]
            out["shipped_at"] = visible[0].at
            out["carrier"] = carrier
            out["tracking_no"] = self.tracking_no(carrier)
            out["logistics"] = tuple(visible)
            out["signed_at"] = next((e.at for e in visible if e.status == LogisticsStatus.SIGNED), None)
            out["created_at"], out["paid_at"] = self.payment_times(visible[0].at)

        def refund(kind: str, reason: str, cents: int, requested: datetime) -> None:
            out.update(refund_type=kind, refund_reason=reason, refund_cents=cents, refund_requested_at=requested)

        def send_back() -> None:
            """The buyer has posted the goods back."""
            out["return_carrier"] = _weighted(rng, _CARRIER_WEIGHTS[:4])
            out["return_tracking_no"] = self.tracking_no(out["return_carrier"])

        if state == OrderState.AWAITING_PAYMENT:
            ago = rng.randint(15, 50) if variant == "fresh" else rng.randint(5, 20 * 60)
            out["created_at"] = now - _minutes(ago)

        elif state == OrderState.AWAITING_SHIPMENT:
            ago = rng.randint(50 * 60, 70 * 60) if variant == "late" else rng.randint(10, 40 * 60)
            out["paid_at"] = now - _minutes(ago)
            out["created_at"] = out["paid_at"] - _minutes(rng.randint(1, 20))

        elif state == OrderState.SHIPPED:
            if variant == "stalled":
                start = self.daytime(now - _minutes(rng.randint(80 * 60, 110 * 60)), 9, 20)
                hold = now + _minutes(rng.randint(120, 30 * 60))
                events = self.route(start, carrier, city, address, station, finish, hold_until=hold)
            else:
                for _ in range(20):
                    start = self.daytime(now - _minutes(rng.randint(3 * 60, 4 * 24 * 60)), 9, 20)
                    events = self.route(start, carrier, city, address, station, finish)
                    if events[0].at <= now < events[-1].at:
                        break
                else:
                    start = now - _minutes(rng.randint(60, 150))
                    events = self.route(start, carrier, city, address, station, finish)
            ship([e for e in events if e.status != LogisticsStatus.SIGNED])

        elif state == OrderState.SIGNED:
            quick = variant in ("recent", "locker")
            limit = now - timedelta(days=pol.auto_confirm_days) + _minutes(60)
            for _ in range(20):
                ago = rng.randint(2 * 60, 40 * 60) if quick else rng.randint(24 * 60, 8 * 24 * 60)
                events = delivered(now - _minutes(ago), now - _minutes(rng.randint(20, 240)))
                if events[0].at >= limit:
                    break
            else:
                events = delivered(now - timedelta(days=pol.auto_confirm_days - 0.5), now - _minutes(30))
            ship(events)

        elif state == OrderState.COMPLETED:
            if anchor is not None:
                start = anchor + _minutes(rng.randint(120, 40 * 60))
            else:
                start = now - _minutes(rng.randint(3 * 24 * 60, 20 * 24 * 60))
            ship(delivered(start, now - _minutes(60)))
            signed, shipped = out["signed_at"], out["shipped_at"]
            auto = shipped + timedelta(days=pol.auto_confirm_days)
            by_buyer = signed + _minutes(rng.randint(60, 6 * 24 * 60))
            finished = min(by_buyer, auto) if rng.random() < 0.7 else auto
            if finished > now:
                finished = signed + _part(now - signed, rng.uniform(0.2, 0.9))
            out["finished_at"] = finished

        elif state == OrderState.CLOSED:
            base = anchor or now - _minutes(rng.randint(2 * 24 * 60, 20 * 24 * 60))
            if variant == "unpaid":
                created = min(base, now - timedelta(hours=pol.unpaid_close_hours + 1))
                out["created_at"] = created
                out["closed_at"] = created + timedelta(hours=pol.unpaid_close_hours)
                out["close_reason"] = f"买家超过{pol.unpaid_close_hours}小时未付款，订单自动关闭"
            elif variant == "cancel":
                paid = min(base, now - _minutes(rng.randint(26 * 60, 48 * 60)))
                out["paid_at"] = paid
                out["created_at"] = paid - _minutes(rng.randint(1, 30))
                requested = paid + _minutes(rng.randint(10, 20 * 60))
                refund("仅退款", rng.choice(_CANCEL_REASONS), total, requested)
                out["closed_at"] = requested + _minutes(rng.randint(5, 4 * 60))
                out["close_reason"] = "买家申请仅退款，退款成功，交易关闭"
            elif variant == "return":
                ship(delivered(base + _minutes(rng.randint(120, 40 * 60)), now - timedelta(days=10)))
                signed = out["signed_at"]
                requested = signed + _minutes(rng.randint(3 * 60, (pol.no_reason_days - 1) * 24 * 60))
                sent = requested + _minutes(rng.randint(4 * 60, 48 * 60))
                item = rng.choice(items)
                refund("退货退款", rng.choice(_RETURN_REASONS), min(item.amount_cents, total), requested)
                send_back()
                # The parcel was sent back at least two days ago, so the refund can be done by now.
                closed = sent + _minutes(rng.randint(36 * 60, 5 * 24 * 60))
                out["closed_at"] = min(closed, now - _minutes(rng.randint(5, 600)))
                out["close_reason"] = "退货退款成功，交易关闭"
            else:  # reject
                start = base + _minutes(rng.randint(120, 40 * 60))
                events = delivered(start, now - _minutes(rng.randint(6 * 60, 48 * 60)), "reject")
                ship(events)
                rejected = next(e.at for e in events if e.status == LogisticsStatus.REJECTED)
                refund("仅退款", "拒收快件", total - shipping, rejected + _minutes(rng.randint(10, 120)))
                out["closed_at"] = min(events[-1].at + _minutes(rng.randint(60, 20 * 60)), now - _minutes(5))
                out["close_reason"] = "买家拒收，退回件入库后退款，交易关闭"

        else:  # 退款中
            if variant == "cancel":
                paid = now - _minutes(rng.randint(30, 40 * 60))
                out["paid_at"] = paid
                out["created_at"] = paid - _minutes(rng.randint(1, 30))
                requested = paid + _part(now - paid, rng.uniform(0.1, 0.9))
                refund("仅退款", rng.choice(_CANCEL_REASONS), total, requested)
            else:
                start = now - _minutes(rng.randint(2 * 24 * 60, 6 * 24 * 60))
                ship(delivered(start, now - _minutes(rng.randint(3 * 60, 36 * 60))))
                signed = out["signed_at"]
                requested = signed + _part(now - signed, rng.uniform(0.3, 0.95))
                item = rng.choice(items)
                if variant == "missing":
                    item = items[-1]
                    reason = f"少件/漏发：没有收到{self.products[item.sku].category}"
                    refund("仅退款", reason, min(item.amount_cents, total), requested)
                elif variant == "quality":
                    refund("退货退款", rng.choice(_QUALITY_REASONS), min(item.amount_cents, total), requested)
                else:
                    refund("退货退款", rng.choice(_RETURN_REASONS), min(item.amount_cents, total), requested)
                if out["refund_type"] == "退货退款" and now - requested > timedelta(hours=6) and rng.random() < 0.7:
                    send_back()

        buyer_message = spec.buyer_message
        if not buyer_message:
            if carrier == "顺丰" and shipping:
                buyer_message = "麻烦发顺丰，已补差价"
            elif rng.random() < 0.12:
                buyer_message = rng.choice(_BUYER_MESSAGES)
        memo, flag = "", ""
        if state == OrderState.AWAITING_SHIPMENT and variant == "late" and not memo:
            memo, flag = "顾客催发货，缺货调拨中，已致歉", "red"
        elif rng.random() < 0.1:
            memo, flag = rng.choice(_SELLER_MEMOS)
        return DemoOrder(
            order_no=self.order_no(),
            customer_nick=draft.nick,
            state=state,
            items=items,
            goods_cents=goods,
            discount_cents=discount,
            shipping_cents=shipping,
            total_cents=total,
            address=address,
            buyer_message=buyer_message,
            memo=memo,
            flag=flag,
            **out,
        )

    # ---- whole customers

    def random_specs(self, draft: _Draft, recent_state: OrderState | None, count: int) -> list[_OrderSpec]:
        """Order specs for a generated buyer, oldest first. With ``recent_state`` the latest order is
        in progress in that state; otherwise the buyer last ordered 1–14 months ago."""
        rng = self.rng
        history = count - 1 if recent_state is not None else count
        if recent_state is not None:
            newest = rng.uniform(20, 60)
        else:
            newest = rng.uniform(*rng.choice(((30, 120), (120, 240), (240, 420))))
        ages: list[float] = []
        for _ in range(history):
            ages.append(ages[-1] + rng.uniform(15, 120) if ages else newest)
        oldest_allowed = max((self.now - draft.registered_at).days - 4, 5)
        if ages and ages[-1] > oldest_allowed:  # squeeze the history into the account's lifetime
            ages = [a * oldest_allowed / ages[-1] for a in ages]
        specs = [
            _OrderSpec(_weighted(rng, ((OrderState.COMPLETED, 86), (OrderState.CLOSED, 14))), days_ago=a)
            for a in reversed(ages)
        ]
        if recent_state is not None:
            specs.append(_OrderSpec(recent_state))
        return specs

    def build_customer(self, draft: _Draft, specs: Sequence[_OrderSpec]) -> tuple[DemoCustomer, list[DemoOrder]]:
        rng, pol = self.rng, self.policies
        orders = [
            self.make_order(draft, spec, first=n == 0, earliest=draft.registered_at) for n, spec in enumerate(specs)
        ]
        orders.sort(key=lambda o: o.created_at)
        completed = [o for o in orders if o.state == OrderState.COMPLETED]
        spent = sum(o.total_cents for o in completed)
        earned = spent // 100 * pol.points_per_yuan
        points = earned - int(earned * rng.uniform(0, 0.6))
        if orders:
            joined = orders[0].created_at - _minutes(rng.randint(0, 20 * 24 * 60))
        else:
            joined = self.now - _minutes(rng.randint(60, 300 * 24 * 60))
        joined = max(joined, draft.registered_at)
        tags = list(draft.tags)
        if len(completed) >= 4 and self.now - joined >= timedelta(days=180) and "老客户" not in tags:
            tags.insert(0, "老客户")
        if draft.height_cm is not None and draft.height_cm <= 155 and "小个子" not in tags:
            tags.append("小个子")
        if draft.weight_jin is not None and draft.weight_jin >= 135 and "大码" not in tags:
            tags.append("大码")
        refund_count = sum(1 for o in orders if o.refund_type)
        if refund_count >= 4 and "退货较多" not in tags:
            tags.append("退货较多")
        if draft.bad_review_count >= 2 and "差评记录" not in tags:
            tags.append("差评记录")
        preferred = ""
        if draft.weight_jin is not None:
            w = draft.weight_jin
            preferred = "S" if w < 95 else "M" if w < 105 else "L" if w < 118 else "XL" if w < 130 else "XXL"
        preferences = draft.preferences
        if not preferences and draft.height_cm and draft.weight_jin and rng.random() < 0.6:
            preferences = f"身高{draft.height_cm} 体重{draft.weight_jin}斤，上衣{preferred}"
            notes = [n for n in _STYLE_NOTES if "小个子" not in n or draft.height_cm <= 156]
            if rng.random() < 0.5:
                preferences += "；" + rng.choice(notes)
        customer = DemoCustomer(
            nick=draft.nick,
            name=draft.name,
            gender=draft.gender,
            phone=draft.address.phone,
            province=draft.city.province,
            city=draft.city.city,
            address=draft.address,
            credit_level=draft.credit_level,
            is_88vip=draft.is_88vip,
            traffic_source=draft.traffic_source,
            member_level=pol.member_level_for(spent),
            points=points,
            registered_at=draft.registered_at,
            joined_at=joined,
            birthday=draft.birthday,
            height_cm=draft.height_cm,
            weight_jin=draft.weight_jin,
            preferred_size=preferred,
            preferences=preferences,
            tags=tuple(tags),
            refund_count=refund_count,
            bad_review_count=draft.bad_review_count,
            complaint_count=draft.complaint_count,
        )
        return customer, orders

    def run(self, count: int) -> tuple[list[DemoCustomer], list[DemoOrder]]:
        rng = self.rng
        featured = _FEATURED[:count]
        drafts: list[tuple[_Draft, list[_OrderSpec] | None]] = [
            (self.featured_draft(f), list(f.orders)) for f in featured
        ]
        order_counts: list[int] = []
        recent: list[OrderState | None] = []  # state of the latest order of each generated buyer
        for _ in range(count - len(featured)):
            draft = self.random_draft()
            new_account = (self.now - draft.registered_at).days <= 10
            n = 0 if new_account else _weighted(rng, ((0, 10), (1, 30), (2, 25), (3, 17), (4, 10), (5, 8)))
            active = n > 0 and rng.random() < 0.5
            drafts.append((draft, None))
            order_counts.append(n)
            recent.append(_weighted(rng, _RECENT_STATES) if active else None)
        # Every order state must show up: give a missing one to a buyer whose state is common.
        present = {spec.state for _, specs in drafts if specs for spec in specs}
        for state in ORDER_STATES:
            if state in present or state in recent:
                continue
            tally = Counter(s for s in recent if s is not None)
            spare = [i for i, s in enumerate(recent) if s is not None and tally[s] > 1]
            if spare:
                recent[spare[0]] = state
        customers: list[DemoCustomer] = []
        orders: list[DemoOrder] = []
        plan = iter(zip(order_counts, recent, strict=True))
        for draft, specs in drafts:
            if specs is None:
                n, latest = next(plan)
                specs = self.random_specs(draft, latest, n)
            customer, own = self.build_customer(draft, specs)
            customers.append(customer)
            orders.extend(own)
        orders.sort(key=lambda o: (o.created_at, o.order_no))
        return customers, orders


def generate_demo_shop(
    seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS, now: datetime | None = None
) -> DemoShop:
    """Build the demo shop: the shipped content plus ``customers`` buyers and their orders.

    The first buyers are hand-made classroom stories (a dress with a colour difference to exchange,
    a stuck parcel, an unpaid order, a late shipment, a missing item, a suspected professional
    negative reviewer, a brand-new account, a lapsed gold member, …); the rest are generated.
    Deterministic: the same ``seed``, ``customers`` and ``now`` give equal results. ``now`` defaults
    to the current local time truncated to the minute.
    """
    if customers < 0:
        raise ValueError("customers must be ≥ 0")
    if now is None:
        now = datetime.now().replace(second=0, microsecond=0)
    content = load_demo_content()
    generated_customers, orders = _Generator(content, seed, now).run(customers)
    return DemoShop(
        seed=seed,
        now=now,
        shop=content.shop,
        agents=content.agents,
        products=content.products,
        kb_entries=content.kb_entries,
        quick_phrases=content.quick_phrases,
        customers=tuple(generated_customers),
        orders=tuple(orders),
    )
