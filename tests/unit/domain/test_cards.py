"""Cards in the chat (order card, product link, 邀请评价 and its answer) and the simulated buyer's rating."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from workbench.domain.cards import CardKind, Satisfaction, parse_card, product_card_text, rating_answer_text
from workbench.domain.conversations import Message, Sender
from workbench.domain.orders import Order, OrderItem, OrderState
from workbench.domain.satisfaction import plausible_rating
from workbench.services.orders import order_card_text
from workbench.services.reception import RATING_INVITATION

ITEM = OrderItem("SKU-1", "南栀 纯棉衬衫式连衣裙", "M", "白色", 1, 15900)
ORDER = Order(1, "2026111100001", 1, OrderState.SHIPPED, 15900, datetime(2026, 11, 1), items=(ITEM,))


def test_an_order_card_text_reads_back_as_a_card_with_title_price_state_and_number() -> None:
    card = parse_card(order_card_text(ORDER))
    assert card is not None and card.kind is CardKind.ORDER
    assert (card.title, card.price, card.state, card.key) == (
        "南栀 纯棉衬衫式连衣裙",
        "¥159.00",
        "已发货",
        ORDER.order_no,
    )


def test_a_product_link_reads_back_as_a_card() -> None:
    card = parse_card(product_card_text(ITEM))
    assert card is not None and card.kind is CardKind.PRODUCT
    assert (card.title, card.price, card.key) == (ITEM.title, "¥159.00", "SKU-1")


def test_the_rating_invitation_and_its_answer_are_cards() -> None:
    invitation = parse_card(RATING_INVITATION.format(name="小美"))
    assert invitation is not None and invitation.kind is CardKind.RATING_INVITATION
    assert invitation.lines == ("非常满意", "满意", "一般", "不满意")
    answer = parse_card(rating_answer_text(Satisfaction.NEUTRAL))
    assert answer is not None and answer.kind is CardKind.RATING and answer.state == "一般"


def test_ordinary_text_is_never_a_card() -> None:
    for text in ("订单号：2026111100001 怎么还没发货", "在吗", "【评价】随便说说", ""):
        assert parse_card(text) is None, text


def _chat(*steps: tuple[Sender, int]) -> list[Message]:
    start = datetime(2026, 11, 11, 10, 0)
    return [
        Message(i + 1, 1, sender, "亲" if sender is not Sender.CUSTOMER else "在吗", start + timedelta(seconds=s))
        for i, (sender, s) in enumerate(steps)
    ]


def test_a_buyer_rates_a_chat_as_it_went() -> None:
    quick = _chat((Sender.CUSTOMER, 0), (Sender.AGENT, 20), (Sender.CUSTOMER, 40), (Sender.AGENT, 60))
    slow = _chat((Sender.CUSTOMER, 0), (Sender.AGENT, 900), (Sender.CUSTOMER, 960))
    ignored = _chat((Sender.CUSTOMER, 0), (Sender.CUSTOMER, 120))
    order = list(Satisfaction)
    for seed in range(30):
        rng = random.Random(seed)
        good = order.index(plausible_rating(quick, rng))
        bad = order.index(plausible_rating(slow, rng))
        assert good <= order.index(Satisfaction.SATISFIED)
        assert bad >= order.index(Satisfaction.NEUTRAL)
        assert plausible_rating(ignored, rng) is Satisfaction.DISSATISFIED
