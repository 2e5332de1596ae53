"""Cards in a chat: an order card, a product link, the 邀请评价 satisfaction card and the buyer's rating.

A card travels as an ordinary chat message whose text is readable on its own (an export, a search,
a desk of an older version all show it as text); the chat recognises the text's shape and draws it as
a card. Parsing is strict about the first line, so a buyer's free text is never mistaken for a card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from workbench.domain.orders import OrderItem, format_yuan


class CardKind(StrEnum):
    ORDER = "order"
    PRODUCT = "product"
    RATING_INVITATION = "rating_invitation"
    RATING = "rating"


class Satisfaction(StrEnum):
    """The buyer's answer to 邀请评价, best first (the order the card lists them)."""

    VERY_SATISFIED = "非常满意"
    SATISFIED = "满意"
    NEUTRAL = "一般"
    DISSATISFIED = "不满意"

    @property
    def score(self) -> int:
        """5 for 非常满意 down to 2 for 不满意 (a 5-point scale as the platform reports it)."""
        return {"非常满意": 5, "满意": 4, "一般": 3, "不满意": 2}[self.value]


@dataclass(frozen=True, slots=True)
class ChatCard:
    """What a card shows: a title, a price, a state line, the key 查看 opens (an order or product number)."""

    kind: CardKind
    title: str
    price: str = ""
    state: str = ""
    key: str = ""  # the order number or SKU the 查看 button opens
    lines: tuple[str, ...] = ()  # further lines (more items, the rating options)


PRODUCT_HEAD = "【商品链接】"
RATING_HEAD = "【评价】"
INVITATION_HEAD = "【邀请评价】"
_ITEM = re.compile(r"^· (?P<title>.+?)(?:（(?P<spec>[^）]*)）)?×(?P<qty>\d+)$")


def product_card_text(item: OrderItem) -> str:
    """A product link the agent sends (the item of an order, as the shop sells it)."""
    return f"{PRODUCT_HEAD}{item.title}\n价格：{format_yuan(item.price_cents)}\n货号：{item.sku}"


def rating_answer_text(rating: Satisfaction) -> str:
    """The buyer's answer to the satisfaction card, as the chat notes it (a system line: it is not a
    question waiting for the agent)."""
    return f"{RATING_HEAD}买家评价本次服务：{rating.value}"


def parse_rating_answer(text: str) -> Satisfaction | None:
    if not text.startswith(RATING_HEAD):
        return None
    try:
        return Satisfaction(text.rpartition("：")[2].strip())
    except ValueError:
        return None


def parse_card(text: str) -> ChatCard | None:
    """The card a message's text stands for, or None for ordinary text."""
    if text.startswith("订单号："):
        return _order_card(text.split("\n"))
    if text.startswith(PRODUCT_HEAD):
        return _product_card(text.split("\n"))
    if text.startswith(INVITATION_HEAD):
        return ChatCard(
            CardKind.RATING_INVITATION,
            text[len(INVITATION_HEAD) :].split("：")[0].strip() or text,
            lines=tuple(r.value for r in Satisfaction),
        )
    rating = parse_rating_answer(text)
    if rating is not None:
        return ChatCard(CardKind.RATING, rating.value, state=rating.value)
    return None


def _order_card(lines: list[str]) -> ChatCard | None:
    fields: dict[str, str] = {}
    items: list[tuple[str, str, str]] = []
    for line in lines:
        item = _ITEM.match(line)
        if item:
            items.append((item["title"], item["spec"] or "", item["qty"]))
        elif "：" in line:
            name, _, value = line.partition("：")
            fields[name] = value.strip()
    order_no = fields.get("订单号", "")
    if not order_no or not items:
        return None
    title, spec, qty = items[0]
    more = [f"{spec} ×{qty}" if spec else f"×{qty}"]
    if len(items) > 1:
        more.append(f"等 {len(items)} 件商品")
    return ChatCard(
        CardKind.ORDER,
        title,
        price=fields.get("实付", ""),
        state=fields.get("状态", ""),
        key=order_no,
        lines=(f"订单号：{order_no}", *more),
    )


def _product_card(lines: list[str]) -> ChatCard | None:
    title = lines[0][len(PRODUCT_HEAD) :].strip()
    fields = dict(line.partition("：")[::2] for line in lines[1:] if "：" in line)
    if not title:
        return None
    return ChatCard(CardKind.PRODUCT, title, price=fields.get("价格", ""), key=fields.get("货号", ""))
