"""Edits of an order by the seller — shipping address, memo (备注) and flag (插旗) — and their log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workbench.domain.errors import DomainError
from workbench.domain.orders import Order, OrderState
from workbench.domain.text import clean_text

ADDRESS_LIMIT = 300
MEMO_LIMIT = 500
FLAGS = ("红", "黄", "绿", "蓝", "紫")
"""The 插旗 colours; "" means no flag."""

_FLAG_ALIASES = {"red": "红", "yellow": "黄", "green": "绿", "blue": "蓝", "purple": "紫"}

EDITABLE_ADDRESS_STATES = frozenset({OrderState.AWAITING_PAYMENT, OrderState.AWAITING_SHIPMENT})


@dataclass(frozen=True, slots=True)
class OrderChange:
    """One logged edit: `field` is "address", "memo" or "flag"."""

    order_id: int
    at: datetime
    field: str
    old: str
    new: str
    author: str


def address_editable(order: Order) -> bool:
    return order.state in EDITABLE_ADDRESS_STATES


def check_address(order: Order, address: str) -> str:
    """The cleaned new address, or a DomainError if the order has shipped or the text is invalid."""
    if not address_editable(order):
        raise DomainError("order.address_locked", "address", state=order.state.value)
    text = clean_text(address, field="address")
    if not text:
        raise DomainError("order.address_empty", "address")
    if len(text) > ADDRESS_LIMIT:
        raise DomainError("order.address_too_long", "address", length=len(text), limit=ADDRESS_LIMIT)
    return text


def check_memo(memo: str) -> str:
    text = clean_text(memo, field="memo")
    if len(text) > MEMO_LIMIT:
        raise DomainError("order.memo_too_long", "memo", length=len(text), limit=MEMO_LIMIT)
    return text


def check_flag(flag: str) -> str:
    text = flag.strip()
    if text and text not in FLAGS:
        raise DomainError("order.flag_invalid", "flag", flag=text)
    return text


def flag_colour(flag: str) -> str:
    """The 插旗 colour a stored flag stands for ("红旗", "red" and "红" are all 红); "" if none."""
    text = flag.strip()
    if text.lower() in _FLAG_ALIASES:
        return _FLAG_ALIASES[text.lower()]
    return next((c for c in FLAGS if c in text), "")
