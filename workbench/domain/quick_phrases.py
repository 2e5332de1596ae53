"""Quick phrases (快捷短语): shop and personal pools, groups and shortcodes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from workbench.domain.orders import Order, short_title

# What the desk fills in a phrase: the buyer's nick, and the number and product of the order at hand.
_PLACEHOLDER = re.compile(r"\{(买家昵称|订单号|商品)\}")


class PhrasePool(StrEnum):
    SHOP = "shop"
    PERSONAL = "personal"


@dataclass(frozen=True, slots=True)
class QuickPhrase:
    id: int
    pool: PhrasePool
    group: str
    shortcode: str
    text: str
    agent_id: int | None = None


def filter_phrases(phrases: list[QuickPhrase], query: str) -> list[QuickPhrase]:
    """Shortcode prefix matches first, then phrases whose group or text contains the query."""
    q = query.strip().lower()
    if not q:
        return list(phrases)
    by_code = [p for p in phrases if p.shortcode.lower().startswith(q)]
    rest = [p for p in phrases if p not in by_code and (q in p.text.lower() or q in p.group.lower())]
    return by_code + rest


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace {买家昵称}-style placeholders we know; leave the others visible for the agent."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def order_placeholders(order: Order) -> dict[str, str]:
    """{订单号} and {商品} for a phrase about `order` (its first item names the product)."""
    values = {"订单号": order.order_no}
    if order.items:
        values["商品"] = short_title(order.items[0].title)
    return values


def unfilled_placeholders(text: str) -> tuple[str, ...]:
    """The placeholders still in `text` ("{商品}" …), first first: a reply must not go out with them."""
    return tuple(dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(text)))
