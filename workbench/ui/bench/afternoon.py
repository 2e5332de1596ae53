"""The load of a busy afternoon for the assist benchmark: a realistic 2k-entry KB and buyers who never
say the same thing twice. Plain Python (no Qt): the benchmark and its tests use it.

The KB is the shop's own on top of the shipped industry packs (服饰, 美妆, 家电, 食品): every pack entry,
plus the per-product questions a shop adds for its listings ("法式碎花连衣裙会起球吗" answered for that
dress). The buyers' lines come from the simulator's scenarios; `Wording` rewrites each one the way
people type — other words for the same thing, particles, greetings, order numbers, typos — and never
hands out the same text twice.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from workbench.domain.kb import Phrasing
from workbench.domain.kb_admin import Answer, EntryDraft
from workbench.domain.packs import latest_packs

# Listings of each pack's kind of shop, for the per-product entries.
PRODUCTS: dict[str, tuple[str, ...]] = {
    "apparel": (
        "法式碎花连衣裙",
        "高腰直筒牛仔裤",
        "冰丝垂感阔腿裤",
        "纯棉圆领短袖T恤",
        "加绒连帽卫衣",
        "羊毛混纺针织开衫",
        "双面呢大衣",
        "连帽短款羽绒服",
        "复古牛仔外套",
        "雪纺衬衫",
        "百褶半身裙",
        "运动休闲套装",
    ),
    "beauty": ("玻尿酸保湿精华", "氨基酸洁面乳", "防晒喷雾", "丝绒哑光口红", "气垫BB霜", "补水面膜", "卸妆水", "眼霜"),
    "appliances": ("空气炸锅", "扫地机器人", "破壁料理机", "电热水壶", "吹风机", "电饭煲", "加湿器", "电动牙刷"),
    "food": ("坚果礼盒", "手工牛肉干", "挂耳咖啡", "螺蛳粉", "红枣夹核桃", "低糖燕麦片", "芒果干", "辣条大礼包"),
}
# Entries a shop writes per listing: what buyers ask about one product.
PER_PRODUCT = frozenset({"商品问题", "售后问题", "活动优惠", "物流问题"})


def kb_drafts(total: int, seed: int = 5) -> list[EntryDraft]:
    """`total` distinct entries: the packs' own, then per-product ones until there are enough."""
    rng = random.Random(seed)
    drafts: list[EntryDraft] = []
    seen: set[str] = set()

    def add(draft: EntryDraft) -> None:
        if draft.question not in seen and len(drafts) < total:
            seen.add(draft.question)
            drafts.append(draft)

    packs = latest_packs()
    for pack in packs:
        for entry in pack.entries:
            add(entry.draft())
    per_product = [
        (product, entry)
        for pack in packs
        for entry in pack.entries
        if entry.category in PER_PRODUCT and not entry.needs_human
        for product in PRODUCTS.get(pack.id, ())
    ]
    rng.shuffle(per_product)
    for product, entry in per_product:
        if len(drafts) >= total:
            break
        phrasings = tuple(
            Phrasing(product + p.text, p.kind, p.negative) for p in entry.phrasings[:4] if not p.core_words
        )
        answers = tuple(Answer(f"【{product}】{a}") for a in entry.answers[:2])
        add(EntryDraft(entry.category, product + entry.question, phrasings, answers))
    return drafts


# How buyers reword a line: the same meaning in other words.
SUBSTITUTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("什么时候", ("啥时候", "几时", "多久")),
    ("怎么", ("咋", "怎样", "如何")),
    ("可以", ("能", "可不可以", "行不行")),
    ("衣服", ("这件", "宝贝", "这个衣服")),
    ("快递", ("物流", "包裹", "快件")),
    ("发货", ("发出", "寄出", "发快递")),
    ("退款", ("退钱", "退货退款")),
    ("一直", ("老是", "总是")),
    ("没有", ("没", "还没")),
    ("不是", ("不是说", "并不是")),
    ("为什么", ("为啥", "怎么回事")),
    ("质量", ("品质", "做工")),
    ("谢谢", ("谢啦", "感谢", "多谢")),
    ("你好", ("您好", "哈喽", "hello")),
    ("我", ("我这边", "本人")),
)
OPENERS = ("", "", "", "亲，", "你好，", "在吗，", "老板，", "客服，", "请问", "那个，", "hi ")
PARTICLES = ("", "", "呀", "呢", "啊", "哈", "嘛", "哦", "～", "！", "？", "??", "。。", "…")
# Slips of a pinyin keyboard: a homophone picked instead of the right character.
TYPOS: tuple[tuple[str, str], ...] = (
    ("的", "得"),
    ("在", "再"),
    ("吗", "嘛"),
    ("那", "哪"),
    ("做", "作"),
    ("已经", "以经"),
    ("账", "帐"),
    ("号", "好"),
    ("到", "道"),
)
ORDER_ASIDES = ("订单号{no}", "单号是{no}", "我的订单{no}", "({no})")


class Wording:
    """Rewrites buyers' lines so that no text is handed out twice."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.seen: set[str] = set()

    def vary(self, text: str) -> str:
        """A buyer's own wording of `text`, never returned before."""
        for attempt in range(50):
            candidate = self._once(text, strength=1 + attempt // 5)
            if candidate and candidate not in self.seen:
                self.seen.add(candidate)
                return candidate
        # Fifty tries all taken (a one-character line said thousands of times): number it.
        n = len(self.seen)
        while f"{text}{n}" in self.seen:
            n += 1
        self.seen.add(f"{text}{n}")
        return f"{text}{n}"

    def _once(self, text: str, strength: int) -> str:
        rng = self.rng
        out = text.rstrip("。？?！!~～")
        for word, others in SUBSTITUTIONS:
            if word in out and rng.random() < 0.35 * strength:
                out = out.replace(word, rng.choice(others), 1)
        for right, wrong in TYPOS:
            if right in out and rng.random() < 0.06 * strength:
                out = out.replace(right, wrong, 1)
        if len(out) > 5 and rng.random() < 0.05 * strength:  # a character lost in typing
            cut = rng.randrange(1, len(out) - 1)
            out = out[:cut] + out[cut + 1 :]
        if rng.random() < 0.04 * strength and not any(ch.isdigit() for ch in out):
            out += "，" + rng.choice(ORDER_ASIDES).format(no=rng.randrange(10**17, 10**18))
        return rng.choice(OPENERS) + out + "".join(rng.choice(PARTICLES) for _ in range(min(strength, 3)))


def scenario_lines() -> Iterator[str]:
    """Every line the scenarios give buyers (openings, steps, nudges), placeholders unfilled."""
    from workbench.channels.scenarios import load_scenarios

    for scenario in load_scenarios():
        for variant in scenario.opening:
            yield from variant
        for step in scenario.steps.values():
            for variant in step.say:
                yield from variant
