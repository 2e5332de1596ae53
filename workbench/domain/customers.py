"""Customers, tags and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workbench.domain.errors import DomainError
from workbench.domain.text import clean_line, clean_text

MAX_TAG_LENGTH = 20
MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Tag:
    id: int
    name: str
    color: str = "#1677ff"
    group: str = ""
    official: bool = False  # set by the platform, read-only; domain.crm.is_official_tag holds the whole rule


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    customer_id: int
    text: str
    created_at: datetime
    author: str = ""


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    nick: str
    name: str = ""
    phone: str = ""
    gender: str = ""
    city: str = ""
    credit_level: str = ""  # platform credit: 1心..5心, 1钻..5钻, 1冠..5冠, 1金冠..
    is_88vip: bool = False
    traffic_source: str = ""  # 站内免费 / 站内付费 / 自主访问 / 站外
    member_level: str = ""  # 普通会员 / 银卡 / 金卡 / 钻石
    points: int = 0
    registered_at: datetime | None = None
    preferences: str = ""
    refund_count: int = 0
    bad_review_count: int = 0


@dataclass(frozen=True, slots=True)
class PhoneView:
    """Someone looked at a customer's full phone number (查看): who and when."""

    customer_id: int
    user_id: int | None
    user_name: str
    viewed_at: datetime


def masked_phone(phone: str) -> str:
    """138****1234: lists never show the full number."""
    if len(phone) < 7:
        return phone
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def clean_tag_name(name: str) -> str:
    name = clean_line(name, field="tag")
    if not name:
        raise DomainError("tag.empty", field="tag")
    if len(name) > MAX_TAG_LENGTH:
        raise DomainError("tag.too_long", field="tag", limit=MAX_TAG_LENGTH)
    return name


def clean_note_text(text: str) -> str:
    text = clean_text(text, field="note")
    if not text:
        raise DomainError("note.empty", field="note")
    if len(text) > MAX_NOTE_LENGTH:
        raise DomainError("note.too_long", field="note", limit=MAX_NOTE_LENGTH)
    return text
