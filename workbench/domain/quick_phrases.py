"""Quick phrases (快捷短语): shop and personal pools, groups and shortcodes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from workbench.domain.conversations import MAX_MESSAGE_LENGTH
from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, short_title
from workbench.domain.text import clean_text

# What the desk fills in a phrase: the buyer's nick, and the number and product of the order at hand.
PHRASE_PLACEHOLDERS = ("买家昵称", "订单号", "商品")
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PHRASE_PLACEHOLDERS) + r")\}")
_SHORTCODE = re.compile(r"[A-Za-z0-9]+")

MAX_PHRASE_GROUP = 20  # the width of quick_phrases.group_name
MAX_SHORTCODE = 20  # the width of quick_phrases.shortcode


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


@dataclass(frozen=True, slots=True)
class PhraseDraft:
    """What the agent typed for a new or edited phrase, cleaned by `clean_phrase`."""

    pool: PhrasePool
    group: str
    shortcode: str
    text: str


def clean_phrase(draft: PhraseDraft, others: list[QuickPhrase]) -> PhraseDraft:
    """Trimmed copy, or DomainError with the field at fault. `others`: the phrases the agent sees,
    without the one being edited; a shortcode must not clash with theirs (case-insensitive)."""
    text = clean_text(draft.text, field="text")
    if not text:
        raise DomainError("phrase.text_empty", field="text")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise DomainError("phrase.text_too_long", field="text", length=len(text), limit=MAX_MESSAGE_LENGTH)
    group = clean_text(draft.group, multiline=False, field="group")
    if len(group) > MAX_PHRASE_GROUP:
        raise DomainError("phrase.group_too_long", field="group", length=len(group), limit=MAX_PHRASE_GROUP)
    code = clean_text(draft.shortcode, multiline=False, field="shortcode")
    if code:
        if not _SHORTCODE.fullmatch(code) or not code.isascii():
            raise DomainError("phrase.shortcode_invalid", field="shortcode", shortcode=code)
        if len(code) > MAX_SHORTCODE:
            raise DomainError("phrase.shortcode_too_long", field="shortcode", length=len(code), limit=MAX_SHORTCODE)
        if any(p.shortcode.lower() == code.lower() for p in others):
            raise DomainError("phrase.shortcode_taken", field="shortcode", shortcode=code)
    return PhraseDraft(pool=PhrasePool(draft.pool), group=group, shortcode=code, text=text)


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
