"""Reviews (评价管理): personalised reply suggestions and the 职业差评师 risk score.

Replies are drawn from what the review itself talks about (fabric, fit, colour, delivery, service,
photos, a long text…), so two customers do not get the same canned line. The risk score checks the
textbook's marks of a professional bad reviewer (5.3): a new account, no purchase history, wording
like other reviews, emotional without specifics, and asking for money in the chat. Each mark comes
with its reason; the score is a hint for the agent, never an accusation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from workbench.domain.aftersales import Rating, RiskAssessment, RiskSignal, signal_params
from workbench.domain.complaints import similarity

LONG_REVIEW_CHARS = 60
NEW_ACCOUNT_DAYS = 90
SIMILAR_REVIEW_RATIO = 0.6
SMALL_ORDER_CENTS = 6000
MAX_REPLY_LENGTH = 500

# Aspects a review can talk about, with the words that name them.
ASPECTS: dict[str, tuple[str, ...]] = {
    "fabric": ("面料", "布料", "料子", "手感", "柔软", "舒服", "透气", "亲肤", "厚实", "垂感", "质感", "薄", "厚"),
    "quality": ("质量", "做工", "品质"),
    "fit": ("尺码", "码数", "版型", "合身", "显瘦", "大小", "修身", "宽松", "长度", "上身", "偏大", "偏小"),
    "colour": ("颜色", "色差", "显白", "配色", "好看"),
    "delivery": ("物流", "快递", "发货", "到货", "速度", "送货"),
    "service": ("客服", "服务", "态度", "耐心", "回复"),
    "package": ("包装", "包裹", "盒子"),
    "price": ("价格", "性价比", "划算", "便宜", "值"),
    "defect": ("线头", "开线", "起球", "掉色", "破洞", "污渍", "拉链", "脱线", "染色", "掉毛", "勾丝", "异味"),
}
# Specific details (measurements, washing, body data) also make a review concrete.
SPECIFIC_PATTERN = re.compile(r"\d+\s*(?:cm|厘米|斤|码|次|天)|洗了|水洗|穿了|身高|体重")
EMOTIONAL = (
    "垃圾", "太差", "差劲", "坑", "骗", "恶心", "无语", "后悔", "千万别买", "别买", "呵呵", "失望透顶",
    "智商税", "黑店", "破烂", "!!!", "！！！",
)  # fmt: skip
MONEY_REQUEST = re.compile(
    r"转我|给我转|转账|打钱|给钱|红包|返现|删评|删差评|改好评|追评|不然差评|否则差评|要么差评|给\d+块|\d+块钱就"
)


def aspects_of(text: str) -> tuple[str, ...]:
    """The aspects a text mentions, in ASPECTS order."""
    return tuple(name for name, words in ASPECTS.items() if any(w in text for w in words))


def emotional_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in EMOTIONAL if w in text)


# Words that name an aspect without saying anything concrete about it ("质量差" says nothing of what).
GENERIC_WORDS = ("质量", "好看", "做工", "值")


def is_specific(text: str) -> bool:
    """Does the text say what exactly is wrong or right (an aspect, a measurement, a wash)?"""
    for word in GENERIC_WORDS:
        text = text.replace(word, "")
    return bool(aspects_of(text)) or bool(SPECIFIC_PATTERN.search(text))


# ------------------------------------------------------------------------------------ replies


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """What a reply may draw on."""

    rating: Rating
    text: str
    nick: str
    product: str  # short product name (法式碎花连衣裙)
    spec: str = ""  # 蓝色碎花 / L
    material: str = ""
    images: int = 0
    shop: str = ""


def fill(template: str, values: dict[str, str]) -> str:
    """Replace {placeholders}; unknown ones stay as typed."""
    return re.sub(r"\{([^{}]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


_GOOD_ASPECT = {
    "fabric": "{商品}的面料我们挑了很久，能得到您对手感的认可，真的很开心",
    "fit": "尺码合适、上身好看是我们最想听到的，谢谢您认真反馈版型",
    "colour": "这个颜色确实很衬您，眼光真好",
    "delivery": "物流快我们也替您开心，仓库的小伙伴会继续保持",
    "service": "您对客服的肯定我们已经转告当班的同事，她一定很开心",
    "package": "包装是仓库同事一件件仔细打包的，谢谢您留意到",
    "price": "能让您觉得物有所值，是我们坚持的方向",
    "defect": "您提到的小细节我们已经记下，会让品控再仔细一些",
    "quality": "做工和品质是我们一直在抠的细节，谢谢您的认可",
}
_BAD_ASPECT = {
    "fabric": "关于您说的面料手感问题，我们已经反馈给面料供应和品控",
    "fit": "尺码版型没有合您心意，非常抱歉，我们可以为您安排换码",
    "colour": "颜色和您预期有差别，抱歉给您带来困扰，我们会核对详情页图片的色差",
    "delivery": "物流让您久等了，真的很抱歉，我们已经和快递公司沟通",
    "service": "客服的回复没有让您满意，是我们做得不好，已经在内部复盘",
    "package": "包装没有保护好商品，是我们的疏忽",
    "price": "让您觉得不值，我们很在意，会认真听取您的意见",
    "defect": "您遇到的{问题}是我们品控没有把好关，非常抱歉",
    "quality": "品质没有达到您的期待，我们已经把这件商品交给品控复检",
}
_OPENINGS_GOOD = (
    "亲爱的{买家昵称}，谢谢您的好评！",
    "{买家昵称}亲，看到您的评价我们整个团队都很开心～",
    "感谢{买家昵称}的认可！",
)
_CLOSINGS_GOOD = (
    "期待您再次光临{店铺}～",
    "有任何穿搭问题随时找我们，祝您每天好心情！",
    "新品上新会第一时间告诉您，常来逛逛哦～",
)
_OPENINGS_BAD = (
    "{买家昵称}您好，非常抱歉这次购物没能让您满意。",
    "亲爱的{买家昵称}，看到您的评价我们很难过，先向您说声抱歉。",
    "{买家昵称}您好，感谢您如实反馈，给您添麻烦了。",
)
_CLOSINGS_BAD = (
    "客服会尽快主动联系您，为您安排退换或补偿，请您留意旺旺消息。",  # a promise the agent then keeps
    "方便的话请联系在线客服，我们一定负责到底，给您一个满意的处理结果。",
    "我们会持续跟进，直到问题解决为止，再次向您致歉。",
)
_VAGUE_BAD = "想了解一下具体是哪里让您不满意（尺码、颜色还是做工？），方便的话发张照片给客服，我们马上为您处理"


def suggest_replies(ctx: ReviewContext, count: int = 3) -> tuple[str, ...]:
    """Up to `count` different replies built from what this review says."""
    values = {
        "买家昵称": ctx.nick or "亲",
        "商品": ctx.product or "这件衣服",
        "店铺": ctx.shop or "本店",
        "面料": ctx.material,
        "规格": ctx.spec,
    }
    aspects = [a for a in aspects_of(ctx.text)]
    defects = [w for w in ASPECTS["defect"] if w in ctx.text]
    values["问题"] = "、".join(defects[:2]) or "问题"
    replies: list[str] = []
    if ctx.rating is Rating.GOOD:
        parts = [_GOOD_ASPECT[a] for a in aspects if a != "defect"] or ["{商品}能陪您度过每一天，是我们的荣幸"]
        extras = []
        if ctx.images:
            extras.append("还特意晒了{n}张美照，上身效果太赞了".replace("{n}", str(ctx.images)))
        if len(ctx.text) >= LONG_REVIEW_CHARS:
            extras.append("这么用心的长评我们一字一句都认真看了")
        for i in range(count):
            body = "，".join([*extras, *parts[i % len(parts) :], *parts[: i % len(parts)]][:3])
            replies.append(fill(_OPENINGS_GOOD[i % 3] + body + "。" + _CLOSINGS_GOOD[i % 3], values))
    else:
        concrete = [_BAD_ASPECT[a] for a in aspects]
        if ctx.rating is Rating.NEUTRAL and not concrete:
            concrete = ["您的建议我们都记下了，会继续改进"]
        if not is_specific(ctx.text):  # nothing concrete to answer: ask what exactly went wrong
            concrete = [_VAGUE_BAD, *concrete]
        for i in range(count):
            body = "；".join([*concrete[i % len(concrete) :], *concrete[: i % len(concrete)]][:2])
            replies.append(fill(_OPENINGS_BAD[i % 3] + body + "。" + _CLOSINGS_BAD[i % 3], values))
    unique: list[str] = []
    for reply in replies:
        if reply not in unique:
            unique.append(reply)
    return tuple(unique)


# ---------------------------------------------------------------------------------- risk score


@dataclass(frozen=True, slots=True)
class ReviewerFacts:
    """What the program knows about a review and the account behind it."""

    text: str
    rating: Rating
    registered_at: datetime | None
    credit_level: str
    orders_with_shop: int
    order_total_cents: int
    bad_review_count: int
    other_reviews: tuple[str, ...]  # other negative reviews in the shop (other accounts and this one's)
    customer_messages: tuple[str, ...]  # what this customer wrote in chats with the shop
    now: datetime


LOW_CREDIT = re.compile(r"^\s*[1-3]\s*心\s*$")


def reviewer_risk(facts: ReviewerFacts) -> RiskAssessment:
    """The textbook's marks of a 职业差评师, each with weight and reason."""
    signals: list[RiskSignal] = []
    days = (facts.now - facts.registered_at).days if facts.registered_at else -1
    signals.append(RiskSignal("new_account", 20, 0 <= days < NEW_ACCOUNT_DAYS, signal_params(days=days)))
    thin = bool(LOW_CREDIT.match(facts.credit_level))  # a few 心: only a handful of trades on the platform
    signals.append(
        RiskSignal(
            "no_history",
            15,
            thin,
            signal_params(credit=facts.credit_level or "—", orders=facts.orders_with_shop),
        )
    )
    similar = [t for t in facts.other_reviews if similarity(t, facts.text) >= SIMILAR_REVIEW_RATIO]
    signals.append(RiskSignal("similar_wording", 20, bool(similar), signal_params(count=len(similar))))
    emotional = emotional_words(facts.text)
    vague = not is_specific(facts.text)
    signals.append(
        RiskSignal(
            "emotional_vague",
            20,
            bool(emotional) and vague and facts.rating is not Rating.GOOD,
            signal_params(words="、".join(emotional[:4])),
        )
    )
    asked = next((m for m in facts.customer_messages if MONEY_REQUEST.search(m)), "")
    quote = asked if len(asked) <= 40 else asked[:39] + "…"
    signals.append(RiskSignal("money_request", 30, bool(asked), signal_params(quote=quote)))
    signals.append(
        RiskSignal("many_bad_reviews", 10, facts.bad_review_count >= 2, signal_params(count=facts.bad_review_count))
    )
    signals.append(
        RiskSignal(
            "small_order",
            5,
            0 < facts.order_total_cents < SMALL_ORDER_CENTS,
            signal_params(amount=f"{facts.order_total_cents / 100:.2f}"),
        )
    )
    return RiskAssessment(tuple(signals))


def money_requests(messages: Sequence[str]) -> tuple[str, ...]:
    """The messages that ask for money to change or remove a review."""
    return tuple(m for m in messages if MONEY_REQUEST.search(m))
