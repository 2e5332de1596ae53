"""Quick phrases (快捷短语): shop and personal pools, groups and shortcodes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
